"""The two reads a plan makes per merchant, answered without FastAPI's routing and dependency machinery.

A plan reads each merchant's Klarna account by reference (``GET /klarna/v1/accounts?account_reference=…
&expand=…``) and its Dintero account (``GET /dintero/v1/accounts/{oid}/management/accounts/{aid}``).
Routing those through FastAPI costs several times what the read itself does, and the sandbox serves
thousands per second. Only a read that would succeed is answered here, with the very body and headers
the route returns; anything else (bad credentials, an unknown account, an invalid or unexpected
parameter) goes on to the routes, so every error keeps its one implementation.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import Scope, Send

from reconciler.sandbox import dintero_accounts, klarna_accounts
from reconciler.sandbox.auth import klarna_key_is_valid, require_dintero_token
from reconciler.sandbox.dintero_models import AID_PATTERN, OID_PATTERN
from reconciler.sandbox.problems import DinteroProblem, KlarnaProblem
from reconciler.sandbox.settings import DINTERO_PREFIX, KLARNA_PREFIX
from reconciler.sandbox.state import SandboxState

KLARNA_ACCOUNTS_PATH = KLARNA_PREFIX + "/v1/accounts"
_DINTERO_ACCOUNT = re.compile(DINTERO_PREFIX + r"/v1/accounts/([^/]+)/management/accounts/([^/]+)")
_OID = re.compile(OID_PATTERN)
_AID = re.compile(AID_PATTERN)
# The bounds the route declares on its query parameters.
_MAX_REFERENCE = 128
_MAX_EXPAND = 1000


async def serve_fast_read(scope: Scope, send: Send, state: SandboxState) -> bool:
    """Answer a successful hot read and return True; False leaves the request to the routes."""
    if scope["method"] != "GET":
        return False
    path = scope["path"]
    if path == KLARNA_ACCOUNTS_PATH:
        body = _klarna_account_by_reference(scope, state)
    elif path.startswith(DINTERO_PREFIX + "/"):
        body = _dintero_account(scope, state)
    else:
        return False
    if body is None:
        return False
    await _send_json(send, body)
    return True


def _klarna_account_by_reference(scope: Scope, state: SandboxState) -> dict[str, Any] | None:
    query = _single_valued_query(scope)
    if query is None or set(query) - {"account_reference", "expand"}:
        return None
    reference, expand = query.get("account_reference"), query.get("expand")
    if reference is None or len(reference) > _MAX_REFERENCE or (expand is not None and len(expand) > _MAX_EXPAND):
        return None
    if not klarna_key_is_valid(state.settings, _header(scope, b"authorization")):
        return None
    try:
        names = klarna_accounts.parse_expand(expand)
    except KlarnaProblem:
        return None
    doc = state.store.get_by_ref(klarna_accounts.KIND, reference)
    if doc is None:
        return None
    return {"accounts": [klarna_accounts.render_account(doc, state.now(), names)]}


def _dintero_account(scope: Scope, state: SandboxState) -> dict[str, Any] | None:
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
    account: dict[str, Any] | None = state.store.get(dintero_accounts.KIND, aid)
    return account


def _single_valued_query(scope: Scope) -> dict[str, str] | None:
    """The query parameters when none is repeated (a repeated one is left to the route's own rules)."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    return query if len(query) == len(pairs) else None


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


async def _send_json(send: Send, content: Any) -> None:
    # Byte for byte what starlette's JSONResponse sends.
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
