"""What start-up does to be quick: the collector paused while the bot loads."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from app import cli


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
