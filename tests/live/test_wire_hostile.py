"""The network transport against HTTP/1.1 servers that frame, time or close their answers unusually.

Each server is a raw loopback socket writing bytes by hand, so a case no library server would produce
(an answer nobody asked for, a body trickled a byte at a time, a connection closed as a request
arrives) can be written exactly. The tests use ``NetworkTransport``'s interface only (``exchange``,
``handle_async_request``, ``aclose`` and httpx's error classes), so they hold for any implementation
of it. The framing and failure cases of ``test_network_exchange.py`` and ``test_keepalive.py`` (bytes
on the wire, gzip, size limits, a header twice, a refused connection, idle expiry) are not repeated.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import tracemalloc
import zlib
from typing import Any

import httpx
import pytest
import trustme
import uvloop

from reconciler.live import transport as transport_module
from reconciler.live.answer import Answer, AnswerTooLarge
from reconciler.live.retry import NOT_SENT_ERRORS
from reconciler.live.transport import NetworkTransport
from tests.live.wire_servers import (
    MAX_REQUESTS,
    TIMEOUT,
    MiB,
    Wire,
    answer,
    answering_paths,
    chunked,
    gzipped,
    network,
    one_answer,
    path_answer,
    raw_server,
    read_request,
    recording,
    run,
)

# Chunked answers


@pytest.mark.parametrize(
    ("extension", "trailer"),
    [("", ""), (";name=value", ""), ("", "X-Checksum: 1\r\n")],
    ids=["plain", "chunk extension", "trailer"],
)
def test_a_chunked_answer_reads_whole(extension: str, trailer: str) -> None:
    body = chunked(b'{"accounts": ', b"[1, 2", b", 3]}", extension=extension, trailer=trailer)
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + body

    got = run(lambda: one_answer(raw))
    assert (got.status_code, got.json()) == (200, {"accounts": [1, 2, 3]})


def test_a_chunked_gzip_answer_is_decoded() -> None:
    packed = gzipped(b'{"accounts": [' + b", ".join(b"%d" % n for n in range(500)) + b"]}")
    pieces = [packed[i : i + 97] for i in range(0, len(packed), 97)]  # gzip cut across chunk boundaries
    assert len(pieces) > 3
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(*pieces)

    got = run(lambda: one_answer(raw))
    assert got.json() == {"accounts": list(range(500))}


@pytest.mark.parametrize("piece", [7, 97, 100_000], ids=["7-byte chunks", "97-byte chunks", "one chunk"])
def test_a_gzip_answer_of_several_members_is_decoded_whole(piece: int) -> None:
    """RFC 1952: a gzip body is a series of members. httpx hands over the first one's bytes alone,
    which read as a whole answer when they are one (the first page of a list, say)."""
    first, second = b'{"accounts": [1, 2], ', b'"next_page": "p2"}'
    packed = gzipped(first) + gzipped(second)
    pieces = [packed[i : i + piece] for i in range(0, len(packed), piece)]
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(*pieces)

    got = run(lambda: one_answer(raw))
    assert got.json() == {"accounts": [1, 2], "next_page": "p2"}


def test_the_answer_limit_counts_every_gzip_member(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport_module, "MAX_ANSWER_BYTES", MiB)
    member = gzipped(bytes(MiB // 2 + 1))  # each within the limit, the two together past it
    with pytest.raises(AnswerTooLarge):
        run(lambda: one_answer(answer(member + member, "Content-Encoding: gzip")))


@pytest.mark.parametrize(
    ("coding", "trailing"),
    [("gzip", b"not gzip"), ("deflate", b"more")],
    ids=["gzip then bytes that are not a member", "deflate then bytes"],
)
def test_bytes_after_the_end_of_a_coded_body_make_it_unreadable(coding: str, trailing: bytes) -> None:
    body = b'{"a": 1}'
    coded = gzipped(body) if coding == "gzip" else zlib.compress(body)
    with pytest.raises(httpx.RemoteProtocolError, match="does not decode"):
        run(lambda: one_answer(answer(coded + trailing, f"Content-Encoding: {coding}")))


# An answer delimited by the end of the connection


def test_an_answer_delimited_by_the_connection_closing_reads_whole() -> None:
    body = b'{"merchants": ["' + b"m" * 70_000 + b'"]}'

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
        for start in range(0, len(body), 16_384):  # in several writes: the end is the close, not a pause
            writer.write(body[start : start + 16_384])
            await writer.drain()
            await asyncio.sleep(0.01)

    async def scenario() -> Answer:
        async with raw_server(handle) as wire, network() as transport:
            return await transport.exchange("GET", wire.url(), {}, None, TIMEOUT)

    assert run(scenario).content == body


# Interim answers


@pytest.mark.parametrize(
    "interim",
    [b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"],
    ids=["100 Continue", "103 Early Hints"],
)
def test_an_interim_answer_is_passed_over_for_the_final_one(interim: bytes) -> None:
    got = run(lambda: one_answer(interim + answer(b'{"final": true}', "X-Final: yes")))
    assert (got.status_code, got.json(), got.headers.get("X-Final")) == (200, {"final": True}, "yes")
    assert got.headers.get("Link") is None  # the interim answer's headers are not the final one's


# Keep-alive


def test_sequential_exchanges_reuse_one_connection() -> None:
    async def scenario() -> tuple[list[Any], int]:
        async with raw_server(answering_paths) as wire, network(1) as transport:
            got = [(await transport.exchange("GET", wire.url(f"/{n}"), {}, None, TIMEOUT)).json() for n in range(3)]
            return got, wire.connections

    got, connections = run(scenario)
    assert got == [{"path": "/0"}, {"path": "/1"}, {"path": "/2"}]
    assert connections == 1


@pytest.mark.parametrize(
    ("version", "headers"),
    [("HTTP/1.1", ("Connection: close",)), ("HTTP/1.0", ())],
    ids=["Connection: close", "HTTP/1.0 without keep-alive"],
)
def test_an_answer_that_ends_its_connection_is_the_last_on_it(version: str, headers: tuple[str, ...]) -> None:
    """Even when the server then leaves the connection open, the next request goes on a new one."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        for _ in range(MAX_REQUESTS):
            writer.write(path_answer(await read_request(reader, wire), *headers, version=version))
            await writer.drain()

    async def scenario() -> tuple[list[Any], int]:
        async with raw_server(handle) as wire, network(1) as transport:
            got = [(await transport.exchange("GET", wire.url(f"/{n}"), {}, None, TIMEOUT)).json() for n in range(2)]
            return got, wire.connections

    got, connections = run(scenario)
    assert got == [{"path": "/0"}, {"path": "/1"}]
    assert connections == 2


