"""Who approves a request, from the `[requests]` mappings.

A request waits for one approval step, or two when it is above `second_step_above`; a step's
approvers are Telegram ids, and a step naming nobody (or nobody who holds the approver role
yet) is the owners'. The first step's approvers: `deal_approvers` for a purchase for a deal,
else the request's category's in `category_approvers`, else `approvers`. Below
`auto_approve_below` a request is approved on submission. Amounts are in rubles: a request
in another currency is never approved by itself and always takes the second step, when there
is one (no exchange rate is guessed).

An approval counts for the step it was given at and every later step whose approvers include
the person (an owner may approve every step), so one person never has to approve twice.
Approving one's own request is refused unless `self_approval`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from ledger.money import Money

# A step's approvers, as Telegram ids; empty: the owners.
Approvers = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    approvers: Approvers = ()
    category_approvers: Mapping[str, Approvers] = field(default_factory=dict)
    deal_approvers: Approvers = ()
    second_step_above: Money | None = None
    second_approvers: Approvers = ()
    auto_approve_below: Money | None = None
    self_approval: bool = False

    def steps(
        self, amount: Money, *, category: Collection[str], deal: bool
    ) -> tuple[Approvers, ...]:
        """Each step's approvers for a request of `amount`, filed under a category known by
        the names in `category` (its name now, and the name it was seeded under), for a deal
        or not."""
        first = self.approvers
        named = [
            self.category_approvers[name] for name in category if name in self.category_approvers
        ]
        if named:
            first = named[0]
        if deal and self.deal_approvers:
            first = self.deal_approvers
        steps = [first]
        if self.second_step_above is not None and (
            amount.currency != self.second_step_above.currency or amount > self.second_step_above
        ):
            steps.append(self.second_approvers)
        return tuple(steps)

    def approves_by_itself(self, amount: Money) -> bool:
        """Below the mapped amount (in its currency), a request needs nobody's approval."""
        limit = self.auto_approve_below
        return limit is not None and amount.currency == limit.currency and amount < limit
