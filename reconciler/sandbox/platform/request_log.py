"""The in-memory log of API requests the sandbox answered, so tests can assert "no write happened".

Requests to the simulated APIs (``/klarna``, ``/dintero``) are logged with ``actor`` ``client``; the
providers' own actions (the writes under ``/_sandbox/klarna/`` and ``/_sandbox/dintero/``) are logged with
``actor`` ``provider`` and their provider as ``api``. The other admin routes are not logged, so reading the
log does not change it. The log is bounded: the oldest entries fall off.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    seq: int
    at: float
    api: str
    method: str
    path: str
    query: str
    status: int
    idempotency_key: str | None
    fault: str | None
    replayed: bool
    actor: str = "client"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    """A bounded, thread-safe sequence of answered requests with monotonically increasing ``seq``."""

    def __init__(self, maxlen: int = 200_000) -> None:
        self._entries: deque[RequestRecord] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._seq = 0

    def record(
        self,
        *,
        api: str,
        method: str,
        path: str,
        query: str,
        status: int,
        idempotency_key: str | None,
        fault: str | None,
        replayed: bool,
        actor: str = "client",
    ) -> RequestRecord:
        with self._lock:
            self._seq += 1
            entry = RequestRecord(
                seq=self._seq,
                at=time.time(),
                api=api,
                method=method,
                path=path,
                query=query,
                status=status,
                idempotency_key=idempotency_key,
                fault=fault,
                replayed=replayed,
                actor=actor,
            )
            self._entries.append(entry)
        return entry

    def since(
        self, seq: int = 0, *, api: str | None = None, method: str | None = None, actor: str | None = None
    ) -> list[RequestRecord]:
        with self._lock:
            entries = list(self._entries)
        return [
            e
            for e in entries
            if e.seq > seq
            and (api is None or e.api == api)
            and (method is None or e.method == method.upper())
            and (actor is None or e.actor == actor)
        ]

    @property
    def last_seq(self) -> int:
        return self._seq

    def clear(self) -> None:
        """Forget every entry; ``seq`` keeps counting so ``since`` cursors stay valid."""
        with self._lock:
            self._entries.clear()
