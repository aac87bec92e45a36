"""Import writes partner.yaml's signing keys and webhooks from the Notifications API: the plan is empty after."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.imports.conftest import Keys
from tests.plan.conftest import Cli

KEYS = "/v1/notification/signing-keys"
WEBHOOKS = "/v1/notification/webhooks"
DISABLED = "partner.account.product.payment.state-change.disabled"
ENABLED = "partner.account.product.payment.state-change.enabled"


def _key(cli: Cli, description: str | None) -> dict[str, Any]:
    created: dict[str, Any] = cli.live.call("POST", KEYS, {} if description is None else {"description": description})
    return created


def _webhook(cli: Cli, url: str, key_id: str, types: list[str], status: str = "ENABLED") -> None:
    cli.live.call(
        "POST",
        WEBHOOKS,
        {"url": url, "event_types": types, "event_version": "v1", "signing_key_id": key_id, "status": status},
    )


def _import(cli: Cli, target: Path) -> Any:
    result = cli.run("import", "--all", "--desired", str(target))
    assert result.exit_code == 0, result.output
    return result


def _plan_exit(cli: Cli, target: Path, keys: Keys) -> int:
    env = {"RECONCILER_AGE_IDENTITY": keys.secret}
    plan = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=env)
    assert plan.exit_code in (0, 2), plan.output
    return plan.exit_code


def test_signing_keys_and_webhooks_are_imported_by_description_and_plan_nothing(
    cli: Cli, target: Path, keys: Keys
) -> None:
    primary = _key(cli, "webhooks primary")
    backup = _key(cli, "webhooks backup")
    _webhook(cli, "https://127.0.0.1:8443/klarna", primary["signing_key_id"], [ENABLED, DISABLED])
    _webhook(cli, "https://localhost:8443/in?token=t1", backup["signing_key_id"], [DISABLED], "DISABLED")
    _import(cli, target)
    text = (target / "partner.yaml").read_text()
    for secret in (primary.get("signing_key"), backup.get("signing_key")):
        assert secret and secret not in text  # the key's secret is never written
    assert primary["signing_key_id"] not in text  # the key is named by its description
    klarna = yaml.safe_load(text)["klarna"]
    assert klarna["signing_keys"] == [{"description": "webhooks backup"}, {"description": "webhooks primary"}]
    assert klarna["webhooks"] == [
        {"url": "https://127.0.0.1:8443/klarna", "event_types": sorted([ENABLED, DISABLED]),
         "signing_key_description": "webhooks primary", "event_version": "v1", "status": "ENABLED"},
        {"url": "https://localhost:8443/in?token=t1", "event_types": [DISABLED],
         "signing_key_description": "webhooks backup", "event_version": "v1", "status": "DISABLED"},
    ]
    assert _plan_exit(cli, target, keys) == 0


def test_a_key_without_a_description_leaves_the_lists_undeclared_with_a_comment(
    cli: Cli, target: Path, keys: Keys
) -> None:
    unnamed = _key(cli, None)
    _key(cli, "named")
    _webhook(cli, "https://127.0.0.1:8443/klarna", unnamed["signing_key_id"], [ENABLED])
    result = _import(cli, target)
    text = (target / "partner.yaml").read_text()
    klarna = yaml.safe_load(text)["klarna"]
    assert "signing_keys" not in klarna and "webhooks" not in klarna  # declaring them would plan deletes
    assert "# Not declared, so not managed: signing_keys: a signing key has no description" in text
    assert "# Not declared, so not managed: webhooks:" in text
    assert "partner: signing_keys: a signing key has no description" in result.output
    assert _plan_exit(cli, target, keys) == 0


def test_two_keys_with_one_description_are_not_declared(cli: Cli, target: Path, keys: Keys) -> None:
    first = _key(cli, "same")
    _key(cli, "same")
    _webhook(cli, "https://127.0.0.1:8443/klarna", first["signing_key_id"], [ENABLED])
    _import(cli, target)
    text = (target / "partner.yaml").read_text()
    klarna = yaml.safe_load(text)["klarna"]
    assert "signing_keys" not in klarna
    assert "several keys share the description 'same'" in text
    assert "webhooks" not in klarna
    assert "webhooks: each names a signing key of signing_keys, which is not declared" in text
    assert _plan_exit(cli, target, keys) == 0


def test_a_partner_document_that_does_not_validate_is_a_mismatch_that_shows_no_value() -> None:
    from reconciler.imports.partner import ImportedPartner, check_partner
    from reconciler.live.read import LiveMerchant

    hostile = "ftp://token-3f9a@hooks.example.com/in"
    imported = ImportedPartner({"klarna": {"webhooks": [{"url": hostile, "event_types": []}]}})
    [mismatch] = check_partner(imported, LiveMerchant("partner", None, None))
    assert mismatch.startswith("partner.yaml: not valid as written (klarna.webhooks.0.")
    assert "token-3f9a" not in mismatch


def test_a_partner_document_validate_would_refuse_is_a_mismatch() -> None:
    """validate's rules beyond the model (here, a description twice) are checked as well: such a file would stop
    every later load of the desired state."""
    from reconciler.imports.partner import ImportedPartner, check_partner
    from reconciler.live.read import LiveMerchant

    credential = {"description": "ci", "type": "API", "environment": "TEST"}
    imported = ImportedPartner({"klarna": {"credentials": [credential, credential]}})
    assert check_partner(imported, LiveMerchant("partner", None, None)) == [
        "partner.yaml: not valid as written (klarna.credentials[1])"
    ]


def test_klarnas_reason_text_is_scrubbed_in_the_comment_and_the_report() -> None:
    from reconciler.imports.document import _payment_product
    from reconciler.live.models import PaymentProduct

    product = PaymentProduct.model_validate(
        {"product_id": "p1", "type": "PAYMENT", "state": "DISABLED", "state_reason": "FRAUD_NO9386011117947"}
    )
    comments: dict[Any, str] = {}
    held: list[str] = []
    _payment_product(product, comments, held)
    assert comments and held
    for text in [*comments.values(), *held]:
        assert "9386011117947" not in text


def _two_credentials(cli: Cli, second: str = "ci") -> None:
    for description in ("ci", second):
        body = {"description": description, "type": "API", "environment": "TEST"}
        cli.live.call("POST", "/v1/account/credentials", body)


def _two_credentials_apart_by_spaces(cli: Cli) -> None:
    _two_credentials(cli, " ci ")  # one description once stripped, as the model keeps it


def _two_signing_keys_apart_by_spaces(cli: Cli) -> None:
    for description in ("primary", "primary "):
        cli.live.call("POST", KEYS, {"description": description})


def _two_webhooks(cli: Cli) -> None:
    key = cli.live.call("POST", KEYS, {"description": "primary"})
    for types in ([ENABLED], [DISABLED]):
        body = {
            "url": "https://127.0.0.1:8443/k",
            "event_types": types,
            "event_version": "v1",
            "signing_key_id": key["signing_key_id"],
            "status": "ENABLED",
        }
        cli.live.call("POST", WEBHOOKS, body)


@pytest.mark.parametrize(
    ("make", "left_out"),
    [
        (_two_credentials, "credentials: several credentials share the description 'ci'"),
        (_two_credentials_apart_by_spaces, "credentials: several credentials share the description 'ci'"),
        (_two_signing_keys_apart_by_spaces, "signing_keys: several keys share the description 'primary'"),
        (_two_webhooks, "webhooks: several subscriptions share one URL"),
    ],
    ids=["credentials", "credentials-spaces", "signing-keys-spaces", "webhooks"],
)
def test_partner_lists_that_validate_would_refuse_are_left_out(
    cli: Cli, target: Path, keys: Keys, make: Callable[[Cli], None], left_out: str
) -> None:
    """Two credentials or keys of one description, or two webhooks of one URL, as the API may hold them: the list
    is left out with its reason, and partner.yaml validates (a file validate refuses would stop every load)."""
    make(cli)
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code in (0, 2), done.output
    assert left_out in done.output
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    checked = cli.run("validate", "--desired", str(target), env=identity)
    assert checked.exit_code == 0, f"import exited {done.exit_code}, but:\n{checked.output}"
    plan = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=identity)
    assert plan.exit_code == 0, plan.output
