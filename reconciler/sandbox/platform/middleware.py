"""The pure ASGI middleware in front of both simulated APIs: latency, rate limit, faults, request log.

Pure ASGI (not ``BaseHTTPMiddleware``) because the sandbox serves thousands of reads per second.
Per request to ``/klarna`` or ``/dintero``, in order:

1. wait the configured latency (fixed plus uniform jitter; ``asyncio.sleep``, never blocking);
2. take a token from the API's bucket: over the limit is a 429 in the API's envelope with
   ``Retry-After``; every response of a rate-limited API carries ``X-Ratelimit-*``;
3. pick a fault (scripted first, then random): before the effect the route never runs; after the
   effect the route runs and commits and its response is replaced by a 500 ``TIMEOUT``;
   without a fault, a plan's two hot reads are answered by the API's fast read (``fast_reads``, given
   by the app) when they succeed;
4. log the answer (method, path, status, idempotency key, fault marker).

The providers' own actions (any request but a GET under ``/_sandbox/klarna/`` or ``/_sandbox/dintero/``) are
admin routes: never delayed, limited or failed, but logged, with ``actor`` ``provider``.

Injected faults carry ``X-Sandbox-Fault: before_effect|after_effect`` and
``X-Sandbox-Fault-Source: random|scripted`` so tests can tell them from real errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.sandbox.platform.fast_reads import FastRead, serve_fast_read
from reconciler.sandbox.platform.faults import (
    FAULT_HEADER,
    FAULT_SOURCE_HEADER,
    InjectedFault,
    error_for,
)
from reconciler.sandbox.platform.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER, header_value
from reconciler.sandbox.platform.rate_limit import RateDecision
from reconciler.sandbox.platform.settings import ADMIN_PREFIX, DINTERO_PREFIX, KLARNA_PREFIX
from reconciler.sandbox.platform.state import SandboxState

_FAULT_HEADER_BYTES = FAULT_HEADER.encode()
_REPLAYED_HEADER_BYTES = REPLAYED_HEADER.lower().encode()


def api_of_path(path: str) -> str | None:
    if path.startswith(KLARNA_PREFIX + "/"):
        return "klarna"
    if path.startswith(DINTERO_PREFIX + "/"):
        return "dintero"
    return None


def provider_of_action(method: str, path: str) -> str | None:
    """The provider whose own action an admin request is (``klarna``, ``dintero``), or None."""
    if method == "GET" or not path.startswith(ADMIN_PREFIX + "/"):
        return None
    return api_of_path(path[len(ADMIN_PREFIX) :])


def rate_limit_headers(api: str, decision: RateDecision) -> list[tuple[bytes, bytes]]:
    # Klarna documents the limit as "<limit>, <limit>;w=<window seconds>"; Dintero documents none,
    # so it gets the plain number.
    limit = f"{decision.limit}, {decision.limit};w=1" if api == "klarna" else str(decision.limit)
    return [
        (b"x-ratelimit-limit", limit.encode()),
        (b"x-ratelimit-remaining", str(decision.remaining).encode()),
        (b"x-ratelimit-reset", str(decision.reset_seconds).encode()),
    ]


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, state: SandboxState, fast_reads: Mapping[str, FastRead] | None = None) -> None:
        self.app = app
        self.state = state
        # Each API's hot read by API name, given by the app: the platform imports neither API.
        self.fast_reads: Mapping[str, FastRead] = fast_reads or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = api_of_path(scope["path"])
        if api is not None:
            await self._logged(scope, receive, send, api, "client")
            return
        provider = provider_of_action(scope["method"], scope["path"])
        if provider is not None:
            await self._logged(scope, receive, send, provider, "provider")
            return
        await self.app(scope, receive, send)

    async def _logged(self, scope: Scope, receive: Receive, send: Send, api: str, actor: str) -> None:
        outcome: dict[str, Any] = {"status": 500, "fault": None, "replayed": False}
        extra_headers: list[tuple[bytes, bytes]] = []

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *extra_headers]
                outcome["status"] = message["status"]
                for name, value in headers:
                    if name == _FAULT_HEADER_BYTES:
                        outcome["fault"] = value.decode()
                    elif name == _REPLAYED_HEADER_BYTES:
                        outcome["replayed"] = True
                message = {**message, "headers": headers}
            await send(message)

        try:
            if actor == "provider":
                await self.app(scope, receive, send_and_note)
            else:
                await self._serve(scope, receive, send_and_note, api, extra_headers)
        finally:
            self.state.requests.record(
                api=api,
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                status=outcome["status"],
                idempotency_key=header_value(scope, IDEMPOTENCY_HEADER) if api == "klarna" else None,
                fault=outcome["fault"],
                replayed=outcome["replayed"],
                actor=actor,
            )

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, api: str, extra_headers: list[tuple[bytes, bytes]]
    ) -> None:
        faults = self.state.faults
        delay = faults.latency_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        decision = faults.take_rate(api)
        if decision is not None:
            extra_headers.extend(rate_limit_headers(api, decision))
            if not decision.allowed:
                problem = error_for(api, 429)
                problem.headers["Retry-After"] = str(decision.retry_after_seconds)
                await problem.response()(scope, receive, send)
                return
        fault = faults.pick_fault(api, scope["method"], scope["path"])
        if fault is None:
            if not await serve_fast_read(scope, send, self.state, self.fast_reads.get(api)):
                await self.app(scope, receive, send)
            return
        if fault.when == "after_effect":
            await self.app(scope, receive, _discard)
        await send_fault(scope, receive, send, api, fault)


async def _discard(message: Message) -> None:
    """The lost response of an after-effect fault."""


async def send_fault(scope: Scope, receive: Receive, send: Send, api: str, fault: InjectedFault) -> None:
    # A response lost after the effect looks like a timeout to the client, whatever was drawn.
    status = 500 if fault.when == "after_effect" and fault.source == "random" else fault.status
    problem = error_for(api, status)
    problem.headers[FAULT_HEADER] = fault.when
    problem.headers[FAULT_SOURCE_HEADER] = fault.source
    if status in (429, 503):
        problem.headers["Retry-After"] = "1"
    await problem.response()(scope, receive, send)
