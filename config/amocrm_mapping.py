"""The `[amocrm]` section of the TOML mappings: amoCRM's account-specific ids.

Which statuses close a deal, which custom fields hold the payment slots (amount, type, due
date), the contract and the profit dimensions, and how a payment type's shown value maps to a
kind of payment. Validated with errors that name the key; reading a lead through it is
`amocrm_client.mapping`'s job.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from ledger.payments import PaymentKind

COMPUTED_REMAINDER = "price_minus_others"
SUCCESS_STATUS = 142  # amoCRM's built-in "won" status, the same id in every pipeline

# Ids are positive integers; StrictInt refuses `true` and `"500001"`, which are typos in TOML.
AmoId = Annotated[StrictInt, Field(gt=0)]


class _Section(BaseModel):
    # Unknown keys are refused: a misspelt "amount_feild" would otherwise switch a slot off.
    model_config = ConfigDict(extra="forbid", frozen=True)


class PaymentSlot(_Section):
    """One expected payment of a deal: its amount (a field, or the price less the others)."""

    name: str = Field(min_length=1)
    amount_field: AmoId | None = None
    amount: Literal["price_minus_others"] | None = None
    type_field: AmoId
    date_field: AmoId | None = None

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()

    @model_validator(mode="after")
    def _one_amount_source(self) -> PaymentSlot:
        if (self.amount_field is None) == (self.amount is None):
            raise ValueError(
                f'slot "{self.name}": give exactly one of amount_field = <field id> '
                f'or amount = "{COMPUTED_REMAINDER}"'
            )
        return self

    @property
    def is_computed(self) -> bool:
        return self.amount == COMPUTED_REMAINDER


class AmoMapping(_Section):
    closed_statuses: list[tuple[AmoId, AmoId]] = Field(default_factory=list)
    confirmed_status: AmoId | None = None
    paid_status: AmoId | None = SUCCESS_STATUS
    paid_field: AmoId | None = None
    # The status a deal moves to once a payment request for it is paid (absent: left as is).
    request_paid_status: AmoId | None = None
    contract_field: AmoId | None = None
    contract_date_field: AmoId | None = None
    product_field: AmoId | None = None
    salon_field: AmoId | None = None
    city_field: AmoId | None = None
    payments: list[PaymentSlot] = Field(default_factory=list)
    payment_types: dict[str, PaymentKind] = Field(default_factory=dict)

    @field_validator("closed_statuses", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        # Said in the user's terms: pydantic's own words would be about tuples and indices.
        if not isinstance(value, list):
            raise ValueError("must be a list of [pipeline id, status id] pairs")
        for number, pair in enumerate(value, start=1):
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValueError(f"entry {number} is not a [pipeline id, status id] pair")
        return value

    @field_validator("payments")
    @classmethod
    def _slots_consistent(cls, slots: list[PaymentSlot]) -> list[PaymentSlot]:
        if sum(slot.is_computed for slot in slots) > 1:
            raise ValueError(f'at most one slot may have amount = "{COMPUTED_REMAINDER}"')
        names = [slot.name for slot in slots]
        if len(set(names)) != len(names):
            raise ValueError("slot names must be distinct")
        return slots

    @field_validator("payment_types")
    @classmethod
    def _type_names_trimmed(cls, types: dict[str, PaymentKind]) -> dict[str, PaymentKind]:
        # Lookups trim the CRM's value, so the keys are trimmed the same way.
        if any(not name.strip() for name in types):
            raise ValueError("a payment type's name must not be blank")
        return {name.strip(): kind for name, kind in types.items()}

    def is_closed(self, pipeline_id: int, status_id: int) -> bool:
        """Whether a deal in this status owes its payments."""
        return (pipeline_id, status_id) in self.closed_statuses