def test_concurrent_exchanges_share_at_most_max_connections_and_each_reads_its_own_answer() -> None:
    open_now = 0
    most_open = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        nonlocal open_now, most_open
        open_now += 1
        most_open = max(most_open, open_now)
        try:
            for _ in range(MAX_REQUESTS):
                path = await read_request(reader, wire)
                await asyncio.sleep(0.05)  # long enough for the other requests to be waiting
                writer.write(path_answer(path))
                await writer.drain()
        finally:
            open_now -= 1

    async def scenario() -> tuple[list[Any], int]:
        async with raw_server(handle) as wire, network(2) as transport:
            answers = await asyncio.gather(
                *(transport.exchange("GET", wire.url(f"/{n}"), {}, None, TIMEOUT) for n in range(6))
            )
            return [got.json() for got in answers], most_open

    got, most = run(scenario)
    assert got == [{"path": f"/{n}"} for n in range(6)]
    assert most == 2


def test_a_request_waiting_for_a_connection_past_the_pool_timeout_is_never_sent() -> None:
    started = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        started.set()
        await reader.read()  # holds the only connection: never answers

    async def scenario() -> tuple[BaseException | None, int, int]:
        async with raw_server(handle) as wire, network(1) as transport:
            holder = asyncio.ensure_future(transport.exchange("GET", wire.url("/a"), {}, None, TIMEOUT))
            await asyncio.wait_for(started.wait(), 5)
            failure: BaseException | None = None
            try:
                await transport.exchange("POST", wire.url("/b"), {}, {"a": 1}, {**TIMEOUT, "pool": 0.2})
            except httpx.TransportError as error:
                failure = error
            holder.cancel()
            with pytest.raises(asyncio.CancelledError):
                await holder
            return failure, wire.connections, len(wire.requests)

    failure, connections, requests = run(scenario)
    assert isinstance(failure, httpx.TimeoutException) and isinstance(failure, NOT_SENT_ERRORS)
    assert (connections, requests) == (1, 1)


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        writer.write(path_answer(await read_request(reader, wire), "Connection: keep-alive"))
        await writer.drain()  # then closed: the server drops the connection it offered to keep

    async def scenario() -> tuple[list[Any], int]:
        async with raw_server(handle) as wire, network(1) as transport:
            first = (await transport.exchange("GET", wire.url("/a"), {}, None, TIMEOUT)).json()
            await asyncio.sleep(0.1)  # the close has reached the client before its next request
            second = (await transport.exchange("GET", wire.url("/b"), {}, None, TIMEOUT)).json()
            return [first, second], wire.connections

    got, connections = run(scenario)
    assert got == [{"path": "/a"}, {"path": "/b"}]
    assert connections == 2


