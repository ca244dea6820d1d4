"""/categories: the owner adds and renames expense categories (the TOML only seeds them)."""

from __future__ import annotations

from typing import cast

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot import keyboards
from bot.callbacks import CategoryCallback
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.errors import answer_error
from ledger.categories import CategoryService
from ledger.errors import CategoryProblem
from ledger.roles import Actor


class CategoryInput(StatesGroup):
    new_name = State()
    rename = State()


async def show_categories(message: Message, categories: CategoryService, texts: Texts) -> None:
    await message.answer(
        texts.categories_title,
        reply_markup=keyboards.categories_menu(await categories.active(), texts),
    )


async def ask_name(
    query: CallbackQuery,
    callback_data: CategoryCallback,
    state: FSMContext,
    categories: CategoryService,
    texts: Texts,
) -> None:
    if callback_data.action == "rename":
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


async def cancel_input(message: Message, state: FSMContext, texts: Texts) -> None:
    await state.clear()
    await message.answer(texts.input_cancelled)


async def category_problem(event: ErrorEvent, texts: Texts, raw_state: str | None = None) -> None:
    text = texts.category_problem(cast(CategoryProblem, event.exception).reason)
    if raw_state in (CategoryInput.new_name.state, CategoryInput.rename.state):
        text += "\n" + texts.ask_category_again  # the name is still awaited: say so
    await answer_error(event, text)


def create_router() -> Router:
    router = Router(name="categories")
    router.errors.register(category_problem, ExceptionTypeFilter(CategoryProblem))
    router.message.register(show_categories, Command("categories"), flags=OWNER_ONLY)
    router.callback_query.register(
        ask_name, CategoryCallback.filter(F.action.in_({"add", "rename"})), flags=OWNER_ONLY
    )
    for state in (CategoryInput.new_name, CategoryInput.rename):
        router.message.register(cancel_input, Command("cancel"), state, flags=OWNER_ONLY)
    typed = F.text & ~F.text.startswith("/")
    router.message.register(typed_new_name, CategoryInput.new_name, typed, flags=OWNER_ONLY)
    router.message.register(typed_rename, CategoryInput.rename, typed, flags=OWNER_ONLY)
    return router
