"""A secret name shaped like a sensitive value (the value typed where its name goes) is never printed as it is."""

from __future__ import annotations

from pathlib import Path

import pyrage
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.desired.secret_store import SecretsStore, write_recipients

from .conftest import KeyPair, StoreWriter, WriteFile

IBAN_NAME = "DE89370400440532013000"  # an IBAN, and a valid secret name
IMPORTED = "NB-2024-0001.klarna.bank_accounts.iban-3000.iban"  # as import names one: shown as it is


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [*args], input=stdin, env=env or {}, catch_exceptions=False)


def test_list_masks_a_name_that_looks_like_an_iban(desired_dir: Path, store: StoreWriter) -> None:
    store({IBAN_NAME: "value", "SHOP_IBAN": "other", IMPORTED: "third"})
    listed = run("secrets", "list", "--desired", str(desired_dir))
    assert listed.exit_code == 0, listed.output
    assert IBAN_NAME not in listed.output and "370400440532013000" not in listed.output
    lines = listed.stdout.splitlines()
    assert "SHOP_IBAN" in lines and IMPORTED in lines
    assert len(lines) == 3 and any(line.startswith("****") for line in lines)


def test_set_refuses_a_name_that_looks_like_a_value_without_echoing_it(desired_dir: Path, key: KeyPair) -> None:
    write_recipients(desired_dir, [key.recipient])
    refused = run("secrets", "set", IBAN_NAME, "--desired", str(desired_dir), stdin="v\n", env=key.environ())
    assert refused.exit_code == 1
    assert "looks like a sensitive value" in refused.output and "nothing was written" in refused.output
    assert "370400440532013000" not in refused.output
    assert not (desired_dir / "secrets.age").exists()
    # A name import makes (a reference with a year in it) is still one to set.
    kept = run("secrets", "set", IMPORTED, "--desired", str(desired_dir), stdin="v\n", env=key.environ())
    assert kept.exit_code == 0, kept.output
    assert IMPORTED in kept.output


def test_rm_and_validate_mask_a_name_that_looks_like_a_value(
    desired_dir: Path, store: StoreWriter, key: KeyPair, write: WriteFile
) -> None:
    store({IBAN_NAME: "value", "SHOP_IBAN": "other"})
    # An unused secret, and a !secret naming an IBAN the store does not hold: both reported, both masked.
    write("merchants/m1.yaml", "account_reference: M1\nklarna:\n  account_name: !secret GB82WEST12345698765432\n")
    checked = run("validate", "--desired", str(desired_dir), env=key.environ())
    assert checked.exit_code == 1
    assert "is used by no file" in checked.output and "is not in the secrets store" in checked.output
    assert "370400440532013000" not in checked.output and "12345698765432" not in checked.output
    removed = run("secrets", "rm", IBAN_NAME, "--desired", str(desired_dir), env=key.environ())
    assert removed.exit_code == 0, removed.output
    assert "370400440532013000" not in removed.output and "Removed ****" in removed.output
    missing = run("secrets", "rm", IBAN_NAME, "--desired", str(desired_dir), env=key.environ())
    assert missing.exit_code == 1 and "370400440532013000" not in missing.output
    assert SecretsStore.open(desired_dir, [pyrage.x25519.Identity.from_str(key.identity)]).names() == ["SHOP_IBAN"]



def test_a_name_that_looks_like_a_value_is_masked_when_two_merchants_share_it(
    desired_dir: Path, store: StoreWriter, key: KeyPair, write: WriteFile
) -> None:
    store({IBAN_NAME: "Shared Shop AB"})
    for reference in ("M1", "M2"):
        write(
            f"merchants/{reference.lower()}.yaml",
            f"account_reference: {reference}\nklarna:\n  account_name: !secret {IBAN_NAME}\n",
        )
    checked = run("validate", "--desired", str(desired_dir), env=key.environ())
    assert checked.exit_code == 1
    assert "is also used by another merchant" in checked.output
    assert "370400440532013000" not in checked.output


def test_a_name_import_makes_for_a_list_item_with_a_numeric_key_is_shown_and_can_be_set(
    desired_dir: Path, key: KeyPair
) -> None:
    """The natural key of a collection (``999888777``) is in every plan's addresses: a name import gives a
    value under its branding was masked in listings and refused by ``secrets set``, so it could not be changed."""
    name = "M1.klarna.collections.999888777.branding.api_key"
    write_recipients(desired_dir, [key.recipient])
    kept = run("secrets", "set", name, "--desired", str(desired_dir), stdin="v\n", env=key.environ())
    assert kept.exit_code == 0, kept.output
    listed = run("secrets", "list", "--desired", str(desired_dir), env=key.environ())
    assert listed.stdout.splitlines() == [name]
    # A sensitive-looking place is still judged: a value typed after the list item's key.
    typed = "M1.klarna.collections.999888777.DE89370400440532013000"
    refused = run("secrets", "set", typed, "--desired", str(desired_dir), stdin="v\n", env=key.environ())
    assert refused.exit_code == 1 and "370400440532013000" not in refused.output
