"""Dintero's hot read, answered by the middleware without FastAPI's routing: the partner view of an account.

``GET /dintero/v1/accounts/{oid}/management/accounts/{aid}``, only when the route would answer it with
success (see ``platform.fast_reads``); anything else returns None and goes on to the route.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.types import Scope

from reconciler.sandbox.dintero import accounts
from reconciler.sandbox.dintero.models import AID_PATTERN, OID_PATTERN
from reconciler.sandbox.platform.auth import require_dintero_token
from reconciler.sandbox.platform.problems import DinteroProblem
from reconciler.sandbox.platform.settings import DINTERO_PREFIX
from reconciler.sandbox.platform.state import SandboxState

_DINTERO_ACCOUNT = re.compile(DINTERO_PREFIX + r"/v1/accounts/([^/]+)/management/accounts/([^/]+)")
_OID = re.compile(OID_PATTERN)
_AID = re.compile(AID_PATTERN)


def partner_view(scope: Scope, state: SandboxState) -> dict[str, Any] | None:
    """The stored account of a successful partner read, or None to leave the request to the route."""
    match = _DINTERO_ACCOUNT.fullmatch(scope["path"])
    if match is None or scope.get("query_string"):
        return None
    oid, aid = match.groups()
    if not (_OID.match(oid) and _AID.match(aid)) or oid != state.settings.dintero_partner_id:
        return None
    try:
        require_dintero_token(Request(scope))
    except DinteroProblem:
        return None
    account: dict[str, Any] | None = state.store.get(accounts.KIND, aid)
    return None if account is None else accounts.partner_view(account)
