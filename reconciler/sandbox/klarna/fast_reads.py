"""Klarna's hot read, answered by the middleware without FastAPI's routing: an account by reference.

``GET /klarna/v1/accounts?account_reference=…&expand=…``, only when the route would answer it with
success (see ``platform.fast_reads``); anything else returns None and goes on to the route.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from reconciler.sandbox.klarna import accounts
from reconciler.sandbox.platform.auth import klarna_key_is_valid
from reconciler.sandbox.platform.fast_reads import header, single_valued_query
from reconciler.sandbox.platform.problems import KlarnaProblem
from reconciler.sandbox.platform.settings import KLARNA_PREFIX
from reconciler.sandbox.platform.state import SandboxState

KLARNA_ACCOUNTS_PATH = KLARNA_PREFIX + "/v1/accounts"
# The bounds the route declares on its query parameters.
_MAX_REFERENCE = 128
_MAX_EXPAND = 1000


def account_by_reference(scope: Scope, state: SandboxState) -> dict[str, Any] | None:
    """The body of a successful read by ``account_reference``, or None to leave the request to the route."""
    if scope["path"] != KLARNA_ACCOUNTS_PATH:
        return None
    query = single_valued_query(scope)
    if query is None or set(query) - {"account_reference", "expand"}:
        return None
    reference, expand = query.get("account_reference"), query.get("expand")
    if reference is None or len(reference) > _MAX_REFERENCE or (expand is not None and len(expand) > _MAX_EXPAND):
        return None
    if not klarna_key_is_valid(state.settings, header(scope, b"authorization")):
        return None
    try:
        names = accounts.parse_expand(expand)
    except KlarnaProblem:
        return None
    doc = state.store.get_by_ref(accounts.KIND, reference)
    if doc is None:
        return None
    return {"accounts": [accounts.render_account(doc, state.now(), names)]}
