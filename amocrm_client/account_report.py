"""What the owner needs to fill and check the `[amocrm]` mapping without reading JSON.

`describe_account` is `run.py amocrm fields`: the account's pipelines, statuses, users and lead
fields with their ids, in an 80-column terminal, ending with where those ids go in the TOML.
`check_mapping` is the doctor's half: every id the mapping names, checked against the live
account, each problem naming its TOML key and saying what to do. Both only read from amoCRM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from amocrm_client.models import Account, LeadCustomField, Pipeline, User
from config.amocrm_mapping import AmoMapping, PaymentSlot
from ledger.payments import PaymentKind

if TYPE_CHECKING:
    from amocrm_client.client import AmoClient

WON_STATUS = 142
LOST_STATUS = 143
BUILT_IN_STATUSES = (WON_STATUS, LOST_STATUS)  # the same ids in every pipeline
WIDTH = 80
FIELDS_COMMAND = "./start amocrm fields"

AMOUNT_TYPES = frozenset({"numeric", "monetary", "price"})
LIST_TYPES = frozenset({"select", "radiobutton", "multiselect"})
DATE_TYPES = frozenset({"date", "date_time"})
TEXT_TYPES = frozenset({"text", "textarea"})


@dataclass(frozen=True)
class MappingProblem:
    """One thing wrong in `[amocrm]`: `key` is the TOML key to change, `text` what to do.

    A warning is a mapping that works but probably not as meant; the doctor does not fail on it.
    """

    key: str
    text: str
    warning: bool = False


# --- run.py amocrm fields ----------------------------------------------------------------------


async def describe_account(client: AmoClient) -> str:
    """The account's ids in plain text, laid out to be copied into `config/mappings.toml`."""
    account = await client.account()
    pipelines = await client.pipelines()
    users = await client.users()
    fields = await client.lead_custom_fields()
    sections = [
        _account_lines(account),
        _pipeline_lines(pipelines),
        _user_lines(users),
        _field_lines(fields),
        _TOML_HINT.splitlines(),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _fit(text: str, width: int) -> str:
    """`text` on one line, cut to `width` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _account_lines(account: Account) -> list[str]:
    return [
        _fit(f"amoCRM account «{account.name}»", WIDTH),
        f"  id {account.id}, subdomain {account.subdomain}",
    ]


def _status_note(status_id: int, status_type: int) -> str:
    if status_id == WON_STATUS:
        return " (won; built in)"
    if status_id == LOST_STATUS:
        return " (lost; built in)"
    return " (unsorted)" if status_type == 1 else ""


def _pipeline_lines(pipelines: Sequence[Pipeline]) -> list[str]:
    lines = [
        "Pipelines and statuses: closed_statuses takes [pipeline id, status id] pairs,",
        "confirmed_status and paid_status a status id (142, 143: in every pipeline)",
    ]
    if not pipelines:
        return [*lines, "  (none)"]
    for pipeline in sorted(pipelines, key=lambda p: (p.sort, p.id)):
        flags = [
            flag
            for flag, on in (("main", pipeline.is_main), ("archived", pipeline.is_archive))
            if on
        ]
        suffix = f" ({', '.join(flags)})" if flags else ""
        head = f"  pipeline {pipeline.id}  "
        lines.append(head + _fit(pipeline.name, WIDTH - len(head) - len(suffix)) + suffix)
        statuses = sorted(pipeline.statuses, key=lambda s: (s.sort, s.id))
        id_width = max((len(str(s.id)) for s in statuses), default=0)
        for status in statuses:
            head = f"    {status.id:>{id_width}}  "
            note = _status_note(status.id, status.type)
            lines.append(head + _fit(status.name, WIDTH - len(head) - len(note)) + note)
    return lines


def _user_lines(users: Sequence[User]) -> list[str]:
    lines = ["Users: the managers deals belong to"]
    if not users:
        return [*lines, "  (none)"]
    id_width = max(len(str(u.id)) for u in users)
    for user in users:
        head = f"  {user.id:>{id_width}}  "
        email = f"  <{user.email}>" if user.email else ""
        email = email if len(head) + len(email) < WIDTH - 10 else ""
        lines.append(head + _fit(user.name, WIDTH - len(head) - len(email)) + email)
    return lines


def _field_lines(fields: Sequence[LeadCustomField]) -> list[str]:
    lines = [
        "Lead custom fields: ids for the *_field keys; the values of a payment type",
        "field (select, radiobutton, multiselect) are the keys of payment_types",
    ]
    if not fields:
        return [*lines, "  (none)"]
    id_width = max(len(str(f.id)) for f in fields)
    type_width = max(len(f.type) for f in fields)
    for field in sorted(fields, key=lambda f: (f.sort, f.id)):
        head = f"  {field.id:>{id_width}}  {field.type:<{type_width}}  "
        lines.append(head + _fit(field.name, WIDTH - len(head)))
        if not field.enums:
            continue
        enum_width = max(len(str(e.id)) for e in field.enums)
        indent = " " * (2 + id_width + 2)
        for enum in sorted(field.enums, key=lambda e: (e.sort, e.id)):
            enum_head = f"{indent}value {enum.id:>{enum_width}}  "
            lines.append(enum_head + _fit(enum.value, WIDTH - len(enum_head)))
    return lines


_KINDS = ", ".join(kind.value for kind in PaymentKind)
_OTHER_KINDS = ", ".join(kind.value for kind in PaymentKind if kind is not PaymentKind.CASH)
_TOML_HINT = f"""\
Where the ids go in config/mappings.toml (ids are numbers, without quotes):
# [amocrm]
# closed_statuses = [[PIPELINE_ID, STATUS_ID]]  # deals there owe payments
# confirmed_status = STATUS_ID  # set when a payment is confirmed (optional)
# paid_status = 142             # set when the deal is fully paid
# paid_field = FIELD_ID         # numeric or checkbox: written back when paid
# contract_field = FIELD_ID     # text: the contract number
# contract_date_field = FIELD_ID  # date
# product_field = FIELD_ID      # text or list; salon_field, city_field alike
#
# [[amocrm.payments]]           # one block per expected payment
# name = "Предоплата"
# amount_field = FIELD_ID       # numeric
# type_field = FIELD_ID         # a list field: its values go in payment_types
# date_field = FIELD_ID         # date (optional)
#
# [amocrm.payment_types]        # each value of the type field, as shown
# "Наличные" = "cash"  # or {_OTHER_KINDS}"""


# --- doctor: the mapping against the live account ----------------------------------------------


@dataclass(frozen=True)
class _Role:
    """What a mapped field is for, and the field types that can serve it."""

    what: str
    types: frozenset[str]
    wanted: str


_AMOUNT = _Role("a payment's amount", AMOUNT_TYPES, "numeric")
_TYPE = _Role("a payment's type", LIST_TYPES, "list (select, radiobutton or multiselect)")
_DUE = _Role("a payment's due date", DATE_TYPES, "date")
_PAID = _Role("the paid mark written back", AMOUNT_TYPES | {"checkbox"}, "numeric or checkbox")
_CONTRACT = _Role("the contract number", TEXT_TYPES | {"numeric"}, "text or numeric")
_CONTRACT_DATE = _Role("the contract date", DATE_TYPES, "date")
_LABEL = _Role("a report dimension", TEXT_TYPES | LIST_TYPES, "text or list")


async def check_mapping(client: AmoClient, mapping: AmoMapping) -> list[MappingProblem]:
    """Every id `mapping` names, checked against the live account; all problems, not the first."""
    pipelines = {p.id: p for p in await client.pipelines()}
    fields = {f.id: f for f in await client.lead_custom_fields()}
    return [
        *_closed_status_problems(mapping, pipelines),
        *_target_status_problems(mapping, pipelines),
        *_field_problems(mapping, fields),
        *_payment_type_problems(mapping, fields),
    ]


def _has_status(pipeline: Pipeline, status_id: int) -> bool:
    return status_id in BUILT_IN_STATUSES or any(s.id == status_id for s in pipeline.statuses)


def _pipeline_name(pipeline: Pipeline) -> str:
    return f"pipeline {pipeline.id} «{pipeline.name}»"


def _closed_status_problems(
    mapping: AmoMapping, pipelines: dict[int, Pipeline]
) -> list[MappingProblem]:
    key = "amocrm.closed_statuses"
    if not mapping.closed_statuses:
        text = "empty: no deal ever owes a payment — add [pipeline id, status id] pairs"
        return [MappingProblem(key, f"{text} (see `{FIELDS_COMMAND}`)", warning=True)]
    problems = []
    for number, (pipeline_id, status_id) in enumerate(mapping.closed_statuses, start=1):
        pair = f"pair {number} [{pipeline_id}, {status_id}]"
        pipeline = pipelines.get(pipeline_id)
        if pipeline is None:
            text = f"{pair}: there is no pipeline {pipeline_id} — copy a pipeline id"
            problems.append(MappingProblem(key, f"{text} from `{FIELDS_COMMAND}`"))
        elif not _has_status(pipeline, status_id):
            text = (
                f"{pair}: status {status_id} is not in {_pipeline_name(pipeline)} — copy a "
                f"status id listed under that pipeline in `{FIELDS_COMMAND}`"
            )
            problems.append(MappingProblem(key, text))
        elif status_id == LOST_STATUS:
            text = f"{pair}: 143 is the «lost» status, whose deals owe nothing — meant 142 (won)?"
            problems.append(MappingProblem(key, text, warning=True))
    return problems


def _target_status_problems(
    mapping: AmoMapping, pipelines: dict[int, Pipeline]
) -> list[MappingProblem]:
    """confirmed_status and paid_status must exist where closed deals are: in their pipelines."""
    closed = [pipelines[p] for p, _ in dict.fromkeys(mapping.closed_statuses) if p in pipelines]
    targets = list({p.id: p for p in closed}.values()) or list(pipelines.values())
    problems = []
    for key, status_id in (
        ("amocrm.confirmed_status", mapping.confirmed_status),
        ("amocrm.paid_status", mapping.paid_status),
    ):
        if status_id is None:
            continue
        if status_id == LOST_STATUS:
            text = (
                "143 is the «lost» status: a paying deal must not be marked lost — "
                "use 142 (won) or another status"
            )
            problems.append(MappingProblem(key, text))
            continue
        missing = [p for p in targets if not _has_status(p, status_id)]
        if missing:
            where = ", ".join(_pipeline_name(p) for p in missing)
            text = (
                f"status {status_id} is not in {where}, where closed deals are — "
                f"copy a status id of that pipeline from `{FIELDS_COMMAND}`"
            )
            problems.append(MappingProblem(key, text))
    return problems


def _mapped_fields(mapping: AmoMapping) -> Iterable[tuple[str, int, _Role]]:
    """(TOML key, field id, role) for every field id the mapping names."""
    for name, role in (
        ("paid_field", _PAID),
        ("contract_field", _CONTRACT),
        ("contract_date_field", _CONTRACT_DATE),
        ("product_field", _LABEL),
        ("salon_field", _LABEL),
        ("city_field", _LABEL),
    ):
        field_id = getattr(mapping, name)
        if field_id is not None:
            yield f"amocrm.{name}", field_id, role
    for slot in mapping.payments:
        for name, role in (("amount_field", _AMOUNT), ("type_field", _TYPE), ("date_field", _DUE)):
            field_id = getattr(slot, name)
            if field_id is not None:
                yield _slot_key(slot, name), field_id, role


def _slot_key(slot: PaymentSlot, name: str) -> str:
    return f"amocrm.payments[«{slot.name}»].{name}"


def _field_name(field: LeadCustomField) -> str:
    return f"field {field.id} «{field.name}»"


def _field_problems(
    mapping: AmoMapping, fields: dict[int, LeadCustomField]
) -> list[MappingProblem]:
    problems = []
    for key, field_id, role in _mapped_fields(mapping):
        field = fields.get(field_id)
        if field is None:
            text = (
                f"there is no lead field {field_id} — copy the id of the field holding "
                f"{role.what} from `{FIELDS_COMMAND}`"
            )
        elif field.type not in role.types:
            text = (
                f"{_field_name(field)} is a {field.type} field, but {role.what} needs a "
                f"{role.wanted} one — map another field, or change this one in amoCRM"
            )
        else:
            continue
        problems.append(MappingProblem(key, text))
    return problems


def _type_fields(
    mapping: AmoMapping, fields: dict[int, LeadCustomField]
) -> dict[int, tuple[LeadCustomField, list[str]]]:
    """Each usable (existing, list-typed) type field, with the names of the slots using it."""
    found: dict[int, tuple[LeadCustomField, list[str]]] = {}
    for slot in mapping.payments:
        field = fields.get(slot.type_field)
        if field is None or field.type not in LIST_TYPES:
            continue  # already reported by _field_problems
        found.setdefault(field.id, (field, []))[1].append(slot.name)
    return found


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"«{value}»" for value in values)


def _payment_type_problems(
    mapping: AmoMapping, fields: dict[int, LeadCustomField]
) -> list[MappingProblem]:
    type_fields = _type_fields(mapping, fields)
    problems = []
    for shown in mapping.payment_types:
        for field, slots in type_fields.values():
            values = [enum.value.strip() for enum in field.enums]
            if shown in values:
                continue
            text = (
                f"«{shown}» is not a value of {_field_name(field)}, the type field of "
                f"{_quoted(slots)}; its values are {_quoted(values) or 'none'} — write the key "
                "exactly as amoCRM shows it, or remove it"
            )
            problems.append(MappingProblem(f'amocrm.payment_types."{shown}"', text))
    for field, slots in type_fields.values():
        unmapped = [
            e.value.strip() for e in field.enums if e.value.strip() not in mapping.payment_types
        ]
        if unmapped:
            text = (
                f"{_field_name(field)} (the type field of {_quoted(slots)}) offers "
                f"{_quoted(unmapped)} with no kind — add each with one of {_KINDS}, "
                "or payments of that type wait for someone to fix them"
            )
            problems.append(MappingProblem("amocrm.payment_types", text, warning=True))
    return problems
