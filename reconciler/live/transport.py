"""The transport of every real connection: HTTP/1.1 on ``reconciler.live.wire``'s pool, under httpx's API.

The API clients do not go through httpx at all on the network: ``exchange`` sends a request given as
its method, URL, headers and JSON body straight to the pool and answers an ``Answer``. Building httpx's
request and response objects (header normalisation, streams) took a third of the CPU of a read of an
expanded Klarna account. ``handle_async_request`` is the same pool under httpx's transport API, for a
plain ``httpx.AsyncClient``. Both decode a gzip or deflate body here, within the answer limit: httpx
would inflate a small gzip body to gigabytes.

What goes on the wire is what httpx would send (a test compares the bytes): the same request line,
the same headers (``Content-Length: 0`` on a ``POST``, ``PUT`` or ``PATCH`` without a body), and JSON
encoded as httpx encodes it. A header httpx's HTTP/1.1 layer (h11) would refuse is refused before
anything is sent: a name that is not a token, a value with a control character other than a tab (a
line break or NUL would break the request's framing; a vertical tab or DEL some parsers take apart).
"""

from __future__ import annotations

import functools
import json
import re
import ssl
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpx

from reconciler.live.answer import MAX_ANSWER_BYTES, Answer
from reconciler.live.wire import ACCEPT_ENCODING, ConnectionPool, Origin

# Idle connections are dropped sooner than servers commonly drop them (uvicorn, and so the served
# sandbox, after 5 s): a connection the server is closing just as a write goes out on it loses the
# write, whose outcome is then unknown (a signup without an idempotency key cannot be repeated).
KEEPALIVE_SECONDS = 4.0
# A URL that goes on the wire as it is: the clients escape every id they put in a path, and httpx's
# encoding of the query leaves only these characters and %XX escapes. Any other URL is escaped as
# httpx escapes it.
_ENCODED_URL = re.compile(r"(https?)://([A-Za-z0-9.\-:\[\]]+)((?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?)")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Set by the transport from the body it sends; a caller's would contradict it.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})
# ... and, on ``exchange``, the others it writes itself.
_OWN_HEADERS = _FRAMING_HEADERS | {"host", "accept-encoding"}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes about 0.15 s of CPU: once per process, and only for an https URL.
    return httpx.create_ssl_context()


