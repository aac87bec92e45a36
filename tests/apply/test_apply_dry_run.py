"""``apply --dry-run`` walks the executor's path, prints every request it would send (method, path,
masked body) and sends no write: the sandbox's request log and dump prove it."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from reconciler.desired.secret_store import SecretsStore, parse_identities

from .conftest import Workspace, normalise_path, write_summary

# Values the example files hold or the secrets store supplies: none may be printed.
CANARY_SECRETS = {
    "NORDIC_BIKES_OWNER_NATIONAL_ID": "17058031337",
    "NORDIC_BIKES_IBAN": "GB82 WEST 1234 5698 7654 32",
    "MALMO_MOBLER_SVEN_ID": "19680721-3133",
}
SENSITIVE = (
    "17058031337",
    "GB82WEST12345698765432",
    "GB82 WEST",
    "19680721-3133",
    "08038200000",  # Kari Nordmann's national id, written in the file
    "1980-05-17",  # a date of birth
    "1975-11-02",
    "19751102-0000",  # a Dintero owner's social security number
    "SE4550000000058398257466",
    "SE3550000000054910000003",
    "SE0850000000054910000004",
    "DE89370400440532013000",
    "klarna_test_api_sandbox",
)
SENT = re.compile(
    r"^(?P<address>\S+): would send (?P<method>[A-Z]+) (?P<path>.+?)"
    r"(?P<key>  \[Klarna-Idempotency-Key: [0-9a-f-]{36}\])?$"
)


def sent_lines(stdout: str) -> list[tuple[re.Match[str], str | None]]:
    """Each printed request with the body line under it (None when the request has no body)."""
    lines = stdout.splitlines()
    found = []
    for index, line in enumerate(lines):
        match = SENT.match(line)
        if match:
            following = lines[index + 1] if index + 1 < len(lines) else ""
            found.append((match, following.strip() if following.startswith("    {") else None))
    return found


def store_canaries(workspace: Workspace) -> None:
    """Put the canary values in the example's secrets store (opened with its sandbox test key)."""
    key = (workspace.desired / "sandbox-test-identity.txt").read_text(encoding="utf-8")
    store = SecretsStore.open(workspace.desired, parse_identities(key, "test key"))
    for name, value in CANARY_SECRETS.items():
        store.set(name, value)
    store.save()


def test_dry_run_from_empty_prints_every_request_and_sends_no_write(workspace: Workspace) -> None:
    store_canaries(workspace)
    before = workspace.sandbox.dump()
    result = workspace.run("apply", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written." in result.stdout

    assert workspace.sandbox.dump() == before
    posts = [r for r in workspace.sandbox.requests() if r["method"] in {"POST", "PUT", "PATCH", "DELETE"}]
    assert {r["path"] for r in posts} <= {"/dintero/v1/accounts/T11200000/auth/token"}  # a token, not a write
    for text in SENSITIVE:
        assert text not in result.output, text

    printed = sent_lines(result.stdout)
    assert len(printed) == 45  # with the Dintero account settings of Stockholm Kaffe, a signing key, a webhook
    for match, body in printed:
        if match["path"].startswith("/v1/accounts/T1120"):  # Dintero: no idempotency key
            assert match["key"] is None
        else:
            assert match["key"], match[0]
        assert body is not None, f"{match[0]} printed without its body"
    bodies = {match["address"]: body or "" for match, body in printed}
    assert '"iban": "****5432 (fp:' in bodies["NB-2024-0001/klarna.bank_account/iban-5432"]
    assert '"number": "**** (fp:' in bodies["NB-2024-0001/klarna.stakeholder/ola-nordmann"]  # the national id
    assert '"account_name": "Nordic Bikes AS"' in bodies["NB-2024-0001/klarna.account"]

    # The real apply then sends exactly the requests the dry run printed.
    since = workspace.sandbox.last_seq()
    applied = workspace.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    dry = Counter((m["method"], normalise_path(m["path"])) for m, _ in printed)
    assert write_summary(workspace.sandbox.writes(since=since)) == dry


@pytest.mark.parametrize("flags", [(), ("--allow-delete", "--allow-disable")], ids=["patch-only", "with-deletes"])
def test_dry_run_of_changes_to_a_converged_state_sends_no_write(converged: Workspace, flags: tuple[str, ...]) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    if flags:
        converged.edit_merchant(
            "MM-2024-0005", "    - account_holder: Malmö Möbler HB (EUR)\n", "    - account_holder: Malmö Möbler EUR\n"
        )
        converged.edit_merchant(
            "NB-2024-0001",
            "  payment_product:\n",  # its state comes from a profile: the merchant overrides it
            "  payment_product:\n    state: disabled\n    disabled_reason:\n      reason: MERCHANT_REQUEST\n",
        )
        converged.edit_merchant(
            "M123786123412",
            "    - given_name: Jane\n      family_name: Doe\n      date_of_birth: 1972-02-02\n"
            "      roles: [DIRECTOR]\n      ownership_percentage: 25\n",
            "",
        )
    before_dump = converged.sandbox.dump()
    since = converged.sandbox.last_seq()

    result = converged.run("apply", "--dry-run", *flags)
    assert result.exit_code == 0, result.output
    assert converged.sandbox.writes(since=since) == []
    assert converged.sandbox.dump() == before_dump
    printed = {(m["address"], m["method"]) for m, _ in sent_lines(result.stdout)}
    assert ("NB-2024-0001/klarna.account", "PATCH") in printed
    if flags:
        assert ("M123786123412/klarna.stakeholder/jane-doe", "DELETE") in printed
        assert ("NB-2024-0001/klarna.payment_product", "POST") in printed
        assert ("MM-2024-0005/klarna.bank_account/iban-3000", "PATCH") in printed
        assert "/disable" in result.stdout
