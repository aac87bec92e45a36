"""Retries against injected sandbox faults: reads are repeated, writes only when repeating is safe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError, ApiUnavailable
from reconciler.live import ApiClients, ClientParams, KlarnaClient, RetryPolicy, build_clients
from reconciler.live.models import Stakeholder

from .conftest import MERCHANT, Admin, FakeTime, klarna_signup, onboarded

pytestmark = pytest.mark.anyio

ACCOUNTS = r"^/klarna/v1/accounts"


def stakeholder(given: str = "Ada") -> Stakeholder:
    return Stakeholder(given_name=given, family_name="Lovelace", date_of_birth="1970-01-01", roles=["OWNER"])


async def test_a_read_is_retried_through_500_and_503(
    timed_clients: ApiClients, admin: Admin, fake_time: FakeTime
) -> None:
    klarna_client = timed_clients.klarna
    await onboarded(klarna_client, "R1")
    await admin.faults(
        fail_next=[
            {"api": "klarna", "method": "GET", "path_pattern": ACCOUNTS, "status": 500, "count": 1},
            {"api": "klarna", "method": "GET", "path_pattern": ACCOUNTS, "status": 503, "count": 1},
        ]
    )
    before = klarna_client.stats.as_dict()

    account = await klarna_client.resolve_account("R1")

    assert account is not None and account.account_reference == "R1"
    assert klarna_client.stats.retries - before["retries"] == 2
    assert klarna_client.stats.requests - before["requests"] == 3
    assert len(fake_time.waits) == 2 and fake_time.waits[1] >= 1.0  # the 503's Retry-After: 1


async def test_a_read_gives_up_after_the_allowed_attempts(klarna_client: KlarnaClient, admin: Admin) -> None:
    await admin.fail_next(api="klarna", method="GET", path_pattern=ACCOUNTS, status=500, count=50)

    with pytest.raises(ApiUnavailable) as caught:
        await klarna_client.resolve_account("R2")

    assert caught.value.status == 500 and caught.value.code is not None
    assert "gave up after 4 attempts" in str(caught.value)
    assert klarna_client.stats.requests == 4


async def test_a_429_is_retried_after_its_retry_after_and_pauses_the_api(
    timed_clients: ApiClients, admin: Admin, fake_time: FakeTime
) -> None:
    await onboarded(timed_clients.klarna, "R3")
    await admin.fail_next(api="klarna", method="GET", path_pattern=ACCOUNTS, status=429, count=1)

    account = await timed_clients.klarna.resolve_account("R3")

    assert account is not None
    assert timed_clients.klarna.stats.rate_limited == 1
    assert timed_clients.klarna.http.limiter.paused_until >= 1.0  # the sandbox's Retry-After: 1
    assert max(fake_time.waits) >= 1.0


async def test_a_write_without_idempotency_key_is_not_repeated_after_a_5xx(
    klarna_client: KlarnaClient, admin: Admin
) -> None:
    account = await onboarded(klarna_client, "R4")
    await admin.clear_requests()
    await admin.fail_next(api="klarna", method="POST", path_pattern="/stakeholders$", status=500, when="after_effect")

    with pytest.raises(ApiUnavailable) as caught:
        await klarna_client.create_stakeholder(account.account_id, stakeholder())

    assert "outcome is unknown" in str(caught.value)
    posts = [r for r in await admin.requests() if r["method"] == "POST"]
    assert len(posts) == 1
    assert len(await klarna_client.list_stakeholders(account.account_id)) == 1  # it did happen


async def test_an_idempotent_write_is_retried_after_a_lost_response_without_a_duplicate(
    klarna_client: KlarnaClient, admin: Admin
) -> None:
    account = await onboarded(klarna_client, "R5")
    await admin.fail_next(api="klarna", method="POST", path_pattern="/stakeholders$", status=500, when="after_effect")

    created = await klarna_client.create_stakeholder(account.account_id, stakeholder(), idempotency_key="op-R5-1")

    stakeholders = await klarna_client.list_stakeholders(account.account_id)
    assert [s.stakeholder_id for s in stakeholders] == [created.stakeholder_id]
    posts = [r for r in await admin.requests() if r["method"] == "POST" and r["path"].endswith("/stakeholders")]
    assert [p["idempotency_key"] for p in posts] == ["op-R5-1", "op-R5-1"]


async def test_a_write_refused_with_429_is_repeated_even_without_a_key(timed_clients: ApiClients, admin: Admin) -> None:
    account = await onboarded(timed_clients.klarna, "R6")
    await admin.fail_next(api="klarna", method="POST", path_pattern="/stakeholders$", status=429)

    await timed_clients.klarna.create_stakeholder(account.account_id, stakeholder())

    assert len(await timed_clients.klarna.list_stakeholders(account.account_id)) == 1
    assert timed_clients.klarna.stats.rate_limited == 1


async def test_a_dintero_signup_is_not_repeated_after_a_5xx(clients: ApiClients, admin: Admin) -> None:
    await admin.fail_next(api="dintero", method="POST", path_pattern="/connections/klarna$", status=503)

    with pytest.raises(ApiUnavailable) as caught:
        await clients.dintero.signup(MERCHANT, "klarna", klarna_signup())

    assert caught.value.operation == "signup klarna" and caught.value.status == 503
    assert "outcome is unknown" in str(caught.value)
    assert await clients.dintero.get_connection(MERCHANT, "klarna") is None  # failed before the effect


async def test_a_4xx_is_not_retried(klarna_client: KlarnaClient) -> None:
    with pytest.raises(ApiError) as caught:
        await klarna_client.get_account("krn:partner:global:account:test:NOSUCH00")

    assert caught.value.status == 404 and not isinstance(caught.value, ApiUnavailable)
    assert klarna_client.stats.requests == 1


class FlakyTransport(httpx.AsyncBaseTransport):
    """The sandbox behind a connection that fails the first ``failures`` requests with ``error``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, error: type[httpx.TransportError], failures: int) -> None:
        self.inner = inner
        self.error = error
        self.failures = failures

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failures > 0:
            self.failures -= 1
            raise self.error("simulated", request=request)
        return await self.inner.handle_async_request(request)


