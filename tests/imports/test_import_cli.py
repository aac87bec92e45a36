"""``reconciler import``: files and secrets from the live state, checked to plan nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox.platform.settings import DEFAULT_DINTERO_PARTNER_ID
from tests.imports.conftest import Keys
from tests.plan.conftest import Cli


def _seed(cli: Cli, count: int = 3, **extra: object) -> None:
    response = cli.live.klarna.post("/_sandbox/seed", json={"count": count, "seed": 7, **extra})
    assert response.status_code == 200, response.text


def test_import_all_writes_one_file_per_merchant_and_partner_yaml(cli: Cli, target: Path, keys: Keys) -> None:
    _seed(cli)
    result = cli.run("import", "--all", "--desired", str(target))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (target / "merchants").iterdir())
    assert names == ["sbx000000.yaml", "sbx000001.yaml", "sbx000002.yaml"]
    text = (target / "merchants" / "sbx000000.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../merchant.schema.json\n")
    assert "!secret SBX000000.klarna.bank_accounts." in text
    assert (target / "partner.yaml").exists()
    store = keys.store(target)
    assert any(name.endswith(".iban") for name in store.names())
    assert "Imported 3 merchant(s)" in result.stdout


def test_right_after_import_plan_is_empty_and_drift_clean(cli: Cli, target: Path, keys: Keys) -> None:
    _seed(cli, 4)
    assert cli.run("import", "--all", "--desired", str(target)).exit_code == 0
    env = {"RECONCILER_AGE_IDENTITY": keys.secret}
    validate = cli.run("validate", "--desired", str(target), env=env)
    assert validate.exit_code == 0, validate.output
    plan = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan.output
    drift = cli.run("drift", "--desired", str(target), env=env)
    assert drift.exit_code == 0, drift.output


def test_unmanaged_takes_only_what_no_file_declares(cli: Cli, target: Path, keys: Keys) -> None:
    _seed(cli, 2)
    env = {"RECONCILER_AGE_IDENTITY": keys.secret}
    assert cli.run("import", "--reference", "SBX000000", "--desired", str(target)).exit_code == 0
    _seed(cli, 1, seed=8)  # another seed: the same one would repeat the first merchant's IBAN and case ids
    result = cli.run("import", "--unmanaged", "--desired", str(target), env=env)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (target / "merchants").iterdir())
    assert names == ["sbx000000.yaml", "sbx000001.yaml", "sbx000002.yaml"]
    drift = cli.run("drift", "--desired", str(target), env=env)
    assert drift.exit_code == 0, drift.output


def test_no_sensitive_value_appears_in_any_written_file(cli: Cli, target: Path, keys: Keys) -> None:
    _seed(cli, 2)
    dump = cli.live.klarna.get("/_sandbox/dump").json()
    canaries = []
    for account in dump["documents"]["klarna.account"] if "documents" in dump else dump["klarna.account"]:
        for stakeholder in account["stakeholders"]:
            canaries += [stakeholder["national_identification"]["number"], stakeholder["date_of_birth"]]
        canaries += [bank["iban"] for bank in account["bank_accounts"]]
    assert len(canaries) == 6
    result = cli.run("import", "--all", "--desired", str(target))
    assert result.exit_code == 0, result.output
    written = "".join(p.read_text() for p in target.rglob("*") if p.is_file() and p.suffix != ".age")
    for canary in canaries:
        assert canary not in written
        assert canary not in result.output
    store = keys.store(target)
    assert set(canaries) <= {store.get(name) for name in store.names()}


def test_an_existing_file_is_not_overwritten_without_force(cli: Cli, target: Path) -> None:
    _seed(cli, 2)
    existing = target / "merchants" / "sbx000001.yaml"
    existing.parent.mkdir()
    existing.write_text("# mine\n")
    result = cli.run("import", "--all", "--desired", str(target))
    assert result.exit_code == 1
    assert "sbx000001.yaml:1:1: exists; import does not overwrite it without --force" in result.output
    assert existing.read_text() == "# mine\n"
    assert not (target / "merchants" / "sbx000000.yaml").exists()  # nothing written at all
    forced = cli.run("import", "--all", "--force", "--desired", str(target))
    assert forced.exit_code == 0, forced.output
    assert existing.read_text().startswith("# yaml-language-server")


def test_without_recipients_import_refuses_before_reading(cli: Cli, tmp_path: Path) -> None:
    _seed(cli, 1)
    cli.live.klarna.delete("/_sandbox/requests")
    directory = tmp_path / "bare"
    result = cli.run("import", "--all", "--desired", str(directory))
    assert result.exit_code == 1
    assert "secrets.recipients:1:1: not found" in result.output
    assert "age-keygen -y key.txt >" in result.output
    assert cli.live.klarna.get("/_sandbox/requests").json()["requests"] == []
    assert not directory.exists()


def test_one_of_the_selections_is_required(cli: Cli, target: Path) -> None:
    result = cli.run("import", "--desired", str(target))
    assert result.exit_code == 1
    assert "choose exactly one of --all, --unmanaged or --reference REF" in result.output


def test_import_by_reference_links_the_dintero_account(cli: Cli, target: Path) -> None:
    _seed(cli, 3)
    result = cli.run("import", "--reference", "SBX000001", "--desired", str(target))
    assert result.exit_code == 0, result.output
    assert [p.name for p in (target / "merchants").iterdir()] == ["sbx000001.yaml"]
    text = (target / "merchants" / "sbx000001.yaml").read_text()
    assert 'account_id: "T20000001"' in text
    assert not (target / "partner.yaml").exists()
    assert DEFAULT_DINTERO_PARTNER_ID not in text


def test_profiles_factor_shared_values_and_resolve_the_same(cli: Cli, keys: Keys, tmp_path: Path) -> None:
    from reconciler.desired.load import load_desired
    from reconciler.desired.secret_store import write_recipients

    _seed(cli, 6)
    env = {"RECONCILER_AGE_IDENTITY": keys.secret}
    plain, factored = tmp_path / "plain", tmp_path / "factored"
    for directory in (plain, factored):
        directory.mkdir()
        write_recipients(directory, [str(keys.identity.to_public())])
    assert cli.run("import", "--all", "--desired", str(plain)).exit_code == 0
    result = cli.run("import", "--all", "--profiles", "--desired", str(factored))
    assert result.exit_code == 0, result.output
    profiles = sorted(p.name for p in (factored / "profiles").iterdir())
    assert profiles and profiles[0] == "imported-1.yaml"
    shared = (factored / "profiles" / "imported-1.yaml").read_text()
    assert "distribution_profile_id" in shared and "Shared by 6 imported merchants" in shared
    merchant = (factored / "merchants" / "sbx000000.yaml").read_text()
    assert "profiles:" in merchant and "distribution_profile_id" not in merchant
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    left, right = load_desired(plain, environ=identity), load_desired(factored, environ=identity)
    assert [m.wire() for m in left.merchants] == [m.wire() for m in right.merchants]
    plan = cli.run("plan", "--desired", str(factored), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan.output


def test_a_reference_given_twice_is_read_and_imported_once(cli: Cli, target: Path) -> None:
    _seed(cli, 2)
    cli.live.klarna.delete("/_sandbox/requests")
    result = cli.run("import", "--reference", "SBX000001", "--reference", "SBX000001", "--desired", str(target))
    assert result.exit_code == 0, result.output
    assert "Imported 1 merchant(s)" in result.stdout
    requests = cli.live.klarna.get("/_sandbox/requests").json()["requests"]
    resolves = [r for r in requests if "account_reference=SBX000001" in str(r)]
    assert len(resolves) == 1, resolves


def test_an_existing_store_is_opened_with_the_identity_file_of_reconciler_yaml(
    cli: Cli, target: Path, keys: Keys
) -> None:
    _seed(cli, 2)
    (target / "test-key.txt").write_text(f"# the sandbox's test key\n{keys.secret}\n")
    (target / "reconciler.yaml").write_text("secrets: {identity_file: test-key.txt}\n")
    assert cli.run("import", "--reference", "SBX000000", "--desired", str(target)).exit_code == 0
    again = cli.run("import", "--reference", "SBX000001", "--desired", str(target))  # the store exists now
    assert again.exit_code == 0, again.output
    assert {name.split(".")[0] for name in keys.store(target).names()} == {"SBX000000", "SBX000001"}


def test_the_progress_bar_counts_accounts_imported_not_accounts_listed(
    cli: Cli, target: Path, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Klarna's list is read up to 200 accounts ahead of the files being made: a bar counting the list
    would stand near its end while most files are still to be made."""
    from reconciler.cli import import_command
    from reconciler.imports import run

    _seed(cli, 3)
    made: list[str] = []
    counted: list[tuple[int | None, int, int]] = []  # (total, count after the call, files made before it)
    real_document = run.merchant_document

    def document(account: Any, dintero: Any) -> Any:
        made.append(account.account_reference)
        return real_document(account, dintero)

    @contextmanager
    def progress(total: int | None) -> Iterator[Callable[[int], None]]:
        seen = [0]

        def advance(n: int) -> None:
            seen[0] += n
            counted.append((total, seen[0], len(made)))

        yield advance

    monkeypatch.setattr(run, "merchant_document", document)
    monkeypatch.setattr(import_command, "accounts_progress", progress)
    assert cli.run("import", "--all", "--desired", str(target)).exit_code == 0
    assert counted == [(None, 1, 0), (None, 2, 1), (None, 3, 2)]
    counted.clear()
    result = cli.run("import", "--reference", "SBX000001", "--reference", "SBX000001", "--reference", "SBX000002",
                     "--desired", str(target), "--force", env={"RECONCILER_AGE_IDENTITY": keys.secret})
    assert result.exit_code == 0, result.output
    assert counted == [(2, 1, 3), (2, 2, 4)]


