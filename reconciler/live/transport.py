"""The transport of every real connection: aiohttp under httpx's API.

httpx's own connection pool checks each pooled connection on every request, which costs more CPU
than the request itself once dozens of connections are open; at the parallelism a drift over
thousands of merchants needs, that, not the network, sets the pace. aiohttp's pool (with its C
parser) does not, and ``httpx-aiohttp`` puts it under httpx, so the clients keep httpx's API.

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
import ssl

import aiohttp
import httpx
from aiohttp import ClientSession, ClientTimeout
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import map_aiohttp_exceptions

# Idle connections are dropped sooner than servers commonly drop them (uvicorn, and so the served
# sandbox, after 5 s): a connection the server is closing just as a write goes out on it loses the
# write, whose outcome is then unknown (a signup without an idempotency key cannot be repeated).
KEEPALIVE_SECONDS = 4.0


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

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._exchange(request)
        except httpx.ConnectTimeout as error:
            cause = error.__cause__
            message = str(error) or type(cause).__name__
            if isinstance(cause, aiohttp.ConnectionTimeoutError):
                raise  # the connection never opened in time: nothing was sent
            if isinstance(cause, aiohttp.ClientConnectorError):
                raise httpx.ConnectError(message, request=request) from cause  # refused: nothing was sent
            raise httpx.ReadError(message, request=request) from cause

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """The request through aiohttp's pool and its whole body, as ``AiohttpTransport`` sends it."""
        if not isinstance(self.client, ClientSession):
            self.client = self.get_client()
        timeout = request.extensions.get("timeout", {})
        with map_aiohttp_exceptions():
            async with self.client.request(
                method=request.method,
                url=str(request.url),
                headers=request.headers,
                data=request.content or None,
                allow_redirects=False,
                auto_decompress=False,  # httpx decodes the body, as it would its own transport's
                compress=False,
                timeout=ClientTimeout(
                    sock_connect=timeout.get("connect"), sock_read=timeout.get("read"), connect=timeout.get("pool")
                ),
            ) as response:
                body = await response.read()
        extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode()
        return httpx.Response(
            response.status, headers=response.raw_headers, content=body, request=request, extensions=extensions
        )
