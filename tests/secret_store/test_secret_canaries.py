"""Values from the secrets store never reach any output: plan text, JSON and Markdown, the plan file,
apply's dry-run, validate and error messages, even in a field no model marks as sensitive."""

from __future__ import annotations

import pyrage
import pytest

from reconciler.desired.secret_store import SecretsStore, parse_identities, write_recipients
from tests.apply.conftest import Workspace

# Distinct values, in fields that are not marked sensitive (names) and in fields that are.
CANARIES = {
    "NB_WEBSITE_NAME": "Canary Website Qx7Vb",
    "NB_SUPPORT_EMAIL": "canary.q7x9@example.com",
    "NB_IBAN": "GB82 WEST 1234 5698 7654 32",
    "NB_OWNER_ID": "17058031337",
}
FORMS = ("Canary Website Qx7Vb", "canary.q7x9@example.com", "GB82WEST12345698765432", "GB82 WEST", "17058031337")


@pytest.fixture
def secret_workspace(workspace: Workspace) -> tuple[Workspace, dict[str, str]]:
    # A key of this test's own beside the sandbox's test key: the example's secrets stay readable.
    identity = pyrage.x25519.Identity.generate()
    test_key = parse_identities((workspace.desired / "sandbox-test-identity.txt").read_text(), "test key")
    recipients = (workspace.desired / "secrets.recipients").read_text(encoding="utf-8").split()
    write_recipients(workspace.desired, [r for r in recipients if r.startswith("age1")] + [str(identity.to_public())])
    store = SecretsStore.open(workspace.desired, test_key)
    for name, value in CANARIES.items():
        store.set(name, value)
    for replaced in ("NORDIC_BIKES_IBAN", "NORDIC_BIKES_OWNER_NATIONAL_ID"):
        assert store.remove(replaced)
    store.save()
    edits = {
        "website_name: Nordic Bikes": "website_name: !secret NB_WEBSITE_NAME",
        "email: kundeservice@example.com": "email: !secret NB_SUPPORT_EMAIL",
        "iban: !secret NORDIC_BIKES_IBAN": "iban: !secret NB_IBAN",
        "number: !secret NORDIC_BIKES_OWNER_NATIONAL_ID": "number: !secret NB_OWNER_ID",
    }
    text = workspace.merchant_file("NB-2024-0001").read_text(encoding="utf-8")
    for old, new in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    workspace.merchant_file("NB-2024-0001").write_text(text, encoding="utf-8")
    return workspace, {"RECONCILER_AGE_IDENTITY": str(identity)}


def _assert_clean(text: str) -> None:
    for form in FORMS:
        assert form not in text, form


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_plan_output_holds_no_secret_value(secret_workspace: tuple[Workspace, dict[str, str]], fmt: str) -> None:
    workspace, env = secret_workspace
    result = workspace.run("plan", "--format", fmt, "--out", "plan.json", env=env)
    assert result.exit_code == 0, result.output
    assert "nordic-bikes-web" in result.output  # the merchant is planned, masks and all
    assert "Nordic Bikes AS" in result.output  # and only the store's values are masked
    _assert_clean(result.output)
    _assert_clean((workspace.root / "plan.json").read_text(encoding="utf-8"))


def test_apply_dry_run_and_validate_hold_no_secret_value(secret_workspace: tuple[Workspace, dict[str, str]]) -> None:
    workspace, env = secret_workspace
    dry = workspace.run("apply", "--dry-run", "--auto-approve", env=env)
    assert dry.exit_code == 0, dry.output
    assert "would send POST" in dry.output
    _assert_clean(dry.output)
    checked = workspace.run("validate", env=env)
    assert checked.exit_code == 0, checked.output
    _assert_clean(checked.output)


def test_apply_sends_the_secret_value_and_prints_none(secret_workspace: tuple[Workspace, dict[str, str]]) -> None:
    workspace, env = secret_workspace
    result = workspace.run("apply", "--auto-approve", env=env)
    assert result.exit_code == 0, result.output
    _assert_clean(result.output)
    account = workspace.sandbox.accounts()["NB-2024-0001"]
    assert [w["website_name"] for w in account["websites"]] == [CANARIES["NB_WEBSITE_NAME"]]
    assert workspace.run("plan", "--detailed-exitcode", env=env).exit_code == 0


def test_an_error_about_a_secret_value_does_not_print_it(secret_workspace: tuple[Workspace, dict[str, str]]) -> None:
    workspace, env = secret_workspace
    store = SecretsStore.open(workspace.desired, [pyrage.x25519.Identity.from_str(env["RECONCILER_AGE_IDENTITY"])])
    store.set("NB_IBAN", "GB00 WEST 1234 5698 7654 32")  # a bad check digit: the model refuses it
    store.save()
    result = workspace.run("plan", env=env)
    assert result.exit_code == 1
    assert "klarna.bank_accounts[0].iban" in result.output
    assert "GB00WEST" not in result.output and "GB00 WEST" not in result.output


@pytest.mark.parametrize("problem", ["wrong-identity", "damaged-store", "no-identity"])
def test_a_store_that_cannot_be_read_is_one_line_and_exit_1(
    secret_workspace: tuple[Workspace, dict[str, str]], problem: str
) -> None:
    workspace, env = secret_workspace
    if problem == "wrong-identity":
        env = {"RECONCILER_AGE_IDENTITY": str(pyrage.x25519.Identity.generate())}
    elif problem == "damaged-store":
        path = workspace.desired / "secrets.age"
        lines = path.read_text(encoding="ascii").splitlines(keepends=True)
        lines[-2] = ("B" if lines[-2][0] == "A" else "A") + lines[-2][1:]
        path.write_text("".join(lines), encoding="ascii")
    else:  # the test key is not used off the sandbox, and the environment gives none
        env = {"RECONCILER_KLARNA_URL": "http://127.0.0.1:9", "KLARNA_API_KEY": "klarna_test_api_x"}
    for command in (("plan",), ("apply", "--auto-approve"), ("drift",)):
        result = workspace.run(*command, env=env)
        assert result.exit_code == 1, result.output
        assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("desired-state/"), result.stderr
        assert "Traceback" not in result.stderr


def test_a_stakeholder_named_from_the_store_is_not_addressed_by_its_name(
    secret_workspace: tuple[Workspace, dict[str, str]],
) -> None:
    """A stakeholder's address is a slug of its names: of a family name from the store it printed the value
    in lower case with '-' for spaces, a form the output's masking did not know."""
    workspace, env = secret_workspace
    store = SecretsStore.open(workspace.desired, [pyrage.x25519.Identity.from_str(env["RECONCILER_AGE_IDENTITY"])])
    store.set("NB_KARI_FAMILY_NAME", "Canaryfamily Qx9Zt")
    store.save()
    path = workspace.merchant_file("NB-2024-0001")
    text = path.read_text(encoding="utf-8")
    old = "    - given_name: Kari\n      family_name: Nordmann\n"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "    - given_name: Kari\n      family_name: !secret NB_KARI_FAMILY_NAME\n"))
    for fmt in ("text", "json", "markdown"):
        result = workspace.run("plan", "--format", fmt, env=env)
        assert result.exit_code == 0, result.output
        assert "qx9zt" not in result.output.lower() and "canaryfamily" not in result.output.lower(), result.output
        assert "klarna.stakeholder/kari-fp-" in result.output, result.output
