"""Webhook subscriptions and signing keys declared in partner.yaml: plan, apply, drift, the delete policy,
and a real delivery to a loopback listener signed with the key that apply created."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox.embedded import embedded_app

from .conftest import Cli, base_merchant

KEYS = "/v1/notification/signing-keys"
WEBHOOKS = "/v1/notification/webhooks"
URL = "https://127.0.0.1:8443/klarna/notifications"
DISABLED = "partner.account.product.payment.state-change.disabled"
ENABLED = "partner.account.product.payment.state-change.enabled"
OPERATIONAL = "partner.account.state-change.operational"
KEY_ADDRESS = "partner/klarna.signing_key/webhooks-primary"
WEBHOOK_ADDRESS = "partner/klarna.webhook/127-0-0-1-8443-klarna-notifications"


def partner(
    *,
    url: str = URL,
    types: tuple[str, ...] = (DISABLED, ENABLED),
    key: str = "webhooks primary",
    keys: tuple[str, ...] = ("webhooks primary",),
    **webhook: Any,
) -> dict[str, Any]:
    return {
        "klarna": {
            "signing_keys": [{"description": k} for k in keys],
            "webhooks": [{"url": url, "event_types": list(types), "signing_key_description": key, **webhook}],
        }
    }


def writes(cli: Cli, since: int = 0) -> list[tuple[str, str, Any]]:
    """The Notifications API writes of the request log, as (method, path, body)."""
    log = cli.live.klarna.get("/_sandbox/requests", params={"since": since}).json()["requests"]
    return [
        (r["method"], r["path"].removeprefix("/klarna"), r.get("body"))
        for r in log
        if "/notification/" in r["path"] and r["method"] != "GET"
    ]


def last_seq(cli: Cli) -> int:
    return int(cli.live.klarna.get("/_sandbox/requests").json()["last_seq"])


def live_webhooks(cli: Cli) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = cli.live.call("GET", WEBHOOKS)["webhooks"]
    return found


def live_keys(cli: Cli) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = cli.live.call("GET", KEYS)["signing_keys"]
    return found


def plan_json(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli.run("plan", "--format", "json", *args)
    assert result.exit_code in (0, 2), result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def ops(document: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(o["address"], o["action"], tuple(c["path"] for c in o["changes"])) for o in document["operations"]]


def applied(cli: Cli, *args: str) -> str:
    result = cli.run("apply", "--auto-approve", *args)
    assert result.exit_code == 0, result.output
    return result.output


# --- plan, apply, converge --------------------------------------------------------------------------


def test_a_declared_webhook_and_its_key_plan_as_creates_the_webhook_after_its_key(cli: Cli) -> None:
    cli.desired.write_partner(partner())
    document = plan_json(cli)
    assert ops(document) == [
        (KEY_ADDRESS, "create", ("description",)),
        (WEBHOOK_ADDRESS, "create", ("event_types", "signing_key_description", "url")),
    ]
    key_op, webhook_op = document["operations"]
    assert webhook_op["depends_on"] == [KEY_ADDRESS] and key_op["depends_on"] == []
    assert {key_op["risk"], webhook_op["risk"]} == {"high"}
    [types] = [c["after"] for c in webhook_op["changes"] if c["path"] == "event_types"]
    assert types == sorted([DISABLED, ENABLED])
    text = cli.run("plan").output
    assert "+ klarna.signing_key/webhooks-primary  create" in text
    assert "+ klarna.webhook/127-0-0-1-8443-klarna-notifications  create" in text
    markdown = cli.run("plan", "--format", "markdown").output
    assert "klarna.webhook/127-0-0-1-8443-klarna-notifications" in markdown


def test_apply_creates_the_key_then_the_webhook_with_its_id_and_the_next_plan_is_empty(cli: Cli) -> None:
    cli.desired.write_partner(partner())
    applied(cli)
    [key] = live_keys(cli)
    [webhook] = live_webhooks(cli)
    assert key["description"] == "webhooks primary"
    assert (webhook["url"], webhook["signing_key_id"], webhook["event_version"]) == (URL, key["signing_key_id"], "v1")
    assert sorted(webhook["event_types"]) == sorted([DISABLED, ENABLED])
    assert [(m, p) for m, p, _ in writes(cli)] == [("POST", KEYS), ("POST", WEBHOOKS)]
    assert cli.run("plan", "--detailed-exitcode").exit_code == 0
    before = last_seq(cli)
    assert "No changes." in applied(cli)
    assert writes(cli, before) == []


def test_a_key_made_between_plan_and_apply_is_read_first_and_not_made_twice(cli: Cli, tmp_path: Path) -> None:
    """Only an onboard checks for an object made since the plan itself: a partner's creates read first."""
    cli.desired.write_partner({"klarna": {"signing_keys": [{"description": "webhooks primary"}]}})
    saved = tmp_path / "plan.json"
    assert cli.run("plan", "--out", str(saved)).exit_code == 0
    cli.live.call("POST", KEYS, {"description": "webhooks primary"})  # made by someone else meanwhile
    before = last_seq(cli)
    result = cli.run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert writes(cli, before) == []
    assert len(live_keys(cli)) == 1


