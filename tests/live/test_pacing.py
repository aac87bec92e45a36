"""The parallelism limit and the rate limiter: how many requests run at once, and when they may start."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from reconciler.live import ClientParams, build_clients
from reconciler.live.ratelimit import RateLimiter

from .conftest import Admin, FakeTime

pytestmark = pytest.mark.anyio


class ConcurrencyProbe:
    """ASGI wrapper around the sandbox that measures how many requests it serves at the same time."""

    def __init__(self, app: FastAPI, hold_seconds: float) -> None:
        self.app = app
        self.hold_seconds = hold_seconds
        self.current = 0
        self.peak = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.current += 1
        self.peak = max(self.peak, self.current)
        try:
            await asyncio.sleep(self.hold_seconds)
            await self.app(scope, receive, send)
        finally:
            self.current -= 1


@pytest.mark.parametrize("parallelism", [1, 3])
async def test_no_more_requests_in_flight_than_the_parallelism(
    client_params: ClientParams, sandbox_app: FastAPI, parallelism: int
) -> None:
    from dataclasses import replace

    probe = ConcurrencyProbe(sandbox_app, hold_seconds=0.005)
    params = replace(client_params, parallelism=parallelism)
    async with build_clients(params, transport=httpx.ASGITransport(app=probe)) as clients:
        results = await asyncio.gather(*(clients.klarna.resolve_account(f"X{i}") for i in range(12)))

    assert results == [None] * 12
    assert probe.peak == parallelism  # reached, never exceeded
    assert clients.klarna.stats.max_in_flight == parallelism


async def test_a_sandbox_rate_limit_is_ridden_out_with_every_read_answered(
    client_params: ClientParams, transport: httpx.ASGITransport, admin: Admin
) -> None:
    await admin.faults(rate_limit_per_second={"klarna": 2})
    async with build_clients(client_params, transport=transport) as clients:
        results = await asyncio.gather(*(clients.klarna.resolve_account(f"L{i}") for i in range(4)))

    assert results == [None] * 4
    assert clients.klarna.stats.rate_limited >= 1
    assert clients.klarna.stats.requests == 4 + clients.klarna.stats.retries


async def test_retry_after_on_a_429_holds_every_request_of_the_api(fake_time: FakeTime) -> None:
    limiter = RateLimiter(clock=fake_time.clock, sleep=fake_time.sleep)

    limiter.observe(429, {}, retry_after=2.5)
    await limiter.acquire()

    assert fake_time.waits == [2.5]
    await limiter.acquire()
    assert fake_time.waits == [2.5]  # the pause is over


@pytest.mark.parametrize(
    ("headers", "expected_wait"),
    [
        ({"x-ratelimit-limit": "40, 40;w=1", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "0.75"}, [0.75]),
        ({"x-ratelimit-limit": "40", "x-ratelimit-remaining": "3", "x-ratelimit-reset": "0.75"}, []),
        ({}, []),
    ],
)
async def test_an_exhausted_rate_window_waits_for_its_reset(
    fake_time: FakeTime, headers: dict[str, str], expected_wait: list[float]
) -> None:
    limiter = RateLimiter(clock=fake_time.clock, sleep=fake_time.sleep)

    limiter.observe(200, headers, retry_after=None)
    await limiter.acquire()

    assert fake_time.waits == expected_wait


async def test_a_configured_rate_spreads_requests_evenly(fake_time: FakeTime) -> None:
    limiter = RateLimiter(4.0, clock=fake_time.clock, sleep=fake_time.sleep)
    starts: list[float] = []

    for _ in range(5):
        await limiter.acquire()
        starts.append(fake_time.now)

    assert starts == [0.0, 0.25, 0.5, 0.75, 1.0]


@pytest.mark.parametrize(
    ("configured", "limit", "expected_starts"),
    [
        (None, "4, 4;w=1", [0.0, 0.0, 0.25, 0.5, 0.75]),  # learnt from the first answer
        (None, "8;w=2", [0.0, 0.0, 0.25, 0.5, 0.75]),  # a window of two seconds
        (None, "4", [0.0, 0.0, 0.25, 0.5, 0.75]),  # no window named: per second
        (8.0, "4", [0.0, 0.125, 0.375, 0.625, 0.875]),  # the server's slower rate wins once known
        (2.0, "4", [0.0, 0.5, 1.0, 1.5, 2.0]),  # a configured rate slower than the server's is kept
        (None, "0.5", [0.0] * 5),  # two seconds between requests: not followed as a pace
        (None, "2", [0.0] * 5),  # half a second: neither
        (None, "1e309", [0.0] * 5),  # not a plain number
        (None, "0", [0.0] * 5),
        (None, "-4", [0.0] * 5),
        (None, "4;w=0", [0.0] * 5),
        (None, "nan", [0.0] * 5),
        (None, "8, 1;w=1, 8;w=2", [0.0, 0.0, 0.25, 0.5, 0.75]),  # the window of the quota's own policy
        (None, "40;w=10;name=partner", [0.0, 0.0, 0.25, 0.5, 0.75]),  # a policy alone
        (None, "none", [0.0] * 5),
    ],
)
async def test_the_servers_limit_header_sets_the_pace(
    fake_time: FakeTime, configured: float | None, limit: str, expected_starts: list[float]
) -> None:
    limiter = RateLimiter(configured, clock=fake_time.clock, sleep=fake_time.sleep)
    starts: list[float] = []

    for index in range(5):
        await limiter.acquire()
        starts.append(fake_time.now)
        if index == 0:
            limiter.observe(200, {"x-ratelimit-limit": limit, "x-ratelimit-remaining": "9"}, retry_after=None)

    assert starts == expected_starts


async def test_a_later_faster_limit_is_followed_but_never_past_the_configured_rate(fake_time: FakeTime) -> None:
    limiter = RateLimiter(10.0, clock=fake_time.clock, sleep=fake_time.sleep)

    limiter.observe(200, {"x-ratelimit-limit": "4"}, retry_after=None)
    assert limiter.interval == 0.25
    limiter.observe(200, {"x-ratelimit-limit": "8"}, retry_after=None)
    assert limiter.interval == 0.125
    limiter.observe(200, {"x-ratelimit-limit": "1000"}, retry_after=None)
    assert limiter.interval == 0.1  # the configured 10 per second still holds
