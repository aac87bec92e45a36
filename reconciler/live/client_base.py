"""What both API clients share: their base class, request bodies, list envelopes and path building."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any, Self
from urllib.parse import quote

from pydantic import BaseModel

from reconciler.errors import ApiError
from reconciler.live.ahead import cancelled
from reconciler.live.answer import Answer
from reconciler.live.http import ApiHttpClient, RequestStats


class ApiClient:
    """One API's typed calls over its pooled, rate-limited HTTP client; closing it closes the pool."""

    def __init__(self, http: ApiHttpClient) -> None:
        self.http = http

    @property
    def stats(self) -> RequestStats:
        return self.http.stats

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _account_items(
        self,
        operation: str,
        send: Callable[[dict[str, str | int]], Awaitable[Answer]],
        params: Mapping[str, str | int],
        page_size: int,
    ) -> AsyncGenerator[Any, None]:
        """The items of a paged ``accounts`` list as the API answers them, not yet validated.

        The next page is asked for before this page's items are given out: its cursor is known from the
        page, and the reader's work on a page (import makes a file of each account) overlaps the next
        page's round trip instead of waiting for it. At most one page is in flight beyond the one read.
        """
        seen: set[str] = set()
        listed: set[str] = set()  # the ids of the accounts given out
        ahead: asyncio.Future[Answer] | None = None
        answer = await send({"limit": page_size, **params})
        try:
            while True:
                body = self.http.json(answer, operation)
                items = items_of(body, "accounts", api=self.http.api, operation=operation)
                cursor = next_cursor(body, items, "account_id", page_size)
                ids = [_account_id(item) for item in items]
                if cursor is not None and all(isinstance(i, str) and i in listed for i in ids):
                    # The same accounts again under a new cursor (an opaque one can change every time), or no
                    # account at all: a server that answers so would be paged for ever, each account listed
                    # again and again.
                    raise ApiError(self.http.api, operation, None, "the account list did not advance")
                listed.update(i for i in ids if isinstance(i, str))
                # A server that repeats a cursor would otherwise page forever: not asked again.
                repeated = cursor is not None and cursor in seen
                if cursor is not None and not repeated:
                    seen.add(cursor)
                    ahead = asyncio.ensure_future(send({"limit": page_size, **params, "starting_after": cursor}))
                for item in items:
                    yield item
                if repeated:
                    raise ApiError(self.http.api, operation, None, "the account list did not advance")
                if ahead is None:
                    return
                answer, ahead = await ahead, None
        finally:
            # A reader that stops early (an error, a break) leaves no request of its running.
            if ahead is not None:
                await cancelled(ahead)


def _account_id(item: Any) -> str | None:
    """An item's ``account_id`` as its text: a number counts as the text the models read it as."""
    value = item.get("account_id") if isinstance(item, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def body_of(model: BaseModel) -> dict[str, Any]:
    """A request body from a typed model: only the fields the caller set, under their wire names."""
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)


def fill_path(template: str, **params: str) -> str:
    """The path with its ``{name}`` parts filled, each escaped (ids are KRNs: keep ``:`` readable)."""
    return template.format(**{name: quote(str(value), safe=":") for name, value in params.items()})


def items_of(body: Any, key: str, *, api: str, operation: str, merchant: str | None = None) -> list[Any]:
    """The items of a list response, whether the API answers a bare array or ``{key: [...]}``; the error
    of any other answer names ``merchant``, when the list is one merchant's."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get(key), list):
        items: list[Any] = body[key]
        return items
    raise ApiError(api, operation, None, f"unexpected response shape (expected a list of {key})", merchant=merchant)


def next_cursor(body: Any, items: list[Any], id_field: str, page_size: int) -> str | None:
    """Where the next page starts: the server's ``pagination.next`` if it gives one, else the last id."""
    if isinstance(body, dict) and isinstance(body.get("pagination"), dict) and "next" in body["pagination"]:
        cursor = body["pagination"]["next"]
        return str(cursor) if cursor else None
    if len(items) < page_size or not items:
        return None
    last = items[-1]
    return str(last[id_field]) if isinstance(last, dict) and last.get(id_field) else None
