"""A newcomer's first minutes, timed: clone, `./start` to the console prompt, `./test`, and a
warm `./start` again, as the README tells a new user to do.

    python3 bench/newcomer.py [--warm-caches] [--keep] [--repo PATH]

It needs only Python 3.11+ (nothing installed): the clone is made in a temporary folder from
this checkout's HEAD, and by default the installers' download caches start empty there too,
as on a fresh machine (`--warm-caches` uses yours). The console prompt is timed from the
moment `./start` is launched until it prints `you ›`; at once `1500 такси` is typed, and the
first answer is timed until the expense card is printed (the console reads the first line
while the bot is still loading, so the two differ). Figures go to the README and the closing
note; the goals are issue 10's.

The suite's smoke test (tests/bench/test_smoke.py) runs only the cheap parts: the arguments,
and the timing of `./start` and `./test` against stand-ins in a temporary folder. A whole run
clones and installs from scratch, which takes minutes and the network, so it stays by hand.
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
FIRST_LINE = "1500 такси\n".encode()
CARD = "Сумма:".encode()  # a line of the expense card: the bot has answered
GOALS = {  # step -> seconds; None: measured, no goal set
    "first ./start to the console prompt": 40.0,
    "first ./start to the first answer": None,
    "first ./test (after ./start), SQLite": 100.0,
    "warm ./start to the prompt": 3.0,
    "warm ./start to the first answer": None,
}
WARM_RUNS = 5


def time_to_prompt(
    checkout: Path, env: dict[str, str], timeout: float = 600
) -> tuple[float, float]:
    """Seconds from launching `./start` until the console's prompt, and until its answer to a
    line typed the moment the prompt appeared; then it is told to quit.
    """
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
    changed = threading.Condition()

    def read() -> None:
        assert process.stdout is not None
        while chunk := process.stdout.read1(4096):
            with changed:
                seen.extend(chunk)
                changed.notify_all()
        with changed:
            seen.extend(b"\0")  # the output ended
            changed.notify_all()

    def wait_for(marker: bytes) -> float:
        with changed:
            if not changed.wait_for(lambda: marker in seen or seen.endswith(b"\0"), timeout):
                process.kill()
            if marker not in seen:
                process.kill()
                raise SystemExit(f"./start never printed {marker.decode()!r}:\n{seen.decode()}")
        return time.perf_counter() - started

    threading.Thread(target=read, daemon=True).start()
    prompt = wait_for(PROMPT)
    assert process.stdin is not None
    process.stdin.write(FIRST_LINE)
    process.stdin.flush()
    answer = wait_for(CARD)
    process.stdin.write(b":quit\n")
    process.stdin.close()
    process.wait(60)
    return prompt, answer


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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--warm-caches", action="store_true", help="keep uv's and pip's caches")
    parser.add_argument("--keep", action="store_true", help="leave the clone behind")
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()

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
        first_start, first_answer = time_to_prompt(checkout, env)
        first_test, summary = run_tests(checkout, env)
        warm = [time_to_prompt(checkout, env) for _ in range(WARM_RUNS)]
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    figures = {
        "first ./start to the console prompt": first_start,
        "first ./start to the first answer": first_answer,
        "first ./test (after ./start), SQLite": first_test,
        "warm ./start to the prompt": statistics.median(prompt for prompt, _ in warm),
        "warm ./start to the first answer": statistics.median(answer for _, answer in warm),
    }
    caches = "the user's caches" if args.warm_caches else "empty download caches"
    print(f"Newcomer run of {code_version()} ({os.cpu_count()} cores, {caches})")
    print(f"  git clone                                  {clone:6.1f} s")
    for step, seconds in figures.items():
        goal = GOALS[step]
        judged = f"goal ≤ {goal:g} s   {verdict(seconds <= goal)}" if goal else "(no goal)"
        print(f"  {step:<42} {seconds:6.1f} s   {judged}")
    runs = ", ".join(f"{prompt:.1f}/{answer:.1f}" for prompt, answer in warm)
    print(f"  warm runs, prompt/answer: {runs} s")
    print(f"  ./test: {' '.join(summary.split())}")
    print(f"  in all, clone to a green suite: {clone + first_start + first_test:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
