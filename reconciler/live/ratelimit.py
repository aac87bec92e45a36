"""A per-API client-side rate limiter.

Four inputs pace requests: an optional configured rate (requests per second, spread evenly), the
server's ``X-Ratelimit-Limit`` (the rate it allows: requests are spread evenly at it from then on,
when it is slower than the configured one), its ``X-Ratelimit-Remaining``/``-Reset`` (when the window
is used up, wait for the reset), and ``Retry-After`` on a 429 (every request of that API waits until
then, not only the one refused).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping

from reconciler.live.retry import MAX_WAIT_SECONDS

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_LEADING_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)")
# ``40, 40;w=1``: the quota, then policies ``<quota>;w=<window seconds>``. Only plain numbers count.
_LIMIT = re.compile(r"\s*(\d{1,9}(?:\.\d{1,9})?)\s*(?:,(.*))?")
_POLICY = re.compile(r"\s*(\d{1,9}(?:\.\d{1,9})?)\s*;\s*w=(\d{1,9}(?:\.\d{1,9})?)\s*(?:;.*)?")
# A limit header asking for more than a quarter of a second between requests is not followed as a
# pace (a broken header must not slow a run to a crawl); the remaining/reset and Retry-After rules
# still hold such a server.
SLOWEST_LEARNT_INTERVAL = 0.25


def _leading_number(value: str | None) -> float | None:
    # Klarna documents values like "40, 40;w=1": the first number is the one that counts.
    if value is None:
        return None
    match = _LEADING_NUMBER.match(value)
    return float(match.group(1)) if match else None


class RateLimiter:
    """Decides when the next request of one API may start."""

    def __init__(
        self,
        requests_per_second: float | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._configured_interval = self.interval
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def paused_until(self) -> float:
        return self._paused_until

    async def acquire(self) -> None:
        """Wait until this request may be sent (bounded: each pass waits for a deadline that was known)."""
        for _ in range(1000):
            now = self._clock()
            if self._paused_until > now:
                await self._sleep(self._paused_until - now)
                continue
            if not self.interval:
                return
            async with self._lock:
                now = self._clock()
                slot = max(now, self._next_slot)
                self._next_slot = slot + self.interval
            if slot > now:
                await self._sleep(slot - now)
            # A pause that began while this request waited for its turn holds it too.
            while self._paused_until > (now := self._clock()):
                await self._sleep(self._paused_until - now)
            return

    def pause_for(self, seconds: float) -> None:
        """Hold every request of this API for ``seconds``, at most ``MAX_WAIT_SECONDS`` (a later deadline
        wins over an earlier one)."""
        if seconds != seconds:  # NaN: no deadline is known
            return
        self._paused_until = max(self._paused_until, self._clock() + min(max(0.0, seconds), MAX_WAIT_SECONDS))

    def observe(self, status: int, headers: Mapping[str, str], retry_after: float | None) -> None:
        """Learn from a response: a 429's ``Retry-After`` and an exhausted ``X-Ratelimit`` window."""
        if status == 429 and retry_after is not None:
            self.pause_for(retry_after)
        self._learn_rate(headers.get("x-ratelimit-limit"))
        remaining = _leading_number(headers.get("x-ratelimit-remaining"))
        reset = _leading_number(headers.get("x-ratelimit-reset"))
        if remaining is not None and remaining <= 0 and reset is not None:
            if reset > 1e12:  # the reset moment in epoch milliseconds (1e12 ms is in 2001)
                reset = max(0.0, reset / 1000 - time.time())
            elif reset > 1e9:  # some servers send the reset moment as epoch seconds, not a delay
                reset = max(0.0, reset - time.time())
            self.pause_for(reset)  # at most MAX_WAIT_SECONDS, as every pause

    def _learn_rate(self, header: str | None) -> None:
        """``40, 40;w=1`` (Klarna's form) or ``50``: that many requests per window (one second if unnamed).

        The latest header sets the pace (a server that raises its limit is followed up again), never
        faster than the configured rate; anything that is not that form changes nothing.
        """
        if header is None:
            return
        alone = _POLICY.fullmatch(header)  # "40;w=1;name=...", a policy without the quota before it
        match = _LIMIT.fullmatch(header)
        if alone is not None:
            quota, seconds = float(alone.group(1)), float(alone.group(2))
        elif match is not None:
            quota, seconds = float(match.group(1)), 1.0
            for policy in (match.group(2) or "").split(","):
                named = _POLICY.fullmatch(policy)
                if named is not None and float(named.group(1)) == quota:
                    seconds = float(named.group(2))
                    break
        else:
            return
        if not quota:
            return
        learnt = seconds / quota
        if 0 < learnt <= SLOWEST_LEARNT_INTERVAL:
            self.interval = max(self._configured_interval, learnt)
