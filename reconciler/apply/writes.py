"""Idempotency keys of the writes, and how a write reads on a dry-run.

The requests themselves are built by each kind (``reconciler.kinds``); nothing here does I/O.
"""

from __future__ import annotations

import json
import uuid

from reconciler.kinds.writes import WriteRequest
from reconciler.plan import Action
from reconciler.sensitive import redact

_KEY_NAMESPACE = uuid.UUID("6b0f4c1e-3f1a-5b7e-9d2c-8a4e1f0b9c35")


def idempotency_key(digest: str, address: str, action: Action, precondition: str, step: int, plan_id: str) -> str:
    """Derived from the plan and the operation, so every retry and re-run of a plan's write sends the same key.

    ``plan_id`` differs between plans: a new plan reads the live state first and may need the very
    same write again (a stakeholder deleted since the last apply must be created anew, not answered
    with the stored response of the first create).
    """
    return str(uuid.uuid5(_KEY_NAMESPACE, f"{digest}|{address}|{action.value}|{precondition}|{step}|{plan_id}"))


def dry_run_line(address: str, write: WriteRequest, key: str) -> str:
    """``M1/klarna.website/shop: would send PATCH /v1/...`` with the key and the masked body."""
    line = f"{address}: would send {write.method} {write.path}"
    if write.idempotent:
        line += f"  [Klarna-Idempotency-Key: {key}]"
    body = write.wire_body()
    if body is not None:
        line += "\n    " + json.dumps(redact(body), sort_keys=True, ensure_ascii=False)
    return line
