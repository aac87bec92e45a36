"""The shapes of the client calls a kind's writes make, so a kind can name the client's own method.

A kind declares ``create_call = staticmethod(KlarnaClient.create_stakeholder)``; mypy checks that the
method fits the shape. Parameters are positional, so the client's own names do not matter.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from pydantic import BaseModel

from reconciler.live.klarna import KlarnaClient


class CreateCall(Protocol):
    def __call__(
        self, client: KlarnaClient, account_id: str, body: BaseModel, /, *, idempotency_key: str | None = ...
    ) -> Awaitable[object]: ...


class PatchCall(Protocol):
    def __call__(
        self,
        client: KlarnaClient,
        account_id: str,
        remote_id: str,
        body: BaseModel,
        /,
        *,
        idempotency_key: str | None = ...,
    ) -> Awaitable[object]: ...


class DeleteCall(Protocol):
    def __call__(
        self, client: KlarnaClient, account_id: str, remote_id: str, /, *, idempotency_key: str | None = ...
    ) -> Awaitable[object]: ...
