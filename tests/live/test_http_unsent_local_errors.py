"""A request the transport refuses to put on the wire (LocalProtocolError) was never sent."""

from __future__ import annotations

from typing import Any

from reconciler.errors import ApiError
from reconciler.live.auth import KlarnaKeyAuth
from reconciler.live.envelopes import klarna_error_text
from reconciler.live.http import ApiHttpClient, HttpSettings
from reconciler.live.retry import RetryPolicy
from reconciler.live.transport import NetworkTransport
from tests.live.wire_servers import answering_paths, raw_server, run

# A key pasted into a CI secret with its line break: no request can carry it.
KEY_WITH_LINE_BREAK = "klarna_test_api_abc\n"


async def _attempt(method: str) -> tuple[ApiError, int, int]:
    async with raw_server(answering_paths) as wire:
        http = ApiHttpClient(
            "klarna",
            wire.url("/klarna"),
            error_text=klarna_error_text,
            auth=KlarnaKeyAuth(KEY_WITH_LINE_BREAK),
            settings=HttpSettings(retry=RetryPolicy(base_delay=0.001, max_delay=0.002)),
            transport=NetworkTransport(1),
        )
        body: Any = {"account_reference": "M-1"} if method == "POST" else None
        try:
            await http.request(method, "/v1/accounts", operation="op", json=body, merchant="M-1")
        except ApiError as error:
            return error, wire.connections, http.stats.requests
        finally:
            await http.aclose()
    raise AssertionError("the request succeeded")


def test_a_write_that_could_not_be_sent_has_no_unknown_outcome() -> None:
    error, connections, _ = run(lambda: _attempt("POST"))

    assert connections == 0  # nothing reached the server
    assert not error.outcome_unknown, str(error)  # observed: "the request may have been applied"


def test_a_request_that_can_never_be_sent_is_not_tried_again() -> None:
    error, connections, attempts = run(lambda: _attempt("GET"))

    assert connections == 0
    assert attempts == 1, f"{attempts} attempts of a request no attempt can send: {error}"
