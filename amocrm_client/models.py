"""Pydantic models of what we read from amoCRM API v4, and the OAuth token pair.

They keep the fields the product uses and ignore the rest, so a field amoCRM adds tomorrow
breaks nothing. HAL wrappers (`_embedded`, `_links`) are unwrapped here, not in callers.
Money (`price`) is an integer of whole currency units, never a float.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import AliasPath, BaseModel, ConfigDict, Field, SecretStr, field_validator

# What `ledger.text.clean_text` takes out (this client does not import the ledger): a lead
# named with a NUL would fail every pass over it on PostgreSQL.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    return text if text.isprintable() else _UNSAFE_TEXT.sub("", text)


class AmoModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        """Every text field without control characters, whatever amoCRM holds."""
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, list):
            return [clean_text(item) if isinstance(item, str) else item for item in value]
        return value


def _none_as_empty(value: Any) -> Any:
    # amoCRM sends `null` rather than `[]` for an empty list (enums, custom_fields_values).
    return [] if value is None else value


class Account(AmoModel):
    id: int
    name: str
    subdomain: str
    current_user_id: int | None = None
    country: str | None = None
    currency: str | None = None


class User(AmoModel):
    id: int
    name: str
    email: str | None = None
    lang: str | None = None


class Status(AmoModel):
    id: int
    name: str
    pipeline_id: int
    sort: int = 0
    type: int = 0  # 1 marks the "unsorted" status
    is_editable: bool = True
    color: str | None = None


class Pipeline(AmoModel):
    id: int
    name: str
    sort: int = 0
    is_main: bool = False
    is_archive: bool = False
    statuses: list[Status] = Field(
        default_factory=list, validation_alias=AliasPath("_embedded", "statuses")
    )


class FieldEnum(AmoModel):
    id: int
    value: str
    sort: int = 0


class LeadCustomField(AmoModel):
    id: int
    name: str
    type: str
    code: str | None = None
    sort: int = 0
    is_api_only: bool = False
    enums: list[FieldEnum] = Field(default_factory=list)

    _empty_enums = field_validator("enums", mode="before")(_none_as_empty)


class FieldValue(AmoModel):
    # Numeric fields may come back as strings ("15000"), dates as unix ints, checkboxes as bools;
    # Decimal catches a fractional number so it never becomes a float.
    value: bool | int | Decimal | str | None = None
    enum_id: int | None = None
    enum_code: str | None = None


class CustomFieldValues(AmoModel):
    field_id: int
    field_name: str | None = None
    field_code: str | None = None
    field_type: str | None = None
    values: list[FieldValue] = Field(default_factory=list)

    _empty_values = field_validator("values", mode="before")(_none_as_empty)


class Lead(AmoModel):
    id: int
    name: str = ""
    price: int = 0
    status_id: int
    pipeline_id: int
    responsible_user_id: int | None = None
    updated_at: datetime
    custom_fields_values: list[CustomFieldValues] = Field(default_factory=list)
    contact_ids: list[int] = Field(
        default_factory=list, validation_alias=AliasPath("_embedded", "contacts")
    )

    _empty_fields = field_validator("custom_fields_values", mode="before")(_none_as_empty)

    @field_validator("price", mode="before")
    @classmethod
    def _no_null_price(cls, value: Any) -> Any:
        return 0 if value is None else value

    @field_validator("contact_ids", mode="before")
    @classmethod
    def _contact_ids(cls, value: Any) -> Any:
        # `with=contacts` embeds `{id, is_main, _links}` stubs: only the ids are ours to keep.
        return [item["id"] if isinstance(item, dict) else item for item in value or []]

    def field(self, field_id: int) -> CustomFieldValues | None:
        """The values of one custom field, or None when the lead has none."""
        return next((f for f in self.custom_fields_values if f.field_id == field_id), None)


class LeadUpdated(AmoModel):
    """The reply to a PATCH: amoCRM answers with the id and the new `updated_at` only."""

    id: int
    updated_at: datetime


class Note(AmoModel):
    id: int
    entity_id: int
    note_type: str | None = None
    text: str | None = Field(default=None, validation_alias=AliasPath("params", "text"))


class TokenPair(AmoModel):
    """OAuth tokens; a long-lived token has no refresh token and may have no known expiry."""

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    expires_at: datetime | None = None

    @classmethod
    def from_oauth_reply(cls, reply: dict[str, Any], now: datetime) -> TokenPair:
        """The pair from `/oauth2/access_token`'s answer (`expires_in` is seconds from now)."""
        return cls(
            access_token=reply["access_token"],
            refresh_token=reply.get("refresh_token"),
            expires_at=now.astimezone(UTC) + timedelta(seconds=int(reply["expires_in"])),
        )
