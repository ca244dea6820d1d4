"""The matcher, pure: statement lines against expected payments, requests and categories, each
proposal with its reasons and whether it is sure."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

import pytest

from ledger.contracts import contract_key, contract_keys_in
from ledger.money import Money
from ledger.statements import BankDocument, Direction, DocumentKind, Party
from ledger.statements.matching import (
    Categories,
    Expectations,
    ExpectedPayment,
    Learned,
    OpenRequest,
    Reason,
    Target,
    TargetKind,
    fee_in,
    invoice_numbers,
    match,
)

OURS = Party('ООО "Копейка"', "7701234567", "770101001", "40702810900000000001")
CLIENT = Party("Иванов Иван Иванович", "770512345678", None, "40817810100000000077")
SUPPLIER = Party('ООО "Ромашка"', "7707083893", "773601001", "40702810938000012345")
BOOKED = date(2026, 11, 20)
FEES, TAXES, SALARIES, OTHER_INCOME, RENT = 901, 902, 903, 904, 905
RULES = Categories(bank_fee=FEES, tax=TAXES, salary=SALARIES)


def kopecks(amount: str) -> int:
    return Money(Decimal(amount)).to_minor_units()


def credit(
    amount: str,
    purpose: str,
    *,
    payer: Party = CLIENT,
    booked: date = BOOKED,
    number: str = "101",
    fields: dict[str, str] | None = None,
) -> BankDocument:
    return BankDocument(
        kind=DocumentKind.PAYMENT_ORDER,
        kind_text="Платежное поручение",
        number=number,
        date=booked,
        amount=Money(Decimal(amount)),
        direction=Direction.IN,
        account=OURS.account,
        booked=booked,
        payer=payer,
        payee=OURS,
        purpose=purpose,
        line=1,
        fields=MappingProxyType(fields or {}),
    )


def debit(
    amount: str,
    purpose: str,
    *,
    payee: Party = SUPPLIER,
    booked: date = BOOKED,
    number: str = "17",
    fields: dict[str, str] | None = None,
    kind: DocumentKind = DocumentKind.PAYMENT_ORDER,
) -> BankDocument:
    return BankDocument(
        kind=kind,
        kind_text="Платежное поручение",
        number=number,
        date=booked,
        amount=Money(Decimal(amount)),
        direction=Direction.OUT,
        account=OURS.account,
        booked=booked,
        payer=OURS,
        payee=payee,
        purpose=purpose,
        line=1,
        fields=MappingProxyType(fields or {}),
    )


def payment(
    ident: int,
    deal: int,
    rest: str,
    *,
    contract: str | None = None,
    kind: str = "bank_transfer",
    created: date = date(2026, 11, 1),
    due: date | None = None,
) -> ExpectedPayment:
    return ExpectedPayment(
        id=ident,
        deal_id=deal,
        contract=contract if contract is not None else f"К-2024/{deal}",
        kind=kind,
        remaining_minor=kopecks(rest),
        created=created,
        due=due,
    )


def request(
    ident: int,
    rest: str,
    *,
    inn: str | None = SUPPLIER.inn,
    account: str | None = SUPPLIER.account,
    purpose: str = "Оплата по счёту №17 от 10.11.2026",
    order: int | None = None,
) -> OpenRequest:
    return OpenRequest(
        id=ident,
        inn=inn,
        account=account,
        remaining_minor=kopecks(rest),
        purpose=purpose,
        pay_by=date(2026, 11, 25),
        order_number=order,
        order_date=date(2026, 11, 19) if order else None,
    )


def one(document: BankDocument, expectations: Expectations):
    [proposal] = match([document], expectations)
    return proposal


def paid(payment_id: int, amount: str) -> Target:
    return Target(TargetKind.PAYMENT, payment_id, kopecks(amount))


# -- contract numbers as payers write them -----------------------------------------------------


@pytest.mark.parametrize(
    "purpose",
    [
        "Оплата по договору № К-2024/117 от 01.11.2026. НДС не облагается",
        "Оплата по дог. К-2024/117, в т.ч. НДС 20% 8333-33",
        "Предоплата К2024/117 за кухню",
        "Оплата по договору K-2024/117 (латинская K)",
        "К-2024/117 оплата за ремонт",
        "оплата по договору №к-2024/117",
        "Оплата по дог.№ К 2024/117",
    ],
)
def test_each_spelling_of_the_contract_number_finds_the_deal(purpose: str) -> None:
    expectations = Expectations([payment(1, 117, "50000"), payment(2, 118, "50000")])

    proposal = one(credit("50000.00", purpose), expectations)

    assert proposal.targets == (paid(1, "50000"),)
    assert proposal.sure
    assert Reason.CONTRACT in proposal.reasons
    assert Reason.AMOUNT_EXACT in proposal.reasons


def test_a_contract_number_is_not_read_inside_another() -> None:
    assert contract_keys_in("по договору К-2024/1171") == [contract_key("К-2024/1171")]
    assert contract_key("К-2024/117-1") != contract_key("К-2024/1171")


def test_a_bare_number_is_a_contract_only_after_a_keyword() -> None:
    expectations = Expectations([payment(1, 5, "1000", contract="117")])

    named = one(credit("1000", "Оплата по договору 117"), expectations)
    invoice = one(credit("1000", "Оплата по счету 117 от 10.11.2026"), expectations)

    assert named.targets == (paid(1, "1000"),)
    assert named.sure
    assert Reason.CONTRACT not in invoice.reasons
    assert not invoice.sure  # the amount alone fits: to review


def test_a_partial_payment_naming_the_contract_is_proposed_to_review() -> None:
    expectations = Expectations([payment(1, 117, "100000")])

    proposal = one(credit("30000", "Частичная оплата по дог. К-2024/117"), expectations)

    assert proposal.targets == (paid(1, "30000"),)
    assert Reason.AMOUNT_PARTIAL in proposal.reasons
    assert not proposal.sure


def test_a_partial_payment_from_a_payer_known_to_the_deal_is_sure() -> None:
    expectations = Expectations(
        [payment(1, 117, "100000")],
        learned=Learned(payer_deals={CLIENT.inn: frozenset({117})}),
    )

    proposal = one(credit("30000", "Оплата по дог. К-2024/117, часть 2"), expectations)

    assert proposal.targets == (paid(1, "30000"),)
    assert proposal.sure
    assert {Reason.CONTRACT, Reason.PAYER_KNOWN, Reason.AMOUNT_PARTIAL} <= set(proposal.reasons)


def test_two_partial_payments_in_one_statement_take_the_rest_in_turn() -> None:
    expectations = Expectations([payment(1, 117, "100000")])
    first = credit("60000", "по дог. К-2024/117", number="1")
    second = credit("40000", "по дог. К-2024/117", number="2", booked=BOOKED + timedelta(days=1))
    third = credit("1000", "по дог. К-2024/117", number="3", booked=BOOKED + timedelta(days=2))

    proposals = match([third, second, first], expectations)

    assert proposals[2].targets == (paid(1, "60000"),)
    assert proposals[1].targets == (paid(1, "40000"),)
    assert proposals[1].sure  # what is left of the payment, exactly
    assert proposals[0] is None  # nothing is left: never more than the payment owes


def test_the_whole_of_a_deal_paid_at_once_confirms_each_of_its_payments() -> None:
    expectations = Expectations([payment(1, 117, "50000"), payment(2, 117, "100000")])

    proposal = one(credit("150000", "Оплата по договору К-2024/117"), expectations)

    assert proposal.targets == (paid(1, "50000"), paid(2, "100000"))
    assert Reason.AMOUNT_TOTAL in proposal.reasons
    assert proposal.sure


def test_a_payer_known_from_earlier_payments_of_the_deal_is_enough_with_the_exact_amount() -> None:
    expectations = Expectations(
        [payment(1, 117, "75000"), payment(2, 118, "75000")],
        learned=Learned(payer_deals={CLIENT.inn: frozenset({118})}),
    )

    proposal = one(credit("75000", "Оплата за кухню, остаток"), expectations)

    assert proposal.targets == (paid(2, "75000"),)
    assert proposal.sure
    assert Reason.PAYER_KNOWN in proposal.reasons


def test_the_amount_alone_is_never_sure() -> None:
    expectations = Expectations([payment(1, 117, "75000"), payment(2, 118, "75000")])

    proposal = one(credit("75000", "Оплата за кухню"), expectations)

    assert proposal.targets == (paid(1, "75000"),)
    assert not proposal.sure
    assert {Reason.AMOUNT_ONLY, Reason.SEVERAL} <= set(proposal.reasons)


def test_money_booked_long_before_the_payment_was_known_is_not_sure() -> None:
    expectations = Expectations([payment(1, 117, "50000", created=date(2026, 11, 1))])

    proposal = one(credit("50000", "по дог. К-2024/117", booked=date(2026, 8, 1)), expectations)

    assert Reason.DATE_OUTSIDE in proposal.reasons
    assert not proposal.sure


def test_a_credit_is_never_matched_to_a_request_nor_a_debit_to_a_payment() -> None:
    expectations = Expectations(
        [payment(1, 117, "12000")], [request(7, "12000", inn=CLIENT.inn)], RULES
    )

    incoming = one(credit("12000", "Возврат по счету №17"), expectations)
    outgoing = one(debit("12000", "Оплата по договору К-2024/117", payee=CLIENT), expectations)

    assert all(t.kind is TargetKind.PAYMENT for t in incoming.targets)
    assert all(t.kind is TargetKind.REQUEST for t in outgoing.targets)


# -- acquiring ---------------------------------------------------------------------------------


def terminal(ident: int, rest: str, day: date) -> ExpectedPayment:
    return payment(ident, 300 + ident, rest, kind="terminal", due=day, created=day)


ACQUIRER = Party('ПАО "Сбербанк"', "7707083893", None, "30233810000000000001")


def test_an_acquiring_credit_net_of_the_fee_in_its_text_confirms_the_days_terminal_payments() -> (
    None
):
    day = date(2026, 11, 19)
    expectations = Expectations(
        [terminal(1, "100000", day), terminal(2, "50000", day), terminal(3, "7000", BOOKED)],
        categories=RULES,
    )
    purpose = (
        "Возмещение по операциям эквайринга за 19.11.2026. Мерчант 123456. "
        "Сумма операций 150000.00, комиссия 2 700,00. Без НДС"
    )

    proposal = one(credit("147300.00", purpose, payer=ACQUIRER), expectations)

    assert proposal.targets == (
        paid(1, "100000"),
        paid(2, "50000"),
        Target(TargetKind.EXPENSE, FEES, kopecks("2700")),
    )
    assert proposal.sure
    assert {Reason.ACQUIRING, Reason.REGISTER_DATE, Reason.FEE_IN_TEXT} <= set(proposal.reasons)


def test_an_acquiring_credit_whose_fee_is_not_written_is_reviewed_with_the_difference() -> None:
    day = date(2026, 11, 19)
    expectations = Expectations([terminal(1, "100000", day)], categories=RULES)

    proposal = one(
        credit("98200", "Зачисление по операциям эквайринга за 19.11.2026", payer=ACQUIRER),
        expectations,
    )

    assert proposal.targets[-1] == Target(TargetKind.EXPENSE, FEES, kopecks("1800"))
    assert Reason.FEE_COMPUTED in proposal.reasons
    assert not proposal.sure


def test_an_acquiring_credit_that_does_not_add_up_is_not_matched_to_the_terminal() -> None:
    day = date(2026, 11, 19)
    expectations = Expectations([terminal(1, "100000", day)], categories=RULES)

    proposal = one(
        credit("50000", "Возмещение по операциям эквайринга за 19.11.2026, комиссия 900.00"),
        expectations,
    )

    assert proposal is None or all(t.id != 1 for t in proposal.targets)


@pytest.mark.parametrize(
    ("purpose", "fee"),
    [
        ("комиссия 2700.00. Без НДС", "2700"),
        ("Комиссия банка 1 234,56 руб.", "1234.56"),
        ("удержана комиссия: 15,5", "15.5"),
        ("комиссия 1,8% от суммы", None),
    ],
)
def test_the_fee_is_read_as_the_bank_writes_it(purpose: str, fee: str | None) -> None:
    assert fee_in(purpose) == (kopecks(fee) if fee else None)


# -- debits ------------------------------------------------------------------------------------


def test_a_debit_to_the_only_request_of_that_recipient_and_amount_is_sure() -> None:
    expectations = Expectations(requests=[request(7, "12000"), request(8, "5000")])

    proposal = one(debit("12000", "Оплата по счету № 17 от 10.11.2026"), expectations)

    assert proposal.targets == (Target(TargetKind.REQUEST, 7, kopecks("12000")),)
    assert proposal.sure
    assert {Reason.RECIPIENT_INN, Reason.AMOUNT_EXACT, Reason.INVOICE_NUMBER} <= set(
        proposal.reasons
    )


def test_the_invoice_number_tells_two_requests_of_the_same_amount_apart() -> None:
    expectations = Expectations(
        requests=[
            request(7, "12000", purpose="Оплата по счёту №17 от 10.11.2026"),
            request(8, "12000", purpose="Оплата по счёту №18 от 12.11.2026"),
        ]
    )

    named = one(debit("12000", "Оплата по сч. № 18 от 12.11.2026"), expectations)
    unnamed = one(debit("12000", "Оплата за баннеры"), expectations)

    assert named.targets == (Target(TargetKind.REQUEST, 8, kopecks("12000")),)
    assert named.sure
    assert unnamed.targets == (Target(TargetKind.REQUEST, 7, kopecks("12000")),)
    assert not unnamed.sure


def test_a_partial_debit_to_a_request_is_proposed_to_review() -> None:
    expectations = Expectations(requests=[request(7, "12000")])

    proposal = one(debit("5000", "Частичная оплата по счету 17"), expectations)

    assert proposal.targets == (Target(TargetKind.REQUEST, 7, kopecks("5000")),)
    assert not proposal.sure


def test_the_order_we_sent_is_found_by_its_number_amount_and_recipient() -> None:
    expectations = Expectations(
        requests=[request(7, "12000", order=41), request(8, "12000", order=42)]
    )

    proposal = one(debit("12000", "Оплата по счету", number="42"), expectations)

    assert proposal.targets == (Target(TargetKind.REQUEST, 8, kopecks("12000")),)
    assert proposal.sure
    assert Reason.ORDER_NUMBER in proposal.reasons


def test_a_request_is_paid_once_by_the_lines_of_one_statement() -> None:
    expectations = Expectations(requests=[request(7, "12000")])

    first, second = match(
        [debit("12000", "Оплата", number="1"), debit("12000", "Оплата", number="2")],
        expectations,
    )

    assert first.targets == (Target(TargetKind.REQUEST, 7, kopecks("12000")),)
    assert second is None


# -- categories --------------------------------------------------------------------------------

BANK = Party('АО "ТЕСТ-БАНК"', "7702070139", None, "70601810000000000123")
TREASURY = Party(
    "УФК по г. Москве (ИФНС России № 1)", "7701107259", "770101001", "03100643000000017300"
)


@pytest.mark.parametrize(
    ("document", "category", "sure"),
    [
        (debit("990", "Комиссия за ведение счета за ноябрь 2026", payee=BANK), FEES, True),
        (debit("45", "Плата за перевод по тарифу", payee=BANK), FEES, True),
        (debit("120000", "Единый налоговый платеж", payee=TREASURY), TAXES, True),
        (
            debit(
                "5000",
                "Страховые взносы",
                payee=Party("Фонд", "7707000000", None, "40702810000000000999"),
                fields={"ПоказательКБК": "18210202000011000160"},
            ),
            TAXES,
            True,
        ),
        (debit("3000", "Уплата НДФЛ за октябрь", payee=SUPPLIER), TAXES, False),
        (debit("250000", "Заработная плата за ноябрь 2026 по реестру № 12"), SALARIES, True),
        (debit("500", "Комиссия за СМС-информирование", payee=SUPPLIER), FEES, False),
    ],
)
def test_bank_fees_taxes_and_salaries_go_to_their_categories(
    document: BankDocument, category: int, sure: bool
) -> None:
    proposal = one(document, Expectations(categories=RULES))

    assert proposal.targets == (
        Target(TargetKind.EXPENSE, category, document.amount.to_minor_units()),
    )
    assert proposal.sure is sure


def test_a_request_is_preferred_to_a_category_for_a_debit() -> None:
    expectations = Expectations(requests=[request(7, "990", inn=BANK.inn)], categories=RULES)

    proposal = one(debit("990", "Комиссия за ведение счета", payee=BANK), expectations)

    assert proposal.targets[0].kind is TargetKind.REQUEST


def test_what_the_accountant_filed_a_counterparty_under_comes_back() -> None:
    learned = Learned(
        inn_categories={
            (Direction.OUT, SUPPLIER.inn): {RENT: 2},
            (Direction.IN, CLIENT.inn): {OTHER_INCOME: 1},
        }
    )
    expectations = Expectations(categories=RULES, learned=learned)

    outgoing = one(debit("80000", "Аренда офиса за декабрь"), expectations)
    incoming = one(credit("1500", "Возврат переплаты"), expectations)

    assert outgoing.targets == (Target(TargetKind.EXPENSE, RENT, kopecks("80000")),)
    assert outgoing.sure
    assert incoming.targets == (Target(TargetKind.INCOME, OTHER_INCOME, kopecks("1500")),)
    assert Reason.LEARNED_INN in incoming.reasons


def test_words_the_accountant_filed_are_proposed_to_review() -> None:
    learned = Learned(word_categories={(Direction.OUT, "хостинг"): {RENT: 3}})
    stranger = Party("ООО Облако", "7710000001", None, "40702810000000000555")

    proposal = one(
        debit("700", "Оплата за хостинг сайта", payee=stranger),
        Expectations(categories=RULES, learned=learned),
    )

    assert proposal.targets == (Target(TargetKind.EXPENSE, RENT, kopecks("700")),)
    assert not proposal.sure
    assert proposal.reasons == (Reason.LEARNED_WORDS,)


def test_a_line_nothing_fits_is_left_unmatched() -> None:
    assert one(credit("777", "Перевод собственных средств"), Expectations(categories=RULES)) is None


def test_the_invoice_numbers_of_a_purpose_are_folded_like_contract_numbers() -> None:
    assert invoice_numbers("Оплата по счёту № А-17 от 10.11.2026, сч.18") == {"А17", "18"}


def test_sure_proposals_are_at_least_ninety_and_the_others_below() -> None:
    expectations = Expectations([payment(1, 117, "100"), payment(2, 118, "200")])

    sure, review = match(
        [credit("100", "по дог. К-2024/117"), credit("200", "за кухню", number="7")],
        expectations,
    )

    assert sure.confidence >= 90
    assert review.confidence < 90
