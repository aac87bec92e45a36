"""Paged account lists: every page read once, and a server repeating its cursor stops the loop."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator, Callable
from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live.dintero import DinteroClient
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.http import ApiHttpClient
from reconciler.live.klarna import KlarnaClient
from tests.live.stuck_list import first_page_then_stuck

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


@pytest.mark.parametrize("api", ["klarna", "dintero"])
async def test_a_page_of_accounts_already_listed_stops_the_loop_whatever_its_cursor(api: str) -> None:
    """A server that answers the same page under a new cursor every time would be paged for ever (here, fifty
    times over), each account listed again and again."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        pagination = {"next": f"cursor-{len(seen)}"} if len(seen) < 50 else {}
        accounts = [{"account_id": i, "account_reference": f"R-{i}"} for i in ("a", "b")]
        return httpx.Response(200, json={"accounts": accounts, "pagination": pagination})

    error_text = klarna_error_text if api == "klarna" else dintero_error_text
    transport = httpx.MockTransport(answer)
    client = ApiHttpClient(api, f"http://127.0.0.1:9/{api}", error_text=error_text, transport=transport)
    if api == "klarna":
        items = KlarnaClient(client).iter_account_items(expand=(), page_size=2)
    else:
        items = DinteroClient(client, "P00000001").iter_merchant_items(page_size=2)
    listed: list[Any] = []
    with pytest.raises(ApiError, match="did not advance"):
        async for item in items:
            listed.append(item["account_id"])
    await client.aclose()
    assert listed == ["a", "b"]
    assert len(seen) <= 3  # the second page (and at most the one asked for ahead of it)


@pytest.mark.parametrize("api", ["klarna", "dintero"])
async def test_the_next_page_is_asked_for_while_the_reader_works_on_this_one(api: str) -> None:
    """Import makes a file of each account of a page: the next page's round trip overlaps that work."""
    seen: list[httpx.Request] = []
    async with client_of(api, http(api, two_pages, seen)) as client:
        items = client_items(client)
        first = await anext(items)
        for _ in range(10):  # let the request in flight reach the transport
            await asyncio.sleep(0)
        assert [r.url.params.get("starting_after") for r in seen] == [None, "b"]
        assert [first["account_id"], *[item["account_id"] async for item in items]] == ["a", "b", "c"]
    assert len(seen) == 2


@pytest.mark.parametrize("parsed", [False, True], ids=["items", "models"])
@pytest.mark.parametrize("api", ["klarna", "dintero"])
async def test_a_reader_that_stops_early_leaves_no_page_in_flight(api: str, parsed: bool) -> None:
    """The page asked for ahead is cancelled and waited for: no request goes on after the reader is done."""
    ended: list[str] = []

    answer = first_page_then_stuck(ended)

    error_text = klarna_error_text if api == "klarna" else dintero_error_text
    transport = httpx.MockTransport(answer)
    base = ApiHttpClient(api, f"http://127.0.0.1:9/{api}", error_text=error_text, transport=transport)
    async with client_of(api, base) as client:
        before = asyncio.all_tasks()
        items = client_items(client, parsed)
        first = await anext(items)
        assert (first.account_id if parsed else first["account_id"]) == "a"
        for _ in range(10):  # the second page's request reaches the server, which keeps it waiting
            await asyncio.sleep(0)
        async with asyncio.timeout(10):  # closed by this task: nothing else runs before the checks below
            await items.aclose()
        assert ended == ["cancelled"]
        assert asyncio.all_tasks() - before == set()


@pytest.mark.parametrize("api", ["klarna", "dintero"])
async def test_a_failed_page_nobody_reads_is_no_unretrieved_error(api: str) -> None:
    """The page asked for ahead fails, and the reader stops before it: its error is dropped, not left to be
    logged as a task exception never retrieved."""
    logged: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if "starting_after" in request.url.params:
            return httpx.Response(400, json={"error_code": "BAD_VALUE", "error_message": "no such page"})
        ids = ["a", "b"]
        return httpx.Response(200, json={"accounts": [{"account_id": i, "account_reference": i} for i in ids]})

    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: logged.append(str(context.get("message"))))
    try:
        error_text = klarna_error_text if api == "klarna" else dintero_error_text
        transport = httpx.MockTransport(answer)
        base = ApiHttpClient(api, f"http://127.0.0.1:9/{api}", error_text=error_text, transport=transport)
        async with client_of(api, base) as client:
            items = client_items(client)
            await anext(items)
            for _ in range(10):  # the second page's request fails meanwhile
                await asyncio.sleep(0)
            async with asyncio.timeout(10):
                await items.aclose()
            del items
            gc.collect()
            for _ in range(3):
                await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(handler)
    assert logged == []


def client_of(api: str, transport_client: ApiHttpClient) -> KlarnaClient | DinteroClient:
    return KlarnaClient(transport_client) if api == "klarna" else DinteroClient(transport_client, "P00000001")


def client_items(client: KlarnaClient | DinteroClient, parsed: bool = False) -> AsyncGenerator[Any, None]:
    """The list's items as the API answers them, or (``parsed``) validated as the client's models."""
    if isinstance(client, KlarnaClient):
        if parsed:
            return client.iter_accounts(expand=(), page_size=2)
        return client.iter_account_items(expand=(), page_size=2)
    return client.iter_merchants(page_size=2) if parsed else client.iter_merchant_items(page_size=2)
