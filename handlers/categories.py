"""/categories: the owner adds, renames, archives, restores and merges expense categories
(the TOML only seeds them). Archiving and merging take two taps; the list, a category's card
and the archive are one message, redrawn in place."""

from __future__ import annotations

from typing import cast

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import CategoryAction, CategoryCallback
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.errors import answer_error
from handlers.prompts import cancel_input
from handlers.replies import replace_card
from ledger.categories import CategoryService
from ledger.errors import CategoryProblem
from ledger.roles import Actor


class CategoryInput(StatesGroup):
    new_name = State()
    rename = State()


async def show_categories(message: Message, categories: CategoryService, texts: Texts) -> None:
    await message.answer(texts.categories_title, reply_markup=await _menu(categories, texts))


async def _menu(categories: CategoryService, texts: Texts, page: int = 0) -> InlineKeyboardMarkup:
    archived = len(await categories.archived())
    return keyboards.categories_menu(await categories.active(), texts, page=page, archived=archived)


async def list_categories(
    query: CallbackQuery,
    callback_data: CategoryCallback,
    categories: CategoryService,
    texts: Texts,
) -> None:
    markup = await _menu(categories, texts, callback_data.page)
    await query.answer()
    await replace_card(query, texts.categories_title, markup)


async def open_category(
    query: CallbackQuery,
    callback_data: CategoryCallback,
    categories: CategoryService,
    texts: Texts,
) -> None:
    category = await categories.get(callback_data.category_id)
    await query.answer()
    await replace_card(
        query, texts.category_card(category.name), keyboards.category_card(category, texts)
    )


async def archive(
    query: CallbackQuery,
    callback_data: CategoryCallback,
    actor: Actor,
    categories: CategoryService,
    texts: Texts,
) -> None:
    """Two taps: «🗄 В архив» asks, «Да, в архив» (beside «no», and only for a while) does."""
    category_id = callback_data.category_id
    if callback_data.action == CategoryAction.ARCHIVE:
        until = await categories.ask_to_archive(actor, category_id)
        category = await categories.get(category_id)
        await query.answer()
        markup = keyboards.confirm_archive(category_id, until, texts)
        await replace_card(query, texts.ask_archive(category.name), markup)
        return
    archived = await categories.archive(actor, category_id, confirmed_until=callback_data.until)
    markup = await _menu(categories, texts)
    await query.answer()
    await replace_card(query, texts.category_archived(archived.name), markup)


async def merge(
    query: CallbackQuery,
    callback_data: CategoryCallback,
    actor: Actor,
    categories: CategoryService,
    texts: Texts,
) -> None:
    """Three taps: «🔀 Объединить с…» lists the targets, a target asks, «Да, объединить» does."""
    source_id, into_id = callback_data.category_id, callback_data.into
    if callback_data.action == CategoryAction.MERGE:
        source = await categories.get(source_id)
        markup = keyboards.merge_targets(
            source, await categories.active(), texts, page=callback_data.page
        )
        await query.answer()
        await replace_card(query, texts.merge_pick(source.name), markup)
    elif callback_data.action == CategoryAction.MERGE_ASK:
        until = await categories.ask_to_merge(actor, source_id, into_id)
        source, into = await categories.get(source_id), await categories.get(into_id)
        await query.answer()
        markup = keyboards.confirm_merge(source_id, into_id, until, texts)
        await replace_card(query, texts.ask_merge(source.name, into.name), markup)
    else:
        source = await categories.get(source_id)
        into = await categories.merge(
            actor, source_id, into_id, confirmed_until=callback_data.until
        )
        markup = await _menu(categories, texts)
        await query.answer()
        await replace_card(query, texts.category_merged(source.name, into.name), markup)


async def show_archive(
    query: CallbackQuery,
    callback_data: CategoryCallback,
    categories: CategoryService,
    texts: Texts,
) -> None:
    await query.answer()
    await _show_archive(query, categories, texts, callback_data.page)


