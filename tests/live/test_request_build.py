"""A request is built as httpx's client would build it (URL, headers, timeout, body), only cheaper."""

from __future__ import annotations

import httpx
import pytest

from reconciler.live.envelopes import klarna_error_text
from reconciler.live.http import ApiHttpClient, _Call

BASE = "http://127.0.0.1:9/klarna"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/accounts?account_reference=SBX000001&expand=products%2Cwebsites", None),
        ("POST", "/v1/accounts/krn:partner:global:account:1/stakeholders", {"given_name": "Åsa", "n": [1, 2]}),
        ("PATCH", "/v1/accounts/a%20b/business-information", {"x": None}),
        ("GET", "/v1/accounts/a b/ø", None),
    ],
)
def test_the_built_request_is_the_one_httpx_builds(method: str, path: str, body: object) -> None:
    http = ApiHttpClient("klarna", BASE, error_text=klarna_error_text, transport=httpx.MockTransport(lambda r: None))
    headers = {"Authorization": "Basic k", "Klarna-Idempotency-Key": "key-1"}
    call = _Call(method, BASE + path, "op", body, {}, method == "GET", True, True, None)

    built = http._build(call, headers)
    expected = http._client.build_request(method, BASE + path, json=body, headers=headers)

    assert (built.method, str(built.url), built.url.raw_path) == (
        expected.method,
        str(expected.url),
        expected.url.raw_path,
    )
    assert list(built.headers.multi_items()) == list(expected.headers.multi_items())
    assert built.extensions == expected.extensions
    assert built.content == expected.content
