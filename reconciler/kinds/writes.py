"""What a write is: the change it makes (a tagged union) and the typed request that carries it out.

A kind's ``writes`` takes a ``Create``, ``Patch`` or ``Delete`` and answers the requests to send.
Each request carries a typed call into the client (``send``), plus how it reads on the wire for a
dry-run. Nothing here does I/O: the executor sends or prints.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reconciler.kinds.state import MerchantView, ResourceState
from reconciler.live.dintero import DINTERO_ROUTES
from reconciler.live.factory import ApiClients
from reconciler.live.klarna_routes import KLARNA_ROUTES
from reconciler.live.models import ApiModel

# Stands for an id that the API assigns when an earlier request of the same run is sent (dry-run).
NEW = "(known after apply)"


@dataclass(frozen=True)
class Create:
    """The resource does not exist yet: make it as ``want`` says."""

    want: ResourceState


@dataclass(frozen=True)
class Patch:
    """The resource exists as ``have``: bring it to ``want``."""

    want: ResourceState
    have: ResourceState


@dataclass(frozen=True)
class Delete:
    """The resource exists as ``have`` and is no longer declared."""

    have: ResourceState


@dataclass(frozen=True)
class Replace:
    """The resource ``have`` gives way to ``want`` under a new natural key: create ``want``, then delete ``have``."""

    want: ResourceState
    have: ResourceState


Change = Create | Patch | Delete
Write = Change | Replace  # what the executor asks of a kind; a replace is made of a create and a delete


def change_between(want: ResourceState | None, have: ResourceState | None) -> Change | None:
    """The write that turns ``have`` into ``want`` (None when there is neither)."""
    if want is None:
        return Delete(have) if have is not None else None
    return Create(want) if have is None else Patch(want, have)


@dataclass(frozen=True)
class WriteContext:
    """What a merchant's writes need beyond the resource: its desired view and its live ids."""

    desired: MerchantView
    account_id: str  # ``NEW`` while the account is yet to be created
    product_id: str | None

    @property
    def product(self) -> str:
        return self.product_id or NEW


# Sends the request through the clients with the idempotency key (an API without keys ignores it).
Send = Callable[[ApiClients, str], Awaitable[object]]


@dataclass(frozen=True)
class WriteRequest:
    """One API write: the typed call that sends it, and how it reads on the wire."""

    api: str
    method: str
    path: str
    send: Send = field(compare=False, repr=False)
    body: BaseModel | None = None
    # An onboard: the ids it assigns are learnt by reading the merchant back.
    onboards: bool = False

    @property
    def idempotent(self) -> bool:
        """Whether the request carries an idempotency key (Klarna documents one; Dintero none)."""
        return self.api == "klarna"

    def wire_body(self) -> Any:
        if self.body is None:
            return None
        return self.body.model_dump(mode="json", exclude_unset=True, by_alias=True)


def klarna_write_at(operation: str, send: Send, body: BaseModel | None, ids: Mapping[str, str]) -> WriteRequest:
    """A Klarna write; ``operation`` names its route in ``KLARNA_ROUTES``, filled with ``ids`` for a dry-run."""
    route = KLARNA_ROUTES[operation]
    return WriteRequest("klarna", route.method, route.path.format_map(dict(ids)), send, body)


def klarna_write(operation: str, send: Send, body: BaseModel | None = None, **ids: str) -> WriteRequest:
    return klarna_write_at(operation, send, body, ids)


def dintero_write(
    route: str, send: Send, body: BaseModel | None, query: str = "", *, method: str = "POST", **ids: str
) -> WriteRequest:
    path = DINTERO_ROUTES[route].format_map(ids) + query
    return WriteRequest("dintero", method, path, send, body)


def patched_fields(want: ResourceState, have: ResourceState) -> dict[str, Any]:
    """What a PATCH (or a PUT of members) sends to bring ``have`` to ``want``: the declared top-level fields
    that differ, and nothing else (an unchanged national id or IBAN is not sent again).

    Klarna and Dintero replace a nested mapping they are given as a whole (an address, an account owner, a
    company), while a plan compares only the keys the file declares in it: a mapping sent keeps the live
    keys the file leaves out, which are not managed and must not be cleared.
    """
    sent: dict[str, Any] = {}
    for name, value in want.fields.items():
        current = have.fields.get(name)
        merged = _kept(value, current)
        if name not in have.fields or _text(merged) != _text(current):
            sent[name] = merged
    return sent


def _kept(want: Any, have: Any) -> Any:
    """``want`` with, in each mapping of it, the keys of ``have``'s mapping that it does not declare."""
    if not (isinstance(want, Mapping) and isinstance(have, Mapping)):
        return want
    return {**have, **{key: _kept(value, have.get(key)) for key, value in want.items()}}


def _text(value: Any) -> str:
    """A value's canonical form for telling whether it changed; the order of a list does not count (as in the plan)."""
    if isinstance(value, list):
        return "[" + ",".join(sorted(_text(item) for item in value)) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_text(v)}" for k, v in sorted(value.items())) + "}"
    return json.dumps(value, sort_keys=True, default=str) + ("b" if type(value) is bool else "")


def body(fields: Mapping[str, Any], model: type[BaseModel] = ApiModel) -> BaseModel:
    """A request body from declared wire fields, validated into the clients' request model."""
    return model.model_validate(dict(fields))