def test_a_changed_event_list_is_one_patch_of_that_list(cli: Cli) -> None:
    cli.desired.write_partner(partner())
    applied(cli)
    [webhook] = live_webhooks(cli)
    cli.desired.write_partner(partner(types=(DISABLED, ENABLED, OPERATIONAL)))
    assert ops(plan_json(cli)) == [(WEBHOOK_ADDRESS, "patch", ("event_types",))]
    before = last_seq(cli)
    applied(cli)
    assert [(m, p) for m, p, _ in writes(cli, before)] == [("PATCH", f"{WEBHOOKS}/{webhook['webhook_id']}")]
    [after] = live_webhooks(cli)
    assert after["webhook_id"] == webhook["webhook_id"]
    assert sorted(after["event_types"]) == sorted([DISABLED, ENABLED, OPERATIONAL])
    assert cli.run("plan", "--detailed-exitcode").exit_code == 0


def test_event_types_in_another_order_and_a_url_host_in_capitals_are_no_change(cli: Cli) -> None:
    cli.desired.write_partner(partner())
    applied(cli)
    cli.desired.write_partner(partner(url="https://127.0.0.1:8443/klarna/notifications", types=(ENABLED, DISABLED)))
    assert cli.run("plan", "--detailed-exitcode").exit_code == 0
    cli.desired.write_partner(partner(url="HTTPS://LOCALHOST:8443/klarna/notifications"))
    # Another host is another webhook: a create, and the old one is deleted only under the delete policy.
    actions = {(address.split("/")[1], action) for address, action, _ in ops(plan_json(cli))}
    assert actions == {("klarna.webhook", "create"), ("klarna.webhook", "delete")}


def test_a_status_change_patches_the_status_only(cli: Cli) -> None:
    cli.desired.write_partner(partner())
    applied(cli)
    cli.desired.write_partner(partner(status="DISABLED"))
    assert ops(plan_json(cli)) == [(WEBHOOK_ADDRESS, "patch", ("status",))]
    applied(cli)
    assert live_webhooks(cli)[0]["status"] == "DISABLED"


