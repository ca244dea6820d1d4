"""The amoCRM worker child never outlives `run`: with its parent killed by SIGKILL (nothing
runs in the parent to stop it), the child, and anything it started, is gone within seconds,
having closed what it held. Both ways it learns of it are tried: Linux's death signal, and
the pipe from the parent that every system has."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from pathlib import Path

import pytest

from config.settings import Settings

REPO = Path(__file__).resolve().parents[2]
GONE_WITHIN = 5.0  # seconds
START_TIMEOUT = 60.0  # a cold interpreter imports the worker slowly on a small machine
# `run`, reduced to what matters: it starts the worker, then is killed doing nothing.
PARENT = textwrap.dedent(
    """
    import pickle, sys, time
    sys.path.insert(0, sys.argv[1])
    from app.amocrm_worker import spawn_amocrm_worker
    settings = pickle.loads(bytes.fromhex(sys.argv[2]))
    options = {} if sys.argv[3] == "death-signal" else {"death_signal": False}
    child = spawn_amocrm_worker(settings, **options)
    print(child.pid, flush=True)
    time.sleep(600)
    """
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _processes() -> dict[int, tuple[str, int]]:
    """Every process: its state letter and its parent's pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone while we looked
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        found[int(entry.name)] = (state, int(parent))
    return found


def _descendants(root: int) -> set[int]:
    children: dict[int, set[int]] = defaultdict(set)
    for pid, (_, parent) in _processes().items():
        children[parent].add(pid)
    found: set[int] = set()
    waiting = [root]
    while waiting:
        for child in children[waiting.pop()] - found:
            found.add(child)
            waiting.append(child)
    return found


def _running(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie waiting to be reaped has finished)."""
    processes = _processes()
    return {pid for pid in pids if pid in processes and processes[pid][0] not in "ZX"}


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("notice", ["death-signal", "pipe"])
def test_the_worker_child_is_gone_within_seconds_of_its_parent_killed(
    notice: str, database_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        data_dir=tmp_path / "data",
        mappings_file=REPO / "config" / "mappings.toml",
        amocrm_base_url="http://127.0.0.1:9",
        amocrm_long_lived_token="long-lived-token-of-the-test",
        amocrm_worker="process",
    )
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, str(REPO), pickle.dumps(settings).hex(), notice],
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=tmp_path,
        )
    family: set[int] = set()
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        started = _wait_for(lambda: b"amoCRM worker started" in log.read_bytes(), START_TIMEOUT)
        assert started, log.read_text(errors="replace")
        family = _descendants(parent.pid)
        assert child in _running(family)

        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()

        assert _wait_for(lambda: not _running(family), GONE_WITHIN), (
            f"still running: {_running(family)}"
        )
        # It stopped, not just vanished: its scheduler and its connections were closed.
        assert b"amoCRM worker stopped" in log.read_bytes()
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in _running(family | _descendants(parent.pid)):  # a failure leaves no orphan
            os.kill(pid, signal.SIGKILL)
