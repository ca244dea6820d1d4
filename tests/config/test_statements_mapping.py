"""The `[company]` and `[statements]` mappings: our company as the payer of payment orders,
checked by its check digits at start-up, and the categories a statement's fees, taxes and
salaries are proposed under."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.mappings import load_mappings
from config.settings import SettingsError

REPO = Path(__file__).resolve().parents[2]
COMPANY = (
    "[company]\n"
    "name = 'ООО \"Копейка\"'\n"
    'inn = "7736050003"\n'
    'kpp = "773601001"\n'
    'account = "40702810200000000001"\n'
    'bik = "044525225"\n'
    'bank = "ПАО Сбербанк"\n'
    'corr_account = "30101810400000000225"\n'
)


def _load(tmp_path: Path, text: str):
    path = tmp_path / "mappings.toml"
    path.write_text(text, encoding="utf-8")
    return load_mappings(path)


def test_the_shipped_mappings_name_no_company_and_the_seeded_categories() -> None:
    mappings = load_mappings(REPO / "config" / "mappings.toml")

    assert mappings.company.company() is None
    names = mappings.statements.categories()
    assert (names.bank_fee, names.tax, names.salary) == ("Услуги", "Налоги", "Зарплаты")


def test_our_company_becomes_the_payer_of_payment_orders(tmp_path: Path) -> None:
    company = _load(tmp_path, COMPANY).company.company()

    assert company is not None
    assert company.problems() == ()
    party = company.party()
    assert (party.inn, party.kpp, party.account) == (
        "7736050003",
        "773601001",
        "40702810200000000001",
    )
    assert party.bank.bik == "044525225"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (('inn = "7736050003"', 'inn = "7736050004"'), "inn"),
        (('account = "40702810200000000001"', 'account = "40702810300000000001"'), "account"),
        (('bank = "ПАО Сбербанк"', 'bank = ""'), "bank"),
    ],
)
def test_a_company_detail_failing_its_check_stops_start_up_naming_it(
    tmp_path: Path, change: tuple[str, str], named: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        _load(tmp_path, COMPANY.replace(*change))

    [line] = refused.value.lines
    assert "[company]" in line
    assert named in line


def test_an_unknown_key_or_an_empty_category_is_said(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        _load(tmp_path, "[statements]\nfee_categori = 'Банк'\n")
    names = _load(tmp_path, "[statements]\nsalary_category = ''\n").statements.categories()

    assert "fee_categori" in refused.value.lines[0]
    assert names.salary is None
