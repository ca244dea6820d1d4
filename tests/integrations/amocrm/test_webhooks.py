"""amoCRM webhook bodies: the wire fixtures parse, malformed bodies are refused safely."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amocrm_client.models import Lead
from amocrm_client.webhooks import (
    MAX_BODY_BYTES,
    MAX_KEY_DEPTH,
    MAX_KEYS,
    LeadEvent,
    RawCustomField,
    RawFieldValue,
    WebhookBatch,
    WebhookError,
    parse_form,
    parse_webhook,
)
from tests.conftest import FIXTURES

AMO = FIXTURES / "amocrm"


def wire(name: str) -> bytes:
    # The fixture files end with a newline that is not part of the body (see SOURCES.md).
    return (AMO / name).read_bytes().rstrip(b"\n")


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """PHP `http_build_query` keys for a decoded webhook, brackets left unencoded."""
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        pairs: list[tuple[str, str]] = []
        for key, child in items:
            pairs += flatten(child, f"{prefix}[{key}]" if prefix else str(key))
        return pairs
    return [(prefix, str(value))]


def encode(pairs: list[tuple[str, str]], *, brackets_encoded: bool) -> bytes:
    safe = "" if brackets_encoded else "[]"
    return "&".join(f"{quote_plus(k, safe=safe)}={quote_plus(v)}" for k, v in pairs).encode()


STATUS_BODY = (
    "leads[status][0][id]=25399013&leads[status][0][status_id]=142"
    "&leads[status][0][pipeline_id]=3177727&leads[status][0][updated_at]=1413554372"
    "&account[subdomain]=example&account[id]=7039099"
)


def test_the_status_fixture_gives_one_status_event_with_its_ids() -> None:
    batch = parse_webhook(wire("webhook_lead_status.constructed.urlencoded"))

    assert batch.account_id == 7039099
    assert batch.subdomain == "example"
    assert batch.lead_ids() == [25399013]
    (event,) = batch.events
    assert event.action == "status"
    assert (event.status_id, event.old_status_id, event.pipeline_id) == (142, 7039101, 3177727)
    assert event.price == 0
    assert event.responsible_user_id == 123123
    assert (event.updated_at, event.last_modified) == (1413554372, 1413554372)
    assert event.custom_fields == (
        RawCustomField(427183, (RawFieldValue("1"),)),
        RawCustomField(427271, (RawFieldValue("1412380800"),)),
    )


def test_the_update_fixture_reads_custom_fields_of_every_value_shape() -> None:
    batch = parse_webhook(wire("webhook_lead_update_custom_fields.constructed.urlencoded"))

    (event,) = batch.events
    assert event.action == "update"
    assert event.lead_id == 19620
    assert event.price == 15000
    assert isinstance(event.price, int)
    assert dict(event.custom_fields) == {
        500001: (RawFieldValue("15000"),),  # numeric: values[0][value]
        500003: (RawFieldValue("Перезвонить вечером"),),  # text
        500005: (RawFieldValue("Telegram", 700003),),  # select: [value] and [enum]
        500007: (RawFieldValue("1732320000"),),  # date: bare values[0]
        500009: (RawFieldValue("1"),),  # checkbox
    }


def test_parse_form_nests_numeric_keys_into_lists_and_keeps_names_as_dicts() -> None:
    form = parse_form(wire("webhook_lead_update_custom_fields.constructed.urlencoded"))

    assert form["account"] == {
        "subdomain": "example",
        "id": "28805383",
        "_links": {"self": "https://example.amocrm.ru"},
    }
    lead = form["leads"]["update"][0]
    assert lead["tags"] == [{"id": "80147", "name": "бот"}]
    assert lead["custom_fields"][3]["values"] == ["1732320000"]


def test_the_docs_example_parses_the_same_with_brackets_encoded_or_not() -> None:
    decoded = json.loads((AMO / "webhook_lead_status.docs-decoded.json").read_text("utf-8"))
    pairs = [*flatten(decoded), ("account[subdomain]", "example")]

    encoded = parse_webhook(encode(pairs, brackets_encoded=True))
    plain = parse_webhook(encode(pairs, brackets_encoded=False))

    assert encoded == plain
    (event,) = plain.events
    assert event.lead_id == 25399013
    assert event.pipeline_id is None  # the docs example sends no pipeline
    assert dict(event.custom_fields)[427661] == (RawFieldValue("Валера"),)
    assert len(event.custom_fields) == 5


def test_list_indices_keep_their_order_and_gaps_close_up() -> None:
    body = b"a[10]=ten&a[2]=two&a[0]=zero"

    assert parse_form(body) == {"a": ["zero", "two", "ten"]}


def test_several_events_give_distinct_lead_ids_in_order() -> None:
    body = (
        b"leads[update][0][id]=7&leads[update][1][id]=5"
        b"&leads[status][0][id]=7&leads[status][0][status_id]=142"
    )

    assert parse_webhook(body).lead_ids() == [7, 5]


def test_a_note_event_names_the_lead_by_the_notes_element_id() -> None:
    body = b"leads[note][0][note][id]=900&leads[note][0][note][element_id]=19620"

    (event,) = parse_webhook(body).events
    assert (event.action, event.lead_id) == ("note", 19620)


def test_a_delete_event_needs_only_the_id() -> None:
    (event,) = parse_webhook(b"leads[delete][0][id]=19620&account[subdomain]=x").events

    assert event == LeadEvent(action="delete", lead_id=19620)


def test_unknown_entities_and_actions_are_ignored() -> None:
    body = (
        b"contacts[add][0][id]=1&contacts[add][0][type]=contact&task[add][0][id]=2"
        b"&leads[archive][0][id]=3&leads[update][0][id]=4&account[subdomain]=example"
    )

    batch = parse_webhook(body)

    assert batch.lead_ids() == [4]
    assert batch.account_id is None


def test_a_body_without_leads_is_an_empty_batch() -> None:
    assert parse_webhook(b"contacts[add][0][id]=1&account[subdomain]=x") == WebhookBatch(
        account_id=None, subdomain="x", events=()
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b'{"leads": {"status": []}}', "not a urlencoded form", id="json"),
        pytest.param(b"just some text", "not a urlencoded form", id="no-equals"),
        pytest.param(b"", "empty body", id="empty"),
        pytest.param(b"\xff\xfe=1", "body is not UTF-8", id="not-utf8"),
        pytest.param(b"a=%ff", "not a urlencoded form", id="bad-percent-utf8"),
        pytest.param(b"a[b=1", "malformed key", id="open-bracket"),
        pytest.param(b"a[]=1", "malformed key", id="empty-bracket"),
        pytest.param(b"a=1&a[b]=2", "a key is both a value and a group", id="value-then-group"),
        pytest.param(b"a[b]=2&a=1", "a key is both a value and a group", id="group-then-value"),
        pytest.param(b"leads[update][0][id]=abc", "leads[update][id] is not a whole number"),
        pytest.param(b"leads[update][0][id]=%D9%A3", "leads[update][id] is not a whole number"),
        pytest.param(b"leads[update][0][name]=x", "leads[update] item has no id", id="no-id"),
        pytest.param(b"leads[update][0][id]=", "leads[update] item has no id", id="blank-id"),
        pytest.param(b"leads[update]=x", "leads[update] is not a list", id="action-scalar"),
        pytest.param(b"leads=x", "leads is not a group of keys", id="leads-scalar"),
        pytest.param(b"leads[0][id]=1", "leads is not a group of keys", id="leads-list"),
        pytest.param(b"account[id]=x", "account[id] is not a whole number", id="account-id"),
        pytest.param(b"leads[add][0]=1", "leads[add] item is not a group of keys"),
        pytest.param(
            b"leads[add][0][id]=1&leads[add][0][price]=1.5",
            "leads[add][price] is not a whole number",
            id="fractional-price",
        ),
        pytest.param(
            b"leads[add][0][id]=1&leads[add][0][custom_fields][0][values][0][value]=1",
            "leads[add][custom_fields] item has no id",
            id="field-without-id",
        ),
    ],
)
def test_a_malformed_body_raises_a_webhook_error_with_a_short_reason(
    body: bytes, reason: str
) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_webhook(body)

    assert caught.value.reason == reason


def test_a_price_with_zero_kopecks_is_read_as_whole_rubles() -> None:
    (event,) = parse_webhook(b"leads[add][0][id]=1&leads[add][0][price]=15000.00").events

    assert event.price == 15000


def test_a_key_deeper_than_the_limit_is_refused() -> None:
    at_limit = "a" + "[b]" * (MAX_KEY_DEPTH - 1)
    parse_form(f"{at_limit}=1".encode())

    with pytest.raises(WebhookError, match="key too deep"):
        parse_form(f"{at_limit}[c]=1".encode())
    with pytest.raises(WebhookError, match="key too deep"):
        parse_form(("a" + "[b]" * 10_000 + "=1").encode())


def test_a_flood_of_keys_is_refused() -> None:
    body = "&".join(f"k{i}=1" for i in range(MAX_KEYS + 1)).encode()

    with pytest.raises(WebhookError, match="too many keys"):
        parse_form(body)


def test_a_body_over_the_size_limit_is_refused_before_parsing() -> None:
    body = b"a=" + b"x" * MAX_BODY_BYTES

    with pytest.raises(WebhookError, match="body too large"):
        parse_form(body)


def test_an_error_never_echoes_what_the_body_carried() -> None:
    secret = "s3cr3t-token"
    for body in (f"{secret}", f"leads[update][0][id]={secret}", f"a[{secret}=1"):
        with pytest.raises(WebhookError) as caught:
            parse_webhook(body.encode())
        assert secret not in str(caught.value)
        assert caught.value.__cause__ is None


def batch_or_error(body: bytes) -> WebhookBatch | WebhookError:
    # Any other exception escapes and fails the property.
    try:
        return parse_webhook(body)
    except WebhookError as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_batch_or_a_webhook_error(body: bytes) -> None:
    assert isinstance(batch_or_error(body), WebhookBatch | WebhookError)


_KEY_PARTS = st.sampled_from(["leads", "update", "status", "0", "1", "id", "custom_fields"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(_KEY_PARTS, min_size=1, max_size=7),
            st.sampled_from(["", "1", "x", "142", "1.0"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_bracket_shaped_bodies_give_a_batch_or_a_webhook_error(
    fields: list[tuple[list[str], str]],
) -> None:
    pairs = [(parts[0] + "".join(f"[{p}]" for p in parts[1:]), value) for parts, value in fields]
    body = encode(pairs, brackets_encoded=False)
    assert isinstance(batch_or_error(body), WebhookBatch | WebhookError)


# -- poison: numbers past 64 bits, control characters ------------------------------------


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("id", "leads[status][id]"),
        ("status_id", "leads[status][status_id]"),
        ("price", "leads[status][price]"),
        ("updated_at", "leads[status][updated_at]"),
    ],
)
def test_a_lead_number_past_64_bits_refuses_the_batch_and_says_where(
    field: str, where: str
) -> None:
    body = f"leads[status][0][id]=1&leads[status][0][{field}]=9223372036854775808"

    batch = parse_webhook(f"{body}&account[id]=7039099".encode())

    assert batch.refused == f"{where} is larger than a 64-bit number"
    assert batch.events == ()
    assert batch.lead_ids() == []
    assert batch.account_id == 7039099


def test_the_largest_64_bit_number_is_still_a_lead_id() -> None:
    batch = parse_webhook(b"leads[status][0][id]=9223372036854775807")

    assert batch.refused is None
    assert batch.lead_ids() == [9223372036854775807]


def test_an_account_id_past_64_bits_is_no_account_of_ours() -> None:
    with pytest.raises(WebhookError, match="account\\[id\\] is larger"):
        parse_webhook(b"leads[status][0][id]=1&account[id]=9999999999999999999")


@pytest.mark.parametrize("raw", [b"\x00", b"\x01", b"\x1b", b"\x7f", b"\r\n"])
def test_a_raw_control_character_in_a_body_is_no_form(raw: bytes) -> None:
    with pytest.raises(WebhookError, match="raw control character"):
        parse_webhook(b"leads[status][0][id]=1&account[subdomain]=a" + raw + b"b")


def test_percent_encoded_control_characters_are_taken_out_of_text_values() -> None:
    body = (
        "leads[update][0][id]=1&account[subdomain]=ex%00ample"
        "&leads[update][0][custom_fields][0][id]=5"
        "&leads[update][0][custom_fields][0][values][0][value]=Ива%00нов%0Aа"
        "&leads[update][0][custom_fields][0][values][1]=17%1B00"
    )

    batch = parse_webhook(body.encode())

    assert batch.subdomain == "example"
    (field,) = batch.events[0].custom_fields
    assert field.values == (RawFieldValue("Иванов\nа"), RawFieldValue("1700"))


def test_text_read_from_the_api_loses_control_characters() -> None:
    lead = Lead.model_validate(
        {
            "id": 1,
            "name": "Кухня\x00 Ивановых\ud800",
            "status_id": 142,
            "pipeline_id": 1,
            "updated_at": 1413554372,
            "custom_fields_values": [
                {"field_id": 5, "values": [{"value": "Ива\x1bнов"}, {"value": 15000}]}
            ],
        }
    )

    assert lead.name == "Кухня Ивановых"
    values = lead.custom_fields_values[0].values
    assert [value.value for value in values] == ["Иванов", 15000]