def test_a_write_on_a_connection_closed_as_it_arrives_is_not_called_unsent_nor_repeated() -> None:
    """The server reads the second request and closes without answering: it may have acted on it."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        if wire.connections > 1:
            await answering_paths(reader, writer, wire)
            return
        writer.write(path_answer(await read_request(reader, wire), "Connection: keep-alive"))
        await writer.drain()
        await read_request(reader, wire)  # and no answer

    async def scenario() -> tuple[BaseException | None, list[bytes], Any]:
        async with raw_server(handle) as wire, network(1) as transport:
            await transport.exchange("GET", wire.url("/a"), {}, None, TIMEOUT)
            failure: BaseException | None = None
            try:
                await transport.exchange("POST", wire.url("/b"), {}, {"create": 1}, TIMEOUT)
            except httpx.TransportError as error:
                failure = error
            after = (await transport.exchange("GET", wire.url("/c"), {}, None, TIMEOUT)).json()
            return failure, list(wire.requests), after

    failure, requests, after = run(scenario)
    assert isinstance(failure, httpx.TransportError) and not isinstance(failure, NOT_SENT_ERRORS)
    assert [r.split(b" ")[:2] for r in requests] == [[b"GET", b"/a"], [b"POST", b"/b"], [b"GET", b"/c"]]
    assert after == {"path": "/c"}


# Read timeouts


def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        await reader.read()  # silent until the client gives up and closes

    async def scenario() -> None:
        async with raw_server(handle) as wire, network() as transport:
            await transport.exchange("GET", wire.url(), {}, None, {**TIMEOUT, "read": 0.2})

    with pytest.raises(httpx.ReadTimeout):
        run(scenario)


def test_a_body_trickled_steadily_is_read_although_it_takes_longer_than_the_read_timeout() -> None:
    """The read timeout bounds each wait for bytes, as httpx's does, not the whole body."""
    body = b'{"a": 123}'  # ten bytes, one every 0.05 s: half a second against a 0.2 s read timeout

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for byte in body:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    async def scenario() -> Answer:
        async with raw_server(handle) as wire, network() as transport:
            return await transport.exchange("GET", wire.url(), {}, None, {**TIMEOUT, "read": 0.2})

    assert run(scenario).json() == {"a": 123}


# Cancellation


def test_an_exchange_cancelled_mid_answer_leaves_nothing_for_the_next_one() -> None:
    """The rest of the cancelled answer is itself shaped like an answer: read as the next one, it shows."""
    leftover = path_answer("/leftover")
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (10 + len(leftover))
    mid_answer = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        for _ in range(MAX_REQUESTS):
            path = await read_request(reader, wire)
            if path != "/slow":
                writer.write(path_answer(path))
                await writer.drain()
                continue
            writer.write(head + b"0123456789")
            await writer.drain()
            mid_answer.set()
            await asyncio.sleep(0.3)
            writer.write(leftover)
            await writer.drain()

    async def scenario() -> Any:
        async with raw_server(handle) as wire, network(1) as transport:
            slow = asyncio.ensure_future(transport.exchange("GET", wire.url("/slow"), {}, None, TIMEOUT))
            await asyncio.wait_for(mid_answer.wait(), 5)
            await asyncio.sleep(0.05)  # the first bytes of the answer have reached the client
            slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await slow
            # One connection at most: a slot the cancelled exchange kept would be a pool timeout here.
            answers = []
            for path in ("/fast", "/after"):
                got = await transport.exchange("GET", wire.url(path), {}, None, {**TIMEOUT, "pool": 2.0})
                answers.append(got.json())
                await asyncio.sleep(0.3)  # past the moment the leftover bytes are written
            return answers

    assert run(scenario) == [{"path": "/fast"}, {"path": "/after"}]


# Bytes nobody asked for


