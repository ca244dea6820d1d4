"""The checks a counterparty's details pass before a request believes them: ИНН, КПП, БИК, the
settlement and the correspondent account.

These are format checks only (digits and lengths). `check_details` is the one function the
services call, so the full checks (check digits, the accounts' control key against the БИК)
replace it here without the services changing. It returns every problem at once, as data:
the bot names each field that is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INN = re.compile(r"\d{10}|\d{12}")  # an organisation's 10 digits, a person's 12
_KPP = re.compile(r"\d{4}[0-9A-Z]{2}\d{3}")
_BIK = re.compile(r"\d{9}")
_ACCOUNT = re.compile(r"\d{20}")
_CORR_ACCOUNT = re.compile(r"301\d{17}")  # correspondent accounts are on balance account 301


@dataclass(frozen=True, slots=True)
class DetailProblem:
    field: str  # "inn", "kpp", "bik", "account" or "corr_account"
    reason: str  # "format" (the full checks add "checksum" and "not_for_bik")


def normalised(value: str) -> str:
    """A detail as people type or paste it: spaces, dashes and dots dropped, letters capital."""
    return re.sub(r"[\s\-.]", "", value).upper()


def check_details(
    *,
    inn: str | None = None,
    kpp: str | None = None,
    bik: str | None = None,
    account: str | None = None,
    corr_account: str | None = None,
) -> tuple[DetailProblem, ...]:
    """Every problem with the details given (None: not given, not checked)."""
    checks = (
        ("inn", inn, _INN),
        ("kpp", kpp, _KPP),
        ("bik", bik, _BIK),
        ("account", account, _ACCOUNT),
        ("corr_account", corr_account, _CORR_ACCOUNT),
    )
    return tuple(
        DetailProblem(name, "format")
        for name, value, pattern in checks
        if value is not None and pattern.fullmatch(value) is None
    )
