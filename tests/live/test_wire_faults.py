"""The network transport when a connection ends under an answer, when the pool closes, and on URLs it cannot send.

An answer delimited by the end of its connection is whole only when the server closed it: a reset, or
the client's own close, leaves it cut short. A URL the connection layer refuses is one of httpx's
transport errors, told apart as the retry rules read them, never a bare Python exception.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import zlib
from typing import Any

import httpx
import pytest

from reconciler.live import transport as transport_module
from reconciler.live.answer import MAX_ANSWER_BYTES, AnswerTooLarge
from reconciler.live.retry import NOT_SENT_ERRORS
from reconciler.live.transport import NetworkTransport
from reconciler.live.wire import Connection
from tests.live.wire_servers import (
    TIMEOUT,
    Wire,
    chunked,
    gzipped,
    network,
    one_answer,
    raw_server,
    read_request,
    recording,
    run,
)

MiB = 2**20
CLOSE_DELIMITED_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"


def test_an_answer_delimited_by_the_close_but_cut_by_a_reset_is_a_read_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(CLOSE_DELIMITED_HEAD + b'{"merchants": ["m1", ')
        await writer.drain()
        await asyncio.sleep(0.2)  # the client has read what came: the reset cuts the answer, not the bytes
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def scenario() -> None:
        async with raw_server(handle) as wire, network() as transport:
            await transport.exchange("POST", wire.url(), {}, {"a": 1}, TIMEOUT)

    with pytest.raises(httpx.ReadError) as caught:
        run(scenario)
    assert not isinstance(caught.value, NOT_SENT_ERRORS)


def test_an_answer_delimited_by_the_close_fails_when_the_transport_closes_under_it() -> None:
    started = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(CLOSE_DELIMITED_HEAD + b'{"merchants": ["m1", ')
        await writer.drain()
        started.set()
        await reader.read()  # until the client closes

    async def scenario() -> None:
        async with raw_server(handle) as wire, network() as transport:
            pending = asyncio.ensure_future(transport.exchange("GET", wire.url(), {}, None, TIMEOUT))
            await asyncio.wait_for(started.wait(), 5)
            await asyncio.sleep(0.05)  # the first bytes of the answer have reached the client
            await transport.aclose()
            await pending

    with pytest.raises(httpx.ReadError):
        run(scenario)


def test_a_connection_that_opened_while_the_transport_closed_is_closed_after_its_answer() -> None:
    closed_by_client = asyncio.Event()
    connecting = asyncio.Event()
    proceed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        if await reader.read() == b"":
            closed_by_client.set()

    async def scenario() -> Any:
        loop = asyncio.get_running_loop()
        real = loop.create_connection

        async def slow_connection(*args: Any, **kwargs: Any) -> Any:
            connecting.set()
            await proceed.wait()
            return await real(*args, **kwargs)

        async with raw_server(handle) as wire, network() as transport:
            loop.create_connection = slow_connection  # type: ignore[method-assign]
            pending = asyncio.ensure_future(transport.exchange("GET", wire.url(), {}, None, TIMEOUT))
            await asyncio.wait_for(connecting.wait(), 5)
            await transport.aclose()
            proceed.set()
            got = await pending
            await asyncio.wait_for(closed_by_client.wait(), 5)  # not kept open in a closed pool
            return got.json()

    assert run(scenario) == {}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:99999/x", "http://" + "a" * 64 + ".example/x"],
    ids=["port past 65535", "host label past 63 characters"],
)
def test_an_address_the_resolver_refuses_is_a_connect_error_and_nothing_is_sent(url: str) -> None:
    async def scenario() -> None:
        async with network() as transport:
            await transport.exchange("POST", url, {}, {"a": 1}, TIMEOUT)

    with pytest.raises(NOT_SENT_ERRORS):
        run(scenario)


def test_an_authority_httpx_refuses_is_a_transport_error() -> None:
    async def scenario() -> None:
        async with network() as transport:
            await transport.exchange("GET", "http://a:b:c/x", {}, None, TIMEOUT)

    with pytest.raises(httpx.LocalProtocolError):
        run(scenario)


@pytest.mark.parametrize("path", ["exchange", "httpx"])
@pytest.mark.parametrize(
    ("url", "host", "port"),
    [("https://straße.example/x", "xn--strae-oqa.example", 443), ("http://127.0.0.1:0/x", "127.0.0.1", 0)],
    ids=["IDNA 2008 host", "port 0"],
)
def test_the_connection_goes_where_the_host_header_says(path: str, url: str, host: str, port: int) -> None:
    """``straße`` is ``strasse`` to the resolver's IDNA 2003 codec: another host than the Host header's."""
    seen: list[tuple[Any, ...]] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()

        async def recorded(factory: Any, address: str, to: int, **kwargs: Any) -> Any:
            seen.append((address, to, kwargs.get("server_hostname")))
            raise ConnectionRefusedError

        loop.create_connection = recorded  # type: ignore[method-assign,assignment]
        async with network() as transport:
            with pytest.raises(httpx.ConnectError):
                if path == "exchange":
                    await transport.exchange("GET", url, {}, None, TIMEOUT)
                else:
                    async with httpx.AsyncClient(transport=transport) as client:
                        await client.get(url)

    run(scenario)
    expected_sni = host if url.startswith("https") else None
    assert seen == [(host, port, expected_sni)]
    assert httpx.URL(url).netloc.decode().split(":")[0] == host


@pytest.mark.parametrize("target", ["/a/../b", "/a/./b", "/a/b/..", "/x?q=/../y"])
def test_a_dot_segment_goes_on_the_wire_as_httpx_sends_it(target: str) -> None:
    requests = requests_seen(target, {})
    expected = httpx.Request("GET", f"http://127.0.0.1/{target.lstrip('/')}").url.raw_path
    assert requests[0].split(b" ")[1] == expected


@pytest.mark.parametrize("path", ["exchange", "httpx"])
@pytest.mark.parametrize("control", ["\x01", "\x0b", "\x0c", "\x1b", "\x7f"], ids=["SOH", "VT", "FF", "ESC", "DEL"])
def test_a_header_value_with_a_control_character_is_refused_and_nothing_is_sent(path: str, control: str) -> None:
    """As httpx over h11 refuses it: a tab is the only control character a header value may hold."""

    async def scenario() -> bytes:
        async with raw_server(recording) as wire, network() as transport:
            headers = {"X-Key": f"a{control}b"}
            with pytest.raises(httpx.LocalProtocolError):
                if path == "exchange":
                    await transport.exchange("GET", wire.url(), headers, None, TIMEOUT)
                else:
                    async with httpx.AsyncClient(transport=transport) as client:
                        await client.get(wire.url(), headers=headers)
            await asyncio.sleep(0.1)  # whatever was written has reached the server
            return bytes(wire.received)

    assert run(scenario) == b""


def test_a_header_value_with_a_tab_is_sent() -> None:
    assert b"\r\nX-Key: a\tb\r\n" in requests_seen("/x", {"X-Key": "a\tb"})[0]


def requests_seen(target: str, headers: dict[str, str]) -> list[bytes]:
    """The requests a server answering ``{}`` read, after one GET of ``target`` with ``headers``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()

    async def scenario() -> list[bytes]:
        async with raw_server(handle) as wire, network() as transport:
            await transport.exchange("GET", wire.url(target), headers, None, TIMEOUT)
            return wire.requests

    return run(scenario)


