"""What an invoice offers the form: believed values only, conflicts to pick, the edits they
make, and the offer kept as plain data between the file and the confirmation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.invoices import read_invoice
from ledger.money import Money
from ledger.requests.edits import (
    SetAmount,
    SetBankDetails,
    SetCounterparty,
    SetPurpose,
    SetVat,
)
from ledger.requests.offer import InvoiceOffer, Option, Origin, offer_from, purpose_for
from ledger.requests.states import VatMode
from tests import invoices_factory as made
from tests.invoices_factory import SOLE_TRADER, Invoice

INVOICE = Invoice()


def offer_of(data: bytes) -> InvoiceOffer:
    return offer_from(read_invoice(data, filename="счёт.pdf"))


def test_an_invoice_with_text_and_qr_offers_every_part_of_the_form_from_both() -> None:
    offer = offer_of(made.classic_1c(qr=2).data)

    assert offer.conflicts == ()
    assert offer.believed("inn") == Option(INVOICE.supplier_inn, (Origin.QR, Origin.TEXT))
    assert offer.parts() == ("counterparty", "amount", "bank_details", "purpose", "vat")
    assert (offer.number, offer.dated) == ("123", date(2026, 11, 22))
    assert offer.edits() == [
        SetCounterparty("ООО «Ромашка»", INVOICE.supplier_inn, "770801001"),
        SetAmount(Money(Decimal("15000.00"))),
        SetBankDetails(INVOICE.bik, INVOICE.account, INVOICE.correspondent_account, "ПАО СБЕРБАНК"),
        SetPurpose("Оплата по счету № 123 от 22.11.2026. В т.ч. НДС 20% - 2500.00 руб."),
        SetVat(VatMode.WITH_VAT, Money(Decimal("2500.00"))),
    ]


def test_a_qr_sum_that_disagrees_with_the_total_is_believed_only_once_picked() -> None:
    offer = offer_of(made.classic_1c(qr=2, qr_total=Decimal("14000.00")).data)

    assert offer.conflicts == ("amount",)
    assert [(o.value, o.origins) for o in offer.choices("amount")] == [
        ("14000.00", (Origin.QR,)),
        ("15000.00", (Origin.TEXT,)),
    ]
    assert not any(isinstance(edit, SetAmount) for edit in offer.edits())

    picked = offer.pick("amount", 1)

    assert picked.conflicts == ()
    assert SetAmount(Money(Decimal("15000.00"))) in picked.edits()


@pytest.mark.parametrize("index", [-1, 2, 99])
def test_a_choice_that_is_not_there_is_refused(index: int) -> None:
    offer = offer_of(made.classic_1c(qr=2, qr_total=Decimal("14000.00")).data)

    with pytest.raises(ValueError, match="no choice"):
        offer.pick("amount", index)


def test_an_invoice_without_a_purpose_gets_one_made_from_its_number_and_date() -> None:
    offer = offer_of(made.classic_1c().data)

    purpose = offer.believed("purpose")

    assert purpose == Option(
        "Оплата по счёту № 123 от 22.11.2026. В т.ч. НДС 20% 2500.00 руб.", (Origin.MADE,)
    )


def test_a_sole_trader_without_vat_is_offered_no_kpp_and_no_vat() -> None:
    offer = offer_of(made.freeform(SOLE_TRADER).data)

    edits = offer.edits()

    assert SetCounterparty("ИП Иванова Мария Петровна", SOLE_TRADER.supplier_inn, None) in edits
    assert SetVat(VatMode.WITHOUT_VAT) in edits


def test_a_value_that_fails_its_check_digits_is_shown_but_never_filled() -> None:
    wrong = Invoice(account=INVOICE.account[:-1] + str((int(INVOICE.account[-1]) + 1) % 10))
    offer = offer_of(made.classic_1c(wrong).data)

    assert [(name, option.problem) for name, option in offer.invalid] == [
        ("account", "key_mismatch")
    ]
    assert offer.believed("account") is None
    assert not any(isinstance(edit, SetBankDetails) for edit in offer.edits())


def test_an_invoice_with_nothing_readable_offers_nothing() -> None:
    offer = offer_of(made.blank().data)

    assert offer.is_empty
    assert offer.edits() == []


def test_the_parts_the_person_fills_themselves_are_left_out() -> None:
    offer = offer_of(made.classic_1c(qr=2).data)

    edits = offer.edits(leave_out={"amount", "bank_details"})

    assert not any(isinstance(edit, SetAmount | SetBankDetails) for edit in edits)
    assert any(isinstance(edit, SetCounterparty) for edit in edits)


def test_an_offer_is_kept_as_plain_data_and_read_back_the_same() -> None:
    offer = offer_of(made.classic_1c(qr=2, qr_total=Decimal("14000.00")).data).pick("amount", 0)

    assert InvoiceOffer.from_data(offer.to_data()) == offer


def test_a_vat_named_by_its_rate_alone_is_worked_out_from_the_amount() -> None:
    offer = InvoiceOffer(
        options={
            "amount": (Option("12200.00", (Origin.TEXT,)),),
            "vat": (Option("22|", (Origin.TEXT,)),),
        }
    )

    assert offer.edits() == [
        SetAmount(Money(Decimal("12200.00"))),
        SetVat(VatMode.WITH_VAT, Money(Decimal("2200.00"))),
    ]


def test_a_long_purpose_is_cut_at_a_word_to_fit_the_payment_order() -> None:
    offer = InvoiceOffer(options={"purpose": (Option("слово " * 60, (Origin.QR,)),)})

    [edit] = offer.edits()

    assert isinstance(edit, SetPurpose)
    assert len(edit.text) <= 210
    assert edit.text.endswith("слово")


def test_a_made_purpose_says_the_vat_as_banks_expect() -> None:
    assert purpose_for("А-17", date(2026, 11, 22), None, None) == (
        "Оплата по счёту № А-17 от 22.11.2026"
    )