@pytest.mark.parametrize("when", ["with the answer", "while idle"])
@pytest.mark.parametrize(
    "garbage", [path_answer("/unasked"), b"\x00\xff not http at all\r\n\r\n"], ids=["an answer", "junk"]
)
def test_bytes_sent_on_an_idle_connection_are_never_read_as_the_next_answer(garbage: bytes, when: str) -> None:
    """The first connection sends ``garbage`` after its first answer; later ones are well-behaved."""
    sent = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        if wire.connections == 1:
            first = path_answer(await read_request(reader, wire), "Connection: keep-alive")
            if when == "with the answer":
                writer.write(first + garbage)
            else:
                writer.write(first)
                await writer.drain()
                await asyncio.sleep(0.05)
                writer.write(garbage)
            await writer.drain()
            sent.set()
        await answering_paths(reader, writer, wire)

    async def scenario() -> list[Any]:
        async with raw_server(handle) as wire, network(1) as transport:
            seen: list[Any] = []
            for path in ("/first", "/second", "/third"):
                try:
                    seen.append((await transport.exchange("GET", wire.url(path), {}, None, TIMEOUT)).json())
                except httpx.TransportError as error:
                    seen.append(error)
                await asyncio.wait_for(sent.wait(), 5)
                await asyncio.sleep(0.05)  # the garbage has reached the client
            return seen

    first, second, third = run(scenario)
    # Refusing the connection is allowed; answering a request with bytes sent before it is not.
    assert first == {"path": "/first"} or isinstance(first, httpx.TransportError)
    assert second == {"path": "/second"} or isinstance(second, httpx.TransportError)
    assert third == {"path": "/third"}


# A gzip bomb


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_gzip_bomb_is_refused_without_being_inflated(framing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport_module, "MAX_ANSWER_BYTES", MiB)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MiB)
    bomb = b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()  # 64 MiB of zeros
    assert len(bomb) < 128 * 1024
    if framing == "chunked":
        raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(bomb)
    else:
        raw = answer(bomb, "Content-Encoding: gzip")
    del zeros

    async def scenario() -> int:
        tracemalloc.start()
        try:
            with pytest.raises(AnswerTooLarge):
                await one_answer(raw)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert run(scenario) < 16 * MiB


# Deflate, both ways httpx reads it


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib-wrapped", "raw deflate"])
def test_a_deflate_answer_is_decoded(wbits: int) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = b'{"deflated": "' + b"d" * 5000 + b'"}'
    got = run(lambda: one_answer(answer(packer.compress(body) + packer.flush(), "Content-Encoding: deflate")))
    assert got.content == body


# Status line and header values


def test_a_header_value_reads_without_its_surrounding_whitespace() -> None:
    raw = b"HTTP/1.1 200 OK\r\nX-Request-Id: \t abc 1 \t\r\nRetry-After:7\r\nContent-Length: 2\r\n\r\n{}"
    got = run(lambda: one_answer(raw))
    assert (got.headers["x-request-id"], got.headers["Retry-After"]) == ("abc 1", "7")


def test_a_status_line_with_an_empty_reason_phrase_is_read() -> None:
    got = run(lambda: one_answer(b'HTTP/1.1 201 \r\nContent-Length: 8\r\n\r\n{"a": 1}'))
    assert (got.status_code, got.json()) == (201, {"a": 1})


@pytest.mark.parametrize(
    "framing",
    ["Content-Length: 2\r\nContent-Length: 5", "Content-Length: -2", "Content-Length: 0x2"],
    ids=["two lengths", "negative", "not decimal"],
)
def test_an_answer_whose_length_cannot_be_told_is_unreadable(framing: str) -> None:
    raw = f"HTTP/1.1 200 OK\r\n{framing}\r\n\r\n{{}}abc".encode()
    with pytest.raises(httpx.RemoteProtocolError):
        run(lambda: one_answer(raw))


def test_an_answer_framed_both_by_length_and_chunks_is_never_read_by_its_length() -> None:
    """Transfer-Encoding overrides Content-Length (RFC 9112, 6.3), or the answer is refused; the next
    request on the transport reads its own answer either way."""
    both = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b'{"a"', b": 1}")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        if wire.connections == 1:
            await read_request(reader, wire)
            writer.write(both)
            await writer.drain()
        await answering_paths(reader, writer, wire)

    async def scenario() -> tuple[Any, Any]:
        async with raw_server(handle) as wire, network(1) as transport:
            first: Any
            try:
                first = (await transport.exchange("GET", wire.url("/a"), {}, None, TIMEOUT)).json()
            except httpx.RemoteProtocolError as error:
                first = error
            second = (await transport.exchange("GET", wire.url("/b"), {}, None, TIMEOUT)).json()
            return first, second

    first, second = run(scenario)
    assert first == {"a": 1} or isinstance(first, httpx.RemoteProtocolError)
    assert second == {"path": "/b"}


