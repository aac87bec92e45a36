"""Fixtures for the client tests: API clients wired in process to a sandbox, and its admin routes."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from reconciler.live import ApiClients, ClientParams, DinteroClient, KlarnaClient, RetryPolicy, build_clients
from reconciler.live.models import AccountOwner, DinteroSignup, KlarnaAccount, PaymentOption, Website
from reconciler.live.requests import OnboardRequest, ProductRequest

MERCHANT = "T11200001"
PROFILE_ID = "krn:partner:global:account:distribution-profile:206bbb83-9b6e-46fa-940d-337153c04a58"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fast_retry() -> RetryPolicy:
    """Real backoff shape, tiny delays: a test with retries stays in the millisecond range."""
    return RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005, max_total_seconds=5.0, rng=random.Random(7))


@pytest.fixture
def transport(sandbox_app: FastAPI) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=sandbox_app)


@pytest.fixture
def client_params(fast_retry: RetryPolicy) -> ClientParams:
    return ClientParams(parallelism=4, timeout_seconds=5.0, retry=fast_retry)


@pytest.fixture
async def clients(client_params: ClientParams, transport: httpx.ASGITransport) -> AsyncIterator[ApiClients]:
    async with build_clients(client_params, transport=transport) as built:
        yield built


@pytest.fixture
def klarna_client(clients: ApiClients) -> KlarnaClient:
    return clients.klarna


@pytest.fixture
def dintero_client(clients: ApiClients) -> DinteroClient:
    return clients.dintero


class Admin:
    """The sandbox's own routes under /_sandbox (faults and the request log)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def faults(self, **change: Any) -> dict[str, Any]:
        response = await self.http.put("/_sandbox/faults", json=change)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def fail_next(self, **rule: Any) -> None:
        await self.faults(fail_next=[rule])

    async def requests(self) -> list[dict[str, Any]]:
        response = await self.http.get("/_sandbox/requests")
        assert response.status_code == 200, response.text
        body = response.json()
        entries: list[dict[str, Any]] = body["requests"] if isinstance(body, dict) else body
        return entries

    async def clear_requests(self) -> None:
        response = await self.http.delete("/_sandbox/requests")
        assert response.status_code in (200, 204), response.text


@pytest.fixture
async def admin(transport: httpx.ASGITransport) -> AsyncIterator[Admin]:
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        yield Admin(http)


def onboard_request(reference: str, *, websites: int = 1) -> OnboardRequest:
    return OnboardRequest(
        account_reference=reference,
        account_name=f"Shop {reference}",
        account_owner=AccountOwner(
            given_name="Ada", family_name="Lovelace", email="ada@example.com", phone="+46701234567"
        ),
        products=[ProductRequest(type="PAYMENT", distribution_profile_id=PROFILE_ID, merchant_category_code="5411")],
        websites=[Website(website_reference=f"{reference}-w{i}", website_name=f"Site {i}") for i in range(websites)],
    )


async def onboarded(klarna: KlarnaClient, reference: str) -> KlarnaAccount:
    """A new account, OPERATIONAL at once (the test sandbox has no operational delay)."""
    await klarna.onboard(onboard_request(reference))
    account = await klarna.resolve_account(reference)
    assert account is not None
    return account


class FakeTime:
    """A clock that only moves when the client sleeps: waits are recorded, never spent."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def timed_clients(
    client_params: ClientParams, transport: httpx.ASGITransport, fake_time: FakeTime
) -> AsyncIterator[ApiClients]:
    """Clients whose backoff and rate-limit waits run on ``fake_time``."""
    async with build_clients(client_params, transport=transport, clock=fake_time.clock, sleep=fake_time.sleep) as built:
        yield built


def klarna_signup(mcc: int = 5814) -> DinteroSignup:
    return DinteroSignup(
        case_id=str(uuid.UUID(int=mcc)),
        payment_options=[PaymentOption(type="klarna.klarna", currencies=["NOK"])],
        price_package="EU_DINTERO_PP001",
        mcc=mcc,
    )
