"""What start-up does to be quick: bytecode for our own modules, the collector paused while the
bot loads."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Gives back to the collector what a test froze, so the worker's memory is not kept."""
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_loading_pauses_the_collector_and_freezes_what_was_loaded() -> None:
    with cli.loading():
        paused = not gc.isenabled()
        loaded = [[index] for index in range(1000)]

    assert paused
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(loaded)


@pytest.mark.usefixtures("unfrozen")
def test_a_start_that_fails_while_loading_gives_the_collector_back() -> None:
    with pytest.raises(RuntimeError, match="no database"), cli.loading():
        raise RuntimeError("no database")

    assert gc.isenabled()


def test_our_modules_keep_their_bytecode_where_the_environment_says_not_to(
    tmp_path: Path,
) -> None:
    # The bytecode goes under PYTHONPYCACHEPREFIX, so the test writes nothing into the tree.
    environment = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPYCACHEPREFIX": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "--help"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    cached = {path.name.split(".")[0] for path in tmp_path.rglob("ledger/*.pyc")}
    assert "roles" in cached
