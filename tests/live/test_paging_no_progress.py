"""A paged account list whose pages bring no new account under a fresh cursor must stop, not page for ever.

The client already stops a page of accounts it has listed before under a new cursor ("did not advance"),
but an empty page with a next cursor, or a page whose account ids are numbers (which the models read as
text, ``read._text``), passes that check: the run asks for page after page without end.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live.dintero import DinteroClient
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.http import ApiHttpClient
from reconciler.live.klarna import KlarnaClient

pytestmark = pytest.mark.anyio

GIVE_UP_AT = 40  # the server ends the list here, so the current code terminates (and the test fails)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _items(api: str, client: ApiHttpClient) -> Any:
    if api == "klarna":
        return KlarnaClient(client).iter_account_items(expand=(), page_size=2)
    return DinteroClient(client, "P00000001").iter_merchant_items(page_size=2)


async def _list(api: str, page: Any) -> tuple[list[Any], list[httpx.Request], BaseException | None]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        more = len(seen) < GIVE_UP_AT
        pagination = {"next": f"c{len(seen)}" if more else None}
        return httpx.Response(200, json={"accounts": page(len(seen)), "pagination": pagination})

    error_text = klarna_error_text if api == "klarna" else dintero_error_text
    transport = httpx.MockTransport(answer)
    client = ApiHttpClient(api, f"http://127.0.0.1:9/{api}", error_text=error_text, transport=transport)
    listed: list[Any] = []
    error: BaseException | None = None
    try:
        async for item in _items(api, client):
            listed.append(item)
    except ApiError as exc:
        error = exc
    finally:
        await client.aclose()
    return listed, seen, error


@pytest.mark.parametrize("api", ["klarna", "dintero"])
async def test_empty_pages_under_fresh_cursors_stop_the_list(api: str) -> None:
    listed, seen, error = await _list(api, lambda n: [])
    assert len(seen) <= 3, f"{len(seen)} requests for a list whose pages are all empty"
    assert error is not None and "did not advance" in str(error)


@pytest.mark.parametrize("api", ["klarna", "dintero"])
async def test_the_same_numeric_ids_under_fresh_cursors_stop_the_list(api: str) -> None:
    page = lambda n: [{"account_id": 1, "account_reference": "R-1"}, {"account_id": 2, "account_reference": "R-2"}]  # noqa: E731
    listed, seen, error = await _list(api, page)
    assert len(seen) <= 3, f"{len(seen)} requests, the same two accounts listed {len(listed) // 2} times"
    assert error is not None and "did not advance" in str(error)
