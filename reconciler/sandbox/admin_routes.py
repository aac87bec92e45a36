"""The sandbox's own admin routes under ``/_sandbox`` (no auth; never part of either API).

reset, seed (bulk-load generated merchants), advance (finish pending lifecycles now), the request
log, a dump of the whole state, and the fault configuration.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from reconciler.sandbox.dintero_accounts import KIND as DINTERO_KIND
from reconciler.sandbox.dintero_accounts import actor_id
from reconciler.sandbox.dintero_seed import generate_dintero_accounts, seed_aid
from reconciler.sandbox.faults import FaultUpdate
from reconciler.sandbox.klarna_accounts import advance_accounts
from reconciler.sandbox.klarna_seed import generate_klarna_accounts
from reconciler.sandbox.settings import ADMIN_PREFIX
from reconciler.sandbox.state import SandboxState

KLARNA_KIND = "klarna.account"
T = TypeVar("T")
# Rows per bulk insert: large enough to be fast, small enough to bound memory.
_SEED_BATCH = 2_000

router = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])


def sandbox_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


class SeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=100_000, description="How many merchants to generate")
    seed: int | None = Field(None, description="Makes the generated merchants reproducible")
    with_dintero: bool = Field(True, description="Also create each merchant's Dintero account")
    start: int | None = Field(
        None, ge=0, le=9_000_000, description="Index of the first merchant; default: after the existing ones"
    )


@router.get("/health", summary="Liveness of the sandbox")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/reset", summary="Forget all state, the request log, and fault changes")
def reset(request: Request) -> dict[str, bool]:
    state = sandbox_state(request)
    state.store.reset()
    state.requests.clear()
    state.faults.reset()
    return {"reset": True}


@router.post(
    "/seed",
    summary="Bulk-load generated merchants",
    description=(
        "Klarna merchant i has the reference SBX + i (6 digits); with_dintero adds its Dintero account "
        "T2 + i (7 digits) with enabled connections."
    ),
)
def seed(request: Request, body: SeedRequest) -> dict[str, Any]:
    state = sandbox_state(request)
    store = state.store
    started = time.perf_counter()
    start = body.start if body.start is not None else store.count(KLARNA_KIND)
    # Separate generators so that adding Dintero accounts does not change the Klarna merchants.
    klarna_rng = random.Random(body.seed)
    dintero_rng = random.Random(None if body.seed is None else f"dintero-{body.seed}")
    now = state.now()
    merchants = enumerate(generate_klarna_accounts(body.count, rng=klarna_rng, now=now, start=start), start)
    klarna_total = dintero_total = 0
    first: dict[str, str] | None = None
    with store.transaction():
        for chunk in _chunks(merchants, _SEED_BATCH):
            if first is None:
                index, (account_id, reference, _) = chunk[0]
                first = {"account_id": account_id, "account_reference": reference}
                if body.with_dintero:
                    first["aid"] = seed_aid(index)
            klarna_total += store.put_many(KLARNA_KIND, (row for _, row in chunk))
            if body.with_dintero:
                dintero_total += store.put_many(
                    DINTERO_KIND,
                    generate_dintero_accounts(
                        ((index, reference, doc) for index, (_, reference, doc) in chunk),
                        rng=dintero_rng,
                        now=now,
                        partner_id=state.settings.dintero_partner_id,
                        created_by=actor_id(state.settings.dintero_client_id),
                    ),
                )
    return {
        "klarna_accounts": klarna_total,
        "dintero_accounts": dintero_total,
        "start": start,
        "first": first,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@router.post("/advance", summary="Finish pending lifecycles now (accounts become OPERATIONAL)")
def advance(request: Request) -> dict[str, int]:
    state = sandbox_state(request)
    return {"advanced": advance_accounts(state.store, state.now())}


@router.get(
    "/requests",
    summary="The request log",
    description="Requests to /klarna and /dintero, oldest first, with seq greater than ``since``.",
)
def list_requests(
    request: Request,
    since: Annotated[int, Query(ge=0)] = 0,
    api: Literal["klarna", "dintero"] | None = None,
    method: Annotated[str | None, Query(max_length=10)] = None,
) -> dict[str, Any]:
    log = sandbox_state(request).requests
    return {"requests": [e.as_json() for e in log.since(since, api=api, method=method)], "last_seq": log.last_seq}


@router.delete("/requests", status_code=204, summary="Clear the request log")
def clear_requests(request: Request) -> Response:
    sandbox_state(request).requests.clear()
    return Response(status_code=204)


@router.get("/dump", summary="The whole state: every document, by kind")
def dump(request: Request) -> dict[str, Any]:
    store = sandbox_state(request).store
    documents = {kind: store.list(kind) for kind in store.kinds()}
    return {"counts": {kind: len(docs) for kind, docs in documents.items()}, "documents": documents}


@router.get("/faults", summary="The fault configuration (latency, rate limits, faults)")
def get_faults(request: Request) -> dict[str, Any]:
    return sandbox_state(request).faults.snapshot()


@router.put(
    "/faults",
    summary="Change the fault configuration",
    description="The fields given replace the current ones; the others stay. Setting anything restarts the "
    "seeded sequence of random faults.",
)
def put_faults(request: Request, body: FaultUpdate) -> dict[str, Any]:
    faults = sandbox_state(request).faults
    faults.update(body)
    return faults.snapshot()
