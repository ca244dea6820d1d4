"""The checks a counterparty's details pass before a request believes them: ИНН, КПП, БИК, the
settlement and the correspondent account.

`check_details` is the one function the services call. It applies `ledger.bank_details`: an
ИНН's check digits (python-stdnum), a КПП's format, a Russian БИК, and both accounts' control
key against the БИК by the Bank of Russia's rule. It returns every problem at once, as data:
the bot names each field that is wrong and why. A `DetailProblem.reason` is one of
`ledger.bank_details.DetailProblem`'s values: "wrong_length", "not_digits", "checksum" (an
ИНН's check digits), "format" (a КПП), "not_russian" (a БИК), "not_correspondent",
"key_mismatch" (an account well formed but whose control key does not fit this БИК: another
bank's, or a typo), "other_bank" (a correspondent account of another bank).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledger.bank_details import Detail, problem_of
from ledger.bank_details import DetailProblem as Problem


@dataclass(frozen=True, slots=True)
class DetailProblem:
    field: str  # "inn", "kpp", "bik", "account" or "corr_account"
    reason: str  # a `ledger.bank_details.DetailProblem` value (see the module's docstring)


_OWN = (("inn", Detail.INN), ("kpp", Detail.KPP), ("bik", Detail.BIK))
_ACCOUNTS = (("account", Detail.ACCOUNT), ("corr_account", Detail.CORRESPONDENT_ACCOUNT))


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
    """Every problem with the details given (None: not given, not checked). An account is
    checked against `bik`; without a valid БИК only its own format is (the БИК's problem is
    the one to fix first)."""
    values = {"inn": inn, "kpp": kpp, "bik": bik}
    problems = [
        DetailProblem(name, problem.value)
        for name, detail in _OWN
        if (value := values[name]) is not None
        and (problem := problem_of(detail, value)) is not None
    ]
    usable = bik if bik is not None and problem_of(Detail.BIK, bik) is None else None
    accounts = {"account": account, "corr_account": corr_account}
    for name, detail in _ACCOUNTS:
        value = accounts[name]
        if value is None:
            continue
        problem = problem_of(detail, value, bik=usable)
        if problem is not None and problem is not Problem.BIK_UNUSABLE:
            problems.append(DetailProblem(name, problem.value))
    return tuple(problems)
