"""Live states that could make import write a wrong file: each is refused by name, or written so it plans nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyrage
import pytest
from click.testing import Result

from reconciler.cli import import_command
from reconciler.imports.document import made_for_any, secret_name
from reconciler.imports.yaml_text import merchant_yaml
from tests.imports.conftest import Keys
from tests.plan.conftest import Cli, base_merchant


def merchant(reference: str, **klarna: Any) -> dict[str, Any]:
    document = base_merchant(reference, "T11200201")
    document["klarna"].update(klarna)
    return document


def rename_live(cli: Cli, old: str, new: str) -> None:
    """Give a live account a reference the sandbox's API would refuse (a state an API may still hold)."""
    store = cli.live.klarna.app.state.sandbox.store
    account = store.get_by_ref("klarna.account", old)
    assert account is not None
    store.put("klarna.account", account["account_id"], {**account, "account_reference": new}, new)


def disable_live_product(cli: Cli, reference: str, reason: str) -> None:
    """Klarna disables a merchant's payment product, giving ``reason`` (text only the API chooses)."""
    store = cli.live.klarna.app.state.sandbox.store
    account = store.get_by_ref("klarna.account", reference)
    assert account is not None
    product = {**account["products"][0], "state": "DISABLED", "state_reason": reason}
    store.put("klarna.account", account["account_id"], {**account, "products": [product]}, reference)


def rename_live_stakeholder(cli: Cli, reference: str) -> None:
    """Klarna's first stakeholder of ``reference`` is renamed Ada to Adah: its values get new secret names."""
    store = cli.live.klarna.app.state.sandbox.store
    account = store.get_by_ref("klarna.account", reference)
    assert account is not None
    stakeholders = [{**account["stakeholders"][0], "given_name": "Adah"}, *account["stakeholders"][1:]]
    store.put("klarna.account", account["account_id"], {**account, "stakeholders": stakeholders}, reference)


def plan_exit(cli: Cli, target: Path, keys: Keys) -> int:
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    return cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=identity).exit_code


def assert_validates_and_plans_nothing(cli: Cli, target: Path, keys: Keys) -> None:
    checked = cli.run("validate", "--desired", str(target), env={"RECONCILER_AGE_IDENTITY": keys.secret})
    assert checked.exit_code == 0, checked.output
    assert plan_exit(cli, target, keys) == 0


def test_a_reference_a_file_would_read_as_another_is_not_imported(cli: Cli, target: Path, keys: Keys) -> None:
    """``"M1 "`` written in a file reads as ``M1``: its plan would onboard a second merchant."""
    cli.live.create(merchant("M1"), dintero=False)
    cli.live.create(merchant("M2"), dintero=False)
    rename_live(cli, "M1", "M1 ")
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 1, done.output
    assert "M1 : not imported: its account reference would read back from a file as 'M1'" in done.output
    assert sorted(p.name for p in (target / "merchants").iterdir()) == ["m2.yaml"]
    assert plan_exit(cli, target, keys) == 0


def test_references_one_name_cannot_tell_apart_keep_their_own_secrets(cli: Cli, target: Path, keys: Keys) -> None:
    """``A:B`` and ``A_B`` once made one secret name: one merchant's file read the other's national id."""
    assert secret_name("A:B", ("klarna", "x")) != secret_name("A_B", ("klarna", "x"))
    assert secret_name("A:B", ("klarna", "x")) == secret_name("A:B", ("klarna", "x"))  # stable
    assert secret_name("NB-2024-0001", ("klarna", "x")) == "NB-2024-0001.klarna.x"  # plain ones as before
    cli.live.create(merchant("A:B"), dintero=False)
    cli.live.create(merchant("A_B"), dintero=False)
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 0, done.output
    assert plan_exit(cli, target, keys) == 0


