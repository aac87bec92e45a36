"""A token bucket per API: the sandbox's rate limit, with the numbers for ``X-Ratelimit-*`` headers."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the bucket is full again
    retry_after_seconds: int  # until one request is allowed again (0 when allowed)


class TokenBucket:
    """``rate`` requests per second with a burst of one second's worth (at least one request)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._updated = clock()

    def take(self) -> RateDecision:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            allowed = self._tokens >= 1.0
            if allowed:
                self._tokens -= 1.0
            retry_after = 0 if allowed else max(1, math.ceil((1.0 - self._tokens) / self.rate))
            return RateDecision(
                allowed=allowed,
                limit=int(math.ceil(self.rate)),
                remaining=int(self._tokens),
                reset_seconds=math.ceil((self.capacity - self._tokens) / self.rate),
                retry_after_seconds=retry_after,
            )
