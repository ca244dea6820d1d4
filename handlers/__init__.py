"""aiogram routers, one module per job, composed in `create_root_router`."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    approvals,
    bank,
    bank_orders,
    cabinet,
    cash,
    categories,
    deals,
    errors,
    expenses,
    fallback,
    history,
    my_requests,
    outbox,
    prompts,
    registry,
    reports,
    request_card,
    request_form,
    request_invoice,
    request_links,
    start,
    statements,
    users,
)


def create_root_router() -> Router:
    root = Router(name="root")
    # Before any router looks at a message: a command (or, for a name or a date, a line that
    # reads as an expense) ends a prompt instead of being taken as its answer.
    root.message.outer_middleware(
        prompts.LeavePrompt(
            yield_to_expenses={
                categories.CategoryInput.new_name.state,
                categories.CategoryInput.rename.state,
                expenses.ExpenseInput.date.state,
            }
        )
    )
    # Order is routing priority: commands and conversations first, the catch-all last. Errors
    # go the same way: each router's own by type, then the shared fallback in `errors`.
    root.include_routers(
        # A request's own link (`/start rq_…`) before /start's other links.
        request_card.create_router(),
        approvals.create_router(),
        registry.create_router(),
        bank_orders.create_router(),
        cabinet.create_router(),
        start.create_router(),
        users.create_router(),
        history.create_router(),
        reports.create_router(),
        deals.create_router(),
        cash.create_router(),
        bank.create_router(),
        # A statement an accountant or the owner sends, known by its bytes: before the
        # owner's receipts and the invoices, which would refuse its text anyway.
        statements.create_router(),
        # The requester's side of payment requests: before expenses, so that a file sent
        # while a request is being filled is its invoice, not an expense's receipt.
        request_form.create_router(),
        request_invoice.create_router(),
        my_requests.create_router(),
        request_links.create_router(),
        outbox.create_router(),
        categories.create_router(),
        expenses.create_router(),
        fallback.create_router(),
        errors.create_router(),
    )
    return root
