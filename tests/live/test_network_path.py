"""The clients ``build_clients`` makes for real base URLs, over real sockets on 127.0.0.1.

They use the network transport (HTTP/1.1 on loopback), and every request still goes through the same layers as
the in-process tests: retries, token renewal, error classes and the API's error text.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
import respx
import uvicorn
from fastapi import FastAPI

from reconciler.errors import ApiConflict, ApiError, ApiNoResponse, ApiNotFound, ApiServerError
from reconciler.live import ApiClients, ApiHttpClient, ClientParams, HttpSettings, RetryPolicy, build_clients
from reconciler.live.auth import DinteroTokenAuth
from reconciler.live.envelopes import klarna_error_text
from reconciler.live.models import Stakeholder
from reconciler.live.transport import NetworkTransport

from .conftest import MERCHANT, Admin, onboarded

pytestmark = pytest.mark.anyio


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


@pytest.fixture
async def served(sandbox_app: FastAPI) -> AsyncIterator[str]:
    """The test's sandbox app (the one ``admin`` changes) served by uvicorn on a loopback port."""
    sock = listening_socket()
    server = uvicorn.Server(uvicorn.Config(sandbox_app, lifespan="off", log_level="warning", access_log=False))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "the loopback server did not start"
    try:
        yield f"http://127.0.0.1:{port_of(sock)}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def networked(client_params: ClientParams, served: str) -> AsyncIterator[ApiClients]:
    params = replace(client_params, klarna_url=f"{served}/klarna", dintero_url=f"{served}/dintero")
    async with build_clients(params) as clients:
        yield clients


def stakeholder() -> Stakeholder:
    return Stakeholder(given_name="Ada", family_name="Lovelace", date_of_birth="1970-01-01", roles=["OWNER"])


async def test_real_base_urls_get_the_network_transport(networked: ApiClients) -> None:
    assert isinstance(networked.klarna.http.transport, NetworkTransport)
    assert isinstance(networked.dintero.http.transport, NetworkTransport)


async def test_a_read_is_retried_over_the_network(networked: ApiClients, admin: Admin) -> None:
    await onboarded(networked.klarna, "N1")
    await admin.fail_next(api="klarna", method="GET", path_pattern=r"^/klarna/v1/accounts", status=500, count=2)
    before = networked.klarna.stats.requests

    account = await networked.klarna.resolve_account("N1")

    assert account is not None and account.account_reference == "N1"
    assert networked.klarna.stats.requests - before == 3
    assert networked.klarna.stats.retries == 2


async def test_an_unkeyed_write_is_not_repeated_over_the_network(networked: ApiClients, admin: Admin) -> None:
    account = await onboarded(networked.klarna, "N2")
    await admin.clear_requests()
    await admin.fail_next(api="klarna", method="POST", path_pattern="/stakeholders$", status=500, when="after_effect")

    with pytest.raises(ApiServerError) as caught:
        await networked.klarna.create_stakeholder(account.account_id, stakeholder())

    assert caught.value.outcome_unknown and caught.value.status == 500
    assert len([r for r in await admin.requests() if r["method"] == "POST"]) == 1
    assert len(await networked.klarna.list_stakeholders(account.account_id)) == 1  # it did happen


async def test_a_refused_token_is_renewed_once_over_the_network(networked: ApiClients, sandbox_app: FastAPI) -> None:
    dintero = networked.dintero
    await dintero.get_merchant(MERCHANT)
    sandbox_app.state.sandbox.settings.jwt_signing_key = "rotated-signing-key-0123456789abcdef"

    assert await dintero.get_merchant(MERCHANT) is None

    auth = dintero.http.auth
    assert isinstance(auth, DinteroTokenAuth) and auth.fetches == 2
    assert dintero.stats.statuses[401] == 1


async def test_the_api_error_text_and_class_over_the_network(networked: ApiClients) -> None:
    with pytest.raises(ApiNotFound) as caught:
        await networked.klarna.get_account("krn:partner:global:account:test:NOSUCH00")

    assert caught.value.status == 404 and caught.value.code and caught.value.api_message
    assert networked.klarna.stats.requests == 1


class DroppingServer:
    """A loopback server that reads each request's head and closes the connection without answering."""

    def __init__(self) -> None:
        self.requests = 0
        self.sock = listening_socket()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


@pytest.fixture
async def dropping() -> AsyncIterator[DroppingServer]:
    dropper = DroppingServer()
    server = await asyncio.start_server(dropper.handle, sock=dropper.sock)
    try:
        yield dropper
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(("key", "attempts"), [(None, 1), ("op-N3", 4)])
async def test_a_write_whose_connection_dropped_has_an_unknown_outcome(
    client_params: ClientParams, dropping: DroppingServer, key: str | None, attempts: int
) -> None:
    url = f"http://127.0.0.1:{port_of(dropping.sock)}"
    async with build_clients(replace(client_params, klarna_url=f"{url}/klarna", dintero_url=url)) as clients:
        with pytest.raises(ApiNoResponse) as caught:
            await clients.klarna.create_stakeholder("krn:account:1", stakeholder(), idempotency_key=key)

    assert caught.value.status is None and caught.value.outcome_unknown
    assert dropping.requests == attempts  # unkeyed: sent once; keyed: repeated as replays


async def test_a_refused_connection_is_repeated_and_nothing_happened(client_params: ClientParams) -> None:
    sock = listening_socket()
    url = f"http://127.0.0.1:{port_of(sock)}"
    sock.close()  # nothing listens there now: every connection is refused
    async with build_clients(replace(client_params, klarna_url=f"{url}/klarna", dintero_url=url)) as clients:
        with pytest.raises(ApiError) as caught:
            await clients.klarna.create_stakeholder("krn:account:1", stakeholder())

    assert type(caught.value) is ApiNoResponse and not caught.value.outcome_unknown
    assert caught.value.attempts == 4 and clients.klarna.stats.transport_errors == 4


async def test_respx_intercepts_a_client_on_httpx_own_transport(fast_retry: RetryPolicy) -> None:
    """Without a transport the client gets httpx's, which respx patches: mocked answers go through every layer."""
    base = "http://127.0.0.1:9/klarna"  # loopback: were respx not to intercept, nothing would leave the host
    client = ApiHttpClient("klarna", base, error_text=klarna_error_text, settings=HttpSettings(retry=fast_retry))
    async with respx.mock(assert_all_called=True) as mock, client:
        route = mock.get(f"{base}/v1/accounts").mock(
            side_effect=[httpx.Response(503), httpx.Response(409, json={"error_code": "CONFLICT"}), httpx.Response(200)]
        )
        with pytest.raises(ApiConflict) as caught:
            await client.request("GET", "/v1/accounts", operation="list_accounts")
        assert (await client.request("GET", "/v1/accounts", operation="list_accounts")).status_code == 200

    assert route.call_count == 3 and client.stats.retries == 1
    assert caught.value.code == "CONFLICT"
