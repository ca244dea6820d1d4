"""Money as an immutable value: a Decimal amount of whole kopecks (minor units) and a currency.

Floats never get in, nothing is rounded silently, and arithmetic is exact however large the
amount: it goes through integer minor units, not through Decimal's 28-digit context.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency

MINOR_UNIT_PLACES = 2  # kopecks, cents: every currency the ledger handles has two


def significant_places(value: Decimal) -> int:
    """How many digits after the point a finite value really needs: 1.50 needs 1, 1E+3 needs 0."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int), "only finite values have places"
    if exponent >= 0 or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing_zeros)


def _with_two_places(value: Decimal) -> Decimal:
    """The same value written with exactly two places, built digit by digit so nothing rounds."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if not any(digits):
        return Decimal("0.00")  # also turns -0 into 0: a zero has no sign in the ledger
    shift = exponent + MINOR_UNIT_PLACES
    # The caller has checked that any digits past the second place are zeros.
    digits = digits + (0,) * shift if shift >= 0 else digits[:shift]
    return Decimal((sign, digits, -MINOR_UNIT_PLACES))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "RUB"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal amount, not {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise ValueError(f"Money amount must be finite, not {self.amount}")
        if significant_places(self.amount) > MINOR_UNIT_PLACES:
            raise ValueError(f"{self.amount} has more than {MINOR_UNIT_PLACES} decimal places")
        if not (
            isinstance(self.currency, str)
            and len(self.currency) == 3
            and self.currency.isascii()
            and self.currency.isalpha()
            and self.currency.isupper()
        ):
            raise ValueError(f"currency must be an ISO 4217 code like 'RUB', not {self.currency!r}")
        # Same value, canonical form: 1500.00 prints and stores the same whichever way it came.
        object.__setattr__(self, "amount", _with_two_places(self.amount))

    def to_minor_units(self) -> int:
        """The amount in kopecks (cents), as the database stores it."""
        sign, digits, _ = self.amount.as_tuple()
        return int(Decimal((sign, digits, 0)))

    @classmethod
    def from_minor_units(cls, units: int, currency: str = "RUB") -> Money:
        if isinstance(units, bool) or not isinstance(units, int):
            raise TypeError(f"minor units must be an int, not {type(units).__name__}")
        sign, digits, _ = Decimal(units).as_tuple()
        return cls(Decimal((sign, digits, -MINOR_UNIT_PLACES)), currency)

    @property
    def is_zero(self) -> bool:
        return not self.amount

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def __neg__(self) -> Money:
        return Money(self.amount.copy_negate(), self.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other)
        return Money.from_minor_units(self.to_minor_units() + other.to_minor_units(), self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other)
        return Money.from_minor_units(self.to_minor_units() - other.to_minor_units(), self.currency)

    # Ordering only makes sense within one currency; rubles and dollars do not compare.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other)
        return self.amount >= other.amount

    def _require_same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")


@functools.cache
def _locale(name: str) -> Locale:
    # Parsing a locale name costs more than the formatting itself; every card formats money.
    return Locale.parse(name)


@functools.lru_cache(maxsize=4096)
def format_money(money: Money, locale: str = "ru_RU") -> str:
    """Money as people read it: Babel's "15 000,00 ₽" in ru_RU, with its non-breaking spaces.
    Kept for the amounts seen lately: Babel takes a tenth of a millisecond for each, and a page
    of the cabinet shows a hundred."""
    return format_currency(money.amount, money.currency, locale=_locale(locale))
