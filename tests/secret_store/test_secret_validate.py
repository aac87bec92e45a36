"""``validate`` and the secrets store: missing names at their line and unused secrets at the index's
line, from secrets.index alone when no identity is given (nothing is decrypted); with an identity, from
the store itself, values checked too. Every problem of a file comes out at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.errors import InputError

from .conftest import KeyPair, StoreWriter, WriteFile

MERCHANT = (
    "account_reference: SEC-1\n"
    "klarna:\n"
    "  account_name: !secret SEC_NAME\n"
    "  bank_accounts:\n"
    "    - iban: !secret SEC_IBAN\n"
)


def _validate(directory: Path, environ: dict[str, str]) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_desired(directory, environ=environ, notify=None, check_only=True)
    return [str(issue) for issue in caught.value.issues]


def test_validate_reads_names_from_the_index_and_never_decrypts_without_an_identity(
    desired_dir: Path, write: WriteFile, store: StoreWriter
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": "GB82WEST12345698765432"})
    # A store that could not be decrypted at all: without an identity it must not be opened.
    (desired_dir / "secrets.age").write_text("not an age file\n", encoding="utf-8")
    write("merchants/a.yaml", MERCHANT)
    state = load_desired(desired_dir, environ={}, notify=None, check_only=True)
    # The file checked for all but the values it does not have: said so, not counted as loaded.
    assert state.withheld_files == ["desired-state/merchants/a.yaml"] and state.merchants == []


def test_validate_reports_missing_and_unused_secrets_at_their_lines(
    desired_dir: Path, write: WriteFile, store: StoreWriter
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_OLD": "x" * 10, "SEC_ZOMBIE": "y" * 10})
    write("merchants/a.yaml", MERCHANT)
    assert _validate(desired_dir, {}) == [
        "desired-state/merchants/a.yaml:5:13: klarna.bank_accounts[0].iban: secret SEC_IBAN is not in the secrets "
        "store (add it: reconciler secrets set SEC_IBAN)",
        "desired-state/secrets.index:3:1: secret SEC_OLD is used by no file (remove it: reconciler secrets rm SEC_OLD)",
        "desired-state/secrets.index:4:1: secret SEC_ZOMBIE is used by no file (remove it: reconciler secrets rm "
        "SEC_ZOMBIE)",
    ]


def test_with_an_identity_validate_checks_the_values_too(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": "GB00WEST12345698765432"})
    write("merchants/a.yaml", MERCHANT)
    load_desired(desired_dir, environ={}, notify=None, check_only=True)  # names only: fine
    issues = _validate(desired_dir, key.environ())
    assert len(issues) == 1 and issues[0].startswith(
        "desired-state/merchants/a.yaml:5:13: klarna.bank_accounts[0].iban"
    )
    assert "GB00" not in issues[0]


def test_a_secret_used_only_in_partner_yaml_is_used(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": "GB82WEST12345698765432", "SEC_CI": "ci-client"})
    write("merchants/a.yaml", MERCHANT)
    write(
        "partner.yaml",
        "klarna:\n  credentials:\n    - {description: !secret SEC_CI, type: CLIENT, environment: TEST}\n",
    )
    load_desired(desired_dir, environ={}, notify=None, check_only=True)  # no "used by no file"
    assert load_desired(desired_dir, environ=key.environ(), notify=None, check_only=True).partner is not None


def test_every_problem_of_a_file_comes_out_at_once(desired_dir: Path, write: WriteFile, store: StoreWriter) -> None:
    store({"SEC_NAME": "Secret Shop AB"})
    write(
        "merchants/a.yaml",
        "account_reference: SEC-1\n"
        "klarna:\n"
        "  account_name: !env SEC_TEST_UNSET_VARIABLE\n"
        "  payment_product: {merchant_category_code: '1'}\n"
        "  bank_accounts:\n"
        "    - iban: !secret SEC_IBAN\n"
        "      bic: NOT-A-BIC\n"
        "  websites:\n"
        "    - {website_reference: !secret SEC_NAME, website_nam: typo}\n",
    )
    found = [issue.split(": ", 2)[0:2] for issue in _validate(desired_dir, {})]
    assert found == [
        ["desired-state/merchants/a.yaml:3:17", "klarna.account_name"],
        ["desired-state/merchants/a.yaml:4:45", "klarna.payment_product.merchant_category_code"],
        ["desired-state/merchants/a.yaml:6:13", "klarna.bank_accounts[0].iban"],
        ["desired-state/merchants/a.yaml:7:12", "klarna.bank_accounts[0].bic"],
        ["desired-state/merchants/a.yaml:9:45", "klarna.websites[0].website_nam"],
    ]


def test_a_config_problem_is_not_hidden_behind_the_secrets_store(
    desired_dir: Path, write: WriteFile, store: StoreWriter
) -> None:
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": "GB82WEST12345698765432"})
    write("merchants/a.yaml", MERCHANT)
    write("reconciler.yaml", "parallelism: many\n")
    with pytest.raises(InputError) as caught:
        load_desired(desired_dir, environ={}, notify=None)
    assert [str(i).split(": ")[1] for i in caught.value.issues] == ["parallelism"]


@pytest.mark.parametrize(
    "value",
    ["ZQ", "Qx7\ncanary", "Qx7Vb canary " * 100],
    ids=["shorter than masked inside text", "escaped when quoted", "cut at the message's length"],
)
def test_a_value_from_the_store_a_validator_refuses_is_not_quoted(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair, value: str
) -> None:
    """normalise_country quotes the value it refuses: the output's net masks a secret value only as written
    and from 4 characters on, so a short one, one with a line break (quoted as \\n) and one cut at 500
    characters went out."""
    store({"SEC_NAME": "Secret Shop AB", "SEC_IBAN": "GB82WEST12345698765432", "SEC_COUNTRY": value})
    write(
        "merchants/a.yaml",
        MERCHANT + "  business_information:\n    operating_address:\n      country: !secret SEC_COUNTRY\n",
    )
    [issue] = [text for text in _validate(desired_dir, key.environ()) if "country" in text]
    assert "the value of !secret SEC_COUNTRY" in issue, issue
    shown = issue.split(": ", 1)[1]
    assert value.strip() not in shown and repr(value.strip())[1:-1] not in shown
    assert "Qx7" not in shown and "ZQ" not in shown, issue
