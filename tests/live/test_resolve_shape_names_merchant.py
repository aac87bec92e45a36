"""A read by reference whose answer is neither an account nor a list of them fails naming the merchant.

Every other failure of ``resolve_account`` names the reference it read (a status, a body that is not JSON,
a shape the model refuses); an answer that is JSON but no list (a string, ``{}``, ``{"accounts": "x"}``)
failed as ``klarna resolve_account failed: unexpected response shape ...`` with no merchant, so that
``import --reference A --reference B`` (which reads them together and reports the first failure as it
comes) cannot say which account's read it was.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live.envelopes import klarna_error_text
from reconciler.live.http import ApiHttpClient
from reconciler.live.klarna import KlarnaClient

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("body", ["hello", {}, {"accounts": "x"}, {"data": []}, 7])
async def test_an_answer_that_is_no_list_of_accounts_names_the_merchant(body: Any) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    http = ApiHttpClient("klarna", "http://127.0.0.1:9/klarna", error_text=klarna_error_text, transport=transport)
    async with KlarnaClient(http) as klarna:
        with pytest.raises(ApiError) as caught:
            await klarna.resolve_account_answer("shop-042")
    assert caught.value.merchant == "shop-042", str(caught.value)
    assert str(caught.value).startswith("merchant shop-042: klarna resolve_account failed")
