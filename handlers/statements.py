"""Bank statements in the bot: the accountant (or the owner) sends the bank's file, sees it
read and matched, accepts the sure lines with one tap and reviews the rest one by one.

A document is a statement by its own bytes (`StatementImports.recognize`), not by its name or
the type its sender's client declared: a 1C exchange file, a file imported before, a table
whose header or bank we know; a table of unknown columns only with a caption, or after
/statement. Anyone else's file, and an importer's file that is none of these, goes where it
went before (the owner's receipts, a requester's invoices); an accountant's, who has no other
use for files, is answered with what it is instead.

One message is edited as the file is read and matched (no more than once a second: Telegram
allows about that per chat), then becomes the result: lines, sure, to review, unmatched,
asked about, known before, our payment orders now paid, each account's balance check; or,
for a refused file, every error with its line, paged, and that nothing was imported. A
table from a bank not seen before asks which column is which, from a preview, one column at
a time (the guess from its header words offered first), then imports and remembers.

«✅ Принять верные» accepts every sure line through the services a person would use; a
second tap finds nothing left, a line confirmed by hand meanwhile is reported and left to
review. «🔍 Разобрать» shows one line at a time: accept the proposal, another candidate, by
hand (a deal by its contract number, a request by its number, a company income or expense
under a category), ignore, or next; a second line of one identity is asked about. Every
line button names the line as shown: one dealt with since is refused with who and when.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import time
from collections.abc import Callable
from datetime import tzinfo
from typing import Any, cast

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)

from bot import statement_keyboards as keyboards
from bot.callbacks import MappingCallback, StatementAction, StatementCallback
from bot.paging import PAGE_LIMIT, clip, paginate
from bot.texts import Texts
from handlers.prompts import cancel_input, text_wanted
from handlers.replies import replace_card
from ledger.categories import CategoryService
from ledger.journal import EntryKind
from ledger.requests.service import RequestService
from ledger.roles import Actor, Role
from ledger.statement_imports import (
    IMPORTERS,
    MAX_STATEMENT_BYTES,
    FileKind,
    Imported,
    ImportOutcome,
    LineView,
    NeedsMapping,
    Progress,
    Recognized,
    StatementImports,
    ToCategory,
    ToPayment,
    ToRequest,
)
from ledger.statements import ColumnMapping, Direction, Refused, TablePreview

IMPORTER_ROLES = {"roles": frozenset(IMPORTERS)}
# Seconds between two edits of the progress message: Telegram allows about one a second in
# a chat, and a refused edit would only slow the import down.
EDIT_INTERVAL = 1.0
# More pages of errors than this come as one text file after the first page.
ERROR_PAGES = 4
# Roles with a use of their own for a file (receipts, invoices): theirs go on there.
OTHER_FILE_ROLES = frozenset({Role.OWNER, Role.REQUESTER, Role.MANAGER})
MAPPING_STEPS = (
    "date",
    "money",
    "amount",
    "debit",
    "credit",
    "purpose",
    "counterparty_name",
    "counterparty_inn",
    "counterparty_account",
    "document_number",
)
REQUIRED_COLUMNS = frozenset({"date", "amount", "debit", "credit"})
MAX_COLUMNS = 30  # a table's columns offered as buttons
TOO_BIG = "too_big"
NOT_DOWNLOADED = "not_downloaded"


class StatementInput(StatesGroup):
    file = State()  # /statement: the next file is a statement, whatever its columns
    mapping = State()  # which column of a table is which
    contract = State()  # a deal's contract number, for a line assigned by hand
    request = State()  # a request's number, likewise


# -- the progress message ---------------------------------------------------------------------


class ProgressMessage:
    """One message edited as the work goes on, at most once per `interval` seconds, and at
    last replaced by the result."""

    def __init__(
        self,
        message: Message,
        texts: Texts,
        *,
        interval: float | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.message = message
        self._texts = texts
        self._interval = EDIT_INTERVAL if interval is None else interval
        self._now = now
        self._last = now()

    async def __call__(self, progress: Progress) -> None:
        moment = self._now()
        if moment - self._last < self._interval:
            return
        self._last = moment
        try:
            await self.message.edit_text(self._texts.statement_progress(progress))
        except TelegramBadRequest:  # unchanged, or gone: the result will say it all
            return

    async def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        try:
            await self.message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return
        await self.message.answer(text, reply_markup=markup)


# -- which files are statements ---------------------------------------------------------------


async def _download(bot: Bot, file_id: str) -> bytes | None:
    try:
        content = await bot.download(file_id, destination=io.BytesIO())
    except TelegramBadRequest:
        return None
    return content.getvalue() if isinstance(content, io.BytesIO) else None


class StatementFile(Filter):
    """A document an importer sent that is a statement: its bytes for the handler. An
    importer's file that is not one is still taken (with why) when nothing else would take
    it: after /statement, or from an accountant without other roles for files."""

    async def __call__(
        self,
        message: Message,
        actor: Actor | None = None,
        statements: StatementImports | None = None,
        bot: Bot | None = None,
        raw_state: str | None = None,
        **_: Any,
    ) -> bool | dict[str, Any]:
        document = message.document
        if document is None or actor is None or statements is None or bot is None:
            return False
        if not actor.has_any(IMPORTERS):
            return False
        waiting = raw_state == StatementInput.file.state
        answer_anyway = waiting or not actor.has_any(OTHER_FILE_ROLES)

        def not_one(why: str | Recognized) -> bool | dict[str, Any]:
            return {"statement_data": None, "not_statement": why} if answer_anyway else False

        if document.file_size is not None and document.file_size > MAX_STATEMENT_BYTES:
            return not_one(TOO_BIG)
        data = await _download(bot, document.file_id)
        if data is None:
            return not_one(NOT_DOWNLOADED)
        if len(data) > MAX_STATEMENT_BYTES:
            return not_one(TOO_BIG)
        found = await statements.recognize(actor, data)
        told = waiting or bool((message.caption or "").strip())
        if found.kind is FileKind.STATEMENT or (found.kind is FileKind.TABLE and told):
            return {"statement_data": data, "not_statement": None}
        return not_one(found)


# -- importing --------------------------------------------------------------------------------


async def statement_file(
    message: Message,
    state: FSMContext,
    actor: Actor,
    statements: StatementImports,
    texts: Texts,
    tz: tzinfo,
    statement_data: bytes | None,
    not_statement: str | Recognized | None,
) -> None:
    if await state.get_state() == StatementInput.file.state:
        await state.clear()
    if statement_data is None:
        if not_statement == TOO_BIG:
            await message.answer(texts.statement_too_big(MAX_STATEMENT_BYTES))
        elif isinstance(not_statement, Recognized):
            await message.answer(texts.statement_not_one(not_statement.problem))
        else:
            await message.answer(texts.mapping_file_changed)
        return
    assert message.document is not None
    name = message.document.file_name
    shown = await message.answer(texts.statement_reading(name))
    progress = ProgressMessage(shown, texts)
    outcome = await statements.import_file(actor, statement_data, file_name=name, progress=progress)
    if isinstance(outcome, NeedsMapping):
        digest = hashlib.sha256(statement_data).hexdigest()
        await _ask_columns(progress, state, outcome, message.document.file_id, name, digest, texts)
        return
    await _show_outcome(progress, outcome, texts, tz)


async def _show_outcome(
    progress: ProgressMessage, outcome: ImportOutcome, texts: Texts, tz: tzinfo
) -> None:
    if isinstance(outcome, Refused):
        await _show_errors(progress, outcome, texts)
        return
    assert isinstance(outcome, Imported)
    text = texts.statement_result(outcome, tz)
    await progress.show(clip(text, PAGE_LIMIT), _result_markup(outcome, texts))


def _result_markup(imported: Imported, texts: Texts) -> InlineKeyboardMarkup | None:
    to_review = imported.review + imported.unmatched + imported.asked
    return keyboards.result(imported.import_id, imported.sure, to_review, texts)


async def _show_errors(progress: ProgressMessage, refused: Refused, texts: Texts) -> None:
    """Every error with its line: in pages under Telegram's limit, or, past a few pages, the
    first page and the whole list as a text file."""
    items = [texts.statement_error(error) for error in refused.errors]
    title = texts.statement_refused_title(len(items))

    def page(number: int) -> tuple[str, int]:
        laid = paginate(items, number, title=title, footer=texts.page_of)
        return laid.text, laid.count

    first, count = page(0)
    if count <= ERROR_PAGES:
        await progress.show(first)
        for number in range(1, count):
            await progress.message.answer(page(number)[0])
        return
    await progress.show(first + "\n\n" + texts.statement_errors_file)
    plain = "\n".join(html.unescape(re.sub(r"<[^>]+>", "", item)) for item in items)
    await progress.message.answer_document(
        BufferedInputFile(plain.encode(), filename="errors.txt"),
        caption=texts.statement_errors_caption,
    )


# -- a table's columns ------------------------------------------------------------------------


def _check(data: dict[str, Any]) -> str:
    return str(data["sha256"])[:8]


async def _ask_columns(
    progress: ProgressMessage,
    state: FSMContext,
    needs: NeedsMapping,
    file_id: str,
    name: str | None,
    sha256: str,
    texts: Texts,
) -> None:
    preview = needs.preview
    width = min(len(preview.header), MAX_COLUMNS)
    chosen: dict[str, int] = {}
    account = None
    if needs.guessed is not None:
        guessed = needs.guessed.to_dict()
        account = needs.guessed.account
        chosen = {
            step: int(cast(int, guessed[step]))
            for step in MAPPING_STEPS
            if step != "money" and guessed.get(step) is not None
        }
    data = {
        "file_id": file_id,
        "name": name,
        "sha256": sha256,
        "header_row": preview.header_row,
        "account": account,
        "titles": [title[:40] for title in preview.header[:width]],
        "rows": [[cell[:30] for cell in row[:width]] for row in preview.rows[:3]],
        "chosen": chosen,
        "step": "confirm" if chosen else "date",
    }
    await state.set_state(StatementInput.mapping)
    await state.set_data(data)
    await progress.show(*_columns_card(data, texts))


def _columns_card(data: dict[str, Any], texts: Texts) -> tuple[str, InlineKeyboardMarkup]:
    preview = TablePreview(
        tuple(data["titles"]), tuple(tuple(row) for row in data["rows"]), data["header_row"]
    )
    text = texts.mapping_preview(preview)
    step, chosen, check = data["step"], data["chosen"], _check(data)
    if step == "confirm":
        picked = [
            (field, column, data["titles"][column])
            for field, column in sorted(chosen.items(), key=lambda item: item[1])
        ]
        return text + "\n\n" + texts.mapping_summary(picked), keyboards.mapping_confirm(
            check, texts
        )
    markup = keyboards.mapping_question(
        step,
        data["titles"],
        list(chosen.values()),
        check,
        optional=step not in REQUIRED_COLUMNS,
        texts=texts,
    )
    return text + "\n\n" + texts.mapping_question(step), markup


def _after(step: str, column: int) -> str:
    """The question after `step` answered with `column`."""
    if step == "money":
        return "amount" if column == 0 else "debit"
    if step == "amount":
        return "purpose"
    index = MAPPING_STEPS.index(step)
    return MAPPING_STEPS[index + 1] if index + 1 < len(MAPPING_STEPS) else "confirm"


async def mapping_button(
    query: CallbackQuery,
    callback_data: MappingCallback,
    state: FSMContext,
    actor: Actor,
    statements: StatementImports,
    texts: Texts,
    tz: tzinfo,
    bot: Bot,
) -> None:
    data: dict[str, Any] = await state.get_data()
    asking = await state.get_state() == StatementInput.mapping.state
    if not asking or callback_data.check != _check(data):
        await query.answer(texts.mapping_stale, show_alert=True)
        return
    step, column = callback_data.step, callback_data.column
    if step == "cancel":
        await state.clear()
        await query.answer()
        await replace_card(query, texts.input_cancelled)
        return
    if step == "ok":
        await _import_mapped(query, state, data, actor, statements, texts, tz, bot)
        return
    if step == "redo":
        data = {**data, "chosen": {}, "step": "date"}
    elif step != data["step"]:  # a question answered already
        await query.answer(texts.mapping_stale, show_alert=True)
        return
    else:
        chosen = dict(data["chosen"])
        if step == "money":
            if column not in (0, 1):
                await query.answer(texts.forged, show_alert=True)
                return
        elif column == -1:
            if step in REQUIRED_COLUMNS:
                await query.answer(texts.forged, show_alert=True)
                return
        elif not 0 <= column < len(data["titles"]) or column in chosen.values():
            await query.answer(texts.forged, show_alert=True)
            return
        else:
            chosen[step] = column
        data = {**data, "chosen": chosen, "step": _after(step, column)}
    await state.set_data(data)
    await query.answer()
    await replace_card(query, *_columns_card(data, texts))


async def _import_mapped(
    query: CallbackQuery,
    state: FSMContext,
    data: dict[str, Any],
    actor: Actor,
    statements: StatementImports,
    texts: Texts,
    tz: tzinfo,
    bot: Bot,
) -> None:
    try:
        mapping = ColumnMapping(
            **data["chosen"], header_row=data["header_row"], account=data["account"]
        )
    except (TypeError, ValueError):
        await query.answer(texts.mapping_needs_date, show_alert=True)
        return
    content = await _download(bot, data["file_id"])
    if content is None or hashlib.sha256(content).hexdigest() != data["sha256"]:
        await state.clear()
        await query.answer(texts.mapping_file_changed, show_alert=True)
        return
    await state.clear()
    await query.answer()
    message = query.message
    assert isinstance(message, Message)
    progress = ProgressMessage(message, texts)
    await progress.show(texts.statement_reading(data["name"]))
    outcome = await statements.import_file(
        actor, content, file_name=data["name"], mapping=mapping, progress=progress
    )
    await _show_outcome(progress, outcome, texts, tz)


# -- /statement --------------------------------------------------------------------------------


async def statement_command(
    message: Message, state: FSMContext, actor: Actor, statements: StatementImports, texts: Texts
) -> None:
    await state.set_state(StatementInput.file)
    sure, review = await _open_counts(actor, statements)
    text = texts.statement_help + "\n\n" + texts.statement_overview(sure, review)
    await message.answer(
        text + "\n\n" + texts.statement_waiting,
        reply_markup=keyboards.result(0, sure, review, texts),
    )


async def _open_counts(
    actor: Actor, statements: StatementImports, scope: int | None = None
) -> tuple[int, int]:
    sure = await statements.lines(actor, import_id=scope, sure=True, per_page=1)
    review = await statements.lines(actor, import_id=scope, sure=False, per_page=1)
    return sure.total, review.total


# -- the result's buttons ---------------------------------------------------------------------


async def _summary(
    actor: Actor, statements: StatementImports, texts: Texts, tz: tzinfo, scope: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    if scope:
        imported = await statements.summary(actor, scope)
        return texts.statement_result(imported, tz), _result_markup(imported, texts)
    sure, review = await _open_counts(actor, statements)
    return texts.statement_overview(sure, review), keyboards.result(0, sure, review, texts)


async def statement_button(
    query: CallbackQuery,
    callback_data: StatementCallback,
    state: FSMContext,
    actor: Actor,
    statements: StatementImports,
    categories: CategoryService,
    texts: Texts,
    tz: tzinfo,
) -> None:
    cb = callback_data
    A = StatementAction
    if cb.scope < 0 or cb.page < 0:
        await query.answer(texts.forged, show_alert=True)
        return
    if cb.action is A.SUMMARY:
        text, markup = await _summary(actor, statements, texts, tz, cb.scope)
        await query.answer()
        await replace_card(query, clip(text, PAGE_LIMIT), markup)
        return
    if cb.action is A.ACCEPT_SURE:
        await _accept_sure(query, actor, statements, texts, tz, cb.scope)
        return
    if cb.action is A.REVIEW:
        await _review(query, actor, statements, texts, tz, cb.scope, cb.page)
        return
    if cb.action in (A.NEXT, A.CARD):
        page = cb.page + 1 if cb.action is A.NEXT else cb.page
        await _review(query, actor, statements, texts, tz, cb.scope, page, wrap=True)
        return
    if cb.action in (A.ACCEPT, A.IGNORE, A.KEEP, A.PICK, A.CATEGORY):
        line = await _decide(cb, actor, statements)
        await state.clear()
        note = texts.statement_done(line)
        await _review(query, actor, statements, texts, tz, cb.scope, cb.page, note=note)
        return
    # The others show something about the line: it must still be open as shown.
    line = await statements.open_line(actor, cb.ident, cb.version)
    if cb.action is A.OTHER:
        found = await statements.candidates(actor, line.id)
        text = texts.statement_candidates(line, found)
        markup = keyboards.candidates(line, found, cb.scope, cb.page, texts)
    elif cb.action is A.HAND:
        text, markup = texts.statement_hand(line), keyboards.hand(line, cb.scope, cb.page, texts)
    elif cb.action is A.CATEGORIES:
        kind = EntryKind.INCOME if line.direction is Direction.IN else EntryKind.EXPENSE
        found_categories = await categories.active(kind)
        pages = max(1, -(-len(found_categories) // keyboards.CATEGORIES_PER_PAGE))
        number = min(cb.value, pages - 1)
        text = texts.statement_categories(line, number, pages)
        markup = keyboards.categories(line, found_categories, number, cb.scope, cb.page, texts)
    else:  # CONTRACT or REQUEST: typed next
        asking = StatementInput.contract if cb.action is A.CONTRACT else StatementInput.request
        await state.set_state(asking)
        await state.set_data(
            {"line": line.id, "version": line.version, "scope": cb.scope, "page": cb.page}
        )
        if cb.action is A.CONTRACT:
            text = texts.statement_ask_contract(line)
        else:
            text = texts.statement_ask_request(line)
        markup = keyboards.back_to_card(line, cb.scope, cb.page, texts)
    await query.answer()
    await replace_card(query, clip(text, PAGE_LIMIT), markup)


async def _decide(cb: StatementCallback, actor: Actor, statements: StatementImports) -> LineView:
    """What a line's button decides, done by the service (which checks the version)."""
    A = StatementAction
    if cb.action is A.ACCEPT:
        return (await statements.accept(actor, cb.ident, version=cb.version)).line
    if cb.action is A.IGNORE:
        return await statements.ignore(actor, cb.ident, version=cb.version)
    if cb.action is A.KEEP:
        return await statements.keep(actor, cb.ident, version=cb.version)
    if cb.action is A.CATEGORY:
        to = ToCategory(cb.value)
        return (await statements.assign(actor, cb.ident, to, version=cb.version)).line
    line = await statements.open_line(actor, cb.ident, cb.version)
    to_target = ToPayment(cb.value) if line.direction is Direction.IN else ToRequest(cb.value)
    return (await statements.assign(actor, cb.ident, to_target, version=cb.version)).line


