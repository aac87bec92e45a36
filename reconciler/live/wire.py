"""HTTP/1.1 on the wire: one connection's request and answer, and a pool of kept-alive connections.

The network transport's own client, on asyncio's protocols and ``httptools`` (llhttp, the parser of
Node.js, which uvicorn serves the sandbox with). A general client spends most of a request's CPU on
what these APIs never use: aiohttp, the client before this one, took 0.37 ms of CPU per read of an
expanded Klarna account on the development machine, of which this needs about a third
(``benchmarks/http_floor.py``). What it leaves out: redirects, cookies, proxies, HTTP/2, pipelining
and upgrades.

Every failure is one of httpx's transport errors, told apart as the retry rules read them: nothing
was sent (``ConnectError``, ``ConnectTimeout``, ``PoolTimeout``), or the request may have reached the
server (``ReadError``, ``ReadTimeout``, ``RemoteProtocolError``), so a write's outcome is unknown.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import httptools
import httpx

from reconciler.live.answer import AnswerTooLarge

# Content codings decoded here; the same the client offers in ``Accept-Encoding``.
ACCEPT_ENCODING = "gzip, deflate"
# The most an answer's status line and headers may take: far beyond any API's, and a bound on what a
# server that never ends its headers makes the client hold.
MAX_HEAD_BYTES = 256 * 1024
# A server may send "100 Continue" and the like before its answer; more than this are a loop.
MAX_INTERIM_ANSWERS = 8
# The read timeout bounds each wait for the server's next bytes; this many of them bound a whole
# answer, which a server trickling a byte at a time would otherwise stretch without end.
ANSWER_TIMEOUTS = 10
_IDENTITY = frozenset({b"", b"identity"})


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a connection goes: requests to one origin share its kept-alive connections."""

    scheme: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer, read whole: its status, reason, header lines as received, and body."""

    status: int
    reason: str
    headers: list[tuple[bytes, bytes]]
    body: bytes


class _Inflater:
    """A gzip or deflate body decoded as it arrives, never past ``limit`` bytes.

    A deflate body is zlib-wrapped by the standard and raw in some servers' hands; as httpx does,
    the first bytes decide which. A gzip body is a series of members (RFC 1952), each decoded in turn:
    httpx would hand over the first one's alone, and an answer cut to its first part must not read as
    the whole. Bytes after the end of a deflate body make it unreadable.
    """

    __slots__ = ("_decoder", "_gzip", "_started", "limit", "size")

    def __init__(self, coding: bytes, limit: int) -> None:
        self._gzip = coding in (b"gzip", b"x-gzip")
        self._decoder = self._new_decoder()
        self._started = False
        self.limit = limit
        self.size = 0

    def _new_decoder(self) -> zlib._Decompress:
        return zlib.decompressobj(16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bytes:
        out = self._decode(data)
        while self._decoder.eof and self._decoder.unused_data:
            if not self._gzip:
                raise zlib.error("bytes after the end of the coded body")
            rest = self._decoder.unused_data
            self._decoder = self._new_decoder()
            out += self._decode(rest)
        return out

    def _decode(self, data: bytes) -> bytes:
        room = self.limit - self.size
        try:
            out = self._decoder.decompress(data, room + 1)
        except zlib.error:
            if self._started or self._gzip:
                raise
            self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._decoder.decompress(data, room + 1)
        self._started = True
        # Asked for one byte more than there is room for: getting it means the body is too long,
        # and the rest of its input stays compressed (a small gzip body can inflate to gigabytes).
        if len(out) > room:
            raise AnswerTooLarge(self.limit)
        self.size += len(out)
        return out

    def finish(self) -> bytes:
        if not self._started:
            return b""  # no body at all (a 204, a 304, a length of 0): nothing to decode, as httpx reads it
        out = self._decoder.flush()
        if not self._decoder.eof:
            # The coded body stopped before its end (httpx would hand over what there was): a cut
            # answer must not read as a whole, shorter one.
            raise zlib.error("the coded body ends early")
        self.size += len(out)
        if self.size > self.limit:
            raise AnswerTooLarge(self.limit)
        return out


class Connection(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection: one request at a time, its answer parsed as it arrives."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self._loop = loop
        self._limit = limit  # the longest body read, decoded
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[Reply] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last_read = 0.0
        self._deadline = 0.0
        self.closed = False
        self._ended = False  # the server said it was done: a FIN, or over TLS its close_notify
        self.idle_since = 0.0
        self._bodiless = False
        self._interim = 0
        self._new_answer()

    def _new_answer(self) -> None:
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunks: list[bytes] = []
        self._size = 0
        self._inflater: _Inflater | None = None
        self._to_close = False  # the body ends with the connection (neither a length nor chunks)
        self._headers_done = False
        self._received = 0  # bytes of this answer, as they came
        self._answered = False
        self._failure: BaseException | None = None

    # asyncio's side

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have a stream transport's methods without being of its class.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            # Bytes nobody asked for (a server's late words on an idle connection): whatever they
            # are, the next answer could not be told from them.
            self.close()
            return
        self._last_read = self._loop.time()
        self._received += len(data)
        if self._received > 2 * self._limit + MAX_HEAD_BYTES:
            # More than any answer within the limits takes (chunk framing, trailers, a coding that
            # grew the body): what the body limit alone would not stop.
            self._fail(AnswerTooLarge(self._limit))
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError:
            self._fail(self._failure or httpx.RemoteProtocolError("unreadable answer"))
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("unreadable answer (an upgrade nobody asked for)"))
        except httptools.HttpParserError as error:
            self._fail(httpx.RemoteProtocolError(f"unreadable answer ({type(error).__name__})"))
            return
        if not self._headers_done and self._received > MAX_HEAD_BYTES:
            self._fail(httpx.RemoteProtocolError("unreadable answer (headers without an end)"))

    def eof_received(self) -> bool | None:
        # The server is done with the connection. Over TLS its transport does not say it is closing
        # until the shutdown has run (a loop iteration or two later), and a write in between would be
        # dropped unsent yet reported as a connection lost after sending.
        self.closed = True
        self._ended = True
        return None  # the transport closes itself; an answer that ran to the end completes then

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        # Over TLS, a connection that ends without the server's close_notify may have been cut by anyone on
        # the path (uvloop then reports no end of data; asyncio's own loop cannot tell the two apart).
        if self._to_close and exc is None and self._ended:
            try:
                self._complete()  # the answer ran to the end of the connection, as it said it would
            except AnswerTooLarge as error:
                self._fail(error)
            return
        # A reset (``exc``) is not the end an answer delimited by the close said it would have.
        self._fail(httpx.ReadError("the connection closed before the answer was complete"))

    # httptools' side

    def on_message_begin(self) -> None:
        if self._answered:  # a second answer to one request
            self._failure = httpx.RemoteProtocolError("unreadable answer (more than one answer)")
            raise self._failure

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._headers_done:
            return  # a trailer after a chunked body: httpx does not read them either
        self._headers.append((name, value.strip(b" \t")))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            return  # an interim answer (100 Continue): the real one follows
        self._headers_done = True
        if self._bodiless:
            # The answer to a HEAD states the length a GET's body would have and sends none (so a
            # length past the limit is no fault). The parser cannot be told what was asked, and would
            # wait for that body: the next answer is read by a new one (this one ignores what it
            # still reads of this chunk).
            self._complete()
            self._parser = httptools.HttpResponseParser(self)
            return
        length = None
        codings: list[bytes] = []
        transfer: list[bytes] = []
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == b"content-length":
                length = value
            elif lowered == b"transfer-encoding":
                transfer.extend(part.strip().lower() for part in value.split(b","))
            elif lowered == b"content-encoding":
                codings.extend(part.strip().lower() for part in value.split(b","))
        if transfer and transfer != [b"chunked"]:
            # The parser reads the chunks of "gzip, chunked" and would hand over a body still coded;
            # httpx (h11) supports no transfer coding but chunked either.
            self._failure = httpx.RemoteProtocolError("unreadable answer (an unsupported transfer encoding)")
            raise self._failure
        if length is not None and length.isdigit() and int(length) > self._limit:
            self._failure = AnswerTooLarge(self._limit)
            raise self._failure
        self._to_close = length is None and not transfer and status not in (204, 304)
        codings = [coding for coding in codings if coding not in _IDENTITY]
        if not codings:
            return
        if len(codings) > 1 or codings[0] not in (b"gzip", b"x-gzip", b"deflate"):
            self._failure = httpx.RemoteProtocolError("unreadable answer (an unsupported content encoding)")
            raise self._failure
        self._inflater = _Inflater(codings[0], self._limit)

    def on_body(self, body: bytes) -> None:
        if self._answered:
            return
        try:
            if self._inflater is not None:
                body = self._inflater.feed(body)
            else:
                self._size += len(body)
                if self._size > self._limit:
                    raise AnswerTooLarge(self._limit)
        except AnswerTooLarge as error:
            self._failure = error
            raise
        except zlib.error:
            self._failure = httpx.RemoteProtocolError("unreadable answer (a body that does not decode)")
            raise self._failure from None
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if self._answered:
            return
        if not self._headers_done:
            self._interim += 1
            if self._interim > MAX_INTERIM_ANSWERS:
                self._failure = httpx.RemoteProtocolError("unreadable answer (interim answers without an end)")
                raise self._failure
            self._new_answer()  # the interim answer ended; its headers are not the answer's
            return
        try:
            self._complete()
        except AnswerTooLarge as error:
            self._failure = error
            raise

    def _complete(self) -> None:
        if self._inflater is not None:
            try:
                self._chunks.append(self._inflater.finish())
            except zlib.error:
                self._fail(httpx.RemoteProtocolError("unreadable answer (a body that does not decode)"))
                return
        reply = Reply(
            self._parser.get_status_code(), self._reason.decode("latin-1"), self._headers, b"".join(self._chunks)
        )
        self._answered = True
        assert self._waiter is not None
        self._waiter.set_result(reply)  # before ``close``, which fails an answer still awaited
        if not self._parser.should_keep_alive() or self._to_close:
            self.close()

    # the caller's side

    def reusable(self, now: float, keepalive: float) -> bool:
        return not self.closed and self._transport is not None and not self._transport.is_closing() and (
            now - self.idle_since < keepalive
        )

    async def send(self, request: bytes, read_timeout: float | None, bodiless: bool = False) -> Reply:
        """Write ``request`` (head and body) and wait for its whole answer.

        ``read_timeout`` bounds each wait for the server's next bytes, as httpx's read timeout does,
        not the whole answer. Anything but a whole answer closes the connection: what it would
        carry next could not be told apart from the rest of this one.
        """
        assert self._transport is not None and self._waiter is None
        self._new_answer()
        self._interim = 0
        self._bodiless = bodiless
        waiter = self._waiter = self._loop.create_future()
        self._last_read = self._loop.time()
        if read_timeout is not None:
            self._deadline = self._last_read + ANSWER_TIMEOUTS * read_timeout
            self._timer = self._loop.call_later(read_timeout, self._check_timeout, read_timeout)
        try:
            self._transport.write(request)
            reply: Reply = await waiter
            return reply
        except BaseException:
            self.close()  # cancelled, or failed: the rest of the answer must not reach another request
            raise
        finally:
            self._waiter = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _check_timeout(self, timeout: float) -> None:
        now = self._loop.time()
        quiet = now - self._last_read
        if quiet < timeout and now < self._deadline:
            wait = min(timeout - quiet, self._deadline - now)
            self._timer = self._loop.call_later(wait, self._check_timeout, timeout)
            return
        self._timer = None
        if quiet < timeout:
            self._fail(httpx.ReadTimeout(f"the answer took longer than {ANSWER_TIMEOUTS * timeout:g} s"))
        else:
            self._fail(httpx.ReadTimeout(f"no answer within {timeout:g} s"))

    def _fail(self, error: BaseException) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        self.close()

    def close(self) -> None:
        """Close the connection; an answer still awaited on it fails (what was read of it is not whole)."""
        self.closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            # Left to ``connection_lost``, an answer delimited by the close would read as complete.
            waiter.set_exception(httpx.ReadError("the connection was closed before the answer was complete"))
        if self._transport is not None:
            self._transport.close()


class ConnectionPool:
    """At most ``max_connections`` connections, kept alive for ``keepalive`` seconds between requests."""

    def __init__(self, max_connections: int, keepalive: float, limit: int, tls: Callable[[], ssl.SSLContext]) -> None:
        self.max_connections = max_connections
        self.keepalive = keepalive
        self._gate = asyncio.Semaphore(max_connections)
        self._limit = limit
        self._tls = tls
        self._idle: dict[Origin, list[Connection]] = {}
        self._open: set[Connection] = set()
        self._closed = False  # once ``close`` ran, no connection is kept (one may be opening then)

    async def send(
        self,
        origin: Origin,
        request: bytes,
        timeouts: tuple[float | None, float | None, float | None],
        bodiless: bool = False,
    ) -> Reply:
        """Send ``request`` on a kept-alive connection to ``origin``, or a new one, and read its answer.

        ``timeouts`` are (connect, read, pool) in seconds, as httpx names them; ``bodiless`` says the
        answer has no body whatever its headers say (the answer to a HEAD).
        """
        connect, read, pool = timeouts
        if self._gate.locked():
            try:
                async with asyncio.timeout(pool):
                    await self._gate.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("no connection free in time") from None
        else:
            await self._gate.acquire()
        try:
            connection = self._reused(origin) or await self._connect(origin, connect)
            try:
                reply = await connection.send(request, read, bodiless)
            except BaseException:
                self._open.discard(connection)
                raise
            if connection.closed or self._closed:
                connection.close()
                self._open.discard(connection)
            else:
                connection.idle_since = asyncio.get_running_loop().time()
                self._idle.setdefault(origin, []).append(connection)
            return reply
        finally:
            self._gate.release()

    def _reused(self, origin: Origin) -> Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()  # the most recent first: the one least likely to be closing
            if connection.reusable(now, self.keepalive):
                return connection
            connection.close()
            self._open.discard(connection)
        return None

    async def _connect(self, origin: Origin, timeout: float | None) -> Connection:
        loop = asyncio.get_running_loop()
        secure = origin.scheme == "https"
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: Connection(loop, self._limit),
                    origin.host,
                    origin.port,
                    ssl=self._tls() if secure else None,
                    server_hostname=origin.host if secure else None,
                )
        except TimeoutError:
            # Also the system's own connect timeout (ETIMEDOUT), which comes without httpx's.
            within = f" within {timeout:g} s" if timeout is not None else ""
            raise httpx.ConnectTimeout(f"no connection to {origin.host}{within}") from None
        # Refused, no such host, or a certificate not trusted; a port past 65535 (OverflowError) or a
        # host label the resolver's IDNA codec refuses (UnicodeError): in each, nothing was sent.
        except (OSError, OverflowError, UnicodeError) as error:
            raise httpx.ConnectError(f"cannot connect to {origin.host} ({type(error).__name__})") from None
        if connection.closed:
            # The server spoke or hung up before it was asked (over TLS its first bytes can come with
            # the handshake): a request written now would be lost unsent, yet read as maybe sent.
            connection.close()
            raise httpx.ConnectError(f"the connection to {origin.host} closed as it opened")
        self._open.add(connection)
        return connection

    def close(self) -> None:
        self._closed = True
        for connection in list(self._open):
            connection.close()
        self._open.clear()
        self._idle.clear()
