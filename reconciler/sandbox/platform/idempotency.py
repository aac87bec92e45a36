"""``Klarna-Idempotency-Key``: a repeated write replays its first response instead of acting twice.

Pure ASGI middleware on Klarna's POST, PATCH and PUT. A request carrying a key is fingerprinted
(method, path, query, body):

- a key seen before with the same fingerprint replays the stored status and body, with
  ``Klarna-Idempotency-Replayed: true``, and the route does not run again;
- a key seen before with another fingerprint is refused: 409 ``RESOURCE_ERROR`` /
  ``IDEMPOTENCY_KEY_REUSED``;
- otherwise the route runs, and a 2xx answer is stored for ``idempotency_ttl_seconds`` (24 h).

Only successes are stored: Klarna's guidance after a 4xx is to fix the request and retry with the
same key, and a 409 "not operational yet" or a 429 must not be replayed to a client that waits and
retries. Only requests with a valid API key take part. Requests with the same key are serialised by a
per-key lock, so two concurrent attempts cannot both act.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.sandbox.platform.auth import klarna_key_is_valid
from reconciler.sandbox.platform.problems import KlarnaProblem
from reconciler.sandbox.platform.settings import KLARNA_PREFIX
from reconciler.sandbox.platform.state import SandboxState

IDEMPOTENCY_HEADER = b"klarna-idempotency-key"
REPLAYED_HEADER = "Klarna-Idempotency-Replayed"
IDEMPOTENT_METHODS = frozenset({"POST", "PATCH", "PUT"})
STORE_API = "klarna"


def header_value(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying_receive(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body to the app once, then defers to the server."""
    sent = False

    async def _receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return _receive


class KeyLocks:
    """One asyncio lock per idempotency key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, key: str) -> asyncio.Lock:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        await lock.acquire()
        return lock

    def release(self, key: str) -> None:
        lock, users = self._locks[key]
        lock.release()
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state
        self.locks = KeyLocks()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in IDEMPOTENT_METHODS
            or not scope["path"].startswith(KLARNA_PREFIX + "/")
        ):
            await self.app(scope, receive, send)
            return
        key = header_value(scope, IDEMPOTENCY_HEADER)
        # An unauthenticated request gets its 401 from the route, never someone else's stored answer.
        if not key or not klarna_key_is_valid(self.state.settings, header_value(scope, b"authorization") or ""):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        request_print = fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body)
        await self.locks.acquire(key)
        try:
            await self._handle(scope, replaying_receive(body, receive), send, key, request_print)
        finally:
            self.locks.release(key)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, key: str, request_print: str) -> None:
        store = self.state.store
        now = self.state.now()
        store.expire_idempotent(now - self.state.settings.idempotency_ttl_seconds)
        stored = store.get_idempotent(STORE_API, key)
        if stored is not None:
            stored_print, status, body = stored
            if stored_print != request_print:
                problem = KlarnaProblem(
                    409,
                    "RESOURCE_ERROR",
                    "IDEMPOTENCY_KEY_REUSED",
                    "The idempotency key was already used for a different request",
                )
                await problem.response()(scope, receive, send)
                return
            await send_replay(send, status, body)
            return

        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started["status"] = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        status = int(started.get("status", 500))
        if 200 <= status < 300:
            store.put_idempotent(STORE_API, key, request_print, status, b"".join(chunks).decode(), now)


async def send_replay(send: Send, status: int, body: str) -> None:
    payload = body.encode()
    headers = [(REPLAYED_HEADER.lower().encode(), b"true")]
    if payload:
        # Every Klarna response with a body is JSON, so that is all the store holds.
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    else:
        headers.append((b"content-length", b"0"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