async def _accept_sure(
    query: CallbackQuery,
    actor: Actor,
    statements: StatementImports,
    texts: Texts,
    tz: tzinfo,
    scope: int,
) -> None:
    await query.answer()
    message = query.message
    assert isinstance(message, Message)
    progress = ProgressMessage(message, texts)
    accepted = await statements.accept_sure(actor, scope or None, progress=progress)
    skipped = [
        (await statements.line(actor, s.line_id), texts.statement_skipped(s, tz))
        for s in accepted.skipped[:11]
    ]
    text, markup = await _summary(actor, statements, texts, tz, scope)
    done = texts.statement_accepted(accepted, skipped)
    await progress.show(clip(done + "\n\n" + text, PAGE_LIMIT), markup)


async def _review(
    query: CallbackQuery,
    actor: Actor,
    statements: StatementImports,
    texts: Texts,
    tz: tzinfo,
    scope: int,
    page: int,
    *,
    note: str | None = None,
    wrap: bool = False,
) -> None:
    """The line at `page` of those waiting for a decision in `scope` (past the end: the
    first, or the last when a decision shortened the list)."""
    found = await statements.lines(
        actor, import_id=scope or None, sure=False, page=page, per_page=1
    )
    if found.total and not found.lines:
        page = 0 if wrap or page >= found.total else found.total - 1
        found = await statements.lines(
            actor, import_id=scope or None, sure=False, page=page, per_page=1
        )
    head = note + "\n\n" if note else ""
    await query.answer()
    if not found.lines:
        text, markup = await _summary(actor, statements, texts, tz, scope)
        text = head + texts.statement_reviewed(True) + "\n\n" + text
        await replace_card(query, clip(text, PAGE_LIMIT), markup)
        return
    line = found.lines[0]
    text = head + texts.statement_line_card(line, page + 1, found.total)
    await replace_card(query, clip(text, PAGE_LIMIT), keyboards.line_card(line, scope, page, texts))


