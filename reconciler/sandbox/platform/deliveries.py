"""The sandbox's own outgoing HTTP calls (Klarna's webhook notifications): a queue, retries and a record.

An API module decides what to send (URL, body, headers) and hands it to ``DeliveryQueue.enqueue``; it can
also ``schedule`` work for a moment of the sandbox clock (an account that becomes OPERATIONAL later). A
worker thread with its own event loop (so it runs the same under uvicorn, a TestClient and the embedded
``httpx.ASGITransport``) POSTs each delivery with httpx and retries a failed attempt after each wait of
``settings.webhook_retry_delays_seconds``.

Only loopback URLs are ever called (``is_loopback_url``): the sandbox sends no traffic off the machine. An
attempt succeeds on 200, 201, 202 or 204, as Klarna documents; any other status, a timeout or a refused
connection is a failure.

Every loop is bounded: an attempt by ``settings.webhook_timeout_seconds``, a delivery by the number of retry
delays, the queue by ``MAX_PENDING`` deliveries and ``MAX_SCHEDULED`` scheduled calls, the record by
``MAX_RECORDS`` deliveries, and the worker stops once it has had nothing to do for ``IDLE_SECONDS`` (the next
``enqueue`` or ``schedule`` starts it again). Deliveries live in memory: a restarted sandbox, or the end of
a command that ran the embedded sandbox, drops the ones still pending.
"""

from __future__ import annotations

import asyncio
import heapq
import ipaddress
import itertools
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler.sandbox.platform.settings import SandboxSettings

SUCCESS_STATUSES = frozenset({200, 201, 202, 204})
MAX_PENDING = 10_000
MAX_SCHEDULED = 100_000
MAX_RECORDS = 10_000
IDLE_SECONDS = 1.0
POLL_SECONDS = 0.02  # while deliveries are pending
SCHEDULE_POLL_SECONDS = 0.1  # while only scheduled calls wait (for the sandbox clock, which tests can move)
LOOPBACK_HOSTS = "127.0.0.0/8, ::1 or localhost"

_log = logging.getLogger(__name__)


