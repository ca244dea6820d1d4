"""Checks of Russian payment details: ИНН, КПП, БИК, settlement and correspondent accounts.

Each `check_*` returns the value as digits (spaces and dashes taken out) or raises
`DetailRefused`, whose `.detail` says which detail and `.problem` what is wrong with it, in
domain terms (the bot's texts turn them into words). `problem_of` asks the same without
raising, for a reader that keeps what it read and reports what fails.

What comes from where:
- ИНН: python-stdnum (`stdnum.ru.inn`) checks the length and the check digits: 10 digits for
  a company, 12 for a person.
- КПП: stdnum has no module for it. Its format (FNS order ММВ-7-6/435@): four digits of the
  tax office, two of the reason for registration (since 2019 they may also be capital Latin
  letters A–Z), three digits of the serial number. It has no check digit.
- БИК: nine digits; a Russian bank's starts with 04 (the country code).
- Accounts: twenty digits, and their control key (the ninth digit) must fit the БИК, by the
  Bank of Russia's rule: the 23 digits "bank's number + account" are weighed 7, 1, 3, 7, 1,
  3…, each product taken mod 10, and the sum of those must end in 0. The bank's number is
  the БИК's last three digits for an account in a bank, and "0" + the БИК's fifth and sixth
  digits for an account held at the Bank of Russia: every correspondent account (it is held
  there), and a settlement account whose БИК is one of the Bank of Russia's own units (its
  БИК ends in 000, 001 or 002). A correspondent account also starts with 301 and ends in the
  БИК's last three digits (the bank's number in its region).

Not covered: the Federal Treasury's details (БИК starting 00, treasury accounts starting
03): taxes are paid by the tax office's own details, not by an invoice.
"""

from __future__ import annotations

from enum import StrEnum

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.ru import inn as stdnum_inn

from ledger.errors import DomainError

ACCOUNT_DIGITS = 20
BIK_DIGITS = 9
KPP_LENGTH = 9
BIK_COUNTRY = "04"  # Russia
CORRESPONDENT_PREFIX = "301"  # balance account 30101: a bank's account at the Bank of Russia
# The Bank of Russia's own units (its cash and settlement centres) end their БИК so.
_CENTRAL_BANK_UNITS = frozenset({"000", "001", "002"})
_KEY_WEIGHTS = (7, 1, 3) * 8  # 24 weights; the 23 digits use the first 23
_SEPARATORS = str.maketrans("", "", " \u00a0\u202f-")


class Detail(StrEnum):
    """Which payment detail a check was about."""

    INN = "inn"
    KPP = "kpp"
    BIK = "bik"
    ACCOUNT = "account"  # the settlement account (расчётный счёт)
    CORRESPONDENT_ACCOUNT = "correspondent_account"


class DetailProblem(StrEnum):
    EMPTY = "empty"
    NOT_DIGITS = "not_digits"  # a letter or a sign where only digits belong
    WRONG_LENGTH = "wrong_length"
    CHECKSUM = "checksum"  # an ИНН whose check digits are wrong: a typo
    FORMAT = "format"  # a КПП with letters outside positions 5–6, or not A–Z
    NOT_RUSSIAN = "not_russian"  # a БИК that does not start with 04
    NOT_CORRESPONDENT = "not_correspondent"  # a correspondent account not starting with 301
    KEY_MISMATCH = "key_mismatch"  # an account whose control key does not fit the БИК
    OTHER_BANK = "other_bank"  # a correspondent account not ending in the БИК's last 3 digits
    BIK_UNUSABLE = "bik_unusable"  # the account cannot be checked: no valid БИК to check it by


class DetailRefused(DomainError):
    def __init__(self, detail: Detail, problem: DetailProblem, value: str) -> None:
        super().__init__(f"{detail}: {problem} ({value!r})")
        self.detail = detail
        self.problem = problem
        self.value = value  # as given, for the answer to repeat


def compact(value: str) -> str:
    """The value without the spaces and dashes people group digits with."""
    return value.translate(_SEPARATORS).strip()


def check_inn(value: str) -> str:
    """A company's (10 digits) or a person's (12 digits) ИНН with valid check digits."""
    digits = _digits(Detail.INN, value, lengths=(10, 12))
    try:
        stdnum_inn.validate(digits)
    except InvalidChecksum:
        raise DetailRefused(Detail.INN, DetailProblem.CHECKSUM, value) from None
    except (InvalidFormat, InvalidLength):  # _digits has ruled these out; stdnum agrees
        raise DetailRefused(Detail.INN, DetailProblem.NOT_DIGITS, value) from None
    return digits


def is_company_inn(inn: str) -> bool:
    """A company's ИНН has 10 digits, a person's (an individual entrepreneur's too) 12."""
    return len(compact(inn)) == 10


