"""The two reads a plan makes per merchant, answered without FastAPI's routing and dependency machinery.

A plan reads each merchant's Klarna account by reference (``GET /klarna/v1/accounts?account_reference=…
&expand=…``) and its Dintero account (``GET /dintero/v1/accounts/{oid}/management/accounts/{aid}``).
Routing those through FastAPI costs several times what the read itself does, and the sandbox serves
thousands per second. Only a read that would succeed is answered here, with the very body and headers
the route returns; anything else (bad credentials, an unknown account, an invalid or unexpected
parameter) goes on to the routes, so every error keeps its one implementation.

Each API's read lives with that API (``klarna.fast_reads``, ``dintero.fast_reads``) and is handed to the
middleware by the app; this module answers with the body a read returns, and holds what the reads share.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeAlias
from urllib.parse import parse_qsl

from starlette.types import Scope, Send

from reconciler.sandbox.platform.state import SandboxState

FastRead: TypeAlias = Callable[[Scope, SandboxState], dict[str, Any] | None]
"""One API's hot read: the body of a GET that would succeed, or None to leave the request to the routes."""


async def serve_fast_read(scope: Scope, send: Send, state: SandboxState, read: FastRead | None) -> bool:
    """Answer a successful hot read and return True; False leaves the request to the routes."""
    if read is None or scope["method"] != "GET":
        return False
    body = read(scope, state)
    if body is None:
        return False
    await _send_json(send, body)
    return True


def single_valued_query(scope: Scope) -> dict[str, str] | None:
    """The query parameters when none is repeated (a repeated one is left to the route's own rules)."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    return query if len(query) == len(pairs) else None


def header(scope: Scope, name: bytes) -> str:
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
