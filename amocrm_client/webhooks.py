"""Parsing of amoCRM webhook bodies into a small typed batch of lead events. Pure: no I/O.

amoCRM posts `application/x-www-form-urlencoded` bodies with PHP-style bracket keys
(`leads[status][0][id]=…`), brackets percent-encoded or not, all values strings. Only what a
reconcile needs is kept: the reconcile fetches the full lead by id afterwards. Other entities
(contacts, tasks, …) are ignored. Anything malformed raises `WebhookError` whose reason is a
fixed phrase plus key names, never a value from the body, so a log line cannot leak a secret.

Poison stops here too: text values lose control characters (PostgreSQL refuses a NUL), and a
lead's number past what a signed 64-bit column holds makes the batch `refused` (the endpoint
keeps it for a person to see) instead of a row that would fail on every retry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, cast, get_args
from urllib.parse import parse_qsl

from amocrm_client.models import clean_text

MAX_BODY_BYTES = 1024 * 1024
MAX_KEY_DEPTH = 8
MAX_KEYS = 10_000

LeadAction = Literal["add", "update", "status", "delete", "restore", "responsible", "note"]
LEAD_ACTIONS: frozenset[str] = frozenset(get_args(LeadAction))

# A key is a name followed by bracketed segments; a conservative alphabet also turns away JSON
# and other bodies that parse_qsl would otherwise read as odd keys.
_SEGMENT = r"[A-Za-z0-9_.\-]+"
_KEY = re.compile(rf"({_SEGMENT})((?:\[{_SEGMENT}\])*)")
_BRACKETED = re.compile(rf"\[({_SEGMENT})\]")
# ASCII digits only (str.isdigit accepts "²"), and short enough that int() stays cheap.
_INTEGER = re.compile(r"[0-9]{1,19}")
_WHOLE_NUMBER = re.compile(r"([0-9]{1,19})(?:\.0*)?")
# Ids, prices and times are kept in signed 64-bit columns; 19 digits can go past that.
MAX_NUMBER = 2**63 - 1
# A urlencoded body percent-encodes everything but printable ASCII: a raw control character
# is no form (and the body is kept as text, where PostgreSQL refuses a NUL).
_RAW_CONTROL = re.compile("[\x00-\x1f\x7f]")


class WebhookError(ValueError):
    """A body we cannot read as an amoCRM webhook; `reason` is short and safe to log."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class NumberOutOfRange(WebhookError):
    """A whole number too large to keep: the webhook is well formed but cannot be applied."""


class RawFieldValue(NamedTuple):
    """One value of a custom field as the webhook sends it: text, and an enum id for selects."""

    value: str
    enum_id: int | None = None


class RawCustomField(NamedTuple):
    field_id: int
    values: tuple[RawFieldValue, ...]


@dataclass(frozen=True)
class LeadEvent:
    action: LeadAction
    lead_id: int
    status_id: int | None = None
    pipeline_id: int | None = None
    old_status_id: int | None = None
    price: int | None = None
    responsible_user_id: int | None = None
    updated_at: int | None = None
    last_modified: int | None = None
    custom_fields: tuple[RawCustomField, ...] = ()


@dataclass(frozen=True)
class WebhookBatch:
    account_id: int | None
    subdomain: str | None
    events: tuple[LeadEvent, ...]
    # Why the batch cannot be applied (a number out of range); then it has no events.
    refused: str | None = None

    def lead_ids(self) -> list[int]:
        """The distinct lead ids, in the order they first appear."""
        return list(dict.fromkeys(event.lead_id for event in self.events))


def parse_form(body: bytes) -> dict[str, Any]:
    """Nest a urlencoded body's bracket keys into dicts; all-numeric keys become ordered lists.

    A repeated key keeps its last value, as PHP does.
    """
    pairs = _decode_pairs(body)
    if len(pairs) > MAX_KEYS:
        raise WebhookError("too many keys")
    tree: dict[str, Any] = {}
    for key, value in pairs:
        _insert(tree, _split_key(key), value)
    # The top level stays a dict even if every name is a number: callers look names up.
    return {name: _lists_from_numeric(child) for name, child in tree.items()}


def parse_webhook(body: bytes) -> WebhookBatch:
    """The account and the lead events of one webhook body; `refused` (and no events) when a
    lead carries a number too large to keep."""
    form = parse_form(body)
    account = _optional_map(form.get("account"), "account")
    leads = _optional_map(form.get("leads"), "leads")
    subdomain = account.get("subdomain")
    if subdomain is not None and not isinstance(subdomain, str):
        raise WebhookError("account[subdomain] is not text")
    account_id = _optional_int(account, "id", "account")  # too large: no account of ours
    subdomain = clean_text(subdomain) if subdomain else None
    try:
        events = _lead_events(leads)
    except NumberOutOfRange as exc:
        return WebhookBatch(account_id, subdomain or None, (), refused=exc.reason)
    return WebhookBatch(account_id=account_id, subdomain=subdomain or None, events=events)


def _lead_events(leads: dict[str, Any]) -> tuple[LeadEvent, ...]:
    events: list[LeadEvent] = []
    for action, items in leads.items():
        # An action we do not know (amoCRM may add one) is skipped like an unknown entity.
        if action not in LEAD_ACTIONS:
            continue
        if not isinstance(items, list):
            raise WebhookError(f"leads[{action}] is not a list")
        events.extend(_lead_event(cast(LeadAction, action), item) for item in items)
    return tuple(events)


