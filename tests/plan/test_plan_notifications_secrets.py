"""A signing key's secret, which Klarna answers once to the create, never reaches any output, plan file or log.

The sandbox is made to generate a canary as the secret; every command's output, in every format, the
saved plan, a dry-run, an apply that fails after the key was created, and the log records must not hold it.
"""

from __future__ import annotations

import logging
import types
from pathlib import Path

import pytest

from reconciler.live.models import SigningKey
from reconciler.sandbox.embedded import embedded_app
from reconciler.sandbox.klarna import notification_routes

from .conftest import Cli
from .test_plan_notifications import DISABLED, partner

CANARY = "CANARY-signing-secret-7f3a9c01d2"


@pytest.fixture
def canary_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(notification_routes, "secrets", types.SimpleNamespace(token_urlsafe=lambda n: CANARY))
    return CANARY


def test_the_client_model_keeps_the_secret_out_of_repr_and_dumps() -> None:
    key = SigningKey.model_validate({"signing_key_id": "krn:x", "description": "d", "signing_key": CANARY})
    assert key.signing_key is not None and key.signing_key.get_secret_value() == CANARY
    assert CANARY not in repr(key) and CANARY not in str(key)
    assert CANARY not in key.model_dump_json()


def test_the_secret_is_in_no_output_plan_file_or_log(
    cli: Cli, canary_secret: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cli.desired.write_partner(partner(keys=("webhooks primary", "spare")))
    outputs: list[str] = []

    def run(*args: str, expect: tuple[int, ...] = (0, 2)) -> None:
        result = cli.run(*args)
        assert result.exit_code in expect, result.output
        outputs.append(result.output)

    # Fail the webhook's create, so apply reports an API error after the key (and its secret) came back.
    rule = {"api": "klarna", "method": "POST", "path_pattern": "/notification/webhooks$", "status": 400, "count": 1}
    assert cli.live.klarna.put("/_sandbox/faults", json={"fail_next": [rule]}).status_code == 200
    run("apply", "--auto-approve", expect=(1,))
    assert "create_webhook" in outputs[-1]
    assert cli.live.call("GET", "/v1/notification/signing-keys")["signing_keys"]  # the keys were created

    plan_file = tmp_path / "plan.json"
    run("plan", "--out", str(plan_file))
    run("plan", "--format", "json")
    run("plan", "--format", "markdown")
    run("show", str(plan_file))
    run("apply", str(plan_file), "--dry-run")
    run("apply", "--auto-approve")
    # A changed event list, then drift in every format, and a key rotated out of the desired state.
    cli.desired.write_partner(partner(types=(DISABLED,), keys=("webhooks primary",)))
    run("drift")
    run("drift", "--format", "json")
    run("drift", "--format", "markdown")
    run("apply", "--auto-approve", "--dry-run", "--allow-delete")
    run("apply", "--auto-approve", "--allow-delete")

    # The canary really was generated and handed to the client: the sandbox's own store holds it.
    assert any(doc.get("_secret") == CANARY for doc in _stored_keys(cli))
    for text in outputs:
        assert CANARY not in text
    assert CANARY not in plan_file.read_text(encoding="utf-8")
    assert CANARY not in caplog.text
    assert all(CANARY not in record.getMessage() for record in caplog.records)


def _stored_keys(cli: Cli) -> list[dict[str, object]]:
    found: list[dict[str, object]] = embedded_app(cli.workdir).state.sandbox.store.list("klarna.signing_key")
    return found