async def _show_archive(
    query: CallbackQuery,
    categories: CategoryService,
    texts: Texts,
    page: int = 0,
    said: str | None = None,
) -> None:
    """The archive's page (the list, when the archive is empty), after what was `said`."""
    archived = await categories.archived()
    if archived:
        shown, page, _ = keyboards.category_page(archived, page)
        lines = [texts.archive_title, *(texts.archive_line(c.name, c.merged_into) for c in shown)]
        listing, markup = (
            "\n".join(lines),
            keyboards.archived_categories(archived, texts, page=page),
        )
    else:
        listing, markup = texts.categories_title, await _menu(categories, texts)
    await replace_card(query, listing if said is None else f"{said}\n\n{listing}", markup)


async def restore(
    query: CallbackQuery,
    callback_data: CategoryCallback,
    actor: Actor,
    categories: CategoryService,
    texts: Texts,
) -> None:
    restored = await categories.restore(actor, callback_data.category_id)
    await query.answer()
    await _show_archive(query, categories, texts, said=texts.category_restored(restored.name))


async def ask_name(
    query: CallbackQuery,
    callback_data: CategoryCallback,
    state: FSMContext,
    categories: CategoryService,
    texts: Texts,
) -> None:
    if callback_data.action == CategoryAction.RENAME:
        category = await categories.get(callback_data.category_id)
        await state.set_state(CategoryInput.rename)
        await state.set_data({"category_id": category.id})
        prompt = texts.ask_category_rename(category.name)
    else:
        await state.set_state(CategoryInput.new_name)
        await state.set_data({})
        prompt = texts.ask_category_name
    await query.answer()
    if query.message is not None:
        await query.message.answer(prompt)


async def typed_new_name(
    message: Message,
    state: FSMContext,
    actor: Actor,
    categories: CategoryService,
    texts: Texts,
) -> None:
    category = await categories.add(actor, message.text or "")
    await state.clear()
    await message.answer(texts.category_added(category.name))


async def typed_rename(
    message: Message,
    state: FSMContext,
    actor: Actor,
    categories: CategoryService,
    texts: Texts,
) -> None:
    data = await state.get_data()
    category = await categories.rename(actor, data["category_id"], message.text or "")
    await state.clear()
    await message.answer(texts.category_renamed(category.name))


async def category_problem(event: ErrorEvent, texts: Texts, raw_state: str | None = None) -> None:
    text = texts.category_problem(cast(CategoryProblem, event.exception).reason)
    if raw_state in (CategoryInput.new_name.state, CategoryInput.rename.state):
        text += "\n" + texts.ask_category_again  # the name is still awaited: say so
    await answer_error(event, text)


def create_router() -> Router:
    router = Router(name="categories")
    router.errors.register(category_problem, ExceptionTypeFilter(CategoryProblem))
    router.message.register(show_categories, Command("categories"), flags=OWNER_ONLY)
    for handler, actions in (
        (list_categories, {CategoryAction.LIST}),
        (ask_name, {CategoryAction.ADD, CategoryAction.RENAME}),
        (open_category, {CategoryAction.OPEN}),
        (archive, {CategoryAction.ARCHIVE, CategoryAction.ARCHIVE_YES}),
        (merge, {CategoryAction.MERGE, CategoryAction.MERGE_ASK, CategoryAction.MERGE_YES}),
        (show_archive, {CategoryAction.ARCHIVED}),
        (restore, {CategoryAction.RESTORE}),
    ):
        router.callback_query.register(
            handler, CategoryCallback.filter(F.action.in_(actions)), flags=OWNER_ONLY
        )
    for state in (CategoryInput.new_name, CategoryInput.rename):
        router.message.register(cancel_input, Command("cancel"), state, flags=OWNER_ONLY)
    typed = F.text & ~F.text.startswith("/")
    router.message.register(typed_new_name, CategoryInput.new_name, typed, flags=OWNER_ONLY)
    router.message.register(typed_rename, CategoryInput.rename, typed, flags=OWNER_ONLY)
    return router
