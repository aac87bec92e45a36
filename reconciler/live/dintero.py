"""The Dintero management API client: the partner's view of its merchants and their connections.

Connection signups carry no idempotency key (Dintero documents none), so a signup that fails with a
5xx or a lost response is not repeated: it raises ``ApiUnavailable`` and the caller re-reads.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable
from contextlib import aclosing
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from reconciler.errors import ApiError, ApiNotFound
from reconciler.live.answer import Answer
from reconciler.live.client_base import ApiClient, body_of, fill_path
from reconciler.live.http import ApiHttpClient
from reconciler.live.models import DinteroAccount, DinteroConnection, DinteroSettings

M = TypeVar("M", bound=BaseModel)

API = "dintero"
Connection = Literal["klarna", "vipps-psp", "common"]
CONNECTIONS: tuple[Connection, ...] = ("klarna", "vipps-psp", "common")

DINTERO_ROUTES: dict[str, str] = {
    "get_merchant": "/v1/accounts/{oid}/management/accounts/{aid}",
    "list_merchants": "/v1/accounts/{oid}/management/accounts",
    "connection": "/v1/accounts/{aid}/management/settings/connections/{connection}",
    "settings": "/v1/accounts/{aid}/management/settings",
}


class DinteroClient(ApiClient):
    """Typed calls to Dintero as partner ``partner_id`` (the ``oid``)."""

    def __init__(self, http: ApiHttpClient, partner_id: str) -> None:
        super().__init__(http)
        self.partner_id = partner_id

    async def _get_or_none(self, model: type[M], operation: str, path: str) -> M | None:
        """A read whose 404 means "none" rather than an error."""
        body = await self._object_or_none(model, operation, path)
        return None if body is None else self.http.parse(model, body, operation)

    async def _object_or_none(self, model: type[M], operation: str, path: str) -> dict[str, Any] | None:
        """The JSON object a read answers for ``model``, not validated; None for a 404. An answer that is no
        object is refused, as validating it would refuse it."""
        try:
            response = await self.http.request("GET", path, operation=operation)
        except ApiNotFound:
            return None
        body = self.http.json(response, operation)
        if not isinstance(body, dict):
            raise ApiError(API, operation, None, f"unexpected response shape ({model.__name__}: body)")
        found: dict[str, Any] = body
        return found

    async def get_merchant(self, aid: str) -> DinteroAccount | None:
        """The merchant with all its connections, or None when Dintero does not know it."""
        found = await self.get_merchant_answer(aid)
        return None if found is None else found[0]

    async def get_merchant_answer(self, aid: str) -> tuple[DinteroAccount, dict[str, Any]] | None:
        """``get_merchant``'s account with the JSON object it was validated from, as Dintero sent it."""
        found = await self.get_merchant_object(aid)
        return None if found is None else (self.merchant_of(found), found)

    async def get_merchant_object(self, aid: str) -> dict[str, Any] | None:
        """The JSON object ``get_merchant`` validates, unvalidated (``merchant_of`` validates it): a merchant in
        sync is told from the answer as sent (``compare.unchanged``). An answer that is no object is refused."""
        path = fill_path(DINTERO_ROUTES["get_merchant"], oid=self.partner_id, aid=aid)
        return await self._object_or_none(DinteroAccount, "get_merchant", path)

    def merchant_of(self, body: Any) -> DinteroAccount:
        """The account of an object ``get_merchant_object`` answered."""
        return self.http.parse(DinteroAccount, body, "get_merchant")

    async def iter_merchants(self, page_size: int = 100) -> AsyncGenerator[DinteroAccount, None]:
        """Every merchant of the partner, page by page."""
        async with aclosing(self.iter_merchant_items(page_size)) as items:  # see KlarnaClient.iter_accounts
            async for item in items:
                yield self.parse_merchant(item)

    def iter_merchant_items(self, page_size: int = 100) -> AsyncGenerator[Any, None]:
        """Every merchant of the partner as the list answers it, not validated (see ``parse_merchant``)."""
        operation = "list_merchants"
        path = fill_path(DINTERO_ROUTES[operation], oid=self.partner_id)

        def send(params: dict[str, str | int]) -> Awaitable[Answer]:
            return self.http.request("GET", path, operation=operation, params=params)

        return self._account_items(operation, send, {}, page_size)

    def parse_merchant(self, item: Any, merchant: str | None = None) -> DinteroAccount:
        """An item of the partner's merchant list, validated."""
        return self.http.parse(DinteroAccount, item, "list_merchants", merchant)

    async def get_connection(self, aid: str, connection: Connection) -> DinteroConnection | None:
        path = fill_path(DINTERO_ROUTES["connection"], aid=aid, connection=connection)
        return await self._get_or_none(DinteroConnection, f"get_connection {connection}", path)

    async def signup(
        self, aid: str, connection: Connection, signup: BaseModel, *, force_new_signup: bool = False
    ) -> DinteroConnection:
        """Sign the merchant up for a connection; ``force_new_signup`` replaces a pending signup."""
        operation = f"signup {connection}"
        path = fill_path(DINTERO_ROUTES["connection"], aid=aid, connection=connection)
        params: dict[str, str | int] | None = {"force_new_signup": "true"} if force_new_signup else None
        response = await self.http.request(
            "POST", path, operation=operation, params=params, json={"signup": body_of(signup)}
        )
        return self.http.answer_of(DinteroConnection, response, operation, write=True)

    async def put_settings(self, aid: str, settings: BaseModel) -> DinteroSettings:
        """Write the account's settings (each member given replaces the stored one); PUT is safe to repeat."""
        operation = "put_settings"
        path = fill_path(DINTERO_ROUTES["settings"], aid=aid)
        response = await self.http.request(
            "PUT", path, operation=operation, json=body_of(settings), safe_to_repeat=True
        )
        return self.http.answer_of(DinteroSettings, response, operation, write=True)
