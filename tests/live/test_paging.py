"""Paged account lists: every page read once, and a server repeating its cursor stops the loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live.dintero import DinteroClient
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.http import ApiHttpClient
from reconciler.live.klarna import KlarnaClient

pytestmark = pytest.mark.anyio

Pages = Callable[[httpx.Request], list[str]]


def http(api: str, pages: Pages, seen: list[httpx.Request]) -> ApiHttpClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        ids = pages(request)
        body: dict[str, Any] = {"accounts": [{"account_id": i, "account_reference": f"R-{i}"} for i in ids]}
        return httpx.Response(200, json=body)

    error_text = klarna_error_text if api == "klarna" else dintero_error_text
    return ApiHttpClient(api, f"http://127.0.0.1:9/{api}", error_text=error_text, transport=httpx.MockTransport(answer))


def two_pages(request: httpx.Request) -> list[str]:
    return ["a", "b"] if "starting_after" not in request.url.params else ["c"]


def stuck(request: httpx.Request) -> list[str]:
    return ["a", "b"]  # the same full page, whatever the cursor


async def klarna_ids(pages: Pages, seen: list[httpx.Request]) -> list[str]:
    async with KlarnaClient(http("klarna", pages, seen)) as client:
        return [account.account_id async for account in client.iter_accounts(expand=(), page_size=2)]


async def dintero_ids(pages: Pages, seen: list[httpx.Request]) -> list[str]:
    async with DinteroClient(http("dintero", pages, seen), "P00000001") as client:
        return [account.account_id async for account in client.iter_merchants(page_size=2)]


@pytest.mark.parametrize("read", [klarna_ids, dintero_ids])
async def test_every_page_is_read_once(read: Callable[..., Any]) -> None:
    seen: list[httpx.Request] = []
    assert await read(two_pages, seen) == ["a", "b", "c"]
    assert [r.url.params.get("starting_after") for r in seen] == [None, "b"]
    assert all(r.url.params["limit"] == "2" for r in seen)


@pytest.mark.parametrize("read", [klarna_ids, dintero_ids])
async def test_a_repeated_cursor_stops_the_loop(read: Callable[..., Any]) -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(ApiError, match="did not advance"):
        await read(stuck, seen)
    assert len(seen) == 2  # the second page ends at "b" again: caught before a third request