@pytest.mark.parametrize(
    "transfer",
    [
        ("Transfer-Encoding: gzip, chunked",),
        ("Transfer-Encoding: gzip", "Transfer-Encoding: chunked"),
        ("Transfer-Encoding: chunked, gzip",),
        ("Transfer-Encoding: identity",),
    ],
    ids=["gzip then chunked", "gzip and chunked in two headers", "chunked then gzip", "identity"],
)
def test_an_answer_with_a_transfer_coding_other_than_chunked_is_unreadable(transfer: tuple[str, ...]) -> None:
    """Never a body still in a coding nobody decoded, nor one read to the close it did not announce."""
    body = gzipped(b'{"a": 1}')
    raw = ("HTTP/1.1 200 OK\r\n" + "\r\n".join(transfer) + "\r\n\r\n").encode() + chunked(body)
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        run(lambda: one_answer(raw))
    assert not isinstance(caught.value, NOT_SENT_ERRORS)


def test_a_chunked_transfer_coding_named_in_capitals_is_read() -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n" + chunked(b'{"a": 1}')
    assert run(lambda: one_answer(raw)).json() == {"a": 1}


@pytest.mark.parametrize("value", ["\ud800", float("nan")], ids=["lone surrogate", "NaN"])
def test_a_body_with_no_json_form_is_refused_and_nothing_is_sent(value: object) -> None:
    async def scenario() -> bytes:
        async with raw_server(recording) as wire, network() as transport:
            with pytest.raises(httpx.LocalProtocolError):
                await transport.exchange("POST", wire.url(), {}, {"name": value}, TIMEOUT)
            await asyncio.sleep(0.1)  # whatever was written has reached the server
            return bytes(wire.received)

    assert run(scenario) == b""


