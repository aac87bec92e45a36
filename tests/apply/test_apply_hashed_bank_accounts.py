"""Bank account hashing end to end: the sandbox gets and keeps only Argon2id hashes, plans compare hash
with hash, and neither the clear IBAN nor the salt appears in any request, output or file."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2.low_level import Type, hash_secret_raw
from fastapi.testclient import TestClient

from reconciler.sandbox.embedded import embedded_app
from tests.apply.conftest import CONFIG_ENV, EXAMPLES, Sandbox, Workspace

SALT = "SALTCANARY-5b1e0c9d"  # a canary: it must never be seen outside the process
SALT_VARIABLE = "KLARNA_BANK_ACCOUNT_SALT"
# The examples' Klarna IBANs (Nordic Bikes' is its !env fallback), as written and in normal form.
IBANS = {
    "NB-2024-0001": ["NO9386011117947"],
    "SK-2024-0002": ["SE4550000000058398257466"],
    "MM-2024-0005": ["SE3550000000054910000003", "DE89370400440532013000"],
}
ALL_IBANS = [iban for ibans in IBANS.values() for iban in ibans]
# Cheap Argon2id parameters for tests (the defaults take 64 MiB per hash).
CHEAP = "time_cost: 1, memory_cost_kib: 1024, parallelism: 1"
ENV_HASHING = f"klarna:\n  bank_account_hashing: {{salt_env: {SALT_VARIABLE}, {CHEAP}}}\n"


class _RecordBodies:
    """ASGI middleware keeping every Klarna request body the sandbox receives (what went over the wire).

    Dintero's bodies are left out: Dintero takes bank account numbers in clear, and hashing is Klarna's.
    """

    def __init__(self, app: Any, bodies: list[bytes]) -> None:
        self.app = app
        self.bodies = bodies

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def recording_receive() -> Any:
            message = await receive()
            if message.get("type") == "http.request" and str(scope.get("path", "")).startswith("/klarna"):
                self.bodies.append(message.get("body", b""))
            return message

        await self.app(scope, recording_receive if scope["type"] == "http" else receive, send)


class HashedWorkspace(Workspace):
    def __init__(self, root: Path, sandbox: Sandbox, bodies: list[bytes]) -> None:
        super().__init__(root, sandbox)
        self.bodies = bodies

    def run_env(self, *args: str) -> Any:
        return self.run(*args, env={SALT_VARIABLE: SALT})


@pytest.fixture
def hashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HashedWorkspace]:
    for name in CONFIG_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "desired-state")
    with (tmp_path / "desired-state" / "reconciler.yaml").open("a", encoding="utf-8") as config:
        config.write(ENV_HASHING)
    app = embedded_app(tmp_path)
    app.state.sandbox.settings.operational_delay_seconds = 0.0
    bodies: list[bytes] = []
    app.add_middleware(_RecordBodies, bodies=bodies)
    with TestClient(app) as client:
        yield HashedWorkspace(tmp_path, Sandbox(client), bodies)


def expected_hash(iban: str, salt: str = SALT) -> str:
    raw = hash_secret_raw(iban.encode(), salt.encode(), 1, 1024, 1, 32, Type.ID)
    return base64.b64encode(raw).decode()


def klarna_bank_accounts(sandbox: Sandbox) -> dict[str, list[dict[str, Any]]]:
    return {ref: doc.get("bank_accounts", []) for ref, doc in sandbox.accounts().items()}


def test_hashed_bank_accounts_apply_then_plan_empty(hashed: HashedWorkspace) -> None:
    result = hashed.run_env("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    plan = hashed.run_env("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output

    accounts = klarna_bank_accounts(hashed.sandbox)
    for reference, ibans in IBANS.items():
        assert all("iban" not in stored for stored in accounts[reference])
        assert sorted(stored["iban_hash"]["value"] for stored in accounts[reference]) == sorted(
            map(expected_hash, ibans)
        )
        for stored in accounts[reference]:
            assert stored["iban_hash"]["sanitization_method"] == "REMOVE_WHITESPACE_UPPERCASE"
            assert stored["iban_hash"]["hashing_method"] == "ARGON2ID"


def test_a_changed_bank_account_plans_as_a_replace_keyed_by_its_hash(hashed: HashedWorkspace) -> None:
    assert hashed.run_env("apply", "--auto-approve").exit_code == 0
    hashed.set_secret("NORDIC_BIKES_IBAN", "NO66 8601 1117 948")  # the example's IBAN is a !secret
    plan = hashed.run_env("plan", "--format", "json")
    operations = json.loads(plan.stdout)["operations"]  # the JSON alone on stdout; notices go to stderr
    assert "bank account hashes computed, there is no such file yet" in plan.stderr
    (replace,) = [op for op in operations if op["resource"] == "klarna.bank_account"]
    assert replace["action"] == "replace"
    tail = expected_hash("NO6686011117948").rstrip("=").replace("+", "-").replace("/", "_")[-4:]
    assert replace["address"] == f"NB-2024-0001/klarna.bank_account/hash-{tail}"


def test_no_clear_number_is_sent_kept_or_logged(hashed: HashedWorkspace) -> None:
    assert hashed.run_env("apply", "--auto-approve").exit_code == 0
    assert hashed.run_env("plan").exit_code == 0
    sent = b"\n".join(hashed.bodies).decode()
    assert '"iban_hash"' in sent  # the bank accounts were sent, hashed
    logged = json.dumps(hashed.sandbox.requests())
    kept = json.dumps(hashed.sandbox.dump()["documents"]["klarna.account"])  # Dintero's keep their numbers
    for iban in ALL_IBANS:
        spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        for text in (iban, spaced, iban.lower()):
            assert text not in sent
            assert text not in logged
            assert text not in kept


def test_the_salt_appears_in_no_output(hashed: HashedWorkspace) -> None:
    outputs = [
        hashed.run_env("validate").output,
        hashed.run_env("plan").output,
        hashed.run_env("plan", "--format", "json").output,
        hashed.run_env("plan", "--format", "markdown").output,
        hashed.run_env("plan", "--out", "plan.json").output,
        (hashed.root / "plan.json").read_text(encoding="utf-8"),
        hashed.run_env("apply", "plan.json", "--dry-run").output,
        hashed.run_env("apply", "plan.json", "--auto-approve").output,
        hashed.run_env("drift").output,
    ]
    hashed.edit_config(f"salt_env: {SALT_VARIABLE}", "salt_env: NOT_SET_ANYWHERE")
    outputs.append(hashed.run_env("plan").output)
    sent = b"\n".join(hashed.bodies).decode()
    for text in [*outputs, sent, json.dumps(hashed.sandbox.requests()), json.dumps(hashed.sandbox.dump())]:
        assert SALT not in text
        assert SALT.lower() not in text.lower()
    assert "klarna.bank_account_hashing.salt_env: environment variable NOT_SET_ANYWHERE is not set" in outputs[-1]


def test_hashing_turned_on_replaces_each_clear_account(workspace: Workspace) -> None:
    workspace.converge()
    workspace.edit_config("parallelism: 16\n", "parallelism: 16\n" + ENV_HASHING)
    plan = workspace.run("plan", "--format", "json", env={SALT_VARIABLE: SALT})
    operations = json.loads(plan.stdout)["operations"]
    banks: dict[str, list[str]] = {}
    for op in operations:
        if op["resource"] == "klarna.bank_account":
            banks.setdefault(op["merchant"], []).append(op["action"])
    # One account giving way to one other is a replace; two to two are created, then the old deleted.
    assert {ref: sorted(actions) for ref, actions in banks.items()} == {
        "NB-2024-0001": ["replace"],
        "SK-2024-0002": ["replace"],
        "MM-2024-0005": ["create", "create", "delete", "delete"],
    }
    env = {SALT_VARIABLE: SALT}
    assert workspace.run("apply", "--auto-approve", "--allow-delete", env=env).exit_code == 0
    assert workspace.run("plan", "--detailed-exitcode", env=env).exit_code == 0
    for reference, stored_accounts in klarna_bank_accounts(workspace.sandbox).items():
        if reference in IBANS:
            assert all("iban" not in stored for stored in stored_accounts)
            hashes = sorted(stored["iban_hash"]["value"] for stored in stored_accounts)
            assert hashes == sorted(map(expected_hash, IBANS[reference]))


def test_the_salt_can_come_from_the_secrets_store(workspace: Workspace) -> None:
    workspace.set_secret("klarna_bank_salt", SALT)  # beside the examples' own secrets
    workspace.edit_config(
        "parallelism: 16\n",
        f"parallelism: 16\nklarna:\n  bank_account_hashing: {{salt_secret: klarna_bank_salt, {CHEAP}}}\n",
    )
    assert workspace.run("apply", "--auto-approve").exit_code == 0  # the sandbox test identity opens the store
    (stored,) = workspace.sandbox.accounts()["SK-2024-0002"]["bank_accounts"]
    assert stored["iban_hash"]["value"] == expected_hash(IBANS["SK-2024-0002"][0])

    offline = workspace.run("validate")  # validate checks the files offline: it needs no identity, no salt
    assert offline.exit_code == 0, offline.output
    workspace.edit_config("secrets:\n  identity_file: sandbox-test-identity.txt\n", "")
    missing = workspace.run("plan")  # no identity: the store (salt included) cannot be read: one clear error
    assert missing.exit_code == 1
    assert missing.output.count("\n") == 1 and "RECONCILER_AGE_IDENTITY" in missing.output
    assert "Traceback" not in missing.output and SALT not in missing.output


def test_a_plan_saved_while_hashing_applies_with_the_kept_hashes(hashed: HashedWorkspace) -> None:
    """A plan made while every hash was computed is applied after `secrets hashes` kept them: the kept hash is
    the computed one, so the desired state's digest is the same and nothing is stale; then no hash is computed
    and the plan is empty. Neither the salt nor a clear IBAN is in the file or in any output."""
    saved = hashed.root / "plan.json"
    planned = hashed.run_env("plan", "--out", str(saved))
    assert planned.exit_code in (0, 2), planned.output
    assert "bank account hashes computed" in planned.stderr
    kept = hashed.run_env("secrets", "hashes", "--desired", "desired-state")
    assert kept.exit_code == 0, kept.output
    assert "4 computed" in kept.stderr
    applied = hashed.run_env("apply", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "computed" not in applied.stderr
    after = hashed.run_env("plan", "--detailed-exitcode")
    assert after.exit_code == 0, after.output
    assert "computed" not in after.stderr
    sealed = (hashed.root / "desired-state" / "bank-hashes.age").read_text(encoding="ascii")
    for secret in [SALT, *ALL_IBANS, *(expected_hash(iban) for iban in ALL_IBANS)]:
        assert secret not in sealed
        for result in (planned, kept, applied, after):
            assert secret not in result.output
