"""The transport of every real connection: aiohttp under httpx's API.

httpx's own connection pool checks each pooled connection on every request, which costs more CPU
than the request itself once dozens of connections are open; at the parallelism a drift over
thousands of merchants needs, that, not the network, sets the pace. aiohttp's pool (with its C
parser) does not, and ``httpx-aiohttp`` puts it under httpx, so an httpx client can use it.

The API clients do not go through httpx at all on the network: ``exchange`` sends a request given as
its method, URL, headers and JSON body straight to aiohttp and answers an ``Answer``: building
httpx's request and response objects (header normalisation, streams) took a third of the CPU of a
read of an expanded Klarna account (0.83 ms with them, 0.565 ms without). Both ways share the pool
and the error mapping below.

One correction: ``httpx-aiohttp`` reports every connection error as ``httpx.ConnectTimeout``, which
the retry rules read as "never sent". A refused connection becomes ``httpx.ConnectError`` (never
sent, as httpx says it); a connection dropped after the request went out becomes ``httpx.ReadError``
(outcome unknown), so a write that may have taken effect is not repeated blindly. The body is read
whole here and handed to httpx as content: the clients read every body whole anyway, and httpx's
chunked stream over aiohttp's was a quarter of a request's sending time in a plan's profile
(the plan's CPU per request fell by about 2.5%). A body cut short is a ``ReadError``, as
it was through that stream.
"""

from __future__ import annotations

import functools
import json
import re
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx
from aiohttp import ClientSession, ClientTimeout
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import map_aiohttp_exceptions
from yarl import URL

from reconciler.live.answer import MAX_ANSWER_BYTES, Answer, AnswerTooLarge

if TYPE_CHECKING:
    from multidict import CIMultiDictProxy  # aiohttp's header type

# Idle connections are dropped sooner than servers commonly drop them (uvicorn, and so the served
# sandbox, after 5 s): a connection the server is closing just as a write goes out on it loses the
# write, whose outcome is then unknown (a signup without an idempotency key cannot be repeated).
KEEPALIVE_SECONDS = 4.0
# A URL yarl need not quote again: the clients escape every id they put in a path, and httpx's
# encoding of the query leaves only these characters and %XX escapes.
_ENCODED_URL = re.compile(r"https?://[A-Za-z0-9.\-:\[\]]+(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*")
# What aiohttp decodes without optional packages; httpx's default would also offer what it can decode.
_ACCEPT_ENCODING = "gzip, deflate"
_READ_CHUNK = 256 * 1024


async def _read_body(response: aiohttp.ClientResponse) -> bytes:
    """The whole body of ``response``, at most ``MAX_ANSWER_BYTES`` of it (``AnswerTooLarge`` beyond)."""
    length = response.content_length
    if length is not None and length > MAX_ANSWER_BYTES:
        raise AnswerTooLarge(MAX_ANSWER_BYTES)
    if length is not None and "Content-Encoding" not in response.headers:
        return await response.read()  # exactly the length it declared: aiohttp reads no further
    chunks = []
    size = 0
    while chunk := await response.content.read(_READ_CHUNK):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(MAX_ANSWER_BYTES)
        chunks.append(chunk)
    return b"".join(chunks)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes about 0.15 s of CPU: once per process, not once per API client.
    return httpx.create_ssl_context()


