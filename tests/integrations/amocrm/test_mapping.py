"""The `[amocrm]` mappings: DESIGN.md's example validates, mistakes name their key, and a lead
reads as expected payments and dimensions.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from amocrm_client.mapping import Dimensions, ExpectedPayment, dimensions, expected_payments
from amocrm_client.models import Lead
from config.amocrm_mapping import AmoMapping, PaymentSlot
from ledger.payments import PaymentKind
from tests.conftest import FIXTURES

MOSCOW = ZoneInfo("Europe/Moscow")

# DESIGN.md, "Running it": the mappings block as users write it (the [amocrm] part of it).
DESIGN_TOML = """
[amocrm]
closed_statuses = [[3177727, 32392159]]  # [pipeline id, status id] pairs whose deals owe payments
confirmed_status = 32392160        # status set when a payment is confirmed (absent: leave as is)
paid_status = 142                  # status set when the deal is fully paid (absent: leave as is)
paid_field = 500009                # numeric field written back: total confirmed
contract_field = 500003
contract_date_field = 500004
product_field = 500006
salon_field = 500007
city_field = 500008

[[amocrm.payments]]                # one slot per expected payment
name = "Предоплата"
amount_field = 500001
type_field = 500002
date_field = 500004                # optional

[[amocrm.payments]]
name = "Остаток"
amount = "price_minus_others"      # computed: the deal's price less the other slots
type_field = 500010