def is_loopback_url(url: str) -> bool:
    """True for an absolute http(s) URL whose host is a loopback address or ``localhost``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Attempt:
    number: int
    at: float
    status_code: int | None
    error: str | None
    duration_ms: float

    def as_json(self) -> dict[str, Any]:
        return {
            "attempt": self.number,
            "at": _iso(self.at),
            "status_code": self.status_code,
            "error": self.error,
            "duration_ms": round(self.duration_ms, 1),
        }


@dataclass(eq=False)
class Delivery:
    """One message to one URL; ``state`` is ``pending`` until it is ``delivered`` or has ``failed``."""

    delivery_id: str
    url: str
    body: bytes
    headers: dict[str, str]
    meta: dict[str, Any]
    created_at: float
    state: str = "pending"
    attempts: list[Attempt] = field(default_factory=list)
    due: float = 0.0  # time.monotonic() of the next attempt

    def as_json(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            **self.meta,
            "url": self.url,
            "state": self.state,
            "created_at": _iso(self.created_at),
            "headers": self.headers,
            "attempts": [a.as_json() for a in self.attempts],
            "event": json.loads(self.body),
        }


class DeliveryQueue:
    """Deliveries waiting to be sent, the record of all recent ones, and the worker thread that sends them."""

    def __init__(self, settings: SandboxSettings, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._clock = clock  # the sandbox clock, for ``schedule``
        self._lock = threading.Lock()
        self._pending: list[Delivery] = []
        self._scheduled: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._records: OrderedDict[str, Delivery] = OrderedDict()
        self._worker: threading.Thread | None = None
        self._generation = 0  # bumped by clear(): a worker of an older generation stops

    def enqueue(self, url: str, body: bytes, headers: dict[str, str], meta: dict[str, Any]) -> Delivery:
        delivery = Delivery(str(uuid.uuid4()), url, body, dict(headers), dict(meta), time.time())
        delivery.due = time.monotonic()
        with self._lock:
            self._remember(delivery)
            if len(self._pending) >= MAX_PENDING:
                delivery.state = "failed"
                delivery.attempts.append(Attempt(0, time.time(), None, "the delivery queue is full", 0.0))
                return delivery
            self._pending.append(delivery)
            self._start()
        return delivery

    def schedule(self, due_at: float, call: Callable[[], None]) -> bool:
        """Run ``call`` on the worker once the sandbox clock reaches ``due_at``; False when the schedule is full."""
        with self._lock:
            if len(self._scheduled) >= MAX_SCHEDULED:
                return False
            heapq.heappush(self._scheduled, (due_at, next(self._order), call))
            self._start()
        return True

    def snapshot(self, keep: Callable[[Delivery], bool] = lambda d: True) -> list[dict[str, Any]]:
        """The recorded deliveries (oldest first) that ``keep`` accepts, as JSON, taken under the lock."""
        with self._lock:
            return [d.as_json() for d in self._records.values() if keep(d)]

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._scheduled.clear()
            self._records.clear()
            self._generation += 1
            self._worker = None

    def _remember(self, delivery: Delivery) -> None:
        self._records[delivery.delivery_id] = delivery
        while len(self._records) > MAX_RECORDS:
            self._records.popitem(last=False)

    def _start(self) -> None:
        """Start the worker if none runs (the caller holds the lock)."""
        if self._worker is not None:
            return
        self._worker = threading.Thread(
            target=self._run, args=(self._generation,), name="sandbox-deliveries", daemon=True
        )
        self._worker.start()

    def _run(self, generation: int) -> None:
        try:
            asyncio.run(self._serve(generation))
        except Exception:  # the worker must never die silently with work left: log it, let enqueue restart it
            _log.exception("the sandbox's delivery worker failed")
            with self._lock:
                if self._generation == generation:
                    self._worker = None

    async def _serve(self, generation: int) -> None:
        idle_since = time.monotonic()
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            while True:
                calls, due = self._take_due(generation)
                if calls is None:
                    return
                for call in calls:
                    try:
                        call()
                    except Exception:  # one broken scheduled call must not stop the others
                        _log.exception("a scheduled sandbox call failed")
                if due:
                    await asyncio.gather(*(self._attempt(client, d) for d in due))
                if calls or due:
                    idle_since = time.monotonic()
                elif self._stop_if_idle(generation, idle_since):
                    return
                await asyncio.sleep(POLL_SECONDS if self._has_pending() else SCHEDULE_POLL_SECONDS)

    def _take_due(self, generation: int) -> tuple[list[Callable[[], None]] | None, list[Delivery]]:
        """The scheduled calls and the deliveries due now; (None, []) when this worker was replaced."""
        now = time.monotonic()
        sandbox_now = self._clock()
        with self._lock:
            if self._generation != generation:
                return None, []
            calls: list[Callable[[], None]] = []
            while self._scheduled and self._scheduled[0][0] <= sandbox_now:
                calls.append(heapq.heappop(self._scheduled)[2])
            due = [d for d in self._pending if d.due <= now and d.state == "pending"]
            for delivery in due:
                delivery.due = float("inf")  # in flight
        return calls, due

    def _has_pending(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def _stop_if_idle(self, generation: int, idle_since: float) -> bool:
        with self._lock:
            if self._generation != generation:
                return True
            if self._pending or self._scheduled or time.monotonic() - idle_since < IDLE_SECONDS:
                return False
            self._worker = None
            return True

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        started = time.monotonic()
        at = time.time()
        status_code: int | None = None
        error: str | None = None
        refused = not is_loopback_url(delivery.url)
        if refused:
            error = f"refused: the sandbox delivers only to loopback addresses ({LOOPBACK_HOSTS})"
        else:
            try:
                response = await client.post(
                    delivery.url,
                    content=delivery.body,
                    headers=delivery.headers,
                    timeout=self._settings.webhook_timeout_seconds,
                )
                status_code = response.status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        attempt = Attempt(len(delivery.attempts) + 1, at, status_code, error, (time.monotonic() - started) * 1000)
        delays = self._settings.webhook_retry_delays_seconds
        with self._lock:
            delivery.attempts.append(attempt)
            if status_code in SUCCESS_STATUSES:
                delivery.state = "delivered"
            elif not refused and attempt.number <= len(delays):
                delivery.due = time.monotonic() + delays[attempt.number - 1]
                return
            else:
                delivery.state = "failed"
            if delivery in self._pending:
                self._pending.remove(delivery)
