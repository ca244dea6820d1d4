"""Long lists cut into pages Telegram accepts: measured as Telegram counts, every item once."""

from __future__ import annotations

import re

import pytest

from bot.paging import PAGE_LIMIT, TELEGRAM_LIMIT, clip, paginate, visible_length


def footer(page: int, pages: int) -> str:
    return f"<i>Страница {page} из {pages}</i>"


def pages_of(items: list[str], **options) -> list:
    first = paginate(items, 0, title="<b>Список</b>", footer=footer, **options)
    return [
        paginate(items, n, title="<b>Список</b>", footer=footer, **options)
        for n in range(first.count)
    ]


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("<b>Сделки</b>", 6),
        ("a &lt;b&gt; &amp; c", 9),
        ("&#8212;&quot;", 2),
        ("🟢 1\u00a0500 ₽", 10),  # an emoji is two UTF-16 units, as Telegram counts
        ('<a href="https://t.me/x">ссылка</a>\n', 7),
    ],
)
def test_the_length_is_what_telegram_counts_after_parsing_the_html(text: str, length: int) -> None:
    assert visible_length(text) == length


def test_a_text_that_fits_is_not_touched() -> None:
    assert clip("<b>Кухня</b> &amp; шкаф", 12) == "<b>Кухня</b> &amp; шкаф"


def test_a_long_text_is_cut_with_an_ellipsis_never_inside_a_tag_or_an_entity() -> None:
    text = "<b>Кухня &amp; " + "шкаф " * 100 + "</b>\n• <i>Предоплата</i>"

    cut = clip(text, 40)

    assert visible_length(cut) == 40
    assert cut.endswith("…</b>")
    assert cut.startswith("<b>Кухня &amp; шкаф")
    assert re.sub(r"<[^>]*>|&\w+;", "", cut).count("<") == 0


def test_an_emoji_is_not_split_and_nested_tags_close_innermost_first() -> None:
    cut = clip("<b><i>" + "🟢" * 10 + "</i></b>", 6)

    assert cut == "<b><i>🟢🟢…</i></b>"


def test_every_item_is_on_exactly_one_page_in_order_and_every_page_fits() -> None:
    items = [f"<b>Сделка №{i} {'x' * (i % 300)}</b>\n• Предоплата: {i} ₽" for i in range(200)]

    pages = pages_of(items, separator="\n\n")

    shown = [index for page in pages for index in page.items]
    assert shown == list(range(200))
    assert all(visible_length(page.text) <= PAGE_LIMIT for page in pages)
    assert len(pages) > 1
    assert pages[0].text.startswith("<b>Список</b>\n\n<b>Сделка №0 </b>")
    assert pages[-1].text.endswith(footer(len(pages), len(pages)))
    assert [p.has_previous for p in pages] == [False] + [True] * (len(pages) - 1)
    assert [p.has_next for p in pages] == [True] * (len(pages) - 1) + [False]


def test_a_page_holds_at_most_max_items() -> None:
    pages = pages_of([f"• {i}" for i in range(31)], max_items=15)

    assert [len(page.items) for page in pages] == [15, 15, 1]


def test_one_page_has_no_footer_and_no_turns() -> None:
    [page] = pages_of(["• один", "• два"])

    assert page.text == "<b>Список</b>\n• один\n• два"
    assert (page.count, page.has_previous, page.has_next) == (1, False, False)


def test_an_item_longer_than_a_page_is_cut_to_fit_alone() -> None:
    items = ["• короткий", "<b>" + "длинный " * 2000 + "</b>", "• ещё"]

    pages = pages_of(items)

    assert [list(page.items) for page in pages] == [[0], [1], [2]]
    assert all(visible_length(page.text) <= PAGE_LIMIT for page in pages)
    assert pages[1].text.count("…</b>") == 1


@pytest.mark.parametrize(("asked", "shown"), [(-5, 0), (2, 2), (99, 3), (10**18, 3)])
def test_a_page_number_out_of_range_shows_the_nearest_page(asked: int, shown: int) -> None:
    items = [f"• {i}" for i in range(40)]

    page = paginate(items, asked, title="T", footer=footer, max_items=10)

    assert page.number == shown
    assert page.items == range(shown * 10, shown * 10 + 10)


def test_the_margin_stays_under_telegrams_limit() -> None:
    assert TELEGRAM_LIMIT - 200 <= PAGE_LIMIT < TELEGRAM_LIMIT
