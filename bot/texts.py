"""Everything the bot says: each card laid out once, its phrases from gettext catalogues.

The message ids are the Russian phrases themselves, so the code reads as the product speaks;
`bot/locales/<language>/LC_MESSAGES/messages.po` holds each language's words (Russian's is the
identity, and still exists so that every language is looked up the same way). The compiled
`.mo` files are committed; tests check they match their `.po` files and that every phrase
the code uses is translated in every catalogue.

Handlers and error routers take a `Texts` from the i18n middleware; the domain never holds
user-facing words. Money and dates are formatted the Russian way by Babel in both languages,
because the ledger is in rubles.

Placeholders are `{name}` fields filled after translation; values are escaped by the layout,
never by the catalogue. After adding or changing a phrase here:

    pybabel extract -k _n:1,2 -k Phrase -k N_ --no-location -o messages.pot bot/texts.py
    pybabel update -i messages.pot -d bot/locales -D messages -w 100
    (translate the new entries in en's messages.po, and give ru's plurals their three forms)
    pybabel compile -d bot/locales -D messages
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from html import escape
from pathlib import Path
from typing import Any, overload

from aiogram.utils.i18n import I18n
from babel.dates import format_date as babel_date
from babel.numbers import format_percent

from bot.paging import PAGE_LIMIT, clip
from ledger.amounts import AmountError, AmountProblem
from ledger.bank_orders import NotSent, OrdersFile, SendablePage
from ledger.cabinet_links import CABINET_ROLES
from ledger.cash import Accepted, Handover, HeldCash, ManagerCash
from ledger.confirmations import (
    Confirmation,
    PaymentLine,
    RecentConfirmation,
    Undone,
    UndoQuestion,
)
from ledger.dates import DateError, DateProblem, format_date
from ledger.deal_views import DealView
from ledger.entries import Entry, Page
from ledger.expenses import Batch, Draft
from ledger.money import Money, format_money
from ledger.notices import (
    AmoDailySummary,
    CashReminder,
    ConfirmationUndone,
    DealDiscrepancy,
    DealProblems,
    EveningCash,
    HandoverShort,
    HandoverStarted,
    InviteAccepted,
    NoticeFacts,
    OutboxDead,
    PaymentConfirmed,
    PaymentNotReceived,
    RequestsDigest,
    RequestsOverdue,
    RequestStatusChanged,
    RequestSubmitted,
    RequestToPay,
    SheetsBroken,
    SheetsDailySummary,
    SheetsProblem,
    SheetsRestored,
)
from ledger.payments import PaymentStatus
from ledger.profit import Dimension, MonthError, MonthFigures
from ledger.requests.registry import Bucket, BucketSummary, StatusSummary
from ledger.requests.states import PAYABLE, Decision, RequestStatus, VatMode
from ledger.requests.views import (
    Abilities,
    Approval,
    Comment,
    RegistryPage,
    RequestCard,
    RequestPayment,
    RequestView,
)
from ledger.roles import Role
from ledger.statement_imports import Accepted as LinesAccepted
from ledger.statement_imports import (
    AccountBalance,
    Candidate,
    Imported,
    LineState,
    LineView,
    Progress,
    Skipped,
    Stage,
    TargetView,
)
from ledger.statements import Direction, LineError, SourceFormat, StatementProblem, TablePreview
from ledger.statements.matching import Reason
from ledger.stuck import StuckEffect
from ledger.users import UserView

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "ru"
# How tests/test_texts.py extracts message ids from this module, as Babel's keywords.
KEYWORDS: dict[str, Any] = {"_": None, "_n": (1, 2), "Phrase": None, "N_": None}


def N_(msgid: str) -> str:
    """Marks a phrase for the catalogues where it is declared; it is translated where shown."""
    return msgid


class Phrase:
    """A fixed phrase, read from a `Texts` in that object's language."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    @overload
    def __get__(self, texts: None, owner: type | None = None) -> Phrase: ...
    @overload
    def __get__(self, texts: Texts, owner: type | None = None) -> str: ...
    def __get__(self, texts: Texts | None, owner: type | None = None) -> Phrase | str:
        return self if texts is None else texts._(self.msgid)


# A payment in a request's history: its amount and currency, the rubles for another currency.
_KEPT_PAYMENT = re.compile(r"(\d+(?:\.\d+)?) ([A-Z]{3})(?: \((\d+(?:\.\d+)?) RUB\))?")


def _iso_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


MINUS = "\u2212"  # the true minus sign, the same on every card and chart


# Telegram has no coloured text: income is marked green, expense red, on every card.
_KIND_MARKS = {"income": "🟢", "expense": "🔴"}


def _unsigned(amount: Money) -> Money:
    """An entry's amount as a card shows it: the word says income or expense, not the sign."""
    return Money(abs(amount.amount), amount.currency)


def money(value: Money) -> str:
    # Babel writes a hyphen for minus in ru_RU; /history and the charts use the true sign.
    return format_money(value, "ru_RU").replace("-", MINUS, 1)


