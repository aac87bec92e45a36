"""The read path's speed-ups keep behaviour: the sandbox's fast reads answer exactly as its routes do,
the network transport keeps httpx's error meanings, and planning restores the garbage collector."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reconciler.desired.declared import DeclaredMerchant
from reconciler.desired.load import declare
from reconciler.desired.models import Merchant
from reconciler.errors import ReadFailed
from reconciler.live import ClientParams, build_clients
from reconciler.live.read import LiveMerchant, fewer_collections, read_each
from reconciler.live.retry import NOT_SENT_ERRORS
from reconciler.live.transport import NetworkTransport
from reconciler.sandbox.platform import middleware
from reconciler.sandbox.platform.settings import DEFAULT_DINTERO_PARTNER_ID as OID
from tests.conftest import DINTERO_BASIC, DINTERO_TOKEN_BODY, DINTERO_TOKEN_PATH, KLARNA_AUTH

EXPAND = "products,websites,collections,account_information,business_information,stakeholders"


@pytest.fixture
def seeded(sandbox_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(sandbox_app) as client:
        assert client.post("/_sandbox/seed", json={"count": 3, "seed": 5}).status_code == 200
        yield client


@pytest.fixture
def token(seeded: TestClient) -> str:
    response = seeded.post(DINTERO_TOKEN_PATH, headers=DINTERO_BASIC, json=DINTERO_TOKEN_BODY)
    assert response.status_code == 200
    return str(response.json()["access_token"])


def both_ways(client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str, headers: dict[str, str]) -> list[Any]:
    """(status, content-type, body bytes, fast-path used) with the fast reads on, then off."""
    used: list[bool] = []
    real = middleware.serve_fast_read

    async def spy(*args: Any) -> bool:
        answered = await real(*args)
        used.append(answered)
        return answered

    async def never(*args: Any) -> bool:
        return False

    answers = []
    for fast in (spy, never):
        monkeypatch.setattr(middleware, "serve_fast_read", fast)
        response = client.get(path, headers=headers)
        answers.append((response.status_code, response.headers.get("content-type"), comparable(response)))
    return [answers[0], answers[1], used]


def comparable(response: httpx.Response) -> Any:
    """The body, byte for byte on success; an error's JSON without its random ``error_id``."""
    if response.is_success:
        return response.content
    body = response.json()
    return {k: v for k, v in body.items() if k != "error_id"} if isinstance(body, dict) else body


@pytest.mark.parametrize(
    ("query", "fast"),
    [
        (f"account_reference=SBX000001&expand={EXPAND}", True),
        ("account_reference=SBX000002", True),
        ("account_reference=SBX000002&expand=", True),
        ("account_reference=NOPE", False),  # 404 from the route
        ("account_reference=SBX000001&expand=unknown", False),  # 400 naming expand
        ("account_reference=SBX000001&account_reference=SBX000002", False),  # repeated: the route's rules
        ("account_reference=SBX000001&limit=5", False),
        ("limit=2", False),  # a page, not a reference
    ],
)
def test_klarna_reads_answer_as_the_route_does(
    seeded: TestClient, monkeypatch: pytest.MonkeyPatch, query: str, fast: bool
) -> None:
    with_fast, without, used = both_ways(seeded, monkeypatch, f"/klarna/v1/accounts?{query}", KLARNA_AUTH)
    assert with_fast == without
    assert used == [fast]