def test_a_reference_two_klarna_accounts_hold_is_named_and_gets_no_file(cli: Cli, target: Path, keys: Keys) -> None:
    """Import cannot tell which of the two the merchant is, nor could a plan: the file of either would
    manage whichever a read by reference answered. The other merchants are imported."""
    _seed(cli, 3)
    store = cli.live.klarna.app.state.sandbox.store  # type: ignore[attr-defined]
    original = store.get_by_ref("klarna.account", "SBX000001")
    twin = {**original, "account_id": "krn:partner:global:account:live:TWIN0001"}
    store.put("klarna.account", twin["account_id"], twin)  # the store indexes one account per reference
    result = cli.run("import", "--all", "--desired", str(target))
    assert result.exit_code == 1, result.output
    assert "SBX000001: not imported: two or more Klarna accounts hold this reference" in result.output
    assert sorted(p.name for p in (target / "merchants").iterdir()) == ["sbx000000.yaml", "sbx000002.yaml"]
    assert not any(name.startswith("SBX000001.") for name in keys.store(target).names())


def test_an_import_with_an_identity_that_is_no_recipient_warns_that_it_cannot_read_the_store(
    cli: Cli, target: Path, keys: Keys
) -> None:
    """The values are written for the recipients, as they must be; whoever ran the import learns now, not at
    the first plan, that the identity they hold cannot read them."""
    import pyrage

    _seed(cli, 1)
    stranger = str(pyrage.x25519.Identity.generate())
    result = cli.run("import", "--all", "--desired", str(target), env={"RECONCILER_AGE_IDENTITY": stranger})
    assert result.exit_code == 0, result.output
    assert "Warning: the identity given is not among the recipients" in result.stderr
    assert keys.store(target).names()  # written for the recipient
    env = {"RECONCILER_AGE_IDENTITY": keys.secret}
    quiet = cli.run("import", "--all", "--desired", str(target), "--force", env=env)
    assert quiet.exit_code == 0, quiet.output
    assert "Warning" not in quiet.stderr
