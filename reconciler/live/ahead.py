"""A list read ahead of its reader: a task moves its items into a bounded queue while the reader works.

An async generator runs only when its reader asks for the next item, so a reader busy with each item
(import makes a file of every account) leaves the next page's request unsent until the page is used
up. A task filling a queue reads on whenever the reader gives the event loop a turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

# Items a reader takes before it gives the event loop a turn: the filling task and the requests in
# flight run then. A queue that holds items gives them without waiting, so the loop would otherwise
# get no turn until the queue is empty.
TURN_EVERY = 16


@dataclass(frozen=True)
class End:
    """The end of a list put on its queue, with the error that ended it early, if one did."""

    error: BaseException | None = None


async def fill(queue: asyncio.Queue[Any], items: AsyncGenerator[Any, None]) -> None:
    """Every item of ``items`` into ``queue``, then an ``End`` (holding the error that stopped it, if any)."""
    try:
        # Closed when the reader cancels this task mid-list: the list's page asked for ahead goes with it.
        async with aclosing(items) as listed:
            async for item in listed:
                await queue.put(item)
    except Exception as error:  # handed to the reader, who raises it
        await queue.put(End(error))
    else:
        await queue.put(End())


async def _drain(queue: asyncio.Queue[Any]) -> AsyncGenerator[Any, None]:
    taken = 0
    while not isinstance(item := await queue.get(), End):
        yield item
        taken += 1
        if taken % TURN_EVERY == 0:
            await asyncio.sleep(0)
    if item.error is not None:
        raise item.error


@asynccontextmanager
async def read_ahead(items: AsyncGenerator[T, None], size: int) -> AsyncIterator[AsyncIterator[T]]:
    """``items`` as they are read by a task that keeps up to ``size`` of them ahead of the reader.

    The reading starts at once, so whatever the reader does first (another list, files) overlaps it.
    An error of the list is raised where the reader reaches it. Leaving the block stops the reading,
    and no request of it is left running.
    """
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max(1, size))
    filler = asyncio.ensure_future(fill(queue, items))
    try:
        async with aclosing(_drain(queue)) as drained:
            yield drained
    finally:
        await cancelled(filler)


async def cancelled(pending: asyncio.Future[Any]) -> None:
    """Cancel ``pending`` and wait until it has ended. Its own failure is dropped (nobody reads what it was
    for); a cancellation of the task waiting here is not."""
    pending.cancel()
    try:
        await pending
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception:  # noqa: S110 - the reader stopped before this was its concern
        pass
