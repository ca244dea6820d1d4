"""Matching a statement's lines to what the ledger expects, pure: documents and expectations
in, one `Proposal` (or none) per document out, each with its reasons and a confidence, and
"sure" or "to review".

Credits (money in) go to expected non-cash payments of closed deals:
- by the contract number in the purpose, in the spellings payers write it
  (`ledger.contracts.contract_keys_in`);
- by the payer's ИНН, known from earlier payments of a deal (`Learned.payer_deals`);
- the amount exact (one payment's rest, or all of a deal's rest), or a partial payment;
- the booking date within a window of the payment's dates;
- acquiring credits (the bank's reimbursement for a day's card payments, net of its fee, the
  fee written in the purpose) to the terminal payments of that register date, the fee to the
  bank fees' category.
Debits (money out) go to approved payment requests: by the order number of a payment order
we sent, the recipient's ИНН (or account) and the amount, the invoice number in the purpose;
else to a category: what the accountant taught for that counterparty, bank fees, taxes,
salaries.

Sure is earned by two signals that agree (a contract number and the exact amount; a known
payer and the exact amount; the order number we sent, the amount and the recipient; the
recipient's ИНН and the only request of that amount) or by one that cannot be mistaken (the
Treasury as the recipient of a tax). Everything weaker is proposed to review, and a line with
nothing is left unmatched: a wrong sure match would post money on the wrong deal.

Each payment and request is claimed once: a line takes what is left of it, and the next line
sees only the rest (so a payment is never matched twice, in one statement or, with the claims
of earlier imports subtracted by the caller, across imports). Lines are matched in one order,
by booking date and identity, whatever order the file lists them in: importing a statement
whole or as consecutive overlapping parts proposes the same.

A credit is never matched to a request or an expense category (save an acquiring credit's own
fee), a debit never to a payment or an income category.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from ledger.contracts import contract_key, contract_keys_in
from ledger.statements.model import BankDocument, Direction
from ledger.statements.values import BadValue, read_amount

# A payment may be paid some days before the deal closes in the CRM (a prepayment the client
# sent while the contract was signed), and months after its due date, not years.
EARLY_DAYS = 30
LATE_DAYS = 365
# A bank's acquiring fee: a few per cent of the day's card payments.
FEE_SHARE_LIMIT = 5  # per cent
SURE = 90  # the confidence of a sure proposal is at least this, of one to review below it


class TargetKind(StrEnum):
    PAYMENT = "payment"  # an expected payment of a deal: confirmed
    REQUEST = "request"  # an approved payment request: paid
    INCOME = "income"  # a company income under a category
    EXPENSE = "expense"  # a company expense under a category


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    id: int  # the payment's, the request's or the category's
    amount_minor: int


class Reason(StrEnum):
    CONTRACT = "contract"  # the contract number is in the purpose
    PAYER_KNOWN = "payer_known"  # the payer's ИНН paid this deal before
    AMOUNT_EXACT = "amount_exact"  # what is left of one payment or request
    AMOUNT_TOTAL = "amount_total"  # what is left of all the deal's payments
    AMOUNT_PARTIAL = "amount_partial"  # less than is left: a payment in parts
    AMOUNT_ONLY = "amount_only"  # only the amount fits: nothing names the deal
    SEVERAL = "several"  # more than one would fit: the first is proposed
    DATE_WINDOW = "date_window"  # booked within the payment's dates
    DATE_OUTSIDE = "date_outside"  # booked far from them
    ACQUIRING = "acquiring"  # the bank's reimbursement for card payments
    REGISTER_DATE = "register_date"  # the terminal payments of the register's date
    FEE_IN_TEXT = "fee_in_text"  # the fee written in the purpose adds up
    FEE_COMPUTED = "fee_computed"  # no fee written: the difference taken as the fee
    ORDER_NUMBER = "order_number"  # the number of a payment order we sent
    RECIPIENT_INN = "recipient_inn"
    RECIPIENT_ACCOUNT = "recipient_account"
    INVOICE_NUMBER = "invoice_number"  # the request's invoice number is in the purpose
    LEARNED_INN = "learned_inn"  # the accountant filed this counterparty here before
    LEARNED_WORDS = "learned_words"  # and words of this purpose
    BANK_FEE = "bank_fee"
    TAX = "tax"
    TREASURY = "treasury"  # paid to the Treasury (or with a КБК): a tax for sure
    SALARY = "salary"


_WEIGHTS = {
    Reason.CONTRACT: 50,
    Reason.PAYER_KNOWN: 35,
    Reason.AMOUNT_EXACT: 35,
    Reason.AMOUNT_TOTAL: 30,
    Reason.AMOUNT_PARTIAL: 10,
    Reason.AMOUNT_ONLY: 40,
    Reason.SEVERAL: -20,
    Reason.DATE_WINDOW: 10,
    Reason.DATE_OUTSIDE: -20,
    Reason.ACQUIRING: 30,
    Reason.REGISTER_DATE: 30,
    Reason.FEE_IN_TEXT: 35,
    Reason.FEE_COMPUTED: 10,
    Reason.ORDER_NUMBER: 50,
    Reason.RECIPIENT_INN: 40,
    Reason.RECIPIENT_ACCOUNT: 30,
    Reason.INVOICE_NUMBER: 25,
    Reason.LEARNED_INN: 60,
    Reason.LEARNED_WORDS: 40,
    Reason.BANK_FEE: 60,
    Reason.TAX: 60,
    Reason.TREASURY: 40,
    Reason.SALARY: 90,
}


@dataclass(frozen=True, slots=True)
class Proposal:
    targets: tuple[Target, ...]
    reasons: tuple[Reason, ...]
    confidence: int  # 0–100: sure ones at least `SURE`
    sure: bool


# -- what is expected --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExpectedPayment:
    """A non-cash payment a closed deal still owes, in rubles: `remaining_minor` is what is
    left of it once confirmations and the claims of earlier imports' open proposals are
    taken off."""

    id: int
    deal_id: int
    contract: str | None
    kind: str  # a `PaymentKind` value: terminal payments are met by acquiring credits
    remaining_minor: int
    created: date  # when we learned of it
    due: date | None = None

    @property
    def day(self) -> date:
        """The day the money was (to be) paid: a terminal payment's register date."""
        return self.due or self.created


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """An approved payment request in rubles with something left to pay."""

    id: int
    inn: str | None
    account: str | None
    remaining_minor: int
    purpose: str = ""  # its payment purpose: the invoice number is read from it
    pay_by: date | None = None
    order_number: int | None = None  # sent to the bank in a payment order of this number
    order_date: date | None = None


