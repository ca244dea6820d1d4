"""The `[company]` and `[statements]` sections of the TOML mappings.

`[company]`: our company as the payer of the payment orders Kopeyka writes for the bank (name,
ИНН, КПП, account, the bank's БИК, name, city and correspondent account). Optional: without it
no file of payment orders is made, and the accountant is told why. When given, its ИНН, БИК
and accounts are checked by their check digits at start-up: a typo here would have the bank
refuse every order.

`[statements]`: the expense categories (by name, or the name they were seeded under) that an
imported statement's bank fees, taxes and salaries are proposed under; an empty string
proposes none.

Unknown keys are refused, naming the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, model_validator

if TYPE_CHECKING:  # the services load when the bot does, not with the settings
    from ledger.bank_orders import Company
    from ledger.statement_imports import CategoryNames


class CompanyMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    inn: str = ""
    kpp: str = ""
    account: str = ""
    bik: str = ""
    bank: str = ""
    bank_city: str = ""
    corr_account: str = ""

    @property
    def configured(self) -> bool:
        return any(getattr(self, name).strip() for name in type(self).model_fields)

    def company(self) -> Company | None:
        from ledger.bank_orders import Company

        if not self.configured:
            return None
        return Company(
            name=self.name.strip(),
            inn=self.inn.strip(),
            account=self.account.strip(),
            bik=self.bik.strip(),
            bank=self.bank.strip(),
            corr_account=self.corr_account.strip(),
            kpp=self.kpp.strip() or None,
            city=self.bank_city.strip(),
        )

    @model_validator(mode="after")
    def _checked(self) -> CompanyMapping:
        company = self.company()
        if company is not None and company.problems():
            wrong = ", ".join(company.problems())
            raise ValueError(f"missing or failing its check digits: {wrong}")
        return self


class StatementsMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fee_category: str = "Услуги"
    tax_category: str = "Налоги"
    salary_category: str = "Зарплаты"

    def categories(self) -> CategoryNames:
        from ledger.statement_imports import CategoryNames

        return CategoryNames(
            bank_fee=self.fee_category.strip() or None,
            tax=self.tax_category.strip() or None,
            salary=self.salary_category.strip() or None,
        )
