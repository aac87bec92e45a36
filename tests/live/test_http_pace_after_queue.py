"""The configured rate must hold for requests that waited for a free connection slot after being paced."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from reconciler.live.envelopes import klarna_error_text
from reconciler.live.http import ApiHttpClient, HttpSettings
from reconciler.live.retry import RetryPolicy

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_requests_queued_behind_a_stalled_server_do_not_burst_past_the_configured_rate() -> None:
    seen: list[float] = []
    start = time.monotonic()
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic() - start)
        if len(seen) <= 4:
            await release.wait()  # the server stalls on the first four, then answers them together
        return httpx.Response(200, json={})

    async def stall_then_release() -> None:
        await asyncio.sleep(4.0)
        release.set()

    settings = HttpSettings(parallelism=4, requests_per_second=2.0, retry=RetryPolicy(max_attempts=1))
    async with ApiHttpClient(
        "klarna", "http://api.test", error_text=klarna_error_text, settings=settings,
        transport=httpx.MockTransport(handler),
    ) as http:
        await asyncio.gather(
            stall_then_release(), *(http.request("GET", f"/r/{i}", operation="read") for i in range(8))
        )

    # At most 2 requests per second: no one-second window may hold more than 2 (+1 for the edge) starts.
    worst = max(sum(1 for t in seen if s <= t < s + 1.0) for s in seen)
    assert worst <= 3, f"{worst} requests started within one second at a configured 2/s: {seen}"