class NetworkTransport(httpx.AsyncBaseTransport):
    """A pool of at most ``max_connections`` HTTP/1.1 connections."""

    def __init__(self, max_connections: int) -> None:
        self._pool = ConnectionPool(max_connections, KEEPALIVE_SECONDS, MAX_ANSWER_BYTES, _tls_context)

    @property
    def limits(self) -> httpx.Limits:
        """The pool's bounds in httpx's terms: read from the pool, so they are the ones it keeps."""
        size = self._pool.max_connections
        return httpx.Limits(max_connections=size, max_keepalive_connections=size, keepalive_expiry=self._pool.keepalive)

    async def exchange(
        self, method: str, url: str, headers: Mapping[str, str], json_body: Any, timeout: Mapping[str, float | None]
    ) -> Answer:
        """One request and its whole answer, its JSON body encoded as httpx encodes it."""
        _token(method)
        origin, host, target = _split(url)
        body = b""
        typed = False
        if json_body is not None:
            try:
                # A lone surrogate (UnicodeEncodeError, a ValueError) has no UTF-8 form.
                body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            except ValueError:
                raise httpx.LocalProtocolError("the request's body is not JSON") from None
            typed = any(name.lower() == "content-type" for name in headers)  # a caller's own type stays
        added = f"Accept-Encoding: {ACCEPT_ENCODING}\r\n"
        if json_body is not None and not typed:
            added += "Content-Type: application/json\r\n"
        start = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n"
        head = _head(start, headers.items(), _OWN_HEADERS, added, method, body, "ascii")
        reply = await self._pool.send(origin, head + body, _timeouts(timeout), method == "HEAD")
        return Answer(reply.status, JoinedHeaders(reply.headers), reply.body, reply.reason)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx's request on the same pool; the body decoded, and so without its ``Content-Encoding``."""
        _token(request.method)
        body = await request.aread()
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"cannot send to a {url.scheme or 'relative'} URL")
        # Decoded and encoded again as latin-1, the header lines go out byte for byte as httpx holds them.
        headers = ((name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw)
        start = f"{request.method} {url.raw_path.decode('ascii')} HTTP/1.1\r\n"
        head = _head(start, headers, _FRAMING_HEADERS, "", request.method, body, "latin-1")
        origin = _origin_of(url)
        timeout = request.extensions.get("timeout", {})
        bodiless = request.method == "HEAD"
        reply = await self._pool.send(origin, head + body, _timeouts(timeout), bodiless)
        extensions = {"http_version": b"HTTP/1.1", "reason_phrase": reply.reason.encode("latin-1")}
        kept = [(name, value) for name, value in reply.headers if name.lower() != b"content-encoding"]
        return httpx.Response(reply.status, headers=kept, content=reply.body, request=request, extensions=extensions)

    async def aclose(self) -> None:
        self._pool.close()


class JoinedHeaders(Mapping[str, str]):
    """An answer's header lines read as httpx reads them: by any case, a header sent twice joined by ", "."""

    __slots__ = ("_lines", "_table")

    def __init__(self, lines: list[tuple[bytes, bytes]]) -> None:
        self._lines = lines
        self._table: dict[str, str] | None = None

    def _joined(self) -> dict[str, str]:
        if self._table is None:
            table: dict[str, str] = {}
            for raw_name, raw_value in self._lines:
                name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
                table[name] = f"{table[name]}, {value}" if name in table else value
            self._table = table
        return self._table

    def __getitem__(self, name: str) -> str:
        return self._joined()[name.lower()]

    def get(self, name: str, default: Any = None) -> Any:
        return self._joined().get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._joined()

    def __iter__(self) -> Iterator[str]:
        return iter(self._joined())

    def __len__(self) -> int:
        return len(self._joined())


def _timeouts(timeout: Mapping[str, float | None]) -> tuple[float | None, float | None, float | None]:
    return timeout.get("connect"), timeout.get("read"), timeout.get("pool")


@functools.lru_cache(maxsize=256)
def _token(name: str) -> str:
    """``name`` when it can stand as a method or header name on the wire (remembered: names repeat)."""
    if not _TOKEN.fullmatch(name):
        raise httpx.LocalProtocolError("a method or header name that is not a token cannot be sent")
    return name


def _head(
    start: str,
    headers: Iterable[tuple[str, str]],
    skipped: frozenset[str],
    added: str,
    method: str,
    body: bytes,
    encoding: str,
) -> bytes:
    """A request's head: ``start`` (its request line, and ``Host`` if given there), the ``headers`` but the
    ``skipped`` ones, ``added``, and the body's length where httpx states one (an empty ``POST`` too)."""
    lines = [start]
    for name, value in headers:
        if _skipped(name, skipped):
            continue
        if _CONTROL.search(value):
            raise httpx.LocalProtocolError("a header with a control character cannot be sent")
        lines.append(f"{name}: {value}\r\n")
    lines.append(added)
    if body or method in _BODY_METHODS:
        lines.append(f"Content-Length: {len(body)}\r\n")
    lines.append("\r\n")
    try:
        return "".join(lines).encode(encoding)
    except UnicodeEncodeError:
        raise httpx.LocalProtocolError("a header that is not ASCII cannot be sent") from None


@functools.lru_cache(maxsize=256)
def _skipped(name: str, skipped: frozenset[str]) -> bool:
    """Whether ``name`` is one of ``skipped`` (and a valid name at all; remembered: names repeat)."""
    return _token(name).lower() in skipped


def _origin_of(url: httpx.URL) -> Origin:
    """Where ``url`` goes: its host as the ``Host`` header names it (IDNA 2008, as httpx encodes it).

    Not ``url.host``, the Unicode form: the resolver and TLS would encode that by IDNA 2003, which
    maps some names to another host (``straße.de`` to ``strasse.de``).
    """
    default = 443 if url.scheme == "https" else 80
    return Origin(url.scheme, url.raw_host.decode("ascii"), default if url.port is None else url.port)


@functools.lru_cache(maxsize=64)
def _origin(scheme: str, authority: str) -> tuple[Origin, str]:
    try:
        parsed = httpx.URL(f"{scheme}://{authority}/")
    except httpx.InvalidURL:
        raise httpx.LocalProtocolError("the URL cannot be sent") from None
    return _origin_of(parsed), parsed.netloc.decode("ascii")


def _split(url: str) -> tuple[Origin, str, str]:
    """Where ``url`` goes, its ``Host`` header, and the request target, escaped as httpx escapes it."""
    plain = _ENCODED_URL.fullmatch(url)
    # A "." or ".." segment is left to httpx, which removes it ("/a/../b" goes as "/b").
    if plain is not None and "/." not in plain[3]:
        scheme, authority, target = plain.groups()
        origin, host = _origin(scheme, authority)
        return origin, host, target or "/"
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise httpx.LocalProtocolError("the URL cannot be sent") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise httpx.UnsupportedProtocol("only an absolute http or https URL can be sent")
    origin, host = _origin(parsed.scheme, parsed.netloc.decode("ascii"))
    return origin, host, parsed.raw_path.decode("ascii")
