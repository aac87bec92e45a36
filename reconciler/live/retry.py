"""When a request may be sent again, and how long to wait before it.

Reads are safe to repeat; a write is only repeated when the server cannot have acted on it (a 429,
or a connection that never opened) or when it carries an idempotency key that makes a repeat a replay.
A failed attempt that the server may have acted on (a 5xx, or a connection lost after the request
went out) leaves a write's outcome unknown.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

import httpx

# 408: a proxy or the server gave up waiting for the request, so nothing was done; repeated like a 5xx (reads,
# and writes whose idempotency key makes a repeat a replay), but unlike a 5xx it leaves no outcome unknown.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# The longest a server's word (``Retry-After``, an exhausted rate-limit window) holds an API's requests.
MAX_WAIT_SECONDS = 3600.0

# These fail before a single byte of the request reaches the server, so no write can have happened.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# These refuse the request itself before anything is written (a header with a line break, a body with no
# JSON form, a URL that cannot be sent): nothing happened, and no repeat can send it either.
UNSENDABLE_ERRORS: tuple[type[Exception], ...] = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter: at most ``max_attempts`` tries within ``max_total_seconds``."""

    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    max_total_seconds: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        Half of the exponential step is fixed and half is random ("equal jitter"), so clients that
        failed together do not come back together. A server's ``Retry-After`` is a floor, not a hint.
        """
        step = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        delay = step / 2 + self.rng.uniform(0, step / 2)
        if retry_after is not None:
            delay = max(delay, retry_after + self.rng.uniform(0, min(self.base_delay, 1.0)))
        return delay


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable.

    At most ``MAX_WAIT_SECONDS``: the wait holds every request to the API, and a server's ``inf`` or a
    date in the year 9999 must not hold them for ever.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, OverflowError):
            return None
        seconds = when.timestamp() - (now if now is not None else time.time())
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), MAX_WAIT_SECONDS)


def may_retry_status(status: int, *, safe_to_repeat: bool) -> bool:
    """A 429 was not processed, so any request may be repeated; 5xx only when repeating is safe."""
    if status == 429:
        return True
    return safe_to_repeat and status in RETRYABLE_STATUSES


def may_retry_exception(exc: Exception, *, safe_to_repeat: bool) -> bool:
    """A request that never left may be sent again; one that may have arrived only when repeating is safe."""
    if isinstance(exc, UNSENDABLE_ERRORS):
        return False
    if isinstance(exc, NOT_SENT_ERRORS):
        return True
    return safe_to_repeat and isinstance(exc, httpx.TransportError)


def status_may_have_taken_effect(status: int) -> bool:
    """A 5xx says nothing of what the server did before it failed; a 4xx (429 included) refused the request."""
    return status >= 500


def exception_may_have_taken_effect(exc: Exception) -> bool:
    """A connection that failed after the request went out may have delivered it."""
    return not isinstance(exc, NOT_SENT_ERRORS + UNSENDABLE_ERRORS)
