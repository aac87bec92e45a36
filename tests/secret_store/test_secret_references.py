"""``!secret NAME`` in merchant files: resolved from secrets.age with the identity from the environment;
a missing name is an issue at the tag, and a store that cannot be read is one clear error."""

from __future__ import annotations

from pathlib import Path

import pyrage
import pytest

from reconciler.desired import load_desired
from reconciler.desired.load import DesiredState
from reconciler.errors import InputError, SecretsError

from .conftest import KeyPair, StoreWriter, WriteFile, new_key_pair

IBAN = "GB82WEST12345698765432"
MERCHANT = (
    "account_reference: SEC-1\n"
    "klarna:\n"
    "  account_name: !secret SEC_NAME\n"
    "  bank_accounts:\n"
    "    - iban: !secret SEC_IBAN\n"
)


def _load(directory: Path, environ: dict[str, str], *, check_only: bool = False) -> DesiredState:
    return load_desired(directory, environ=environ, notify=None, check_only=check_only)


def _issues(directory: Path, environ: dict[str, str], *, check_only: bool = False) -> list[str]:
    with pytest.raises(InputError) as caught:
        _load(directory, environ, check_only=check_only)
    return [str(issue) for issue in caught.value.issues]


def test_a_secret_resolves_from_the_store(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": IBAN})
    write("merchants/a.yaml", MERCHANT)
    state = _load(desired_dir, key.environ())
    document = state.merchant("SEC-1").wire()
    assert document["klarna"]["account_name"] == "Secret Shop AB"
    assert document["klarna"]["bank_accounts"][0]["iban"] == IBAN
    assert state.from_secrets_store("SEC-1", "klarna.bank_accounts[0].iban")
    assert not state.from_environment("SEC-1", "klarna.bank_accounts[0].iban")


def test_the_identity_may_come_from_a_file(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair, tmp_path: Path
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": IBAN})
    write("merchants/a.yaml", MERCHANT)
    key_file = tmp_path / "key.txt"
    key_file.write_text(f"# created: today\n{key.identity}\n", encoding="utf-8")
    state = _load(desired_dir, {"RECONCILER_AGE_IDENTITY_FILE": str(key_file)})
    assert state.merchant("SEC-1").wire()["klarna"]["account_name"] == "Secret Shop AB"


def test_a_missing_secret_is_an_issue_at_the_tag_with_the_files_other_problems(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair
) -> None:
    store({"SEC_NAME": "Secret Shop AB"})
    write(
        "merchants/a.yaml",
        MERCHANT.replace("  bank_accounts:", "  payment_product: {merchant_category_code: '1'}\n  bank_accounts:"),
    )
    assert _issues(desired_dir, key.environ()) == [
        "desired-state/merchants/a.yaml:4:45: klarna.payment_product.merchant_category_code: a merchant category "
        "code is 4 digits, got '1'",
        "desired-state/merchants/a.yaml:6:13: klarna.bank_accounts[0].iban: secret SEC_IBAN is not in the secrets "
        "store (add it: reconciler secrets set SEC_IBAN)",
    ]


def test_without_an_identity_planning_is_one_error_naming_the_variables(
    desired_dir: Path, write: WriteFile, store: StoreWriter
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": IBAN})
    write("merchants/a.yaml", MERCHANT)
    write("merchants/b.yaml", MERCHANT.replace("SEC-1", "SEC-2"))
    with pytest.raises(SecretsError) as caught:
        _load(desired_dir, {})
    message = str(caught.value)
    assert "RECONCILER_AGE_IDENTITY" in message and "RECONCILER_AGE_IDENTITY_FILE" in message
    assert message.count("\n") == 0


def test_without_any_secret_reference_no_identity_is_needed(
    desired_dir: Path, write: WriteFile, store: StoreWriter
) -> None:
    store({"SEC_NAME": "x" * 8})
    write("merchants/a.yaml", "account_reference: SEC-1\nklarna:\n  account_name: Plain\n")
    assert _load(desired_dir, {}).merchant("SEC-1").wire()["klarna"]["account_name"] == "Plain"


def test_a_wrong_identity_is_one_clear_error(desired_dir: Path, write: WriteFile, store: StoreWriter) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": IBAN})
    write("merchants/a.yaml", MERCHANT)
    write("merchants/b.yaml", MERCHANT.replace("SEC-1", "SEC-2"))
    with pytest.raises(SecretsError) as caught:
        _load(desired_dir, new_key_pair().environ())
    message = str(caught.value)
    assert message.startswith("desired-state/secrets.age: cannot be decrypted with the identity given")
    assert "\n" not in message and "AGE-SECRET-KEY" not in message


@pytest.mark.parametrize("damage", ["armored-payload", "binary-payload", "truncated", "not-age"])
def test_a_damaged_store_is_one_clear_error(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair, damage: str
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": IBAN})
    write("merchants/a.yaml", MERCHANT)
    path = desired_dir / "secrets.age"
    lines = path.read_text(encoding="ascii").splitlines(keepends=True)
    if damage == "armored-payload":  # one base64 character of the last body line changed
        body = lines[-2]
        lines[-2] = body[:3] + ("A" if body[3] != "A" else "B") + body[4:]
        path.write_text("".join(lines), encoding="ascii")
    elif damage == "binary-payload":  # as `age` writes without -a, then a flipped byte
        data = bytearray(pyrage.encrypt(b"SEC_NAME: x\n" * 50, [pyrage.x25519.Recipient.from_str(key.recipient)]))
        data[-5] ^= 1
        path.write_bytes(bytes(data))
    elif damage == "truncated":
        path.write_text("".join(lines[: len(lines) // 2]), encoding="ascii")
    else:
        path.write_text("SEC_NAME: not encrypted\n", encoding="ascii")
    with pytest.raises(SecretsError) as caught:
        _load(desired_dir, key.environ())
    message = str(caught.value)
    assert message.startswith("desired-state/secrets.age: is damaged or not an age file"), message
    assert "\n" not in message


def test_an_identity_that_is_not_a_key_is_refused_without_echoing_it(
    desired_dir: Path, write: WriteFile, store: StoreWriter
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": IBAN})
    write("merchants/a.yaml", MERCHANT)
    with pytest.raises(SecretsError) as caught:
        _load(desired_dir, {"RECONCILER_AGE_IDENTITY": "AGE-SECRET-KEY-1NOTAKEYATALL"})
    assert "NOTAKEYATALL" not in str(caught.value)
    assert "RECONCILER_AGE_IDENTITY" in str(caught.value)


def test_a_secret_value_is_checked_like_any_value(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": "GB00WEST12345698765432"})
    write("merchants/a.yaml", MERCHANT)
    issues = _issues(desired_dir, key.environ())
    assert len(issues) == 1 and issues[0].startswith(
        "desired-state/merchants/a.yaml:5:13: klarna.bank_accounts[0].iban:"
    )
    assert "GB00WEST" not in issues[0]


@pytest.mark.parametrize("tag", ["!secret [A, B]", "!secret {a: 1}", "!secret 'not a name'"])
def test_a_malformed_secret_reference_is_an_issue(desired_dir: Path, write: WriteFile, tag: str) -> None:
    write("merchants/a.yaml", f"account_reference: SEC-1\nklarna:\n  account_name: {tag}\n")
    issues = _issues(desired_dir, {})
    assert len(issues) == 1 and issues[0].startswith(
        "desired-state/merchants/a.yaml:3:17: klarna.account_name: !secret"
    )
