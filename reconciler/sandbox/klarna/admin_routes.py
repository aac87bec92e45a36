"""Klarna's admin routes under ``/_sandbox`` (no auth; never part of the API): advance lifecycles now."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reconciler.sandbox.klarna.accounts import advance_accounts, sandbox_of
from reconciler.sandbox.platform.settings import ADMIN_PREFIX

router = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])


@router.post("/advance", summary="Finish pending lifecycles now (accounts become OPERATIONAL)")
def advance(request: Request) -> dict[str, int]:
    state = sandbox_of(request)
    return {"advanced": advance_accounts(state.store, state.now())}
