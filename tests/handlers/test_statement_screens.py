"""The statement screens' pieces that time and size decide: the progress message is edited
at most once per interval, however fast the import reports; a line's card, its candidates and
the bank orders' list stay under Telegram's limit whatever the line holds; and every card
and refusal has its words in English too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bot.paging import TELEGRAM_LIMIT, visible_length
from bot.texts import texts_for
from handlers.statements import ProgressMessage
from ledger.bank_orders import Sendable, SendablePage
from ledger.money import Money
from ledger.statement_imports import (
    AccountBalance,
    Candidate,
    Imported,
    LineState,
    LineView,
    Progress,
    ProposalView,
    Stage,
    TargetView,
)
from ledger.statements import Direction, LineError, SourceFormat, StatementProblem
from ledger.statements.matching import Reason, TargetKind

CYRILLIC = {chr(code) for code in range(0x0400, 0x0500)}


class FakeMessage:
    def __init__(self) -> None:
        self.edits: list[str] = []

    async def edit_text(self, text: str, **_: Any) -> None:
        self.edits.append(text)


async def test_the_progress_is_edited_at_most_once_per_interval() -> None:
    message, clock = FakeMessage(), [0.0]
    progress = ProgressMessage(
        message,  # type: ignore[arg-type]
        texts_for("ru"),
        interval=1.0,
        now=lambda: clock[0],
    )

    for step in range(10):  # ten reports in 0.9 s: none shown, the message is fresh
        clock[0] = step / 10
        await progress(Progress(Stage.ACCEPTING, step, 10))
    clock[0] = 1.05
    await progress(Progress(Stage.ACCEPTING, 10, 10))
    clock[0] = 1.5
    await progress(Progress(Stage.ACCEPTING, 10, 10))
    await progress.show("итог")

    assert message.edits == ["✅ Принимаю: 10 из 10…", "итог"]


def line(purpose: str, counterparty: str, state: LineState = LineState.PROPOSED) -> LineView:
    money = Money(Decimal("123456789.01"))
    target = TargetView(TargetKind.PAYMENT, 1, money, "Кухня " * 80, deal_id=1)
    proposal = ProposalView(
        id=1,
        rank=0,
        hand=False,
        confidence=50,
        sure=False,
        reasons=tuple(Reason),
        targets=(target,) * 5,
        accepted_by=None,
        accepted_at=None,
    )
    return LineView(
        id=1,
        version=0,
        import_id=1,
        booked=date(2026, 11, 22),
        direction=Direction.IN,
        amount=money,
        number="9" * 40,
        counterparty=counterparty,
        counterparty_inn="770512345678",
        purpose=purpose,
        state=state,
        sure=False,
        problem="already_confirmed",
        proposals=(proposal,),
    )


def test_a_line_s_card_and_its_candidates_fit_a_message() -> None:
    long = line("<Оплата> " * 500, "ООО " * 300)
    candidates = [Candidate(long.proposals[0].targets[0], tuple(Reason))] * 8
    for language in ("ru", "en"):
        texts = texts_for(language)
        for text in (
            texts.statement_line_card(long, 1, 10_000),
            texts.statement_candidates(long, candidates),
        ):
            assert visible_length(text) < TELEGRAM_LIMIT
            assert "&lt;Оплата&gt;" in text or "Оплата" not in text


def test_the_cards_and_refusals_speak_english() -> None:
    texts = texts_for("en")
    imported = Imported(
        import_id=1,
        again=True,
        format=SourceFormat.ONE_C,
        lines=3,
        new=0,
        duplicates=3,
        sure=1,
        review=1,
        unmatched=1,
        asked=1,
        done=0,
        accounts=(
            AccountBalance(
                "40702810900000012345",
                date(2026, 11, 1),
                date(2026, 11, 30),
                Money(Decimal("1")),
                Money(Decimal("2")),
                Money(Decimal("1")),
                Money(Decimal("0")),
                True,
            ),
        ),
        balance_ok=True,
        imported_by="Anna",
        imported_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
        settled=2,
    )
    shown = [
        texts.statement_result(imported, UTC),
        texts.statement_line_card(line("Payment", "Ivanov", LineState.ASKED), 1, 2),
        texts.statement_line_card(line("Payment", "Ivanov", LineState.UNMATCHED), 1, 2),
        texts.statement_line_moved("accepted", "Anna", "23.11.2026 12:00"),
        texts.statement_line_moved("proposed", "Anna", "23.11.2026 12:00"),
        *(texts.statement_progress(Progress(stage, 1, 2)) for stage in Stage),
        *(
            texts.statement_error(LineError(7, problem, "Amount", "abc", "1.00"))
            for problem in StatementProblem
            if problem not in (StatementProblem.NO_END_OF_FILE, StatementProblem.TEXT_AFTER_END)
            and problem is not StatementProblem.NO_ACCOUNT_SECTION
        ),
    ]
    for text in shown:
        assert not CYRILLIC & set(text), text


def test_the_bank_orders_list_fits_a_message() -> None:
    rows = tuple(
        Sendable(n, 0, "Баннеры " * 40, "ООО " * 40, Money(Decimal("9999999.99")), None, False)
        for n in range(8)
    )
    page = SendablePage(rows, total=10_000, page=3, per_page=8, due_today=10_000)
    for language in ("ru", "en"):
        text = texts_for(language).orders_list(page, [1, 2, 3], date(2026, 11, 23))
        assert visible_length(text) < TELEGRAM_LIMIT
