"""The catalogues: compiled as committed, complete in every language, and English in English.

The e2e tests read the Russian words as users do; these read the catalogues themselves, so a
phrase added to `bot/texts.py` without its English, or a `.po` edited without compiling it,
fails here rather than in front of someone.
"""

from __future__ import annotations

import io
import re
import string
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.texts import KEYWORDS, LOCALES, SOURCE_LANGUAGE, Phrase, Texts, texts_for
from ledger.amounts import AmountError, AmountProblem
from ledger.dates import DateError, DateProblem
from ledger.deal_views import DealView, PaymentView
from ledger.entries import Entry
from ledger.expenses import Draft
from ledger.money import Money
from ledger.notices import (
    AmoDailySummary,
    CashReminder,
    ConfirmationUndone,
    DealDiscrepancy,
    DealProblems,
    EveningCash,
    HandoverShort,
    HandoverStarted,
    InviteAccepted,
    Notice,
    NoticeFacts,
    OutboxDead,
    PaymentConfirmed,
    PaymentNotReceived,
    RequestsDigest,
    RequestsOverdue,
    RequestStatusChanged,
    RequestSubmitted,
    RequestToPay,
    SheetsBroken,
    SheetsDailySummary,
    SheetsProblem,
    SheetsRestored,
)
from ledger.payments import PaymentStatus
from ledger.profit import DIMENSIONS, MonthError, MonthFigures
from ledger.roles import Role
from ledger.users import UserView