class NetworkTransport(AiohttpTransport):
    """aiohttp's connection pool, limited to ``max_connections``."""

    def __init__(self, max_connections: int) -> None:
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_SECONDS,
        )
        super().__init__(verify=_tls_context(), limits=limits)

    def _session(self) -> ClientSession:
        if not isinstance(self.client, ClientSession):
            self.client = self.get_client()
        return self.client

    async def exchange(
        self, method: str, url: str, headers: Mapping[str, str], json_body: Any, timeout: Mapping[str, float | None]
    ) -> Answer:
        """One request through aiohttp's pool, its JSON body encoded as httpx encodes it, and its whole answer.

        Errors are httpx's, as ``handle_async_request`` raises them, so the retry rules read both alike.
        """
        sent = {**headers, "Accept-Encoding": _ACCEPT_ENCODING}
        body = None
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
            if not any(name.lower() == "content-type" for name in sent):  # a caller's own type stays, as in httpx
                sent["Content-Type"] = "application/json"
        with _errors_classified():
            async with self._session().request(
                method,
                URL(url, encoded=True) if _ENCODED_URL.fullmatch(url) else URL(url),
                headers=sent,
                data=body,
                allow_redirects=False,
                compress=False,
                timeout=_client_timeout(timeout.get("connect"), timeout.get("read"), timeout.get("pool")),
            ) as response:
                content = await _read_body(response)
        return Answer(response.status, _JoinedHeaders(response.headers), content, response.reason or "")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _errors_classified(request):
            return await self._exchange(request)

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """The request through aiohttp's pool and its whole body, as ``AiohttpTransport`` sends it."""
        timeout = request.extensions.get("timeout", {})
        async with self._session().request(
            method=request.method,
            url=str(request.url),
            headers=request.headers,
            data=request.content or None,
            allow_redirects=False,
            auto_decompress=False,  # httpx decodes the body, as it would its own transport's
            compress=False,
            timeout=_client_timeout(timeout.get("connect"), timeout.get("read"), timeout.get("pool")),
        ) as response:
            body = await _read_body(response)  # not decoded here: httpx decodes it
        extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode()
        return httpx.Response(
            response.status, headers=response.raw_headers, content=body, request=request, extensions=extensions
        )


class _JoinedHeaders(Mapping[str, str]):
    """aiohttp's headers read as httpx reads them: a header sent twice is its values joined by ", "."""

    __slots__ = ("_headers",)

    def __init__(self, headers: CIMultiDictProxy[str]) -> None:
        self._headers = headers

    def __getitem__(self, name: str) -> str:
        return ", ".join(self._headers.getall(name))  # KeyError when there is none

    def get(self, name: str, default: Any = None) -> Any:
        # Without Mapping.get's KeyError: most lookups (the rate-limit headers) find nothing.
        values = self._headers.getall(name, None)
        return ", ".join(values) if values else default

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key.lower() for key in self._headers))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@functools.cache
def _client_timeout(connect: float | None, read: float | None, pool: float | None) -> ClientTimeout:
    return ClientTimeout(sock_connect=connect, sock_read=read, connect=pool)


@contextmanager
def _errors_classified(request: httpx.Request | None = None) -> Iterator[None]:
    """aiohttp's errors as httpx's, with what ``httpx-aiohttp`` calls a connect timeout told apart."""
    try:
        with map_aiohttp_exceptions():
            yield
    except httpx.ConnectTimeout as error:
        cause = error.__cause__
        message = str(error) or type(cause).__name__
        if isinstance(cause, aiohttp.ConnectionTimeoutError):
            raise  # the connection never opened in time: nothing was sent
        if isinstance(cause, aiohttp.ClientConnectorError):
            raise httpx.ConnectError(message, request=request) from cause  # refused: nothing was sent
        raise httpx.ReadError(message, request=request) from cause
    # What httpx-aiohttp leaves unmapped. Their text is not kept: aiohttp's names the whole URL and shows
    # the answer's bytes, and its request details carry the credentials.
    except aiohttp.ClientResponseError as error:
        # A status line, header or content encoding aiohttp could not read: an answer came, so the
        # request went out, and a write's outcome is unknown.
        raise httpx.RemoteProtocolError(f"unreadable answer ({type(error).__name__})", request=request) from None
    except aiohttp.ClientError as error:
        raise httpx.ReadError(type(error).__name__, request=request) from None
    except ValueError:
        # aiohttp refuses to put a header value with a line break on the wire (httpx: LocalProtocolError).
        raise httpx.LocalProtocolError("the request cannot be written", request=request) from None
