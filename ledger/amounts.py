"""Reading amounts the way people type them in a chat: "1 500", "1.500,50", "15к", "1,5 млн ₽".

`parse_amount` reads a text that is nothing but an amount; `extract_amount` finds the amount in
an expense line such as "такси 2 человека 1500р" and returns the rest as the description;
`read_expense` does that for what the owner types, and never guesses silently: counts
("3 шт по 200") and sums ("1500 + 350") are worked out and shown, a month ("за 11.2026") is
not an amount, and where two numbers could each be the amount it names the other one too.
Errors carry an `AmountProblem`, never words: the bot layer says them in the user's language.

How a written number is read (the separators are the ambiguous part):

- Spaces (also no-break and narrow no-break spaces) only group thousands: "1 500", "1 500 000".
  Groups are strict: one to three digits, then groups of exactly three.
- A comma is the Russian decimal point: "1500,50", "1,5". Kopecks are two digits, so without a
  multiplier a third digit after the point is refused as TOO_PRECISE, zeros included: "1,500"
  might mean 1 500 ₽ (English grouping) or 1,50 ₽, and guessing wrong is a thousandfold error,
  so the person is asked to write "1500" or "1,50" instead.
- A single dot followed by exactly three digits and nothing else groups thousands: "1.500" is
  1 500 (a common way to write prices). Any other single dot is a decimal point: "1.5", "1.50".
- Both a dot and a comma: the last one is the decimal point and the other groups thousands, so
  "1.500,50" and "1,500.50" are both 1 500,50. The same mark repeated only groups: "1.500.000".
- With a multiplier (к, тыс, млн, млрд) a single mark is always the decimal point, because
  nobody groups the digits of "1,5 млн": "1.500 тыс" is 1 500, "1,5 млн" is 1 500 000. The
  two-places rule then applies to the result: "1,2345 тыс" is 1 234,50.
- A detached "к" counts as thousands only at the end (or before a currency): in
  "500 к врачу" it is the preposition, so that line is 500 ₽, not 500 000 ₽.
- Refused: zero, a minus sign (ASCII or U+2212), more than `limit`, exponents ("1e5"), NaN,
  any grouping that breaks the rules above ("1..5", "1,2,3", "15 00").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ledger.money import MINOR_UNIT_PLACES, Money, significant_places

DEFAULT_AMOUNT_LIMIT = Decimal("1000000000")  # 1 000 000 000 ₽: anything more is a typo


class AmountProblem(StrEnum):
    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    ZERO = "zero"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"
    TOO_PRECISE = "too_precise"  # more than two digits of kopecks
    WRONG_CURRENCY = "wrong_currency"  # rubles written, another currency expected
    EXPONENT = "exponent"  # "1e3": a calculator's notation, not an amount
    NO_DESCRIPTION = "no_description"  # a bare number: what was it for?
    TOO_MANY_ITEMS = "too_many_items"  # more items in one message than one card shows


class AmountError(ValueError):
    def __init__(
        self, problem: AmountProblem, *, limit: Decimal | None = None, shown: str | None = None
    ) -> None:
        super().__init__(str(problem) if limit is None else f"{problem} (limit {limit})")
        self.problem = problem
        self.limit = limit
        self.shown = shown  # the number as typed, for the answer to repeat


_MINUS_SIGNS = "-\u2212"  # ASCII hyphen-minus and the typographic minus
_SIGN = r"[-+\u2212]"
_NOT_A_LETTER = r"(?![^\W\d_])"  # a unit must be a whole word: "15 км" has no "к" in it
_RUBLES = r"(?:₽|рублей|рубля|рубль|руб\.?|р\.?|rub\.?)"
_SCALES = r"(?:тыс(?:яч[аи]?)?\.?|млн\.?|миллион(?:а|ов)?|млрд\.?|миллиард(?:а|ов)?)"

# One amount: optional sign, optional "₽" before, the number, optional multiplier and currency.
# The number part is deliberately loose about dots and commas; _split_number checks them.
_AMOUNT_RE = re.compile(
    rf"""
    (?:
        (?<!\S)(?P<sign>{_SIGN})                      # a sign only starts a word: "2-3" is a range
      | (?<![0-9.,])                                  # never start inside 1.500 or 22.11.26
    )
    (?:(?P<prefix>₽)\ ?)?
    (?P<number>
        [0-9]{{1,3}}(?:\ [0-9]{{3}})+(?:[.,][0-9]+)?  # grouped by spaces: "1 500", "1 500,50"
      | [0-9]+(?:[.,][0-9]+)*                         # "1500", "1.500,50", even "1,2,3"
    )
    (?![0-9]|[.,]+[0-9])                              # never stop inside a number, or in "1..5"
    (?:
        \ ?(?P<scale>{_SCALES}){_NOT_A_LETTER}        # "15 тыс.", "1,5млн", "2 миллиона"
      | (?P<kilo>кк|kk|к|k){_NOT_A_LETTER}            # "15к", "15kk" (кк: the slang million)
      | \ (?P<spaced_kilo>кк|kk|к|k)                  # "15 к", but only at the end or before
        (?=\ ?{_RUBLES}{_NOT_A_LETTER}|[^\w\ ]|$)      # rubles: "500 к врачу" is a preposition
    )?
    (?:\ ?(?P<rubles>{_RUBLES}){_NOT_A_LETTER})?
    """,
    re.VERBOSE | re.IGNORECASE,
)


def parse_amount(
    text: str, *, limit: Decimal = DEFAULT_AMOUNT_LIMIT, currency: str = "RUB"
) -> Money:
    """Read a text that is one amount and nothing else (see the module docstring for the rules).

    Raises AmountError; its `.problem` says what is wrong and `.limit` is set for TOO_LARGE.
    """
    normalized = _normalize_spaces(text)
    if not normalized:
        raise AmountError(AmountProblem.EMPTY)
    # "- 1500" is still minus 1500 when it is the whole text.
    normalized = re.sub(rf"^({_SIGN}) ", r"\1", normalized)
    match = _AMOUNT_RE.fullmatch(normalized)
    if match is None:
        raise AmountError(AmountProblem.NOT_A_NUMBER)
    return _money_from_match(match, limit=limit, currency=currency)


def extract_amount(
    text: str, *, limit: Decimal = DEFAULT_AMOUNT_LIMIT, currency: str = "RUB"
) -> tuple[Money, str]:
    """Find the amount in an expense line; return it and the rest of the line, tidied.

    Which number is the amount: the last one written with a money unit (р, руб, ₽, к, тыс,
    млн…); else the one the line starts with; else the last one. "такси 2 человека 1500" is 1500
    for "такси 2 человека"; "2 такси 1500 руб" is 1500 for "2 такси". Numbers whose separators
    break the rules (a date like 22.11.2026) are passed over. No number: NOT_A_NUMBER; a chosen
    number that is zero, negative or too large raises with that problem.
    """
    normalized = _normalize_spaces(text)
    if not normalized:
        raise AmountError(AmountProblem.EMPTY)
    candidates = [m for m in _AMOUNT_RE.finditer(normalized) if _is_well_formed(m)]
    if not candidates:
        raise AmountError(AmountProblem.NOT_A_NUMBER)
    chosen = _choose_amount(candidates)
    money = _money_from_match(chosen, limit=limit, currency=currency)
    return money, _description_around(normalized[: chosen.start()], normalized[chosen.end() :])


def _normalize_spaces(text: str) -> str:
    """One plain space between words, and what the eye does not see taken out: invisible
    format marks (zero-width spaces, RTL/LTR marks: "15\u200b00" is the 1500 the person
    sees). Digits of other scripts stay what they are: not numbers here, so refused."""
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    # str.split() knows every Unicode space, including the no-break ones Babel and phones use.
    return " ".join(text.split())


def _choose_amount(candidates: list[re.Match[str]]) -> re.Match[str]:
    with_unit = [m for m in candidates if _has_money_unit(m)]
    if with_unit:
        return with_unit[-1]
    if candidates[0].start() == 0:
        return candidates[0]
    return candidates[-1]


def _has_money_unit(match: re.Match[str]) -> bool:
    return any(match[g] for g in ("prefix", "scale", "kilo", "spaced_kilo", "rubles"))


def _description_around(before: str, after: str) -> str:
    # "такси - 1500", "такси: 1500р.", "такси 1500..." leave punctuation that belonged to the
    # amount; only the marks touching it go, so "и т.д." at the end of a line stays whole.
    punctuation = " ,.;:!?…-–—"
    return " ".join(f"{before.rstrip(punctuation)} {after.lstrip(punctuation)}".split())


def _is_well_formed(match: re.Match[str]) -> bool:
    try:
        _split_number(match["number"], single_dot_may_group=_scale_exponent(match) == 0)
    except AmountError:
        return False
    return True


def _money_from_match(match: re.Match[str], *, limit: Decimal, currency: str) -> Money:
    if (match["prefix"] or match["rubles"]) and currency != "RUB":
        raise AmountError(AmountProblem.WRONG_CURRENCY)
    exponent = _scale_exponent(match)
    integer, fraction = _split_number(match["number"], single_dot_may_group=exponent == 0)
    value = _shift_point(Decimal(f"{integer}.{fraction}" if fraction else integer), exponent)
    if not value:
        raise AmountError(AmountProblem.ZERO)
    if match["sign"] and match["sign"] in _MINUS_SIGNS:
        raise AmountError(AmountProblem.NEGATIVE)
    if value > limit:
        raise AmountError(AmountProblem.TOO_LARGE, limit=limit)
    # Without a multiplier, count the digits as written: "1,500" is refused, not read as 1,50.
    written_places = len(fraction) if exponent == 0 else 0
    if max(written_places, significant_places(value)) > MINOR_UNIT_PLACES:
        raise AmountError(AmountProblem.TOO_PRECISE)
    return Money(value, currency)


def _scale_exponent(match: re.Match[str]) -> int:
    """The power of ten the multiplier stands for: 0 without one, 3 for к/тыс, 6 for млн."""
    if kilo := match["kilo"] or match["spaced_kilo"]:
        return 6 if len(kilo) == 2 else 3
    scale = (match["scale"] or "").casefold()
    if scale.startswith("млрд") or scale.startswith("миллиард"):
        return 9
    if scale.startswith("млн") or scale.startswith("миллион"):
        return 6
    if scale.startswith("тыс"):
        return 3
    return 0


def _shift_point(value: Decimal, exponent: int) -> Decimal:
    # Multiplying would round past 28 digits; moving the exponent is exact.
    sign, digits, old_exponent = value.as_tuple()
    assert isinstance(old_exponent, int)
    return Decimal((sign, digits, old_exponent + exponent))


def _split_number(written: str, *, single_dot_may_group: bool) -> tuple[str, str]:
    """Split a written number into its integer and fraction digits, or raise NOT_A_NUMBER.

    `written` is digits with single spaces, dots and commas between them (the regex sees to it);
    this decides which mark is the decimal point and checks that the others group by three.
    """
    decimal_mark, group_mark = _decide_marks(written, single_dot_may_group=single_dot_may_group)
    integer, fraction = written, ""
    if decimal_mark:
        integer, _, fraction = written.rpartition(decimal_mark)
        if decimal_mark in integer or not fraction.isdigit():
            raise AmountError(AmountProblem.NOT_A_NUMBER)
    if group_mark:
        if not re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(group_mark)}[0-9]{{3}})+", integer):
            raise AmountError(AmountProblem.NOT_A_NUMBER)
        integer = integer.replace(group_mark, "")
    if not integer.isdigit():
        raise AmountError(AmountProblem.NOT_A_NUMBER)
    return integer, fraction


def _decide_marks(written: str, *, single_dot_may_group: bool) -> tuple[str | None, str | None]:
    """Which mark is the decimal point and which groups thousands (either may be None)."""
    marks = {ch for ch in written if ch in " .,"}
    if len(marks) == 3:
        raise AmountError(AmountProblem.NOT_A_NUMBER)
    if " " in marks:
        decimal_marks = marks - {" "}
        return (decimal_marks.pop() if decimal_marks else None), " "
    if marks == {".", ","}:
        decimal_mark = "." if written.rfind(".") > written.rfind(",") else ","
        return decimal_mark, ("," if decimal_mark == "." else ".")
    if not marks:
        return None, None
    mark = marks.pop()
    if written.count(mark) > 1:
        return None, mark  # "1.500.000", "1,500,000": a repeated mark can only group
    tail = written.rpartition(mark)[2]
    if mark == "." and single_dot_may_group and len(tail) == 3:
        return None, "."  # "1.500" is 1 500
    return mark, None


@dataclass(frozen=True, slots=True)
class Reading:
    """An expense line as read: the amount, what it was for, and what the owner should see."""

    amount: Money
    description: str
    # The other number that could have been the amount, offered on the card with one tap.
    alternative: Money | None = None
    # How the amount was worked out ("3 × 200 = 600"), shown on the card.
    arithmetic: str | None = None


# A unit of count after a number makes it a quantity, not money: "3 шт", "2 человека", "5 кг".
_COUNT_UNIT = (
    r"(?:шт(?:ук[аи]?)?\.?|чел(?:овека?|овек)?\.?|кг|г|л|раз[а]?|пач(?:ки|ек|ка)?|упак\.?|"
    r"бут(?:ылк[аи]|ылок)?\.?|порци[йия]|мест[ао]?)"
)
_COUNTED_RE = re.compile(rf"(?<![\d.,])(\d{{1,4}})\ ?{_COUNT_UNIT}{_NOT_A_LETTER}", re.IGNORECASE)
# "3 шт по 200", "2 такси по 300": a count, a few words at most, "по", the price of one.
_EACH_RE = re.compile(
    rf"(?<![\d.,])(?P<count>\d{{1,4}})(?:\ ?{_COUNT_UNIT}{_NOT_A_LETTER})?"
    r"(?P<between>(?:\ [^\d\s]+){0,3})\ по\ (?P<price>\S+(?:\ \d{3})*(?:\ ?(?:₽|р\.?|руб\.?))?)",
    re.IGNORECASE,
)
# "3×200", "3 x 200": a count times a price.
_TIMES_RE = re.compile(r"(?<![\d.,])(?P<count>\d{1,4})\ ?[x×х*]\ ?(?P<price>\d[\d.,]*)")
# "1500 + 350", "=1200+350": amounts to add up.
_SUM_RE = re.compile(r"=?\ ?(?P<terms>\d[\d.,]*(?:\ ?\+\ ?\d[\d.,]*)+)")
# "№117", "договор 45-2026", "по договору № Д-117": a document's number, never an amount.
CONTRACT_NUMBER_RE = re.compile(
    r"(?:№|#|(?<![^\W\d_])договор[а-я]*\ ?№?)\ ?(?P<number>[\w/.-]*\d[\w/-]*)",
    re.IGNORECASE,
)
# "11.2026", "11/2026": a month (of rent, of a salary), never an amount.
_MONTH_RE = re.compile(r"(?<![\d.,/])(?:0?[1-9]|1[0-2])[./](?:19|20)\d\d(?![\d.,/])")
_EXPONENT_RE = re.compile(r"\d[eе][+-]?\d", re.IGNORECASE)


def read_expense(
    text: str, *, limit: Decimal = DEFAULT_AMOUNT_LIMIT, currency: str = "RUB"
) -> Reading:
    """Read an expense line (its date already taken out). Raises AmountError as the others do,
    and NO_DESCRIPTION for a bare number, EXPONENT for "1e3"."""
    normalized = _normalize_spaces(text)
    if not normalized:
        raise AmountError(AmountProblem.EMPTY)
    if _EXPONENT_RE.search(normalized):
        raise AmountError(AmountProblem.EXPONENT)
    reading = (
        _read_each(normalized, limit, currency)
        or _read_sum(normalized, limit, currency)
        or _read_single(normalized, limit, currency)
    )
    if not reading.description:
        raise AmountError(AmountProblem.NO_DESCRIPTION, shown=normalized[:30])
    return reading


def _read_each(text: str, limit: Decimal, currency: str) -> Reading | None:
    match = _EACH_RE.search(text) or _TIMES_RE.search(text)
    if match is None:
        return None
    price = parse_amount(match["price"], limit=limit, currency=currency)
    count = int(match["count"])
    total = _checked(price.amount * count, limit)
    rest = text[: match.start()] + " " + (match.groupdict().get("between") or "") + " "
    rest += text[match.end() :]
    arithmetic = f"{count} × {format_plain(price.amount)} = {format_plain(total)}"
    return Reading(Money(total, currency), _tidy(rest), arithmetic=arithmetic)


def _read_sum(text: str, limit: Decimal, currency: str) -> Reading | None:
    match = _SUM_RE.search(text)
    if match is None:
        return None
    terms = [
        parse_amount(term, limit=limit, currency=currency) for term in match["terms"].split("+")
    ]
    total = _checked(sum((term.amount for term in terms), Decimal(0)), limit)
    shown = " + ".join(format_plain(term.amount) for term in terms)
    rest = text[: match.start()] + " " + text[match.end() :]
    return Reading(
        Money(total, currency), _tidy(rest), arithmetic=f"{shown} = {format_plain(total)}"
    )


def _read_single(text: str, limit: Decimal, currency: str) -> Reading:
    # Months, counted things and document numbers stay in the description, never the amount.
    masked = _MONTH_RE.sub(lambda m: "#" * len(m.group()), text)
    masked = CONTRACT_NUMBER_RE.sub(lambda m: "#" * len(m.group()), masked)
    masked = _COUNTED_RE.sub(lambda m: "#" * len(m.group()), masked)
    candidates = [m for m in _AMOUNT_RE.finditer(masked) if _is_well_formed(m)]
    if not candidates:
        raise AmountError(AmountProblem.NOT_A_NUMBER)
    with_unit = [m for m in candidates if _has_money_unit(m)]
    # A money unit settles it; else the largest number is the likelier amount ("2 такси
    # 1500"), and the other one is offered beside it.
    chosen = with_unit[-1] if with_unit else max(candidates, key=_value_or_zero)
    money = _money_from_match(chosen, limit=limit, currency=currency)
    description = _description_around(text[: chosen.start()], text[chosen.end() :])
    alternative = None if with_unit else _alternative(candidates, chosen, limit, currency)
    return Reading(money, description, alternative=alternative)


def _value_or_zero(match: re.Match[str]) -> Decimal:
    try:
        return _money_from_match(match, limit=Decimal("Infinity"), currency="RUB").amount
    except AmountError:
        return Decimal(0)


def _alternative(
    candidates: list[re.Match[str]], chosen: re.Match[str], limit: Decimal, currency: str
) -> Money | None:
    """The largest other number that reads as an amount different from the chosen one."""
    chosen_money = _money_from_match(chosen, limit=limit, currency=currency)
    for other in sorted(candidates, key=_value_or_zero, reverse=True):
        if other is chosen:
            continue
        try:
            money = _money_from_match(other, limit=limit, currency=currency)
        except AmountError:
            continue
        if money != chosen_money:
            return money
    return None


def _checked(value: Decimal, limit: Decimal) -> Decimal:
    if value > limit:
        raise AmountError(AmountProblem.TOO_LARGE, limit=limit)
    if significant_places(value) > MINOR_UNIT_PLACES:
        raise AmountError(AmountProblem.TOO_PRECISE)
    return value


def _tidy(text: str) -> str:
    return " ".join(text.strip(" ,.;:!?…-–—").split())


def format_plain(value: Decimal) -> str:
    """A number as the card's arithmetic shows it: "1 500", "22,50"."""
    whole, _, fraction = f"{value:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    fraction = fraction.rstrip("0")
    if fraction:
        fraction = fraction.ljust(2, "0")
        return f"{grouped},{fraction}"
    return grouped
