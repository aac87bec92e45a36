"""The providers' own actions and webhook deliveries on the served sandbox (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.sandbox.klarna.seed import sample_onboard_payload

KLARNA_AUTH = {"Authorization": "Basic klarna_test_api_sandbox"}
BASIC = {"Authorization": "Basic " + base64.b64encode(b"sandbox:sandbox").decode()}
PARTNER = "T11200000"
TOKEN_BODY = {"grant_type": "client_credentials", "audience": f"https://api.dintero.com/v1/accounts/{PARTNER}"}
DISABLED_EVENT = "partner.account.product.payment.state-change.disabled"


@pytest.fixture
def served(tmp_path: Path, server_processes: Callable[..., Any]) -> Iterator[httpx.Client]:
    server = server_processes(":memory:", "--webhook-retry-delays", "0.05,0.05")
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        yield http


def onboarded(http: httpx.Client) -> dict[str, Any]:
    created = http.post("/klarna/v1/distribution/onboard", headers=KLARNA_AUTH, json=sample_onboard_payload())
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    account: dict[str, Any] = http.get(
        f"/klarna/v1/accounts/{account_id}", headers=KLARNA_AUTH, params={"expand": "products"}
    ).json()
    product_id = account["products"][0]["product_id"]
    account["product"] = f"/klarna/v1/accounts/{account_id}/products/payment/{product_id}"
    account["admin"] = f"/_sandbox/klarna/accounts/{account_id}"
    account["admin_product"] = f"{account['admin']}/products/payment/{product_id}"
    return account


def test_klarnas_actions_over_http(served: httpx.Client) -> None:
    account = onboarded(served)
    since = served.get("/_sandbox/requests").json()["last_seq"]
    disabled = served.post(account["admin_product"] + "/disable", json={"reason": "FRAUD"})
    assert disabled.status_code == 200 and disabled.json()["state_reason"] == "FRAUD_BY_KLARNA"
    refused = served.post(account["product"] + "/enable", headers=KLARNA_AUTH)
    assert (refused.status_code, refused.json()["error_code"]) == (403, "OPERATION_FORBIDDEN")
    assert served.post(account["admin_product"] + "/terminate").json()["state"] == "TERMINATED"
    assert served.post(account["admin_product"] + "/reactivate").json()["state"] == "ENABLED"
    assert served.post(account["admin"] + "/disable").json()["state"] == "DISABLED"
    patched = served.patch(
        f"/klarna/v1/accounts/{account['account_id']}", headers=KLARNA_AUTH, json={"account_name": "x"}
    )
    assert (patched.status_code, patched.json()["error_code"]) == (403, "OPERATION_FORBIDDEN")
    assert served.post(account["admin"] + "/enable").json()["state"] == "OPERATIONAL"
    entries = served.get("/_sandbox/requests", params={"since": since, "actor": "provider"}).json()["requests"]
    assert [e["path"].rsplit("/", 1)[-1] for e in entries] == [
        "disable",
        "terminate",
        "reactivate",
        "disable",
        "enable",
    ]
    assert {e["api"] for e in entries} == {"klarna"}


def test_a_signed_delivery_is_retried_after_a_failing_receiver_over_http(
    served: httpx.Client, receiver: Any, wait: Any
) -> None:
    receiver.statuses = [503]
    account = onboarded(served)
    key = served.post("/klarna/v1/notification/signing-keys", headers=KLARNA_AUTH).json()
    webhook = {
        "url": receiver.url,
        "event_types": ["partner.account.product.*"],
        "event_version": "v1",
        "signing_key_id": key["signing_key_id"],
    }
    assert served.post("/klarna/v1/notification/webhooks", headers=KLARNA_AUTH, json=webhook).status_code == 201
    served.post(account["product"] + "/disable", headers=KLARNA_AUTH, json={"reason": "FRAUD"})

    def delivered() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = served.get("/_sandbox/klarna/deliveries").json()["deliveries"]
        return found if found and found[0]["state"] == "delivered" else None

    [delivery] = wait(delivered)
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 200]
    first, second = receiver.requests()
    assert first.body == second.body
    signature = hmac.new(key["signing_key"].encode(), second.body, hashlib.sha256).hexdigest()
    assert second.headers["klarna-signature"] == signature
    assert second.headers["klarna-signing-key-id"] == key["signing_key_id"]
    event = json.loads(second.body)
    assert event["metadata"]["event_type"] == DISABLED_EVENT
    assert event["payload"] == {"account_reference": "M123786123412", "state": "DISABLED", "previous_state": "ENABLED"}


def test_dintero_settings_and_the_common_signup_rule_over_http(served: httpx.Client) -> None:
    token = served.post(f"/dintero/v1/accounts/{PARTNER}/auth/token", headers=BASIC, json=TOKEN_BODY).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    common = "/dintero/v1/accounts/T11200009/management/settings/connections/common"
    signup = {"signup": {"payment_options": [{"type": "dintero.zero", "currencies": ["NOK"]}]}}
    assert served.post(common, headers=auth, json=signup).json()["error"]["code"] == "organization_number_required"
    company = {
        "business_name": "Served AS",
        "organization_number": "912345678",
        "address": {"address_line": "Gate 1", "postal_place": "Oslo", "country": "NO"},
    }
    settings = served.put("/dintero/v1/accounts/T11200009/management/settings", headers=auth, json={"company": company})
    assert settings.status_code == 200
    assert served.post(common, headers=auth, json=signup).status_code == 201
    view = served.get(f"/dintero/v1/accounts/{PARTNER}/management/accounts/T11200009", headers=auth).json()
    assert view["settings"] == {"company": company} and view["connections"]["common"]["status"] == "pending"


def test_serve_refuses_bad_retry_delays() -> None:
    result = CliRunner().invoke(main, ["sandbox", "serve", "--webhook-retry-delays", "soon"])
    assert result.exit_code == 1 and "--webhook-retry-delays" in result.output  # usage errors are exit 1
