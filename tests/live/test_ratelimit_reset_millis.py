"""An exhausted window whose ``X-Ratelimit-Reset`` is the reset moment in epoch milliseconds holds the API
until that moment, not for the hour-long ceiling.

The limiter already reads a reset past 1e9 as an epoch moment in seconds (some servers send it so); one in
milliseconds (1.7e12, as many servers send it) went through the same subtraction and was taken as some
fifty years, cut to ``MAX_WAIT_SECONDS``: every request of the API then waits an hour, with nothing shown.
"""

from __future__ import annotations

import time

from reconciler.live.ratelimit import RateLimiter


def test_a_reset_moment_in_epoch_milliseconds_holds_until_that_moment() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    reset_ms = int((time.time() + 2.0) * 1000)
    limiter.observe(200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset_ms)}, None)
    assert limiter.paused_until <= 5.0, f"held for {limiter.paused_until:g} s for a window that resets in 2 s"


def test_a_reset_moment_in_epoch_seconds_still_holds_until_that_moment() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    limiter.observe(200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time() + 3))}, None)
    assert 1.0 <= limiter.paused_until <= 5.0
