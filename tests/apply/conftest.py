"""Fixtures for the apply tests: a working directory holding a copy of the example desired state,
its embedded sandbox (no lifecycle delay), and helpers that read the sandbox's request log and dump.

Every command runs through click's CliRunner in that working directory, so it talks in process to
the same sandbox object the test inspects.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from reconciler.cli import main
from reconciler.desired.secret_store import SecretsStore, parse_identities
from reconciler.sandbox.embedded import embedded_app
from reconciler.sandbox.platform.settings import DEFAULT_DINTERO_PARTNER_ID, DEFAULT_KLARNA_API_KEY

EXAMPLES = Path(__file__).resolve().parents[2] / "desired-state"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONFIG_ENV = (
    "RECONCILER_KLARNA_URL",
    "RECONCILER_DINTERO_URL",
    "KLARNA_API_KEY",
    "DINTERO_PARTNER_ID",
    "DINTERO_CLIENT_ID",
    "DINTERO_CLIENT_SECRET",
    "MALMO_MOBLER_SVEN_ID",
    "MALMO_MOBLER_ASA_ID",
    "NORDIC_BIKES_OWNER_NATIONAL_ID",
    "NORDIC_BIKES_IBAN",
)
TOKEN_BODY = {
    "grant_type": "client_credentials",
    "audience": f"https://api.dintero.com/v1/accounts/{DEFAULT_DINTERO_PARTNER_ID}",
}

# The example merchants: reference -> Dintero account id (None: Klarna only).
MERCHANTS = {
    "BF-2023-0042": "T11200103",
    "M123786123412": None,
    "MM-2024-0005": "T11200105",
    "NB-2024-0001": "T11200101",
    "SK-2024-0002": "T11200102",
}
FILES = {
    "BF-2023-0042": "bergen-fisk.yaml",
    "M123786123412": "john-doe-stakehouse.yaml",
    "MM-2024-0005": "malmo-mobler.yaml",
    "NB-2024-0001": "nordic-bikes.yaml",
    "SK-2024-0002": "stockholm-kaffe.yaml",
}


class Sandbox:
    """The embedded sandbox of the working directory, seen through its admin routes and its APIs."""

    def __init__(self, client: httpx.Client) -> None:
        # An in-process TestClient, or an httpx.Client on a served sandbox: the same routes.
        self.client = client

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        response = self.client.get("/_sandbox/requests", params={"since": since})
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["requests"]
        return entries

    def writes(self, since: int = 0) -> list[dict[str, Any]]:
        """Requests that change state (a Dintero token exchange is a POST but changes nothing)."""
        return [
            r for r in self.requests(since) if r["method"] in WRITE_METHODS and not r["path"].endswith("/auth/token")
        ]

    def last_seq(self) -> int:
        return int(self.client.get("/_sandbox/requests").json()["last_seq"])

    def dump(self) -> dict[str, Any]:
        response = self.client.get("/_sandbox/dump")
        assert response.status_code == 200, response.text
        dumped: dict[str, Any] = response.json()
        return dumped

    def accounts(self) -> dict[str, dict[str, Any]]:
        """Klarna accounts by reference (a duplicate reference fails here)."""
        docs = self.dump()["documents"].get("klarna.account", [])
        references = Counter(d["account_reference"] for d in docs)
        assert all(n == 1 for n in references.values()), references
        return {d["account_reference"]: d for d in docs}

    def dintero_accounts(self) -> dict[str, dict[str, Any]]:
        return {d["account_id"]: d for d in self.dump()["documents"].get("dintero.account", [])}

    def fail_next(self, *rules: Mapping[str, Any]) -> None:
        response = self.client.put("/_sandbox/faults", json={"fail_next": [dict(r) for r in rules]})
        assert response.status_code == 200, response.text

    def klarna(self, method: str, path: str, json: Any = None) -> Any:
        """A Klarna API call under ``/klarna`` (an out-of-band change); asserts success."""
        headers = {"Authorization": f"Basic {DEFAULT_KLARNA_API_KEY}"}
        response = self.client.request(method, "/klarna" + path, json=json, headers=headers)
        assert response.is_success, response.text
        return response.json() if response.content else None


class Workspace:
    """A working directory with ``desired-state/`` (a copy of the examples) and its sandbox."""

    def __init__(self, root: Path, sandbox: Sandbox) -> None:
        self.root = root
        self.desired = root / "desired-state"
        self.sandbox = sandbox

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> Result:
        return CliRunner().invoke(main, list(args), env=dict(env or {}), catch_exceptions=False)

    def merchant_file(self, reference: str) -> Path:
        return self.desired / "merchants" / FILES[reference]

    def edit(self, path: Path, old: str, new: str) -> None:
        """Replace one exact piece of a YAML file (text edits keep its ``!env`` tags and comments)."""
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not exactly once in {path}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def edit_merchant(self, reference: str, old: str, new: str) -> None:
        self.edit(self.merchant_file(reference), old, new)

    def set_secret(self, name: str, value: str) -> None:
        """Set a value in the copy's secrets store, opened with the examples' sandbox test identity."""
        identities = parse_identities((self.desired / "sandbox-test-identity.txt").read_text(encoding="utf-8"), "test")
        store = SecretsStore.open(self.desired, identities)
        store.set(name, value)
        store.save()

    def edit_config(self, old: str, new: str) -> None:
        self.edit(self.desired / "reconciler.yaml", old, new)

    def converge(self) -> None:
        """Apply the desired state and check that it took."""
        result = self.run("apply", "--auto-approve")
        assert result.exit_code == 0, result.output
        assert self.run("plan", "--detailed-exitcode").exit_code == 0


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    for name in CONFIG_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "desired-state")
    app = embedded_app(tmp_path)
    # New accounts are OPERATIONAL at once, so no test waits for the lifecycle unless it asks to.
    app.state.sandbox.settings.operational_delay_seconds = 0.0
    with TestClient(app) as client:
        yield Workspace(tmp_path, Sandbox(client))


@pytest.fixture
def converged(workspace: Workspace) -> Workspace:
    """The example desired state applied: the live state matches it."""
    workspace.converge()
    return workspace


def write_summary(writes: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Writes as (method, path with ids as ``{id}``), counted: comparable across runs and dry-runs."""
    return Counter((w["method"], normalise_path(w["path"])) for w in writes)


