"""Building both API clients from plain parameters.

A base URL of ``"sandbox"`` means the embedded simulator: both clients then talk, in process, to one
sandbox app whose state lives under ``<workdir>/.reconciler/``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from reconciler.live.auth import DinteroTokenAuth, KlarnaKeyAuth
from reconciler.live.dintero import DinteroClient
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.http import ApiHttpClient, HttpSettings
from reconciler.live.klarna import KlarnaClient
from reconciler.live.retry import RetryPolicy

SANDBOX = "sandbox"
SANDBOX_KLARNA_URL = "http://sandbox/klarna"
SANDBOX_DINTERO_URL = "http://sandbox/dintero"


@dataclass(frozen=True)
class ClientParams:
    """Everything needed to reach both APIs. Credentials stay out of ``repr``."""

    klarna_url: str = SANDBOX
    dintero_url: str = SANDBOX
    klarna_api_key: str = field(default="klarna_test_api_sandbox", repr=False)
    dintero_partner_id: str = "T11200000"
    dintero_client_id: str = field(default="sandbox", repr=False)
    dintero_client_secret: str = field(default="sandbox", repr=False)
    parallelism: int = 16
    timeout_seconds: float = 30.0
    klarna_requests_per_second: float | None = None
    dintero_requests_per_second: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    workdir: Path = field(default_factory=Path.cwd)


@dataclass
class ApiClients:
    """Both clients; as an async context manager it closes their connection pools."""

    klarna: KlarnaClient
    dintero: DinteroClient

    async def aclose(self) -> None:
        await asyncio.gather(self.klarna.aclose(), self.dintero.aclose())

    async def __aenter__(self) -> ApiClients:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _sandbox_transport(workdir: Path) -> httpx.AsyncBaseTransport:
    from reconciler.sandbox.embedded import embedded_transport

    return embedded_transport(workdir)


def build_clients(
    params: ClientParams,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> ApiClients:
    """Both clients. ``transport`` replaces the network (tests pass an ASGI transport over a sandbox).

    Without one, a ``"sandbox"`` base URL gets the embedded simulator; both clients share it so
    they see the same state.
    """
    klarna_url, dintero_url = params.klarna_url, params.dintero_url
    klarna_transport = dintero_transport = transport
    if transport is None and SANDBOX in (klarna_url, dintero_url):
        shared = _sandbox_transport(params.workdir)
        if klarna_url == SANDBOX:
            klarna_transport = shared
        if dintero_url == SANDBOX:
            dintero_transport = shared
    if klarna_url == SANDBOX:
        klarna_url = SANDBOX_KLARNA_URL
    if dintero_url == SANDBOX:
        dintero_url = SANDBOX_DINTERO_URL
    if klarna_transport is None or dintero_transport is None:
        # Imported only for the network: the transport's HTTP parser and pool,
        # which a run against the embedded sandbox never uses.
        from reconciler.live.transport import NetworkTransport

        klarna_transport = klarna_transport or NetworkTransport(params.parallelism)
        dintero_transport = dintero_transport or NetworkTransport(params.parallelism)

    def settings(rate: float | None) -> HttpSettings:
        return HttpSettings(
            parallelism=params.parallelism,
            timeout_seconds=params.timeout_seconds,
            requests_per_second=rate,
            retry=params.retry,
        )

    klarna_http = ApiHttpClient(
        "klarna",
        klarna_url,
        error_text=klarna_error_text,
        settings=settings(params.klarna_requests_per_second),
        auth=KlarnaKeyAuth(params.klarna_api_key),
        transport=klarna_transport,
        clock=clock,
        sleep=sleep,
    )
    dintero_auth = DinteroTokenAuth(
        params.dintero_partner_id, params.dintero_client_id, params.dintero_client_secret, clock=clock
    )
    dintero_http = ApiHttpClient(
        "dintero",
        dintero_url,
        error_text=dintero_error_text,
        settings=settings(params.dintero_requests_per_second),
        auth=dintero_auth,
        transport=dintero_transport,
        clock=clock,
        sleep=sleep,
    )
    return ApiClients(KlarnaClient(klarna_http), DinteroClient(dintero_http, params.dintero_partner_id))
