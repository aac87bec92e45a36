"""The Notifications API's event types, and which subscription patterns cover which types.

A subscription lists event types or wildcards (``partner.*``, ``partner.account.product.*``, ``*``); a
pattern covers the types it matches, ``*`` standing for any characters.
"""

from __future__ import annotations

import fnmatch

EVENT_VERSION = "v1"

ACCOUNT_OPERATIONAL = "partner.account.state-change.operational"
# Not in the documented enum: the sandbox's name for Klarna disabling an account (see the README).
ACCOUNT_DISABLED = "partner.account.state-change.disabled"
PRODUCT_DISABLED = "partner.account.product.payment.state-change.disabled"
PRODUCT_ENABLED = "partner.account.product.payment.state-change.enabled"
EMITTED_TYPES = (ACCOUNT_OPERATIONAL, ACCOUNT_DISABLED, PRODUCT_DISABLED, PRODUCT_ENABLED)
# Documented, accepted in subscriptions, never emitted: the sandbox has no payment requests.
PAYMENT_REQUEST_TYPES = tuple(
    "payment.request.state-change." + state
    for state in (
        "submitted",
        "prepared",
        "in-progress",
        "pending-confirmation",
        "canceled",
        "authorized",
        "expired",
        "declined",
    )
)
EVENT_TYPES = (*PAYMENT_REQUEST_TYPES, *EMITTED_TYPES)


def covers(pattern: str, event_type: str) -> bool:
    return fnmatch.fnmatchcase(event_type, pattern)


def pattern_error(pattern: str) -> str | None:
    """Why a subscription's event type is not accepted, or None: a known type, or a wildcard covering one."""
    if pattern in EVENT_TYPES:
        return None
    if (pattern == "*" or pattern.endswith(".*")) and "*" not in pattern[:-1]:
        if any(covers(pattern, t) for t in EVENT_TYPES):
            return None
        return f"the wildcard {pattern!r} covers no known event type"
    return f"unknown event type {pattern!r}; known: {', '.join(EVENT_TYPES)}"
