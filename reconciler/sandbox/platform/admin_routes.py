"""The sandbox's own admin routes under ``/_sandbox`` (no auth; never part of either API), for both APIs.

health, reset, the request log, a dump of the whole state, and the fault configuration. The routes that
know an API's documents live with it: seed in ``reconciler.sandbox.seed_routes`` (both APIs),
advance in ``klarna.admin_routes``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from reconciler.sandbox.platform.faults import FaultUpdate
from reconciler.sandbox.platform.settings import ADMIN_PREFIX
from reconciler.sandbox.platform.state import SandboxState

router = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])


def sandbox_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


@router.get("/health", summary="Liveness of the sandbox")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/reset", summary="Forget all state, the request log, deliveries, and fault changes")
def reset(request: Request) -> dict[str, bool]:
    state = sandbox_state(request)
    state.store.reset()
    state.requests.clear()
    state.faults.reset()
    state.deliveries.clear()
    return {"reset": True}


@router.get(
    "/requests",
    summary="The request log",
    description="Requests to /klarna and /dintero (actor client) and the providers' own actions under "
    "/_sandbox/klarna and /_sandbox/dintero (actor provider), oldest first, with seq greater than ``since``.",
)
def list_requests(
    request: Request,
    since: Annotated[int, Query(ge=0)] = 0,
    api: Literal["klarna", "dintero"] | None = None,
    method: Annotated[str | None, Query(max_length=10)] = None,
    actor: Literal["client", "provider"] | None = None,
) -> dict[str, Any]:
    log = sandbox_state(request).requests
    entries = log.since(since, api=api, method=method, actor=actor)
    return {"requests": [e.as_json() for e in entries], "last_seq": log.last_seq}


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