def check_kpp(value: str) -> str:
    """A КПП: NNNN PP XXX, digits, with PP also allowed to be capital Latin letters."""
    kpp = compact(value)
    if not kpp:
        raise DetailRefused(Detail.KPP, DetailProblem.EMPTY, value)
    if len(kpp) != KPP_LENGTH:
        raise DetailRefused(Detail.KPP, DetailProblem.WRONG_LENGTH, value)
    ascii_digits = kpp[:4] + kpp[6:]
    reason = kpp[4:6]
    if not (
        ascii_digits.isascii()
        and ascii_digits.isdigit()
        and all(ch.isascii() and (ch.isdigit() or ch.isupper()) for ch in reason)
    ):
        raise DetailRefused(Detail.KPP, DetailProblem.FORMAT, value)
    return kpp


def check_bik(value: str) -> str:
    """A Russian bank's БИК: nine digits starting with 04."""
    bik = _digits(Detail.BIK, value, lengths=(BIK_DIGITS,))
    if not bik.startswith(BIK_COUNTRY):
        raise DetailRefused(Detail.BIK, DetailProblem.NOT_RUSSIAN, value)
    return bik


def check_account(value: str, bik: str) -> str:
    """A settlement account (20 digits) whose control key fits the bank of `bik`."""
    account = _digits(Detail.ACCOUNT, value, lengths=(ACCOUNT_DIGITS,))
    bank = _usable_bik(Detail.ACCOUNT, value, bik)
    if not control_key_fits(_settlement_bank_number(bank) + account):
        raise DetailRefused(Detail.ACCOUNT, DetailProblem.KEY_MISMATCH, value)
    return account


def check_correspondent_account(value: str, bik: str) -> str:
    """A bank's correspondent account (20 digits, 301…) whose control key fits its `bik`."""
    account = _digits(Detail.CORRESPONDENT_ACCOUNT, value, lengths=(ACCOUNT_DIGITS,))
    if not account.startswith(CORRESPONDENT_PREFIX):
        raise DetailRefused(Detail.CORRESPONDENT_ACCOUNT, DetailProblem.NOT_CORRESPONDENT, value)
    bank = _usable_bik(Detail.CORRESPONDENT_ACCOUNT, value, bik)
    if account[-3:] != bank[-3:]:
        raise DetailRefused(Detail.CORRESPONDENT_ACCOUNT, DetailProblem.OTHER_BANK, value)
    if not control_key_fits(_central_bank_number(bank) + account):
        raise DetailRefused(Detail.CORRESPONDENT_ACCOUNT, DetailProblem.KEY_MISMATCH, value)
    return account


def problem_of(detail: Detail, value: str, *, bik: str | None = None) -> DetailProblem | None:
    """What is wrong with `value` as `detail` (None: nothing). An account is checked against
    `bik`; without one, only its format is, and a well-formed one is BIK_UNUSABLE."""
    try:
        match detail:
            case Detail.INN:
                check_inn(value)
            case Detail.KPP:
                check_kpp(value)
            case Detail.BIK:
                check_bik(value)
            case Detail.ACCOUNT | Detail.CORRESPONDENT_ACCOUNT:
                if bik is None:
                    # Its own format is still checked; then it cannot be believed, since its
                    # key fits some bank or other.
                    return _account_format_problem(detail, value) or DetailProblem.BIK_UNUSABLE
                check = check_account if detail is Detail.ACCOUNT else check_correspondent_account
                check(value, bik)
    except DetailRefused as refused:
        return refused.problem
    return None


def _account_format_problem(detail: Detail, value: str) -> DetailProblem | None:
    try:
        account = _digits(detail, value, lengths=(ACCOUNT_DIGITS,))
    except DetailRefused as refused:
        return refused.problem
    if detail is Detail.CORRESPONDENT_ACCOUNT and not account.startswith(CORRESPONDENT_PREFIX):
        return DetailProblem.NOT_CORRESPONDENT
    return None


def control_key_fits(digits: str) -> bool:
    """The Bank of Russia's control-key rule over the 23 digits "bank's number + account"."""
    if len(digits) != 3 + ACCOUNT_DIGITS or not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"the control key is computed over 23 digits, not {digits!r}")
    return sum(int(d) * w % 10 for d, w in zip(digits, _KEY_WEIGHTS, strict=False)) % 10 == 0


def _settlement_bank_number(bik: str) -> str:
    if bik[-3:] in _CENTRAL_BANK_UNITS:
        return _central_bank_number(bik)
    return bik[-3:]


def _central_bank_number(bik: str) -> str:
    return "0" + bik[4:6]


def _usable_bik(detail: Detail, value: str, bik: str) -> str:
    try:
        return check_bik(bik)
    except DetailRefused:
        raise DetailRefused(detail, DetailProblem.BIK_UNUSABLE, value) from None


def _digits(detail: Detail, value: str, *, lengths: tuple[int, ...]) -> str:
    digits = compact(value)
    if not digits:
        raise DetailRefused(detail, DetailProblem.EMPTY, value)
    # str.isdigit alone takes "٣" and "²": only ASCII digits are a bank's digits.
    if not (digits.isascii() and digits.isdigit()):
        raise DetailRefused(detail, DetailProblem.NOT_DIGITS, value)
    if len(digits) not in lengths:
        raise DetailRefused(detail, DetailProblem.WRONG_LENGTH, value)
    return digits
