"""A list read ahead of its reader: in order, reading while the reader works, errors where they fall, and
nothing left running when the reader stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from reconciler.live.ahead import TURN_EVERY, cancelled, read_ahead

pytestmark = pytest.mark.anyio


async def listed(count: int, log: list[int], fail_at: int | None = None) -> AsyncGenerator[int, None]:
    for item in range(count):
        if item == fail_at:
            raise ValueError(f"the list failed at {item}")
        log.append(item)
        yield item


async def test_every_item_comes_in_order() -> None:
    log: list[int] = []
    async with read_ahead(listed(100, log), 8) as items:
        assert [item async for item in items] == list(range(100))


async def test_the_list_is_read_before_the_reader_asks_and_while_it_works() -> None:
    """Import reads Dintero's list first: Klarna's pages come in meanwhile, up to the bound."""
    log: list[int] = []
    async with read_ahead(listed(1000, log), 50) as items:
        for _ in range(100):
            await asyncio.sleep(0)  # the reader waits for something else
        assert 50 <= len(log) <= 52  # the queue's bound, and an item or two on their way into it
        taken = []
        async for item in items:  # a reader that never waits on its own: it still lets the list go on
            taken.append(item)
            if len(taken) == 2 * TURN_EVERY:
                break
        assert len(log) > 50 + TURN_EVERY


async def test_an_error_of_the_list_is_raised_where_the_reader_reaches_it() -> None:
    log: list[int] = []
    taken: list[int] = []
    with pytest.raises(ValueError, match="the list failed at 7"):
        async with read_ahead(listed(20, log, fail_at=7), 4) as items:
            async for item in items:
                taken.append(item)
    assert taken == list(range(7))


async def test_leaving_early_stops_the_reading_and_leaves_no_task() -> None:
    ended: list[str] = []

    async def endless() -> AsyncGenerator[int, None]:
        try:
            item = 0
            while True:
                await asyncio.sleep(0)
                yield item
                item += 1
        finally:
            ended.append("closed")

    before = asyncio.all_tasks()
    async with read_ahead(endless(), 4) as items:
        async for item in items:
            if item == 10:
                break
    assert ended == ["closed"]
    assert asyncio.all_tasks() - before == set()


async def test_cancelled_keeps_the_waiting_tasks_own_cancellation() -> None:
    """A task cancelled while it waits for what it cancels stays cancelled: its cancellation is not
    taken for the one it asked for."""
    gate = asyncio.Event()
    inner = asyncio.ensure_future(gate.wait())

    async def waiter() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            await cancelled(inner)

    task = asyncio.ensure_future(waiter())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert inner.cancelled()


async def test_cancelled_drops_the_failure_of_what_nobody_reads() -> None:
    async def fails() -> None:
        raise ValueError("a page nobody reads")

    pending = asyncio.ensure_future(fails())
    await asyncio.sleep(0)
    await cancelled(pending)  # no error: the reader stopped before that page was its concern
    assert pending.done()


async def test_cancelled_keeps_a_cancellation_that_comes_while_it_waits() -> None:
    """Cancelled while what it cancels is still ending (a page's request closing its connection): the
    waiting task ends cancelled, and does not go on as if the cancellation were the one it asked for."""
    release = asyncio.Event()

    async def slow_to_end() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.wait()  # its cleanup takes a while; a second cancellation ends it
            raise

    inner = asyncio.ensure_future(slow_to_end())
    went_on: list[str] = []

    async def waiter() -> None:
        await cancelled(inner)
        went_on.append("went on")

    task = asyncio.ensure_future(waiter())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not inner.done()  # the waiter is inside cancelled(), waiting for inner to end
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=10)
    assert inner.cancelled()
    assert went_on == []


async def test_a_list_stopped_between_its_items_is_closed_when_the_reader_leaves() -> None:
    """The filling task is cancelled while it waits for room in the queue, its list suspended at an item
    (a page's items, given without waiting): the list is closed then, not whenever it is collected."""
    ended: list[str] = []

    async def pages() -> AsyncGenerator[int, None]:
        try:
            for item in range(1000):
                yield item  # never waits: the filler stops only at the full queue
        finally:
            ended.append("closed")

    listed = pages()  # held here: only closing it runs its ``finally``
    async with read_ahead(listed, 4) as items:
        async for item in items:
            if item == 10:
                break
    assert ended == ["closed"]
