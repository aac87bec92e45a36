"""Raw HTTP/1.1 servers on loopback and the bounded runner the network transport's wire tests share.

Each server writes bytes by hand, so an answer no library server would produce can be written exactly;
every server loop is bounded in requests and every scenario in time.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from reconciler.live.answer import Answer
from reconciler.live.transport import NetworkTransport

T = TypeVar("T")
TIMEOUT: dict[str, float | None] = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
MAX_REQUESTS = 10  # per connection: every server loop is bounded
MiB = 2**20


@dataclass
class Wire:
    """What a raw server saw: its port, the connections it accepted and each request it read whole."""

    port: int = 0
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    received: bytearray = field(default_factory=bytearray)  # for servers that only record bytes

    def url(self, path: str = "/x", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"


Handle = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Wire], Awaitable[None]]


@asynccontextmanager
async def raw_server(handle: Handle, tls: ssl.SSLContext | None = None) -> AsyncIterator[Wire]:
    """A loopback server running ``handle`` on each connection it accepts (then closing it)."""
    wire = Wire()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        wire.connections += 1
        try:
            await handle(reader, writer, wire)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client closed the connection
        finally:
            writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0, ssl=tls)
    wire.port = server.sockets[0].getsockname()[1]
    async with server:
        yield wire


@asynccontextmanager
async def network(max_connections: int = 1) -> AsyncIterator[NetworkTransport]:
    transport = NetworkTransport(max_connections)
    try:
        yield transport
    finally:
        await transport.aclose()


def run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``scenario`` on a new event loop, failed after 10 s instead of hanging the suite."""
    return asyncio.run(asyncio.wait_for(scenario(), 10))


async def read_request(reader: asyncio.StreamReader, wire: Wire) -> str:
    """One request read whole (its head and its Content-Length body), recorded; answers its path."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    wire.requests.append(head + await reader.readexactly(length))
    return head.split(b" ")[1].decode()


def answer(body: bytes, *headers: str, status: str = "200 OK", version: str = "HTTP/1.1") -> bytes:
    """An answer with ``body`` framed by its Content-Length."""
    lines = [f"{version} {status}", *headers, f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def path_answer(path: str, *headers: str, version: str = "HTTP/1.1") -> bytes:
    """The answer that names the request it answers, so an answer read for another request shows."""
    return answer(json.dumps({"path": path}).encode(), "Content-Type: application/json", *headers, version=version)


async def answering_paths(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
    """A kept-alive connection answering each request with its own path."""
    for _ in range(MAX_REQUESTS):
        writer.write(path_answer(await read_request(reader, wire)))
        await writer.drain()


async def recording(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
    """A server that answers nothing and records every byte it reads, until the client closes."""
    while chunk := await reader.read(65_536):
        wire.received += chunk


async def one_answer(raw: bytes) -> Answer:
    """What ``exchange`` reads from a server that reads one request, writes ``raw`` and closes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(raw)
        await writer.drain()

    async with raw_server(handle) as wire, network() as transport:
        return await transport.exchange("GET", wire.url(), {}, None, TIMEOUT)


def chunked(*chunks: bytes, extension: str = "", trailer: str = "") -> bytes:
    framed = b"".join(b"%x%s\r\n%s\r\n" % (len(chunk), extension.encode(), chunk) for chunk in chunks)
    return framed + b"0\r\n" + trailer.encode() + b"\r\n"


def gzipped(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=31)
    return packer.compress(data) + packer.flush()
