"""The network transport drops idle connections before the server does, so no write goes out on a
connection the server is closing (its outcome would be unknown)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import uvicorn

from reconciler.live import transport as transport_module
from reconciler.live.transport import KEEPALIVE_SECONDS, NetworkTransport


def test_idle_connections_expire_before_the_sandbox_servers_do() -> None:
    config = uvicorn.Config(app=lambda *args: None)
    assert config.timeout_keep_alive > KEEPALIVE_SECONDS
    assert NetworkTransport(4).limits.keepalive_expiry == KEEPALIVE_SECONDS


def test_a_connection_idle_past_the_expiry_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport_module, "KEEPALIVE_SECONDS", 0.05)
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            for _ in range(10):  # bounded: at most ten requests on one connection
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            writer.close()

    async def run() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server, httpx.AsyncClient(transport=NetworkTransport(1)) as client:
            for _ in range(2):
                assert (await client.get(f"http://127.0.0.1:{port}/a")).status_code == 200
            assert connections == 1  # reused while fresh
            await asyncio.sleep(0.2)
            assert (await client.get(f"http://127.0.0.1:{port}/b")).status_code == 200
            assert connections == 2  # idle past the expiry: a new connection

    asyncio.run(asyncio.wait_for(run(), timeout=10))
