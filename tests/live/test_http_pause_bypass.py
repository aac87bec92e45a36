"""A 429's Retry-After must hold requests that already passed the limiter but are still waiting to be sent."""

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


def _server(seen: list[float], start: float) -> httpx.MockTransport:
    first = True

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal first
        seen.append(time.monotonic() - start)
        await asyncio.sleep(0.01)
        if first:
            first = False
            return httpx.Response(429, headers={"Retry-After": "1"}, json={"error_code": "RATE_LIMITED"})
        return httpx.Response(200, json={})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("rate", [None, 20.0])
async def test_requests_waiting_to_be_sent_are_held_by_a_429s_retry_after(rate: float | None) -> None:
    seen: list[float] = []
    start = time.monotonic()
    settings = HttpSettings(
        parallelism=1,
        requests_per_second=rate,
        retry=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01, max_total_seconds=10.0),
    )
    async with ApiHttpClient(
        "klarna", "http://api.test", error_text=klarna_error_text, settings=settings, transport=_server(seen, start)
    ) as http:
        await asyncio.gather(*(http.request("GET", f"/r/{i}", operation="read") for i in range(4)))

    # The first request's 429 (answered at about 0.01 s) asked for one second without requests.
    during_pause = [t for t in seen[1:] if t < 0.9]
    assert during_pause == [], f"requests sent during the server's Retry-After pause at {seen}"