@pytest.mark.parametrize("path", ["exchange", "httpx"])
def test_credentials_in_a_url_are_never_sent_nor_named_in_an_error(path: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()

    async def send(transport: Any, url: str) -> None:
        if path == "exchange":
            await transport.exchange("GET", url, {}, None, TIMEOUT)
        else:
            async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
                await client.get(url)

    async def scenario() -> tuple[list[bytes], str, int]:
        async with raw_server(handle) as wire, network() as transport:
            await send(transport, f"http://user:canary-secret@127.0.0.1:{wire.port}/x")
            with pytest.raises(httpx.ConnectError) as caught:
                await send(transport, "http://user:canary-secret@127.0.0.1:1/x")
            return wire.requests, str(caught.value), wire.port

    requests, error, port = run(scenario)
    assert b"\r\nHost: 127.0.0.1:%d\r\n" % port in requests[0]
    if path == "exchange":  # httpx's own client turns URL credentials into basic auth, as it would anywhere
        assert b"canary-secret" not in requests[0] and b"user" not in requests[0]
    assert "canary-secret" not in error and "user" not in error


def test_a_plain_http_exchange_never_builds_the_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the CA bundle is about 0.15 s of CPU: an http-only run (the served sandbox) never pays it."""
    built: list[bool] = []

    def context() -> ssl.SSLContext:
        built.append(True)
        raise AssertionError("the TLS context was built for an http URL")

    monkeypatch.setattr(transport_module, "_tls_context", context)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()

    async def scenario() -> Any:
        async with raw_server(handle) as wire, network() as transport:
            return (await transport.exchange("GET", wire.url(), {}, None, TIMEOUT)).json()

    assert run(scenario) == {}
    assert built == []


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_compression_bomb_on_the_httpx_path_is_refused_without_being_inflated(
    coding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the answer limit as sent, 16 MiB once inflated: httpx alone would inflate it whole."""
    monkeypatch.setattr(transport_module, "MAX_ANSWER_BYTES", MiB)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31 if coding == "gzip" else 15)
    zeros = bytes(MiB)
    bomb = b"".join(packer.compress(zeros) for _ in range(16)) + packer.flush()
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n" % (coding.encode(), len(bomb))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(raw + bomb)
        await writer.drain()

    async def scenario() -> None:
        async with raw_server(handle) as wire, httpx.AsyncClient(transport=NetworkTransport(1)) as client:
            await client.get(wire.url())

    with pytest.raises(AnswerTooLarge):
        run(scenario)


def test_a_connection_whose_server_ended_it_is_never_reused_even_before_its_transport_closes() -> None:
    """Over TLS the transport is not yet closing when the server's close_notify has been read."""

    class OpenTransport(asyncio.Transport):
        def is_closing(self) -> bool:
            return False

        def close(self) -> None:
            pass

    async def scenario() -> tuple[bool, bool]:
        loop = asyncio.get_running_loop()
        connection = Connection(loop, MiB)
        connection.connection_made(OpenTransport())
        connection.idle_since = now = loop.time()
        before = connection.reusable(now, 4.0)
        connection.eof_received()
        return before, connection.reusable(now, 4.0)

    assert run(scenario) == (True, False)


def test_the_answer_to_a_head_request_may_state_a_length_past_the_limit() -> None:
    """It is the length a GET's body would have: no body comes, and none is refused."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (2 * MAX_ANSWER_BYTES))
        await writer.drain()

    async def scenario() -> tuple[int, bytes]:
        async with raw_server(handle) as wire, network() as transport:
            head = await transport.exchange("HEAD", wire.url(), {}, None, TIMEOUT)
            return head.status_code, head.content

    assert run(scenario) == (200, b"")


def test_a_connection_that_closed_as_it_opened_is_a_connect_error_and_nothing_is_sent() -> None:
    """Bytes before the request (here handed over as the connection opens, as TLS can) close it."""

    async def scenario() -> bytes:
        loop = asyncio.get_running_loop()
        real = loop.create_connection

        async def greeted(*args: Any, **kwargs: Any) -> Any:
            transport, protocol = await real(*args, **kwargs)
            protocol.data_received(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
            return transport, protocol

        async with raw_server(recording) as wire, network() as transport:
            loop.create_connection = greeted  # type: ignore[method-assign]
            with pytest.raises(NOT_SENT_ERRORS):
                await transport.exchange("POST", wire.url(), {}, {"a": 1}, {**TIMEOUT, "read": 1.0})
            await asyncio.sleep(0.1)  # whatever was written has reached the server
            return bytes(wire.received)

    assert run(scenario) == b""


@pytest.mark.parametrize("connect", [None, 5.0])
def test_a_connection_the_system_timed_out_is_a_connect_timeout_with_or_without_a_connect_timeout(
    connect: float | None,
) -> None:
    """The system's own connect timeout (``ETIMEDOUT``, a ``TimeoutError``) is httpx's, even when httpx's is off."""

    async def scenario() -> httpx.ConnectTimeout:
        loop = asyncio.get_running_loop()

        async def timed_out(*args: Any, **kwargs: Any) -> Any:
            raise TimeoutError(110, "Connection timed out")

        loop.create_connection = timed_out  # type: ignore[method-assign]
        async with network() as transport:
            with pytest.raises(httpx.ConnectTimeout) as caught:
                await transport.exchange("GET", "http://127.0.0.1:1/x", {}, None, {**TIMEOUT, "connect": connect})
            return caught.value

    failure = run(scenario)
    assert isinstance(failure, NOT_SENT_ERRORS) and "127.0.0.1" in str(failure)
