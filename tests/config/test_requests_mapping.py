"""The `[requests]` mappings: who approves payment requests, read from the TOML; a wrong value
stops start-up with a line naming its key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from config.mappings import load_mappings
from config.settings import SettingsError
from ledger.money import Money

REPO = Path(__file__).resolve().parents[2]


def test_without_a_section_the_owners_approve_everything_in_one_step() -> None:
    policy = load_mappings(REPO / "config" / "mappings.toml").requests.policy()

    assert policy.steps(Money(Decimal("1000000")), category=["Маркетинг"], deal=True) == ((),)
    assert not policy.approves_by_itself(Money(Decimal("1")))
    assert policy.self_approval is False


def test_a_full_section_becomes_the_approval_policy(tmp_path: Path) -> None:
    path = tmp_path / "mappings.toml"
    path.write_text(
        "[requests]\n"
        "approvers = [111]\n"
        "deal_approvers = [222]\n"
        "second_step_above = 100000\n"
        "second_approvers = [333]\n"
        'auto_approve_below = "2999.99"\n'
        "self_approval = true\n"
        "digest_hour = 8\n"
        "[requests.category_approvers]\n"
        '"Маркетинг" = [444, 555]\n',
        encoding="utf-8",
    )

    mappings = load_mappings(path)
    policy = mappings.requests.policy()

    big, small = Money(Decimal("100000.01")), Money(Decimal("2999.98"))
    assert policy.steps(big, category=["Маркетинг"], deal=False) == ((444, 555), (333,))
    assert policy.steps(small, category=["Аренда"], deal=False) == ((111,),)
    assert policy.steps(small, category=["Маркетинг"], deal=True) == ((222,),)
    assert policy.approves_by_itself(small)
    assert not policy.approves_by_itself(Money(Decimal("2999.99")))
    assert policy.self_approval is True
    assert (mappings.requests.digest_hour, mappings.requests.overdue_hour) == (8, 10)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("second_step_above = 1000.5", "second_step_above"),
        ('auto_approve_below = "много"', "auto_approve_below"),
        ("auto_approve_below = -5", "auto_approve_below"),
        ('approvers = ["@boss"]', "approvers"),
        ('self_approval = "yes"', "self_approval"),
        ("digest_hour = 24", "digest_hour"),
        ("aprovers = [1]", "aprovers"),
    ],
)
def test_a_wrong_value_stops_start_up_naming_its_key(tmp_path: Path, line: str, key: str) -> None:
    path = tmp_path / "mappings.toml"
    path.write_text(f"[requests]\n{line}\n", encoding="utf-8")

    with pytest.raises(SettingsError) as caught:
        load_mappings(path)

    assert any(f"requests.{key}" in found for found in caught.value.lines), caught.value.lines