def test_klarna_read_with_a_wrong_key_gets_the_routes_401(seeded: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    path = "/klarna/v1/accounts?account_reference=SBX000001"
    with_fast, without, used = both_ways(seeded, monkeypatch, path, {"Authorization": "Basic wrong"})
    assert with_fast == without and with_fast[0] == 401
    assert used == [False]


@pytest.mark.parametrize(
    ("path", "auth", "fast", "status"),
    [
        (f"/dintero/v1/accounts/{OID}/management/accounts/T20000001", True, True, 200),
        (f"/dintero/v1/accounts/{OID}/management/accounts/T29999999", True, False, 404),
        ("/dintero/v1/accounts/T11299999/management/accounts/T20000001", True, False, 403),
        (f"/dintero/v1/accounts/{OID}/management/accounts/bad", True, False, 400),
        (f"/dintero/v1/accounts/{OID}/management/accounts/T20000001", False, False, 401),
        (f"/dintero/v1/accounts/{OID}/management/accounts/T20000001/connections", True, False, 404),
    ],
)
def test_dintero_reads_answer_as_the_route_does(
    seeded: TestClient, token: str, monkeypatch: pytest.MonkeyPatch, path: str, auth: bool, fast: bool, status: int
) -> None:
    headers = {"Authorization": f"Bearer {token}" if auth else "Bearer not-a-token"}
    with_fast, without, used = both_ways(seeded, monkeypatch, path, headers)
    assert with_fast == without
    assert used == [fast]
    assert with_fast[0] == status


def test_fast_reads_are_logged_and_delayed_like_any_request(seeded: TestClient) -> None:
    assert seeded.put("/_sandbox/faults", json={"latency_ms": 30}).status_code == 200
    seq = seeded.get("/_sandbox/requests").json()["last_seq"]
    response = seeded.get("/klarna/v1/accounts?account_reference=SBX000000", headers=KLARNA_AUTH)
    assert response.status_code == 200
    log = seeded.get("/_sandbox/requests", params={"since": seq}).json()["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in log] == [("GET", "/klarna/v1/accounts", 200)]


def test_the_network_transport_reads_and_writes_through_one_pool(live_sandbox: str) -> None:
    async def exercise() -> list[int]:
        transport = NetworkTransport(max_connections=2)
        async with httpx.AsyncClient(base_url=live_sandbox, transport=transport) as client:
            statuses = []
            for _ in range(3):
                statuses.append((await client.get("/_sandbox/health")).status_code)
            seeded = await client.post("/_sandbox/seed", json={"count": 2, "start": 9_000_000})
            statuses.append(seeded.status_code)
            assert seeded.json()["klarna_accounts"] == 2
            missing = await client.get("/klarna/v1/accounts", params={"account_reference": "nope"}, headers=KLARNA_AUTH)
            statuses.append(missing.status_code)
            assert missing.json()["error_code"]
        return statuses

    assert asyncio.run(exercise()) == [200, 200, 200, 200, 404]


def test_a_refused_connection_is_never_sent() -> None:
    async def refused() -> None:
        async with httpx.AsyncClient(transport=NetworkTransport(1)) as client:
            await client.get("http://127.0.0.1:1/")

    with pytest.raises(httpx.ConnectError) as caught:
        asyncio.run(refused())
    assert isinstance(caught.value, NOT_SENT_ERRORS)


def _ask_one_answer_server(answer: bytes, method: str = "POST") -> httpx.Response:
    """One request through the network transport to a server that reads it, writes ``answer`` and closes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    async def ask() -> httpx.Response:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with httpx.AsyncClient(transport=NetworkTransport(1)) as client:
                body = {"a": 1} if method == "POST" else None
                return await asyncio.wait_for(client.request(method, f"http://127.0.0.1:{port}/x", json=body), 10)
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(ask())


def test_a_connection_dropped_after_the_request_went_out_is_not_called_unsent() -> None:
    """A write whose connection drops mid-request may have taken effect: it must not read as "never sent"."""
    with pytest.raises(httpx.TransportError) as caught:
        _ask_one_answer_server(b"")
    assert not isinstance(caught.value, NOT_SENT_ERRORS)


def test_a_body_cut_short_is_an_error_whose_outcome_is_unknown() -> None:
    with pytest.raises(httpx.TransportError) as caught:
        _ask_one_answer_server(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"a": 1')
    assert not isinstance(caught.value, NOT_SENT_ERRORS)


def test_a_gzip_body_is_decoded_and_its_headers_kept() -> None:
    import gzip

    body = gzip.compress(b'{"accounts": []}')
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nX-Ratelimit-Remaining: 7\r\nContent-Length: {len(body)}"

    response = _ask_one_answer_server(head.encode() + b"\r\n\r\n" + body, method="GET")
    assert response.json() == {"accounts": []}
    assert response.headers["x-ratelimit-remaining"] == "7" and response.status_code == 200


def test_clients_for_real_hosts_use_the_network_transport(live_sandbox: str) -> None:
    params = ClientParams(klarna_url=live_sandbox + "/klarna", dintero_url="https://api.dintero.com")
    clients = build_clients(params)
    try:
        assert isinstance(clients.klarna.http.transport, NetworkTransport)
        assert isinstance(clients.dintero.http.transport, NetworkTransport)
    finally:
        asyncio.run(clients.aclose())


def test_fewer_collections_restores_the_collector_even_when_uses_interleave() -> None:
    before = (gc.get_threshold(), gc.get_freeze_count())
    outer, inner = fewer_collections(), fewer_collections()
    outer.__enter__()
    assert gc.get_threshold()[0] >= 20_000
    inner.__enter__()
    outer.__exit__(None, None, None)  # the first in leaves first: the second still holds
    assert gc.get_threshold()[0] >= 20_000
    inner.__exit__(None, None, None)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def merchant(reference: str, aid: str | None = None) -> DeclaredMerchant:
    data: dict[str, Any] = {"account_reference": reference, "klarna": {"account_name": reference}}
    if aid:
        data["dintero"] = {"account_id": aid}
    return declare(Merchant.model_validate(data), f"{reference}.yaml")


def test_read_each_hands_over_every_merchant_and_names_every_failure(sandbox_app: FastAPI) -> None:
    handled: list[LiveMerchant] = []
    transport = httpx.ASGITransport(app=sandbox_app)

    async def run() -> list[str | None]:
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as admin:
            assert (await admin.post("/_sandbox/seed", json={"count": 2})).status_code == 200
            async with build_clients(ClientParams(parallelism=2), transport=transport) as clients:
                merchants = [merchant("SBX000000", "T20000000"), merchant("SBX000001"), merchant("NEW", "T21111111")]
                await read_each(clients, merchants, handled.append, workers=2)
                # A refused read (not a 404) fails that merchant, named, once every read is done.
                faults = {"fail_next": [{"api": "dintero", "status": 400, "path_pattern": "/T20000001$"}]}
                assert (await admin.put("/_sandbox/faults", json=faults)).status_code == 200
                with pytest.raises(ReadFailed) as failed:
                    await read_each(clients, [merchant("SBX000001", "T20000001")], handled.append)
        return [error.merchant for error in failed.value.failures]

    assert asyncio.run(run()) == ["SBX000001"]
    by_reference = {live.reference: live for live in handled}
    assert set(by_reference) == {"SBX000000", "SBX000001", "NEW"}
    assert by_reference["SBX000000"].klarna is not None and by_reference["SBX000000"].dintero is not None
    assert by_reference["SBX000001"].dintero is None
    assert by_reference["NEW"].klarna is None and by_reference["NEW"].dintero is None
