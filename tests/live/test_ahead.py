"""A list read ahead of its reader: in order, reading while the reader works, errors where they fall, and
nothing left running when the reader stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from reconciler.live.ahead import TURN_EVERY, cancelled, read_ahead

pytestmark = pytest.mark.anyio

# Every scenario is bounded: a reading that is not stopped, or a task not cancelled, would otherwise wait
# for ever (the filler on a full queue, ``cancelled`` on a task that never ends) instead of failing.
BOUND_SECONDS = 10


async def listed(count: int, log: list[int], fail_at: int | None = None) -> AsyncGenerator[int, None]:
    for item in range(count):
        if item == fail_at:
            raise ValueError(f"the list failed at {item}")
        log.append(item)
        yield item


async def test_every_item_comes_in_order() -> None:
    async with asyncio.timeout(BOUND_SECONDS):
        log: list[int] = []
        async with read_ahead(listed(100, log), 8) as items:
            assert [item async for item in items] == list(range(100))


async def test_the_list_is_read_before_the_reader_asks_and_while_it_works() -> None:
    """Import reads Dintero's list first: Klarna's pages come in meanwhile, up to the bound."""
    async with asyncio.timeout(BOUND_SECONDS):
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
    async with asyncio.timeout(BOUND_SECONDS):
        log: list[int] = []
        taken: list[int] = []
        with pytest.raises(ValueError, match="the list failed at 7"):
            async with read_ahead(listed(20, log, fail_at=7), 4) as items:
                async for item in items:
                    taken.append(item)
        assert taken == list(range(7))


async def test_leaving_early_stops_the_reading_and_leaves_no_task() -> None:
    async with asyncio.timeout(BOUND_SECONDS):
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


async def test_cancelled_drops_the_failure_of_what_nobody_reads() -> None:
    async with asyncio.timeout(BOUND_SECONDS):

        async def fails() -> None:
            raise ValueError("a page nobody reads")

        pending = asyncio.ensure_future(fails())
        await asyncio.sleep(0)
        assert pending.done() and not pending.cancelled()  # it failed first: cancelling it comes too late
        await cancelled(pending)  # no error: the reader stopped before that page was its concern


@pytest.mark.parametrize("slow", [False, True], ids=["ends-at-once", "slow-to-end"])
async def test_cancelled_keeps_a_cancellation_that_comes_while_it_waits(slow: bool) -> None:
    """A task cancelled while it waits for what it cancels to end, at once or a while later (a page's request
    closing its connection), stays cancelled: its cancellation is not taken for the one it asked for, and it
    does not go on."""
    release = asyncio.Event()

    async def ending() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            if slow:
                await release.wait()  # its cleanup takes a while; a second cancellation ends it
            raise

    inner = asyncio.ensure_future(ending())
    went_on: list[str] = []

    async def waiter() -> None:
        await cancelled(inner)
        went_on.append("went on")

    task = asyncio.ensure_future(waiter())
    # One turn: the waiter has cancelled inner, which has not yet ended; five: inner is in its cleanup.
    for _ in range(5 if slow else 1):
        await asyncio.sleep(0)
    assert not inner.done()  # the waiter is inside cancelled(), waiting for inner to end
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=BOUND_SECONDS)
    assert inner.cancelled()
    assert went_on == []


async def test_a_list_stopped_between_its_items_is_closed_when_the_reader_leaves() -> None:
    """The filling task is cancelled while it waits for room in the queue, its list suspended at an item
    (a page's items, given without waiting): the list is closed then, not whenever it is collected."""
    async with asyncio.timeout(BOUND_SECONDS):
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
