"""Payment details are believed only when their format and check digits hold.

The accounts below are real ones, published on invoices and companies' requisites pages, each
with its bank's БИК and correspondent account; they pass the Bank of Russia's control-key rule,
and so must pass ours.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.bank_details import (
    Detail,
    DetailProblem,
    DetailRefused,
    check_account,
    check_bik,
    check_correspondent_account,
    check_inn,
    check_kpp,
    control_key_fits,
    is_company_inn,
    problem_of,
)

# (БИК, correspondent account, a settlement account published with them)
PUBLISHED = [
    ("044525225", "30101810400000000225", "40702810740000432537"),  # ПАО Сбербанк, Москва
    ("045004816", "30101810500000000816", "40702810904000040651"),  # Сибирский банк Сбербанка
    ("049805609", "30101810400000000609", "40817810176005410866"),  # Якутское отделение
    ("044525593", "30101810200000000593", "40802810001480000058"),  # АО «Альфа-Банк»
    ("044525593", "30101810200000000593", "40701810401400000014"),
    ("044525974", "30101810145250000974", "40702810810000117040"),  # АО «ТБанк»
    ("044525974", "30101810145250000974", "40802810500007432200"),
]
CORRESPONDENT_ONLY = [
    ("044525187", "30101810700000000187"),  # ВТБ
    ("044525555", "30101810400000000555"),  # Промсвязьбанк
    ("044525256", "30101810000000000256"),  # Росбанк
]


@pytest.mark.parametrize(("bik", "correspondent", "account"), PUBLISHED)
def test_published_accounts_fit_their_banks(bik: str, correspondent: str, account: str) -> None:
    assert check_bik(bik) == bik
    assert check_correspondent_account(correspondent, bik) == correspondent
    assert check_account(account, bik) == account


@pytest.mark.parametrize(("bik", "correspondent"), CORRESPONDENT_ONLY)
def test_published_correspondent_accounts_fit_their_banks(bik: str, correspondent: str) -> None:
    assert check_correspondent_account(correspondent, bik) == correspondent


def test_an_account_valid_at_one_bank_is_refused_for_another() -> None:
    tbank_account = "40817810800028162749"  # published with АО «ТБанк», 044525974
    assert check_account(tbank_account, "044525974") == tbank_account

    with pytest.raises(DetailRefused) as refused:
        check_account(tbank_account, "049805609")

    assert refused.value.detail is Detail.ACCOUNT
    assert refused.value.problem is DetailProblem.KEY_MISMATCH


def test_a_correspondent_account_of_another_bank_is_refused() -> None:
    with pytest.raises(DetailRefused) as refused:
        check_correspondent_account("30101810200000000593", "044525225")

    assert refused.value.problem is DetailProblem.OTHER_BANK


def test_a_correspondent_account_of_another_region_does_not_fit_the_key() -> None:
    # Сбербанк's Moscow account against a БИК of region 98 with the same bank number.
    problem = problem_of(Detail.CORRESPONDENT_ACCOUNT, "30101810400000000225", bik="049805225")

    assert problem is DetailProblem.KEY_MISMATCH


def test_an_account_at_a_bank_of_russia_unit_is_keyed_by_the_units_number() -> None:
    # A unit's БИК ends in 000-002: its accounts are keyed by "0" + the БИК's 5th-6th digits.
    bik = "044525000"
    account = _keyed("40101810", "00000010041", prefix="025")

    assert check_account(account, bik) == account
    assert not control_key_fits(bik[-3:] + account)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", DetailProblem.EMPTY),
        ("   ", DetailProblem.EMPTY),
        ("04452522", DetailProblem.WRONG_LENGTH),
        ("0445252250", DetailProblem.WRONG_LENGTH),
        ("04452522O", DetailProblem.NOT_DIGITS),
        ("٠٤٤٥٢٥٢٢٥", DetailProblem.NOT_DIGITS),  # Arabic-Indic digits: not a bank's digits
        ("004525988", DetailProblem.NOT_RUSSIAN),  # the Treasury's
        ("SABRRUMM", DetailProblem.NOT_DIGITS),  # a SWIFT code is no БИК
    ],
)
def test_a_bik_must_be_nine_digits_starting_with_04(value: str, problem: DetailProblem) -> None:
    assert problem_of(Detail.BIK, value) is problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", DetailProblem.EMPTY),
        ("4070281074000043253", DetailProblem.WRONG_LENGTH),
        ("407028107400004325370", DetailProblem.WRONG_LENGTH),
        ("4070281074000043253x", DetailProblem.NOT_DIGITS),
        ("40702810740000432538", DetailProblem.KEY_MISMATCH),
    ],
)
def test_a_settlement_account_must_be_twenty_digits_keyed_to_the_bik(
    value: str, problem: DetailProblem
) -> None:
    assert problem_of(Detail.ACCOUNT, value, bik="044525225") is problem


def test_an_account_is_not_checked_against_an_invalid_bik() -> None:
    problem = problem_of(Detail.ACCOUNT, "40702810740000432537", bik="12345")

    assert problem is DetailProblem.BIK_UNUSABLE


def test_a_correspondent_account_must_start_with_301() -> None:
    problem = problem_of(Detail.CORRESPONDENT_ACCOUNT, "40702810740000432537", bik="044525225")

    assert problem is DetailProblem.NOT_CORRESPONDENT


def test_an_account_without_a_bik_is_checked_for_format_and_not_believed() -> None:
    assert problem_of(Detail.ACCOUNT, "40702810740000432537") is DetailProblem.BIK_UNUSABLE
    assert problem_of(Detail.ACCOUNT, "4070281074000043253") is DetailProblem.WRONG_LENGTH
    problem = problem_of(Detail.CORRESPONDENT_ACCOUNT, "40702810740000432537")
    assert problem is DetailProblem.NOT_CORRESPONDENT


def test_grouped_digits_are_read_as_digits() -> None:
    assert check_account("40702 810 7 4000 0432537", "044 525 225") == "40702810740000432537"
    assert check_inn("7707-083-893") == "7707083893"


@pytest.mark.parametrize(
    "inn", ["7707083893", "5038191314", "7710140679", "500100732259", "032315540193"]
)
def test_published_inns_pass(inn: str) -> None:
    assert check_inn(inn) == inn


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", DetailProblem.EMPTY),
        ("7707083894", DetailProblem.CHECKSUM),
        ("500100732258", DetailProblem.CHECKSUM),
        ("77070838931", DetailProblem.WRONG_LENGTH),
        ("770708389", DetailProblem.WRONG_LENGTH),
        ("77070838g3", DetailProblem.NOT_DIGITS),
    ],
)
def test_an_inn_with_wrong_digits_is_refused_with_the_reason(
    value: str, problem: DetailProblem
) -> None:
    with pytest.raises(DetailRefused) as refused:
        check_inn(value)

    assert refused.value.detail is Detail.INN
    assert refused.value.problem is problem
    assert refused.value.value == value


def test_a_company_inn_has_ten_digits_and_a_persons_twelve() -> None:
    assert is_company_inn("7707083893")
    assert not is_company_inn("500100732259")


@pytest.mark.parametrize("kpp", ["773601001", "503801001", "7736AB001", "77360Z001"])
def test_a_kpp_is_nine_digits_with_letters_allowed_in_the_reason(kpp: str) -> None:
    assert check_kpp(kpp) == kpp


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", DetailProblem.EMPTY),
        ("77360100", DetailProblem.WRONG_LENGTH),
        ("7736010011", DetailProblem.WRONG_LENGTH),
        ("A73601001", DetailProblem.FORMAT),  # letters only in positions 5-6
        ("7736010A1", DetailProblem.FORMAT),
        ("7736ab001", DetailProblem.FORMAT),  # capital letters only
        ("7736АВ001", DetailProblem.FORMAT),  # Cyrillic look-alikes are other letters
    ],
)
def test_a_kpp_out_of_format_is_refused(value: str, problem: DetailProblem) -> None:
    assert problem_of(Detail.KPP, value) is problem


def _keyed(head: str, tail: str, *, prefix: str) -> str:
    """An account "head + key digit + tail" whose key fits `prefix` (the bank's number)."""
    for key in "0123456789":
        account = head + key + tail
        if control_key_fits(prefix + account):
            return account
    raise AssertionError("some key digit always fits")


accounts = st.sampled_from(PUBLISHED)


@given(accounts, st.integers(0, 19), st.integers(1, 9))
def test_changing_any_one_digit_of_an_account_breaks_its_key(
    published: tuple[str, str, str], position: int, shift: int
) -> None:
    bik, _, account = published
    digit = (int(account[position]) + shift) % 10
    changed = account[:position] + str(digit) + account[position + 1 :]

    assert problem_of(Detail.ACCOUNT, changed, bik=bik) is DetailProblem.KEY_MISMATCH


@given(accounts, st.integers(3, 16), st.integers(1, 9))
def test_changing_any_one_digit_of_a_correspondent_account_breaks_its_key(
    published: tuple[str, str, str], position: int, shift: int
) -> None:
    bik, correspondent, _ = published
    digit = (int(correspondent[position]) + shift) % 10
    changed = correspondent[:position] + str(digit) + correspondent[position + 1 :]

    problem = problem_of(Detail.CORRESPONDENT_ACCOUNT, changed, bik=bik)

    assert problem is DetailProblem.KEY_MISMATCH


@given(accounts, st.integers(6, 8), st.integers(1, 9))
def test_changing_any_digit_of_the_banks_number_in_the_bik_breaks_the_accounts_key(
    published: tuple[str, str, str], position: int, shift: int
) -> None:
    bik, _, account = published
    digit = (int(bik[position]) + shift) % 10
    other_bank = bik[:position] + str(digit) + bik[position + 1 :]

    assert problem_of(Detail.ACCOUNT, account, bik=other_bank) is not None


@given(st.text(max_size=30))
def test_no_text_makes_a_check_crash(value: str) -> None:
    for detail in Detail:
        problem_of(detail, value, bik="044525225")