@dataclass(frozen=True, slots=True)
class Categories:
    """The categories the rules file bank fees, taxes and salaries under (None: not filed)."""

    bank_fee: int | None = None
    tax: int | None = None
    salary: int | None = None


@dataclass(frozen=True, slots=True)
class Learned:
    """What earlier imports and the accountant's hand assignments taught: which deals a
    payer's ИНН paid, and under which categories a counterparty's ИНН and a purpose's words
    were filed (with how many times), each per direction."""

    payer_deals: Mapping[str, frozenset[int]] = field(default_factory=dict)
    inn_categories: Mapping[tuple[Direction, str], Mapping[int, int]] = field(default_factory=dict)
    word_categories: Mapping[tuple[Direction, str], Mapping[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Expectations:
    payments: Sequence[ExpectedPayment] = ()
    requests: Sequence[OpenRequest] = ()
    categories: Categories = Categories()
    learned: Learned = Learned()


# -- reading a purpose -------------------------------------------------------------------------

_ACQUIRING_RE = re.compile(
    r"эквайринг|возмещени[ея] по операциям|операци[ийямх]* (?:с|по) (?:использованием )?"
    r"(?:банковских |платежных )?карт|pos[- ]терминал",
    re.IGNORECASE,
)
_FEE_RE = re.compile(
    r"комисси[а-яё]*(?:\s+банка)?\s*(?:составила|удержан[аоы]?|в размере|в сумме|[:=-])?\s*"
    r"(?P<amount>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"(?!\s*%|\d|[.,]\d)",
    re.IGNORECASE,
)
_DATE_RE = re.compile(r"(?<!\d)(?P<day>\d{2})\.(?P<month>\d{2})\.(?P<year>\d{4})(?!\d)")
_INVOICE_RE = re.compile(
    r"(?:сч(?:ет|ёт)[а-яё]*|сч\.|инвойс[а-яё]*|invoice)\s*(?:на оплату\s*)?(?:№|N|#)?\s*"
    r"(?P<number>[\w/\-]*\d[\w/\-]*)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_TAX_WORDS_RE = re.compile(
    r"налог|ндфл|ндс\b|усн|страхов[а-я]* взнос|\bенп\b|\bенс\b|единый налоговый|пени\b|фнс",
    re.IGNORECASE,
)
_SALARY_RE = re.compile(
    r"заработн[а-я]* плат|зарплат|зар\. ?плат|оплат[а-я]* труда|зарплатн[а-я]* проект",
    re.IGNORECASE,
)
_FEE_WORDS_RE = re.compile(
    r"комисси|плата за (?:обслуживание|ведение|перевод|пакет|услуг)|"
    r"обслуживани[ея] счета|ведени[ея] счета|тариф",
    re.IGNORECASE,
)
_BANK_NAME_RE = re.compile(r"банк", re.IGNORECASE)
_TREASURY_NAME_RE = re.compile(r"\bуфк\b|казначейств|\bифнс\b|\bфнс\b", re.IGNORECASE)
# The Treasury's accounts: the single treasury account (03100…), and the old 40101….
_TREASURY_ACCOUNTS = ("03100", "03212", "40101")
# A bank's own income and settlement accounts, where its fees go.
_BANK_ACCOUNTS = ("70601", "47422", "47423", "30102", "30232", "60322")


def fee_in(purpose: str) -> int | None:
    """The fee an acquiring credit's purpose says was kept, in kopecks."""
    match = _FEE_RE.search(purpose)
    if match is None:
        return None
    try:
        return read_amount(match["amount"].strip()).to_minor_units()
    except BadValue:
        return None


def dates_in(purpose: str) -> list[date]:
    found = []
    for match in _DATE_RE.finditer(purpose):
        try:
            found.append(date(int(match["year"]), int(match["month"]), int(match["day"])))
        except ValueError:
            continue
    return found


def invoice_numbers(text: str) -> frozenset[str]:
    """The invoice numbers a purpose names ("по счёту № 17 от …", "сч. 17/2"), folded."""
    return frozenset(contract_key(m["number"]) for m in _INVOICE_RE.finditer(text))


def purpose_words(text: str, *, limit: int = 8) -> list[str]:
    """The words of a purpose the accountant's assignments are learned by: lower case,
    three letters or more, no repeats, the first `limit` of them."""
    seen: dict[str, None] = {}
    for word in _WORD_RE.findall(text.lower().replace("ё", "е")):
        seen.setdefault(word[:64], None)
        if len(seen) == limit:
            break
    return list(seen)


def is_acquiring(document: BankDocument) -> bool:
    return document.direction is Direction.IN and bool(_ACQUIRING_RE.search(document.purpose))


# -- matching ----------------------------------------------------------------------------------


def _proposal(targets: list[Target], reasons: list[Reason], sure: bool) -> Proposal:
    reasons = list(dict.fromkeys(reasons))
    score = sum(_WEIGHTS[r] for r in reasons)
    confidence = max(SURE, min(100, score)) if sure else max(5, min(SURE - 1, score))
    return Proposal(tuple(targets), tuple(reasons), confidence, sure)


def _order_key(document: BankDocument) -> tuple[date, str]:
    return document.booked, document.identity.key()


class _Matcher:
    def __init__(self, expectations: Expectations) -> None:
        self.categories = expectations.categories
        self.learned = expectations.learned
        self.left: dict[tuple[TargetKind, int], int] = {}
        self.by_deal: dict[int, list[ExpectedPayment]] = defaultdict(list)
        self.deals_by_contract: dict[str, set[int]] = defaultdict(set)
        self.by_amount: dict[int, list[ExpectedPayment]] = defaultdict(list)
        self.terminal_by_day: dict[date, list[ExpectedPayment]] = defaultdict(list)
        # A deal's payments in the order it has them (prepayment, then the rest): a payment
        # in parts pays the first one first.
        for payment in sorted(expectations.payments, key=lambda p: p.id):
            if payment.remaining_minor <= 0:
                continue
            self.left[(TargetKind.PAYMENT, payment.id)] = payment.remaining_minor
            self.by_deal[payment.deal_id].append(payment)
            if payment.contract:
                self.deals_by_contract[contract_key(payment.contract)].add(payment.deal_id)
            if payment.kind == "terminal":
                self.terminal_by_day[payment.day].append(payment)
            else:
                self.by_amount[payment.remaining_minor].append(payment)
        self.requests_by_inn: dict[str, list[OpenRequest]] = defaultdict(list)
        self.requests_by_account: dict[str, list[OpenRequest]] = defaultdict(list)
        self.requests_by_order: dict[int, list[OpenRequest]] = defaultdict(list)
        self.invoices: dict[int, frozenset[str]] = {}
        for request in sorted(expectations.requests, key=lambda r: (r.pay_by or date.max, r.id)):
            if request.remaining_minor <= 0:
                continue
            self.left[(TargetKind.REQUEST, request.id)] = request.remaining_minor
            if request.inn:
                self.requests_by_inn[request.inn].append(request)
            if request.account:
                self.requests_by_account[request.account].append(request)
            if request.order_number is not None:
                self.requests_by_order[request.order_number].append(request)
            self.invoices[request.id] = invoice_numbers(request.purpose)

    # -- claims --

    def rest(self, kind: TargetKind, ident: int) -> int:
        return self.left.get((kind, ident), 0)

    def claim(self, proposal: Proposal) -> Proposal:
        for target in proposal.targets:
            if target.kind in (TargetKind.PAYMENT, TargetKind.REQUEST):
                key = (target.kind, target.id)
                assert self.left[key] >= target.amount_minor, "claimed more than is left"
                self.left[key] -= target.amount_minor
        return proposal

    # -- credits --

    def credit(self, document: BankDocument) -> Proposal | None:
        amount = document.amount.to_minor_units()
        if is_acquiring(document):
            found = self.acquiring(document, amount)
            if found is not None:
                return found
        inn = document.payer.inn
        known = self.learned.payer_deals.get(inn, frozenset()) if inn else frozenset()
        deals = {
            deal
            for key in contract_keys_in(document.purpose)
            for deal in self.deals_by_contract.get(key, ())
        }
        if deals:
            found = self.by_contract(document, amount, deals, known)
            if found is not None:
                return found
        if known:
            found = self.by_payer(document, amount, known)
            if found is not None:
                return found
        learned = self.learned_category(document, TargetKind.INCOME, amount)
        if learned is not None:
            return learned
        return self.by_amount_only(document, amount)

    def in_window(self, payment: ExpectedPayment, booked: date) -> bool:
        first = min(payment.created, payment.day) - timedelta(days=EARLY_DAYS)
        return first <= booked <= payment.day + timedelta(days=LATE_DAYS)

    def owing(self, deal: int) -> list[ExpectedPayment]:
        return [
            p
            for p in self.by_deal.get(deal, ())
            if p.kind != "terminal" and self.rest(TargetKind.PAYMENT, p.id) > 0
        ]

    def fit(
        self, deal: int, amount: int, booked: date
    ) -> tuple[list[Target], list[Reason], bool] | None:
        """How `amount` pays the deal: the targets, why, and whether booked in the window."""
        owing = self.owing(deal)
        if not owing:
            return None
        rests = [self.rest(TargetKind.PAYMENT, p.id) for p in owing]
        for payment, rest in zip(owing, rests, strict=True):
            if rest == amount:
                window = self.in_window(payment, booked)
                return (
                    [Target(TargetKind.PAYMENT, payment.id, amount)],
                    [Reason.AMOUNT_EXACT],
                    window,
                )
        total = sum(rests)
        if amount > total:
            return None
        targets, left = [], amount
        for payment, rest in zip(owing, rests, strict=True):
            take = min(rest, left)
            targets.append(Target(TargetKind.PAYMENT, payment.id, take))
            left -= take
            if not left:
                break
        window = all(self.in_window(p, booked) for p in owing[: len(targets)])
        reason = Reason.AMOUNT_TOTAL if amount == total else Reason.AMOUNT_PARTIAL
        return targets, [reason], window

    def by_contract(
        self, document: BankDocument, amount: int, deals: set[int], known: frozenset[int]
    ) -> Proposal | None:
        fits = []
        for deal in sorted(deals):
            fitted = self.fit(deal, amount, document.booked)
            if fitted is not None:
                fits.append((deal, *fitted))
        if not fits:
            return None
        exact = [f for f in fits if f[2][0] is not Reason.AMOUNT_PARTIAL]
        deal, targets, reasons, window = (exact or fits)[0]
        reasons = [Reason.CONTRACT, *reasons]
        payer_known = deal in known
        if payer_known:
            reasons.append(Reason.PAYER_KNOWN)
        reasons.append(Reason.DATE_WINDOW if window else Reason.DATE_OUTSIDE)
        several = len(deals) > 1
        if several:
            reasons.append(Reason.SEVERAL)
        partial = reasons[1] is Reason.AMOUNT_PARTIAL
        sure = window and not several and (not partial or payer_known)
        return self.claim(_proposal(targets, reasons, sure))

    def by_payer(
        self, document: BankDocument, amount: int, known: frozenset[int]
    ) -> Proposal | None:
        fits = []
        for deal in sorted(known):
            fitted = self.fit(deal, amount, document.booked)
            if fitted is not None:
                fits.append((deal, *fitted))
        if not fits:
            return None
        exact = [f for f in fits if f[2][0] is Reason.AMOUNT_EXACT]
        chosen = exact or fits
        _, targets, reasons, window = chosen[0]
        reasons = [Reason.PAYER_KNOWN, *reasons]
        reasons.append(Reason.DATE_WINDOW if window else Reason.DATE_OUTSIDE)
        if len(chosen) > 1:
            reasons.append(Reason.SEVERAL)
        sure = window and len(exact) == 1
        return self.claim(_proposal(targets, reasons, sure))

    def by_amount_only(self, document: BankDocument, amount: int) -> Proposal | None:
        candidates = [
            p
            for p in self.by_amount.get(amount, ())
            if self.rest(TargetKind.PAYMENT, p.id) == amount and self.in_window(p, document.booked)
        ]
        if not candidates:
            return None
        reasons = [Reason.AMOUNT_ONLY, Reason.DATE_WINDOW]
        if len(candidates) > 1:
            reasons.append(Reason.SEVERAL)
        target = Target(TargetKind.PAYMENT, candidates[0].id, amount)
        return self.claim(_proposal([target], reasons, sure=False))

    def acquiring(self, document: BankDocument, amount: int) -> Proposal | None:
        fee = fee_in(document.purpose)
        days = [d for d in dates_in(document.purpose) if d <= document.booked]
        days += [document.booked - timedelta(days=1), document.booked]
        for day in dict.fromkeys(days):
            payments = [
                p
                for p in self.terminal_by_day.get(day, ())
                if self.rest(TargetKind.PAYMENT, p.id) > 0
            ]
            if not payments:
                continue
            total = sum(self.rest(TargetKind.PAYMENT, p.id) for p in payments)
            targets = [
                Target(TargetKind.PAYMENT, p.id, self.rest(TargetKind.PAYMENT, p.id))
                for p in payments
            ]
            reasons = [Reason.ACQUIRING, Reason.REGISTER_DATE]
            if fee is not None and total == amount + fee:
                kept = fee
                reasons.append(Reason.FEE_IN_TEXT)
                sure = True
            elif fee is None and total == amount:
                kept, sure = 0, True
            elif fee is None and 0 < total - amount <= total * FEE_SHARE_LIMIT // 100:
                kept, sure = total - amount, False
                reasons.append(Reason.FEE_COMPUTED)
            else:
                continue
            if kept:
                if self.categories.bank_fee is None:
                    continue  # nowhere to file the fee: the accountant assigns it
                targets.append(Target(TargetKind.EXPENSE, self.categories.bank_fee, kept))
            return self.claim(_proposal(targets, reasons, sure))
        return None

    # -- debits --

    def debit(self, document: BankDocument) -> Proposal | None:
        amount = document.amount.to_minor_units()
        found = self.by_order(document, amount) or self.by_recipient(document, amount)
        if found is not None:
            return found
        learned = self.learned_category(document, TargetKind.EXPENSE, amount)
        if learned is not None:
            return learned
        return self.by_rules(document, amount) or self.learned_words(
            document, TargetKind.EXPENSE, amount
        )

    def by_order(self, document: BankDocument, amount: int) -> Proposal | None:
        number = document.number.lstrip("0")
        if not number.isdigit():
            return None
        payee = document.payee
        for request in self.requests_by_order.get(int(number), ()):
            if self.rest(TargetKind.REQUEST, request.id) != amount:
                continue
            if request.order_date is not None and document.booked < request.order_date:
                continue
            reasons = [Reason.ORDER_NUMBER, Reason.AMOUNT_EXACT]
            if payee.account and payee.account == request.account:
                reasons.append(Reason.RECIPIENT_ACCOUNT)
            if payee.inn and payee.inn == request.inn:
                reasons.append(Reason.RECIPIENT_INN)
            if len(reasons) == 2:
                continue  # the same number and sum to someone else: not ours
            target = Target(TargetKind.REQUEST, request.id, amount)
            return self.claim(_proposal([target], reasons, sure=True))
        return None

    def by_recipient(self, document: BankDocument, amount: int) -> Proposal | None:
        payee = document.payee
        if payee.inn:
            candidates, reason = self.requests_by_inn.get(payee.inn, []), Reason.RECIPIENT_INN
        elif payee.account:
            candidates = self.requests_by_account.get(payee.account, [])
            reason = Reason.RECIPIENT_ACCOUNT
        else:
            return None
        open_ = [r for r in candidates if self.rest(TargetKind.REQUEST, r.id) > 0]
        if not open_:
            return None
        named = invoice_numbers(document.purpose)
        exact = [r for r in open_ if self.rest(TargetKind.REQUEST, r.id) == amount]
        if exact:
            by_invoice = [r for r in exact if self.invoices[r.id] & named]
            reasons = [reason, Reason.AMOUNT_EXACT]
            if len(exact) == 1:
                chosen, sure = exact[0], True
                if by_invoice:
                    reasons.append(Reason.INVOICE_NUMBER)
            elif len(by_invoice) == 1:
                chosen, sure = by_invoice[0], True
                reasons.append(Reason.INVOICE_NUMBER)
            else:
                chosen, sure = (by_invoice or exact)[0], False
                reasons.append(Reason.SEVERAL)
            target = Target(TargetKind.REQUEST, chosen.id, amount)
            return self.claim(_proposal([target], reasons, sure))
        larger = [r for r in open_ if self.rest(TargetKind.REQUEST, r.id) > amount]
        if not larger:
            return None
        by_invoice = [r for r in larger if self.invoices[r.id] & named]
        chosen = (by_invoice or larger)[0]
        reasons = [reason, Reason.AMOUNT_PARTIAL]
        if by_invoice:
            reasons.append(Reason.INVOICE_NUMBER)
        if len(by_invoice or larger) > 1:
            reasons.append(Reason.SEVERAL)
        target = Target(TargetKind.REQUEST, chosen.id, amount)
        return self.claim(_proposal([target], reasons, sure=False))

    def by_rules(self, document: BankDocument, amount: int) -> Proposal | None:
        payee, purpose, rules = document.payee, document.purpose, self.categories
        account = payee.account or ""
        if rules.tax is not None:
            kbk = document.fields.get("ПоказательКБК", "").strip()
            treasury = (
                account.startswith(_TREASURY_ACCOUNTS)
                or bool(_TREASURY_NAME_RE.search(payee.name))
                or (bool(kbk) and set(kbk) != {"0"})
            )
            if treasury or _TAX_WORDS_RE.search(purpose):
                reasons = [Reason.TAX, Reason.TREASURY] if treasury else [Reason.TAX]
                target = Target(TargetKind.EXPENSE, rules.tax, amount)
                return _proposal([target], reasons, sure=treasury)
        if rules.salary is not None and _SALARY_RE.search(purpose):
            target = Target(TargetKind.EXPENSE, rules.salary, amount)
            return _proposal([target], [Reason.SALARY], sure=True)
        if rules.bank_fee is not None and _FEE_WORDS_RE.search(purpose):
            to_bank = (
                account.startswith(_BANK_ACCOUNTS)
                or not account
                or bool(_BANK_NAME_RE.search(payee.name))
            )
            target = Target(TargetKind.EXPENSE, rules.bank_fee, amount)
            return _proposal([target], [Reason.BANK_FEE], sure=to_bank)
        return None

    # -- what was taught --

    def learned_category(
        self, document: BankDocument, kind: TargetKind, amount: int
    ) -> Proposal | None:
        direction = document.direction
        inn = document.counterparty.inn
        counted = self.learned.inn_categories.get((direction, inn), {}) if inn else {}
        if not counted:
            return None
        category, _ = max(counted.items(), key=lambda item: (item[1], -item[0]))
        target = Target(kind, category, amount)
        reasons = [Reason.LEARNED_INN]
        if len(counted) > 1:
            reasons.append(Reason.SEVERAL)
        return _proposal([target], reasons, sure=len(counted) == 1)

    def learned_words(
        self, document: BankDocument, kind: TargetKind, amount: int
    ) -> Proposal | None:
        scores: dict[int, int] = defaultdict(int)
        for word in purpose_words(document.purpose):
            for category, hits in self.learned.word_categories.get(
                (document.direction, word), {}
            ).items():
                scores[category] += hits
        if not scores:
            return None
        category, _ = max(scores.items(), key=lambda item: (item[1], -item[0]))
        return _proposal([Target(kind, category, amount)], [Reason.LEARNED_WORDS], sure=False)


def match(documents: Sequence[BankDocument], expectations: Expectations) -> list[Proposal | None]:
    """A proposal (or None) for each document, in the documents' order. Matched in the order
    of booking date and identity, so the same lines get the same proposals however a
    statement is cut into files."""
    matcher = _Matcher(expectations)
    proposals: list[Proposal | None] = [None] * len(documents)
    order = sorted(range(len(documents)), key=lambda i: _order_key(documents[i]))
    for index in order:
        document = documents[index]
        if document.direction is Direction.IN:
            found = matcher.credit(document)
            if found is None:
                found = matcher.learned_words(
                    document, TargetKind.INCOME, document.amount.to_minor_units()
                )
        else:
            found = matcher.debit(document)
        proposals[index] = found
    return proposals


__all__ = [
    "SURE",
    "Categories",
    "Expectations",
    "ExpectedPayment",
    "Learned",
    "OpenRequest",
    "Proposal",
    "Reason",
    "Target",
    "TargetKind",
    "dates_in",
    "fee_in",
    "invoice_numbers",
    "is_acquiring",
    "match",
    "purpose_words",
]
