"""Klarna's Notifications API in the sandbox: signing keys, webhooks, and signed deliveries to a loopback receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reconciler.sandbox import SandboxSettings
from reconciler.sandbox.klarna.seed import sample_onboard_payload

KEYS = "/klarna/v1/notification/signing-keys"
WEBHOOKS = "/klarna/v1/notification/webhooks"
DELIVERIES = "/_sandbox/klarna/deliveries"
ACCOUNTS = "/klarna/v1/accounts"
OPERATIONAL_EVENT = "partner.account.state-change.operational"
DISABLED_EVENT = "partner.account.product.payment.state-change.disabled"
ENABLED_EVENT = "partner.account.product.payment.state-change.enabled"
ACCOUNT_DISABLED_EVENT = "partner.account.state-change.disabled"
START = 1_700_000_000.0


@pytest.fixture
def sandbox_settings() -> SandboxSettings:
    return SandboxSettings(
        db_path=None,
        operational_delay_seconds=0.0,
        webhook_retry_delays_seconds=(0.05, 0.05),
        webhook_timeout_seconds=2,
    )


@pytest.fixture
def signing_key(klarna: TestClient) -> dict[str, Any]:
    response = klarna.post(KEYS, json={"description": "reconciler"})
    assert response.status_code == 201, response.text
    key: dict[str, Any] = response.json()
    return key


def subscribe(klarna: TestClient, url: str, key: dict[str, Any], *types: str, **extra: Any) -> dict[str, Any]:
    body = {
        "url": url,
        "event_types": list(types),
        "event_version": "v1",
        "signing_key_id": key["signing_key_id"],
        **extra,
    }
    response = klarna.post(WEBHOOKS, json=body)
    assert response.status_code == 201, response.text
    webhook: dict[str, Any] = response.json()
    return webhook


def onboarded(klarna: TestClient, reference: str = "M123786123412") -> dict[str, Any]:
    created = klarna.post("/klarna/v1/distribution/onboard", json=sample_onboard_payload(reference)).json()
    account: dict[str, Any] = klarna.get(f"{ACCOUNTS}/{created['account_id']}", params={"expand": "products"}).json()
    product_id = account["products"][0]["product_id"]
    account["product"] = f"{ACCOUNTS}/{account['account_id']}/products/payment/{product_id}"
    account["admin"] = f"/_sandbox/klarna/accounts/{account['account_id']}"
    account["admin_product"] = f"{account['admin']}/products/payment/{product_id}"
    return account


def finished(klarna: TestClient, count: int, **filters: str) -> Any:
    """A probe: the deliveries once ``count`` of them are no longer pending."""

    def probe() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = klarna.get(DELIVERIES, params=filters).json()["deliveries"]
        done = [d for d in found if d["state"] != "pending"]
        return found if len(done) >= count else None

    return probe


def verified(received: Any, secret: str) -> dict[str, Any]:
    expected = hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(received.headers["klarna-signature"], expected)
    assert received.headers["content-type"] == "application/json"
    body: dict[str, Any] = json.loads(received.body)
    return body


# --- signing keys ---------------------------------------------------------------------------------------


def test_a_signing_keys_secret_is_answered_once(klarna: TestClient, signing_key: dict[str, Any]) -> None:
    assert signing_key["signing_key_id"].startswith("krn:partner:global:notification:signing-key:")
    assert len(signing_key["signing_key"]) >= 32 and signing_key["description"] == "reconciler"
    public = {k: v for k, v in signing_key.items() if k != "signing_key"}
    assert klarna.get(f"{KEYS}/{signing_key['signing_key_id']}").json() == public
    assert klarna.get(KEYS).json() == {"signing_keys": [public]}
    assert klarna.post(KEYS).status_code == 201  # no body: Klarna's reference shows none
    assert klarna.delete(f"{KEYS}/{signing_key['signing_key_id']}").status_code == 204
    assert klarna.get(f"{KEYS}/{signing_key['signing_key_id']}").status_code == 404
    assert klarna.delete(f"{KEYS}/{signing_key['signing_key_id']}").status_code == 404


def test_a_signing_key_in_use_cannot_be_deleted(klarna: TestClient, signing_key: dict[str, Any], receiver: Any) -> None:
    webhook = subscribe(klarna, receiver.url, signing_key, DISABLED_EVENT)
    refused = klarna.delete(f"{KEYS}/{signing_key['signing_key_id']}")
    assert refused.status_code == 409 and webhook["webhook_id"] in refused.json()["error_message"]
    other = klarna.post(KEYS).json()
    assert klarna.patch(
        f"{WEBHOOKS}/{webhook['webhook_id']}", json={"signing_key_id": other["signing_key_id"]}
    ).is_success
    assert klarna.delete(f"{KEYS}/{signing_key['signing_key_id']}").status_code == 204


def test_at_most_fifty_signing_keys(klarna: TestClient) -> None:
    for _ in range(50):
        assert klarna.post(KEYS).status_code == 201
    assert klarna.post(KEYS).json()["error_code"] == "RESOURCE_CONFLICT"


# --- webhooks -------------------------------------------------------------------------------------------


def test_webhook_create_read_update_delete(klarna: TestClient, signing_key: dict[str, Any], receiver: Any) -> None:
    webhook = subscribe(klarna, receiver.url, signing_key, "partner.*")
    assert webhook["webhook_id"].startswith("krn:partner:global:notification:webhook:")
    assert {k: webhook[k] for k in ("url", "event_types", "event_version", "status")} == {
        "url": receiver.url,
        "event_types": ["partner.*"],
        "event_version": "v1",
        "status": "ENABLED",
    }
    path = f"{WEBHOOKS}/{webhook['webhook_id']}"
    assert klarna.get(path).json() == webhook
    assert klarna.get(WEBHOOKS).json() == {"webhooks": [webhook]}
    patched = klarna.patch(path, json={"status": "DISABLED", "event_types": [DISABLED_EVENT, ENABLED_EVENT]}).json()
    assert (patched["status"], patched["event_types"], patched["url"]) == (
        "DISABLED",
        [DISABLED_EVENT, ENABLED_EVENT],
        receiver.url,
    )
    assert klarna.delete(path).status_code == 204
    assert klarna.get(path).status_code == 404
    assert klarna.patch(path, json={"status": "ENABLED"}).status_code == 404


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"url": "https://hooks.example.com/klarna"}, "url"),
        ({"url": "http://10.0.0.1:8443/klarna"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"event_types": ["partner.account.state-change.exploded"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"event_types": [DISABLED_EVENT, DISABLED_EVENT]}, "event_types"),
        ({"event_types": ["nothing.*"]}, "event_types"),
        ({"event_version": "v9"}, "event_version"),
        ({"signing_key_id": "krn:partner:global:notification:signing-key:nope"}, "signing_key_id"),
        ({"status": "PAUSED"}, "status"),
        ({"secret": "x"}, "secret"),
    ],
)
def test_an_invalid_webhook_is_400_naming_the_field(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any, change: dict[str, Any], parameter: str
) -> None:
    body = {
        "url": receiver.url,
        "event_types": [DISABLED_EVENT],
        "event_version": "v1",
        "signing_key_id": signing_key["signing_key_id"],
        **change,
    }
    response = klarna.post(WEBHOOKS, json=body)
    assert response.status_code == 400, response.text
    assert parameter in [e["parameter"] for e in response.json()["errors"]]
    assert klarna.get(WEBHOOKS).json() == {"webhooks": []}


def test_the_same_webhook_configuration_twice_is_409(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any
) -> None:
    first = subscribe(klarna, receiver.url, signing_key, DISABLED_EVENT, ENABLED_EVENT)
    body = {
        "url": receiver.url,
        "event_types": [ENABLED_EVENT, DISABLED_EVENT],
        "event_version": "v1",
        "signing_key_id": signing_key["signing_key_id"],
    }
    refused = klarna.post(WEBHOOKS, json=body)
    assert refused.status_code == 409 and first["webhook_id"] in refused.json()["error_message"]
    other = subscribe(klarna, receiver.url, signing_key, OPERATIONAL_EVENT)
    clash = klarna.patch(f"{WEBHOOKS}/{other['webhook_id']}", json={"event_types": [DISABLED_EVENT, ENABLED_EVENT]})
    assert clash.status_code == 409
    assert klarna.patch(f"{WEBHOOKS}/{first['webhook_id']}", json={"status": "DISABLED"}).status_code == 200


# --- deliveries -----------------------------------------------------------------------------------------


def test_a_product_state_change_is_delivered_signed_with_the_seeds_payload(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any, wait: Any
) -> None:
    account = onboarded(klarna)
    webhook = subscribe(klarna, receiver.url, signing_key, DISABLED_EVENT)
    assert klarna.post(account["product"] + "/disable", json={"reason": "FRAUD"}).status_code == 200
    [delivery] = wait(finished(klarna, 1, webhook_id=webhook["webhook_id"]))
    assert delivery["state"] == "delivered" and [a["status_code"] for a in delivery["attempts"]] == [200]
    [received] = receiver.requests()
    assert received.path == "/klarna-webhooks"
    assert received.headers["klarna-signing-key-id"] == signing_key["signing_key_id"]
    event = verified(received, signing_key["signing_key"])
    metadata = event["metadata"]
    assert set(metadata) == {
        "event_type",
        "event_id",
        "event_version",
        "occurred_at",
        "correlation_id",
        "account_id",
        "product_instance_id",
        "webhook_id",
        "live",
    }
    assert (metadata["event_type"], metadata["event_version"], metadata["live"]) == (DISABLED_EVENT, "v1", False)
    assert (metadata["account_id"], metadata["webhook_id"]) == (account["account_id"], webhook["webhook_id"])
    assert metadata["product_instance_id"] == account["products"][0]["product_id"]
    assert event["payload"] == {"account_reference": "M123786123412", "state": "DISABLED", "previous_state": "ENABLED"}
    assert delivery["event"] == event and delivery["event_id"] == metadata["event_id"]


def test_a_failed_attempt_is_retried_until_the_receiver_answers(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any, wait: Any
) -> None:
    receiver.statuses = [500, 503]
    account = onboarded(klarna)
    subscribe(klarna, receiver.url, signing_key, DISABLED_EVENT)
    klarna.post(account["admin_product"] + "/disable", json={"reason": "COMPLIANCE"})
    [delivery] = wait(finished(klarna, 1))
    assert delivery["state"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    bodies = [r.body for r in receiver.requests()]
    assert len(bodies) == 3 and len(set(bodies)) == 1  # the same event, retried
    assert verified(receiver.requests()[-1], signing_key["signing_key"])["payload"]["state"] == "DISABLED"


def test_a_delivery_fails_after_its_last_retry(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any, wait: Any
) -> None:
    receiver.statuses = [500, 302, 404, 200]  # only 200, 201, 202 and 204 count as delivered
    account = onboarded(klarna)
    subscribe(klarna, receiver.url, signing_key, DISABLED_EVENT)
    klarna.post(account["product"] + "/disable", json={"reason": "FRAUD"})
    [delivery] = wait(finished(klarna, 1))
    assert delivery["state"] == "failed"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 302, 404]


def test_an_unreachable_receiver_fails_with_the_error(
    klarna: TestClient, signing_key: dict[str, Any], wait: Any
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    account = onboarded(klarna)
    subscribe(klarna, f"http://127.0.0.1:{port}/hook", signing_key, DISABLED_EVENT)
    klarna.post(account["product"] + "/disable", json={"reason": "FRAUD"})
    [delivery] = wait(finished(klarna, 1))
    assert delivery["state"] == "failed" and len(delivery["attempts"]) == 3
    assert all(a["status_code"] is None and "ConnectError" in a["error"] for a in delivery["attempts"])


def test_klarnas_own_actions_notify_the_subscribers(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any, wait: Any
) -> None:
    account = onboarded(klarna)
    subscribe(klarna, receiver.url, signing_key, "partner.*")
    klarna.post(account["admin_product"] + "/terminate", json={"reason": "AML"})
    klarna.post(account["admin_product"] + "/reactivate")
    klarna.post(account["admin"] + "/disable", json={"reason": "NON_COMPLIANT"})
    klarna.post(account["admin"] + "/enable")
    deliveries = wait(finished(klarna, 6))
    seen = [
        (d["event_type"], d["event"]["payload"]["state"], d["event"]["payload"]["previous_state"]) for d in deliveries
    ]
    assert seen == [
        (DISABLED_EVENT, "TERMINATED", "ENABLED"),
        (ENABLED_EVENT, "ENABLED", "TERMINATED"),
        (ACCOUNT_DISABLED_EVENT, "DISABLED", "OPERATIONAL"),
        (DISABLED_EVENT, "DISABLED", "ENABLED"),
        (OPERATIONAL_EVENT, "OPERATIONAL", "DISABLED"),
        (ENABLED_EVENT, "ENABLED", "DISABLED"),
    ]
    assert deliveries[2]["event"]["payload"]["compliance_decision_id"].startswith("krn:partner:global:compliance:")
    assert all(d["state"] == "delivered" for d in deliveries)
    for received in receiver.requests():
        verified(received, signing_key["signing_key"])


def test_an_account_becoming_operational_is_notified_when_it_happens(
    klarna: TestClient, sandbox_app: FastAPI, sandbox_settings: Any, signing_key: dict[str, Any], receiver: Any,
    wait: Any,
) -> None:  # fmt: skip
    now = [START]
    sandbox_app.state.sandbox.clock = lambda: now[0]
    sandbox_settings.operational_delay_seconds = 5.0
    subscribe(klarna, receiver.url, signing_key, OPERATIONAL_EVENT)
    created = klarna.post("/klarna/v1/distribution/onboard", json=sample_onboard_payload()).json()
    assert klarna.get(DELIVERIES).json()["deliveries"] == []
    now[0] += 5  # the setup is over: the worker sees it on the sandbox clock
    [delivery] = wait(finished(klarna, 1))
    assert delivery["event"]["metadata"]["account_id"] == created["account_id"]
    assert delivery["event"]["payload"] == {
        "account_reference": "M123786123412",
        "state": "OPERATIONAL",
        "previous_state": "PARTIALLY_OPERATIONAL",
    }
    # An update sends the account back into its setup; its end is notified again, as is an advance.
    klarna.patch(f"{ACCOUNTS}/{created['account_id']}", json={"account_name": "Renamed"})
    now[0] += 5
    wait(finished(klarna, 2))
    klarna.patch(f"{ACCOUNTS}/{created['account_id']}", json={"account_name": "Again"})
    assert klarna.post("/_sandbox/advance").json() == {"advanced": 1}
    deliveries = wait(finished(klarna, 3))
    now[0] += 5  # the update's own schedule no longer matches the account: nothing more
    time.sleep(0.3)
    assert [d["event_type"] for d in deliveries] == [OPERATIONAL_EVENT] * 3
    assert len(klarna.get(DELIVERIES).json()["deliveries"]) == 3


def test_only_enabled_webhooks_subscribed_to_the_type_are_called(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any, wait: Any
) -> None:
    account = onboarded(klarna)
    wanted = subscribe(klarna, receiver.url, signing_key, "partner.account.product.*")
    subscribe(klarna, receiver.url + "/paused", signing_key, DISABLED_EVENT, status="DISABLED")
    subscribe(klarna, receiver.url + "/enabled-only", signing_key, ENABLED_EVENT)
    klarna.post(account["product"] + "/disable", json={"reason": "FRAUD"})
    [delivery] = wait(finished(klarna, 1))
    assert delivery["webhook_id"] == wanted["webhook_id"]
    assert [r.path for r in receiver.requests()] == ["/klarna-webhooks"]


def test_simulate_delivers_a_sample_event_to_the_webhook(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any, wait: Any
) -> None:
    webhook = subscribe(klarna, receiver.url, signing_key, DISABLED_EVENT)
    path = f"{WEBHOOKS}/{webhook['webhook_id']}/simulate"
    response = klarna.post(path, json={"event_type": OPERATIONAL_EVENT, "event_version": "v1"})
    assert response.status_code == 202
    [delivery] = wait(finished(klarna, 1))
    assert delivery["delivery_id"] == response.json()["delivery_id"]
    event = verified(receiver.requests()[0], signing_key["signing_key"])
    assert event["metadata"]["event_id"] == response.json()["event_id"]
    assert event["metadata"]["event_type"] == OPERATIONAL_EVENT and event["payload"]["state"] == "OPERATIONAL"
    bad = klarna.post(path, json={"event_type": "payment.request.state-change.submitted"})
    assert bad.status_code == 400 and "event_type" in [e["parameter"] for e in bad.json()["errors"]]
    missing = f"{WEBHOOKS}/krn:partner:global:notification:webhook:nope/simulate"
    assert klarna.post(missing, json={"event_type": DISABLED_EVENT}).status_code == 404


def test_reset_forgets_webhooks_and_deliveries(
    klarna: TestClient, signing_key: dict[str, Any], receiver: Any, wait: Any
) -> None:
    webhook = subscribe(klarna, receiver.url, signing_key, DISABLED_EVENT)
    klarna.post(f"{WEBHOOKS}/{webhook['webhook_id']}/simulate", json={"event_type": DISABLED_EVENT})
    wait(finished(klarna, 1))
    klarna.post("/_sandbox/reset")
    assert klarna.get(DELIVERIES).json() == {"deliveries": []}
    assert klarna.get(WEBHOOKS).json() == {"webhooks": []} and klarna.get(KEYS).json() == {"signing_keys": []}


def test_an_account_disabled_during_its_setup_is_notified_once_when_operational(
    klarna: TestClient, sandbox_app: FastAPI, sandbox_settings: Any, signing_key: dict[str, Any], receiver: Any,
    wait: Any,
) -> None:  # fmt: skip
    now = [START]
    sandbox_app.state.sandbox.clock = lambda: now[0]
    sandbox_settings.operational_delay_seconds = 5.0
    subscribe(klarna, receiver.url, signing_key, OPERATIONAL_EVENT)
    first = klarna.post("/klarna/v1/distribution/onboard", json=sample_onboard_payload("EARLY")).json()
    late = klarna.post("/klarna/v1/distribution/onboard", json=sample_onboard_payload("LATE")).json()
    for account in (first, late):
        assert klarna.post(f"/_sandbox/klarna/accounts/{account['account_id']}/disable").status_code == 200
    # Enabled again during its setup: notified when the setup ends, as if nothing happened.
    assert klarna.post(f"/_sandbox/klarna/accounts/{first['account_id']}/enable").json()["state"] != "DISABLED"
    now[0] += 5
    [early] = wait(finished(klarna, 1))
    assert (early["event"]["metadata"]["account_id"], early["event"]["payload"]["previous_state"]) == (
        first["account_id"],
        "PARTIALLY_OPERATIONAL",
    )
    # Its setup ended while disabled: Klarna's enable is the moment it becomes OPERATIONAL.
    assert klarna.post(f"/_sandbox/klarna/accounts/{late['account_id']}/enable").json()["state"] == "OPERATIONAL"
    deliveries = wait(finished(klarna, 2))
    assert (deliveries[1]["event"]["metadata"]["account_id"], deliveries[1]["event"]["payload"]["previous_state"]) == (
        late["account_id"],
        "DISABLED",
    )
    now[0] += 60
    time.sleep(0.3)  # a few polls of the worker: no second notification of either account
    assert len(klarna.get(DELIVERIES).json()["deliveries"]) == 2
