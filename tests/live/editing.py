"""The sandbox with its JSON answers changed on their way to the client: for the tests of answers no
well-behaved API sends."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

Edit = Callable[[httpx.Request, Any], Any]


class Editing(httpx.AsyncBaseTransport):
    """The sandbox, with each JSON answer passed through ``edit`` before the client reads it.

    An edit that returns ``bytes`` gives the body as it is (one that is not JSON at all, or none).
    """

    def __init__(self, app: FastAPI, edit: Edit) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.edit = edit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        if response.headers.get("content-type", "").startswith("application/json") and content:
            edited = self.edit(request, json.loads(content))
            content = edited if isinstance(edited, bytes) else json.dumps(edited).encode()
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, content=content)
