"""DinteroClient against the in-process sandbox: token handling, partner reads and connection signups."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest
from fastapi import FastAPI

from reconciler.errors import ApiError
from reconciler.live import ClientParams, DinteroClient, build_clients
from reconciler.live.auth import DinteroTokenAuth
from reconciler.live.models import DinteroConnection

from .conftest import MERCHANT, klarna_signup

pytestmark = pytest.mark.anyio


def token_auth(client: DinteroClient) -> DinteroTokenAuth:
    auth = client.http.auth
    assert isinstance(auth, DinteroTokenAuth)
    return auth


async def test_signup_then_read_the_connection_and_the_partner_view(dintero_client: DinteroClient) -> None:
    created = await dintero_client.signup(MERCHANT, "klarna", klarna_signup())

    assert isinstance(created, DinteroConnection)
    assert created.status == "pending"
    assert created.signups is not None and created.signups[0].mcc == 5814
    connection = await dintero_client.get_connection(MERCHANT, "klarna")
    assert connection is not None and connection.events and connection.events[0].status == "pending"
    merchant = await dintero_client.get_merchant(MERCHANT)
    assert merchant is not None and merchant.account_id == MERCHANT
    assert set(merchant.connections) == {"klarna"}
    assert merchant.connections["klarna"].status == "pending"


async def test_unknown_merchant_and_missing_connection_are_none(dintero_client: DinteroClient) -> None:
    assert await dintero_client.get_merchant("T11209999") is None
    assert await dintero_client.get_connection("T11209999", "vipps-psp") is None


async def test_a_second_signup_while_pending_needs_force_new_signup(dintero_client: DinteroClient) -> None:
    await dintero_client.signup(MERCHANT, "klarna", klarna_signup(5814))

    with pytest.raises(ApiError) as caught:
        await dintero_client.signup(MERCHANT, "klarna", klarna_signup(5812))
    forced = await dintero_client.signup(MERCHANT, "klarna", klarna_signup(5812), force_new_signup=True)

    assert (caught.value.api, caught.value.operation, caught.value.status) == ("dintero", "signup klarna", 409)
    assert [s.mcc for s in forced.signups or []] == [5814, 5812]


async def test_iter_merchants_pages_through_the_partner_list(dintero_client: DinteroClient) -> None:
    aids = [f"T1120001{i}" for i in range(5)]
    for aid in aids:
        await dintero_client.signup(aid, "klarna", klarna_signup())
    before = dintero_client.stats.requests

    seen = [m.account_id async for m in dintero_client.iter_merchants(page_size=2)]

    assert seen == aids
    assert dintero_client.stats.requests - before == 3


async def test_one_token_serves_many_concurrent_requests(dintero_client: DinteroClient) -> None:
    results = await asyncio.gather(*(dintero_client.get_merchant(f"T1120002{i}") for i in range(10)))

    assert results == [None] * 10
    assert token_auth(dintero_client).fetches == 1
    assert dintero_client.stats.requests == 11  # one token request, ten reads


async def test_the_token_is_renewed_before_it_expires(
    client_params: ClientParams, transport: httpx.ASGITransport
) -> None:
    now = [1000.0]
    async with build_clients(client_params, transport=transport, clock=lambda: now[0]) as clients:
        await clients.dintero.get_merchant(MERCHANT)
        now[0] += 3600 - 30  # inside the renewal margin of the sandbox's one-hour token
        await clients.dintero.get_merchant(MERCHANT)
        await clients.dintero.get_merchant(MERCHANT)

        assert token_auth(clients.dintero).fetches == 2


async def test_a_token_the_server_no_longer_accepts_is_renewed_once_and_the_request_repeated(
    dintero_client: DinteroClient, sandbox_app: FastAPI
) -> None:
    await dintero_client.get_merchant(MERCHANT)
    # The server rotates its signing key: our cached token is still fresh by our clock, but refused.
    sandbox_app.state.sandbox.settings.jwt_signing_key = "rotated-signing-key-0123456789abcdef"

    assert await dintero_client.get_merchant(MERCHANT) is None

    assert token_auth(dintero_client).fetches == 2
    assert dintero_client.stats.statuses[401] == 1


async def test_wrong_client_secret_is_an_api_error_without_the_secret(
    client_params: ClientParams, transport: httpx.ASGITransport
) -> None:
    params = replace(client_params, dintero_client_secret="s3cr3t-CANARY-value")
    async with build_clients(params, transport=transport) as clients:
        with pytest.raises(ApiError) as caught:
            await clients.dintero.get_merchant(MERCHANT)

    assert (caught.value.api, caught.value.operation, caught.value.status) == ("dintero", "auth_token", 401)
    assert caught.value.code == "unauthorized"
    assert "CANARY" not in str(caught.value) and "CANARY" not in repr(token_auth(clients.dintero))