[amocrm.payment_types]             # a type field's value, as amoCRM shows it -> kind
"Наличные" = "cash"
"Безналичный перевод" = "bank_transfer"
"Перевод на карту" = "card_transfer"
"Терминал" = "terminal"
"Кредитный договор" = "credit"
"""

# 2026-11-20 10:00 UTC = 13:00 in Moscow; 2026-11-20 22:30 UTC is already the 21st there.
NOV_20 = 1795168800
LATE_NOV_20_UTC = 1795213800


def design_section() -> dict[str, Any]:
    return tomllib.loads(DESIGN_TOML)["amocrm"]


def mapping(**changes: Any) -> AmoMapping:
    return AmoMapping.model_validate({**design_section(), **changes})


def field(field_id: int, value: Any, enum_id: int | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {"value": value}
    if enum_id is not None:
        shown["enum_id"] = enum_id
    return {"field_id": field_id, "values": [shown]}


def lead(price: int, *fields: dict[str, Any]) -> Lead:
    """The constructed fixture lead with its price and custom fields replaced."""
    raw = json.loads((FIXTURES / "amocrm" / "lead_with_custom_fields.constructed.json").read_text())
    return Lead.model_validate({**raw, "price": price, "custom_fields_values": list(fields)})


def errors_at(exc: ValidationError) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.errors()}


def test_the_design_example_validates() -> None:
    amo = AmoMapping.model_validate(design_section())

    assert amo.closed_statuses == [(3177727, 32392159)]
    assert (amo.confirmed_status, amo.paid_status, amo.paid_field) == (32392160, 142, 500009)
    assert [slot.name for slot in amo.payments] == ["Предоплата", "Остаток"]
    assert amo.payments[0].amount_field == 500001
    assert amo.payments[1].is_computed
    assert amo.payment_types["Терминал"] is PaymentKind.TERMINAL


def test_an_empty_section_is_valid_and_defaults_the_paid_status_to_success() -> None:
    amo = AmoMapping.model_validate({})

    assert amo.paid_status == 142
    assert amo.confirmed_status is None
    assert amo.payments == []


def test_is_closed_matches_the_pipeline_and_status_pair() -> None:
    amo = mapping()

    assert amo.is_closed(3177727, 32392159)
    assert not amo.is_closed(3177728, 32392159)
    assert not amo.is_closed(3177727, 142)


SLOT = {"name": "Предоплата", "amount_field": 500001, "type_field": 500002}
REMAINDER = {"name": "Остаток", "amount": "price_minus_others", "type_field": 500010}


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        pytest.param(
            {"payments": [REMAINDER, {**REMAINDER, "name": "Ещё"}]},
            "payments",
            "at most one slot",
            id="two-computed-slots",
        ),
        pytest.param(
            {"payments": [{**SLOT, "amount": "price_minus_others"}]},
            "payments.0",
            "exactly one of amount_field",
            id="both-amount-sources",
        ),
        pytest.param(
            {"payments": [{"name": "Предоплата", "type_field": 500002}]},
            "payments.0",
            "exactly one of amount_field",
            id="no-amount-source",
        ),
        pytest.param(
            {"payments": [{**REMAINDER, "amount": "price"}]},
            "payments.0.amount",
            "price_minus_others",
            id="unknown-computation",
        ),
        pytest.param(
            {"payments": [{**SLOT, "amount_feild": 1}]},
            "payments.0.amount_feild",
            "Extra inputs",
            id="misspelt-slot-key",
        ),
        pytest.param(
            {"payments": [{k: v for k, v in SLOT.items() if k != "type_field"}]},
            "payments.0.type_field",
            "required",
            id="no-type-field",
        ),
        pytest.param({"payments": [SLOT, SLOT]}, "payments", "distinct", id="duplicate-slot-names"),
        pytest.param(
            {"payment_types": {"Наличка": "cash_money"}},
            "payment_types.Наличка",
            "'cash'",
            id="unknown-payment-kind",
        ),
        pytest.param(
            {"closed_statuses": [[3177727]]}, "closed_statuses", "entry 1 is not a", id="single"
        ),
        pytest.param(
            {"closed_statuses": [3177727, 32392159]},
            "closed_statuses",
            "entry 1 is not a [pipeline id, status id] pair",
            id="flat-list-not-pairs",
        ),
        pytest.param(
            {"closed_statuses": [[1, 2], [1, 2, 3]]},
            "closed_statuses",
            "entry 2 is not a",
            id="triple",
        ),
        pytest.param({"closed_statuses": 3177727}, "closed_statuses", "list of", id="not-a-list"),
        pytest.param(
            {"closed_statuses": [[3177727, "won"]]},
            "closed_statuses.0.1",
            "integer",
            id="status-not-a-number",
        ),
        pytest.param({"paid_field": "500009"}, "paid_field", "integer", id="id-as-text"),
        pytest.param({"city_field": 0}, "city_field", "greater than 0", id="zero-id"),
        pytest.param({"paid_feild": 1}, "paid_feild", "Extra inputs", id="misspelt-key"),
    ],
)
def test_an_invalid_section_names_the_key_and_what_is_wrong(
    changes: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        mapping(**changes)

    found = errors_at(caught.value)
    assert key in found, found
    assert words in found[key]


def test_a_slot_is_a_model_of_its_own() -> None:
    slot = PaymentSlot.model_validate({**SLOT, "name": "  Предоплата  "})

    assert slot.name == "Предоплата"
    assert not slot.is_computed


def test_prepayment_and_remainder_split_the_price() -> None:
    deal = lead(
        50000,
        field(500001, "15000"),
        field(500002, "Наличные", 700101),
        field(500004, NOV_20),
        field(500010, "Безналичный перевод", 700102),
    )

    assert expected_payments(mapping(), deal, MOSCOW) == [
        ExpectedPayment("Предоплата", Decimal("15000"), PaymentKind.CASH, date(2026, 11, 20)),
        ExpectedPayment("Остаток", Decimal("35000"), PaymentKind.BANK_TRANSFER, None),
    ]


def test_amounts_in_kopecks_stay_decimal() -> None:
    deal = lead(
        20000,
        field(500001, "15000.50"),
        field(500002, "Терминал"),
        field(500010, "Терминал"),
    )

    prepayment, remainder = expected_payments(mapping(), deal, MOSCOW)

    assert prepayment.amount == Decimal("15000.50")
    assert remainder.amount == Decimal("4999.50")
    assert isinstance(remainder.amount, Decimal)


def test_the_due_date_is_the_day_in_the_given_time_zone() -> None:
    deal = lead(
        15000, field(500001, 15000), field(500002, "Наличные"), field(500004, LATE_NOV_20_UTC)
    )

    (moscow,) = expected_payments(mapping(), deal, MOSCOW)
    (utc,) = expected_payments(mapping(), deal, ZoneInfo("UTC"))

    assert (moscow.due, utc.due) == (date(2026, 11, 21), date(2026, 11, 20))


def test_a_zero_remainder_and_an_absent_prepayment_are_skipped() -> None:
    fully_prepaid = lead(15000, field(500001, "15000"), field(500002, "Наличные"))
    no_prepayment = lead(30000, field(500010, "Кредитный договор"))

    assert [p.slot for p in expected_payments(mapping(), fully_prepaid, MOSCOW)] == ["Предоплата"]
    (only,) = expected_payments(mapping(), no_prepayment, MOSCOW)
    assert (only.slot, only.amount, only.kind) == ("Остаток", Decimal(30000), PaymentKind.CREDIT)


def test_an_unmapped_payment_type_gives_no_kind_and_a_reason() -> None:
    deal = lead(15000, field(500001, "15000"), field(500002, "Бартер"))

    (payment,) = expected_payments(mapping(), deal, MOSCOW)

    assert payment.amount == Decimal(15000)
    assert payment.kind is None
    assert payment.problems == ("«Предоплата»: payment type «Бартер» is not in payment_types",)


def test_an_empty_payment_type_gives_no_kind_and_a_reason() -> None:
    (payment,) = expected_payments(mapping(), lead(15000, field(500001, "15000")), MOSCOW)

    assert payment.kind is None
    assert payment.problems == ("«Предоплата»: payment type (field 500002) is empty",)


def test_a_negative_remainder_is_reported_not_clipped() -> None:
    deal = lead(10000, field(500001, "15000"), field(500002, "Наличные"), field(500010, "Наличные"))

    prepayment, remainder = expected_payments(mapping(), deal, MOSCOW)

    assert prepayment.problems == ()
    assert remainder.amount == Decimal(-5000)
    assert remainder.problems == (
        "«Остаток»: the other slots (15000) exceed the deal's price (10000)",
    )


def test_an_unreadable_amount_is_reported_and_blocks_the_remainder() -> None:
    deal = lead(
        10000, field(500001, "пятнадцать"), field(500002, "Наличные"), field(500010, "Наличные")
    )

    prepayment, remainder = expected_payments(mapping(), deal, MOSCOW)

    assert prepayment.amount is None
    assert prepayment.problems == ("«Предоплата»: amount field 500001 is not a number",)
    assert remainder.amount is None
    assert remainder.problems == ("«Остаток»: cannot compute, «Предоплата» is unreadable",)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("-100", "is not a positive number", id="negative"),
        pytest.param(-100, "is not a positive number", id="negative-number"),
        pytest.param("NaN", "is not a number", id="nan"),
        pytest.param("Infinity", "is not a number", id="infinity"),
        pytest.param("1e999999999", "is not a number", id="exponent"),
        pytest.param("1" * 16, "is not a number", id="too-many-digits"),
        pytest.param(10**15, "is too large", id="absurd"),
        pytest.param(Decimal("1E+30"), "is too large", id="absurd-decimal"),
        pytest.param("10.001", "fractions of a kopeck", id="sub-kopeck"),
        pytest.param(True, "is not a number", id="checkbox"),
    ],
)
def test_an_amount_that_is_not_money_is_reported(value: Any, problem: str) -> None:
    mapping_without_remainder = mapping(payments=[SLOT])
    deal = lead(0, field(500001, value), field(500002, "Наличные"))

    (payment,) = expected_payments(mapping_without_remainder, deal, MOSCOW)

    assert payment.amount is None
    assert problem in payment.problems[0]


def test_an_amount_typed_with_spaces_and_a_comma_is_read() -> None:
    deal = lead(0, field(500001, "15 000,50"), field(500002, "Наличные"))

    (payment,) = expected_payments(mapping(payments=[SLOT]), deal, MOSCOW)

    assert payment.amount == Decimal("15000.50")


def test_a_payment_type_is_matched_after_trimming() -> None:
    amo = mapping(payments=[SLOT], payment_types={" Наличные ": "cash"})
    deal = lead(0, field(500001, "100"), field(500002, "Наличные "))

    (payment,) = expected_payments(amo, deal, MOSCOW)

    assert payment.kind is PaymentKind.CASH


def test_dimensions_read_text_select_and_date_fields() -> None:
    deal = lead(
        0,
        field(500003, "Д-2026/117"),
        field(500004, NOV_20),
        field(500006, "Кухня", 700201),
        field(500007, "Салон на Ленина", 700301),
        field(500008, "Казань", 700401),
    )

    assert dimensions(mapping(), deal, MOSCOW) == Dimensions(
        contract="Д-2026/117",
        contract_date=date(2026, 11, 20),
        product="Кухня",
        salon="Салон на Ленина",
        city="Казань",
    )


def test_dimensions_of_unmapped_or_empty_fields_are_none() -> None:
    deal = lead(0, field(500003, "  "), field(500004, "не дата"))

    assert dimensions(AmoMapping(), deal, MOSCOW) == Dimensions(None, None, None, None, None)
    assert dimensions(mapping(), deal, MOSCOW) == Dimensions(None, None, None, None, None)


def test_the_constructed_fixture_lead_reads_through_a_matching_mapping() -> None:
    raw = json.loads((FIXTURES / "amocrm" / "lead_with_custom_fields.constructed.json").read_text())
    fixture_lead = Lead.model_validate(raw)
    amo = AmoMapping.model_validate(
        {
            "payments": [
                {
                    "name": "Оплата",
                    "amount_field": 500001,
                    "type_field": 500005,
                    "date_field": 500007,
                },
            ],
            "payment_types": {"Telegram": "card_transfer"},
            "contract_field": 500003,
        }
    )

    assert expected_payments(amo, fixture_lead, MOSCOW) == [
        ExpectedPayment("Оплата", Decimal(15000), PaymentKind.CARD_TRANSFER, date(2024, 11, 23))
    ]
    assert dimensions(amo, fixture_lead, MOSCOW).contract == "Перезвонить вечером"


@settings(max_examples=200, deadline=None)
@given(
    price=st.integers(min_value=0, max_value=10**9),
    kopecks=st.integers(min_value=0, max_value=10**11),
)
def test_the_slots_add_up_to_the_price_or_report_the_excess(price: int, kopecks: int) -> None:
    prepaid = Decimal(kopecks) / 100
    deal = lead(
        price, field(500001, str(prepaid)), field(500002, "Наличные"), field(500010, "Терминал")
    )

    payments = {p.slot: p for p in expected_payments(mapping(), deal, MOSCOW)}

    total = sum((p.amount for p in payments.values() if p.amount is not None), Decimal(0))
    remainder = payments.get("Остаток")
    if prepaid <= price:
        assert total == price
        assert all(p.problems == () for p in payments.values())
    else:
        assert remainder is not None
        assert remainder.amount == price - prepaid
        assert remainder.problems