class Texts:
    """The bot's words in one language."""

    role_names = {
        Role.OWNER: N_("владелец"),
        Role.MANAGER: N_("менеджер"),
        Role.CASHIER: N_("кассир"),
        Role.ACCOUNTANT: N_("бухгалтер"),
        Role.APPROVER: N_("согласующий"),
        Role.REQUESTER: N_("заявитель"),
    }

    def __init__(self, language: str, catalogues: I18n) -> None:
        self.language = language
        self._catalogues = catalogues

    def _(self, msgid: str, **values: Any) -> str:
        text = self._catalogues.gettext(msgid, locale=self.language)
        return text.format(**values) if values else text

    def _n(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self._catalogues.gettext(singular, plural, n, locale=self.language)
        return text.format(n=n, **values)

    # -- access ---------------------------------------------------------------------
    unknown_user = Phrase(
        "Здравствуйте! Это учётный бот компании, и доступа у вас пока нет. "
        "Попросите владельца прислать вам ссылку-приглашение."
    )
    not_allowed = Phrase("Это действие недоступно для вашей роли.")
    not_yours = Phrase("Эта карточка принадлежит другому человеку — ничего не изменено.")
    forged = Phrase("Кнопка не распознана — ничего не изменено.")

    def role(self, role: Role) -> str:
        name = self.role_names.get(role)
        return self._(name) if name else role.value

    def roles(self, roles: frozenset[Role]) -> str:
        return ", ".join(self.role(role) for role in sorted(roles))

    # -- start and help -------------------------------------------------------------
    def welcome(self, name: str, roles: frozenset[Role]) -> str:
        greeting = self._(
            "Здравствуйте, {name}! Ваши роли: {roles}.", name=escape(name), roles=self.roles(roles)
        )
        return f"{greeting}\n\n{self.help(roles)}"

    # The menu Telegram shows beside the input field, by command.
    command_descriptions = {
        "help": N_("Что я умею"),
        "expense": N_("Записать расход"),
        "income": N_("Записать доход"),
        "history": N_("Последние записи"),
        "deals": N_("Сделки и ожидаемые оплаты"),
        "cash": N_("Наличные у меня: сдать в кассу"),
        "pending": N_("Принять наличные у менеджеров"),
        "kassa": N_("Сколько должно быть в кассе"),
        "bank": N_("Безналичные поступления: подтвердить"),
        "statement": N_("Загрузить банковскую выписку"),
        "request": N_("Заявка на оплату счёта"),
        "requests": N_("Мои заявки на оплату"),
        "outbox": N_("Что застряло по пути в amoCRM и Telegram"),
        "profit": N_("Прибыль по месяцам"),
        "report": N_("Таблица учёта (XLSX)"),
        "categories": N_("Категории расходов"),
        "users": N_("Люди и роли"),
        "invite": N_("Пригласить сотрудника"),
        "approve": N_("Заявки на оплату: согласовать"),
        "registry": N_("Реестр заявок к оплате"),
        "reqlinks": N_("Ссылки для подачи заявок"),
        "cabinet": N_("Кабинет: реестр, выписки, сводка"),
    }

    def command_menu(self) -> list[tuple[str, str]]:
        """(command, description) in the menu's order, in this language."""
        return [(command, self._(words)) for command, words in self.command_descriptions.items()]

    def help(self, roles: frozenset[Role]) -> str:
        _ = self._
        title = "<b>" + _("Что я умею") + "</b>"
        if Role.OWNER not in roles:  # staff see whose help it is: their roles
            title += " (" + self.roles(roles) + ")"
        lines = [title]
        if Role.OWNER in roles:
            lines += [
                _(
                    "Напишите расход одной строкой: <code>1500 такси</code>, "
                    "<code>15к реклама</code>, <code>2 300,50 бензин</code> — я предложу "
                    "категорию, сохраните одним нажатием. Можно прислать фото чека с такой "
                    "подписью."
                ),
                "/expense — " + _("то же самое командой: <code>/expense 1500 такси</code>"),
                _(
                    "Несколько расходов одним сообщением — через запятую или каждый с новой "
                    "строки: <code>такси 350, кофе 180</code>."
                ),
                "/income — "
                + _(
                    "доход: <code>/income 50000 оплата Иванов</code>, или просто "
                    "<code>+50000 оплата Иванов</code>"
                ),
                "/history — "
                + _(
                    "последние записи: отмена, чеки 📎, отбор по категории и месяцу; "
                    "<code>/history 11.2026</code> — за месяц"
                ),
                "/categories — "
                + _("категории: добавить, переименовать, убрать в архив, объединить"),
                "/invite — " + _("пригласить сотрудника с ролью"),
                "/users — " + _("люди и роли, отзыв доступа"),
                "/deals — " + _("сделки, по которым ждём оплату"),
                "/outbox — " + _("что не удалось отправить в amoCRM или Telegram: повторить"),
                "/profit — " + _("прибыль по месяцам, с отбором и графиком"),
                "/report — " + _("таблица учёта (XLSX); <code>/report 2026-11</code> — за месяц"),
                _(
                    "Каждый вечер пришлю, у кого из менеджеров сколько наличных и сколько должно "
                    "быть в кассе; менеджерам с наличными на руках — напоминание сдать их."
                ),
            ]
        if Role.OWNER in roles or Role.CASHIER in roles:
            lines += [
                "/pending — "
                + _(
                    "наличные у менеджеров, сначала самые давние: принять платёж или всё у "
                    "менеджера, даже если сдачу не начинали"
                ),
                _(
                    "Когда менеджер сдаёт деньги, я пришлю сдачу со ссылкой: «Принять всё», "
                    "по одному платежу или «Получено меньше» с суммой, что пришла на самом деле."
                ),
                "/kassa — " + _("сколько должно быть в кассе: принятые наличные минус выданные"),
            ]
        if Role.MANAGER in roles and Role.OWNER not in roles:
            lines += [
                "/deals — " + _("ваши сделки: сколько ждём и сколько уже подтверждено"),
                "/cash — "
                + _(
                    "наличные у вас на руках по сделкам и сколько дней; «Сдать в кассу» — все "
                    "или по одному платежу, кассир получит список; вечером напомню, если "
                    "наличные ещё у вас"
                ),
            ]
        if Role.OWNER in roles or Role.ACCOUNTANT in roles:
            lines.append(
                "/bank — "
                + _(
                    "безналичные платежи, которые ждём (на счёт, на карту, терминал, кредит): "
                    "подтвердить поступление с датой и суммой, частично — меньшей суммой, или "
                    "отметить «не поступило» с комментарием для владельца"
                )
            )
            lines.append(
                "/statement — "
                + _(
                    "банковская выписка: пришлите файл 1С (.txt), CSV или XLSX — сверю остатки "
                    "и сопоставлю строки с оплатами по сделкам и с заявками; «✅ Принять верные» "
                    "— одной кнопкой, остальное — разобрать по строке"
                )
            )
        if roles & {Role.OWNER, Role.MANAGER, Role.REQUESTER}:
            lines += self._request_help(roles)
        lines += self.help_requests(roles)
        lines.append("/help — " + _("эта подсказка"))
        return "\n".join([lines[0], *(f"• {line}" for line in lines[1:])])

    def _request_help(self, roles: frozenset[Role]) -> list[str]:
        """/help's lines on payment requests: whoever files them (the owner hands out links)."""
        _ = self._
        lines = [
            "/request — "
            + _(
                "заявка на оплату счёта: по шагам, любой шаг можно пропустить и вернуться; "
                "<code>/request 5000 поставщику</code> — сразу с суммой"
            )
        ]
        if Role.OWNER in roles:
            lines.append(_("Начните /request и пришлите счёт (PDF или фото) — заполню из него."))
            lines.append("/reqlinks — " + _("ссылки для подачи заявок: создать, отозвать"))
        else:
            lines.append(
                _(
                    "Пришлите счёт (PDF или фото) — начну заявку и заполню её из счёта: "
                    "реквизиты, сумму, НДС; останется подтвердить."
                )
            )
        lines.append(
            "/requests — "
            + _(
                "мои заявки: статус, комментарии, история; возвращённую на доработку — "
                "исправить и отправить снова"
            )
        )
        return lines

    hint_owner = Phrase(
        "Не понял. Чтобы записать расход, напишите сумму и на что: <code>1500 такси</code>. "
        "Подсказка: /help"
    )
    hint_other = Phrase("Не понял. Подсказка: /help")

    # -- amounts and dates ----------------------------------------------------------
    def amount_error(self, error: AmountError) -> str:
        _ = self._
        match error.problem:
            case AmountProblem.EMPTY:
                return _("Напишите сумму и на что, например: <code>1500 такси</code>.")
            case AmountProblem.NOT_A_NUMBER:
                return _(
                    "Не вижу суммы. Напишите, например: <code>1500 такси</code>, "
                    "<code>1 500,50 бензин</code> или <code>15к реклама</code>."
                )
            case AmountProblem.ZERO:
                return _("Сумма не может быть нулевой.")
            case AmountProblem.NEGATIVE:
                return _("Сумма расхода пишется без минуса: <code>1500 такси</code>.")
            case AmountProblem.TOO_LARGE:
                limit = getattr(error, "limit", None)
                if limit is None:
                    return _("Слишком большая сумма. Проверьте, не лишний ли ноль.")
                return _(
                    "Слишком большая сумма (больше {limit}). Проверьте, не лишний ли ноль.",
                    limit=money(Money(limit)),
                )
            case AmountProblem.TOO_PRECISE:
                return _("В сумме больше двух знаков копеек. Пример: <code>1500,50</code>.")
            case AmountProblem.WRONG_CURRENCY:
                return _("Здесь сумма в другой валюте — напишите её без «руб» и «₽».")
            case AmountProblem.EXPONENT:
                return _(
                    "Такую запись числа («1e3») я не читаю — напишите сумму цифрами: "
                    "<code>1000 такси</code>."
                )
            case AmountProblem.NO_DESCRIPTION:
                return _(
                    "На что эта сумма? Напишите её вместе со словом, например: "
                    "<code>{amount} такси</code>.",
                    amount=escape(error.shown or "1500"),
                )
            case AmountProblem.TOO_MANY_ITEMS:
                return _(
                    "В одном сообщении можно записать до {limit} позиций — "
                    "разделите список на несколько сообщений.",
                    limit=int(error.limit or 0),
                )
        return _("Не получилось прочитать сумму. Пример: <code>1500 такси</code>.")

    def date_error(self, error: DateError) -> str:
        _ = self._
        match error.problem:
            case DateProblem.FUTURE:
                return _("Расход не может быть в будущем. Укажите сегодняшнюю или прошедшую дату.")
            case DateProblem.NO_SUCH_DAY:
                return _("Такого дня нет в календаре. Пример: <code>22.11</code>.")
            case DateProblem.TOO_OLD:
                return _("Слишком давняя дата. Пример: <code>22.11.2026</code>.")
        return _(
            "Не понял дату. Напишите <code>сегодня</code>, <code>вчера</code>, "
            "<code>22.11</code> или <code>22.11.2026</code>."
        )

    # -- expense card -----------------------------------------------------------------
    def _field(self, label: str, value: str) -> str:
        return f"{self._(label)}: {value}"

    def draft_card(self, draft: Draft) -> str:
        title = self._("Новый доход") if draft.kind == "income" else self._("Новый расход")
        lines = [
            f"{_KIND_MARKS[draft.kind]} <b>{title}</b>",
            *self._entry_fields(draft.amount, draft.category_name, draft.entry_date),
            *self._notes(draft.description, draft.comment),
        ]
        if draft.arithmetic:
            lines.insert(2, self._field(N_("Расчёт"), escape(draft.arithmetic)))
        if draft.deal is not None:
            deal = self._(
                "«{name}», договор {contract}",
                name=escape(draft.deal.name),
                contract=escape(draft.deal.contract),
            )
            lines.append(self._field(N_("Сделка"), deal))
        if draft.has_receipt:
            lines.append(self._field(N_("Чек"), self._("приложен")))
        lines.append("\n" + self._("Всё верно? Нажмите «Сохранить»."))
        return "\n".join(lines)

    def btn_alternative(self, chosen: Money, other: Money) -> str:
        return self._("Не {chosen}, а {other}?", chosen=money(chosen), other=money(other))

    def btn_switch_kind(self, kind: str) -> str:
        return self._("↔️ Это расход") if kind == "income" else self._("↔️ Это доход")

    def saved_card(self, entry: Entry) -> str:
        if entry.kind == "income":
            title = "🟢 <b>" + self._("Доход сохранён") + "</b>"
        else:
            title = "✅ <b>" + self._("Расход сохранён") + "</b>"
        lines = [
            f"{title} ({self.number(entry.id)})",
            *self._entry_fields(_unsigned(entry.amount), entry.category_name, entry.entry_date),
            *self._notes(entry.description, entry.comment),
        ]
        if entry.has_receipt:
            lines.append("📎 " + self._field(N_("Чек"), self._("приложен")))
        return "\n".join(lines)

    def _entry_fields(self, amount: Money, category: str, when: date) -> list[str]:
        return [
            self._field(N_("Сумма"), f"<b>{money(amount)}</b>"),
            self._field(N_("Категория"), escape(category)),
            self._field(N_("Дата"), format_date(when)),
        ]

    def _notes(self, description: str | None, comment: str | None) -> list[str]:
        lines = []
        if description:
            lines.append(self._field(N_("Описание"), escape(description)))
        if comment:
            lines.append(self._field(N_("Комментарий"), escape(comment)))
        return lines

    def number(self, entry_id: int) -> str:
        """An entry's number as people cite it: "№17" in Russian, "#17" in English."""
        return self._("№{id}", id=entry_id)

    def reversed_card(self, original: Entry) -> str:
        if original.kind == "income":
            title = self._("Доход {number} отменён", number=self.number(original.id))
        else:
            title = self._("Расход {number} отменён", number=self.number(original.id))
        what = (
            f"{money(_unsigned(original.amount))}, {escape(original.category_name)}, "
            f"{format_date(original.entry_date)}"
        )
        after = self._("В учёте записана сторнирующая запись.")
        return f"↩️ <b>{title}</b>: {what}. {after}"

    # -- several items from one message ----------------------------------------------
    def batch_card(self, batch: Batch) -> str:
        if batch.kind == "income":
            title = self._n(
                "Новый доход: {n} позиция", "Новый доход: {n} позиции", len(batch.items)
            )
        else:
            title = self._n(
                "Новые расходы: {n} позиция", "Новые расходы: {n} позиции", len(batch.items)
            )
        lines = [f"{_KIND_MARKS[batch.kind]} <b>{title}</b>"]
        for number, item in enumerate(batch.items, start=1):
            line = (
                f"{number}. <b>{money(item.amount)}</b> — {escape(item.description[:60])} · "
                f"{escape(item.category_name)} · {format_date(item.entry_date)}"
            )
            if item.arithmetic:
                line += f" ({escape(item.arithmetic)})"
            if item.alternative is not None:
                line += " " + self._("(или {other}?)", other=money(item.alternative))
            lines.append(line)
        lines.append(self._field(N_("Итого"), f"<b>{money(batch.total)}</b>"))
        if batch.items[0].has_receipt:
            lines.append(self._field(N_("Чек"), self._("приложен")))
        lines.append(
            "\n"
            + self._(
                "Каждая позиция станет отдельной записью. Всё верно — «Сохранить все»; "
                "поправить категорию, дату или сумму — «По одной»."
            )
        )
        return "\n".join(lines)

    def batch_saved(self, entries: list[Entry]) -> str:
        title = self._n("Сохранено {n} запись", "Сохранено {n} записи", len(entries))
        lines = [f"✅ <b>{title}</b>"]
        for entry in entries:
            mark = "+" if entry.kind == "income" else MINUS
            lines.append(
                f"{self.number(entry.id)} {mark}{money(_unsigned(entry.amount))} — "
                f"{escape(entry.description[:60])} · {escape(entry.category_name)}"
            )
        lines.append(self._("Отменить любую можно в /history."))
        return "\n".join(lines)

    def btn_save_all(self, count: int) -> str:
        return self._("✅ Сохранить все ({count})", count=count)

    btn_split = Phrase("✏️ По одной")
    batch_cancelled = Phrase("✖ Черновики отменены, ничего не записано.")
    batch_split = Phrase("Разбил на отдельные карточки — поправьте и сохраните каждую.")
    income_help = Phrase(
        "Напишите сумму дохода и от кого или за что: <code>/income 50000 оплата Иванов</code> "
        "или просто <code>+50000 оплата Иванов</code>."
    )

    ask_receipt_line = Phrase(
        "Чек получен. Напишите сумму и на что он, например: <code>700 бумага</code> — "
        "чек приложится к этому расходу. /cancel — не сохранять чек."
    )

    def attachment_refused(self, reason: str) -> str:
        if reason == "size":
            return self._("Файл больше 20 МБ — пришлите фото чека или PDF поменьше.")
        return self._("Такой файл не подойдёт как чек: пришлите фото (JPEG, PNG) или PDF.")

    cancelled_card = Phrase("✖ Черновик расхода отменён, ничего не записано.")
    ask_date = Phrase(
        "Напишите дату: <code>22.11</code>, <code>22.11.2026</code> или <code>вчера</code>. "
        "/cancel — оставить как было."
    )
    ask_amount = Phrase(
        "Напишите сумму: <code>1500</code>, <code>1 500,50</code> или <code>15к</code>. "
        "/cancel — оставить как было."
    )
    ask_comment = Phrase(
        "Напишите комментарий к расходу одним сообщением. /cancel — оставить как было."
    )
    input_cancelled = Phrase("Хорошо, оставляю как было.")
    saved_toast = Phrase("Сохранено")
    cancelled_toast = Phrase("Отменено")
    reversed_toast = Phrase("Отменено сторнирующей записью")

    def stale(self, status: str) -> str:
        if status == "saved":
            return self._("Этот расход уже сохранён — повторно ничего не записано.")
        if status == "cancelled":
            return self._("Этот черновик уже отменён.")
        return self._("Карточка устарела — пользуйтесь последней.")

    def already_reversed(self, by_name: str, when: str) -> str:
        return self._("Уже отменено: {name}, {when}.", name=by_name, when=when)

    cannot_reverse = Phrase("Сторнирующую запись нельзя отменить — запишите новый расход.")
    not_found = Phrase("Запись не найдена.")

    def text_too_long(self, limit: int) -> str:
        return self._n(
            "Слишком длинный текст: до {n} символа.",
            "Слишком длинный текст: до {n} символов.",
            limit,
        )

    # -- long lists ------------------------------------------------------------------
    def page_of(self, page: int, pages: int) -> str:
        return "<i>" + self._("Страница {page} из {pages}", page=page, pages=pages) + "</i>"

    def btn_page_previous(self, page: int) -> str:
        return f"◀ {page}"

    def btn_page_next(self, page: int) -> str:
        return f"{page} ▶"

    # -- history ---------------------------------------------------------------------
    history_empty = Phrase("Записей пока нет. Напишите расход, например: <code>1500 такси</code>.")
    history_title = Phrase("<b>Последние записи</b>")
    history_nothing_matches = Phrase("Записей с таким отбором нет.")

    def history_header(self, page: Page) -> str:
        """The title, and the filter when one is on (so the list is never taken for all)."""
        chosen = []
        if page.category_name is not None:
            chosen.append(f"🏷 {escape(page.category_name)}")
        if page.only.month is not None:
            chosen.append(f"📅 {self.month_name(page.only.month)}")
        if not chosen:
            return self.history_title
        return "\n".join([self.history_title, self._field(N_("Отбор"), " · ".join(chosen))])

    def month_number(self, month: date) -> str:
        """ "11.2026": a month as the owner types it after /history."""
        return f"{month.month:02d}.{month.year}"

    def history_category_button(self, name: str | None) -> str:
        return f"🏷 {name[:30]}" if name is not None else self.btn_history_category

    def history_month_button(self, month: date | None) -> str:
        return f"📅 {self.month_number(month)}" if month is not None else self.btn_history_month

    def history_bad_month(self, error: MonthError) -> str:
        if error.reason == "future":
            return self._("Этот месяц ещё не наступил. Пример: <code>/history 11.2026</code>.")
        return self._(
            "Месяц пишется так: <code>/history 11.2026</code>. "
            "Без месяца — последние записи: <code>/history</code>."
        )

    def history_line(self, entry: Entry) -> str:
        mark = {"expense": MINUS, "income": "+", "reversal": "↩️"}.get(entry.kind, "")
        amount = money(Money(abs(entry.amount.amount), entry.amount.currency))
        text = (
            f"{self.number(entry.id)} {format_date(entry.entry_date)} {mark}{amount} "
            f"{escape(entry.category_name)}"
        )
        if entry.description:
            text += f" — {escape(entry.description[:60])}"
        if entry.has_receipt:
            text += " 📎"
        if entry.reversed_by_entry_id:
            text += " (" + self._("отменена") + ")"
        return text

    def receipt_button(self, entry_id: int) -> str:
        return f"📎 {self.number(entry_id)}"

    def receipt_caption(self, entry_id: int) -> str:
        return self._("📎 Чек к записи {number}", number=self.number(entry_id))

    def undo_button(self, entry_id: int) -> str:
        return self._("Отменить {number}", number=self.number(entry_id))

    # -- categories -------------------------------------------------------------------
    categories_title = Phrase(
        "<b>Категории расходов</b>\nНажмите на категорию, чтобы переименовать её, убрать "
        "в архив или объединить с другой, или добавьте новую."
    )
    ask_category_name = Phrase(
        "Напишите название новой категории (до 40 символов). /cancel — не добавлять."
    )
    ask_category_again = Phrase("Напишите другое название или /cancel, чтобы выйти.")

    def ask_category_rename(self, name: str) -> str:
        return self._(
            "Напишите новое название для «{name}». /cancel — не переименовывать.",
            name=escape(name),
        )

    def category_added(self, name: str) -> str:
        return self._("Категория «{name}» добавлена.", name=escape(name))

    def category_renamed(self, name: str) -> str:
        return self._("Категория переименована: «{name}».", name=escape(name))

    def category_card(self, name: str) -> str:
        return self._("Категория «{name}». Что с ней сделать?", name=escape(name))

    def ask_archive(self, name: str) -> str:
        return self._(
            "Убрать «{name}» в архив? Её не будет в выборе категории и в подсказках; "
            "записи останутся в истории и в таблице за прошлые месяцы.",
            name=escape(name),
        )

    def category_archived(self, name: str) -> str:
        return self._(
            "«{name}» в архиве. Вернуть её можно из архива, кнопкой внизу списка.",
            name=escape(name),
        )

    def merge_pick(self, name: str) -> str:
        return self._(
            "С какой категорией объединить «{name}»? Её записи будут считаться там.",
            name=escape(name),
        )

    def ask_merge(self, source: str, into: str) -> str:
        return self._(
            "Объединить «{source}» с «{into}»? Все записи «{source}» будут считаться в "
            "«{into}» — в истории, в /profit и в таблице; «{source}» уйдёт в архив.",
            source=escape(source),
            into=escape(into),
        )

    def category_merged(self, source: str, into: str) -> str:
        return self._(
            "«{source}» объединена с «{into}»: её записи теперь считаются там.",
            source=escape(source),
            into=escape(into),
        )

    archive_title = Phrase("<b>Архив категорий</b>\nНажмите на категорию, чтобы вернуть её.")

    def archive_line(self, name: str, merged_into: str | None) -> str:
        if merged_into is None:
            return "• " + escape(name)
        return "• " + self._(
            "{name} → объединена с «{into}»", name=escape(name), into=escape(merged_into)
        )

    def category_restored(self, name: str) -> str:
        return self._("«{name}» снова в списке.", name=escape(name))

    def restore_button(self, name: str) -> str:
        return "↩️ " + name

    def btn_archive(self, count: int) -> str:
        return self._("🗄 Архив ({count})", count=count)

    category_not_found = Phrase("Такой категории нет — ничего не изменено.")

    def category_problem(self, reason: str) -> str:
        _ = self._
        match reason:
            case "empty":
                return _("Название не может быть пустым.")
            case "too_long":
                return _("Слишком длинное название: до 40 символов.")
            case "exists":
                return _("Такая категория уже есть.")
            case "exists_archived":
                return _("Такая категория есть в архиве — верните её: /categories, «🗄 Архив».")
            case "archived":
                return _("Эта категория уже в архиве — ничего не изменено.")
            case "active":
                return _("Эта категория уже в списке — ничего не изменено.")
            case "fallback":
                return _(
                    "Эту категорию нельзя убрать: в неё попадают расходы, "
                    "которые не подошли ни к одной другой."
                )
            case "last":
                return _("Это последняя категория: расходам нужно куда-то попадать.")
            case "into_itself":
                return _("Категорию нельзя объединить с ней самой.")
            case "into_archived":
                return _("Объединить можно только с категорией из списка, не из архива.")
        return _("Не получилось сохранить категорию.")

    # -- buttons --------------------------------------------------------------------
    btn_add_category = Phrase("➕ Новая категория")
    btn_rename_category = Phrase("✏️ Переименовать")
    btn_archive_category = Phrase("🗄 В архив")
    btn_merge_category = Phrase("🔀 Объединить с…")
    btn_confirm_archive = Phrase("Да, в архив")
    btn_confirm_merge = Phrase("Да, объединить")
    btn_previous_page = Phrase("◀ Предыдущие")
    btn_next_page = Phrase("Следующие ▶")
    btn_save = Phrase("✅ Сохранить")
    btn_cancel = Phrase("✖ Отмена")
    btn_category = Phrase("📂 Категория")
    btn_date = Phrase("📅 Дата")
    btn_comment = Phrase("💬 Комментарий")
    btn_amount = Phrase("✏️ Сумма")
    btn_undo = Phrase("↩️ Отменить")
    btn_receipt = Phrase("📎 Чек")
    btn_keep = Phrase("Нет, оставить")
    btn_older = Phrase("◀ Раньше")
    btn_newest = Phrase("⏮ Последние")
    btn_history_category = Phrase("🏷 Категория")
    btn_history_month = Phrase("📅 Месяц")
    btn_all_categories = Phrase("Все категории")
    btn_all_months = Phrase("Все месяцы")
    btn_reset_filter = Phrase("✖ Сбросить отбор")
    confirmation_expired = Phrase(
        "Кнопка устарела, ничего не изменено — нажмите первую кнопку ещё раз."
    )

    def btn_confirm_undo(self, entry_id: int) -> str:
        return self._("Да, отменить {number}", number=self.number(entry_id))

    btn_back = Phrase("← Назад")
    btn_today = Phrase("Сегодня")
    btn_yesterday = Phrase("Вчера")
    btn_other_date = Phrase("Другая дата…")
    btn_revoke = Phrase("Отозвать")

    # -- users and invites ----------------------------------------------------------
    invite_choose_role = Phrase("Кого пригласить? Выберите роль:")
    invite_choose_crm_user = Phrase(
        "Кто этот менеджер в amoCRM? Его сделки в /deals найдутся по ответственному."
    )
    invite_without_crm = Phrase("Без привязки к amoCRM")

    def btn_link_crm(self, name: str) -> str:
        return self._("🔗 {name} в amoCRM", name=name[:40])

    def link_choose_crm_user(self, name: str) -> str:
        return self._(
            "Кто {name} в amoCRM? По этому пользователю найдутся сделки и наличные менеджера.",
            name=escape(name),
        )

    def crm_linked(self, name: str, crm_name: str | None) -> str:
        if crm_name is None:
            return self._("{name} больше не связан(а) с amoCRM.", name=escape(name))
        return self._(
            "Готово: {name} — это «{crm}» в amoCRM. Сделки и наличные теперь видны в /deals "
            "и /cash.",
            name=escape(name),
            crm=escape(crm_name),
        )

    def crm_user_taken(self, name: str) -> str:
        return self._(
            "Этот пользователь amoCRM уже связан с другим человеком: {name}. Сначала отвяжите его.",
            name=escape(name),
        )

    def invite_link(self, role: Role, link: str, expires: str) -> str:
        return self._(
            "Приглашение для роли «{role}». Перешлите ссылку сотруднику — "
            "она сработает один раз, до {expires}:\n{link}",
            role=self.role(role),
            expires=expires,
            link=link,
        )

    def invite_accepted_self(self, role: Role) -> str:
        return self._("Готово! Вам выдана роль «{role}». Подсказка: /help", role=self.role(role))

    def notice(self, facts: NoticeFacts) -> str:
        """The words for a notice the ledger sent through the outbox."""
        match facts:
            case InviteAccepted():
                return self.invite_accepted(facts.name, facts.role)
            case DealDiscrepancy():
                return self.deal_discrepancy(
                    facts.deal,
                    facts.contract,
                    facts.slot,
                    facts.confirmed_minor,
                    facts.crm_minor,
                    facts.currency,
                    facts.state,
                )
            case DealProblems():
                return self.deal_problems(facts.deal, facts.amo_lead_id, list(facts.problems))
            case AmoDailySummary():
                return self.amo_daily_summary(facts.deals, facts.webhooks, facts.errors)
            case SheetsBroken():
                return self.sheets_broken(facts.problem, facts.sheet_id, facts.account)
            case SheetsRestored():
                return self.sheets_restored
            case SheetsDailySummary():
                return self.sheets_daily_summary(facts.failures, facts.problem, facts.broken)
            case PaymentConfirmed():
                return self.payment_confirmed(facts)
            case PaymentNotReceived():
                return self.payment_not_received(facts)
            case ConfirmationUndone():
                return self.confirmation_undone(facts)
            case HandoverStarted():
                return self.handover_started(facts)
            case HandoverShort():
                return self.handover_short(facts)
            case OutboxDead():
                return self.outbox_dead(facts)
            case RequestSubmitted():
                return self.request_submitted(facts)
            case RequestStatusChanged():
                return self.request_status_changed(facts)
            case RequestToPay():
                return self.request_to_pay(facts)
            case RequestsOverdue():
                return self.requests_overdue(facts)
            case RequestsDigest():
                return self.requests_digest(facts)
            case EveningCash():
                return self.evening_cash(facts)
            case CashReminder():
                return self.cash_reminder(facts)

    def notice_button(self, facts: NoticeFacts) -> str:
        """The words on the button that opens what a notice's link opens."""
        if isinstance(facts, RequestSubmitted | RequestStatusChanged | RequestToPay):
            return self.btn_open_request
        return self.btn_open_handover

    def invite_accepted(self, name: str, role: str) -> str:
        return self._(
            "{name} принял(а) приглашение: роль «{role}».",
            name=escape(name),
            role=self.role(Role(role)),
        )

    def invite_refused(self, reason: str) -> str:
        if reason == "expired":
            return self._("Срок действия приглашения истёк. Попросите у владельца новое.")
        if reason == "used":
            return self._("Это приглашение уже использовано. Попросите у владельца новое.")
        return self._("Ссылка-приглашение недействительна. Попросите у владельца новую.")

    users_title = Phrase("<b>Люди и роли</b>")
    users_empty = Phrase("Пока никого, кроме владельцев. Пригласите сотрудника: /invite")

    def user_line(self, user: UserView) -> str:
        handle = f" @{user.username}" if user.username else ""
        return f"• {escape(user.name)}{handle}: {self.roles(user.roles)}"

    btn_confirm_revoke = Phrase("Да, отозвать")

    def revoke_button(self, user: UserView, role: Role) -> str:
        return f"{self.btn_revoke}: {user.name[:20]} — {self.role(role)}"

    def revoked(self, user: UserView, role: Role) -> str:
        return self._(
            "Роль «{role}» у {name} отозвана.", role=self.role(role), name=escape(user.name)
        )

    cannot_revoke_owner = Phrase(
        "Владельцев задаёт OWNER_TELEGRAM_IDS в настройках; из бота их не отозвать."
    )

    # -- deals ------------------------------------------------------------------------
    payment_kinds = {
        "cash": N_("наличные"),
        "bank_transfer": N_("на расчётный счёт"),
        "card_transfer": N_("перевод на карту"),
        "terminal": N_("терминал"),
        "credit": N_("кредит"),
    }
    deal_states = {"lost": N_("сделка проиграна"), "deleted": N_("сделка удалена в amoCRM")}
    deals_title = Phrase("<b>Сделки, по которым ждём оплату</b>")
    deals_empty = Phrase("Сделок с ожидаемыми оплатами нет.")
    deals_not_linked = Phrase(
        "Ваш аккаунт ещё не связан с пользователем amoCRM — попросите владельца "
        "связать вас в /users."
    )

    def _deal_name(self, deal: str, contract: str | None) -> str:
        if not contract:
            return escape(deal)
        return self._("{deal}, договор {contract}", deal=escape(deal), contract=escape(contract))

    def deal_card(self, deal: DealView) -> str:
        title = self._deal_name(deal.name, deal.contract)
        if deal.manager:
            title += f" — {escape(deal.manager)}"
        lines = [f"<b>{title}</b>"]
        for payment in deal.payments:
            name = self.payment_kinds.get(payment.kind)
            kind = self._(name) if name else payment.kind
            if payment.due:
                kind += ", " + self._("до {date}", date=self.date(payment.due))
            if payment.status is PaymentStatus.CONFIRMED and payment.confirmed is not None:
                state = self._("подтверждено {amount}", amount=money(payment.confirmed))
            elif payment.status is PaymentStatus.PARTLY_CONFIRMED and payment.confirmed:
                state = self._(
                    "подтверждено {amount}, ждём ещё {rest}",
                    amount=money(payment.confirmed),
                    rest=money(payment.remaining),
                )
            else:
                state = self._("ждём")
            lines.append(f"• {escape(payment.slot)}: {money(payment.amount)} ({kind}) — {state}")
        lines.append(
            self._(
                "Ждём: {expected} · подтверждено: {confirmed}",
                expected=money(deal.expected),
                confirmed=money(deal.confirmed),
            )
        )
        return "\n".join(lines)

    def deal_discrepancy(
        self,
        deal: str,
        contract: str | None,
        slot: str,
        confirmed_minor: int,
        crm_minor: int,
        currency: str,
        state: str,
    ) -> str:
        crm = money(Money.from_minor_units(crm_minor, currency))
        why = self.deal_states.get(state)
        return self._(
            "⚠️ Расхождение по сделке «{deal}»: платёж «{slot}» уже подтверждён на {confirmed}, "
            "а {why}. В учёте ничего не изменено — проверьте сделку.",
            deal=self._deal_name(deal, contract),
            slot=escape(slot),
            confirmed=money(Money.from_minor_units(confirmed_minor, currency)),
            why=self._(why) if why else self._("в amoCRM теперь {amount}", amount=crm),
        )

    def deal_problems(self, deal: str, amo_lead_id: int, problems: list[str]) -> str:
        listed = "\n".join(f"• {escape(problem)}" for problem in problems)
        return self._(
            "Сделка «{deal}» (amoCRM #{lead}): не могу понять оплату, ожидание не записано.\n"
            "{problems}\n"
            "Исправьте поля сделки в amoCRM или сопоставление в config/mappings.toml.",
            deal=escape(deal),
            lead=amo_lead_id,
            problems=listed,
        )

    def amo_daily_summary(self, deals: int, webhooks: int, errors: int) -> str:
        return self._(
            "amoCRM за сутки: сделок обновлено — {deals}, вебхуков — {webhooks}, "
            "ошибок — {errors}. Подробности: <code>./start doctor</code> и журнал.",
            deals=deals,
            webhooks=webhooks,
            errors=errors,
        )

    # -- Google Sheets ----------------------------------------------------------------
    sheets_causes = {
        SheetsProblem.NO_ACCESS: N_("у бота нет доступа к таблице"),
        SheetsProblem.NOT_FOUND: N_("таблица не найдена"),
        SheetsProblem.KEY_REFUSED: N_("Google не принимает ключ сервисного аккаунта"),
        SheetsProblem.REFUSED: N_("Google отклоняет запись"),
        SheetsProblem.UNAVAILABLE: N_("Google не отвечал или был перегружен"),
    }
    sheets_nothing_lost = Phrase(
        "Записи не потеряны: как только это исправят, таблица сама допишет всё, что накопилось."
    )
    sheets_restored = Phrase("✅ Google Таблица снова обновляется: всё, что накопилось, дописано.")

    def sheets_cause(self, problem: str) -> str:
        known = {kind.value: cause for kind, cause in self.sheets_causes.items()}
        return self._(known.get(problem, known[SheetsProblem.REFUSED]))

    def _sheets_account(self, account: str | None) -> str:
        if account:
            return f"<code>{escape(account)}</code>"
        return self._(
            "сервисному аккаунту (его адрес — client_email в файле GOOGLE_SERVICE_ACCOUNT_FILE)"
        )

    def sheets_advice(self, problem: str, sheet_id: str, account: str | None) -> str:
        """What to check, in plain words, for a refusal that will not pass by itself."""
        share = self._sheets_account(account)
        if problem == SheetsProblem.NO_ACCESS:
            return self._(
                "Откройте таблицу в Google, нажмите «Настройки доступа» и добавьте {account} "
                "как редактора. Если бот должен писать в другую таблицу, проверьте SHEET_ID.",
                account=share,
            )
        if problem == SheetsProblem.NOT_FOUND:
            return self._(
                "Таблицы <code>{sheet_id}</code> нет: её удалили или SHEET_ID указан с ошибкой. "
                "Восстановите её из корзины Google Диска — или укажите в SHEET_ID другую таблицу, "
                "откройте к ней доступ {account} и перезапустите бота.",
                sheet_id=escape(sheet_id),
                account=share,
            )
        if problem == SheetsProblem.KEY_REFUSED and account:
            return self._(
                "Ключ сервисного аккаунта <code>{account}</code> удалён или отозван. Создайте "
                "новый ключ в Google Cloud Console, положите его в файл "
                "GOOGLE_SERVICE_ACCOUNT_FILE и перезапустите бота.",
                account=escape(account),
            )
        if problem == SheetsProblem.KEY_REFUSED:
            return self._(
                "Ключ сервисного аккаунта удалён или отозван. Создайте новый ключ в Google Cloud "
                "Console, положите его в файл GOOGLE_SERVICE_ACCOUNT_FILE и перезапустите бота.",
            )
        return self._(
            "Проверьте настройки командой <code>./start doctor</code>; подробности — в журнале."
        )

    def sheets_broken(self, problem: str, sheet_id: str, account: str | None) -> str:
        head = self._(
            "⚠️ Google Таблица перестала обновляться: {cause}.", cause=self.sheets_cause(problem)
        )
        advice = self.sheets_advice(problem, sheet_id, account)
        return f"{head}\n{advice}\n{self.sheets_nothing_lost}"

    def sheets_daily_summary(self, failures: int, problem: str, broken: bool) -> str:
        head = self._n(
            "Google Таблица за сутки: не удалось записать {n} раз.",
            "Google Таблица за сутки: не удалось записать {n} раза.",
            failures,
        )
        if broken:
            now = self._(
                "Таблица всё ещё не обновляется: {cause} (что проверить — в сообщении об этом).",
                cause=self.sheets_cause(problem),
            )
            return f"{head}\n{now}\n{self.sheets_nothing_lost}"
        now = self._(
            "Последняя причина: {cause}. Это проходит само: пропущенное дописывается, "
            "как только Google снова отвечает.",
            cause=self.sheets_cause(problem),
        )
        return f"{head}\n{now}"

    # -- confirmations -------------------------------------------------------------------
    bank_title = Phrase("<b>Безналичные платежи, которые ждём</b>")
    bank_empty = Phrase("Безналичных платежей, которые ждут подтверждения, нет.")
    btn_all_received = Phrase("Вся сумма")

    def bank_group(self, kind: str) -> str:
        name = self._payment_kind(kind)
        return f"<b>{escape(name[:1].upper() + name[1:])}</b>"

    def bank_line(self, number: int, line: PaymentLine) -> str:
        text = self._(
            "{number}. {deal} — {slot}: {amount}, с {date}",
            number=number,
            deal=self._deal_name(line.deal, line.contract),
            slot=escape(line.slot),
            amount=money(line.amount),
            date=self.date(line.since),
        )
        if line.confirmed.to_minor_units():
            text += "\n   " + self._(
                "получено {confirmed}, ждём ещё {rest}",
                confirmed=money(line.confirmed),
                rest=money(line.remaining),
            )
        if line.not_received:
            text += "\n   " + self._("⚠ не поступило: {comment}", comment=escape(line.not_received))
        return text

    def btn_confirm_payment(self, number: int) -> str:
        return self._("✓ {number}: поступило", number=number)

    def btn_not_received(self, number: int) -> str:
        return self._("✖ {number}: не поступило", number=number)

    def bank_card(self, line: PaymentLine) -> str:
        head = self._(
            "<b>{deal}</b> — {slot}, {kind}: ждём {rest}",
            deal=self._deal_name(line.deal, line.contract),
            slot=escape(line.slot),
            kind=self._payment_kind(line.kind),
            rest=money(line.remaining),
        )
        return head + "\n" + self._("Когда деньги поступили?")

    bank_ask_date = Phrase(
        "Напишите дату поступления, например <code>21.11</code> или <code>21.11.2026</code>. "
        "/cancel — не подтверждать."
    )

    def bank_ask_amount(self, line: PaymentLine, day: date) -> str:
        return self._(
            "<b>{deal}</b> — {slot}, поступление {date}.\nСколько поступило? «Вся сумма» — "
            "{rest}; для частичной оплаты напишите меньшую сумму, остаток останется "
            "ожидаемым. /cancel — не подтверждать.",
            deal=self._deal_name(line.deal, line.contract),
            slot=escape(line.slot),
            date=self.date(day),
            rest=money(line.remaining),
        )

    def bank_ask_comment(self, line: PaymentLine) -> str:
        return self._(
            "<b>{deal}</b> — {slot}: {rest} не поступили.\nНапишите одним сообщением, что "
            "не так (что проверили, что сказал клиент): владелец получит комментарий. "
            "/cancel — не отмечать.",
            deal=self._deal_name(line.deal, line.contract),
            slot=escape(line.slot),
            rest=money(line.remaining),
        )

    def bank_confirmed(self, confirmation: Confirmation) -> str:
        line = confirmation.payment
        text = self._(
            "✅ Подтверждено {amount} — {deal}, {slot}, поступление {date}.",
            amount=money(confirmation.amount),
            deal=self._deal_name(line.deal, line.contract),
            slot=escape(line.slot),
            date=self.date(confirmation.received_on),
        )
        if line.remaining.to_minor_units():
            text += " " + self._("Ждём ещё {rest}.", rest=money(line.remaining))
        return text + "\n" + self._("/bank — что ещё ждём.")

    def bank_not_received_saved(self, line: PaymentLine) -> str:
        return self._(
            "Отмечено «не поступило» — {deal}, {slot}; владелец получил ваш комментарий. "
            "Платёж по-прежнему ждём.",
            deal=self._deal_name(line.deal, line.contract),
            slot=escape(line.slot),
        )

    btn_undo_confirmations = Phrase("↩ Отменить подтверждение…")
    btn_undo_yes = Phrase("Да, отменить")
    recent_empty = Phrase("Подтверждённых платежей пока нет.")
    recent_title = Phrase("<b>Последние подтверждения</b> — какое отменить?")

    def btn_undo_confirmation(self, number: int) -> str:
        return self._("↩ {number}", number=number)

    def recent_line(self, number: int, recent: RecentConfirmation, when: str) -> str:
        return self._(
            "{number}. {deal} — {slot}: {amount}, {name}, {when}",
            number=number,
            deal=self._deal_name(recent.payment.deal, recent.payment.contract),
            slot=escape(recent.payment.slot),
            amount=money(recent.amount),
            name=escape(recent.by_name),
            when=when,
        )

    def undo_payment_question(self, question: UndoQuestion, when: str) -> str:
        return self._(
            "Отменить подтверждение {amount} — {deal}, {slot} ({name}, {when})? Доход будет "
            "сторнирован, платёж снова станет ожидаемым, в amoCRM появится примечание.",
            amount=money(question.amount),
            deal=self._deal_name(question.payment.deal, question.payment.contract),
            slot=escape(question.payment.slot),
            name=escape(question.by_name),
            when=when,
        )

    def payment_undone(self, undone: Undone) -> str:
        return self._(
            "↩ Подтверждение {amount} отменено — {deal}, {slot}: платёж снова ждём.",
            amount=money(undone.amount),
            deal=self._deal_name(undone.payment.deal, undone.payment.contract),
            slot=escape(undone.payment.slot),
        )

    bank_comment_not_text = Phrase("Комментарий нужен текстом, одним сообщением.")
    btn_open_handover = Phrase("Открыть сдачу")

    def already_confirmed(self, by_name: str, when: str) -> str:
        return self._("Уже подтверждено: {name}, {when}.", name=escape(by_name), when=when)

    payment_changed = Phrase("Платёж изменился, пока вы на него смотрели. Откройте его заново.")

    def payment_refused(self, reason: str, remaining: Money | None) -> str:
        if reason == "more_than_owed" and remaining is not None:
            return self._(
                "Это больше, чем ждём: по платежу осталось {amount}.", amount=money(remaining)
            )
        words = {
            "not_positive": N_("Сумма должна быть больше нуля."),
            "not_owed": N_(
                "Этот платёж больше не ожидается: сделка не закрыта или платёж отменён."
            ),
            "future_date": N_("Дата поступления не может быть в будущем."),
            "currency": N_("Валюта не совпадает с валютой платежа."),
            "no_comment": N_("Напишите, что не так: без комментария не отметить."),
            "nothing_to_undo": N_("По этому платежу нечего отменять."),
        }
        return self._(words.get(reason, words["not_owed"]))

    def already_accepted(self, by_name: str, when: str) -> str:
        return self._("Эту сдачу уже принял(а) {name}, {when}.", name=escape(by_name), when=when)

    def handover_refused(self, reason: str, handed: Money | None) -> str:
        if reason == "more_than_handed" and handed is not None:
            return self._("Это больше, чем сдано: в этой сдаче {amount}.", amount=money(handed))
        if reason == "not_positive":
            return self._("Сумма должна быть больше нуля.")
        return self._("Сдавать нечего: все ваши наличные уже в кассе или в открытой сдаче.")

    def link_refused(self, reason: str) -> str:
        if reason == "expired":
            return self._("Срок действия ссылки истёк. Попросите новую.")
        if reason == "used":
            return self._("Эта ссылка уже использована.")
        if reason == "revoked":
            return self._("Эту ссылку владелец отозвал. Попросите новую.")
        return self._("Ссылка недействительна.")

    def _payment_kind(self, kind: str) -> str:
        words = self.payment_kinds.get(kind)
        return self._(words) if words else escape(kind)

    def payment_confirmed(self, facts: PaymentConfirmed) -> str:
        amount = money(Money.from_minor_units(facts.amount_minor, facts.currency))
        values = {
            "deal": self._deal_name(facts.deal, facts.contract),
            "slot": escape(facts.slot),
            "amount": amount,
            "kind": self._payment_kind(facts.payment_kind),
            "name": escape(facts.by_name),
        }
        if not facts.remaining_minor:
            return self._(
                "✅ Деньги по сделке «{deal}» получены: «{slot}», {amount} ({kind}). "
                "Подтвердил(а) {name}.",
                **values,
            )
        return self._(
            "✅ По сделке «{deal}» получено {amount} в счёт платежа «{slot}» ({kind}), "
            "подтвердил(а) {name}. Ещё ждём {remaining}.",
            remaining=money(Money.from_minor_units(facts.remaining_minor, facts.currency)),
            **values,
        )

    def payment_not_received(self, facts: PaymentNotReceived) -> str:
        return self._(
            "⚠️ Не поступило: сделка «{deal}», платёж «{slot}», {amount} ({kind}). "
            "Отметил(а) {name}: «{comment}».",
            deal=self._deal_name(facts.deal, facts.contract),
            slot=escape(facts.slot),
            amount=money(Money.from_minor_units(facts.amount_minor, facts.currency)),
            kind=self._payment_kind(facts.payment_kind),
            name=escape(facts.by_name),
            comment=escape(facts.comment),
        )

    def confirmation_undone(self, facts: ConfirmationUndone) -> str:
        return self._(
            "↩️ Подтверждение платежа «{slot}» на {amount} по сделке «{deal}» отменено "
            "({name}). Платёж снова ожидается.",
            slot=escape(facts.slot),
            amount=money(Money.from_minor_units(facts.amount_minor, facts.currency)),
            deal=self._deal_name(facts.deal, facts.contract),
            name=escape(facts.by_name),
        )

    def handover_started(self, facts: HandoverStarted) -> str:
        return self._n(
            "💵 {manager} сдаёт в кассу {total}: {n} платёж. Откройте сдачу кнопкой ниже.",
            "💵 {manager} сдаёт в кассу {total}: {n} платежа. Откройте сдачу кнопкой ниже.",
            facts.payments,
            manager=escape(facts.manager),
            total=money(Money.from_minor_units(facts.total_minor, facts.currency)),
        )

    def handover_short(self, facts: HandoverShort) -> str:
        short = facts.handed_minor - facts.received_minor
        return self._(
            "⚠️ Сдача наличных от {manager}: передано {handed}, получено {received} "
            "(принял(а) {name}). Разница {short} остаётся на менеджере.",
            manager=escape(facts.manager),
            handed=money(Money.from_minor_units(facts.handed_minor, facts.currency)),
            received=money(Money.from_minor_units(facts.received_minor, facts.currency)),
            name=escape(facts.by_name),
            short=money(Money.from_minor_units(short, facts.currency)),
        )

    # -- payment requests: refusals ----------------------------------------------------
    request_statuses = {
        "draft": N_("черновик"),
        "submitted": N_("на согласовании"),
        "returned": N_("на доработке"),
        "rejected": N_("отклонена"),
        "approved": N_("одобрена"),
        "partly_paid": N_("оплачена частично"),
        "paid": N_("оплачена"),
        "cancelled": N_("отозвана"),
    }
    request_fields = {
        "what_for": N_("на что"),
        "counterparty": N_("контрагент"),
        "amount": N_("сумма"),
        "pay_by": N_("оплатить до"),
        "bank_details": N_("банковские реквизиты"),
        "purpose": N_("назначение платежа"),
        "vat": N_("НДС"),
        "deal_or_category": N_("сделка или категория"),
    }
    detail_names = {
        "inn": N_("ИНН"),
        "kpp": N_("КПП"),
        "bik": N_("БИК"),
        "account": N_("расчётный счёт"),
        "corr_account": N_("корр. счёт"),
    }
    detail_problems = {
        "format": N_("не тот формат"),
        "checksum": N_("не сходится контрольное число"),
        "not_for_bik": N_("не подходит к этому БИК"),
        # As `ledger.requests.details` names them (`ledger.bank_details.DetailProblem`).
        "wrong_length": N_("не то число цифр"),
        "not_digits": N_("нужны только цифры"),
        "not_russian": N_("БИК российского банка начинается с 04"),
        "not_correspondent": N_("корр. счёт начинается с 301"),
        "key_mismatch": N_("не подходит к этому БИК"),
        "other_bank": N_("корр. счёт другого банка"),
    }

    def request_status(self, status: str) -> str:
        words = self.request_statuses.get(status)
        return self._(words) if words else escape(status)

    def request_moved(self, status: str, by_name: str, when: str) -> str:
        return self._(
            "Заявку уже изменили: теперь она «{status}» ({name}, {when}). Откройте её заново.",
            status=self.request_status(status),
            name=escape(by_name),
            when=when,
        )

    def details_refused(self, problems: list[tuple[str, str]]) -> str:
        """Every detail that failed its check, each with what is wrong with it."""
        lines = [
            self._(
                "{field}: {problem}",
                field=self._(self.detail_names.get(f, f)),
                problem=self._(self.detail_problems.get(reason, self.detail_problems["format"])),
            )
            for f, reason in problems
        ]
        return self._("Проверьте реквизиты — ничего не сохранено:") + "\n" + "\n".join(lines)

    def request_refused(
        self,
        reason: str,
        *,
        status: str | None = None,
        missing: tuple[str, ...] = (),
        amount: Money | None = None,
        limit: int | None = None,
    ) -> str:
        if reason == "incomplete":
            fields = ", ".join(self._(self.request_fields.get(f, f)) for f in missing)
            return self._("Чтобы отправить заявку, заполните: {fields}.", fields=fields)
        if reason == "more_than_left" and amount is not None:
            return self._("Это больше, чем осталось оплатить: {amount}.", amount=money(amount))
        if reason == "too_large" and amount is not None:
            return self._("Сумма больше допустимой ({amount}).", amount=money(amount))
        if reason == "too_long" and limit is not None:
            return self._n(
                "Слишком длинно: не больше {n} символа.",
                "Слишком длинно: не больше {n} символов.",
                limit,
            )
        if reason in ("not_editable", "not_submitted", "not_approved", "not_cancellable"):
            values = {"status": self.request_status(status or "")}
            words = {
                "not_editable": N_(
                    "Заявку в статусе «{status}» не изменить. После одобрения её можно только "
                    "вернуть на доработку."
                ),
                "not_submitted": N_("Заявка ещё не отправлена на согласование («{status}»)."),
                "not_approved": N_("Заявка не одобрена («{status}»): оплатить её нельзя."),
                "not_cancellable": N_("Заявку в статусе «{status}» уже не отозвать."),
            }
            return self._(words[reason], **values)
        words = {
            "past_date": N_("Дата оплаты уже прошла: укажите сегодняшнюю или будущую."),
            "not_positive": N_("Сумма должна быть больше нуля."),
            "empty": N_("Пустой ответ: напишите хоть что-нибудь."),
            "vat": N_("Укажите сумму НДС: она должна быть меньше суммы заявки."),
            "currency": N_("Валюта не совпадает с валютой заявки."),
            "category": N_("Такой категории расходов нет."),
            "deal": N_("Такой сделки нет."),
            "file": N_("Этот файл не подойдёт: нужен PDF или фото до 20 МБ."),
            "self_approval": N_("Свою заявку одобрить нельзя: её одобряет другой человек."),
            "no_reason": N_("Напишите причину: без неё не отклонить и не вернуть."),
            "rejected": N_("Заявка отклонена: оплатить её нельзя."),
            "rubles": N_("Укажите, сколько рублей ушло на оплату."),
            "future_date": N_("Дата оплаты не может быть в будущем."),
        }
        return self._(words.get(reason, words["empty"]))

    # -- bank statements: refusals ------------------------------------------------------
    statement_line_states = {
        "unmatched": N_("не сопоставлена"),
        "proposed": N_("ждёт проверки"),
        "accepted": N_("принята"),
        "assigned": N_("разнесена вручную"),
        "ignored": N_("пропущена"),
        "asked": N_("под вопросом"),
    }

    def statement_line_moved(self, state: str, by_name: str, when: str) -> str:
        words = self.statement_line_states.get(state)
        return self._(
            "Эту строку выписки уже обработали: теперь она «{state}» ({name}, {when}). "
            "Откройте её заново.",
            state=self._(words) if words else escape(state),
            name=escape(by_name),
            when=when,
        )

    def statement_line_refused(self, reason: str) -> str:
        words = {
            "direction": N_(
                "Поступление нельзя отнести к заявке, а списание — к платежу по сделке."
            ),
            "category": N_("Эта категория не подойдёт: она в архиве или не того вида."),
            "no_proposal": N_("Для этой строки нечего принимать: разнесите её вручную."),
            "future_date": N_("Дата проводки ещё не наступила: строку пока не разнести."),
        }
        return self._(words.get(reason, words["no_proposal"]))

    def orders_refused(self, reason: str) -> str:
        if reason == "no_company":
            return self._(
                "Платёжки не сформировать: не заполнены реквизиты компании ([company] в "
                "настройках)."
            )
        return self._("Нечего отправлять в банк: нет одобренных заявок с реквизитами в рублях.")

    # -- payment requests: notices -----------------------------------------------------
    btn_open_request = Phrase("Открыть заявку")

    def _request_name(self, request_id: int, what_for: str) -> str:
        return self._("№{id} «{what_for}»", id=request_id, what_for=escape(what_for))

    def _totals(self, totals: tuple[tuple[int, str], ...]) -> str:
        return ", ".join(money(Money.from_minor_units(minor, code)) for minor, code in totals)

    def request_submitted(self, facts: RequestSubmitted) -> str:
        values = {
            "request": self._request_name(facts.request_id, facts.what_for),
            "counterparty": escape(facts.counterparty),
            "amount": money(Money.from_minor_units(facts.amount_minor, facts.currency)),
            "pay_by": format_date(date.fromisoformat(facts.pay_by)),
            "requester": escape(facts.requester),
        }
        if facts.steps > 1:
            text = self._(
                "📝 Заявка {request} ждёт вашего согласования (шаг {step} из {steps}): "
                "{counterparty}, {amount}, оплатить до {pay_by}. Заявитель: {requester}.",
                step=facts.step,
                steps=facts.steps,
                **values,
            )
        else:
            text = self._(
                "📝 Заявка {request} ждёт вашего согласования: {counterparty}, {amount}, "
                "оплатить до {pay_by}. Заявитель: {requester}.",
                **values,
            )
        if facts.reworked:
            text += " " + self._("Её вернули на доработку — заявитель исправил и отправил снова.")
        return text

    def request_status_changed(self, facts: RequestStatusChanged) -> str:
        values = {
            "request": self._request_name(facts.request_id, facts.what_for),
            "name": escape(facts.by_name) if facts.by_name else self._("автоматически"),
            "note": escape(facts.note or ""),
            "amount": money(Money.from_minor_units(facts.amount_minor, facts.currency)),
            "paid": money(Money.from_minor_units(facts.paid_minor, facts.currency)),
        }
        match facts.status:
            case "approved":
                return self._("✅ Заявка {request} одобрена ({name}).", **values)
            case "rejected":
                return self._("❌ Заявка {request} отклонена ({name}): «{note}».", **values)
            case "returned":
                return self._(
                    "↩️ Заявка {request} возвращена на доработку ({name}): «{note}». "
                    "Исправьте её и отправьте снова.",
                    **values,
                )
            case "partly_paid":
                return self._(
                    "💸 По заявке {request} оплачено {paid} из {amount} ({name}).", **values
                )
            case "paid":
                return self._("💸 Заявка {request} оплачена: {paid} ({name}).", **values)
            case "cancelled":
                return self._("🚫 Заявка {request} отозвана ({name}).", **values)
        return self._("Заявка {request} изменилась ({name}).", **values)

    def request_to_pay(self, facts: RequestToPay) -> str:
        values = {
            "request": self._request_name(facts.request_id, facts.what_for),
            "counterparty": escape(facts.counterparty),
            "amount": money(Money.from_minor_units(facts.amount_minor, facts.currency)),
            "pay_by": format_date(date.fromisoformat(facts.pay_by)),
        }
        if facts.by_name is None:
            return self._(
                "💳 К оплате: заявка {request}, {counterparty}, {amount}, до {pay_by}. "
                "Одобрена автоматически.",
                **values,
            )
        return self._(
            "💳 К оплате: заявка {request}, {counterparty}, {amount}, до {pay_by}. "
            "Одобрил(а) {name}.",
            name=escape(facts.by_name),
            **values,
        )

    def requests_overdue(self, facts: RequestsOverdue) -> str:
        lines = [
            self._(
                "⏰ Заявки, срок оплаты которых прошёл (самая давняя — с {oldest}):",
                oldest=format_date(date.fromisoformat(facts.oldest)),
            )
        ]
        if facts.count:
            lines.append(
                self._n(
                    "• {n} одобренная заявка не оплачена, осталось {totals}",
                    "• {n} одобренные заявки не оплачены, осталось {totals}",
                    facts.count,
                    totals=self._totals(facts.totals),
                )
            )
        if facts.waiting:
            lines.append(
                self._n(
                    "• {n} заявка ещё ждёт согласования",
                    "• {n} заявки ещё ждут согласования",
                    facts.waiting,
                )
            )
        return "\n".join(lines)

    def requests_digest(self, facts: RequestsDigest) -> str:
        lines = [self._("☀️ Заявки на сегодня:")]
        if facts.due_today:
            lines.append(
                self._n(
                    "• к оплате сегодня {n} заявка на {totals}",
                    "• к оплате сегодня {n} заявки на {totals}",
                    facts.due_today,
                    totals=self._totals(facts.due_today_totals),
                )
            )
        if facts.overdue:
            lines.append(
                self._n(
                    "• просрочена {n} заявка на {totals}",
                    "• просрочены {n} заявки на {totals}",
                    facts.overdue,
                    totals=self._totals(facts.overdue_totals),
                )
            )
        if facts.approved:
            lines.append(
                self._n(
                    "• за сутки одобрена {n} заявка",
                    "• за сутки одобрены {n} заявки",
                    facts.approved,
                )
            )
        lines.append(self._("Реестр: /registry"))
        return "\n".join(lines)

    # -- payment requests: the requester's form ---------------------------------------
    form_parts = {
        "what_for": N_("На что"),
        "counterparty": N_("Получатель"),
        "amount": N_("Сумма"),
        "pay_by": N_("Оплатить до"),
        "bank_details": N_("Реквизиты"),
        "purpose": N_("Назначение платежа"),
        "vat": N_("НДС"),
        "invoice": N_("Счёт"),
        "deal_or_category": N_("Сделка или категория"),
        "place": N_("Салон, город"),
    }
    form_details = {
        "inn": N_("ИНН"),
        "kpp": N_("КПП"),
        "bik": N_("БИК"),
        "account": N_("р/с"),
        "corr_account": N_("к/с"),
    }
    form_statuses = {
        "draft": N_("черновик"),
        "submitted": N_("на согласовании"),
        "returned": N_("на доработке"),
        "rejected": N_("отклонена"),
        "approved": N_("одобрена, ждёт оплаты"),
        "partly_paid": N_("оплачена частично"),
        "paid": N_("оплачена"),
        "cancelled": N_("отозвана"),
    }
    form_origins = {
        "text": N_("счёт"),
        "qr": N_("QR"),
        "made": N_("по номеру и дате счёта"),
        "known": N_("справочник"),
        "previous": N_("как в прошлый раз"),
    }
    form_questions = {
        "what_for": N_("На что нужны деньги? Коротко, например: <code>Баннеры для салона</code>."),
        "inn": N_("ИНН получателя: 10 цифр у организации, 12 у ИП."),
        "name": N_("Название получателя, как в счёте: <code>ООО «Ромашка»</code>."),
        "kpp": N_("КПП получателя, 9 знаков. У ИП КПП нет — «Нет КПП»."),
        "amount": N_("Сумма к оплате: в рублях или с валютой, например <code>1500 USD</code>."),
        "pay_by": N_("Оплатить до какого числа? Выберите или напишите: <code>25.11</code>."),
        "bik": N_("БИК банка получателя, 9 цифр."),
        "account": N_("Расчётный счёт получателя, 20 цифр."),
        "corr_account": N_("Корреспондентский счёт банка: 20 цифр, начинается с 301."),
        "bank_name": N_("Название банка получателя."),
        "purpose": N_(
            "Назначение платежа, как в платёжке (до 210 знаков): "
            "<code>Оплата по счёту № 17 от 20.11.2026</code>."
        ),
        "vat": N_("НДС в составе платежа: выберите или напишите сумму НДС."),
        "invoice": N_("Пришлите счёт файлом — PDF или фото."),
        "deal_or_category": N_("К чему относится расход: к сделке или к категории компании?"),
        "category": N_("Выберите категорию расхода."),
        "contract": N_("Номер договора сделки?"),
        "deal": N_("Выберите сделку."),
        "place": N_("Салон и город через запятую: <code>Центральный, Казань</code>."),
    }
    btn_form_skip = Phrase("⏭ Пропустить")
    btn_form_submit = Phrase("📤 Отправить на согласование")
    btn_form_close = Phrase("Заполню позже")
    btn_form_no_kpp = Phrase("Нет КПП")
    btn_form_known = Phrase("✅ Взять из справочника")
    btn_form_without_vat = Phrase("Без НДС")
    btn_form_categories = Phrase("📂 Категория")
    btn_form_contract = Phrase("📄 Сделка по номеру договора")
    btn_form_my_deals = Phrase("👤 Мои сделки")
    btn_form_all_right = Phrase("✅ Всё верно")
    btn_form_continue = Phrase("Продолжить черновик")
    btn_form_new = Phrase("Новая заявка")
    form_required_mark = Phrase("<i>* — обязательно</i>")
    form_close_toast = Phrase("Черновик сохранён. Вернуться к нему — /request.")
    form_closed = Phrase(
        "Черновик сохранён — он никуда не денется. Вернуться к нему: /request, "
        "все заявки: /requests."
    )
    form_not_text = Phrase("Здесь нужен ответ текстом — или нажмите «⏭ Пропустить» на карточке.")
    form_need_file = Phrase(
        "Жду файл счёта — PDF или фото. Или нажмите «⏭ Пропустить» на карточке."
    )
    form_nothing_asked = Phrase("Выберите на карточке, что заполнить.")
    form_complete = Phrase("✅ Всё заполнено — можно отправлять на согласование.")
    form_not_a_filer = Phrase(
        "Заявки на оплату подают заявители, менеджеры и владелец. Попросите владельца "
        "пригласить вас с ролью «заявитель»."
    )

    def btn_form_edit(self, part: str) -> str:
        return "✏️ " + self._(self.form_parts[part])

    def btn_form_date(self, day: date, today: date) -> str:
        if day == today:
            return self._("Сегодня")
        if (day - today).days == 1:
            return self._("Завтра")
        return self.date(day)

    def btn_form_vat_rate(self, rate: int, vat: Money) -> str:
        return self._("НДС {rate}%: {amount}", rate=rate, amount=money(vat))

    def btn_form_pick(self, shown: str, origins: str) -> str:
        return f"{shown} ({origins})"

    def btn_form_deal(self, deal: str, contract: str | None) -> str:
        return f"{deal} · {contract}" if contract else deal

    def form_origins_of(self, origins: tuple[str, ...]) -> str:
        words = [self._(self.form_origins[origin]) for origin in origins]
        conjunction = self._("и")
        return f" {conjunction} ".join(words)

    def form_status(self, status: str) -> str:
        words = self.form_statuses.get(status)
        return self._(words) if words else escape(status)

    def form_part(self, part: str) -> str:
        return self._(self.form_parts[part])

    def form_question(self, asked: str) -> str:
        return "❓ " + self._(self.form_questions[asked])

    def form_counterparty(
        self, name: str | None, inn: str | None, kpp: str | None, *, waiting: bool = False
    ) -> str:
        parts = [escape(name)] if name else []
        if inn:
            parts.append(self._("ИНН {inn}", inn=escape(inn)))
        if kpp:
            parts.append(self._("КПП {kpp}", kpp=escape(kpp)))
        text = ", ".join(parts)
        if waiting:
            text += " " + self._("(ждёт названия)")
        return text

    def form_bank(
        self,
        bik: str | None,
        account: str | None,
        corr: str | None,
        bank: str | None,
        *,
        waiting: bool = False,
    ) -> str:
        parts = []
        if bik:
            parts.append(self._("БИК {bik}", bik=escape(bik)))
        if account:
            parts.append(self._("р/с {account}", account=escape(account)))
        if corr:
            parts.append(self._("к/с {corr}", corr=escape(corr)))
        if bank:
            parts.append(escape(bank))
        text = ", ".join(parts)
        if waiting:
            text += " " + self._("(ждёт р/с)")
        return text

    def form_vat(self, with_vat: bool | None, vat: Money | None) -> str:
        if with_vat is None:
            return "—"
        if not with_vat:
            return self._("без НДС")
        return self._("в т.ч. НДС {amount}", amount=money(vat)) if vat else self._("с НДС")

    def form_deal(self, deal: str, contract: str | None) -> str:
        return self._("сделка «{deal}»", deal=self._deal_name(deal, contract))

    def form_line(self, part: str, value: str | None, *, required: bool) -> str:
        mark = "*" if required else ""
        return f"{self._(self.form_parts[part])}{mark}: {value or '—'}"

    def form_title(self, request_id: int, status: str) -> str:
        return self._(
            "<b>📝 Заявка №{id}</b> — {status}", id=request_id, status=self.form_status(status)
        )

    def form_read_from_command(self, amount: Money | None, what_for: str | None) -> str:
        if amount is not None and what_for:
            return self._(
                "Из команды прочитал: сумма {amount}, на что — «{what_for}». Проверьте.",
                amount=money(amount),
                what_for=escape(what_for),
            )
        if amount is not None:
            return self._("Из команды прочитал сумму {amount}. Проверьте.", amount=money(amount))
        return self._(
            "Из команды прочитал, на что — «{what_for}». Суммы в ней не нашёл.",
            what_for=escape(what_for or ""),
        )

    def form_returned(self, by_name: str | None, comment: str) -> str:
        return self._(
            "↩️ Вернули на доработку ({name}): «{comment}». Исправьте и отправьте снова.",
            name=escape(by_name or "—"),
            comment=escape(comment),
        )

    def form_left(self, parts: list[str]) -> str:
        return self._("Осталось заполнить: {parts}.", parts=", ".join(parts))

    def form_found_known(self, name: str, kpp: str | None, bank: str) -> str:
        text = self._("📒 Нашёл в справочнике: {name}", name=escape(name))
        if kpp:
            text += ", " + self._("КПП {kpp}", kpp=escape(kpp))
        if bank:
            text += "; " + bank
        return text + "."

    def form_filled_from_known(self) -> str:
        return self._("Получатель и его реквизиты взяты из справочника.")

    def form_blocker(self, kind: str, field: str, reason: str | None) -> str:
        if kind == "missing":
            return self._("не заполнено: {part}", part=self.form_part(field))
        if kind == "past_date":
            return self._("дата оплаты уже прошла — выберите новую")
        if kind == "vat":
            return self._("НДС должен быть меньше суммы")
        return self.detail_problem(field, reason or "")

    def form_not_sent(self, reasons: list[str]) -> str:
        lines = [self._("Заявка не отправлена:")]
        lines += [f"• {reason}" for reason in reasons]
        return "\n".join(lines)

    def form_not_sent_toast(self, count: int) -> str:
        return self._("Не отправлено: что не так — на карточке ({count}).", count=count)

    def form_submitted(self, request_id: int, status: str) -> str:
        if status == "approved":
            return self._(
                "✅ Заявка №{id} одобрена автоматически и передана бухгалтеру. "
                "Мои заявки: /requests.",
                id=request_id,
            )
        return self._(
            "📤 Заявка №{id} отправлена на согласование. Скажу, когда её рассмотрят. "
            "Мои заявки: /requests.",
            id=request_id,
        )

    def form_draft_open(self, request_id: int, what_for: str | None) -> str:
        return self._(
            "У вас есть незаконченный черновик №{id} ({what_for}). Продолжить его или "
            "начать новую заявку?",
            id=request_id,
            what_for=escape(what_for) if what_for else "—",
        )

    def detail_name(self, field: str) -> str:
        words = self.form_details.get(field)
        return self._(words) if words else escape(field)

    def detail_problem(self, field: str, reason: str) -> str:
        """Which detail is wrong and why, in words a person can act on."""
        name = self.detail_name(field)
        match field, reason:
            case "inn", "wrong_length":
                return self._("ИНН — 10 цифр у организации или 12 у ИП.")
            case "inn", "checksum":
                return self._("ИНН не проходит проверку контрольных цифр — похоже на опечатку.")
            case "kpp", "wrong_length":
                return self._("КПП — 9 знаков.")
            case "kpp", "format":
                return self._(
                    "КПП не по формату: 4 цифры, затем 2 цифры или латинские буквы, затем 3 цифры."
                )
            case "bik", "wrong_length":
                return self._("БИК — 9 цифр.")
            case "bik", "not_russian":
                return self._("БИК российского банка начинается с 04.")
            case "account" | "corr_account", "wrong_length":
                return self._("{name} — 20 цифр.", name=name)
            case "account", "key_mismatch":
                return self._(
                    "Р/с не подходит к этому БИК: контрольная цифра не сходится. Счёт может "
                    "быть другого банка — проверьте и счёт, и БИК."
                )
            case "corr_account", "not_correspondent":
                return self._("К/с начинается с 301.")
            case "corr_account", "other_bank":
                return self._(
                    "К/с другого банка: он должен оканчиваться на те же 3 цифры, что и БИК."
                )
            case "corr_account", "key_mismatch":
                return self._("К/с не подходит к этому БИК: контрольная цифра не сходится.")
            case _, "not_digits" | "empty":
                return self._("{name}: нужны только цифры.", name=name)
        return self._("{name} не проходит проверку.", name=name)

    def form_detail_refused(self, problems: list[str]) -> str:
        return "⚠️ " + " ".join(problems) + " " + self._("Ничего не изменено.")

    def form_refused(self, reason: str, limit: object | None = None) -> str:
        """A value the form does not take (`RequestRefused`'s reasons for an edit)."""
        words = {
            "not_positive": N_("Сумма должна быть больше нуля."),
            "past_date": N_("Эта дата уже прошла — выберите сегодняшнюю или позже."),
            "empty": N_("Пустой ответ не подходит."),
            "vat": N_("НДС должен быть больше нуля и меньше суммы платежа."),
            "category": N_("Такой категории расходов нет."),
            "deal": N_("Такой сделки нет."),
            "file": N_("Такой файл не подойдёт как счёт: нужен PDF или фото до 20 МБ."),
            "not_editable": N_(
                "Заявка уже не черновик — изменить её нельзя. Если нужно исправить, попросите "
                "вернуть её на доработку."
            ),
            "currency": N_("Валюта не та, что у заявки."),
        }
        if reason == "too_long" and isinstance(limit, int):
            return self.text_too_long(limit) + " " + self._("Ничего не изменено.")
        if reason == "too_large" and isinstance(limit, Money):
            return self._(
                "Слишком большая сумма (больше {limit}). Проверьте, не лишний ли ноль.",
                limit=money(limit),
            )
        text = self._(words[reason]) if reason in words else self._("Не подходит.")
        return text + " " + self._("Ничего не изменено.")

    def form_date_error(self, error: DateError) -> str:
        if error.problem is DateProblem.NO_SUCH_DAY:
            text = self._("Такого дня нет в календаре. Пример: <code>25.11</code>.")
        else:
            text = self._(
                "Не понял дату. Напишите <code>25.11</code>, <code>25.11.2026</code> или "
                "<code>завтра</code>."
            )
        return text + " " + self._("Ничего не изменено.")

    def form_amount_error(self, error: AmountError) -> str:
        if error.problem in (AmountProblem.NOT_A_NUMBER, AmountProblem.EMPTY):
            return self._(
                "Это не сумма. Напишите цифрами: <code>15000</code>, <code>15 000,50</code> "
                "или <code>1500 USD</code>. Ничего не изменено."
            )
        if error.problem is AmountProblem.NEGATIVE:
            return self._("Сумма пишется без минуса. Ничего не изменено.")
        return self.amount_error(error) + " " + self._("Ничего не изменено.")

    def form_no_deal(self, contract: str) -> str:
        return self._(
            "Сделку с договором «{contract}» не нашёл. Проверьте номер или выберите категорию.",
            contract=escape(contract),
        )

    # -- the invoice: what was read ---------------------------------------------------
    invoice_reading_failed = Phrase(
        "Не получилось прочитать счёт — заполним вручную. Файл приложен к заявке."
    )
    invoice_nothing_read = Phrase(
        "В счёте не нашёл ни текста, ни QR-кода — заполним вручную. Файл приложен к заявке."
    )
    invoice_check = Phrase("Всё верно? Если что-то не так — исправьте одно поле, остальное возьму.")
    invoice_downloading_failed = Phrase(
        "Не удалось скачать файл из Telegram. Пришлите его ещё раз."
    )

    def invoice_refused(self, problem: str, limit: int | None = None) -> str:
        match problem:
            case "too_big":
                return self._(
                    "Файл больше 20 МБ — такой счёт не приложить. Пришлите PDF поменьше или "
                    "фото. Ничего не изменено."
                )
            case "not_a_pdf":
                return self._(
                    "Файл назван PDF, но это не PDF. Пришлите настоящий PDF счёта или фото. "
                    "Ничего не изменено."
                )
            case "corrupt":
                return self._(
                    "Файл повреждён и не открывается. Пришлите его заново. Ничего не изменено."
                )
            case "empty":
                return self._("Файл пустой. Ничего не изменено.")
        return self._(
            "Такой файл не подойдёт как счёт: нужен PDF или фото (JPEG, PNG). Ничего не изменено."
        )

    def invoice_title(self, request_id: int, number: str | None, dated: date | None) -> str:
        if number and dated:
            return self._(
                "<b>📎 Счёт № {number} от {date} прочитан</b> — заявка №{id}",
                number=escape(number),
                date=self.date(dated),
                id=request_id,
            )
        return self._("<b>📎 Счёт прочитан</b> — заявка №{id}", id=request_id)

    def invoice_value(self, label: str, shown: str, origins: str) -> str:
        return f"{label}: {shown} <i>({origins})</i>"

    def invoice_conflict(self, label: str, choices: list[str]) -> str:
        conjunction = self._("или")
        return self._(
            "⚠️ {label}: в счёте и в QR разное — {choices}. Какое верно?",
            label=label,
            choices=f" {conjunction} ".join(choices),
        )

    def invoice_invalid(self, label: str, shown: str, origins: str, problem: str) -> str:
        return self._(
            "⚠️ Не взято — {label} {value} ({origins}): {problem}",
            label=label,
            value=escape(shown),
            origins=origins,
            problem=problem,
        )

    def invoice_value_label(self, name: str) -> str:
        labels = {
            "name": N_("Получатель"),
            "inn": N_("ИНН"),
            "kpp": N_("КПП"),
            "bank_name": N_("Банк"),
            "bik": N_("БИК"),
            "account": N_("р/с"),
            "corr_account": N_("к/с"),
            "amount": N_("Сумма"),
            "vat": N_("НДС"),
            "purpose": N_("Назначение платежа"),
            "what_for": N_("На что"),
            "category": N_("Категория"),
            "place": N_("Салон, город"),
        }
        return self._(labels[name])

    def invoice_vat(self, exempt: bool, rate: str | None, amount: Money | None) -> str:
        if exempt:
            return self._("без НДС")
        if amount is not None and rate:
            return self._("в т.ч. {amount} ({rate}%)", amount=money(amount), rate=rate)
        if amount is not None:
            return self._("в т.ч. {amount}", amount=money(amount))
        return self._("{rate}%", rate=rate or "?")

    # -- the requester's /requests ----------------------------------------------------
    mine_title = Phrase("<b>Мои заявки</b>")
    mine_empty = Phrase("Заявок пока нет. Новая заявка — /request.")
    btn_mine_comments = Phrase("💬 Комментарии")
    btn_mine_history = Phrase("🕓 История")
    btn_mine_edit = Phrase("✏️ Исправить и отправить снова")
    btn_mine_fill = Phrase("✏️ Заполнить")
    btn_mine_cancel = Phrase("🚫 Отозвать заявку")
    btn_mine_cancel_yes = Phrase("Да, отозвать")
    btn_mine_back = Phrase("← К заявке")
    btn_mine_list = Phrase("← Мои заявки")
    mine_ask_comment = Phrase(
        "Напишите комментарий к заявке одним сообщением — его увидят все, кто видит заявку. "
        "/cancel — не писать."
    )
    mine_comments_empty = Phrase("Комментариев пока нет.")
    mine_cancel_question = Phrase(
        "Отозвать заявку? Её не будут согласовывать и оплачивать; вернуть нельзя — только "
        "подать новую."
    )

    def btn_mine_open(self, request_id: int) -> str:
        return self._("№{id}", id=request_id)

    def mine_line(
        self,
        request_id: int,
        status: str,
        what_for: str | None,
        amount: Money | None,
        pay_by: date | None,
    ) -> str:
        text = self._(
            "<b>№{id}</b> {what_for} — {status}",
            id=request_id,
            what_for=escape(what_for) if what_for else "—",
            status=self.form_status(status),
        )
        details = []
        if amount is not None:
            details.append(money(amount))
        if pay_by is not None:
            details.append(self._("до {date}", date=self.date(pay_by)))
        return text + ("\n   " + ", ".join(details) if details else "")

    def mine_card_title(self, request_id: int, status: str) -> str:
        return self._(
            "<b>Заявка №{id}</b> — {status}", id=request_id, status=self.form_status(status)
        )

    def mine_step(self, step: int, steps: int) -> str:
        return self._("Ждёт согласования: шаг {step} из {steps}.", step=step, steps=steps)

    def mine_approval(
        self, decision: str, by_name: str | None, when: str, reason: str | None
    ) -> str:
        name = escape(by_name) if by_name else self._("автоматически")
        words = {
            "approved": N_("✅ одобрил(а) {name}, {when}"),
            "auto": N_("✅ одобрена автоматически, {when}"),
            "rejected": N_("❌ отклонил(а) {name}, {when}"),
            "returned": N_("↩️ вернул(а) на доработку {name}, {when}"),
        }
        text = self._(words.get(decision, words["approved"]), name=name, when=when)
        return text + (f": «{escape(reason)}»" if reason else "")

    def mine_paid(self, paid: Money, amount: Money) -> str:
        return self._("Оплачено {paid} из {amount}.", paid=money(paid), amount=money(amount))

    def mine_comments_count(self, count: int) -> str:
        return self._("Комментариев: {count}.", count=count)

    def mine_comments_title(self, request_id: int) -> str:
        return self._("<b>Комментарии к заявке №{id}</b>", id=request_id)

    def mine_comment(self, by_name: str, when: str, text: str) -> str:
        return f"<b>{escape(by_name)}</b>, {when}:\n{escape(text)}"

    def mine_comment_added(self, request_id: int) -> str:
        return self._("💬 Комментарий к заявке №{id} добавлен.", id=request_id)

    def mine_history_title(self, request_id: int) -> str:
        return self._("<b>История заявки №{id}</b>", id=request_id)

    def mine_history_line(
        self,
        when: str,
        by_name: str | None,
        action: str,
        field: str | None,
        old: str | None,
        new: str | None,
        note: str | None,
    ) -> str:
        who = escape(by_name) if by_name else self._("автоматически")
        if action == "created":
            what = self._("создана")
        elif action == "edited":
            what = self._(
                "изменено «{field}»: {old} → {new}",
                field=escape(self._history_field(field)),
                old=escape(old) if old else "—",
                new=escape(new) if new else "—",
            )
        elif action == "step_approved":
            what = self._("одобрен шаг согласования")
        elif action == "payment":
            what = self._(
                "оплата {amount} от {day}", amount=self._history_paid(new), day=self._day(note)
            )
        elif action == "sent" and new and new.isdigit() and _iso_day(note) is not None:
            what = self.sent_to_bank(int(new), _iso_day(note) or date.min)
        else:
            what = self.form_status(action)
        text = f"{when} — {who}: {what}"
        shown = action not in ("edited", "payment", "sent")
        return text + (f" («{escape(note)}»)" if note and shown else "")

    def _day(self, iso: str | None) -> str:
        """A day a history line keeps (ISO), as the bot writes dates; as kept otherwise."""
        day = _iso_day(iso)
        return format_date(day) if day is not None else escape(iso or "—")

    @staticmethod
    def _history_paid(kept: str | None) -> str:
        """A payment as the history keeps it ("5000.00 RUB", "100.00 USD (9150.50 RUB)"),
        in the bot's money format."""
        found = _KEPT_PAYMENT.fullmatch(kept or "")
        if found is None:
            return escape(kept or "—")
        amount, currency, rubles = found.groups()
        shown = money(Money(Decimal(amount), currency))
        return shown + (f" ({money(Money(Decimal(rubles)))})" if rubles else "")

    def _history_field(self, field: str | None) -> str:
        if field is None:
            return "—"
        if field in self.form_details:
            return self._(self.form_details[field])
        words = {
            "what_for": N_("на что"),
            "counterparty_name": N_("получатель"),
            "amount": N_("сумма"),
            "pay_by": N_("оплатить до"),
            "bank_name": N_("банк"),
            "purpose": N_("назначение"),
            "vat_mode": N_("НДС"),
            "vat": N_("сумма НДС"),
            "invoice": N_("счёт"),
            "deal": N_("сделка"),
            "category": N_("категория"),
            "salon": N_("салон"),
            "city": N_("город"),
        }
        return self._(words[field]) if field in words else field

    def mine_cancelled(self, request_id: int) -> str:
        return self._("🚫 Заявка №{id} отозвана.", id=request_id)

    # -- the owner's filing links -----------------------------------------------------
    filing_links_title = Phrase(
        "<b>Ссылки для подачи заявок</b>\nПо ссылке сотрудник с ролью «заявитель» (или "
        "менеджер) начинает заявку; категория, салон и город подставятся сами."
    )
    filing_links_empty = Phrase("Действующих ссылок нет.")
    btn_filing_link_new = Phrase("➕ Новая ссылка")
    btn_filing_link_no_category = Phrase("Без категории")
    btn_filing_link_revoke_yes = Phrase("Да, отозвать ссылку")
    filing_link_ask_label = Phrase(
        "Для кого ссылка? Напишите название, например <code>Маркетинг</code>. "
        "/cancel — не создавать."
    )
    filing_link_ask_category = Phrase("Категория расходов для заявок по этой ссылке:")
    filing_link_ask_place = Phrase(
        "Салон и город для заявок по ссылке, через запятую: <code>Центральный, Казань</code>. "
        "Или «-», если не нужно."
    )
    filing_link_revoke_question = Phrase(
        "Отозвать ссылку? Она перестанет работать; начатые по ней заявки останутся."
    )
    filing_link_revoked = Phrase("Ссылка отозвана.")

    def btn_filing_link_revoke(self, number: int) -> str:
        return self._("🗑 Отозвать {number}", number=number)

    def filing_link_line(
        self,
        number: int,
        label: str,
        url: str,
        category: str | None,
        place: str | None,
        expires: date,
    ) -> str:
        text = f"{number}. <b>{escape(label)}</b>"
        extra = [escape(value) for value in (category, place) if value]
        if extra:
            text += " — " + ", ".join(extra)
        text += "\n" + escape(url)
        return text + "\n" + self._("действует до {date}", date=self.date(expires))

    def filing_link_created(self, label: str, url: str, expires: date) -> str:
        return self._(
            "🔗 Ссылка «{label}» для подачи заявок готова — отправьте её сотрудникам:\n{url}\n"
            "Действует до {date}. Все ссылки: /reqlinks.",
            label=escape(label),
            url=escape(url),
            date=self.date(expires),
        )

    # -- cash: the manager's /cash, the desk's /pending, hand-overs, /kassa ---------------
    def _days(self, days: int) -> str:
        if days <= 0:
            return self._("сегодня")
        return self._n("{n} день", "{n} дня", days)

    def cash_title(self, cash: ManagerCash) -> str:
        return self._n(
            "<b>Наличные у вас: {total}</b> ({n} платёж), сначала самые давние:",
            "<b>Наличные у вас: {total}</b> ({n} платежа), сначала самые давние:",
            len(cash.payments),
            total=money(cash.total),
        )

    cash_empty = Phrase("У вас нет наличных, которые нужно сдать в кассу.")

    def held_line(self, held: HeldCash) -> str:
        line = self._(
            "{amount} — «{deal}», «{slot}», на руках {days}",
            amount=money(held.amount),
            deal=self._deal_name(held.payment.deal, held.payment.contract),
            slot=escape(held.payment.slot),
            days=self._days(held.days),
        )
        if held.handover_id is not None:
            line += " " + self._("(в сдаче, ждёт кассира)")
        return line

    btn_hand_over_all = Phrase("Сдать в кассу всё")

    def btn_hand_over_one(self, held: HeldCash) -> str:
        return self._(
            "Сдать {amount}: {deal}", amount=money(held.amount), deal=held.payment.deal[:24]
        )

    def handover_sent(self, handover: Handover) -> str:
        return self._n(
            "💵 Сдача на {total} ({n} платёж) отправлена в кассу. Когда кассир примет деньги, "
            "я напишу.",
            "💵 Сдача на {total} ({n} платежа) отправлена в кассу. Когда кассир примет деньги, "
            "я напишу.",
            len(handover.items),
            total=money(handover.total),
        )

    pending_title = Phrase("<b>Наличные у менеджеров</b>, сначала самые давние:")
    pending_empty = Phrase("Все наличные у менеджеров подтверждены: принимать нечего.")

    def pending_manager(self, cash: ManagerCash) -> str:
        return self._(
            "<b>{name}</b>: {total}, самый давний платёж — {days}",
            name=escape(cash.name),
            total=money(cash.total),
            days=self._days(cash.oldest_days),
        )

    def btn_accept_payment(self, line: PaymentLine) -> str:
        return self._("✅ {amount}: {deal}", amount=money(line.remaining), deal=line.deal[:24])

    def btn_accept_manager(self, cash: ManagerCash) -> str:
        return self._("✅ Принять всё у {name}", name=cash.name[:30])

    def handover_card(self, handover: Handover) -> str:
        return self._n(
            "<b>{manager} сдаёт в кассу {total}</b> ({n} платёж):",
            "<b>{manager} сдаёт в кассу {total}</b> ({n} платежа):",
            len(handover.items),
            manager=escape(handover.manager),
            total=money(handover.total),
        )

    def handover_item(self, line: PaymentLine, amount: Money, done: bool) -> str:
        text = self._(
            "{amount} — «{deal}», «{slot}»",
            amount=money(amount),
            deal=self._deal_name(line.deal, line.contract),
            slot=escape(line.slot),
        )
        return ("✅ " if done else "") + text

    btn_accept_handover = Phrase("✅ Принять всё")
    btn_accept_less = Phrase("Получено меньше")

    def handover_accepted(self, handover: Handover) -> str:
        received = handover.received if handover.received is not None else handover.total
        if received < handover.total:
            return self._(
                "Принято {received} из {total} от {manager}. Разница {short} остаётся на "
                "менеджере, владелец уведомлён.",
                received=money(received),
                total=money(handover.total),
                manager=escape(handover.manager),
                short=money(handover.total - received),
            )
        return self._(
            "✅ Сдача от {manager} принята: {total}.",
            manager=escape(handover.manager),
            total=money(handover.total),
        )

    def ask_received(self, handed: Money) -> str:
        return self._(
            "Сколько получено на самом деле? В сдаче {amount}. Напишите сумму, например "
            "<code>12 000</code>, или /cancel, чтобы не менять ничего.",
            amount=money(handed),
        )

    def cash_accepted(self, confirmation: Confirmation) -> str:
        return self._(
            "✅ Принято {amount}: «{deal}», «{slot}».",
            amount=money(confirmation.amount),
            deal=self._deal_name(confirmation.payment.deal, confirmation.payment.contract),
            slot=escape(confirmation.payment.slot),
        )

    def cash_accepted_many(self, accepted: Accepted) -> str:
        if not accepted.confirmed:
            return self._("Принимать нечего: эти наличные уже подтверждены.")
        total = accepted.confirmed[0].amount
        for confirmation in accepted.confirmed[1:]:
            total += confirmation.amount
        text = self._n(
            "✅ Принято {total}: {n} платёж.",
            "✅ Принято {total}: {n} платежа.",
            len(accepted.confirmed),
            total=money(total),
        )
        if accepted.skipped:
            text += " " + self._n(
                "Ещё {n} уже подтвердили до вас.",
                "Ещё {n} уже подтвердили до вас.",
                len(accepted.skipped),
            )
        return text

    def payment_card(self, line: PaymentLine) -> str:
        return self._(
            "<b>Наличные по сделке «{deal}»</b>\nПлатёж «{slot}»: {amount}, менеджер {manager}.",
            deal=self._deal_name(line.deal, line.contract),
            slot=escape(line.slot),
            amount=money(line.remaining),
            manager=escape(line.manager or "—"),
        )

    def evening_cash(self, facts: EveningCash) -> str:
        desk = ", ".join(
            money(Money.from_minor_units(minor, currency)) for minor, currency in facts.desk
        ) or money(Money.from_minor_units(0))
        if not facts.holders:
            return self._(
                "🌙 Все наличные по сделкам сданы в кассу. В кассе должно быть: {desk}.",
                desk=desk,
            )
        lines = [self._("🌙 <b>Наличные у менеджеров на вечер</b>, дольше всех — сверху:")]
        for name, total_minor, currency, payments, oldest_days in facts.holders:
            lines.append(
                self._n(
                    "• {name}: {total}, {n} платёж, самый давний на руках {days}",
                    "• {name}: {total}, {n} платежа, самый давний на руках {days}",
                    payments,
                    name=escape(name),
                    total=money(Money.from_minor_units(total_minor, currency)),
                    days=self._days(oldest_days),
                )
            )
        if facts.more:
            lines.append(
                self._n(
                    "…и ещё {n} менеджер: /pending",
                    "…и ещё {n} менеджера: /pending",
                    facts.more,
                )
            )
        lines.append(self._("В кассе должно быть: {desk}.", desk=desk))
        return "\n".join(lines)

    def cash_reminder(self, facts: CashReminder) -> str:
        values = {
            "total": money(Money.from_minor_units(facts.total_minor, facts.currency)),
            "days": self._days(facts.oldest_days),
        }
        if facts.in_handover >= facts.payments:
            return self._n(
                "💵 Напоминание: {total} ({n} платёж) уже в сдаче и ждёт кассира; "
                "самый давний на руках {days}. Передайте деньги в кассу.",
                "💵 Напоминание: {total} ({n} платежа) уже в сдаче и ждут кассира; "
                "самый давний на руках {days}. Передайте деньги в кассу.",
                facts.payments,
                **values,
            )
        return self._n(
            "💵 Напоминание: у вас наличные по сделкам, {total} ({n} платёж), самый давний "
            "на руках {days}. Сдайте их в кассу: /cash",
            "💵 Напоминание: у вас наличные по сделкам, {total} ({n} платежа), самый давний "
            "на руках {days}. Сдайте их в кассу: /cash",
            facts.payments,
            **values,
        )

    def kassa(self, balances: list[Money]) -> str:
        if not balances:
            return self._("В кассе должно быть 0 ₽: подтверждённых наличных ещё нет.")
        return self._(
            "<b>В кассе должно быть: {amounts}</b>\n"
            "Это подтверждённые наличные минус выданные из кассы.",
            amounts=", ".join(money(balance) for balance in balances),
        )

    stuck_effects = {
        "add_note": N_("примечание в сделке amoCRM"),
        "set_fields": N_("поля сделки amoCRM"),
        "move": N_("этап сделки amoCRM"),
    }

    def _stuck_what(self, effect: str, topic: str, amo_lead_id: int | None) -> str:
        words = self.stuck_effects.get(effect)
        if words is not None:
            what = self._(words)
            if amo_lead_id is not None:
                what += f" #{amo_lead_id}"
            return what
        if topic == "notify":
            return self._("уведомление в Telegram")
        return escape(topic)

    def outbox_dead(self, facts: OutboxDead) -> str:
        what = self._stuck_what(facts.effect, facts.topic, facts.amo_lead_id)
        return self._(
            "⛔ Не удалось после {attempts} попыток: {what}. Ошибка: {error}. "
            "Что застряло и повтор: /outbox",
            attempts=facts.attempts,
            what=what,
            error=escape(facts.error),
        )

    outbox_empty = Phrase("Ничего не застряло: всё, что бот отправляет, доставлено.")
    btn_retry_all = Phrase("↻ Повторить всё")

    def outbox_title(self, total: int) -> str:
        return self._("<b>Застряло: {count}</b> — повторите, когда причина устранена:", count=total)

    def outbox_line(self, number: int, effect: StuckEffect) -> str:
        return self._(
            "{number}. {what} — попыток: {attempts}, с {date}\n   {error}",
            number=number,
            what=self._stuck_what(effect.effect, effect.topic, effect.amo_lead_id),
            attempts=effect.attempts,
            date=self.date(effect.created_at.date()),
            error=escape((effect.last_error or "—")[:200]),
        )

    def btn_retry(self, number: int) -> str:
        return self._("↻ {number}", number=number)

    def outbox_retried(self, count: int) -> str:
        if not count:
            return self._("Уже повторено — ничего не изменилось.")
        return self._("Снова в очереди: {count}.", count=count)

    # -- profit and the workbook ------------------------------------------------------
    dimension_names = {
        Dimension.MANAGER: N_("Менеджер"),
        Dimension.PRODUCT: N_("Продукт"),
        Dimension.SALON: N_("Салон"),
        Dimension.CITY: N_("Город"),
    }
    dimension_icons = {
        Dimension.MANAGER: "👤",
        Dimension.PRODUCT: "📦",
        Dimension.SALON: "🏬",
        Dimension.CITY: "🏙",
    }
    profit_title = Phrase("<b>Прибыль по месяцам</b>")
    profit_no_filter = Phrase("Отбор: нет — весь бизнес")
    profit_empty = Phrase("За эти месяцы записей нет.")
    all_values = Phrase("все")
    btn_profit_reset = Phrase("✖ Сбросить отбор")
    profit_stale = Phrase(
        "Списки для отбора изменились с тех пор, как карточка была нарисована, — "
        "ничего не изменено. Откройте /profit заново."
    )
    chart_title = Phrase("Маркетинг и оборот по месяцам")
    chart_turnover = Phrase("Оборот")
    chart_marketing = Phrase("Маркетинг")
    chart_caption = Phrase("📈 Маркетинг и оборот по месяцам — весь бизнес, без отбора.")

    def dimension(self, dimension: Dimension) -> str:
        return self._(self.dimension_names[dimension])

    def month_name(self, month: date) -> str:
        """ "Ноябрь 2026": the nominative month, as a heading."""
        name = self._month(month)
        return name[:1].upper() + name[1:]

    def _month(self, month: date) -> str:
        """The month as the language writes it inside a sentence: "ноябрь 2026", "November 2026"."""
        return babel_date(month, "LLLL y", locale=self.language)

    def percent(self, value: Decimal) -> str:
        return format_percent(value, "#,##0.0%", locale=self.language).replace("-", MINUS, 1)

    def dimension_button(self, dimension: Dimension, value: str | None) -> str:
        shown = value[:30] if value else self.all_values
        return f"{self.dimension_icons[dimension]} {self.dimension(dimension)}: {shown}"

    def profit_no_values(self, dimension: Dimension) -> str:
        name = self.dimension(dimension).lower()
        if dimension in (Dimension.MANAGER, Dimension.PRODUCT):
            return self._(
                "Отбирать по полю «{name}» пока не из чего: оно приходит из сделок, "
                "а записи ещё не связаны со сделками.",
                name=name,
            )
        return self._("В записях за эти месяцы поле «{name}» не заполнено.", name=name)

    def profit_values_cut(self, shown: int, total: int) -> str:
        return self._(
            "Показаны первые {shown} из {total}; остальные — в таблице (/report).",
            shown=shown,
            total=total,
        )

    def profit_card(
        self, figures: list[MonthFigures], filters: dict[Dimension, str], empty: bool
    ) -> str:
        if filters:
            chosen = ", ".join(
                self._(
                    "{dimension} «{value}»",
                    dimension=self.dimension(d).lower(),
                    value=escape(v),
                )
                for d, v in filters.items()
            )
            lines = [self.profit_title, self._field(N_("Отбор"), chosen)]
        else:
            lines = [self.profit_title, self.profit_no_filter]
        for month in reversed(figures):  # this month first: the owner looks at it first
            margin = "—" if month.margin is None else self.percent(month.margin)
            lines += [
                "",
                f"<b>{self.month_name(month.month)}</b>",
                self._field(N_("Доходы"), money(Money(month.income))),
                self._field(N_("Расходы"), money(Money(month.expenses))),
                self._field(N_("Чистая прибыль"), f"<b>{money(Money(month.net))}</b>"),
                self._field(N_("Маржа"), margin),
            ]
        if empty:
            lines += ["", self.profit_empty]
        return "\n".join(lines)

    def report_bad_month(self, error: MonthError) -> str:
        if error.reason == "future":
            return self._("Этот месяц ещё не наступил. Пример: <code>/report 2026-11</code>.")
        return self._(
            "Месяц пишется так: <code>/report 2026-11</code>. "
            "Без месяца — весь учёт: <code>/report</code>."
        )

    def report_caption(self, month: date | None, today: date, count: int) -> str:
        if month:
            where = self._("за {month}", month=self._month(month))
        else:
            where = self._("на {date}", date=self.date(today))
        return self._("📊 Таблица учёта {where}, записей: {count}.", where=where, count=count)

    def report_file_name(self, month: str | None, today: date) -> str:
        return f"kopeyka-{month or today.isoformat()}.xlsx"

    # -- misc -------------------------------------------------------------------------
    unexpected_error = Phrase("Что-то пошло не так, ничего не изменено. Попробуйте ещё раз.")

    def date(self, value: date) -> str:
        return format_date(value)

    # -- payment requests: approvals and the registry ---------------------------------
    desk_status_names = {
        RequestStatus.DRAFT: N_("📝 черновик"),
        RequestStatus.SUBMITTED: N_("⏳ на согласовании"),
        RequestStatus.RETURNED: N_("↩️ на доработке"),
        RequestStatus.REJECTED: N_("✖ отклонена"),
        RequestStatus.APPROVED: N_("✅ согласована, к оплате"),
        RequestStatus.PARTLY_PAID: N_("💸 оплачена частично"),
        RequestStatus.PAID: N_("💳 оплачена"),
        RequestStatus.CANCELLED: N_("🚫 отозвана"),
    }
    # The registry's buttons and lists, by status.
    desk_status_lists = {
        RequestStatus.SUBMITTED: N_("На согласовании"),
        RequestStatus.APPROVED: N_("К оплате"),
        RequestStatus.PARTLY_PAID: N_("Оплачены частично"),
        RequestStatus.PAID: N_("Оплачены"),
        RequestStatus.RETURNED: N_("На доработке"),
        RequestStatus.REJECTED: N_("Отклонены"),
        RequestStatus.CANCELLED: N_("Отозваны"),
    }
    registry_bucket_names = {
        Bucket.TODAY: N_("📅 Сегодня"),
        Bucket.WEEK: N_("🗓 До конца недели"),
        Bucket.MONTH: N_("📆 До конца месяца"),
        Bucket.OVERDUE: N_("⏰ Просрочено"),
    }

    _DESK_TITLE = 120  # characters of what a request is for, in its title
    _DESK_COMMENT = 300  # of a comment or a reason on the card: the thread is not the card

    @staticmethod
    def _clipped(text: str, limit: int) -> str:
        """Plain text (escaped after) cut to `limit` characters with "…"."""
        return text if len(text) <= limit else text[: limit - 1] + "…"

    btn_desk_approve = Phrase("✅ Согласовать")
    btn_desk_reject = Phrase("✖ Отклонить")
    btn_desk_return = Phrase("↩️ На доработку")
    btn_desk_comment = Phrase("💬 Комментарий")
    btn_desk_invoice = Phrase("⬇️ Счёт")
    btn_desk_pay = Phrase("💳 Оплачено")
    btn_desk_back = Phrase("← К заявке")
    btn_desk_no_order = Phrase("Без платёжки")
    btn_registry_back = Phrase("← Реестр")

    def btn_desk_order(self, number: int) -> str:
        return self._("📎 Платёжка {n}", n=number)

    def btn_desk_rest(self, rest: Money) -> str:
        return self._("Весь остаток: {rest}", rest=money(rest))

    def btn_registry_open(self, number: int) -> str:
        return f"📄 {number}"

    def btn_registry_bucket(self, bucket: Bucket, count: int) -> str:
        return f"{self._(self.registry_bucket_names[bucket])} · {count}"

    def btn_registry_status(self, status: RequestStatus, count: int) -> str:
        return f"{self._(self.desk_status_lists[status])} · {count}"

    def desk_status(self, status: RequestStatus) -> str:
        return self._(self.desk_status_names[status])

    def _when(self, at: datetime, tz: tzinfo) -> str:
        return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")

    def _desk_name(self, request: RequestView) -> str:
        what = self._clipped(request.what_for or "—", self._DESK_TITLE)
        return self._("№{id} «{what_for}»", id=request.id, what_for=escape(what))

    def desk_card(
        self,
        card: RequestCard,
        comments: Sequence[Comment],
        abilities: Abilities,
        link: str,
        today: date,
        tz: tzinfo,
    ) -> str:
        """Everything about a request on one card: its status and whose step it waits at,
        the counterparty and bank details, the money, the deal or category, the invoice, the
        decisions, the payments, the latest comments, its link."""
        _ = self._
        r = card.request
        status = self.desk_status(r.status)
        if r.status is RequestStatus.SUBMITTED:
            waiting = ", ".join(escape(name) for name in abilities.waiting_for)
            step = (
                _("шаг {step} из {steps}", step=r.step, steps=r.steps) + ", " if r.steps > 1 else ""
            )
            status += " (" + step + _("ждёт: {who}", who=waiting or _("владелец")) + ")"
        if r.order_number is not None and r.sent_at is not None:
            status += "\n" + self.sent_to_bank(r.order_number, r.sent_at.astimezone(tz).date())
        lines = [
            "📝 <b>" + _("Заявка {name}", name=self._desk_name(r)) + "</b>",
            self._field(N_("Статус"), status),
            self._field(N_("Заявитель"), escape(r.requester)),
        ]
        if r.submitted_at is not None:
            lines[-1] += ", " + _("подана {when}", when=self._when(r.submitted_at, tz))
        lines.append("")
        cp = r.counterparty
        if cp is not None:
            lines.append(self._field(N_("Контрагент"), escape(self._clipped(cp.name, 200))))
            ids = [_("ИНН {inn}", inn=escape(cp.inn))] if cp.inn else []
            if cp.kpp:
                ids.append(_("КПП {kpp}", kpp=escape(cp.kpp)))
            if ids:
                lines.append(", ".join(ids))
            bank = [escape(self._clipped(cp.bank_name, 150))] if cp.bank_name else []
            if cp.bik:
                bank.append(_("БИК {bik}", bik=escape(cp.bik)))
            if bank:
                lines.append(self._field(N_("Банк"), ", ".join(bank)))
            if cp.account:
                lines.append(self._field(N_("Р/с"), f"<code>{escape(cp.account)}</code>"))
            if cp.corr_account:
                lines.append(self._field(N_("К/с"), f"<code>{escape(cp.corr_account)}</code>"))
        lines.append("")
        if r.amount is not None:
            lines.append(self._field(N_("Сумма"), f"<b>{money(r.amount)}</b>"))
        if r.paid.amount and r.remaining is not None:
            paid = money(r.paid)
            if r.paid.currency != "RUB":
                paid += f" ({money(r.paid_rubles)})"
            if r.remaining.is_zero:  # all of it: nothing left to name
                lines.append(self._field(N_("Оплачено"), paid))
            else:
                rest = f"<b>{money(r.remaining)}</b>"
                lines.append(
                    self._field(N_("Оплачено"), _("{paid}, осталось {rest}", paid=paid, rest=rest))
                )
        if r.pay_by is not None:
            due = format_date(r.pay_by)
            if r.is_overdue(today):
                due += " ⏰ " + _("просрочено")
            lines.append(self._field(N_("Оплатить до"), due))
        if r.purpose:
            lines.append(self._field(N_("Назначение"), escape(r.purpose)))
        if r.vat_mode is VatMode.WITH_VAT and r.vat is not None:
            lines.append(self._field(N_("НДС"), _("в т.ч. {vat}", vat=money(r.vat))))
        elif r.vat_mode is VatMode.WITHOUT_VAT:
            lines.append(self._field(N_("НДС"), _("без НДС")))
        if r.deal_id is not None:
            deal = escape(self._clipped(r.deal or "—", 150))
            if r.contract:
                deal = _("«{name}», договор {contract}", name=deal, contract=escape(r.contract))
            lines.append(self._field(N_("Сделка"), deal))
        if r.category is not None:
            lines.append(self._field(N_("Категория"), escape(r.category)))
        place = ", ".join(escape(self._clipped(p, 100)) for p in (r.salon, r.city) if p)
        if place:
            lines.append(self._field(N_("Салон, город"), place))
        if r.invoice is not None:
            name = escape(self._clipped(r.invoice.name or _("файл"), 100))
            lines.append(self._field(N_("Счёт"), f"📎 {name}"))
        else:
            lines.append(self._field(N_("Счёт"), "⚠️ " + _("не приложен")))
        if card.approvals:
            lines += ["", "<b>" + _("Согласование") + "</b>"]
            lines += [self._desk_approval(a, r.steps, tz) for a in card.approvals]
        if card.payments:
            lines += ["", "<b>" + _("Оплаты") + "</b>"]
            lines += [self._desk_payment(p) for p in card.payments]
        if comments:
            lines += ["", "<b>" + _("Комментарии ({n})", n=card.comments) + "</b>"]
            for comment in comments:
                words = escape(self._clipped(comment.text, self._DESK_COMMENT))
                when = self._when(comment.at, tz)
                lines.append(f"• {escape(comment.by_name)}, {when}: {words}")
        lines += ["", f'🔗 <a href="{escape(link)}">' + _("Ссылка на заявку") + "</a>"]
        if abilities.own:
            lines += [
                "",
                "ℹ️ "
                + _("Это ваша заявка: согласовать свою нельзя — её согласует другой согласующий."),
            ]
        return "\n".join(lines)

    def _desk_approval(self, approval: Approval, steps: int, tz: tzinfo) -> str:
        _ = self._
        who = escape(approval.approver) if approval.approver else _("автоматически")
        when = self._when(approval.at, tz)
        step = _("шаг {step}", step=approval.step) + ": " if steps > 1 else ""
        reason = escape(self._clipped(approval.reason or "", self._DESK_COMMENT))
        match approval.decision:
            case Decision.APPROVED:
                return "• " + step + _("✅ согласовал(а) {who}, {when}", who=who, when=when)
            case Decision.AUTO:
                return "• " + step + _("✅ согласована автоматически (ниже порога)")
            case Decision.REJECTED:
                return "• " + _(
                    "✖ отклонил(а) {who}, {when}: «{reason}»", who=who, when=when, reason=reason
                )
        return "• " + _(
            "↩️ вернул(а) на доработку {who}, {when}: «{reason}»", who=who, when=when, reason=reason
        )

    def _desk_payment(self, payment: RequestPayment) -> str:
        amount = money(payment.amount)
        if payment.amount.currency != "RUB":
            amount += f" ({money(payment.rubles)})"
        order = "📎 " + self._("платёжка") if payment.order else "⚠️ " + self._("без платёжки")
        return f"• {format_date(payment.paid_on)} — {amount} ({escape(payment.by_name)}), {order}"

    # What a decision, a comment or a payment says above the card it redraws.
    def desk_approved(self, request: RequestView) -> str:
        return self._(
            "✅ Заявка {name} согласована — бухгалтер получил её к оплате.",
            name=self._desk_name(request),
        )

    def desk_step_approved(self, request: RequestView, waiting_for: Sequence[str]) -> str:
        who = ", ".join(escape(name) for name in waiting_for) or self._("владелец")
        return self._(
            "✅ Шаг {step} из {steps} согласован. Заявка ушла следующему согласующему: {who}.",
            step=request.step - 1,
            steps=request.steps,
            who=who,
        )

    def desk_rejected(self, request: RequestView) -> str:
        return self._(
            "✖ Заявка {name} отклонена — заявитель получил причину.",
            name=self._desk_name(request),
        )

    def desk_returned(self, request: RequestView) -> str:
        return self._(
            "↩️ Заявка {name} возвращена на доработку — заявитель получил комментарий.",
            name=self._desk_name(request),
        )

    desk_commented = Phrase("💬 Комментарий добавлен.")

    def desk_paid(self, paid: RequestPayment, request: RequestView) -> str:
        amount = money(paid.amount)
        if paid.amount.currency != "RUB":
            amount += f" ({money(paid.rubles)})"
        text = self._(
            "💳 Оплата записана: {amount} от {day}.", amount=amount, day=format_date(paid.paid_on)
        )
        if request.remaining is not None and request.remaining.amount > 0:
            text += " " + self._("Осталось оплатить {rest}.", rest=money(request.remaining))
        if paid.order is None:
            text += " ⚠️ " + self._("Без платёжки.")
        return text

    # Questions.
    def desk_ask_reason(self, request: RequestView) -> str:
        return self._(
            "Почему отклоняете заявку {name}? Напишите причину — её получит заявитель. "
            "/cancel — отмена.",
            name=self._desk_name(request),
        )

    def desk_ask_rework(self, request: RequestView) -> str:
        return self._(
            "Что исправить в заявке {name}? Напишите комментарий — заявка вернётся заявителю. "
            "/cancel — отмена.",
            name=self._desk_name(request),
        )

    def desk_ask_comment(self, request: RequestView) -> str:
        return self._(
            "Напишите комментарий к заявке {name}. /cancel — отмена.",
            name=self._desk_name(request),
        )

    desk_text_wanted = Phrase("Напишите ответ текстом. /cancel — отмена.")
    desk_prompt_stale = Phrase("Этот вопрос уже закрыт — откройте заявку заново.")

    def desk_pay_ask_date(self, request: RequestView, rest: Money) -> str:
        return self._(
            "💳 Оплата заявки {name}: осталось {rest}. Когда оплачено?",
            name=self._desk_name(request),
            rest=f"<b>{money(rest)}</b>",
        )

    desk_pay_ask_typed_date = Phrase(
        "Напишите дату оплаты: <code>22.11</code>, <code>22.11.2026</code> или "
        "<code>вчера</code>. Будущая дата не подойдёт. /cancel — отмена."
    )

    def desk_pay_ask_amount(self, request: RequestView, rest: Money, day: date) -> str:
        return self._(
            "Сколько оплачено {day} по заявке {name}? Осталось {rest}: весь остаток — кнопкой, "
            "часть — напишите сумму. /cancel — отмена.",
            day=format_date(day),
            name=self._desk_name(request),
            rest=f"<b>{money(rest)}</b>",
        )

    def desk_pay_ask_rubles(self, amount: Money) -> str:
        return self._(
            "Сколько рублей списано со счёта за {amount}? Напишите сумму в рублях. "
            "/cancel — отмена.",
            amount=money(amount),
        )

    def desk_pay_ask_order(self, amount: Money, day: date) -> str:
        return self._(
            "Оплата {amount} от {day}. Пришлите платёжное поручение — PDF или фото. "
            "Без файла — кнопкой «Без платёжки»: на карточке будет видно, что её нет. "
            "/cancel — отмена.",
            amount=money(amount),
            day=format_date(day),
        )

    desk_pay_order_wanted = Phrase(
        "Жду файл платёжного поручения (PDF или фото) — или нажмите «Без платёжки». "
        "/cancel — отмена."
    )

    def desk_file_refused(self, too_big: bool) -> str:
        if too_big:
            return self._("Файл больше 20 МБ — пришлите платёжку поменьше (PDF или фото).")
        return self._(
            "Такой файл не подойдёт как платёжка: пришлите PDF или фото (JPEG, PNG) до 20 МБ."
        )

    # The cabinet's payment form: a file, or «без платёжки» said outright.
    cabinet_order_or_none = Phrase(
        "Приложите файл платёжного поручения (PDF или фото) или отметьте «Без платёжки»."
    )
    cabinet_order_not_kept = Phrase(
        "Telegram не принял файл платёжки — ничего не записано. Попробуйте ещё раз."
    )

    def desk_invoice_caption(self, request_id: int) -> str:
        return self._("📎 Счёт к заявке №{id}", id=request_id)

    def desk_order_caption(self, request_id: int, paid_on: date) -> str:
        return self._(
            "📎 Платёжка по заявке №{id} от {day}", id=request_id, day=format_date(paid_on)
        )

    # The lists.
    def _totals_of(self, totals: Sequence[Money]) -> str:
        return ", ".join(money(total) for total in totals) or money(Money(Decimal(0)))

    def registry_summary(
        self, buckets: Sequence[BucketSummary], statuses: Sequence[StatusSummary]
    ) -> str:
        _ = self._
        lines = ["📒 <b>" + _("Реестр заявок") + "</b>", "", _("К оплате, что осталось:")]
        for bucket in buckets:
            name = self._(self.registry_bucket_names[bucket.bucket])
            lines.append(f"{name}: {bucket.count} — {self._totals_of(bucket.totals)}")
        lines += ["", _("По статусам:")]
        for status in statuses:
            name = self._(self.desk_status_lists[status.status])
            lines.append(f"• {name}: {status.count} — {self._totals_of(status.totals)}")
        lines += ["", _("Откройте список кнопкой; заявка открывается номером или ссылкой.")]
        return "\n".join(lines)

    def registry_bucket_title(self, bucket: Bucket, page: RegistryPage) -> str:
        return self._(
            "<b>{name}</b>: {count}, осталось оплатить {totals}",
            name=self._(self.registry_bucket_names[bucket]),
            count=page.total,
            totals=self._totals_of(page.totals),
        )

    def registry_status_title(self, status: RequestStatus, page: RegistryPage) -> str:
        return self._(
            "<b>{name}</b>: {count}, на сумму {totals}",
            name=self._(self.desk_status_lists[status]),
            count=page.total,
            totals=self._totals_of(page.totals),
        )

    registry_empty = Phrase("Здесь заявок нет.")

    def registry_line(
        self, number: int, request: RequestView, link: str | None, today: date
    ) -> str:
        """One request of a list: its number opens it by link, its button by the number."""
        name = self._desk_name(request)
        if link is not None:
            name = f'<a href="{escape(link)}">{name}</a>'
        counterparty = request.counterparty.name if request.counterparty else "—"
        parts = [f"{number}. {name}", escape(self._clipped(counterparty, 80))]
        if request.amount is not None:
            amount = money(request.amount)
            rest = request.remaining
            if request.paid.amount and rest is not None:
                amount += " " + self._("(осталось {rest})", rest=money(rest))
            parts.append(amount)
        if request.pay_by is not None:
            due = self._("до {day}", day=format_date(request.pay_by))
            if request.is_overdue(today):
                due += " ⏰"
            parts.append(due)
        if request.sent_at is not None and request.status in PAYABLE:
            parts.append(self._("🏦 в банке"))
        return " — ".join(parts)

    def approvals_title(self, page: RegistryPage) -> str:
        return self._(
            "🗂 <b>Ждут вашего решения</b>: {count}, на сумму {totals}",
            count=page.total,
            totals=self._totals_of(page.totals),
        )

    approvals_empty = Phrase("Заявок, которые ждут вашего решения, нет.")

    def approval_line(
        self, number: int, request: RequestView, link: str | None, today: date
    ) -> str:
        line = self.registry_line(number, request, link, today)
        line += "; " + escape(self._clipped(request.requester, 60))
        if request.steps > 1:
            line += " " + self._("(шаг {step} из {steps})", step=request.step, steps=request.steps)
        return line

    # -- bank statements ----------------------------------------------------------------
    statement_problems = {
        StatementProblem.EMPTY_FILE: N_("файл пустой"),
        StatementProblem.PDF: N_(
            "это PDF: его читают глазами, а загрузить можно выписку в формате 1С (.txt) или "
            "таблицей (CSV, XLSX) — скачайте её так в клиент-банке"
        ),
        StatementProblem.ARCHIVE: N_("это архив или книга, которую не прочитать: не выписка"),
        StatementProblem.BINARY: N_("это не текстовый файл"),
        StatementProblem.NOT_A_STATEMENT: N_(
            "это не выписка: ни файл 1С ({exchange}), ни таблица операций"
        ),
        StatementProblem.PAYMENT_ORDERS: N_(
            "это файл платёжек (из 1С в банк), а не выписка из банка: скачайте выписку в "
            "клиент-банке"
        ),
        StatementProblem.NOT_PAYMENT_ORDERS: N_("это выписка, а не файл платёжек"),
        StatementProblem.UNKNOWN_ENCODING: N_(
            "{key}={value}: неизвестная кодировка (читаю {expected})"
        ),
        StatementProblem.UNSUPPORTED_VERSION: N_(
            "{key}={value}: эту версию формата не читаю (читаю {expected})"
        ),
        StatementProblem.NO_END_OF_FILE: N_("файл обрывается: нет строки {end}"),
        StatementProblem.TEXT_AFTER_END: N_("текст после {end}: {value}"),
        StatementProblem.UNCLOSED_SECTION: N_("{key} не закрыта строкой {expected}"),
        StatementProblem.UNEXPECTED_LINE: N_("неожиданная строка: {value}"),
        StatementProblem.NO_ACCOUNT_SECTION: N_("нет раздела {section}: остатков для сверки нет"),
        StatementProblem.MISSING_KEY: N_("нет {key}"),
        StatementProblem.CONFLICTING_KEY: N_("{key}={value} расходится с {key}={expected} выше"),
        StatementProblem.BAD_AMOUNT: N_("{key}={value}: это не сумма"),
        StatementProblem.AMOUNT_NOT_POSITIVE: N_("{key}={value}: сумма должна быть больше нуля"),
        StatementProblem.BAD_DATE: N_("{key}={value}: это не дата ({expected})"),
        StatementProblem.BAD_ACCOUNT: N_("{key}={value}: это не номер счёта ({expected})"),
        StatementProblem.BAD_INN: N_("{key}={value}: это не ИНН ({expected})"),
        StatementProblem.BAD_KPP: N_("{key}={value}: это не КПП ({expected})"),
        StatementProblem.UNKNOWN_DIRECTION: N_(
            "не понять, пришли деньги или ушли: ни один счёт документа не из выписки "
            "({expected}), и дата поступления или списания не указана"
        ),
        StatementProblem.NO_BOOKING_DATE: N_(
            "{key} пустая: неизвестно, каким днём банк провёл документ"
        ),
        StatementProblem.OUTSIDE_PERIOD: N_("{key}={value}: вне периода выписки по этому счёту"),
        StatementProblem.BALANCE_MISMATCH: N_(
            "остаток не сходится: начальный + приход − расход = {expected}, а {key}={value}"
        ),
        StatementProblem.TOTAL_MISMATCH: N_("документы дают в сумме {expected}, а {key}={value}"),
        StatementProblem.CHAIN_BROKEN: N_(
            "{key}={value}, а предыдущий раздел закрылся остатком {expected}"
        ),
        StatementProblem.OVERLAPPING_SECTIONS: N_(
            "{key}={value}: раздел пересекается с предыдущим (до {expected})"
        ),
        StatementProblem.NO_MAPPING: N_("по заголовку не понять, какая колонка что значит"),
        StatementProblem.MAPPING_OUT_OF_RANGE: N_("в строке нет колонки «{key}»"),
        StatementProblem.AMBIGUOUS_AMOUNT: N_("заполнены и дебет, и кредит"),
        StatementProblem.NO_AMOUNT: N_("нет суммы ({key})"),
    }
    statement_reasons = {
        Reason.CONTRACT: N_("номер договора в назначении"),
        Reason.PAYER_KNOWN: N_("этот плательщик уже платил по сделке"),
        Reason.AMOUNT_EXACT: N_("сумма совпадает"),
        Reason.AMOUNT_TOTAL: N_("сумма — весь остаток по сделке"),
        Reason.AMOUNT_PARTIAL: N_("часть суммы"),
        Reason.AMOUNT_ONLY: N_("совпала только сумма"),
        Reason.SEVERAL: N_("подходит несколько — предложен первый"),
        Reason.DATE_WINDOW: N_("дата в сроках платежа"),
        Reason.DATE_OUTSIDE: N_("дата далеко от сроков платежа"),
        Reason.ACQUIRING: N_("возмещение по эквайрингу"),
        Reason.REGISTER_DATE: N_("оплаты по терминалу за дату реестра"),
        Reason.FEE_IN_TEXT: N_("комиссия из назначения сходится"),
        Reason.FEE_COMPUTED: N_("разница принята за комиссию"),
        Reason.ORDER_NUMBER: N_("номер нашей платёжки"),
        Reason.RECIPIENT_INN: N_("ИНН получателя"),
        Reason.RECIPIENT_ACCOUNT: N_("счёт получателя"),
        Reason.INVOICE_NUMBER: N_("номер счёта в назначении"),
        Reason.LEARNED_INN: N_("этого контрагента вы уже относили сюда"),
        Reason.LEARNED_WORDS: N_("похожее назначение вы уже относили сюда"),
        Reason.BANK_FEE: N_("комиссия банка"),
        Reason.TAX: N_("налог"),
        Reason.TREASURY: N_("платёж в казначейство"),
        Reason.SALARY: N_("зарплата"),
    }
    # Why a sure line was not accepted with the others (`Skipped.reason`), and other refusals.
    statement_line_refusals = {
        "already_confirmed": N_("платёж уже подтверждён"),
        "payment_changed": N_("платёж изменился"),
        "not_owed": N_("платёж больше не ожидается"),
        "more_than_owed": N_("больше, чем осталось по платежу"),
        "request_moved": N_("заявку уже изменили"),
        "moved": N_("строку уже разобрали"),
        "direction": N_(
            "не то направление: поступление — к сделке или доходу, списание — к заявке или расходу"
        ),
        "category": N_("категория в архиве или другого вида"),
        "not_asked": N_("об этой строке ничего не спрашивали"),
        "no_proposal": N_("предложения нет"),
        "amount": N_("сумма не подходит"),
        "currency": N_("другая валюта"),
    }
    statement_columns = {
        "date": N_("дата операции"),
        "amount": N_("сумма (со знаком: минус — списание)"),
        "debit": N_("дебет (списание)"),
        "credit": N_("кредит (поступление)"),
        "purpose": N_("назначение платежа"),
        "counterparty_name": N_("контрагент"),
        "counterparty_inn": N_("ИНН контрагента"),
        "counterparty_account": N_("счёт контрагента"),
        "document_number": N_("номер документа"),
    }

    btn_statement_accept = Phrase("✅ Принять")
    btn_statement_other = Phrase("🔁 Другой вариант")
    btn_statement_candidates = Phrase("🔁 Варианты")
    btn_statement_hand = Phrase("✍️ Вручную")
    btn_statement_ignore = Phrase("🚫 Пропустить")
    btn_statement_next = Phrase("⏭ Дальше")
    btn_statement_summary = Phrase("← К итогу")
    btn_statement_card = Phrase("← К строке")
    btn_statement_keep = Phrase("✅ Отдельный платёж")
    btn_statement_repeat = Phrase("🚫 Повтор банка — пропустить")
    btn_statement_contract = Phrase("📄 Сделка по номеру договора")
    btn_statement_request = Phrase("📄 Заявка по номеру")
    btn_statement_income = Phrase("🟢 Доход компании")
    btn_statement_expense = Phrase("🔴 Расход компании")
    btn_statement_this_request = Phrase("✅ Отнести к этой заявке")
    btn_mapping_none = Phrase("Нет такой колонки")
    btn_mapping_signed = Phrase("Одна колонка со знаком")
    btn_mapping_two = Phrase("Две: дебет и кредит")
    btn_mapping_import = Phrase("✅ Верно, загрузить")
    btn_mapping_redo = Phrase("✏️ Указать заново")

    def btn_statement_accept_sure(self, count: int) -> str:
        return self._("✅ Принять верные ({n})", n=count)

    def btn_statement_review(self, count: int) -> str:
        return self._("🔍 Разобрать ({n})", n=count)

    def btn_statement_pick(self, number: int) -> str:
        return f"✓ {number}"

    def btn_mapping_column(self, number: int, title: str) -> str:
        return f"{number} · {title}" if title else str(number)

    statement_help = Phrase(
        "📥 <b>Банковская выписка</b>\n"
        "Скачайте выписку в клиент-банке и пришлите мне файлом:\n"
        "• 1С — файл .txt (1CClientBankExchange), его отдаёт любой банк;\n"
        "• или таблицей CSV, XLSX — в первый раз спрошу, какая колонка что значит, и запомню "
        "для этого банка.\n"
        "Я сверю остатки, сопоставлю строки с ожидаемыми оплатами по сделкам и с заявками, "
        "«✅ Принять верные» подтвердит их одной кнопкой, остальное разберём по одной строке. "
        "Тот же файл ещё раз ничего не изменит."
    )
    statement_waiting = Phrase("Жду файл выписки. /cancel — отмена.")

    def statement_reading(self, name: str | None) -> str:
        if name:
            return self._("📥 Читаю выписку «{name}»…", name=escape(self._clipped(name, 80)))
        return self._("📥 Читаю выписку…")

    def statement_progress(self, progress: Progress) -> str:
        _n = self._n
        done, total = progress.done, progress.total
        match progress.stage:
            case Stage.READ:
                return _n("📥 Прочитана {n} строка…", "📥 Прочитано строк: {n}…", total)
            case Stage.MATCHING:
                return _n("🔎 Сопоставляю {n} строку…", "🔎 Сопоставляю строк: {n}…", total)
            case Stage.STORED:
                return self._(
                    "💾 Сохранено новых строк: {done} из {total}…", done=done, total=total
                )
            case _:
                return self._("✅ Принимаю: {done} из {total}…", done=done, total=total)

    def statement_too_big(self, limit: int) -> str:
        return self._(
            "Файл больше {mb} МБ — такой мне не скачать. Выгрузите выписку за период покороче.",
            mb=limit // (1024 * 1024),
        )

    def statement_not_one(self, problem: StatementProblem | None) -> str:
        """A file an accountant sent that is no statement; a table only with a caption."""
        if problem is None:
            return self._(
                "Похоже на таблицу, но её колонки мне незнакомы. Если это выписка — пришлите "
                "её с подписью «выписка» или сначала /statement."
            )
        return self._("Это не выписка: {why}. Подсказка: /statement", why=self._problem(problem))

    def statement_why(self, problem: StatementProblem) -> str:
        """What a file is instead of a statement (the cabinet's answer to an upload)."""
        return self._problem(problem)

    def _problem(self, problem: StatementProblem, **values: str) -> str:
        tokens = {
            "exchange": "1CClientBankExchange",
            "end": "КонецФайла",
            "section": "СекцияРасчСчет",
        }
        text = self._(self.statement_problems[problem]).format(**{**tokens, **values})
        return text.replace("=:", ":")  # no value: "ДатаКонца: …", not "ДатаКонца=: …"

    def statement_error(self, error: LineError) -> str:
        why = self._problem(
            error.problem,
            key=escape(error.key),
            value=escape(self._clipped(error.value, 60)),
            expected=escape(self._clipped(error.expected, 60)),
        )
        return self._("строка {line}: {why}", line=error.line, why=why)

    def statement_refused_title(self, count: int) -> str:
        return self._n(
            "⛔ <b>Выписка не загружена</b> — ничего не изменено. {n} ошибка:",
            "⛔ <b>Выписка не загружена</b> — ничего не изменено. Ошибок: {n}:",
            count,
        )

    statement_errors_file = Phrase("📎 Полный список ошибок — в файле.")
    statement_errors_caption = Phrase("Ошибки выписки: ничего не загружено")

    one_c = Phrase("1С")

    def _source_format(self, source: SourceFormat) -> str:
        return self.one_c if source is SourceFormat.ONE_C else source.value.upper()

    def statement_result(self, imported: Imported, tz: tzinfo) -> str:
        """N lines, M sure, K to review, L unmatched, those asked about, what was known
        before, the orders we sent now paid, and each account's balance check."""
        _, _n = self._, self._n
        source = self._source_format(imported.format)
        if imported.again:
            lines = [
                "♻️ <b>"
                + _(
                    "Эту выписку уже загружали: {who}, {when}. Ничего не изменилось.",
                    who=escape(imported.imported_by),
                    when=self._when(imported.imported_at, tz),
                )
                + "</b>",
                _n("{source}, {n} строка.", "{source}, строк: {n}.", imported.lines, source=source),
            ]
        else:
            lines = [
                "📄 <b>"
                + _n(
                    "Выписка загружена: {source}, {n} строка",
                    "Выписка загружена: {source}, строк: {n}",
                    imported.lines,
                    source=source,
                )
                + "</b>"
            ]
            if imported.duplicates:
                lines.append(
                    _n(
                        "↩️ {n} строка уже была в прошлых выписках — пропущена",
                        "↩️ Уже были в прошлых выписках: {n} — пропущены",
                        imported.duplicates,
                    )
                )
        lines += [
            _("✅ Верных: {n} — принять одной кнопкой", n=imported.sure),
            _("🔍 На разбор: {n}", n=imported.review),
            _("❓ Без пары: {n}", n=imported.unmatched),
        ]
        if imported.asked:
            lines.append(_("⚠️ Одинаковых строк в файле: {n} — спрошу, что это", n=imported.asked))
        if imported.done:
            lines.append(_("☑️ Уже решено: {n}", n=imported.done))
        if imported.settled:
            lines.append(
                _n(
                    "🏦 Оплачена {n} заявка по нашей платёжке",
                    "🏦 Оплачены заявки по нашим платёжкам: {n}",
                    imported.settled,
                )
            )
        lines += [self.statement_balance(account) for account in imported.accounts]
        return "\n".join(lines)

    def statement_balance(self, account: AccountBalance) -> str:
        _ = self._
        name = escape(account.account) if account.account else _("счёт не указан")
        period = ""
        if account.date_start and account.date_end:
            period = f", {format_date(account.date_start)}–{format_date(account.date_end)}"
        moved = _(
            "приход {total_in}, расход {total_out}",
            total_in=money(account.total_in),
            total_out=money(account.total_out),
        )
        if account.opening is None or account.closing is None:
            check = _("остатков в таблице нет — сверить нечем")
            return f"🧾 {name}{period}: {moved}; {check}"
        figures = _(
            "{opening} → {closing}",
            opening=money(account.opening),
            closing=money(account.closing),
        )
        check = _("✅ остатки сходятся") if account.balance_ok else _("❌ остатки не сходятся")
        return f"🧾 {name}{period}: {figures}, {moved} — {check}"

    def statement_accepted(
        self, accepted: LinesAccepted, skipped: Sequence[tuple[LineView, str]]
    ) -> str:
        """What «Принять верные» did: the lines accepted, the money, those left to review."""
        _, _n = self._, self._n
        if not accepted.accepted and not skipped:
            return _("Верных строк к принятию нет — все уже разобраны.")
        lines = [
            "✅ <b>"
            + _n("Принята {n} строка", "Принято строк: {n}", len(accepted.accepted))
            + "</b>"
        ]
        if not accepted.confirmed.is_zero:
            lines.append(_("подтверждено по сделкам: {sum}", sum=money(accepted.confirmed)))
        if not accepted.paid.is_zero:
            lines.append(_("оплачено по заявкам: {sum}", sum=money(accepted.paid)))
        if accepted.posted:
            lines.append(_("записей по категориям: {n}", n=accepted.posted))
        if skipped:
            lines.append(
                "⚠️ "
                + _n(
                    "Не принята {n} строка — осталась на разбор:",
                    "Не приняты строки: {n} — остались на разбор:",
                    len(skipped),
                )
            )
            lines += [f"• {self._line_short(line)} — {why}" for line, why in skipped[:10]]
            if len(skipped) > 10:
                lines.append(_("…и ещё {n}", n=len(skipped) - 10))
        return "\n".join(lines)

    def statement_skipped(self, skipped: Skipped, tz: tzinfo) -> str:
        why = self.statement_refusal(skipped.reason)
        if skipped.by_name and skipped.at:
            why += f" ({escape(skipped.by_name)}, {self._when(skipped.at, tz)})"
        return why

    def statement_refusal(self, reason: str) -> str:
        words = self.statement_line_refusals.get(reason)
        return self._(words) if words else self._("не принята: {reason}", reason=escape(reason))

    def _line_short(self, line: LineView) -> str:
        sign = "📥" if line.direction is Direction.IN else "📤"
        who = escape(self._clipped(line.counterparty or "—", 40))
        return f"{sign} {format_date(line.booked)} {money(line.amount)} {who}"

    def statement_line_card(self, line: LineView, position: int, total: int) -> str:
        """A line to review: the line itself, what is proposed and why, or the question."""
        _ = self._
        lines = ["🔍 <b>" + _("Строка {n} из {total}", n=position, total=total) + "</b>"]
        if line.direction is Direction.IN:
            head = _(
                "📥 Поступление {day} — {sum}", day=format_date(line.booked), sum=money(line.amount)
            )
            party = N_("От кого")
        else:
            head = _(
                "📤 Списание {day} — {sum}", day=format_date(line.booked), sum=money(line.amount)
            )
            party = N_("Кому")
        lines.append(head)
        who = escape(self._clipped(line.counterparty or "—", 200))
        if line.counterparty_inn:
            who += ", " + _("ИНН {inn}", inn=escape(line.counterparty_inn))
        lines.append(self._field(party, who))
        lines.append(self._field(N_("Назначение"), escape(self._clipped(line.purpose or "—", 600))))
        if line.number:
            lines.append(self._field(N_("Документ"), "№" + escape(line.number)))
        lines.append("")
        proposal = line.proposal
        if line.state is LineState.ASKED:
            lines.append(
                "⚠️ "
                + _(
                    "В файле две одинаковые строки: тот же счёт, дата, номер, сумма и контрагент. "
                    "Это отдельный платёж или банк повторил строку?"
                )
            )
        elif line.state is LineState.PROPOSED and proposal is not None:
            lines.append(self._field(N_("Предлагаю"), self._targets(proposal.targets)))
            if proposal.reasons:
                reasons = "; ".join(self._(self.statement_reasons[r]) for r in proposal.reasons)
                lines.append(self._field(N_("Почему"), reasons))
            lines.append(_("Уверенность: {n}%", n=proposal.confidence))
        else:
            lines.append("❓ " + _("Пары не нашлось: отнесите вручную или пропустите."))
        if line.problem:
            lines.append(
                "⚠️ " + _("Не принята с верными: {why}", why=self.statement_refusal(line.problem))
            )
        return clip("\n".join(lines), PAGE_LIMIT)

    def _targets(self, targets: Sequence[TargetView]) -> str:
        return (
            "; ".join(f"{escape(self._clipped(t.title, 150))} — {money(t.amount)}" for t in targets)
            or "—"
        )

    def statement_reviewed(self, scope_done: bool) -> str:
        if scope_done:
            return self._("🎉 Всё разобрано: строк, ждущих решения, больше нет.")
        return self._("Строк на разбор нет.")

    def statement_done(self, line: LineView) -> str:
        """What one decision on a line did, above the next line's card."""
        if line.state is LineState.IGNORED:
            return "🚫 " + self._("Пропущена: {line}", line=self._line_short(line))
        if line.state in (LineState.PROPOSED, LineState.UNMATCHED):
            return "✅ " + self._(
                "Отмечена как отдельный платёж: {line}", line=self._line_short(line)
            )
        proposal = line.proposal
        targets = self._targets(proposal.targets) if proposal else "—"
        return "✅ " + self._("{line} → {targets}", line=self._line_short(line), targets=targets)

    def statement_candidates(self, line: LineView, candidates: Sequence[Candidate]) -> str:
        _ = self._
        lines = [self._line_short(line), ""]
        if not candidates:
            lines.append(_("Других вариантов не нашлось: отнесите вручную."))
            return "\n".join(lines)
        lines.append("<b>" + _("Может быть:") + "</b>")
        for number, candidate in enumerate(candidates, start=1):
            target = candidate.target
            item = f"{number}. {escape(self._clipped(target.title, 150))} — "
            item += _("осталось {sum}", sum=money(target.amount))
            reasons = [self._(self.statement_reasons[r]) for r in candidate.reasons]
            if reasons:
                item += " (" + "; ".join(reasons) + ")"
            lines.append(item)
        return clip("\n".join(lines), PAGE_LIMIT)

    def statement_hand(self, line: LineView) -> str:
        return self._line_short(line) + "\n\n" + self._("Куда отнести эту строку?")

    def statement_ask_contract(self, line: LineView) -> str:
        return (
            self._line_short(line)
            + "\n\n"
            + self._(
                "Напишите номер договора сделки, например <code>Д-17</code>. /cancel — отмена."
            )
        )

    def statement_no_contract(self, contract: str) -> str:
        return self._(
            "По договору «{contract}» не жду безналичных оплат. Проверьте номер.",
            contract=escape(self._clipped(contract, 60)),
        )

    def statement_ask_request(self, line: LineView) -> str:
        return (
            self._line_short(line)
            + "\n\n"
            + self._("Напишите номер заявки, например <code>17</code>. /cancel — отмена.")
        )

    statement_not_a_number = Phrase("Нужен номер заявки — только цифры, например 17.")

    def statement_request(self, line: LineView, request: RequestView) -> str:
        _ = self._
        rest = request.remaining
        parts = [self._desk_name(request), self.desk_status(request.status)]
        if request.counterparty is not None:
            parts.append(escape(self._clipped(request.counterparty.name, 80)))
        if rest is not None:
            parts.append(_("осталось {sum}", sum=money(rest)))
        return self._line_short(line) + "\n\n" + " — ".join(parts)

    def statement_categories(self, line: LineView, page: int, pages: int) -> str:
        kind = self._("доход") if line.direction is Direction.IN else self._("расход")
        text = self._line_short(line) + "\n\n" + self._("Категория: {kind} компании", kind=kind)
        if pages > 1:
            text += "\n" + self.page_of(page + 1, pages)
        return text

    def statement_overview(self, sure: int, review: int) -> str:
        if not sure and not review:
            return self._("Строк выписок, ждущих решения, нет.")
        return self._(
            "Ждут решения по всем выпискам: верных {sure}, на разбор {review}.",
            sure=sure,
            review=review,
        )

    # The table's columns, asked one at a time.
    def mapping_preview(self, preview: TablePreview) -> str:
        """The columns of a table we do not know, each with its first values."""
        _ = self._
        lines = ["📊 <b>" + _("Таблица банка, которую я ещё не знаю") + "</b>"]
        width = len(preview.header)
        for index in range(width):
            title = preview.header[index] if index < len(preview.header) else ""
            samples = [row[index] for row in preview.rows[:3] if index < len(row) and row[index]]
            shown = escape(self._clipped(title, 40)) or "—"
            values = ", ".join(escape(self._clipped(value, 30)) for value in samples)
            lines.append(f"{index + 1}. <b>{shown}</b>: {values}")
        return clip("\n".join(lines), 2500)

    def mapping_question(self, step: str) -> str:
        if step == "money":
            return self._("Сумма в одной колонке со знаком или в двух — дебет и кредит?")
        return self._("Какая колонка — {column}?", column=self._(self.statement_columns[step]))

    def mapping_summary(self, chosen: Sequence[tuple[str, int, str]]) -> str:
        """The mapping to confirm: each field with its column's number and title."""
        lines = ["<b>" + self._("Колонки:") + "</b>"]
        for field, column, title in chosen:
            label = self._(self.statement_columns[field])
            lines.append(f"• {label} — {column + 1} «{escape(self._clipped(title, 40))}»")
        lines.append(self._("Запомню для этого банка: следующие выписки спрашивать не буду."))
        return "\n".join(lines)

    mapping_stale = Phrase("Этот вопрос уже закрыт — пришлите файл ещё раз.")
    mapping_needs_date = Phrase("Без даты и суммы выписку не прочитать — укажите их.")
    mapping_file_changed = Phrase("Файл уже не скачать — пришлите его ещё раз.")

    # -- payment orders out to the bank -------------------------------------------------
    btn_orders = Phrase("🏦 Платёжки в банк")
    btn_orders_clear = Phrase("Снять выбор")
    orders_not_sent_reasons = {
        "not_payable": N_("не к оплате"),
        "currency": N_("не в рублях"),
        "details": N_("нет банковских реквизитов"),
        "sent": N_("уже отправлена в банк"),
        "refused": N_("банк не примет: {fields}"),
    }

    def btn_orders_today(self, count: int) -> str:
        return self._("🏦 Всё к оплате сегодня ({n})", n=count)

    def btn_orders_make(self, count: int) -> str:
        return self._("📄 Сформировать файл ({n})", n=count)

    def btn_orders_toggle(self, number: int, picked: bool) -> str:
        return f"{'☑️' if picked else '⬜'} {number}"

    def sent_to_bank(self, number: int, day: date) -> str:
        return self._(
            "🏦 Платёжка №{number} от {day} отправлена в банк", number=number, day=format_date(day)
        )

    def orders_list(self, page: SendablePage, picked: Sequence[int], today: date) -> str:
        _ = self._
        lines = [
            "🏦 <b>"
            + _("Платёжки в банк")
            + "</b>: "
            + _("к оплате и не отправлено — {n}", n=page.total)
        ]
        if not page.total:
            lines.append(_("Отправлять нечего: все согласованные заявки уже в банке или оплачены."))
            return "\n".join(lines)
        lines.append(_("Отметьте заявки — соберу один файл платёжных поручений для клиент-банка."))
        first = page.page * page.per_page + 1
        for number, row in enumerate(page.rows, start=first):
            mark = "☑️" if row.request_id in picked else "⬜"
            what_for = escape(self._clipped(row.what_for or "—", 60))
            parts = [f"{mark} {number}. №{row.request_id} «{what_for}»"]
            parts.append(escape(self._clipped(row.payee or "—", 60)))
            parts.append(money(row.amount))
            if row.pay_by is not None:
                due = _("до {day}", day=format_date(row.pay_by))
                parts.append(due + (" ⏰" if row.pay_by < today else ""))
            if not row.ready:
                parts.append(_("нет реквизитов"))
            lines.append(" — ".join(parts))
        if picked:
            lines.append(_("Выбрано: {n}", n=len(picked)))
        if page.pages > 1:
            lines.append(self.page_of(page.page + 1, page.pages))
        return clip("\n".join(lines), 3800)

    def orders_made(self, made: OrdersFile) -> str:
        _, _n = self._, self._n
        lines = [
            "📄 <b>"
            + _n(
                "Файл платёжек: {n} платёжка на {sum}",
                "Файл платёжек: {n} на {sum}",
                len(made.orders),
                sum=money(made.total),
            )
            + "</b>",
            _(
                "Загрузите его в клиент-банк (импорт из 1С). Заявки отмечены «отправлено в "
                "банк»; когда выписка покажет списания, отмечу их оплаченными."
            ),
        ]
        for order in made.orders[:30]:
            lines.append(
                "• "
                + _(
                    "п/п №{number} — {payee} — {sum} (заявка №{request})",
                    number=order.number,
                    payee=escape(self._clipped(order.payee, 60)),
                    sum=money(order.amount),
                    request=order.request_id,
                )
            )
        if len(made.orders) > 30:
            lines.append(_("…и ещё {n}", n=len(made.orders) - 30))
        if made.skipped:
            lines.append(_("Не вошли:"))
            lines += [f"• {self.orders_not_sent(s)}" for s in made.skipped[:20]]
        return clip("\n".join(lines), 3800)

    def orders_caption(self, made: OrdersFile) -> str:
        return self._n(
            "🏦 {n} платёжка на {sum} — загрузите в клиент-банк",
            "🏦 Платёжек: {n} на {sum} — загрузите в клиент-банк",
            len(made.orders),
            sum=money(made.total),
        )

    def orders_not_sent(self, not_sent: NotSent) -> str:
        words = self.orders_not_sent_reasons.get(not_sent.reason)
        why = self._(words).format(fields=", ".join(not_sent.fields)) if words else not_sent.reason
        return self._("заявка №{id}: {why}", id=not_sent.request_id, why=escape(why))

    def orders_not_made(self, reason: str, problems: Sequence[object]) -> str:
        if reason == "no_company":
            return self._(
                "Для платёжек нужны реквизиты нашей компании: заполните раздел [company] в "
                "mappings.toml ({fields}) и перезапустите бота.",
                fields=escape(", ".join(str(p) for p in problems)),
            )
        lines = [self._("Отправлять нечего — ни одна заявка не вошла бы в файл.")]
        lines += ["• " + self.orders_not_sent(p) for p in problems[:20] if isinstance(p, NotSent)]
        return "\n".join(lines)

    orders_none_picked = Phrase("Сначала отметьте заявки.")

    def help_requests(self, roles: frozenset[Role]) -> list[str]:
        """/help's lines for approving and paying requests."""
        _ = self._
        lines = []
        if Role.OWNER in roles or Role.APPROVER in roles:
            lines += [
                "/approve — "
                + _(
                    "заявки на оплату, которые ждут вашего решения: карточка со счётом, "
                    "«Согласовать», «Отклонить» с причиной, «На доработку» с комментарием"
                ),
                _(
                    "Когда заявку подают, я пришлю её с кнопкой «Открыть заявку»; свою заявку "
                    "согласует другой согласующий."
                ),
            ]
        if Role.OWNER in roles or Role.ACCOUNTANT in roles:
            lines += [
                "/registry — "
                + _(
                    "реестр согласованных заявок: сегодня, до конца недели и месяца, "
                    "просроченные и по статусам, с суммами; в карточке «⬇️ Счёт» и "
                    "«💳 Оплачено» — дата, сумма (часть — меньшей суммой) и платёжка"
                ),
                _(
                    "В /registry «🏦 Платёжки в банк» — согласованные заявки одним файлом "
                    "платёжных поручений для клиент-банка; выписка со списаниями отметит их "
                    "оплаченными."
                ),
                _("Каждое утро пришлю, что оплатить сегодня, что просрочено и что согласовано."),
            ]
        if Role.OWNER in roles:
            lines.append(_("О просроченных заявках сообщу отдельно."))
        if not roles.isdisjoint(CABINET_ROLES):
            lines.append(
                "/cabinet — "
                + _(
                    "кабинет на экране побольше: реестр заявок с отбором и поиском, "
                    "подтверждения, выписки, сводка; ссылка для входа из браузера"
                )
            )
        return lines

    # -- the cabinet ----------------------------------------------------------------
    cabinet_off = Phrase(
        "Кабинет не включён. Владелец включает его настройками CABINET и PUBLIC_URL "
        "(адрес https, по которому открывается кабинет)."
    )
    btn_cabinet_browser = Phrase("🌐 Войти в кабинет")
    btn_cabinet_app = Phrase("📱 Открыть в Telegram")
    cabinet_menu_button = Phrase("Кабинет")

    def cabinet_link(self, minutes: int) -> str:
        return self._(
            "🔐 Ссылка для входа в кабинет: одна, на {minutes} мин. Откройте её в браузере "
            "(нажмите и удерживайте кнопку, чтобы скопировать) и никому не пересылайте.",
            minutes=minutes,
        )


@cache
def catalogues() -> I18n:
    """The compiled catalogues, read once, on first use rather than at import."""
    return I18n(path=LOCALES, default_locale=SOURCE_LANGUAGE, domain=DOMAIN)


@cache
def _texts(language: str) -> Texts:
    return Texts(language, catalogues())


def texts_for(language: str | None, default: str = SOURCE_LANGUAGE) -> Texts:
    available = catalogues().available_locales
    if language in available:
        return _texts(language)
    return _texts(default if default in available else SOURCE_LANGUAGE)
