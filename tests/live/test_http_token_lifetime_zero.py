"""A token answer whose lifetime is 0 or negative must not make every request ask for a token of its own."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reconciler.live.auth import DinteroTokenAuth
from reconciler.live.envelopes import dintero_error_text
from reconciler.live.http import ApiHttpClient

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("expires_in", [0, -5])
async def test_concurrent_requests_share_one_token_whatever_lifetime_it_claims(expires_in: int) -> None:
    fetched = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal fetched
        if request.url.path.endswith("/auth/token"):
            fetched += 1
            return httpx.Response(200, json={"access_token": f"t{fetched}", "expires_in": expires_in})
        return httpx.Response(200, json={})

    auth = DinteroTokenAuth("T11200000", "client", "secret")
    async with ApiHttpClient(
        "dintero", "http://dintero.test", error_text=dintero_error_text, auth=auth,
        transport=httpx.MockTransport(handler),
    ) as http:
        await asyncio.gather(*(http.request("GET", f"/v1/x/{i}", operation="read") for i in range(50)))

    # One token for them all, as for an unreadable lifetime (not one a request, one after another under the lock).
    assert fetched <= 2, f"{fetched} token requests for 50 reads"