@pytest.mark.parametrize(
    "cut",
    [b"HTTP/1.1 20", b"HTTP/1.1 200 OK\r\nContent-Le", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"],
    ids=["in the status line", "in a header", "before the blank line"],
)
def test_a_connection_dropped_in_the_middle_of_the_head_is_never_called_unsent(cut: bytes) -> None:
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)) as caught:
        run(lambda: one_answer(cut))
    assert not isinstance(caught.value, NOT_SENT_ERRORS)


def test_a_header_that_never_ends_is_unreadable_before_it_is_held_whole() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        for _ in range(256):  # 16 MiB at most, far past any header limit
            writer.write(b"a" * 65_536)
            await writer.drain()
        await reader.read()

    async def scenario() -> None:
        async with raw_server(handle) as wire, network() as transport:
            await transport.exchange("GET", wire.url(), {}, None, TIMEOUT)

    with pytest.raises(httpx.RemoteProtocolError):
        run(scenario)


@pytest.mark.parametrize("status", ["204 No Content", "304 Not Modified"])
def test_an_answer_that_has_no_body_ends_at_its_head(status: str) -> None:
    """A 204 or 304 has no body whatever its headers say: the next answer on the connection is read next."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(f'HTTP/1.1 {status}\r\nETag: "1"\r\n\r\n'.encode())
        await writer.drain()
        await answering_paths(reader, writer, wire)

    async def scenario() -> tuple[int, bytes, Any, int]:
        async with raw_server(handle) as wire, network(1) as transport:
            empty = await transport.exchange("GET", wire.url("/a"), {}, None, {**TIMEOUT, "read": 2.0})
            after = await transport.exchange("GET", wire.url("/b"), {}, None, TIMEOUT)
            return empty.status_code, empty.content, after.json(), wire.connections

    assert run(scenario) == (int(status[:3]), b"", {"path": "/b"}, 1)


def test_the_answer_to_a_head_request_has_no_body_whatever_its_length_says() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
        await writer.drain()
        await answering_paths(reader, writer, wire)

    async def scenario() -> tuple[int, bytes, Any]:
        async with raw_server(handle) as wire, network(1) as transport:
            head = await transport.exchange("HEAD", wire.url("/a"), {}, None, {**TIMEOUT, "read": 2.0})
            after = await transport.exchange("GET", wire.url("/b"), {}, None, TIMEOUT)
            return head.status_code, head.content, after.json()

    assert run(scenario) == (200, b"", {"path": "/b"})


# The httpx path


def test_the_httpx_path_decodes_a_gzip_answer_once() -> None:
    """The transport decodes it and says so (no Content-Encoding left): httpx does not decode it again."""
    raw = answer(gzipped(b'{"zipped": [1, 2]}'), "Content-Encoding: gzip", "Content-Type: application/json")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)
        writer.write(raw)
        await writer.drain()

    async def scenario() -> tuple[int, bytes, Any, str | None]:
        async with raw_server(handle) as wire, httpx.AsyncClient(transport=NetworkTransport(2)) as client:
            response = await client.get(wire.url())
            return response.status_code, response.content, response.json(), response.headers.get("content-encoding")

    assert run(scenario) == (200, b'{"zipped": [1, 2]}', {"zipped": [1, 2]}, None)


def test_the_httpx_path_sends_a_body_exactly_with_its_length() -> None:
    body = '{"given_name": "Åsa",  "raw": "\\u2603"}\n'.encode()

    async def scenario() -> tuple[Any, bytes]:
        async with raw_server(answering_paths) as wire, httpx.AsyncClient(transport=NetworkTransport(2)) as client:
            response = await client.post(wire.url("/stakeholders"), content=body)
            return response.json(), wire.requests[0]

    got, request = run(scenario)
    head, _, sent = request.partition(b"\r\n\r\n")
    lengths = [line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
    assert got == {"path": "/stakeholders"}
    assert sent == body and lengths == [b"content-length: %d" % len(body)]


# Headers that would rewrite the request


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-A\r\nX-Evil", "1"),
        ("X-A\nX-Evil", "1"),
        ("X-A\0", "1"),
        ("X-A", "1\r\nX-Evil: 1"),
        ("X-A", "1\nX-Evil: 1"),
        ("X-A", "1\0"),
    ],
    ids=["CR LF in a name", "LF in a name", "NUL in a name", "CR LF in a value", "LF in a value", "NUL in a value"],
)
def test_a_header_that_would_break_the_request_is_refused_and_nothing_is_sent(name: str, value: str) -> None:
    async def scenario() -> tuple[BaseException | None, int, bytes]:
        async with raw_server(recording) as wire, network() as transport:
            failure: BaseException | None = None
            try:
                await transport.exchange("GET", wire.url(), {name: value}, None, TIMEOUT)
            except httpx.TransportError as error:
                failure = error
            await asyncio.sleep(0.1)  # whatever was written has reached the server
            return failure, wire.connections, bytes(wire.received)

    failure, _, received = run(scenario)
    assert isinstance(failure, httpx.LocalProtocolError)
    assert received == b""


# HTTPS with a certificate nobody vouches for


def certificate_authority() -> tuple[trustme.CA, ssl.SSLContext]:
    """A test CA and a server context holding a certificate it issued for 127.0.0.1."""
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    return authority, server


def test_a_server_whose_certificate_is_not_trusted_is_a_connect_error_and_nothing_is_sent() -> None:
    _, tls = certificate_authority()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: Wire) -> None:
        await read_request(reader, wire)  # only reached after a handshake the client accepted
        writer.write(path_answer("/"))
        await writer.drain()

    async def scenario() -> tuple[BaseException | None, int, list[bytes]]:
        async with raw_server(handle, tls=tls) as wire, network() as transport:
            failure: BaseException | None = None
            try:
                await transport.exchange("POST", wire.url("/", scheme="https"), {}, {"a": 1}, TIMEOUT)
            except httpx.TransportError as error:
                failure = error
            return failure, wire.connections, wire.requests

    failure, connections, requests = run(scenario)
    assert isinstance(failure, httpx.ConnectError) and isinstance(failure, NOT_SENT_ERRORS)
    assert (connections, requests) == (0, [])


def test_a_server_whose_certificate_is_trusted_is_read_over_tls_on_one_kept_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    authority, tls = certificate_authority()
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    monkeypatch.setattr(transport_module, "_tls_context", lambda: trusting)

    async def scenario() -> tuple[Any, Any, int]:
        async with raw_server(answering_paths, tls=tls) as wire, network() as transport:
            first = await transport.exchange("GET", wire.url("/a", scheme="https"), {}, None, TIMEOUT)
            second = await transport.exchange("POST", wire.url("/b", scheme="https"), {}, {"n": 1}, TIMEOUT)
            return first.json(), second.json(), wire.connections

    assert run(scenario) == ({"path": "/a"}, {"path": "/b"}, 1)


def _tls_server_closing(tls: ssl.SSLContext, close_notify: bool) -> tuple[int, threading.Thread]:
    """One TLS connection answered by a body the close delimits, then closed: with the close_notify
    that says the server is done, or the TCP connection alone, as someone on the path could end it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        with listener:
            raw, _ = listener.accept()
            with tls.wrap_socket(raw, server_side=True) as conn:
                conn.settimeout(10)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + b'{"accounts": [1, 2')
                if close_notify:
                    conn.unwrap().close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


@pytest.mark.parametrize("close_notify", [True, False], ids=["close_notify", "TCP closed alone"])
def test_an_answer_the_close_delimits_over_tls_is_whole_only_with_the_servers_close_notify(
    close_notify: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvloop, the loop the commands run on, tells a TLS connection cut on the path from one the server
    ended; a cut one is a read error (retried for a read, outcome unknown for a write), never a whole answer."""
    authority, tls = certificate_authority()
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    monkeypatch.setattr(transport_module, "_tls_context", lambda: trusting)
    port, thread = _tls_server_closing(tls, close_notify)

    async def scenario() -> Any:
        async with network() as transport:
            try:
                got = await transport.exchange("GET", f"https://127.0.0.1:{port}/a", {}, None, TIMEOUT)
            except httpx.TransportError as error:
                return error
            return got.content

    got = uvloop.run(asyncio.wait_for(scenario(), 10))
    thread.join(10)
    if close_notify:
        assert got == b'{"accounts": [1, 2'
    else:
        assert isinstance(got, httpx.ReadError) and "before the answer was complete" in str(got)