# -- typed: a contract, a request --------------------------------------------------------------


async def typed_contract(
    message: Message,
    state: FSMContext,
    actor: Actor,
    statements: StatementImports,
    texts: Texts,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    line = await _still_open(state, actor, statements, asked)
    contract = " ".join((message.text or "").split())
    found = await statements.payments_of_contract(actor, line.id, contract)
    if not found:
        await message.answer(
            texts.statement_no_contract(contract) + "\n\n" + texts.statement_ask_contract(line)
        )
        return
    await state.clear()
    scope, page = asked["scope"], asked["page"]
    await message.answer(
        clip(texts.statement_candidates(line, found), PAGE_LIMIT),
        reply_markup=keyboards.candidates(line, found, scope, page, texts),
    )


_REQUEST_NUMBER = re.compile(r"\s*(?:№|#|N)?\s*(\d{1,18})\s*")


async def typed_request(
    message: Message,
    state: FSMContext,
    actor: Actor,
    statements: StatementImports,
    requests: RequestService,
    texts: Texts,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    line = await _still_open(state, actor, statements, asked)
    number = _REQUEST_NUMBER.fullmatch(message.text or "")
    if number is None:
        await message.answer(
            texts.statement_not_a_number + "\n\n" + texts.statement_ask_request(line)
        )
        return
    request = await requests.get(actor, int(number.group(1)))
    await state.clear()
    scope, page = asked["scope"], asked["page"]
    await message.answer(
        texts.statement_request(line, request),
        reply_markup=keyboards.this_request(line, request.id, scope, page, texts),
    )


async def _still_open(
    state: FSMContext, actor: Actor, statements: StatementImports, asked: dict[str, Any]
) -> LineView:
    """The line the question is about, as it was asked; if someone dealt with it meanwhile,
    the question ends and the refusal says who."""
    try:
        return await statements.open_line(actor, asked["line"], asked["version"])
    except Exception:
        await state.clear()
        raise


def create_router() -> Router:
    router = Router(name="statements")
    router.message.register(statement_command, Command("statement"), flags=IMPORTER_ROLES)
    waiting = (StatementInput.file, StatementInput.contract, StatementInput.request)
    for prompt in (*waiting, StatementInput.mapping):
        router.message.register(cancel_input, Command("cancel"), prompt, flags=IMPORTER_ROLES)
    router.message.register(statement_file, StatementFile(), flags=IMPORTER_ROLES)
    typed = F.text & ~F.text.startswith("/")
    router.message.register(typed_contract, StatementInput.contract, typed, flags=IMPORTER_ROLES)
    router.message.register(typed_request, StatementInput.request, typed, flags=IMPORTER_ROLES)
    for prompt in (StatementInput.contract, StatementInput.request):
        router.message.register(text_wanted, prompt, flags=IMPORTER_ROLES)
    router.callback_query.register(
        statement_button, StatementCallback.filter(), flags=IMPORTER_ROLES
    )
    router.callback_query.register(mapping_button, MappingCallback.filter(), flags=IMPORTER_ROLES)
    return router
