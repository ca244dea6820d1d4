"""Reading invoices: a supplier's PDF or a photo of its payment QR in, the details to pay out.

`read_invoice(data, filename=...)` sniffs what the bytes are (the declared type is not
trusted), reads a PDF's text layer and the ГОСТ Р 56042-2014 payment QR codes among its
pictures, or the QR on a photo, and returns an `InvoiceReading`: per field, every value read,
where from (text, qr), and whether its check digits hold (`ledger.bank_details`). Where the QR
and the text disagree, both stay, as a conflict the person settles.

Pure: bytes in, a reading out; no storage, no network, no bot. Not read: QR codes drawn as
vector shapes rather than pictures (rare; rendering a page needs a native renderer), and
pictures inside a PDF's form objects.
"""

from ledger.invoices.reader import MAX_INVOICE_BYTES, read_invoice
from ledger.invoices.reading import (
    VAT_EXEMPT,
    Field,
    Found,
    InvoiceProblem,
    InvoiceReading,
    InvoiceRefused,
    Source,
    Vat,
)

__all__ = [
    "MAX_INVOICE_BYTES",
    "VAT_EXEMPT",
    "Field",
    "Found",
    "InvoiceProblem",
    "InvoiceReading",
    "InvoiceRefused",
    "Source",
    "Vat",
    "read_invoice",
]
