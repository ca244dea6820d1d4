"""The SQLite write gate: one writer at a time, urgent writers first, cancellation safe."""

from __future__ import annotations

import asyncio

from ledger.storage.uow import WriteGate


async def hold(gate: WriteGate, name: str, log: list[str], *, urgent: bool = False) -> None:
    async with gate(urgent=urgent):
        log.append(f"{name} in")
        await asyncio.sleep(0)  # let everybody else try to get in meanwhile
        log.append(f"{name} out")


async def test_one_writer_at_a_time_in_arrival_order() -> None:
    gate, log = WriteGate(serialize=True), []
    await asyncio.gather(*(hold(gate, name, log) for name in "abc"))
    assert log == ["a in", "a out", "b in", "b out", "c in", "c out"]


async def test_an_urgent_writer_goes_ahead_of_waiting_ordinary_ones() -> None:
    gate, log = WriteGate(serialize=True), []
    async with gate():
        waiting = [asyncio.create_task(hold(gate, name, log)) for name in ("b1", "b2")]
        await asyncio.sleep(0)
        urgent = asyncio.create_task(hold(gate, "webhook", log, urgent=True))
        await asyncio.sleep(0)
        log.append("holder out")
    await asyncio.gather(*waiting, urgent)
    assert log == [
        "holder out",
        "webhook in",
        "webhook out",
        "b1 in",
        "b1 out",
        "b2 in",
        "b2 out",
    ]


async def test_a_cancelled_waiter_neither_blocks_nor_skips_the_others() -> None:
    gate, log = WriteGate(serialize=True), []
    async with gate():
        gone = asyncio.create_task(hold(gate, "gone", log))
        after = asyncio.create_task(hold(gate, "after", log))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.sleep(0)
    await after
    assert gone.cancelled()
    assert log == ["after in", "after out"]
    async with asyncio.timeout(1):  # the gate is open again
        async with gate():
            pass


async def test_a_waiter_cancelled_just_as_it_is_let_in_passes_the_gate_on() -> None:
    gate, log = WriteGate(serialize=True), []
    holding = gate()
    await holding.__aenter__()
    unlucky = asyncio.create_task(hold(gate, "unlucky", log))
    after = asyncio.create_task(hold(gate, "after", log))
    await asyncio.sleep(0)
    await holding.__aexit__(None, None, None)  # hands the gate to `unlucky`, not yet running
    unlucky.cancel()
    async with asyncio.timeout(1):  # a gate left held by the cancelled waiter would hang here
        await after
    assert unlucky.cancelled()
    assert log == ["after in", "after out"]


async def test_without_serialize_writers_do_not_wait() -> None:
    gate, log = WriteGate(serialize=False), []
    await asyncio.gather(*(hold(gate, name, log) for name in "ab"))
    assert log == ["a in", "b in", "a out", "b out"]
