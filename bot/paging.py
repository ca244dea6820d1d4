"""Lists longer than one message, as pages a message holds (/deals, /users, and what comes).

Telegram refuses a message over 4,096 characters, counted in UTF-16 code units of the text
after entity parsing: the HTML tags do not count, `&lt;` counts as one, an emoji as two. Items
(one deal, one person) are measured that way and laid out in order, as many as fit, with a
margin; an item too long for a page by itself is cut with "…". The layout depends only on the
items, so a page number in a ◀/▶ button names the same page again as long as the list has not
changed, and a number past the end (the list shrank, or the data was forged) shows the last.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TELEGRAM_LIMIT = 4096
# Room for what the count may not foresee (a client's own rendering, a later phrase edit).
PAGE_LIMIT = TELEGRAM_LIMIT - 196
ELLIPSIS = "…"

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")
_TOKEN = re.compile(r"<[^>]*>|&#?[0-9a-zA-Z]+;|.", re.DOTALL)


def visible_length(text: str) -> int:
    """What Telegram counts of an HTML message: text without tags, entities as characters."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """`text` if it fits in `limit`, else its beginning and "…", every open tag closed."""
    if visible_length(text) <= limit:
        return text
    room = limit - visible_length(ELLIPSIS)
    kept: list[str] = []
    open_tags: list[str] = []
    used = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        tag = _TAG.fullmatch(token)
        if tag is not None:
            closing, name = tag.group(1), tag.group(2).lower()
            if not closing:
                open_tags.append(name)
            elif name in open_tags:  # closes the innermost of that name
                del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name)]
            kept.append(token)
            continue
        width = visible_length(token)
        if used + width > room:
            break
        kept.append(token)
        used += width
    closing_tags = "".join(f"</{name}>" for name in reversed(open_tags))
    return "".join(kept) + ELLIPSIS + closing_tags


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of a list: its text, which items it shows, and where it stands."""

    text: str
    number: int  # from 0
    count: int  # pages in all (1 for an empty list)
    items: range  # the indices of the items on it

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.count


def paginate(
    items: Sequence[str],
    number: int,
    *,
    title: str,
    footer: Callable[[int, int], str],
    separator: str = "\n",
    max_items: int | None = None,
    limit: int = PAGE_LIMIT,
) -> ListPage:
    """Page `number` of `items` (HTML each) under `title`, `footer(page, pages)` when there are
    several (numbers from 1); at most `max_items` items a page (their buttons must fit too)."""
    # The footer is not known before the pages are counted: reserve the longest it can be.
    reserve = visible_length(separator + footer(len(items) + 1, len(items) + 1))
    room = limit - visible_length(title) - reserve
    gap = visible_length(separator)
    bounds: list[int] = [0]  # where each page starts
    shown: list[str] = []
    used = 0
    for index, item in enumerate(items):
        item = clip(item, room - gap)
        width = gap + visible_length(item)
        on_page = index - bounds[-1]
        if on_page and (used + width > room or (max_items is not None and on_page >= max_items)):
            bounds.append(index)
            used = 0
        shown.append(item)
        used += width
    count = len(bounds)
    number = min(max(number, 0), count - 1)
    start = bounds[number]
    end = bounds[number + 1] if number + 1 < count else len(items)
    parts = [title, *shown[start:end]]
    if count > 1:
        parts.append(footer(number + 1, count))
    return ListPage(separator.join(parts), number, count, range(start, end))
