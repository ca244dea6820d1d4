"""Everything the bot says, in Russian (default) and English.

Handlers and error routers take a `Texts` from the i18n middleware; the domain never holds
user-facing words. Money and dates are formatted the Russian way by Babel in both languages,
because the ledger is in rubles.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

from babel.dates import format_date as babel_date
from babel.numbers import format_percent

from ledger.amounts import AmountError, AmountProblem
from ledger.dates import DateError, DateProblem, format_date
from ledger.deals import DealView, PaymentStatus
from ledger.expenses import Draft, Entry
from ledger.money import Money, format_money
from ledger.notices import (
    AmoDailySummary,
    DealDiscrepancy,
    DealProblems,
    InviteAccepted,
    NoticeFacts,
)
from ledger.profit import Dimension, MonthError, MonthFigures
from ledger.roles import Role
from ledger.users import UserView


def money(value: Money) -> str:
    return format_money(value, "ru_RU")


class Texts:
    """Russian."""

    language = "ru"

    role_names = {
        Role.OWNER: "владелец",
        Role.MANAGER: "менеджер",
        Role.CASHIER: "кассир",
        Role.ACCOUNTANT: "бухгалтер",
        Role.APPROVER: "согласующий",
        Role.REQUESTER: "заявитель",
    }

    # -- access ---------------------------------------------------------------------
    unknown_user = (
        "Здравствуйте! Это учётный бот компании, и доступа у вас пока нет. "
        "Попросите владельца прислать вам ссылку-приглашение."
    )
    not_allowed = "Это действие недоступно для вашей роли."
    not_yours = "Эта карточка принадлежит другому человеку — ничего не изменено."
    forged = "Кнопка не распознана — ничего не изменено."

    def role(self, role: Role) -> str:
        return self.role_names.get(role, role.value)

    def roles(self, roles: frozenset[Role]) -> str:
        return ", ".join(self.role(role) for role in sorted(roles))

    # -- start and help -------------------------------------------------------------
    def welcome(self, name: str, roles: frozenset[Role]) -> str:
        return f"Здравствуйте, {escape(name)}! Ваши роли: {self.roles(roles)}.\n\n" + self.help(
            roles
        )

    def help(self, roles: frozenset[Role]) -> str:
        lines = ["<b>Что я умею</b>"]
        if Role.OWNER in roles:
            lines += [
                "• Напишите расход одной строкой: <code>1500 такси</code>, "
                "<code>15к реклама</code>, <code>2 300,50 бензин</code> — я предложу категорию, "
                "сохраните одним нажатием. Можно прислать фото чека с такой подписью.",
                "• /expense — то же самое командой: <code>/expense 1500 такси</code>",
                "• /history — последние записи, с отменой",
                "• /categories — категории: добавить, переименовать",
                "• /invite — пригласить сотрудника с ролью",
                "• /users — люди и роли, отзыв доступа",
                "• /deals — сделки, по которым ждём оплату",
                "• /profit — прибыль по месяцам, с отбором и графиком",
                "• /report — таблица учёта (XLSX); <code>/report 2026-11</code> — за месяц",
            ]
        if Role.MANAGER in roles and Role.OWNER not in roles:
            lines.append("• /deals — ваши сделки: сколько ждём и сколько уже подтверждено")
        other = roles - {Role.OWNER, Role.MANAGER}
        if other and Role.OWNER not in roles:
            lines.append(
                "• Ваши разделы появятся здесь, как только они будут готовы: "
                f"{self.roles(frozenset(other))}."
            )
        lines.append("• /help — эта подсказка")
        return "\n".join(lines)

    hint_owner = (
        "Не понял. Чтобы записать расход, напишите сумму и на что: <code>1500 такси</code>. "
        "Подсказка: /help"
    )
    hint_other = "Не понял. Подсказка: /help"

    # -- amounts and dates ----------------------------------------------------------
    def amount_error(self, error: AmountError) -> str:
        problem = error.problem
        if problem == AmountProblem.EMPTY:
            return "Напишите сумму и на что, например: <code>1500 такси</code>."
        if problem == AmountProblem.NOT_A_NUMBER:
            return (
                "Не вижу суммы. Напишите, например: <code>1500 такси</code>, "
                "<code>1 500,50 бензин</code> или <code>15к реклама</code>."
            )
        if problem == AmountProblem.ZERO:
            return "Сумма не может быть нулевой."
        if problem == AmountProblem.NEGATIVE:
            return "Сумма расхода пишется без минуса: <code>1500 такси</code>."
        if problem == AmountProblem.TOO_LARGE:
            limit = getattr(error, "limit", None)
            suffix = f" (больше {money(Money(limit))})" if limit is not None else ""
            return f"Слишком большая сумма{suffix}. Проверьте, не лишний ли ноль."
        if problem == AmountProblem.TOO_PRECISE:
            return "В сумме больше двух знаков копеек. Пример: <code>1500,50</code>."
        if problem == AmountProblem.WRONG_CURRENCY:
            return "Здесь сумма в другой валюте — напишите её без «руб» и «₽»."
        return "Не получилось прочитать сумму. Пример: <code>1500 такси</code>."

    def date_error(self, error: DateError) -> str:
        problem = error.problem
        if problem == DateProblem.FUTURE:
            return "Расход не может быть в будущем. Укажите сегодняшнюю или прошедшую дату."
        if problem == DateProblem.NO_SUCH_DAY:
            return "Такого дня нет в календаре. Пример: <code>22.11</code>."
        if problem == DateProblem.TOO_OLD:
            return "Слишком давняя дата. Пример: <code>22.11.2026</code>."
        return (
            "Не понял дату. Напишите <code>сегодня</code>, <code>вчера</code>, "
            "<code>22.11</code> или <code>22.11.2026</code>."
        )

    # -- expense card -----------------------------------------------------------------
    def draft_card(self, draft: Draft) -> str:
        lines = [
            "<b>Новый расход</b>",
            f"Сумма: <b>{money(draft.amount)}</b>",
            f"Категория: {escape(draft.category_name)}",
            f"Дата: {format_date(draft.entry_date)}",
        ]
        if draft.description:
            lines.append(f"Описание: {escape(draft.description)}")
        if draft.comment:
            lines.append(f"Комментарий: {escape(draft.comment)}")
        if draft.has_receipt:
            lines.append("Чек: приложен")
        lines.append("\nВсё верно? Нажмите «Сохранить».")
        return "\n".join(lines)

    def saved_card(self, entry: Entry) -> str:
        lines = [
            f"✅ <b>Расход сохранён</b> (№{entry.id})",
            f"Сумма: <b>{money(-entry.amount)}</b>",
            f"Категория: {escape(entry.category_name)}",
            f"Дата: {format_date(entry.entry_date)}",
        ]
        if entry.description:
            lines.append(f"Описание: {escape(entry.description)}")
        if entry.comment:
            lines.append(f"Комментарий: {escape(entry.comment)}")
        return "\n".join(lines)

    def reversed_card(self, original: Entry) -> str:
        return (
            f"↩️ <b>Расход №{original.id} отменён</b>: "
            f"{money(-original.amount)}, {escape(original.category_name)}, "
            f"{format_date(original.entry_date)}. В учёте записана сторнирующая запись."
        )

    photo_needs_caption = (
        "Добавьте к фото чека подпись с суммой и назначением, например: <code>1500 такси</code>."
    )

    def attachment_refused(self, reason: str) -> str:
        if reason == "size":
            return "Файл больше 20 МБ — пришлите фото чека или PDF поменьше."
        return "Такой файл не подойдёт как чек: пришлите фото (JPEG, PNG) или PDF."

    cancelled_card = "✖ Черновик расхода отменён, ничего не записано."
    choose_category = "Выберите категорию:"
    choose_date = "Выберите дату расхода:"
    ask_date = "Напишите дату: <code>22.11</code>, <code>22.11.2026</code> или <code>вчера</code>."
    ask_comment = "Напишите комментарий к расходу одним сообщением."
    input_cancelled = "Хорошо, оставляю как было."
    saved_toast = "Сохранено"
    cancelled_toast = "Отменено"
    reversed_toast = "Отменено сторнирующей записью"

    def stale(self, status: str) -> str:
        if status == "saved":
            return "Этот расход уже сохранён — повторно ничего не записано."
        if status == "cancelled":
            return "Этот черновик уже отменён."
        return "Карточка устарела — пользуйтесь последней."

    def already_reversed(self, by_name: str, when: str) -> str:
        return f"Уже отменено: {by_name}, {when}."

    cannot_reverse = "Сторнирующую запись нельзя отменить — запишите новый расход."
    not_found = "Запись не найдена."
    text_too_long = "Слишком длинный текст: до {limit} символов."

    # -- history ---------------------------------------------------------------------
    history_empty = "Записей пока нет. Напишите расход, например: <code>1500 такси</code>."
    history_title = "<b>Последние записи</b>"

    def history_line(self, entry: Entry) -> str:
        mark = {"expense": "−", "income": "+", "reversal": "↩️"}.get(entry.kind, "")
        amount = money(Money(abs(entry.amount.amount), entry.amount.currency))
        text = (
            f"№{entry.id} {format_date(entry.entry_date)} {mark}{amount} "
            f"{escape(entry.category_name)}"
        )
        if entry.description:
            text += f" — {escape(entry.description[:60])}"
        if entry.reversed_by_entry_id:
            text += " (отменена)"
        return text

    def undo_button(self, entry_id: int) -> str:
        return f"Отменить №{entry_id}"

    # -- categories -------------------------------------------------------------------
    categories_title = (
        "<b>Категории расходов</b>\nНажмите на категорию, чтобы переименовать, или добавьте новую."
    )
    ask_category_name = "Напишите название новой категории (до 40 символов)."

    def ask_category_rename(self, name: str) -> str:
        return f"Напишите новое название для «{escape(name)}»."

    def category_added(self, name: str) -> str:
        return f"Категория «{escape(name)}» добавлена."

    def category_renamed(self, name: str) -> str:
        return f"Категория переименована: «{escape(name)}»."

    def category_problem(self, reason: str) -> str:
        return {
            "empty": "Название не может быть пустым.",
            "too_long": "Слишком длинное название: до 40 символов.",
            "exists": "Такая категория уже есть.",
        }.get(reason, "Не получилось сохранить категорию.")

    # -- buttons --------------------------------------------------------------------
    btn_add_category = "➕ Новая категория"
    btn_save = "✅ Сохранить"
    btn_cancel = "✖ Отмена"
    btn_category = "📂 Категория"
    btn_date = "📅 Дата"
    btn_comment = "💬 Комментарий"
    btn_undo = "↩️ Отменить"
    btn_back = "← Назад"
    btn_today = "Сегодня"
    btn_yesterday = "Вчера"
    btn_other_date = "Другая дата…"
    btn_revoke = "Отозвать"

    # -- users and invites ----------------------------------------------------------
    invite_choose_role = "Кого пригласить? Выберите роль:"
    invite_choose_crm_user = (
        "Кто этот менеджер в amoCRM? Его сделки в /deals найдутся по ответственному."
    )
    invite_without_crm = "Без привязки к amoCRM"

    def invite_link(self, role: Role, link: str, expires: str) -> str:
        return (
            f"Приглашение для роли «{self.role(role)}». Перешлите ссылку сотруднику — "
            f"она сработает один раз, до {expires}:\n{link}"
        )

    def invite_accepted_self(self, role: Role) -> str:
        return f"Готово! Вам выдана роль «{self.role(role)}». Подсказка: /help"

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

    def invite_accepted(self, name: str, role: str) -> str:
        return f"{escape(name)} принял(а) приглашение: роль «{self.role(Role(role))}»."

    def invite_refused(self, reason: str) -> str:
        return {
            "expired": "Срок действия приглашения истёк. Попросите у владельца новое.",
            "used": "Это приглашение уже использовано. Попросите у владельца новое.",
        }.get(reason, "Ссылка-приглашение недействительна. Попросите у владельца новую.")

    users_title = "<b>Люди и роли</b>"
    users_empty = "Пока никого, кроме владельцев. Пригласите сотрудника: /invite"

    def user_line(self, user: UserView) -> str:
        handle = f" @{user.username}" if user.username else ""
        return f"• {escape(user.name)}{handle}: {self.roles(user.roles)}"

    def revoke_button(self, user: UserView, role: Role) -> str:
        return f"Отозвать: {user.name[:20]} — {self.role(role)}"

    def revoked(self, user: UserView, role: Role) -> str:
        return f"Роль «{self.role(role)}» у {escape(user.name)} отозвана."

    cannot_revoke_owner = (
        "Владельцев задаёт OWNER_TELEGRAM_IDS в настройках; из бота их не отозвать."
    )

    # -- deals ------------------------------------------------------------------------
    payment_kinds = {
        "cash": "наличные",
        "bank_transfer": "на расчётный счёт",
        "card_transfer": "перевод на карту",
        "terminal": "терминал",
        "credit": "кредит",
    }
    deals_title = "<b>Сделки, по которым ждём оплату</b>"
    deals_empty = "Сделок с ожидаемыми оплатами нет."
    deals_not_linked = (
        "Ваш аккаунт ещё не связан с пользователем amoCRM — попросите владельца "
        "прислать новое приглашение менеджера с вашим именем из amoCRM."
    )

    def deals_more(self, count: int) -> str:
        return f"…и ещё {count}"

    def deal_card(self, deal: DealView) -> str:
        title = escape(deal.name)
        if deal.contract:
            title += f", договор {escape(deal.contract)}"
        lines = [f"<b>{title}</b>"]
        if deal.manager:
            lines[0] += f" — {escape(deal.manager)}"
        for payment in deal.payments:
            kind = self.payment_kinds.get(payment.kind, payment.kind)
            due = f", до {self.date(payment.due)}" if payment.due else ""
            if payment.status is PaymentStatus.CONFIRMED and payment.confirmed is not None:
                state = f"подтверждено {money(payment.confirmed)}"
            else:
                state = "ждём"
            lines.append(
                f"• {escape(payment.slot)}: {money(payment.amount)} ({kind}{due}) — {state}"
            )
        lines.append(f"Ждём: {money(deal.expected)} · подтверждено: {money(deal.confirmed)}")
        return "\n".join(lines)

    deal_states = {"lost": "сделка проиграна", "deleted": "сделка удалена в amoCRM"}

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
        confirmed = money(Money.from_minor_units(confirmed_minor, currency))
        crm = money(Money.from_minor_units(crm_minor, currency))
        where = escape(deal) + (f", договор {escape(contract)}" if contract else "")
        why = self.deal_states.get(state, f"в amoCRM теперь {crm}")
        return (
            f"⚠️ Расхождение по сделке «{where}»: платёж «{escape(slot)}» уже подтверждён "
            f"на {confirmed}, а {why}. В учёте ничего не изменено — проверьте сделку."
        )

    def deal_problems(self, deal: str, amo_lead_id: int, problems: list[str]) -> str:
        listed = "\n".join(f"• {escape(problem)}" for problem in problems)
        return (
            f"Сделка «{escape(deal)}» (amoCRM #{amo_lead_id}): не могу понять оплату, "
            f"ожидание не записано.\n{listed}\n"
            "Исправьте поля сделки в amoCRM или сопоставление в config/mappings.toml."
        )

    def amo_daily_summary(self, deals: int, webhooks: int, errors: int) -> str:
        return (
            f"amoCRM за сутки: сделок обновлено — {deals}, вебхуков — {webhooks}, "
            f"ошибок — {errors}. Подробности: <code>python run.py doctor</code> и журнал."
        )

    # -- profit and the workbook ------------------------------------------------------
    dimension_names = {
        Dimension.MANAGER: "Менеджер",
        Dimension.PRODUCT: "Продукт",
        Dimension.SALON: "Салон",
        Dimension.CITY: "Город",
    }
    dimension_icons = {
        Dimension.MANAGER: "👤",
        Dimension.PRODUCT: "📦",
        Dimension.SALON: "🏬",
        Dimension.CITY: "🏙",
    }
    profit_title = "<b>Прибыль по месяцам</b>"
    profit_no_filter = "Отбор: нет — весь бизнес"
    profit_filter_label = "Отбор"
    profit_income = "Доходы"
    profit_expenses = "Расходы"
    profit_net = "Чистая прибыль"
    profit_margin = "Маржа"
    profit_empty = "За эти месяцы записей нет."
    all_values = "все"
    btn_profit_reset = "✖ Сбросить отбор"
    profit_stale = (
        "Списки для отбора изменились с тех пор, как карточка была нарисована, — "
        "ничего не изменено. Откройте /profit заново."
    )
    chart_title = "Маркетинг и оборот по месяцам"
    chart_turnover = "Оборот"
    chart_marketing = "Маркетинг"
    chart_caption = "📈 Маркетинг и оборот по месяцам — весь бизнес, без отбора."

    def month_name(self, month: date) -> str:
        """ "Ноябрь 2026": the nominative month, as a heading."""
        name = babel_date(month, "LLLL y", locale=self.language)
        return name[:1].upper() + name[1:]

    def percent(self, value: Decimal) -> str:
        return format_percent(value, "#,##0.0%", locale=self.language)

    def dimension_button(self, dimension: Dimension, value: str | None) -> str:
        shown = value[:30] if value else self.all_values
        return f"{self.dimension_icons[dimension]} {self.dimension_names[dimension]}: {shown}"

    def profit_no_values(self, dimension: Dimension) -> str:
        name = self.dimension_names[dimension].lower()
        if dimension in (Dimension.MANAGER, Dimension.PRODUCT):
            return (
                f"Отбирать по полю «{name}» пока не из чего: оно приходит из сделок, "
                "а записи ещё не связаны со сделками."
            )
        return f"В записях за эти месяцы поле «{name}» не заполнено."

    def profit_values_cut(self, shown: int, total: int) -> str:
        return f"Показаны первые {shown} из {total}; остальные — в таблице (/report)."

    def profit_card(
        self, figures: list[MonthFigures], filters: dict[Dimension, str], empty: bool
    ) -> str:
        if filters:
            chosen = ", ".join(
                f"{self.dimension_names[d].lower()} «{escape(v)}»" for d, v in filters.items()
            )
            lines = [self.profit_title, f"{self.profit_filter_label}: {chosen}"]
        else:
            lines = [self.profit_title, self.profit_no_filter]
        for month in reversed(figures):  # this month first: the owner looks at it first
            margin = "—" if month.margin is None else self.percent(month.margin)
            lines += [
                "",
                f"<b>{self.month_name(month.month)}</b>",
                f"{self.profit_income}: {money(Money(month.income))}",
                f"{self.profit_expenses}: {money(Money(month.expenses))}",
                f"{self.profit_net}: <b>{money(Money(month.net))}</b>",
                f"{self.profit_margin}: {margin}",
            ]
        if empty:
            lines += ["", self.profit_empty]
        return "\n".join(lines)

    def report_bad_month(self, error: MonthError) -> str:
        if error.reason == "future":
            return "Этот месяц ещё не наступил. Пример: <code>/report 2026-11</code>."
        return (
            "Месяц пишется так: <code>/report 2026-11</code>. "
            "Без месяца — весь учёт: <code>/report</code>."
        )

    def report_caption(self, month: date | None, today: date, count: int) -> str:
        where = f"за {self.month_name(month).lower()}" if month else f"на {self.date(today)}"
        return f"📊 Таблица учёта {where}, записей: {count}."

    def report_file_name(self, month: str | None, today: date) -> str:
        return f"kopeyka-{month or today.isoformat()}.xlsx"

    # -- misc -------------------------------------------------------------------------
    unexpected_error = "Что-то пошло не так, ничего не изменено. Попробуйте ещё раз."

    def date(self, value: date) -> str:
        return format_date(value)


class EnglishTexts(Texts):
    """English."""

    language = "en"

    role_names = {
        Role.OWNER: "owner",
        Role.MANAGER: "manager",
        Role.CASHIER: "cashier",
        Role.ACCOUNTANT: "accountant",
        Role.APPROVER: "approver",
        Role.REQUESTER: "requester",
    }

    unknown_user = (
        "Hello! This is a company bookkeeping bot and you have no access yet. "
        "Ask the owner for an invite link."
    )
    not_allowed = "Your role does not allow this."
    not_yours = "This card belongs to someone else — nothing was changed."
    forged = "Unknown button — nothing was changed."

    def welcome(self, name: str, roles: frozenset[Role]) -> str:
        return f"Hello, {escape(name)}! Your roles: {self.roles(roles)}.\n\n" + self.help(roles)

    def help(self, roles: frozenset[Role]) -> str:
        lines = ["<b>What I can do</b>"]
        if Role.OWNER in roles:
            lines += [
                "• Type an expense in one line: <code>1500 такси</code>, "
                "<code>15к реклама</code> — I suggest a category, you save with one tap. "
                "A receipt photo with such a caption works too.",
                "• /expense — the same as a command: <code>/expense 1500 taxi</code>",
                "• /history — recent entries, with undo",
                "• /categories — add or rename categories",
                "• /invite — invite a colleague with a role",
                "• /users — people and roles, revoke access",
                "• /deals — deals we expect payments for",
                "• /profit — profit by month, with filters and a chart",
                "• /report — the ledger workbook (XLSX); <code>/report 2026-11</code> — one month",
            ]
        if Role.MANAGER in roles and Role.OWNER not in roles:
            lines.append("• /deals — your deals: what is expected and what is confirmed")
        other = roles - {Role.OWNER, Role.MANAGER}
        if other and Role.OWNER not in roles:
            lines.append(
                "• Your sections will appear here as they are ready: "
                f"{self.roles(frozenset(other))}."
            )
        lines.append("• /help — this help")
        return "\n".join(lines)

    hint_owner = (
        "I did not get that. To log an expense type an amount and what for: "
        "<code>1500 taxi</code>. Help: /help"
    )
    hint_other = "I did not get that. Help: /help"

    def amount_error(self, error: AmountError) -> str:
        problem = error.problem
        if problem == AmountProblem.ZERO:
            return "The amount cannot be zero."
        if problem == AmountProblem.NEGATIVE:
            return "Write an expense without a minus: <code>1500 taxi</code>."
        if problem == AmountProblem.TOO_LARGE:
            return "The amount is too large. Check for an extra zero."
        if problem == AmountProblem.TOO_PRECISE:
            return "More than two digits of kopecks. Example: <code>1500,50</code>."
        return "I see no amount. Example: <code>1500 taxi</code> or <code>15к ads</code>."

    def date_error(self, error: DateError) -> str:
        problem = error.problem
        if problem == DateProblem.FUTURE:
            return "An expense cannot be in the future."
        if problem == DateProblem.NO_SUCH_DAY:
            return "There is no such day. Example: <code>22.11</code>."
        return (
            "I did not get the date. Type <code>today</code>, <code>yesterday</code> "
            "or <code>22.11.2026</code>."
        )

    def draft_card(self, draft: Draft) -> str:
        lines = [
            "<b>New expense</b>",
            f"Amount: <b>{money(draft.amount)}</b>",
            f"Category: {escape(draft.category_name)}",
            f"Date: {format_date(draft.entry_date)}",
        ]
        if draft.description:
            lines.append(f"Description: {escape(draft.description)}")
        if draft.comment:
            lines.append(f"Comment: {escape(draft.comment)}")
        if draft.has_receipt:
            lines.append("Receipt: attached")
        lines.append("\nAll correct? Tap “Save”.")
        return "\n".join(lines)

    def saved_card(self, entry: Entry) -> str:
        lines = [
            f"✅ <b>Expense saved</b> (#{entry.id})",
            f"Amount: <b>{money(-entry.amount)}</b>",
            f"Category: {escape(entry.category_name)}",
            f"Date: {format_date(entry.entry_date)}",
        ]
        if entry.description:
            lines.append(f"Description: {escape(entry.description)}")
        if entry.comment:
            lines.append(f"Comment: {escape(entry.comment)}")
        return "\n".join(lines)

    def reversed_card(self, original: Entry) -> str:
        return (
            f"↩️ <b>Expense #{original.id} undone</b>: {money(-original.amount)}, "
            f"{escape(original.category_name)}, {format_date(original.entry_date)}. "
            "A reversal entry was posted."
        )

    photo_needs_caption = (
        "Add a caption with the amount to the receipt photo: <code>1500 taxi</code>."
    )

    def attachment_refused(self, reason: str) -> str:
        if reason == "size":
            return "The file is over 20 MB — send a smaller photo or PDF of the receipt."
        return "This file will not do as a receipt: send a photo (JPEG, PNG) or a PDF."

    cancelled_card = "✖ Draft cancelled, nothing was recorded."
    choose_category = "Choose a category:"
    choose_date = "Choose the expense date:"
    ask_date = "Type a date: <code>22.11</code>, <code>22.11.2026</code> or <code>yesterday</code>."
    ask_comment = "Type a comment for the expense in one message."
    input_cancelled = "OK, leaving it as it was."
    saved_toast = "Saved"
    cancelled_toast = "Cancelled"
    reversed_toast = "Undone by a reversal entry"

    def stale(self, status: str) -> str:
        if status == "saved":
            return "This expense is already saved — nothing recorded twice."
        if status == "cancelled":
            return "This draft was cancelled."
        return "This card is outdated — use the latest one."

    def already_reversed(self, by_name: str, when: str) -> str:
        return f"Already undone: {by_name}, {when}."

    cannot_reverse = "A reversal cannot be undone — log a new expense instead."
    not_found = "Entry not found."
    text_too_long = "The text is too long: up to {limit} characters."
    history_empty = "No entries yet. Type an expense, e.g. <code>1500 taxi</code>."
    history_title = "<b>Recent entries</b>"

    def undo_button(self, entry_id: int) -> str:
        return f"Undo #{entry_id}"

    categories_title = "<b>Expense categories</b>\nTap one to rename it, or add a new one."
    ask_category_name = "Type the name of the new category (up to 40 characters)."

    def ask_category_rename(self, name: str) -> str:
        return f"Type a new name for “{escape(name)}”."

    def category_added(self, name: str) -> str:
        return f"Category “{escape(name)}” added."

    def category_renamed(self, name: str) -> str:
        return f"Category renamed: “{escape(name)}”."

    def category_problem(self, reason: str) -> str:
        return {
            "empty": "The name cannot be empty.",
            "too_long": "The name is too long: up to 40 characters.",
            "exists": "This category already exists.",
        }.get(reason, "Could not save the category.")

    btn_add_category = "➕ New category"
    btn_save = "✅ Save"
    btn_cancel = "✖ Cancel"
    btn_category = "📂 Category"
    btn_date = "📅 Date"
    btn_comment = "💬 Comment"
    btn_undo = "↩️ Undo"
    btn_back = "← Back"
    btn_today = "Today"
    btn_yesterday = "Yesterday"
    btn_other_date = "Other date…"
    btn_revoke = "Revoke"
    invite_choose_role = "Whom to invite? Choose a role:"
    invite_choose_crm_user = (
        "Who is this manager in amoCRM? Their deals in /deals are found by the responsible user."
    )
    invite_without_crm = "No amoCRM link"

    def invite_link(self, role: Role, link: str, expires: str) -> str:
        return (
            f"Invite for the role “{self.role(role)}”. Forward the link — it works once, "
            f"until {expires}:\n{link}"
        )

    def invite_accepted_self(self, role: Role) -> str:
        return f"Done! You now have the role “{self.role(role)}”. Help: /help"

    def invite_accepted(self, name: str, role: str) -> str:
        return f"{escape(name)} accepted the invite: role “{self.role(Role(role))}”."

    def invite_refused(self, reason: str) -> str:
        return {
            "expired": "The invite has expired. Ask the owner for a new one.",
            "used": "This invite was already used. Ask the owner for a new one.",
        }.get(reason, "The invite link is not valid. Ask the owner for a new one.")

    users_title = "<b>People and roles</b>"
    users_empty = "Nobody but the owners yet. Invite a colleague: /invite"

    def revoke_button(self, user: UserView, role: Role) -> str:
        return f"Revoke: {user.name[:20]} — {self.role(role)}"

    def revoked(self, user: UserView, role: Role) -> str:
        return f"Role “{self.role(role)}” revoked from {escape(user.name)}."

    cannot_revoke_owner = (
        "Owners are set by OWNER_TELEGRAM_IDS; they cannot be revoked from the bot."
    )
    unexpected_error = "Something went wrong; nothing was changed. Please try again."

    payment_kinds = {
        "cash": "cash",
        "bank_transfer": "bank transfer",
        "card_transfer": "card transfer",
        "terminal": "terminal",
        "credit": "credit",
    }
    deals_title = "<b>Deals with payments expected</b>"
    deals_empty = "No deals with expected payments."
    deals_not_linked = (
        "Your account is not linked to an amoCRM user yet — ask the owner for a new manager "
        "invite naming you in amoCRM."
    )

    def deals_more(self, count: int) -> str:
        return f"…and {count} more"

    def deal_card(self, deal: DealView) -> str:
        title = escape(deal.name)
        if deal.contract:
            title += f", contract {escape(deal.contract)}"
        lines = [f"<b>{title}</b>"]
        if deal.manager:
            lines[0] += f" — {escape(deal.manager)}"
        for payment in deal.payments:
            kind = self.payment_kinds.get(payment.kind, payment.kind)
            due = f", due {self.date(payment.due)}" if payment.due else ""
            if payment.status is PaymentStatus.CONFIRMED and payment.confirmed is not None:
                state = f"confirmed {money(payment.confirmed)}"
            else:
                state = "expected"
            lines.append(
                f"• {escape(payment.slot)}: {money(payment.amount)} ({kind}{due}) — {state}"
            )
        lines.append(f"Expected: {money(deal.expected)} · confirmed: {money(deal.confirmed)}")
        return "\n".join(lines)

    deal_states = {"lost": "the deal is lost", "deleted": "the deal was deleted in amoCRM"}

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
        confirmed = money(Money.from_minor_units(confirmed_minor, currency))
        crm = money(Money.from_minor_units(crm_minor, currency))
        where = escape(deal) + (f", contract {escape(contract)}" if contract else "")
        why = self.deal_states.get(state, f"amoCRM now shows {crm}")
        return (
            f"⚠️ Discrepancy on “{where}”: payment “{escape(slot)}” was confirmed at "
            f"{confirmed}, but {why}. Nothing in the ledger was changed — check the deal."
        )

    def deal_problems(self, deal: str, amo_lead_id: int, problems: list[str]) -> str:
        listed = "\n".join(f"• {escape(problem)}" for problem in problems)
        return (
            f"Deal “{escape(deal)}” (amoCRM #{amo_lead_id}): cannot read its payment, nothing "
            f"expected was recorded.\n{listed}\n"
            "Fix the deal's fields in amoCRM or the mapping in config/mappings.toml."
        )

    def amo_daily_summary(self, deals: int, webhooks: int, errors: int) -> str:
        return (
            f"amoCRM in the last day: {deals} deals synced, {webhooks} webhooks, "
            f"{errors} errors. Details: <code>python run.py doctor</code> and the log."
        )

    dimension_names = {
        Dimension.MANAGER: "Manager",
        Dimension.PRODUCT: "Product",
        Dimension.SALON: "Salon",
        Dimension.CITY: "City",
    }
    profit_title = "<b>Profit by month</b>"
    profit_no_filter = "Filter: none — the whole business"
    profit_filter_label = "Filter"
    profit_income = "Income"
    profit_expenses = "Expenses"
    profit_net = "Net profit"
    profit_margin = "Margin"
    profit_empty = "No entries in these months."
    all_values = "all"
    btn_profit_reset = "✖ Clear filters"
    profit_stale = (
        "The filter lists have changed since this card was drawn — nothing was changed. "
        "Open /profit again."
    )
    chart_title = "Marketing and turnover by month"
    chart_turnover = "Turnover"
    chart_marketing = "Marketing"
    chart_caption = "📈 Marketing and turnover by month — the whole business, unfiltered."

    def profit_no_values(self, dimension: Dimension) -> str:
        name = self.dimension_names[dimension].lower()
        if dimension in (Dimension.MANAGER, Dimension.PRODUCT):
            return (
                f"Nothing to filter by {name} yet: it comes from deals, and entries are not "
                "linked to deals yet."
            )
        return f"No entry in these months has a {name}."

    def profit_values_cut(self, shown: int, total: int) -> str:
        return f"Showing the first {shown} of {total}; the rest are in the workbook (/report)."

    def report_bad_month(self, error: MonthError) -> str:
        if error.reason == "future":
            return "That month has not begun yet. Example: <code>/report 2026-11</code>."
        return (
            "Write the month like this: <code>/report 2026-11</code>. "
            "Without a month you get the whole ledger: <code>/report</code>."
        )

    def report_caption(self, month: date | None, today: date, count: int) -> str:
        where = f"for {self.month_name(month)}" if month else f"as of {self.date(today)}"
        return f"📊 The ledger workbook {where}, entries: {count}."


CATALOG: dict[str, Texts] = {"ru": Texts(), "en": EnglishTexts()}


def texts_for(language: str | None, default: str = "ru") -> Texts:
    return CATALOG.get(language or default) or CATALOG[default]
