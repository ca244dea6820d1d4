"""What every benchmark prints: percentiles, verdicts, and the commit measured."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else math.nan


def ms_line(latencies: list[float], points: tuple[float, ...] = (0.5, 0.95, 0.99)) -> str:
    """Seconds as "p50 12.3, p95 …, p99 …, max …" in milliseconds."""
    parts = [f"p{round(q * 100)} {percentile(latencies, q) * 1000:.1f}" for q in points]
    return ", ".join([*parts, f"max {max(latencies, default=0) * 1000:.1f}"])


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def code_version() -> str:
    """The commit measured (and whether the work tree differs from it); read-only git calls."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}{' + uncommitted changes' if dirty else ''}"
