"""/profit and /report: the owner reads the business as a card, a chart and a workbook.

Thin: the figures come from `ledger.profit`, the picture from `bot.charts`, the workbook from
`sheets.xlsx`; drawing and writing the file run in worker threads, so the event loop keeps
serving everyone else meanwhile.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import cast

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ErrorEvent,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.chat_action import ChatActionSender

from bot import keyboards
from bot.callbacks import ProfitAction, ProfitCallback, StaleFilter, unpack_filters
from bot.charts import ChartLabels, marketing_vs_turnover_png
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.errors import answer_error
from handlers.replies import replace_card, replace_markup
from ledger.profit import DIMENSIONS, MonthError, ProfitData, ProfitService, parse_month
from ledger.roles import Actor
from sheets.report import ReportService

# -- /profit --------------------------------------------------------------------------------


async def show_profit(message: Message, actor: Actor, profit: ProfitService, texts: Texts) -> None:
    """The card first (numbers at once), then the chart, drawn meanwhile in a thread."""
    data = await profit.monthly(actor)
    text, markup = _card(data, [None] * len(DIMENSIONS), texts)
    await message.answer(text, reply_markup=markup)
    if data.is_empty:
        return
    png = await asyncio.to_thread(_chart, data, texts)
    await message.answer_photo(
        BufferedInputFile(png, "marketing-and-turnover.png"), caption=texts.chart_caption
    )


async def redraw_profit(
    query: CallbackQuery,
    callback_data: ProfitCallback,
    actor: Actor,
    profit: ProfitService,
    texts: Texts,
) -> None:
    """The card again, with the filters the tapped button carries."""
    data = await profit.monthly(actor)
    chosen = await _choices(query, callback_data.filters, data, texts)
    if chosen is None:
        return
    await query.answer()
    await replace_card(query, *_card(data, chosen, texts))


async def pick_filter(
    query: CallbackQuery,
    callback_data: ProfitCallback,
    actor: Actor,
    profit: ProfitService,
    texts: Texts,
) -> None:
    """One dimension's values in place of the card's buttons; the figures stay in view."""
    data = await profit.monthly(actor)
    chosen = await _choices(query, callback_data.filters, data, texts)
    if chosen is None:
        return
    dim = callback_data.dim
    if not 0 <= dim < len(DIMENSIONS):
        await query.answer(texts.profit_stale, show_alert=True)
        return
    lists = _lists(data)
    values = lists[dim]
    if not values:
        await query.answer(texts.profit_no_values(DIMENSIONS[dim]), show_alert=True)
    elif len(values) > keyboards.MAX_FILTER_VALUES:
        await query.answer(texts.profit_values_cut(keyboards.MAX_FILTER_VALUES, len(values)))
    else:
        await query.answer()
    await replace_markup(query, keyboards.profit_values(dim, chosen, lists, texts))


async def _choices(
    query: CallbackQuery, packed: str, data: ProfitData, texts: Texts
) -> list[int | None] | None:
    """The filters a button carries, or None (and the person told) if they no longer fit."""
    try:
        return unpack_filters(packed, _lists(data))
    except StaleFilter:
        await query.answer(texts.profit_stale, show_alert=True)
        return None


def _lists(data: ProfitData) -> list[tuple[str, ...]]:
    options = data.options
    return [options[dimension] for dimension in DIMENSIONS]


def _card(
    data: ProfitData, chosen: list[int | None], texts: Texts
) -> tuple[str, InlineKeyboardMarkup]:
    lists = _lists(data)
    filters = {
        dimension: lists[i][index]
        for i, (dimension, index) in enumerate(zip(DIMENSIONS, chosen, strict=True))
        if index is not None
    }
    text = texts.profit_card(data.figures(filters), filters, data.is_empty)
    return text, keyboards.profit_card(chosen, lists, texts)


def _chart(data: ProfitData, texts: Texts) -> bytes:
    """Marketing against turnover for the whole business, as the workbook's chart shows it."""
    figures = data.figures()
    return marketing_vs_turnover_png(
        [f"{month.month:%m.%Y}" for month in figures],
        [month.income for month in figures],
        [month.marketing for month in figures],
        ChartLabels(texts.chart_title, texts.chart_turnover, texts.chart_marketing),
    )


# -- /report --------------------------------------------------------------------------------


async def send_report(
    message: Message,
    command: CommandObject,
    actor: Actor,
    profit: ProfitService,
    reports: ReportService,
    texts: Texts,
) -> None:
    """The XLSX workbook as a file: the whole ledger, or one month with `/report 2026-11`."""
    today = profit.today()
    month = parse_month(command.args, today) if command.args else None
    # A ledger of 100,000 entries takes seconds to write: "sending a file…" shows meanwhile.
    async with ChatActionSender.upload_document(chat_id=message.chat.id, bot=message.bot):
        workbook = await reports.workbook(actor, month)
    first = date.fromisoformat(f"{month}-01") if month else None
    await message.answer_document(
        BufferedInputFile(workbook.content, texts.report_file_name(month, today)),
        caption=texts.report_caption(first, today, workbook.entries),
    )


async def bad_month(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.report_bad_month(cast(MonthError, event.exception)))


def create_router() -> Router:
    router = Router(name="reports")
    router.errors.register(bad_month, ExceptionTypeFilter(MonthError))
    router.message.register(show_profit, Command("profit"), flags=OWNER_ONLY)
    router.message.register(send_report, Command("report"), flags=OWNER_ONLY)
    router.callback_query.register(
        redraw_profit, ProfitCallback.filter(F.action == ProfitAction.SHOW), flags=OWNER_ONLY
    )
    router.callback_query.register(
        pick_filter, ProfitCallback.filter(F.action == ProfitAction.PICK), flags=OWNER_ONLY
    )
    return router
