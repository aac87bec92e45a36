"""Import's reading of the lists: Klarna's list read ahead of the accounts made into files, and none of
its requests left running once the reading stops."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.imports.run import ImportSelection, read_klarna
from reconciler.live.dintero import DinteroClient
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.factory import ApiClients
from reconciler.live.http import ApiHttpClient
from reconciler.live.klarna import KlarnaClient
from tests.live.stuck_list import first_page_then_stuck


def clients_of(klarna: Callable[[httpx.Request], Awaitable[httpx.Response]]) -> ApiClients:
    """Clients whose Klarna answers with ``klarna``; Dintero is never asked."""

    def unused(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"Dintero is not asked: {request.url}")

    def http(api: str, answer: Any, error_text: Any) -> ApiHttpClient:
        transport = httpx.MockTransport(answer)
        return ApiHttpClient(api, f"http://127.0.0.1:9/{api}", error_text=error_text, transport=transport)

    return ApiClients(
        KlarnaClient(http("klarna", klarna, klarna_error_text)),
        DinteroClient(http("dintero", unused, dintero_error_text), "P00000001"),
    )


def test_a_reading_that_stops_leaves_no_klarna_page_in_flight() -> None:
    """The list asks for its next page ahead: closing the accounts read closes the list, whose page in
    flight is cancelled, and waited for, before the close returns."""
    ended: list[str] = []

    answer = first_page_then_stuck(ended)

    async def run() -> Any:
        async with clients_of(answer) as clients:
            accounts = read_klarna(clients, ImportSelection(everything=True), set())
            async with asyncio.timeout(10):
                first = await anext(accounts)
                for _ in range(10):  # the second page's request reaches the server, which keeps it waiting
                    await asyncio.sleep(0)
                await accounts.aclose()
            account, _body = first
            return account.account_reference, list(ended)

    assert asyncio.run(run()) == ("R-a", ["cancelled"])


def test_a_reference_that_fails_leaves_no_other_read_running() -> None:
    """``--reference``: the accounts are read together; one failing stops the others (a gather would leave
    them running after the import has ended with the error)."""
    ended: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        reference = request.url.params.get("account_reference")
        if reference == "R-BAD":
            return httpx.Response(400, json={"error_code": "BAD_VALUE", "error_message": "not a reference"})
        try:
            await asyncio.Event().wait()  # the other reads never answer
        except asyncio.CancelledError:
            ended.append(f"cancelled {reference}")
            raise
        raise AssertionError("unreachable")

    async def run() -> None:
        async with clients_of(answer) as clients:
            before = asyncio.all_tasks()
            selection = ImportSelection(references=("R-A", "R-BAD", "R-C"))
            with pytest.raises(ApiError, match="400 BAD_VALUE"):
                async with asyncio.timeout(10):
                    async for _ in read_klarna(clients, selection, set()):
                        pass
            assert sorted(ended) == ["cancelled R-A", "cancelled R-C"]
            assert asyncio.all_tasks() - before == set()

    asyncio.run(run())
