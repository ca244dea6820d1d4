"""The TOML mappings: categories with the words that suggest them, first-start roles, amoCRM ids,
who approves payment requests, our company's bank details and the statements' categories.

Its shape is part of the contract with users (DESIGN.md): keys may be added, these stay.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.amocrm_mapping import AmoMapping
from config.requests_mapping import RequestsMapping
from config.settings import SettingsError
from config.statements_mapping import CompanyMapping, StatementsMapping
from ledger.categories import (
    DEFAULT_CATEGORIES,
    DEFAULT_INCOME_CATEGORIES,
    FALLBACK_CATEGORY,
    FALLBACK_INCOME_CATEGORY,
)
from ledger.roles import Role

__all__ = ["DEFAULT_CATEGORIES", "FALLBACK_CATEGORY", "Mappings", "load_mappings"]


class Mappings(BaseModel):
    model_config = ConfigDict(extra="allow")

    categories: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    # Income the owner records by hand ("+50000 оплата Иванов"): its own categories.
    income_categories: dict[str, list[str]] = Field(
        default_factory=lambda: dict(DEFAULT_INCOME_CATEGORIES)
    )
    roles: dict[int, list[Role]] = Field(default_factory=dict)
    # Checked at load: a typo in an id's key would otherwise switch a payment slot off.
    amocrm: AmoMapping = Field(default_factory=AmoMapping)
    # Who approves payment requests; checked like `amocrm` (unknown keys refused).
    requests: RequestsMapping = Field(default_factory=RequestsMapping)
    # Our company as the payer of payment orders; checked like `amocrm`.
    company: CompanyMapping = Field(default_factory=CompanyMapping)
    # The categories an imported statement's fees, taxes and salaries are proposed under.
    statements: StatementsMapping = Field(default_factory=StatementsMapping)

    @field_validator("categories")
    @classmethod
    def _normalise_keywords(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _normalised(value, FALLBACK_CATEGORY)

    @field_validator("income_categories")
    @classmethod
    def _normalise_income_keywords(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _normalised(value, FALLBACK_INCOME_CATEGORY)


def _normalised(value: dict[str, list[str]], fallback: str) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for name, words in value.items():
        if not name.strip():
            raise ValueError("a category needs a name")
        cleaned[name.strip()] = [word.strip().lower() for word in words if word.strip()]
    # Every entry must land somewhere, so the catch-all category always exists.
    cleaned.setdefault(fallback, [])
    return cleaned


def load_mappings(path: Path) -> Mappings:
    """Read the mappings file; a missing file means the defaults, a broken one stops start-up."""
    if not path.exists():
        return Mappings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError([f"MAPPINGS_FILE {path}: not valid TOML ({exc})"]) from None
    try:
        return Mappings.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            lines.append(f"MAPPINGS_FILE {path}: [{where}] {error['msg']}")
        raise SettingsError(lines) from None
