"""A newcomer's first minutes, timed: clone, `./start` to the console prompt, `./test`, and a
warm `./start` again, as the README tells a new user to do.

    python3 bench/newcomer.py [--warm-caches] [--keep] [--repo PATH]

It needs only Python 3.11+ (nothing installed): the clone is made in a temporary folder from
this checkout's HEAD, and by default the installers' download caches start empty there too,
as on a fresh machine (`--warm-caches` uses yours). The console prompt is timed from the
moment `./start` is launched until it prints `you ›`. Figures go to the README and the
closing note; the goals are issue 10's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import code_version, verdict

PROMPT = "you ›".encode()
GOALS = {  # step -> seconds
    "first ./start to the console prompt": 40.0,
    "first ./test (after ./start), SQLite": 100.0,
    "warm ./start to the prompt": 3.0,
}
WARM_RUNS = 5


def time_to_prompt(checkout: Path, env: dict[str, str], timeout: float = 600) -> float:
    """Seconds from launching `./start` until the console's prompt; then it is told to quit."""
    started = time.perf_counter()
    process = subprocess.Popen(
        ["./start"],
        cwd=checkout,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    seen = bytearray()
    prompted = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        while chunk := process.stdout.read1(4096):
            seen.extend(chunk)
            if PROMPT in seen:
                prompted.set()
        prompted.set()  # the output ended: a failure, reported below

    threading.Thread(target=read, daemon=True).start()
    if not prompted.wait(timeout) or PROMPT not in seen:
        process.kill()
        raise SystemExit(f"./start never showed the prompt; it printed:\n{seen.decode()}")
    elapsed = time.perf_counter() - started
    assert process.stdin is not None
    process.stdin.write(b":quit\n")
    process.stdin.close()
    process.wait(60)
    return elapsed


def run_tests(checkout: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        ["./test"], cwd=checkout, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0:
        raise SystemExit(f"./test failed ({done.returncode}):\n{done.stdout[-3000:]}")
    return elapsed, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--warm-caches", action="store_true", help="keep uv's and pip's caches")
    parser.add_argument("--keep", action="store_true", help="leave the clone behind")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="kopeyka-newcomer-"))
    checkout = scratch / "kopeyka"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "KOPEYKA_"))}
    env.pop("TEST_DATABASE_URL", None)
    if not args.warm_caches:
        env["UV_CACHE_DIR"] = str(scratch / "uv-cache")
        env["PIP_CACHE_DIR"] = str(scratch / "pip-cache")
    try:
        started = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", str(args.repo), str(checkout)], check=True)
        clone = time.perf_counter() - started
        first_start = time_to_prompt(checkout, env)
        first_test, summary = run_tests(checkout, env)
        warm = [time_to_prompt(checkout, env) for _ in range(WARM_RUNS)]
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    figures = {
        "first ./start to the console prompt": first_start,
        "first ./test (after ./start), SQLite": first_test,
        "warm ./start to the prompt": statistics.median(warm),
    }
    caches = "the user's caches" if args.warm_caches else "empty download caches"
    print(f"Newcomer run of {code_version()} ({os.cpu_count()} cores, {caches})")
    print(f"  git clone                                  {clone:6.1f} s")
    for step, seconds in figures.items():
        goal = GOALS[step]
        print(f"  {step:<42} {seconds:6.1f} s   goal ≤ {goal:g} s   {verdict(seconds <= goal)}")
    print(f"  warm runs: {', '.join(f'{s:.1f}' for s in warm)} s")
    print(f"  ./test: {' '.join(summary.split())}")
    print(f"  in all, clone to a green suite: {clone + first_start + first_test:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
