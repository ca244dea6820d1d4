"""Benchmark: reading invoices, as a payment request does when a file is sent to the bot.

Each kind of file is read `--runs` times (default 50, after `--warmup` unmeasured reads) with
`ledger.invoices.read_invoice`, in this process, one at a time, the way the bot calls it in a
worker thread; each read is timed from bytes in to the reading out. The files are the tests'
own (tests/invoices_factory.py), made once before timing:

- a one-page 1C «Счет на оплату» PDF with its text layer and the payment QR (goal: p99 under
  300 ms, issue 15's);
- a scanned one-page PDF: one JPEG picture of the page, read for its QR alone;
- a photo of an invoice's QR: a JPEG, askew;
- a phone photo: a 12-megapixel JPEG (4032×3024) of a page with the QR in one corner.

Correctness (exit 1 on a failure): every read of every kind gives the reading the file was
made to give (the factory's expected values), on every run.

Run: `.venv/bin/python bench/invoices.py [--runs 50] [--warmup 3]`.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# `python bench/invoices.py` puts bench/ on the path; the fixtures live in tests/ at the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from bench.common import code_version, percentile, verdict
from ledger.invoices import InvoiceReading, read_invoice
from tests import invoices_factory as make

GOAL_PDF_P99_MS = 300.0


@dataclass
class Kind:
    label: str
    made: make.Made
    goal_ms: float | None  # p99 goal; None: measured, no goal set
    timings: list[float]
    wrong: int = 0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.timings, 0.99) * 1000


def phone_photo() -> make.Made:
    """A 12 MP JPEG of a page, the invoice's QR in its lower right corner."""
    qr = make.photo(angle=4, scale=9)
    sheet = Image.new("RGB", (4032, 3024), (226, 221, 210))
    sheet.paste(Image.open(io.BytesIO(qr.data)), (2900, 1900))
    buffer = io.BytesIO()
    sheet.save(buffer, "JPEG", quality=88)
    return make.Made(buffer.getvalue(), qr.expected)


def kinds() -> list[Kind]:
    return [
        Kind("one-page PDF, text + QR", make.classic_1c(qr=1), GOAL_PDF_P99_MS, []),
        Kind("scanned PDF, QR only", make.scanned(qr=1), None, []),
        Kind("photo of the QR, askew", make.photo(angle=17), None, []),
        Kind("phone photo, 12 MP", phone_photo(), None, []),
    ]


def matches(reading: InvoiceReading, expected: dict[str, object]) -> bool:
    return all(getattr(reading, name).value == value for name, value in expected.items())


def measure(kind: Kind, runs: int, warmup: int, read: Callable[[bytes], InvoiceReading]) -> None:
    for _ in range(warmup):
        read(kind.made.data)
    gc.collect()
    gc.disable()  # a collection inside one read would time the collector, not the reader
    try:
        for _ in range(runs):
            started = time.perf_counter()
            reading = read(kind.made.data)
            kind.timings.append(time.perf_counter() - started)
            kind.wrong += not matches(reading, kind.made.expected)
    finally:
        gc.enable()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed reads of each kind")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured reads first")
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    measured = kinds()
    for kind in measured:
        measure(kind, args.runs, args.warmup, read_invoice)

    print(f"Invoice reading of {code_version()} ({os.cpu_count()} cores, {args.runs} runs each)")
    print(f"{'kind':<28} {'size':>9} {'median':>10} {'p99':>10}  goal")
    for kind in measured:
        goal = (
            f"p99 < {kind.goal_ms:.0f} ms {verdict(kind.p99_ms < kind.goal_ms)}"
            if kind.goal_ms is not None
            else "-"
        )
        print(
            f"{kind.label:<28} {len(kind.made.data) / 1024:6.0f} KB "
            f"{kind.median_ms:7.1f} ms {kind.p99_ms:7.1f} ms  {goal}"
        )
    correct = not any(kind.wrong for kind in measured)
    print(f"correctness          {'OK' if correct else 'FAILED'}")
    for kind in measured:
        if kind.wrong:
            print(f"  {kind.label}: {kind.wrong} of {args.runs} readings differ from the truth")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
