"""A value read from an invoice, on the button that picks it where the QR and the text
disagree: whole when it fits, else cut at a word's end with "…"."""

from __future__ import annotations

from handlers.request_invoice import LABEL_LIMIT, _label


def test_a_short_value_is_its_own_label() -> None:
    assert _label("15 000,00 ₽") == "15 000,00 ₽"


def test_a_long_value_is_cut_at_a_word_with_an_ellipsis() -> None:
    purpose = "Оплата по счёту № А-17 от 22.11.2026 за дизайн листовки. Без НДС"

    label = _label(purpose)

    assert label == "Оплата по счёту № А-17 от 22.11.2026…"
    assert len(label) <= LABEL_LIMIT


def test_a_value_without_spaces_is_cut_at_the_limit() -> None:
    label = _label("Я" * 100)

    assert label == "Я" * (LABEL_LIMIT - 1) + "…"
