"""build_clients: the embedded sandbox by default, both clients on one shared state, credentials hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.live import ClientParams, build_clients

from .conftest import MERCHANT, klarna_signup, onboard_request

pytestmark = pytest.mark.anyio


async def test_the_default_target_is_the_embedded_sandbox_in_the_workdir(tmp_path: Path) -> None:
    params = ClientParams(workdir=tmp_path)
    async with build_clients(params) as clients:
        created = await clients.klarna.onboard(onboard_request("F1"))
        await clients.dintero.signup(MERCHANT, "klarna", klarna_signup())

    assert (tmp_path / ".reconciler" / "sandbox.sqlite3").exists()
    async with build_clients(params) as again:
        account = await again.klarna.resolve_account("F1")
        merchant = await again.dintero.get_merchant(MERCHANT)

    assert account is not None and account.account_id == created.account_id
    assert merchant is not None and "klarna" in merchant.connections


def test_client_params_do_not_show_credentials() -> None:
    params = ClientParams(klarna_api_key="klarna_test_api_SECRETKEY", dintero_client_secret="SECRETVALUE")

    assert "SECRETKEY" not in repr(params) and "SECRETVALUE" not in repr(params)