def _decode_pairs(body: bytes) -> list[tuple[str, str]]:
    if len(body) > MAX_BODY_BYTES:
        raise WebhookError("body too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookError("body is not UTF-8") from None
    # A trailing newline (a body saved to a file, curl --data @file) is not part of a value.
    text = text.strip()
    if not text:
        raise WebhookError("empty body")
    if _RAW_CONTROL.search(text):
        raise WebhookError("raw control character in body")
    try:
        # strict_parsing rejects fields without "="; max_num_fields stops a flood before work.
        return parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_KEYS,
        )
    except ValueError as exc:
        # The stdlib's messages quote the offending field; ours must not.
        reason = "too many keys" if "Max number of fields" in str(exc) else "not a urlencoded form"
        raise WebhookError(reason) from None


def _split_key(key: str) -> list[str]:
    match = _KEY.fullmatch(key)
    if match is None:
        raise WebhookError("malformed key")
    segments = [match.group(1), *_BRACKETED.findall(match.group(2))]
    if len(segments) > MAX_KEY_DEPTH:
        raise WebhookError("key too deep")
    return segments


def _insert(tree: dict[str, Any], segments: list[str], value: str) -> None:
    node = tree
    for segment in segments[:-1]:
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            raise WebhookError("a key is both a value and a group")
        node = child
    if isinstance(node.get(segments[-1]), dict):
        raise WebhookError("a key is both a value and a group")
    node[segments[-1]] = value


def _lists_from_numeric(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _lists_from_numeric(child) for key, child in node.items()}
    if converted and all(_INTEGER.fullmatch(key) for key in converted):
        # Order by index; a gap (items 0 and 2) closes up rather than inventing an empty item.
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _optional_map(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WebhookError(f"{name} is not a group of keys")
    return value


def _lead_event(action: LeadAction, item: Any) -> LeadEvent:
    where = f"leads[{action}]"
    if not isinstance(item, dict):
        raise WebhookError(f"{where} item is not a group of keys")
    return LeadEvent(
        action=action,
        lead_id=_lead_id(action, item, where),
        status_id=_optional_int(item, "status_id", where),
        pipeline_id=_optional_int(item, "pipeline_id", where),
        old_status_id=_optional_int(item, "old_status_id", where),
        price=_price(item, where),
        responsible_user_id=_optional_int(item, "responsible_user_id", where),
        updated_at=_optional_int(item, "updated_at", where),
        last_modified=_optional_int(item, "last_modified", where),
        custom_fields=_custom_fields(item.get("custom_fields"), where),
    )


def _lead_id(action: LeadAction, item: dict[str, Any], where: str) -> int:
    # A note event nests the note, whose `element_id` is the lead; its own `id` is the note's.
    note = item.get("note")
    if action == "note" and isinstance(note, dict) and "element_id" in note:
        lead_id = _optional_int(note, "element_id", f"{where}[note]")
    else:
        lead_id = _optional_int(item, "id", where)
    if lead_id is None:
        raise WebhookError(f"{where} item has no id")
    return lead_id


def _optional_int(item: dict[str, Any], key: str, where: str) -> int | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _INTEGER.fullmatch(value):
        raise WebhookError(f"{where}[{key}] is not a whole number")
    return _in_range(int(value), f"{where}[{key}]")


def _in_range(number: int, where: str) -> int:
    if number > MAX_NUMBER:
        raise NumberOutOfRange(f"{where} is larger than a 64-bit number")
    return number


def _price(item: dict[str, Any], where: str) -> int | None:
    # amoCRM prices are whole units; "15000.00" is tolerated, a fraction is not (never a float).
    value = item.get("price")
    if value is None or value == "":
        return None
    match = _WHOLE_NUMBER.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise WebhookError(f"{where}[price] is not a whole number")
    return _in_range(int(match.group(1)), f"{where}[price]")


def _custom_fields(raw: Any, where: str) -> tuple[RawCustomField, ...]:
    if raw is None or raw == "":
        return ()
    if not isinstance(raw, list):
        raise WebhookError(f"{where}[custom_fields] is not a list")
    fields: list[RawCustomField] = []
    for field in raw:
        if not isinstance(field, dict):
            raise WebhookError(f"{where}[custom_fields] item is not a group of keys")
        field_id = _optional_int(field, "id", f"{where}[custom_fields]")
        if field_id is None:
            raise WebhookError(f"{where}[custom_fields] item has no id")
        fields.append(RawCustomField(field_id, _field_values(field.get("values"), where)))
    return tuple(fields)


def _field_values(raw: Any, where: str) -> tuple[RawFieldValue, ...]:
    if raw is None or raw == "":
        return ()
    if not isinstance(raw, list):
        raise WebhookError(f"{where}[custom_fields][values] is not a list")
    return tuple(_field_value(value, where) for value in raw)


def _field_value(raw: Any, where: str) -> RawFieldValue:
    # Dates come bare (`values[0]=<ts>`); text, numbers and selects as `values[0][value]`,
    # selects also with `[enum]`.
    if isinstance(raw, str):
        return RawFieldValue(clean_text(raw))
    if not isinstance(raw, dict):
        raise WebhookError(f"{where}[custom_fields][values] item is not a value")
    value = raw.get("value", "")
    if not isinstance(value, str):
        raise WebhookError(f"{where}[custom_fields][values][value] is not text")
    enum_id = _optional_int(raw, "enum", f"{where}[custom_fields][values]")
    return RawFieldValue(clean_text(value), enum_id)