LANGUAGES = ("ru", "en")
TEXTS_MODULE = Path(__file__).parents[2] / "bot" / "texts.py"
TEMPLATES = Path(__file__).parents[2] / "app" / "cabinet" / "templates"
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def catalogue(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


def used_message_ids() -> set[str]:
    """Every message id `bot/texts.py` and the cabinet's templates use (babel.cfg); a plural
    one by its singular, as catalogues key it."""
    found = extract_from_file("python", str(TEXTS_MODULE), keywords=KEYWORDS)
    ids = {key(message) for _, message, _, _ in found}
    for template in sorted(TEMPLATES.glob("**/*.html")):
        options = {"extensions": "jinja2.ext.i18n"}
        found = extract_from_file("jinja2", str(template), options=options)
        ids |= {key(message) for _, message, _, _ in found}
    return ids


def key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def as_list(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_file_is_the_po_file_compiled(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    committed = (LOCALES / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert committed == compiled.getvalue(), (
        f"compile {language}: pybabel compile -d bot/locales -D messages"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_id_the_code_uses_is_translated(language: str) -> None:
    translations = catalogue(language)
    missing = []
    for message_id in used_message_ids():
        message = translations.get(message_id)
        if message is None or message.fuzzy or not all(as_list(message.string)):
            missing.append(message_id)
    assert not missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_catalogue_holds_no_phrase_the_code_no_longer_uses(language: str) -> None:
    held = {key(message.id) for message in catalogue(language) if message.id}
    assert held - used_message_ids() == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_translation_fills_the_same_placeholders_as_its_message_id(language: str) -> None:
    for message in catalogue(language):
        if not message.id:
            continue
        expected = placeholders(as_list(message.id)[0])
        for text in as_list(message.string):
            assert placeholders(text) == expected, message.id


def test_the_english_catalogue_has_no_cyrillic() -> None:
    leaks = [
        message.id
        for message in catalogue("en")
        if any(CYRILLIC.search(text) for text in as_list(message.string))
    ]
    assert not leaks


def test_the_russian_catalogue_is_the_identity_of_its_message_ids() -> None:
    for message in catalogue(SOURCE_LANGUAGE):
        if message.id and not message.pluralizable:
            assert message.string == message.id


def test_every_phrase_is_declared_for_the_catalogues() -> None:
    """A `Phrase` read from the class is the phrase itself: its id is what gets extracted."""
    ids = used_message_ids()
    for name, value in vars(Texts).items():
        if isinstance(value, Phrase):
            assert value.msgid in ids, name


# -- every notice, in every language ---------------------------------------------------------

NOTICE_SAMPLES: dict[Notice, list[NoticeFacts]] = {
    Notice.INVITE_ACCEPTED: [InviteAccepted(name="Kira", role=Role.CASHIER)],
    Notice.DEAL_DISCREPANCY: [
        DealDiscrepancy("Kitchen", "D-17", "Prepayment", 5_000_000, 4_000_000, "RUB", "changed"),
        DealDiscrepancy("Kitchen", None, "Prepayment", 5_000_000, 0, "RUB", "lost"),
        DealDiscrepancy("Kitchen", "D-17", "Prepayment", 5_000_000, 0, "RUB", "deleted"),
    ],
    Notice.DEAL_PROBLEMS: [DealProblems("Kitchen", 4242, ("prepayment is not a number",))],
    Notice.AMO_DAILY_SUMMARY: [AmoDailySummary(deals=3, webhooks=12, errors=1)],
    Notice.SHEETS_BROKEN: [
        *(
            SheetsBroken(problem.value, "1AbCdEf", account)
            for problem in (
                SheetsProblem.NO_ACCESS,
                SheetsProblem.NOT_FOUND,
                SheetsProblem.KEY_REFUSED,
            )
            for account in ("kopeyka@project.iam.gserviceaccount.com", None)
        ),
        SheetsBroken(SheetsProblem.REFUSED.value, "1AbCdEf", None),
    ],
    Notice.SHEETS_RESTORED: [SheetsRestored()],
    Notice.SHEETS_DAILY_SUMMARY: [
        SheetsDailySummary(failures, problem.value, broken)
        for failures, problem, broken in (
            (1, SheetsProblem.UNAVAILABLE, False),
            (3, SheetsProblem.UNAVAILABLE, False),
            (1440, SheetsProblem.NO_ACCESS, True),
        )
    ],
    Notice.PAYMENT_CONFIRMED: [
        PaymentConfirmed("Kitchen", "D-17", "Prepayment", 5_000_000, 0, "RUB", "cash", "Kira"),
        PaymentConfirmed("Kitchen", None, "Rest", 4_000_000, 6_000_000, "RUB", "terminal", "Ann"),
    ],
    Notice.PAYMENT_NOT_RECEIVED: [
        PaymentNotReceived(
            "Kitchen", "D-17", "Rest", 10_000_000, "RUB", "bank_transfer", "Ann", "not in the bank"
        )
    ],
    Notice.CONFIRMATION_UNDONE: [
        ConfirmationUndone("Kitchen", "D-17", "Prepayment", 5_000_000, "RUB", "Olga")
    ],
    Notice.HANDOVER_STARTED: [
        HandoverStarted("Ivan", 1, 5_000_000, "RUB", 7, "ho_7_abc_0123456789abcdef"),
        HandoverStarted("Ivan", 3, 15_000_000, "RUB", 8),
    ],
    Notice.HANDOVER_SHORT: [HandoverShort("Ivan", 5_000_000, 4_500_000, "RUB", "Kira")],
    Notice.REQUEST_SUBMITTED: [
        RequestSubmitted(
            12, "Masha", "Banners", "Romashka LLC", 1_200_000, "RUB", "2026-11-26", 1, 1
        ),
        RequestSubmitted(
            12, "Masha", "Banners", "Romashka LLC", 1_000, "USD", "2026-11-26", 2, 2, "rq_c_x_y"
        ),
        RequestSubmitted(
            12, "Masha", "Banners", "Romashka LLC", 1_000, "RUB", "2026-11-26", 1, 1, None, True
        ),
    ],
    Notice.REQUEST_STATUS: [
        RequestStatusChanged(12, "Banners", "approved", "Olga", 1_200_000, 0, "RUB"),
        RequestStatusChanged(12, "Banners", "approved", None, 1_200_000, 0, "RUB"),
        RequestStatusChanged(12, "Banners", "rejected", "Olga", 1_200_000, 0, "RUB", "too dear"),
        RequestStatusChanged(12, "Banners", "returned", "Gleb", 1_200_000, 0, "RUB", "a stamp"),
        RequestStatusChanged(12, "Banners", "partly_paid", "Ann", 1_200_000, 500_000, "RUB"),
        RequestStatusChanged(12, "Banners", "paid", "Ann", 1_200_000, 1_200_000, "RUB"),
        RequestStatusChanged(12, "Banners", "cancelled", "Olga", 1_200_000, 0, "RUB"),
        RequestStatusChanged(12, "Banners", "submitted", "Olga", 1_200_000, 0, "RUB"),
    ],
    Notice.REQUEST_TO_PAY: [
        RequestToPay(12, "Banners", "Romashka LLC", 1_200_000, "RUB", "2026-11-26", "Olga"),
        RequestToPay(12, "Banners", "Romashka LLC", 1_200_000, "RUB", "2026-11-26", None, "rq"),
    ],
    Notice.REQUESTS_OVERDUE: [
        RequestsOverdue(2, ((100_000, "RUB"), (5_000, "USD")), 1, "2026-11-19"),
        RequestsOverdue(1, ((100_000, "RUB"),), 0, "2026-11-19"),
        RequestsOverdue(0, (), 5, "2026-11-19"),
    ],
    Notice.REQUESTS_DIGEST: [
        RequestsDigest(1, ((300_000, "RUB"),), 2, ((200_000, "RUB"),), 3),
        RequestsDigest(0, (), 0, (), 1),
        RequestsDigest(5, ((300_000, "RUB"),), 0, (), 0),
    ],
    Notice.OUTBOX_DEAD: [
        OutboxDead(41, "crm", "add_note", 19620, 20, "amoCRM answered 404 Not Found"),
        OutboxDead(42, "notify", "payment_confirmed", None, 20, "Bad Request: chat not found"),
        OutboxDead(43, "sheets", "", None, 20, "quota"),
    ],
    Notice.EVENING_CASH: [
        EveningCash((("Ivan", 5_000_000, "RUB", 2, 3), ("Petr", 100, "RUB", 1, 0)), 4, ()),
        EveningCash((), 0, ((8_000_000, "RUB"),)),
    ],
    Notice.CASH_REMINDER: [
        CashReminder(5_000_000, "RUB", 2, 3, 0),
        CashReminder(5_000_000, "RUB", 1, 0, 1),
    ],
}
# Facts the words stand for rather than repeat (a problem's kind, where the sheet is).
# Codes the text turns into words (or, for a link's token, into a button), and ids.
NOT_QUOTED = {"currency", "state", "role", "problem", "sheet_id", "payment_kind", "topic"}
NOT_QUOTED |= {"effect", "token"}
# A request's status is said in words; its dates (ISO in the notice) the Russian way.
NOT_QUOTED |= {"status", "pay_by", "oldest"}


def test_every_notice_has_a_sample() -> None:
    assert set(NOTICE_SAMPLES) == set(Notice)
    for kind, samples in NOTICE_SAMPLES.items():
        assert all(sample.kind is kind for sample in samples)


@pytest.mark.parametrize(
    "facts", [facts for samples in NOTICE_SAMPLES.values() for facts in samples], ids=repr
)
def test_every_notice_has_its_text_in_every_language(facts: NoticeFacts) -> None:
    russian = texts_for("ru").notice(facts)
    english = texts_for("en").notice(facts)
    assert russian
    assert CYRILLIC.search(russian)
    assert english
    assert english != russian
    assert not CYRILLIC.search(english), english
    for field in fields(facts):
        value = getattr(facts, field.name)
        if isinstance(value, str) and field.name not in NOT_QUOTED:
            assert value in russian
            assert value in english


# -- English cards, with Latin data, show no Russian --------------------------------------------


REQUEST_STATUSES = (
    "draft",
    "submitted",
    "returned",
    "rejected",
    "approved",
    "partly_paid",
    "paid",
    "cancelled",
)
# Every reason `RequestRefused` documents, with what its words need.
REQUEST_REFUSALS = {
    "not_editable": {"status": "approved"},
    "incomplete": {"missing": ("what_for", "counterparty", "amount", "pay_by", "bank_details")},
    "past_date": {},
    "not_positive": {},
    "too_large": {"amount": Money(Decimal("1000000000"))},
    "empty": {},
    "too_long": {"limit": 210},
    "vat": {},
    "currency": {},
    "category": {},
    "deal": {},
    "file": {},
    "self_approval": {},
    "no_reason": {},
    "not_submitted": {"status": "draft"},
    "not_approved": {"status": "submitted"},
    "rejected": {},
    "more_than_left": {"amount": Money(Decimal("7000"))},
    "rubles": {},
    "future_date": {},
    "not_cancellable": {"status": "paid"},
}


def request_refusals(texts: Texts) -> list[str]:
    return [texts.request_refused(reason, **keys) for reason, keys in REQUEST_REFUSALS.items()]


def test_every_refusal_of_a_request_has_words_of_its_own() -> None:
    for language in LANGUAGES:
        said = request_refusals(texts_for(language))
        # Distinct words each: none fell through to another reason's (the fallback's).
        assert len(set(said)) == len(said), language
    russian = texts_for("ru")
    missing = REQUEST_REFUSALS["incomplete"]["missing"]
    assert "на что, контрагент, сумма" in russian.request_refused("incomplete", missing=missing)
    left = russian.request_refused("more_than_left", amount=Money(Decimal("7000")))
    assert "7\u00a0000,00\u00a0₽" in left
    assert "«одобрена»" in russian.request_moved("approved", "Глеб", "23.11.2026 12:05")


def english_renderings() -> list[str]:
    texts = texts_for("en")
    when = date(2026, 11, 22)
    draft = Draft(
        1, 1, "open", Money(Decimal("1500")), 1, "Taxi", when, "to the airport", "x", True
    )
    entry = Entry(
        7,
        "expense",
        Money(Decimal("-1500")),
        "Taxi",
        when,
        "to the airport",
        "late",
        datetime(2026, 11, 22, 10, tzinfo=UTC),
        "Olga",
        None,
        reversed_by_entry_id=8,
    )
    reversal = Entry(
        8,
        "reversal",
        Money(Decimal("1500")),
        "Taxi",
        when,
        "",
        None,
        datetime(2026, 11, 22, 11, tzinfo=UTC),
        "Olga",
        7,
    )
    user = UserView(2, 7770007, "Kira", "kira", frozenset({Role.CASHIER, Role.MANAGER}))
    deal = DealView(
        1,
        4242,
        "Kitchen",
        "D-17",
        "Max",
        (
            PaymentView(
                "Prepayment", Money(Decimal("50000")), "cash", when, PaymentStatus.EXPECTED, None
            ),
            PaymentView(
                "Rest",
                Money(Decimal("100000")),
                "bank_transfer",
                None,
                PaymentStatus.CONFIRMED,
                Money(Decimal("100000")),
            ),
            PaymentView(
                "Extra", Money(Decimal("10")), "card_transfer", None, PaymentStatus.EXPECTED, None
            ),
            PaymentView(
                "Part",
                Money(Decimal("300")),
                "terminal",
                None,
                PaymentStatus.PARTLY_CONFIRMED,
                Money(Decimal("100")),
            ),
        ),
    )
    month = MonthFigures(date(2026, 11, 1), Decimal("1000"), Decimal("400"), Decimal("100"))
    texts_out = [
        *(texts.role(role) for role in Role),
        *(texts.help(frozenset({role})) for role in Role),
        texts.welcome("Olga", frozenset(Role)),
        *(texts.amount_error(AmountError(problem)) for problem in AmountProblem),
        texts.amount_error(AmountError(AmountProblem.TOO_LARGE, limit=Decimal("1000000"))),
        *(texts.date_error(DateError(problem)) for problem in DateProblem),
        texts.draft_card(draft),
        texts.saved_card(entry),
        texts.reversed_card(entry),
        texts.history_line(entry),
        texts.history_line(reversal),
        texts.undo_button(7),
        *(texts.attachment_refused(reason) for reason in ("size", "type")),
        *(texts.stale(status) for status in ("saved", "cancelled", "open")),
        texts.already_reversed("Olga", "22.11.2026 10:00"),
        texts.text_too_long(1000),
        texts.ask_category_rename("Taxi"),
        texts.category_added("Taxi"),
        texts.category_renamed("Taxi"),
        *(texts.category_problem(reason) for reason in ("empty", "too_long", "exists", "?")),
        texts.invite_link(Role.MANAGER, "https://t.me/bot?start=inv_x", "22.11.2026 10:00"),
        texts.invite_accepted_self(Role.CASHIER),
        *(texts.invite_refused(reason) for reason in ("expired", "used", "invalid")),
        texts.user_line(user),
        texts.revoke_button(user, Role.CASHIER),
        texts.revoked(user, Role.CASHIER),
        texts.deal_card(deal),
        texts.page_of(2, 5),
        texts.btn_page_previous(1),
        texts.btn_page_next(3),
        *(texts.dimension_button(dimension, None) for dimension in DIMENSIONS),
        *(texts.profit_no_values(dimension) for dimension in DIMENSIONS),
        texts.profit_values_cut(60, 75),
        texts.profit_card([month], {DIMENSIONS[2]: "Center"}, empty=False),
        texts.profit_card([], {}, empty=True),
        *(texts.report_bad_month(MonthError(reason)) for reason in ("future", "format")),
        texts.report_caption(date(2026, 11, 1), when, 4),
        texts.report_caption(None, when, 0),
        texts.already_confirmed("Kira", "23.11.2026 12:05"),
        texts.already_accepted("Kira", "23.11.2026 12:05"),
        texts.payment_refused("more_than_owed", Money(Decimal("100"))),
        *(
            texts.payment_refused(reason, None)
            for reason in (
                "not_positive",
                "not_owed",
                "future_date",
                "currency",
                "no_comment",
                "nothing_to_undo",
            )
        ),
        texts.handover_refused("more_than_handed", Money(Decimal("100"))),
        *(texts.handover_refused(reason, None) for reason in ("empty", "not_positive")),
        *(texts.link_refused(reason) for reason in ("invalid", "expired", "used", "revoked")),
        *request_refusals(texts),
        *(texts.request_moved(status, "Ann", "23.11.2026 12:05") for status in REQUEST_STATUSES),
        texts.details_refused([("inn", "format"), ("account", "not_for_bik"), ("bik", "checksum")]),
    ]
    phrases = [
        getattr(texts, name) for name, value in vars(Texts).items() if isinstance(value, Phrase)
    ]
    return texts_out + phrases


def test_english_cards_show_no_russian() -> None:
    leaks = [text for text in english_renderings() if CYRILLIC.search(text)]
    assert not leaks


def test_an_unknown_language_gets_the_default() -> None:
    assert texts_for("de").language == "ru"
    assert texts_for("de", "en").language == "en"
    assert texts_for(None, "en").language == "en"
