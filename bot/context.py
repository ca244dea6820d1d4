"""What every update needs, built once at start-up and handed to the dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from config.mappings import Mappings
from config.settings import Settings
from ledger.categories import CategoryService
from ledger.clock import Clock
from ledger.deals import DealService
from ledger.expenses import ExpenseService
from ledger.profit import ProfitService
from ledger.storage.uow import UnitOfWork
from ledger.users import UserService
from sheets.report import ReportService


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    mappings: Mappings
    session_factory: async_sessionmaker
    clock: Clock
    secret_key: bytes

    def services(self, uow: UnitOfWork) -> dict[str, object]:
        """The use cases of one update, all sharing its unit of work."""
        categories = CategoryService(uow, self.clock)
        return {
            "uow": uow,
            "users": UserService(
                uow,
                self.clock,
                owner_ids=frozenset(self.settings.owner_telegram_ids),
                secret_key=self.secret_key,
                default_language=self.settings.default_language,
            ),
            "categories": categories,
            "expenses": ExpenseService(
                uow, self.clock, categories, amount_limit=self.settings.amount_limit
            ),
            "deals": DealService(uow, self.clock, owner_chat_ids=self.settings.owner_telegram_ids),
            "profit": ProfitService(uow, self.clock),
            "reports": ReportService(uow, self.clock),
        }
