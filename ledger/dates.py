"""Reading and writing dates the way the bot's users do: "вчера", "22.11", "22.11.2026".

`today` is always passed in: the caller knows the business's time zone (TIMEZONE), this module
does not look at a clock. Errors carry a `DateProblem`, never words.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

EARLIEST_YEAR = 2000  # nothing the ledger records happened before this

# Days back from today; negative is ahead (refused unless future dates are allowed).
_RELATIVE_DAYS = {
    "сегодня": 0,
    "today": 0,
    "вчера": 1,
    "yesterday": 1,
    "позавчера": 2,
    "завтра": -1,
    "tomorrow": -1,
    "послезавтра": -2,
}

# "22.11", "22.11.2026", "22/11/26", "1-2-2026": day first, one separator throughout, and an
# optional "г" as in "22.11.2026 г." (the trailing dot is stripped before matching).
_DAY_FIRST_RE = re.compile(
    r"(?P<day>[0-9]{1,2})(?P<sep>[./-])(?P<month>[0-9]{1,2})"
    r"(?:(?P=sep)(?P<year>[0-9]{4}|[0-9]{2})(?:\s?г)?)?"
)
_ISO_RE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})")


class DateProblem(StrEnum):
    EMPTY = "empty"
    NOT_A_DATE = "not_a_date"
    NO_SUCH_DAY = "no_such_day"  # 31.02, 29.02 of a common year, month 13
    FUTURE = "future"
    TOO_OLD = "too_old"  # before EARLIEST_YEAR


class DateError(ValueError):
    def __init__(self, problem: DateProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def parse_date(text: str, *, today: date, allow_future: bool = False) -> date:
    """Read a date typed by a person.

    Accepts "сегодня", "вчера", "позавчера", "today", "yesterday" (any case, a trailing dot is
    fine), "22.11.2026", "22.11.26" (years 2000-2099), "22/11/2026", "1.2.2026", "2026-11-22",
    and "22.11" without a year: the most recent 22 November that is not after `today`, or this
    year's when `allow_future` (a pay-by date). Future dates are refused unless `allow_future`.
    """
    normalized = " ".join(text.split()).casefold().removesuffix(".").strip()
    if not normalized:
        raise DateError(DateProblem.EMPTY)
    result = _read(normalized, today=today, allow_future=allow_future)
    if result.year < EARLIEST_YEAR:
        raise DateError(DateProblem.TOO_OLD)
    if result > today and not allow_future:
        raise DateError(DateProblem.FUTURE)
    return result


def format_date(d: date) -> str:
    """The Russian way: 22.11.2026."""
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def _read(normalized: str, *, today: date, allow_future: bool) -> date:
    if normalized in _RELATIVE_DAYS:
        return _days_before(today, _RELATIVE_DAYS[normalized])
    if match := _ISO_RE.fullmatch(normalized):
        return _calendar_date(int(match["year"]), int(match["month"]), int(match["day"]))
    if match := _DAY_FIRST_RE.fullmatch(normalized):
        day, month = int(match["day"]), int(match["month"])
        if match["year"] is None:
            return _without_year(day, month, today=today, allow_future=allow_future)
        year = int(match["year"])
        return _calendar_date(year + 2000 if len(match["year"]) == 2 else year, month, day)
    raise DateError(DateProblem.NOT_A_DATE)


def _days_before(today: date, days: int) -> date:
    try:
        return today - timedelta(days=days)
    except OverflowError:  # only at date.min / date.max, which no business reaches
        raise DateError(DateProblem.TOO_OLD if days > 0 else DateProblem.FUTURE) from None


def _calendar_date(year: int, month: int, day: int) -> date:
    if year < EARLIEST_YEAR:
        raise DateError(DateProblem.TOO_OLD)
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(DateProblem.NO_SUCH_DAY) from None


def _without_year(day: int, month: int, *, today: date, allow_future: bool) -> date:
    """This year's day-and-month if it is not ahead of today (or may be), else last year's."""
    _calendar_date(2000, month, day)  # a leap year: refuses 31.02 and 13th months, passes 29.02
    years = [today.year] if allow_future else [today.year, today.year - 1]
    for year in years:
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29.02 in a common year (or year 0)
        if allow_future or candidate <= today:
            return candidate
    raise DateError(DateProblem.NO_SUCH_DAY)  # 29.02 when neither year has one


# A date said inside an expense line: a relative word or a day-first date standing alone.
_DATE_TOKEN_RE = re.compile(
    r"(?<![\w.,/-])(?:" + "|".join(sorted(_RELATIVE_DAYS, key=len, reverse=True)) + r"|"
    # A comma or dot may end the sentence after it ("22.11, такси"), not go on as a number.
    r"[0-9]{1,2}\.[0-9]{1,2}(?:\.(?:[0-9]{4}|[0-9]{2}))?)(?![\w/-]|[.,][0-9])",
    re.IGNORECASE,
)


def extract_date(text: str, *, today: date) -> tuple[date | None, str]:
    """Find "вчера" or "22.11" in free text ("такси вчера"); return it and the rest.

    No date in the text gives (None, text). A date that is there but wrong (in the future,
    31.02) raises `DateError`, so "1500 такси завтра" is refused rather than read as today.
    """
    match = _DATE_TOKEN_RE.search(text)
    if match is None:
        return None, text
    found = parse_date(match.group(0), today=today)
    rest = " ".join((text[: match.start()] + " " + text[match.end() :]).split())
    return found, rest.strip(" ,;:—–-")
