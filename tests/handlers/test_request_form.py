"""The form's order of questions: the next part still wanted after the one answered, round
the form, skipped parts left for the person to come back to, a typed ИНН or БИК waiting for
the rest of its part."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from handlers.request_form_card import Form, first_question, next_question
from ledger.money import Money
from ledger.requests.states import RequestStatus, VatMode
from ledger.requests.views import Counterparty, RequestView

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EMPTY = RequestView(
    id=1,
    version=0,
    status=RequestStatus.DRAFT,
    step=0,
    steps=0,
    requester_id=1,
    requester="Маша",
    what_for=None,
    counterparty=None,
    amount=None,
    paid=Money(Decimal(0)),
    paid_rubles=Money(Decimal(0)),
    pay_by=None,
    purpose=None,
    vat_mode=None,
    vat=None,
    invoice=None,
    deal_id=None,
    deal=None,
    contract=None,
    category_id=None,
    category=None,
    salon=None,
    city=None,
    created_at=AT,
    updated_at=AT,
    submitted_at=None,
    approved_at=None,
    moved_by=None,
    moved_at=None,
)
ROMASHKA = Counterparty(None, "ООО «Ромашка»", "7707083893", "773601001")


def test_an_empty_draft_asks_what_it_is_for_first() -> None:
    assert next_question(EMPTY, Form(1), None) == "what_for"


def test_after_an_answer_the_next_part_missing_is_asked() -> None:
    view = replace(EMPTY, what_for="Баннеры", amount=Money(Decimal(100)))

    assert next_question(view, Form(1), "what_for") == "inn"
    assert next_question(view, Form(1), "counterparty") == "pay_by"


def test_skipped_parts_are_not_asked_again_but_the_rest_comes_round() -> None:
    view = replace(EMPTY, what_for="Баннеры")
    form = Form(1, skipped=["counterparty", "amount", "pay_by"])

    assert next_question(view, form, "what_for") == "bik"
    assert next_question(view, Form(1, skipped=["what_for"]), "place") == "inn"


def test_a_typed_inn_waits_for_its_name_and_a_bik_for_its_account() -> None:
    form = Form(1, pending={"inn": "7707083893", "bik": "044525225"})

    assert first_question("counterparty", EMPTY, form) == "name"
    assert first_question("bank_details", EMPTY, form) == "account"


def test_bank_details_without_a_correspondent_account_ask_for_it() -> None:
    view = replace(EMPTY, counterparty=replace(ROMASHKA, bik="044525225", account="4" * 20))

    assert first_question("bank_details", view, Form(1)) == "corr_account"


def test_the_optional_parts_are_asked_once_and_the_place_only_for_a_category() -> None:
    full = replace(
        EMPTY,
        what_for="Баннеры",
        counterparty=replace(ROMASHKA, bik="044525225", account="4" * 20, corr_account="3" * 20),
        amount=Money(Decimal(100)),
        pay_by=date(2026, 11, 24),
        purpose="Оплата",
        vat_mode=VatMode.WITHOUT_VAT,
        category_id=7,
    )

    assert next_question(full, Form(1), "vat") == "invoice"
    assert next_question(full, Form(1, skipped=["invoice"]), "vat") == "place"
    assert (
        next_question(replace(full, salon="Центральный"), Form(1, skipped=["invoice"]), None)
        is None
    )
