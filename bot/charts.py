"""Charts as PNG images for chats: the owner looks at a picture rather than reads a table.

Rendering is CPU work of a tenth of a second or more, so callers run it in a worker thread
(`asyncio.to_thread`). That is why the figure is built with matplotlib's object API and its
Agg canvas, never `pyplot`: pyplot keeps global state that is not safe across threads and
holds every figure until closed, while a `Figure` made here is freed with its last reference.
Money arrives as Decimal and becomes float only here, for drawing. matplotlib is imported on
the first chart, not at start-up: it costs a third of a second to import, and most runs of the
bot never draw.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

# Sized for a phone: 8 x 4.5 inches at 120 dpi is 960 x 540 pixels, sharp and light.
SIZE_INCHES = (8.0, 4.5)
DPI = 120
TURNOVER_COLOR = "#4C78A8"
MARKETING_COLOR = "#F58518"
BAR_WIDTH = 0.38


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The words on the chart, in the reader's language."""

    title: str
    turnover: str
    marketing: str
    currency: str = "₽"


def marketing_vs_turnover_png(
    months: Sequence[str],
    turnover: Sequence[Decimal],
    marketing: Sequence[Decimal],
    labels: ChartLabels,
) -> bytes:
    """Grouped bars per month: turnover beside marketing spend, with marketing's share on top."""
    if not len(months) == len(turnover) == len(marketing):
        raise ValueError("one turnover and one marketing figure per month")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(months))
    turnover_bars = axes.bar(
        [x - BAR_WIDTH / 2 for x in positions],
        [float(value) for value in turnover],
        BAR_WIDTH,
        label=labels.turnover,
        color=TURNOVER_COLOR,
    )
    marketing_bars = axes.bar(
        [x + BAR_WIDTH / 2 for x in positions],
        [float(value) for value in marketing],
        BAR_WIDTH,
        label=labels.marketing,
        color=MARKETING_COLOR,
    )
    axes.bar_label(turnover_bars, labels=[_short(v) for v in turnover], fontsize=8, padding=2)
    axes.bar_label(
        marketing_bars,
        labels=[_share(m, t) for m, t in zip(marketing, turnover, strict=True)],
        fontsize=8,
        padding=2,
    )
    axes.set_xticks(list(positions), list(months))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{_grouped(y)} {labels.currency}"))
    axes.set_title(labels.title)
    axes.legend(loc="upper left", frameon=False)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(y=0.15)  # room for the labels above the tallest bar
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    figure.clear()
    return buffer.getvalue()


def _grouped(value: float) -> str:
    """Whole rubles grouped by thousands with a narrow no-break space, the Russian way, and
    the true minus sign the cards use; a value that rounds to zero is "0", never "-0"."""
    text = f"{round(value) + 0:,.0f}".replace(",", "\u202f")
    return text.replace("-", MINUS)


MINUS = "\u2212"


def _short(value: Decimal) -> str:
    """A bar's label: whole rubles, or nothing for an empty bar."""
    return _grouped(float(value)) if value else ""


def _share(marketing: Decimal, turnover: Decimal) -> str:
    """Marketing's share of turnover, "12%"; the amount itself when there is no turnover."""
    if not marketing:
        return ""
    if not turnover:
        return _grouped(float(marketing))
    return f"{marketing / turnover:.0%}"
