"""The network transport's own bounds: what a server that never ends its answer cannot make it hold.

Each server here is raw bytes on loopback; every exchange is bounded by ``asyncio.wait_for``.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable

import httpx
import pytest

from reconciler.live import transport as transport_module
from reconciler.live.answer import Answer, AnswerTooLarge
from reconciler.live.transport import NetworkTransport
from reconciler.live.wire import ANSWER_TIMEOUTS, MAX_HEAD_BYTES, MAX_INTERIM_ANSWERS

TIMEOUT = {"connect": 5.0, "read": 5.0, "pool": 5.0}
Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def exchanges(serve: Serve, *paths: str) -> tuple[list[Answer | Exception], list[bytes], int]:
    """Each path's answer (or error) from one transport in turn, what the server read, and its connections."""
    seen: list[bytes] = []
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            for _ in range(4):  # bounded: a few requests on one connection
                seen.append(await reader.readuntil(b"\r\n\r\n"))
                await serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def run() -> list[Answer | Exception]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        network = NetworkTransport(1)
        results: list[Answer | Exception] = []
        async with server:
            for path in paths:
                try:
                    results.append(await network.exchange("GET", f"http://127.0.0.1:{port}{path}", {}, None, TIMEOUT))
                except httpx.TransportError as error:
                    results.append(error)
            await network.aclose()
        return results

    return asyncio.run(asyncio.wait_for(run(), 20)), seen, connections


def test_headers_that_never_end_are_refused_once_past_the_bound() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nX-Long: ")
        for _ in range(MAX_HEAD_BYTES // 4096 + 8):  # a header value past the bound, never ended
            writer.write(b"a" * 4096)
            await writer.drain()
        await asyncio.sleep(10)

    [error], _, _ = exchanges(serve, "/a")
    assert isinstance(error, httpx.RemoteProtocolError) and "headers without an end" in str(error)


def test_interim_answers_without_an_end_are_refused() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" * (MAX_INTERIM_ANSWERS + 1))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()

    [error], _, _ = exchanges(serve, "/a")
    assert isinstance(error, httpx.RemoteProtocolError) and "interim answers" in str(error)


def test_interim_answers_within_the_bound_are_passed_over() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n" * MAX_INTERIM_ANSWERS)
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()

    [answer], _, _ = exchanges(serve, "/a")
    assert isinstance(answer, Answer) and answer.status_code == 201 and "x-interim" not in answer.headers


def test_trailers_after_a_chunked_body_are_not_headers() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n")
        await writer.drain()

    [answer, again], _, connections = exchanges(serve, "/a", "/b")
    assert isinstance(answer, Answer) and answer.content == b"{}" and "x-trailer" not in answer.headers
    assert isinstance(again, Answer) and again.content == b"{}" and connections == 1


def test_a_second_answer_to_one_request_is_never_taken_for_the_next_requests() -> None:
    answers = iter([b"first", b"second", b"third", b"fourth"])

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        one, two = next(answers), next(answers)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(one), one))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(two), two))
        await writer.drain()

    (first, second), seen, connections = exchanges(serve, "/a", "/b")
    assert isinstance(first, Answer) and first.content == b"first"
    # The extra answer closed the connection; the next request had its own, on a new one.
    assert isinstance(second, Answer) and second.content == b"third"
    assert connections == 2 and len(seen) == 2


def test_bytes_past_any_answer_within_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport_module, "MAX_ANSWER_BYTES", 4096)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        extension = b";x=" + b"e" * 60_000
        for _ in range(MAX_HEAD_BYTES // 60_000 + 4):  # one-byte chunks, each with a long extension
            writer.write(b"1" + extension + b"\r\na\r\n")
            await writer.drain()
        await asyncio.sleep(10)

    [error], _, _ = exchanges(serve, "/a")
    assert isinstance(error, AnswerTooLarge)


def test_an_answer_trickled_past_its_whole_bound_is_a_read_timeout() -> None:
    """Each byte comes within the read timeout; the whole answer may take ``ANSWER_TIMEOUTS`` of them."""
    read = 0.05

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):  # a byte every 0.02 s: 2 s in all, against a bound of 0.5 s
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.02)

    async def run() -> Exception:
        server = await asyncio.start_server(serve_once(serve), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        network = NetworkTransport(1)
        async with server:
            try:
                await network.exchange("GET", f"http://127.0.0.1:{port}/a", {}, None, {**TIMEOUT, "read": read})
            except httpx.ReadTimeout as error:
                return error
            finally:
                await network.aclose()
        raise AssertionError("the trickled answer was read")

    error = asyncio.run(asyncio.wait_for(run(), 20))
    assert f"longer than {ANSWER_TIMEOUTS * read:g} s" in str(error)


def test_a_gzip_body_cut_before_its_end_is_unreadable() -> None:
    whole = gzip.compress(b'{"accounts": [' + b'{"a": 1},' * 200 + b"{}]}")
    cut = whole[: len(whole) - 12]  # the last block and the trailer missing

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(cut), cut))
        await writer.drain()

    [error], _, _ = exchanges(serve, "/a")
    assert isinstance(error, httpx.RemoteProtocolError) and "does not decode" in str(error)


def serve_once(serve: Serve) -> Serve:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle
