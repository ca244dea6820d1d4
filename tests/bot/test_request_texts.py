"""The requester's form speaks English in English: every card, question, refusal and button
of it rendered with English values shows no Cyrillic (the values people type stay theirs)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from bot.texts import Texts, texts_for
from ledger.amounts import AmountError, AmountProblem
from ledger.bank_details import DetailProblem
from ledger.dates import DateError, DateProblem
from ledger.invoices import InvoiceProblem
from ledger.money import Money
from ledger.roles import Role

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
DAY = date(2026, 11, 24)
AMOUNT = Money(Decimal("15000"))


def renderings(texts: Texts) -> list[str]:
    parts = list(texts.form_parts)
    return [
        *(texts.btn_form_edit(part) for part in parts),
        *(texts.form_part(part) for part in parts),
        *(texts.form_question(asked) for asked in texts.form_questions),
        *(texts.form_status(status) for status in texts.form_statuses),
        texts.form_origins_of(("qr", "text")),
        texts.form_origins_of(("made",)),
        texts.form_origins_of(("known", "previous")),
        texts.btn_form_date(DAY, DAY),
        texts.btn_form_date(DAY, date(2026, 11, 23)),
        texts.btn_form_vat_rate(20, Money(Decimal("2500"))),
        texts.btn_form_deal("Kitchen", "D-1"),
        texts.form_counterparty("LLC Romashka", "7707083893", "773601001"),
        texts.form_counterparty(None, "7707083893", None, waiting=True),
        texts.form_bank("044525225", "4" * 20, "3" * 20, "Sberbank"),
        texts.form_bank("044525225", None, None, None, waiting=True),
        texts.form_vat(None, None),
        texts.form_vat(False, None),
        texts.form_vat(True, Money(Decimal("2500"))),
        texts.form_vat(True, None),
        texts.form_deal("Kitchen", "D-1"),
        texts.form_line("amount", "15 000", required=True),
        texts.form_title(1, "returned"),
        texts.form_read_from_command(AMOUNT, "supplier"),
        texts.form_read_from_command(AMOUNT, None),
        texts.form_read_from_command(None, "supplier"),
        texts.form_returned("Olga", "cheaper please"),
        texts.form_left(["What for"]),
        texts.form_found_known("LLC Romashka", "773601001", "BIK 044525225"),
        texts.form_filled_from_known(),
        *(texts.form_blocker(kind, "pay_by", None) for kind in ("missing", "past_date", "vat")),
        texts.form_blocker("detail", "account", "key_mismatch"),
        texts.form_not_sent(["x"]),
        texts.form_not_sent_toast(2),
        texts.form_submitted(1, "submitted"),
        texts.form_submitted(1, "approved"),
        texts.form_draft_open(1, "Banners"),
        *(
            texts.detail_problem(field, problem.value)
            for field in ("inn", "kpp", "bik", "account", "corr_account")
            for problem in DetailProblem
        ),
        texts.form_detail_refused(["x"]),
        *(
            texts.form_refused(reason)
            for reason in (
                "not_positive",
                "past_date",
                "empty",
                "vat",
                "category",
                "deal",
                "file",
                "not_editable",
                "currency",
                "other",
            )
        ),
        texts.form_refused("too_long", 500),
        texts.form_refused("too_large", Money(Decimal("1000000"))),
        *(texts.form_date_error(DateError(problem)) for problem in DateProblem),
        *(texts.form_amount_error(AmountError(problem)) for problem in AmountProblem),
        texts.form_no_deal("D-404"),
        *(texts.invoice_refused(problem.value) for problem in InvoiceProblem),
        texts.invoice_title(1, "123", DAY),
        texts.invoice_title(1, None, None),
        texts.invoice_value("Amount", "15 000", "QR"),
        texts.invoice_conflict("Amount", ["1", "2"]),
        texts.invoice_invalid("account", "4" * 20, "QR", "bad"),
        *(
            texts.invoice_value_label(name)
            for name in ("name", "inn", "kpp", "bank_name", "bik", "account", "corr_account")
        ),
        *(
            texts.invoice_value_label(name)
            for name in ("amount", "vat", "purpose", "what_for", "category", "place")
        ),
        texts.invoice_vat(True, None, None),
        texts.invoice_vat(False, "20", Money(Decimal("2500"))),
        texts.invoice_vat(False, None, Money(Decimal("2500"))),
        texts.btn_mine_open(1),
        texts.mine_line(1, "approved", "Banners", AMOUNT, DAY),
        texts.mine_card_title(1, "paid"),
        texts.mine_step(1, 2),
        *(
            texts.mine_approval(decision, "Olga", "23.11.2026 12:00", "why")
            for decision in ("approved", "auto", "rejected", "returned")
        ),
        texts.mine_paid(AMOUNT, AMOUNT),
        texts.mine_comments_count(2),
        texts.mine_comments_title(1),
        texts.mine_comment_added(1),
        texts.mine_history_title(1),
        *(
            texts.mine_history_line("23.11.2026 12:00", None, action, field, "1", "2", "note")
            for action, field in (
                ("created", None),
                ("edited", "amount"),
                ("edited", "account"),
                ("step_approved", None),
                ("returned", None),
            )
        ),
        texts.mine_history_line(
            "23.11.2026 12:00", "Anna", "payment", None, None, "5000.00 RUB", "2026-11-23"
        ),
        texts.mine_history_line(
            "23.11.2026 12:00", "Anna", "payment", None, None, "100.00 USD (9150.50 RUB)", "x"
        ),
        texts.mine_history_line("23.11.2026 12:00", "Anna", "sent", None, None, "7", "2026-11-24"),
        texts.mine_cancelled(1),
        texts.btn_filing_link_revoke(1),
        texts.filing_link_line(1, "Marketing", "https://t.me/bot?start=req_1", "Ads", None, DAY),
        texts.filing_link_created("Marketing", "https://t.me/bot?start=req_1", DAY),
        texts.link_refused("revoked"),
        texts.help(frozenset({Role.REQUESTER})),
    ]


def test_the_requesters_form_shows_no_russian_in_english() -> None:
    leaks = [text for text in renderings(texts_for("en")) if CYRILLIC.search(text)]

    assert not leaks


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_phrase_of_the_form_renders(language: str) -> None:
    assert all(renderings(texts_for(language)))


def test_a_payment_and_a_send_to_the_bank_read_in_a_requests_history() -> None:
    texts = texts_for("ru")
    when = "23.11.2026 12:00"
    paid = texts.mine_history_line(when, "Анна", "payment", None, None, "5000.00 RUB", "2026-11-23")
    foreign = texts.mine_history_line(
        when, "Анна", "payment", None, None, "100.00 USD (9150.50 RUB)", "2026-11-23"
    )
    sent = texts.mine_history_line(when, "Анна", "sent", None, None, "7", "2026-11-24")
    assert paid.replace("\xa0", " ") == f"{when} — Анна: оплата 5 000,00 ₽ от 23.11.2026"
    assert "оплата 100,00 $ (9 150,50 ₽) от 23.11.2026" in foreign.replace("\xa0", " ")
    assert sent == f"{when} — Анна: 🏦 Платёжка №7 от 24.11.2026 отправлена в банк"
