"""A warm `./start`, timed: .venv and the database already there, no BOT_TOKEN, so it opens
the console. Issue 12's figures.

    .venv/bin/python bench/warm_start.py [--runs 7] [--importtime] [--top 25]

Each run launches `./start` in this checkout with DATA_DIR in a temporary folder (one
unmeasured run first creates and migrates its database), and times it from launch until it
prints the prompt `you ›`, and until its answer to `1500 такси`, typed the moment the prompt
appeared (the console reads the first line while the bot loads, so the two differ). Medians
are printed, and every run.

With --importtime, one more run goes under `python -X importtime`, and the slowest imports of
a whole start (through that first answer) are listed: by package, the time spent in its own
modules; and the single imports that took longest, what they pulled in included.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, code_version, verdict
from bench.newcomer import time_to_prompt

GOALS = {"warm ./start to the prompt": 3.0, "warm ./start to the first answer": None}
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def console_env(data_dir: Path) -> dict[str, str]:
    """This environment without a token or test settings, the data in `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "KOPEYKA_"))}
    for name in ("TEST_DATABASE_URL", "DATABASE_URL", "PYTHONPATH"):
        env.pop(name, None)
    env["DATA_DIR"] = str(data_dir)
    return env


def import_times(data_dir: Path) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) of every import of a console start that answers
    one line and quits."""
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-X", "importtime", "run.py", "console"],
        cwd=REPO,
        env=console_env(data_dir),
        input="1500 такси\n:quit\n".encode(),
        capture_output=True,
        timeout=300,
        check=False,
    )
    found = parse_import_times(done.stderr.decode(errors="replace"))
    if not found:
        raise SystemExit(f"no import times came out:\n{done.stderr.decode()[-3000:]}")
    return found


def parse_import_times(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) from `-X importtime`'s lines."""
    found = []
    for line in stderr.splitlines():
        if match := _IMPORT_LINE.match(line):
            own, total, indent, name = match.groups()
            found.append((name, int(own), int(total), len(indent) // 2))
    return found


def print_import_times(found: list[tuple[str, int, int, int]], top: int) -> None:
    by_package: collections.Counter[str] = collections.Counter()
    for name, own, _, _ in found:
        by_package[name.split(".")[0]] += own
    print(f"  all imports: {sum(own for _, own, _, _ in found) / 1e6:.2f} s (self times summed)")
    print(f"  packages by time in their own modules (top {top}):")
    for package, own in by_package.most_common(top):
        print(f"    {own / 1e6:6.3f} s  {package}")
    print(f"  single imports by cumulative time, what they imported included (top {top}):")
    for name, _, total, depth in sorted(found, key=lambda row: -row[2])[:top]:
        print(f"    {total / 1e6:6.3f} s  {'  ' * depth}{name}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs (default 7)")
    parser.add_argument("--importtime", action="store_true", help="list the slowest imports")
    parser.add_argument("--top", type=int, default=25, help="how many imports to list")
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if not (REPO / ".venv" / "bin" / "python").exists():
        raise SystemExit("no .venv yet: run ./start once (or ./test) first")
    scratch = Path(tempfile.mkdtemp(prefix="kopeyka-warm-start-"))
    try:
        env = console_env(scratch)
        time_to_prompt(REPO, env)  # creates and migrates the database: not a warm start
        runs = [time_to_prompt(REPO, env) for _ in range(args.runs)]
        found = import_times(scratch) if args.importtime else []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    figures = {
        "warm ./start to the prompt": statistics.median(prompt for prompt, _ in runs),
        "warm ./start to the first answer": statistics.median(answer for _, answer in runs),
    }
    print(f"Warm start of {code_version()} ({os.cpu_count()} cores, median of {args.runs} runs)")
    for step, seconds in figures.items():
        goal = GOALS[step]
        judged = f"goal ≤ {goal:g} s   {verdict(seconds <= goal)}" if goal else "(no goal)"
        print(f"  {step:<34} {seconds:6.2f} s   {judged}")
    print(f"  runs, prompt/answer: {', '.join(f'{p:.2f}/{a:.2f}' for p, a in runs)} s")
    if found:
        print_import_times(found, args.top)
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"  (benchmark took {time.perf_counter() - started:.0f} s)")
    sys.exit(status)