def test_moving_a_webhook_to_a_new_key_creates_it_patches_then_deletes_the_old_key(cli: Cli) -> None:
    cli.desired.write_partner(partner())
    applied(cli)
    [old_key] = live_keys(cli)
    cli.desired.write_partner(partner(key="webhooks rotated", keys=("webhooks rotated",)))
    document = plan_json(cli)
    assert ops(document) == [
        ("partner/klarna.signing_key/webhooks-rotated", "create", ("description",)),
        (WEBHOOK_ADDRESS, "patch", ("signing_key_description",)),
        (KEY_ADDRESS, "delete", ()),  # after the webhook no longer uses it (Klarna refuses otherwise)
    ]
    assert document["policy"]["allowed"] is False  # a delete needs --allow-delete
    refused = cli.run("apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    before = last_seq(cli)
    applied(cli, "--allow-delete")
    [new_key] = live_keys(cli)
    assert new_key["description"] == "webhooks rotated"
    assert live_webhooks(cli)[0]["signing_key_id"] == new_key["signing_key_id"]
    assert [(m, p) for m, p, _ in writes(cli, before)] == [
        ("POST", KEYS),
        ("PATCH", f"{WEBHOOKS}/{live_webhooks(cli)[0]['webhook_id']}"),
        ("DELETE", f"{KEYS}/{old_key['signing_key_id']}"),
    ]
    assert cli.run("plan", "--detailed-exitcode").exit_code == 0


def test_an_undeclared_live_webhook_is_drift_and_is_deleted_only_under_the_delete_policy(cli: Cli) -> None:
    cli.desired.write_partner(partner())
    applied(cli)
    [key] = live_keys(cli)
    body = {
        "url": "http://127.0.0.1:9/other",
        "event_types": [OPERATIONAL],
        "event_version": "v1",
        "signing_key_id": key["signing_key_id"],
    }
    stray = cli.live.call("POST", WEBHOOKS, body)
    stray_address = "partner/klarna.webhook/127-0-0-1-9-other"

    drift = cli.run("drift")
    assert drift.exit_code == 2, drift.output
    assert "klarna.webhook/127-0-0-1-9-other  delete" in drift.output
    document = json.loads(cli.run("drift", "--format", "json").stdout)
    assert ops(document) == [(stray_address, "delete", ())]

    refused = cli.run("apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert {w["webhook_id"] for w in live_webhooks(cli)} >= {stray["webhook_id"]}
    applied(cli, "--allow-delete")
    assert [w["url"] for w in live_webhooks(cli)] == [URL]
    assert cli.run("drift").exit_code == 0


def test_partner_yaml_without_notifications_reads_and_plans_none(cli: Cli) -> None:
    cli.desired.write_partner({"klarna": {"credentials": []}})
    key = cli.live.call("POST", KEYS, {"description": "made by hand"})
    assert key["signing_key"]
    before = last_seq(cli)
    assert cli.run("plan", "--detailed-exitcode").exit_code == 0
    log = cli.live.klarna.get("/_sandbox/requests", params={"since": before}).json()["requests"]
    assert not [r for r in log if "/notification/" in r["path"]]  # nothing declared, nothing read


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("webhook", "message"),
    [
        ({"signing_key_description": "missing"}, "no signing key with description 'missing' in klarna.signing_keys"),
        ({"url": "http://hooks.example.com/k"}, "Klarna delivers webhooks over https only"),
        ({"url": "https://hooks.example.com:9443/k"}, "port 443 or 8443 only"),
        ({"url": "https://user:pw@hooks.example.com/k"}, "must not hold credentials"),
        ({"event_types": [DISABLED, DISABLED]}, "event_types must be unique"),
        ({"event_types": ["Partner.Everything"]}, "event_types[0]"),
        ({"event_types": []}, "event_types"),
    ],
)
def test_a_bad_webhook_is_refused_at_its_line_naming_the_field(cli: Cli, webhook: dict[str, Any], message: str) -> None:
    document = partner()
    document["klarna"]["webhooks"][0].update(webhook)
    cli.desired.write_partner(document)
    result = cli.run("validate")
    assert result.exit_code == 1, result.output
    assert "partner.yaml:" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_two_webhooks_with_one_url_are_refused(cli: Cli) -> None:
    document = partner()
    document["klarna"]["webhooks"].append(
        {
            **document["klarna"]["webhooks"][0],
            "url": URL.upper().replace("/KLARNA/NOTIFICATIONS", "/klarna/notifications"),
        }
    )
    cli.desired.write_partner(document)
    result = cli.run("validate")
    assert result.exit_code == 1, result.output
    assert "duplicate webhook" in result.output


# --- a real delivery, signed with the key apply created -----------------------------------------------


@dataclass
class Listener:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"fewer than {count} deliveries after {timeout} s")


@pytest.fixture
def listener() -> Iterator[Listener]:
    holder: dict[str, Listener] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            target = holder["listener"]
            with target.lock:
                target.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the signature http.server calls
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["listener"] = Listener(f"http://127.0.0.1:{server.server_address[1]}/klarna-webhooks")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield holder["listener"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_after_apply_a_klarna_product_disable_reaches_the_listener_signed_with_the_key(
    cli: Cli, listener: Listener
) -> None:
    cli.desired.write_partner(partner(url=listener.url, types=(DISABLED,)))
    applied(cli)
    [key] = live_keys(cli)
    merchant = base_merchant()
    cli.live.onboard(merchant)
    assert cli.live.klarna.post("/_sandbox/advance").status_code == 200
    account_id, product_id = cli.live.account_id(), cli.live.product_id()
    admin = f"/_sandbox/klarna/accounts/{account_id}/products/payment/{product_id}/disable"
    assert cli.live.klarna.post(admin, json={"reason": "AML"}).status_code == 200

    [(headers, body)] = listener.wait(1)
    # The secret Klarna answered once, to apply's create: the test reads it from the sandbox's own store.
    stored = embedded_app(cli.workdir).state.sandbox.store.get("klarna.signing_key", key["signing_key_id"])
    expected = hmac.new(stored["_secret"].encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["klarna-signature"], expected)
    assert headers["klarna-signing-key-id"] == key["signing_key_id"]
    event = json.loads(body)
    assert event["metadata"]["event_type"] == DISABLED
    assert event["payload"] == {
        "account_reference": merchant["account_reference"],
        "state": "DISABLED",
        "previous_state": "ENABLED",
    }
