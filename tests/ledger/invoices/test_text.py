"""Reading an invoice's text: the labels say whose details are whose, and which amount is the
one to pay. Each row is a line as invoices write it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.invoices import VAT_EXEMPT, Vat
from ledger.invoices.text import read_purpose_like, read_text


@pytest.mark.parametrize(
    ("text", "number", "day"),
    [
        ("Счет на оплату № 123 от 22 ноября 2026 г.", "123", date(2026, 11, 22)),
        ("Счёт № А-17 от 22.11.2026", "А-17", date(2026, 11, 22)),
        ("СЧЕТ N 45/2 от «3» марта 2026 г.", "45/2", date(2026, 3, 3)),
        ("Оплата по счету №0017, от 01.02.26", "0017", date(2026, 2, 1)),
    ],
)
def test_the_number_and_date_are_read_as_invoices_write_them(
    text: str, number: str, day: date
) -> None:
    assert read_purpose_like(text) == {"number": [number], "date": [day]}


def test_a_date_that_does_not_exist_is_not_read() -> None:
    assert read_purpose_like("Счет № 5 от 31.02.2026") == {}


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("Итого: 15 000,00\nВ том числе НДС (20%): 2 500,00\nВсего к оплате: 15 000,00", "15000"),
        ("Итого к оплате: 48 500,00 руб.", "48500"),
        ("Итого:\n1 234 567,8", "1234567.80"),
        ("Итого: 100,00\nИтого: 250,00", "250"),  # a page's subtotal, then the total
        ("К оплате: 990.50", "990.50"),
        ("Всего наименований 2, на сумму 15 000,00 руб.", "15000"),
        ("Итого НДС: 2 500,00\nИтого: 15000", "15000"),
    ],
)
def test_the_total_to_pay_is_the_amount_after_its_label(text: str, total: str) -> None:
    assert read_text(text)["total"] == [Decimal(total)]


@pytest.mark.parametrize(
    ("text", "vat"),
    [
        ("В том числе НДС (20%): 2 500,00", Vat(Decimal(20), Decimal("2500.00"))),
        ("в т.ч. НДС 10% - 1 000,00", Vat(Decimal(10), Decimal("1000.00"))),
        ("НДС 22%", Vat(Decimal(22), None)),
        ("Ставка НДС 5%\nИтого НДС: 47,62", Vat(Decimal(5), Decimal("47.62"))),
        ("Сумма НДС: 300,00", Vat(None, Decimal("300.00"))),
        ("Без НДС", VAT_EXEMPT),
        ("Без налога (НДС)   -", VAT_EXEMPT),
        ("НДС не облагается", VAT_EXEMPT),
    ],
)
def test_vat_is_read_with_its_rate_and_amount_or_as_none(text: str, vat: Vat) -> None:
    assert read_text(text)["vat"] == [vat]


def test_the_buyers_details_are_never_taken_for_the_suppliers() -> None:
    text = (
        "Плательщик: ООО «Копейка», ИНН 5038191314, КПП 503801001\n"
        "р/с 40702810740000432537 в ПАО Сбербанк, БИК 044525225\n"
        "Грузополучатель: ООО «Копейка», ИНН 5038191314\n"
        "Получатель: ООО «Ромашка», ИНН/КПП 7708123450/770801001\n"
        "Банк получателя: АО «ТБанк»\n"
        "БИК 044525974 к/с 30101810145250000974 р/с 40702810810000117040\n"
    )

    found = read_text(text)

    assert found["supplier_name"] == ["ООО «Ромашка»"]
    assert found["supplier_inn"] == ["7708123450"]
    assert found["supplier_kpp"] == ["770801001"]
    assert found["bik"] == ["044525974"]
    assert found["account"] == ["40702810810000117040"]
    assert found["correspondent_account"] == ["30101810145250000974"]
    assert found["bank_name"] == ["АО «ТБанк»"]


def test_twenty_digit_codes_that_are_not_accounts_are_passed_over() -> None:
    found = read_text("Исполнитель: ИП Петров\nКБК 18210102010011000110\nр/с 40802810500007432200")

    assert found["account"] == ["40802810500007432200"]


def test_two_different_inns_of_the_supplier_are_both_kept() -> None:
    found = read_text("Поставщик: ООО «Ромашка», ИНН 7708123450\nИНН 7707083893")

    assert found["supplier_inn"] == ["7708123450", "7707083893"]


def test_a_text_without_labels_gives_nothing_it_cannot_place() -> None:
    assert read_text("Спасибо за покупку!") == {}


def test_a_purpose_line_is_read_to_its_end() -> None:
    found = read_text("Назначение платежа: Оплата по договору № 5 за ноябрь, без НДС\n")

    assert found["purpose"] == ["Оплата по договору № 5 за ноябрь, без НДС"]
    assert found["vat"] == [VAT_EXEMPT]
