"""The `[requests]` section of the TOML mappings: who approves payment requests, in how many
steps, and the daily hours of the reminders.

Approvers are Telegram ids (as `[roles]` names people); a list left empty means the owners.
Amounts are rubles, written as a number or a string ("100000", "99999.99"), never a float
(TOML's 0.1 is not exactly a tenth). Unknown keys are refused, naming the key.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from ledger.money import Money
from ledger.requests.policy import ApprovalPolicy

TelegramId = Annotated[StrictInt, Field(gt=0)]
Hour = Annotated[StrictInt, Field(ge=0, le=23)]


def _rubles(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError('must be a whole number or a string of rubles, like 100000 or "99.50"')
    try:
        amount = Decimal(str(value).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount of rubles") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{value!r} is not a positive amount of rubles with at most kopecks")
    return amount


Rubles = Annotated[Decimal, BeforeValidator(_rubles)]


class RequestsMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    approvers: list[TelegramId] = Field(default_factory=list)
    category_approvers: dict[str, list[TelegramId]] = Field(default_factory=dict)
    deal_approvers: list[TelegramId] = Field(default_factory=list)
    second_step_above: Rubles | None = None
    second_approvers: list[TelegramId] = Field(default_factory=list)
    auto_approve_below: Rubles | None = None
    self_approval: StrictBool = False
    digest_hour: Hour = 9
    overdue_hour: Hour = 10

    def policy(self) -> ApprovalPolicy:
        return ApprovalPolicy(
            approvers=tuple(self.approvers),
            category_approvers={
                name.strip(): tuple(ids) for name, ids in self.category_approvers.items()
            },
            deal_approvers=tuple(self.deal_approvers),
            second_step_above=(
                Money(self.second_step_above) if self.second_step_above is not None else None
            ),
            second_approvers=tuple(self.second_approvers),
            auto_approve_below=(
                Money(self.auto_approve_below) if self.auto_approve_below is not None else None
            ),
            self_approval=self.self_approval,
        )
