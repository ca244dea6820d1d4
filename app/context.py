"""What every entry point shares, built once at start-up: settings, database, clock, keys,
and the use cases of one unit of work as a typed object.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_DOWN, Decimal

from config.mappings import Mappings
from config.settings import Settings
from ledger.bank_orders import BankOrders
from ledger.cabinet_links import LoginLinks
from ledger.cash import CashService
from ledger.categories import CategoryService
from ledger.clock import Clock
from ledger.confirmations import ConfirmationService, WriteBack
from ledger.dashboard import Dashboard
from ledger.deal_views import DealBook
from ledger.entries import EntryBook
from ledger.expenses import ExpenseService
from ledger.invites import InviteService
from ledger.money import Money
from ledger.profit import ProfitService
from ledger.requests.filing import RequestFiling
from ledger.requests.links import RequestLinks
from ledger.requests.paying import RequestPayments, RequestWriteBack
from ledger.requests.registry import RequestRegistry
from ledger.requests.service import RequestService
from ledger.statement_imports import StatementImports
from ledger.statements import Table
from ledger.storage.database import Database
from ledger.storage.uow import UnitOfWork
from ledger.stuck import StuckEffects
from ledger.users import UserService
from sheets.report import ReportService

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Services:
    """The use cases of one unit of work (an update, a command), all sharing it."""

    uow: UnitOfWork
    users: UserService
    invites: InviteService
    categories: CategoryService
    expenses: ExpenseService
    entries: EntryBook
    deals: DealBook
    profit: ProfitService
    dashboard: Dashboard
    reports: ReportService
    confirmations: ConfirmationService
    cash: CashService
    stuck: StuckEffects
    requests: RequestService
    request_payments: RequestPayments
    registry: RequestRegistry
    request_links: RequestLinks
    statements: StatementImports
    bank_orders: BankOrders
    request_filing: RequestFiling
    login_links: LoginLinks

    def handler_data(self) -> dict[str, object]:
        """By name, as aiogram hands them to a handler's parameters (`expenses`, `users`…)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    mappings: Mappings
    database: Database
    clock: Clock
    secret_key: bytes

    @property
    def write_back(self) -> WriteBack | None:
        """What a confirmation writes back to amoCRM; None when amoCRM is off."""
        if self.settings.amocrm_base_url is None:
            return None
        mapping = self.mappings.amocrm
        return WriteBack(
            paid_field=mapping.paid_field,
            confirmed_status=mapping.confirmed_status,
            paid_status=mapping.paid_status,
        )

    @property
    def request_write_back(self) -> RequestWriteBack | None:
        """What paying a deal's request writes to amoCRM; None when amoCRM is off."""
        if self.settings.amocrm_base_url is None:
            return None
        return RequestWriteBack(paid_status=self.mappings.amocrm.request_paid_status)

    def services(self, uow: UnitOfWork) -> Services:
        owners = self.settings.owner_telegram_ids
        confirmations = ConfirmationService(
            uow, self.clock, crm=self.write_back, owner_chat_ids=owners
        )
        categories = CategoryService(uow, self.clock)
        users = UserService(
            uow,
            self.clock,
            owner_ids=frozenset(self.settings.owner_telegram_ids),
            default_language=self.settings.default_language,
        )
        requests = RequestService(
            uow,
            self.clock,
            policy=self.mappings.requests.policy(),
            secret_key=self.secret_key,
            owner_chat_ids=owners,
            amount_limit=Money(self.settings.amount_limit.quantize(CENT, rounding=ROUND_DOWN)),
        )
        request_payments = RequestPayments(
            uow, self.clock, crm=self.request_write_back, secret_key=self.secret_key
        )
        return Services(
            uow=uow,
            users=users,
            invites=InviteService(uow, self.clock, users, secret_key=self.secret_key),
            categories=categories,
            expenses=ExpenseService(
                uow, self.clock, categories, amount_limit=self.settings.amount_limit
            ),
            entries=EntryBook(uow, self.clock),
            deals=DealBook(uow),
            profit=ProfitService(uow, self.clock),
            dashboard=Dashboard(uow, self.clock),
            reports=ReportService(uow, self.clock),
            confirmations=confirmations,
            cash=CashService(
                uow,
                self.clock,
                confirmations,
                secret_key=self.secret_key,
                owner_chat_ids=owners,
            ),
            stuck=StuckEffects(uow, self.clock),
            requests=requests,
            request_payments=request_payments,
            registry=RequestRegistry(uow, self.clock),
            request_links=RequestLinks(uow, self.clock, requests, secret_key=self.secret_key),
            statements=StatementImports(
                uow,
                self.clock,
                confirmations=confirmations,
                request_payments=request_payments,
                categories=self.mappings.statements.categories(),
                read_workbook=_read_workbook,
            ),
            bank_orders=BankOrders(uow, self.clock, company=self.mappings.company.company()),
            request_filing=RequestFiling(uow, self.clock, requests),
            login_links=LoginLinks(uow, self.clock, self.secret_key),
        )

    def handler_services(self, uow: UnitOfWork) -> dict[str, object]:
        return self.services(uow).handler_data()


def _read_workbook(data: bytes, sha256: str) -> Table:
    """An XLSX statement's rows: openpyxl loads only when a workbook comes."""
    from sheets.statement_rows import read_workbook

    return read_workbook(data, sha256)