async def test_a_read_is_retried_after_timeouts(client_params: ClientParams, transport: httpx.ASGITransport) -> None:
    flaky = FlakyTransport(transport, httpx.ReadTimeout, failures=0)
    async with build_clients(client_params, transport=flaky) as clients:
        await onboarded(clients.klarna, "C1")
        flaky.failures = 2

        account = await clients.klarna.resolve_account("C1")

        assert account is not None
        assert clients.klarna.stats.transport_errors == 2


@pytest.mark.parametrize(
    ("error", "key", "retried"),
    [
        (httpx.ReadTimeout, None, False),  # the request may have arrived: unknown outcome
        (httpx.ReadTimeout, "op-C1", True),  # the key makes a repeat a replay
        (httpx.ConnectError, None, True),  # nothing was sent: safe to repeat
    ],
)
async def test_a_write_after_a_transport_error(
    client_params: ClientParams,
    transport: httpx.ASGITransport,
    error: type[httpx.TransportError],
    key: str | None,
    retried: bool,
) -> None:
    flaky = FlakyTransport(transport, error, failures=0)
    async with build_clients(client_params, transport=flaky) as clients:
        await onboarded(clients.klarna, "C1")
        account = await clients.klarna.resolve_account("C1")
        assert account is not None
        flaky.failures = 1
        try:
            result: Any = await clients.klarna.create_stakeholder(
                account.account_id, stakeholder(), idempotency_key=key
            )
        except ApiUnavailable as exc:
            result = exc

    if retried:
        assert isinstance(result, Stakeholder) and result.stakeholder_id
    else:
        assert isinstance(result, ApiUnavailable) and result.status is None
        assert "outcome is unknown" in str(result) and "simulated" not in str(result)


def test_backoff_grows_and_honours_retry_after() -> None:
    import random

    policy = RetryPolicy(base_delay=0.1, max_delay=1.0, rng=random.Random(1))

    delays = [policy.backoff(n) for n in range(1, 7)]

    assert all(0.05 <= d <= 0.1 for d in delays[:1])
    assert delays[3] > delays[0]
    assert max(delays) <= 1.0
    assert policy.backoff(1, retry_after=3.0) >= 3.0


async def test_a_delete_whose_response_was_lost_is_done_when_the_repeat_finds_nothing(
    klarna_client: KlarnaClient, admin: Admin
) -> None:
    account = await onboarded(klarna_client, "R7")
    created = await klarna_client.create_stakeholder(account.account_id, stakeholder())
    assert created.stakeholder_id
    await admin.fail_next(api="klarna", method="DELETE", path_pattern="/stakeholders/", status=500, when="after_effect")

    await klarna_client.delete_stakeholder(account.account_id, created.stakeholder_id)

    assert await klarna_client.list_stakeholders(account.account_id) == []
    assert klarna_client.stats.statuses[404] == 1  # the repeat, which counts as done
