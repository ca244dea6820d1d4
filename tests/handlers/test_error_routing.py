"""Every domain error is claimed by one router, by type, and the shared fallback comes last.

aiogram offers an error to the routers in the order they are included, wherever it was raised:
a type claimed twice would leave the second handler dead, and a fallback included early would
answer everything with the generic words.
"""

from __future__ import annotations

from collections import Counter

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter

from handlers import create_root_router
from ledger import errors as domain
from ledger.amounts import AmountError
from ledger.dates import DateError
from ledger.profit import MonthError

# The generic refusal: the fallback's DomainError handler answers it with the same words.
GENERIC = {domain.DomainError, domain.NotAllowed}


def claimed(router: Router) -> list[type[Exception]]:
    return [
        exception
        for handler in router.errors.handlers
        for filter_ in handler.filters or []
        if isinstance(filter_.callback, ExceptionTypeFilter)
        for exception in filter_.callback.exceptions
    ]


def test_every_domain_error_is_claimed_by_exactly_one_router() -> None:
    routers = create_root_router().sub_routers
    counts = Counter(exception for router in routers for exception in claimed(router))
    raised = {
        value
        for value in vars(domain).values()
        if isinstance(value, type) and issubclass(value, domain.DomainError)
    } | {AmountError, DateError, MonthError}
    assert {error for error in raised - GENERIC if counts[error] != 1} == set()
    assert all(count == 1 for count in counts.values())


def test_the_shared_fallback_is_the_last_router_and_catches_anything() -> None:
    last = create_root_router().sub_routers[-1]
    assert last.name == "errors"
    assert any(not handler.filters for handler in last.errors.handlers)
    for router in create_root_router().sub_routers[:-1]:
        assert all(handler.filters for handler in router.errors.handlers), router.name