_ID = re.compile(r"krn:[^/?]+|\(known after apply\)|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalise_path(path: str) -> str:
    path = path.split("?", 1)[0]
    path = re.sub(r"^/(klarna|dintero)(?=/)", "", path)
    return _ID.sub("{id}", path)


def duplicates(sandbox: Sandbox) -> list[str]:
    """Every duplicate the sandbox holds: accounts, stakeholders, bank accounts, enablements, signups."""
    dump = sandbox.dump()["documents"]
    found: list[str] = []

    def check(what: str, keys: list[Any]) -> None:
        found.extend(f"{what}: {key!r} x{n}" for key, n in Counter(keys).items() if n > 1)

    accounts = dump.get("klarna.account", [])
    check("account", [a["account_reference"] for a in accounts])
    for account in accounts:
        ref = account["account_reference"]
        check(f"{ref} stakeholder", [(s["given_name"], s["family_name"]) for s in account.get("stakeholders", [])])
        check(f"{ref} bank account", [b["iban"] for b in account.get("bank_accounts", [])])
        check(
            f"{ref} enablement",
            [
                (e["payment_program_id"], e.get("enablement_criteria", {}).get("payment_program_enablement_code"))
                for e in account.get("payment_program_enablements", [])
            ],
        )
        check(f"{ref} website", [w["website_reference"] for w in account.get("websites", [])])
        check(f"{ref} collection", [c["collection_reference"] for c in account.get("collections", [])])
        check(f"{ref} product", [p["type"] for p in account.get("products", [])])
    check("credential", [c["description"] for c in dump.get("klarna.credential", [])])
    for account in dump.get("dintero.account", []):
        for name, connection in account.get("connections", {}).items():
            # Klarna and Vipps keep every signup; the common connection keeps only its latest.
            count = len(connection["signups"]) if "signups" in connection else int("signup" in connection)
            if count != 1:
                found.append(f"{account['account_id']} {name}: {count} signups")
    # The request log also shows a common signup sent twice: count those that reached the route.
    committed = Counter(
        r["path"]
        for r in sandbox.requests()
        if r["method"] == "POST"
        and "/settings/connections/" in r["path"]
        and (200 <= r["status"] < 300 or r["fault"] == "after_effect")
    )
    found.extend(f"{path}: {n} signups sent" for path, n in committed.items() if n > 1)
    return found
