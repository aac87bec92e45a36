"""An account list whose second page never comes: for the tests that a reader stopping early leaves no
request of the list running."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def first_page_then_stuck(ended: list[str], asked: asyncio.Event | None = None) -> Handler:
    """A handler answering the first page (accounts ``a`` and ``b``, references ``R-a`` and ``R-b``) and
    keeping the next one waiting until it is cancelled, which it records in ``ended``; ``asked`` is set
    once the next page is asked for."""

    async def answer(request: httpx.Request) -> httpx.Response:
        if "starting_after" not in request.url.params:
            accounts = [{"account_id": i, "account_reference": f"R-{i}"} for i in ("a", "b")]
            return httpx.Response(200, json={"accounts": accounts, "pagination": {"next": "b"}})
        if asked is not None:
            asked.set()
        try:
            await asyncio.Event().wait()  # the second page never comes
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise
        raise AssertionError("unreachable")

    return answer