def test_force_does_not_write_one_merchant_over_anothers_file(cli: Cli, target: Path, keys: Keys) -> None:
    """``a.b`` and ``a-b`` make one file name: ``--force`` replaces a merchant's own file, never another's.

    ``a-b`` imported after ``a.b`` gets ``a-b-2.yaml``, as when both are imported at once. It was refused (even
    without --force, ``a-b.yaml`` exists): it could never be imported, and it stopped every ``--unmanaged``."""
    for reference in ("a.b", "a-b", "M3"):
        cli.live.create(merchant(reference), dintero=False)
    assert cli.run("import", "--reference", "a.b", "--desired", str(target)).exit_code == 0
    folder = target / "merchants"
    before = (folder / "a-b.yaml").read_text()
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    for flags in ((), ("--force",)):
        done = cli.run("import", "--unmanaged", *flags, "--desired", str(target), env=identity)
        assert done.exit_code == 0, done.output
        assert sorted(p.name for p in folder.iterdir()) == ["a-b-2.yaml", "a-b.yaml", "m3.yaml"]
        assert (folder / "a-b.yaml").read_text() == before
        assert 'account_reference: "a-b"' in (folder / "a-b-2.yaml").read_text()
        assert plan_exit(cli, target, keys) == 0
        (folder / "a-b-2.yaml").unlink()
        (folder / "m3.yaml").unlink()
    done = cli.run("import", "--reference", "a-b", "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    again = cli.run("import", "--reference", "a.b", "--force", "--desired", str(target), env=identity)
    assert again.exit_code == 0, again.output  # its own file is replaced
    assert sorted(p.name for p in folder.iterdir()) == ["a-b-2.yaml", "a-b.yaml"]
    assert 'account_reference: "a.b"' in (folder / "a-b.yaml").read_text()
    assert plan_exit(cli, target, keys) == 0


def test_characters_yaml_text_cannot_hold_are_written_escaped(cli: Cli, target: Path, keys: Keys) -> None:
    name = "Fisk\uffff og \ufffe Skalldyr"
    assert "\\uffff" in merchant_yaml({"account_reference": "M1", "klarna": {"account_name": name}}, {}, "")
    cli.live.create(merchant("M1", account_name=name), dintero=False)
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 0, done.output
    assert plan_exit(cli, target, keys) == 0


def test_merchants_of_one_owner_are_written_as_sharing_and_plan_nothing(cli: Cli, target: Path, keys: Keys) -> None:
    """One owner, several shops: the same IBAN and national id on two accounts once made files validate refused
    as copies. Each is written with ``shares_with`` naming the other; a merchant sharing nothing has none."""
    one, two, other = merchant("M1"), merchant("M2"), merchant("M3", bank_accounts=[])
    two["klarna"]["bank_accounts"] = [dict(one["klarna"]["bank_accounts"][0])]
    two["klarna"]["stakeholders"] = [dict(one["klarna"]["stakeholders"][0])]
    for document in (one, two, other):
        cli.live.create(document, dintero=False)
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    for flags in ((), ("--profiles", "--force")):
        done = cli.run("import", "--all", *flags, "--desired", str(target), env=identity)
        assert done.exit_code == 0, done.output
        texts = {p.stem: p.read_text() for p in (target / "merchants").iterdir()}
        assert 'copied merchant file.\nshares_with:\n  - "M2"\nklarna:' in texts["m1"], texts["m1"]
        assert 'copied merchant file.\nshares_with:\n  - "M1"\nklarna:' in texts["m2"]
        assert "shares_with" not in texts["m3"]
        iban = one["klarna"]["bank_accounts"][0]["iban"]
        national_id = one["klarna"]["stakeholders"][0]["national_identification"]["number"]
        assert not any(iban in text or national_id in text for text in texts.values())
        assert plan_exit(cli, target, keys) == 0


def test_a_live_state_breaking_a_rule_of_merchant_files_is_not_imported(cli: Cli, target: Path, keys: Keys) -> None:
    """Two websites with one reference fit the models, but validate refuses the file: it is not written."""
    cli.live.create(merchant("M1"), dintero=False)
    cli.live.create(merchant("M2"), dintero=False)
    store = cli.live.klarna.app.state.sandbox.store
    account = store.get_by_ref("klarna.account", "M1")
    assert account is not None
    websites = [*account["websites"], dict(account["websites"][0])]
    store.put("klarna.account", account["account_id"], {**account, "websites": websites}, "M1")
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 1, done.output
    assert (
        f"M1: not imported: the live state breaks a rule of merchant files: klarna.websites[{len(websites) - 1}]: "
        f"duplicate website {websites[0]['website_reference']}\n"
    ) in done.output
    assert sorted(p.name for p in (target / "merchants").iterdir()) == ["m2.yaml"]
    assert plan_exit(cli, target, keys) == 0


def test_force_over_a_file_nested_too_deeply_to_read_does_not_crash(cli: Cli, target: Path, keys: Keys) -> None:
    """The owner check reads the file it would replace; libyaml's composer once overflowed its C stack on it."""
    cli.live.create(merchant("M1"), dintero=False)
    (target / "merchants").mkdir(exist_ok=True)
    (target / "merchants" / "m1.yaml").write_text("account_reference: M1\nklarna:\n  " + "- " * 100_000 + "x\n")
    done = cli.run("import", "--reference", "M1", "--force", "--desired", str(target))
    assert done.exit_code == 0, done.output
    # The file being replaced does not load: the import goes on, and says what it did not look at.
    assert "shares_with is not computed against the merchants it declares" in done.output
    assert plan_exit(cli, target, keys) == 0


@pytest.mark.parametrize(
    ("shared", "flags"),
    [("bank_accounts", ("--unmanaged",)), ("stakeholders", ("--reference", "M2"))],
    ids=["unmanaged-iban", "reference-national-id"],
)
def test_a_merchant_sharing_an_owner_with_a_declared_one_names_it(
    cli: Cli, target: Path, keys: Keys, shared: str, flags: tuple[str, ...]
) -> None:
    """Adopting step by step: M2's file lists M1, declared already (whose file stays as it is), so validate
    takes them both; by reference the declared merchants were once not looked at."""
    one, two = merchant("M1"), merchant("M2")
    two["klarna"][shared] = [dict(one["klarna"][shared][0])]
    cli.live.create(one, dintero=False)
    cli.live.create(two, dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    before = (target / "merchants" / "m1.yaml").read_text()
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", *flags, "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    assert '\nshares_with:\n  - "M1"\nklarna:' in (target / "merchants" / "m2.yaml").read_text()
    assert (target / "merchants" / "m1.yaml").read_text() == before
    assert_validates_and_plans_nothing(cli, target, keys)


def test_a_file_being_replaced_shares_nothing_with_what_it_held_before(cli: Cli, target: Path, keys: Keys) -> None:
    """M1's file held an IBAN that is now M2's, live: both are imported again, and neither file lists the other.
    The declared values of a file being replaced once counted as a merchant of their own."""
    cli.live.create(merchant("M1"), dintero=False)
    cli.live.create(merchant("M2"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    store = cli.live.klarna.app.state.sandbox.store
    one, two = store.get_by_ref("klarna.account", "M1"), store.get_by_ref("klarna.account", "M2")
    assert one is not None and two is not None
    store.put("klarna.account", one["account_id"], {**one, "bank_accounts": two["bank_accounts"]}, "M1")
    store.put("klarna.account", two["account_id"], {**two, "bank_accounts": one["bank_accounts"]}, "M2")
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    both = ("--reference", "M1", "--reference", "M2")
    done = cli.run("import", *both, "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    texts = {name: (target / "merchants" / f"{name}.yaml").read_text() for name in ("m1", "m2")}
    assert all("shares_with" not in text for text in texts.values()), texts
    assert_validates_and_plans_nothing(cli, target, keys)


def test_all_names_a_declared_merchant_it_does_not_write_in_shares_with(cli: Cli, target: Path, keys: Keys) -> None:
    """--all beside a file whose merchant is not live (yet): M2 and M3 share M1's owner, and their files once
    named only each other, so validate refused M1's file and theirs as copies."""
    one, two = merchant("M1"), merchant("M2")
    two["klarna"]["bank_accounts"] = [dict(one["klarna"]["bank_accounts"][0])]
    cli.live.create(one, dintero=False)
    cli.live.create(two, dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    rename_live(cli, "M1", "M3")  # M1 is now declared only; M3 holds its values live
    before = (target / "merchants" / "m1.yaml").read_text()
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", "--all", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    assert '\nshares_with:\n  - "M1"\n  - "M3"\nklarna:' in (target / "merchants" / "m2.yaml").read_text()
    assert '\nshares_with:\n  - "M1"\n  - "M2"\nklarna:' in (target / "merchants" / "m3.yaml").read_text()
    assert (target / "merchants" / "m1.yaml").read_text() == before
    checked = cli.run("validate", "--desired", str(target), env=identity)
    assert checked.exit_code == 0, checked.output


def test_all_beside_a_file_that_does_not_load_goes_on_and_says_what_it_did_not_look_at(
    cli: Cli, target: Path, keys: Keys
) -> None:
    """A declared merchant's file with an issue does not stop --all: the live merchants are written, and the
    notice says that shares_with was not computed against the declared ones."""
    cli.live.create(merchant("M1"), dintero=False)
    (target / "merchants").mkdir(exist_ok=True)
    (target / "merchants" / "m9.yaml").write_text("account_reference: M9\nklarna:\n  account_name: [\n")
    done = cli.run("import", "--all", "--desired", str(target), env={"RECONCILER_AGE_IDENTITY": keys.secret})
    assert done.exit_code == 0, done.output
    assert "shares_with is not computed against the merchants it declares" in done.output
    assert 'account_reference: "M1"' in (target / "merchants" / "m1.yaml").read_text()
    assert (target / "merchants" / "m9.yaml").read_text().endswith("account_name: [\n")  # left as it was


def test_all_into_a_folder_of_live_merchants_only_loads_no_file(
    cli: Cli, target: Path, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every declared merchant is written again: loading the folder would find no merchant to name."""
    cli.live.create(merchant("M1"), dintero=False)
    assert cli.run("import", "--all", "--desired", str(target)).exit_code == 0

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the desired state was loaded")

    monkeypatch.setattr(import_command, "load_desired", refuse)
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", "--all", "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    assert plan_exit(cli, target, keys) == 0


def test_a_reference_declared_under_another_file_name_is_written_to_that_file(
    cli: Cli, target: Path, keys: Keys
) -> None:
    """A file renamed by hand keeps its merchant: import once wrote m1.yaml beside it, two files declaring M1."""
    cli.live.create(merchant("M1"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    folder = target / "merchants"
    (folder / "m1.yaml").rename(folder / "bergen-shop.yaml")
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    for flags in (("--reference", "M1"), ("--all",)):
        refused = cli.run("import", *flags, "--desired", str(target), env=identity)
        assert refused.exit_code == 1, refused.output
        assert f"{folder / 'bergen-shop.yaml'}:1:1: exists; import does not overwrite it" in refused.output
        assert sorted(p.name for p in folder.iterdir()) == ["bergen-shop.yaml"]
        replaced = cli.run("import", *flags, "--force", "--desired", str(target), env=identity)
        assert replaced.exit_code == 0, replaced.output
        assert sorted(p.name for p in folder.iterdir()) == ["bergen-shop.yaml"]
        assert plan_exit(cli, target, keys) == 0


def test_unmanaged_decrypts_the_secrets_store_once(
    cli: Cli, target: Path, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The declared merchants' secrets and the store import adds to are one decryption of secrets.age."""
    cli.live.create(merchant("M1"), dintero=False)
    cli.live.create(merchant("M2"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    decrypted: list[int] = []
    real = pyrage.decrypt

    def counted(data: bytes, identities: list[Any]) -> bytes:
        decrypted.append(len(data))
        return bytes(real(data, identities))

    monkeypatch.setattr(pyrage, "decrypt", counted)
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", "--unmanaged", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    assert len(decrypted) == 1
    assert sorted(p.name for p in (target / "merchants").iterdir()) == ["m1.yaml", "m2.yaml"]
    assert plan_exit(cli, target, keys) == 0


def test_the_reason_klarna_gives_for_disabling_an_account_is_scrubbed(cli: Cli, target: Path, keys: Keys) -> None:
    """The account's ``state_reason`` is Klarna's text, written in a comment and reported: it once went in clear."""
    iban, national_id = "NO9386011117947", "01019012345"
    cli.live.create(merchant("M1"), dintero=False)
    store = cli.live.klarna.app.state.sandbox.store
    account = store.get_by_ref("klarna.account", "M1")
    assert account is not None
    reason = f"AML check of {iban}\nowner {national_id}"
    disabled = {"state_reason": reason, "compliance_decision_id": "d", "restore": {}}
    store.put("klarna.account", account["account_id"], {**account, "_disabled": disabled}, "M1")
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 2, done.output  # written; its plans are blocked until Klarna enables it
    # Masked either way: by the API text's patterns, or as a value the process has read from a store.
    assert "account disabled by Klarna (AML check of *" in done.output
    texts = [p.read_text() for p in target.rglob("*.yaml")]
    assert "# Klarna disabled this account (AML check of *" in (target / "merchants" / "m1.yaml").read_text()
    assert not any(iban in text or national_id in text for text in [done.output, *texts])
    checked = cli.run("validate", "--desired", str(target), env={"RECONCILER_AGE_IDENTITY": keys.secret})
    assert checked.exit_code == 0, checked.output


def test_a_comment_quoting_characters_yaml_text_cannot_hold_is_written_escaped(
    cli: Cli, target: Path, keys: Keys
) -> None:
    """Klarna's reason for a disabled product goes into a comment: a control character in it once made a file
    that no reader takes (a comment is YAML text too)."""
    assert merchant_yaml({"account_reference": "M1"}, {("account_reference",): "a\x07\x1b\ufeff\ufffe\x9fb"}) == (
        '# yaml-language-server: $schema=../merchant.schema.json\n# a\\u0007\\u001b\\ufeff\\ufffe\\u009fb\n'
        'account_reference: "M1"\n'
    )
    cli.live.create(merchant("M1"), dintero=False)
    disable_live_product(cli, "M1", "AML\x07\ufffe")
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 0, done.output
    written = (target / "merchants" / "m1.yaml").read_text()
    # Klarna's text is scrubbed as every API text is, its control characters escaped there already.
    assert "# Klarna disabled this payment product (AML\\x07\\ufffe)" in written
    assert plan_exit(cli, target, keys) == 0


def test_force_over_a_directory_named_as_a_file_refuses_before_writing(cli: Cli, target: Path, keys: Keys) -> None:
    """A directory ``m1.yaml`` (or a ``merchants`` that is a file) once failed the rename with a traceback, after
    the secrets store and the files sorted before it were written: it is refused, and nothing is written."""
    cli.live.create(merchant("M1"), dintero=False)
    cli.live.create(merchant("M2"), dintero=False)
    (target / "merchants" / "m2.yaml").mkdir(parents=True)
    before = sorted(p.name for p in target.iterdir())
    done = cli.run("import", "--all", "--force", "--desired", str(target))
    assert done.exit_code == 1, done.output
    assert f"{target / 'merchants' / 'm2.yaml'}:1:1: is a directory: import writes only over a file" in done.output
    assert sorted(p.name for p in target.iterdir()) == before
    assert sorted(p.name for p in (target / "merchants").iterdir()) == ["m2.yaml"]
    (target / "merchants" / "m2.yaml").rmdir()
    (target / "merchants").rmdir()
    (target / "merchants").write_text("")
    done = cli.run("import", "--reference", "M1", "--desired", str(target))
    assert done.exit_code == 1, done.output
    assert f"{target / 'merchants'}:1:1: is not a directory" in done.output
    assert sorted(p.name for p in target.iterdir()) == before


def test_a_file_that_is_not_utf8_keeps_its_merchant(cli: Cli, target: Path, keys: Keys) -> None:
    """A hand-edited file saved as Latin-1 does not load, but it declares M1: import once wrote a second file."""
    cli.live.create(merchant("M1"), dintero=False)
    folder = target / "merchants"
    folder.mkdir()
    (folder / "bergen.yaml").write_bytes("# Café Bergen\naccount_reference: M1\n".encode("latin-1"))
    refused = cli.run("import", "--reference", "M1", "--desired", str(target))
    assert refused.exit_code == 1, refused.output
    assert f"{folder / 'bergen.yaml'}:1:1: exists; import does not overwrite it" in refused.output
    done = cli.run("import", "--reference", "M1", "--force", "--desired", str(target))
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in folder.iterdir()) == ["bergen.yaml"]
    assert 'account_reference: "M1"' in (folder / "bergen.yaml").read_text()
    assert plan_exit(cli, target, keys) == 0


def test_references_that_differ_only_by_case_keep_secret_names_apart(cli: Cli, target: Path, keys: Keys) -> None:
    """The copy check compares secret names regardless of case: ``ab``'s and ``AB``'s once made both files
    "copies" that validate refused. So does a capital reference ending as a lower-case one's digest."""
    lower = secret_name("ab", ("klarna", "x"))
    assert lower.casefold() != secret_name("AB", ("klarna", "x")).casefold()
    assert secret_name("AB", ("klarna", "x")) == "AB.klarna.x"  # capitals as before
    mimic = lower.removesuffix(".klarna.x").upper()
    assert secret_name(mimic, ("klarna", "x")).casefold() != lower.casefold()
    for reference in ("ab", "AB", "Ab"):
        cli.live.create(merchant(reference), dintero=False)
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 0, done.output
    assert_validates_and_plans_nothing(cli, target, keys)


def test_the_report_escapes_control_characters_of_live_references_and_reasons(
    cli: Cli, target: Path, keys: Keys
) -> None:
    """A reference or a reason the APIs hold is printed on the terminal: an escape sequence in one once reached
    it as it is (clearing the screen, ringing, rewriting the lines above)."""
    cli.live.create(merchant("M1"), dintero=False)
    cli.live.create(merchant("M2"), dintero=False)
    rename_live(cli, "M1", "M1\x1b[2J\x07")
    disable_live_product(cli, "M2", "AML\x1b[1A\x07")
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 1, done.output
    assert "  M1\\x1b[2J\\x07: not imported: the live state does not fit a merchant file at account_reference" in (
        done.output
    )
    assert "  M2: payment product disabled by Klarna (AML\\x1b[1A\\x07)" in done.output
    assert "\x07" not in done.output and "\x1b" not in done.output


def test_a_reference_two_dintero_accounts_name_is_linked_to_neither(cli: Cli, target: Path, keys: Keys) -> None:
    """An account signed up with M1's onboarding link names M1 too: the last one listed once became M1's Dintero
    side, silently, and M1's own account was left unmanaged."""
    cli.live.create(base_merchant("M1", "T11200201"))
    cli.live.create(base_merchant("M2", "T11200202"))
    store = cli.live.klarna.app.state.sandbox.store
    for aid in ("T11200201", "T11200202"):
        document = store.get("dintero.account", aid)
        store.put("dintero.account", aid, {**document, "applicant": {"signup_reference": "M1"}})
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 0, done.output
    told = "Dintero accounts T11200201, T11200202 all name it as their signup reference"
    assert f"  M1: {told}: none declared (written as it is, with a comment)" in done.output
    text = (target / "merchants" / "m1.yaml").read_text()
    assert "\ndintero:" not in text and f"# {told}: none is declared" in text
    assert "\ndintero:" not in (target / "merchants" / "m2.yaml").read_text()  # it names M1, not M2
    assert plan_exit(cli, target, keys) == 0


def test_force_removes_the_secrets_only_the_replaced_file_named(cli: Cli, target: Path, keys: Keys) -> None:
    """A stakeholder renamed live gives its values new names: the old ones stayed in the store, and validate
    refused every later run ("used by no file"). A secret the file names that import did not make stays."""
    ours = ["M1.klarna.stakeholders.ada-lovelace.date_of_birth", "M1.X.klarna.iban", "owner-iban"]
    assert made_for_any(ours, ["M1"]) == {"M1.klarna.stakeholders.ada-lovelace.date_of_birth"}
    both = ["ab.klarna.iban", secret_name("ab", ("klarna", "iban"))]  # the plain name of old, and today's
    assert made_for_any(both, ["ab"]) == set(both)
    cli.live.create(merchant("M1"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    rename_live_stakeholder(cli, "M1")
    file = target / "merchants" / "m1.yaml"
    file.write_text(file.read_text() + "# see !secret owner-iban\n")
    secrets = keys.store(target)
    secrets.set("owner-iban", "NO9386011117947")
    secrets.save()
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", "--reference", "M1", "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    names = keys.store(target).names()
    assert not [name for name in names if ".ada-lovelace." in name]
    assert [name for name in names if ".adah-lovelace." in name] and "owner-iban" in names
    pruned = keys.store(target)  # the hand-made one is the user's to remove
    pruned.remove("owner-iban")
    pruned.save()
    assert_validates_and_plans_nothing(cli, target, keys)


def test_a_retired_or_ignored_merchant_is_left_as_it_is_even_when_named_with_force(
    cli: Cli, target: Path, keys: Keys
) -> None:
    """--force once rewrote a retired merchant's file without ``lifecycle``, bringing it back under management
    without a word; --all wrote a file for a reference reconciler.yaml lists as ignored."""
    for reference in ("M1", "M2", "M3"):
        cli.live.create(merchant(reference), dintero=False)
    (target / "reconciler.yaml").write_text("ignored_references: [M2]\n")
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    retired = (target / "merchants" / "m1.yaml").read_text().replace("\nklarna:", '\nlifecycle: "retired"\nklarna:', 1)
    (target / "merchants" / "m1.yaml").write_text(retired)
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    for flags in (("--all",), ("--reference", "M1", "--reference", "M2")):
        done = cli.run("import", *flags, "--force", "--desired", str(target), env=identity)
        assert done.exit_code == 0, done.output
        assert "M1: left as it is: retired in merchants/m1.yaml (lifecycle: retired)" in done.output
        assert f"M2: left as it is: listed in ignored_references of {target / 'reconciler.yaml'}" in done.output
        assert (target / "merchants" / "m1.yaml").read_text() == retired
        assert not (target / "merchants" / "m2.yaml").exists()
    assert (target / "merchants" / "m3.yaml").exists()
    assert plan_exit(cli, target, keys) == 0


def test_a_merchant_two_files_declare_is_not_imported_and_both_are_named(cli: Cli, target: Path, keys: Keys) -> None:
    """--force replaced the first of them and left the second: the duplicate validate reports stayed."""
    cli.live.create(merchant("M1"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    folder = target / "merchants"
    copy = (folder / "m1.yaml").read_text()
    (folder / "shop.yaml").write_text(copy)
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", "--all", "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 1, done.output
    assert "M1: not imported: declared by 2 files (m1.yaml, shop.yaml): keep one, then import it" in done.output
    assert (folder / "m1.yaml").read_text() == copy and (folder / "shop.yaml").read_text() == copy


def test_dintero_connection_names_and_statuses_in_comments_are_scrubbed() -> None:
    """A connection left out is described in the file's comment with Dintero's own name and status text."""
    from reconciler.imports.document import merchant_document
    from reconciler.live.models import DinteroAccount, KlarnaAccount

    iban, national_id = "NO9386011117947", "01019012345"
    account = KlarnaAccount.model_validate({"account_id": "A1", "account_reference": "M1"})
    dintero = DinteroAccount.model_validate(
        {
            "account_id": "T11200201",
            "connections": {
                f"bank-{iban}": {"status": f"pending {national_id}"},
                "common": {"status": "declined", "signup": {"case_id": f"case {iban}"}},
            },
        }
    )
    imported = merchant_document(account, dintero)
    told = " ".join([*imported.comments.values(), *imported.held])
    assert "not managed by reconciler" in told and "declined" in told
    assert iban not in told and national_id not in told, told


def test_force_keeps_a_replaced_files_secret_that_another_file_names(cli: Cli, target: Path, keys: Keys) -> None:
    """M2 shares its owner with M1 and names M1's secrets: replacing m1.yaml removed them from the store,
    and m2.yaml named secrets the store no longer held."""
    cli.live.create(merchant("M1"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    first = (target / "merchants" / "m1.yaml").read_text()
    (target / "merchants" / "m2.yaml").write_text(
        first.replace('account_reference: "M1"\n', 'account_reference: "M2"\nshares_with: [M1]\n', 1)
    )
    rename_live_stakeholder(cli, "M1")
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", "--reference", "M1", "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    names = keys.store(target).names()
    assert [name for name in names if ".ada-lovelace." in name]  # m2.yaml names them


@pytest.mark.parametrize("flags", [("--all",), ("--reference", "M1")])
def test_a_merchant_retired_by_its_profile_is_left_as_it_is(
    cli: Cli, target: Path, keys: Keys, flags: tuple[str, ...]
) -> None:
    """A profile may hold ``lifecycle: retired`` as any part of a merchant file: --force rewrote such a
    merchant's file without its profiles, bringing it back under management without a word."""
    cli.live.create(merchant("M1"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    (target / "profiles").mkdir(exist_ok=True)
    (target / "profiles" / "gone.yml").write_text("lifecycle: retired\n")
    retired = (target / "merchants" / "m1.yaml").read_text().replace("\nklarna:", "\nprofiles: [gone]\nklarna:", 1)
    (target / "merchants" / "m1.yaml").write_text(retired)
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", *flags, "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    assert "M1: left as it is: retired in profiles/gone.yml (lifecycle: retired)" in done.output
    assert (target / "merchants" / "m1.yaml").read_text() == retired


def test_the_secrets_a_file_names_are_its_references_quoted_or_not_never_its_comments(tmp_path: Path) -> None:
    from reconciler.imports.files import named_secrets

    path = tmp_path / "m1.yaml"
    path.write_text(
        "# !secret M1.in-a-comment\naccount_reference: M1\nklarna:\n  account_name: 'say !secret M1.in-a-string'\n"
        '  stakeholders:\n    - date_of_birth: !secret "M1.quoted"\n      national_identification:\n'
        "        number: !secret M1.plain  # !secret M1.trailing\n"
    )
    assert named_secrets(path) == {"M1.quoted", "M1.plain"}
    assert named_secrets(tmp_path / "absent.yaml") == set()


def test_a_write_that_fails_is_named_and_leaves_no_file_naming_a_removed_secret(
    cli: Cli, target: Path, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk after the store was saved: the stale names were gone while the old file, not replaced,
    still named them; and the OSError ended the run with a traceback."""
    import errno

    from reconciler.imports import run as import_run

    cli.live.create(merchant("M1"), dintero=False)
    cli.live.create(merchant("M2"), dintero=False)
    assert cli.run("import", "--all", "--desired", str(target)).exit_code == 0
    for reference in ("M1", "M2"):
        rename_live_stakeholder(cli, reference)
    real = import_run.write_atomically

    def full_after_one(path: Path, text: str) -> None:
        if path.name == "m2.yaml":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, text)

    monkeypatch.setattr(import_run, "write_atomically", full_after_one)
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", "--all", "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 1, done.output
    assert "m2.yaml:1:1: cannot write: No space left on device; 1 file(s) were written before it" in done.output
    assert "Traceback" not in done.output
    names = keys.store(target).names()
    assert [name for name in names if name.startswith("M2.") and ".ada-lovelace." in name]  # m2.yaml's, kept
    monkeypatch.setattr(import_run, "write_atomically", real)
    again = cli.run("import", "--all", "--force", "--desired", str(target), env=identity)
    assert again.exit_code == 0, again.output
    assert not [name for name in keys.store(target).names() if ".ada-lovelace." in name]
    assert_validates_and_plans_nothing(cli, target, keys)


def test_a_merchants_folder_that_cannot_be_listed_is_named_not_a_traceback(
    cli: Cli, target: Path, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.live.create(merchant("M1"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    folder = target / "merchants"
    real = os.scandir

    def unreadable(path: Any) -> Any:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", unreadable)
    done = cli.run("import", "--unmanaged", "--desired", str(target), env={"RECONCILER_AGE_IDENTITY": keys.secret})
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output, done.output
    assert f"{folder}:1:1: cannot list the folder: Permission denied" in done.output, done.output


def test_an_imported_merchant_shows_no_sensitive_value_in_its_repr() -> None:
    """The document holds each sensitive value as a ``SecretRef``, whose repr leaves it out; the document as the
    loader would read it and the values by name hold them in clear, so a logged or printed merchant showed them."""
    from reconciler.imports.document import merchant_document
    from reconciler.live.models import KlarnaAccount

    iban, national_id, born = "NO9386011117947", "01019012345", "1990-01-01"
    account = KlarnaAccount.model_validate(
        {
            "account_id": "A1",
            "account_reference": "M1",
            "account_name": "Shop",
            "bank_accounts": [{"bank_account_type": "IBAN", "iban": iban}],
            "stakeholders": [
                {
                    "given_name": "Ada",
                    "family_name": "Lovelace",
                    "date_of_birth": born,
                    "national_identification": {"number": national_id, "country": "NO"},
                }
            ],
        }
    )
    imported = merchant_document(account, None)
    assert set(imported.secret_values.values()) == {iban, national_id, born}  # they are there, in clear
    shown = repr(imported)
    assert iban not in shown and national_id not in shown and born not in shown, shown


@pytest.mark.parametrize(
    ("number", "named"),
    [("NO9386011117947", "M1.klarna.bank_accounts.iban-7947.iban"), ("NO931234", "M1.klarna.bank_accounts.0.iban")],
    ids=["long-by-last-four", "short-by-place"],
)
def test_a_bank_account_number_too_short_is_not_named_by_its_last_four(number: str, named: str) -> None:
    """A secret's name is written in the file and printed: the last four characters of an eight-character
    number were half of it, and of a four-character one the whole."""
    from reconciler.imports.document import merchant_document
    from reconciler.live.models import KlarnaAccount

    bank_account = {"bank_account_type": "IBAN", "iban": number}
    live = {"account_id": "A1", "account_reference": "M1", "bank_accounts": [bank_account]}
    account = KlarnaAccount.model_validate(live)
    imported = merchant_document(account, None)
    assert imported.secret_values == {named: number}


def _import_m2_with_force_over(cli: Cli, target: Path, text: str) -> Result:
    """``import --reference M2 --force`` of a live M2, with ``text`` in ``merchants/m2.yaml`` before it."""
    cli.live.create(base_merchant("M2", "T11200201"), dintero=False)
    (target / "merchants").mkdir()
    (target / "merchants" / "m2.yaml").write_text(text)
    return cli.run("import", "--reference", "M2", "--force", "--desired", str(target))


def test_force_does_not_write_over_an_unparsable_file_declaring_another_merchant(
    cli: Cli, target: Path, keys: Keys
) -> None:
    # The partner's own file for merchant "m2" (not "M2"), being edited: its last line is not finished.
    mine = 'account_reference: "m2"\nklarna:\n  account_name: "Shop m2"\n  websites: [\n'
    done = _import_m2_with_force_over(cli, target, mine)
    assert done.exit_code == 0, done.output
    assert (target / "merchants" / "m2.yaml").read_text() == mine
    assert "account_reference: \"M2\"" in (target / "merchants" / "m2-2.yaml").read_text()


def test_force_does_not_write_over_an_unparsable_file_that_says_no_merchant(cli: Cli, target: Path, keys: Keys) -> None:
    """Not YAML, and no account_reference line to read: it may be anyone's, so it is kept, and nothing is written."""
    mine = "klarna: {account_name: [\n"
    done = _import_m2_with_force_over(cli, target, mine)
    assert done.exit_code == 1, done.output
    assert "m2.yaml:1:1: does not say which merchant it declares; import does not write merchant 'M2'" in done.output
    assert (target / "merchants" / "m2.yaml").read_text() == mine
    assert not (target / "secrets.age").exists()  # refused before anything was written


def test_force_repairs_an_unparsable_file_whose_reference_line_names_the_merchant(
    cli: Cli, target: Path, keys: Keys
) -> None:
    done = _import_m2_with_force_over(cli, target, "account_reference: 'M2'  # mine\nklarna: {account_name: [\n")
    assert done.exit_code == 0, done.output
    assert plan_exit(cli, target, keys) == 0


def test_a_second_profiles_import_does_not_change_the_profiles_other_merchants_list(
    cli: Cli, target: Path, keys: Keys
) -> None:
    for reference, aid, mcc in (
        ("M1", "T11200201", "5411"),
        ("M2", "T11200202", "5411"),
        ("M3", "T11200203", "5812"),
        ("M4", "T11200204", "5812"),
    ):
        document = base_merchant(reference, aid)
        document["klarna"]["payment_product"]["merchant_category_code"] = mcc
        cli.live.create(document, dintero=False)
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    first = cli.run("import", "--profiles", "--reference", "M1", "--reference", "M2", "--desired", str(target))
    assert first.exit_code == 0, first.output
    profile = target / "profiles" / "imported-1.yaml"
    before = profile.read_text()
    # Adopting step by step: the next two merchants, their values factored the same way, into profiles of
    # names no file has yet; with --force or without, the existing profile is left as it is.
    for flags in ((), ("--force",)):
        second = cli.run("import", "--profiles", "--unmanaged", *flags, "--desired", str(target), env=identity)
        assert second.exit_code == 0, second.output
        assert profile.read_text() == before, "M1's and M2's profile was rewritten with M3's and M4's values"
        assert "5812" in (target / "profiles" / "imported-2.yaml").read_text()
    plan = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=identity)
    assert plan.exit_code == 0, plan.output
