"""Bank account hashing at load time: the setting in reconciler.yaml, Klarna's preprocessing, the salt's
sources, and a desired state that keeps only hashes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2.low_level import Type, hash_secret_raw

from reconciler.config import BankAccountHashing
from reconciler.desired import load_desired
from reconciler.desired.bank_hashing import BankAccountHasher, sanitize
from reconciler.errors import InputError

SALT = "SALTCANARY-0e4b7d12"
CHEAP = "time_cost: 1, memory_cost_kib: 64, parallelism: 1"
IBAN = "NO9386011117947"
MERCHANT = """\
account_reference: M1
klarna:
  account_name: M One
  bank_accounts:
    - {account_holder: M One, iban: "no93 8601\\t1117 947"}
dintero:
  account_id: T11200101
  connections:
    common:
      signup:
        payment_options: [{type: swish.swish, currencies: [SEK]}]
        bank_accounts:
          - {account_number: "NO93 8601 1117 947", account_number_type: iban, bank_name: Testbanken}
"""


def settings(**overrides: object) -> BankAccountHashing:
    values: dict[str, object] = {"salt_env": "SALT", "time_cost": 1, "memory_cost_kib": 64, "parallelism": 1}
    return BankAccountHashing.model_validate({**values, **overrides})


def reference_hash(text: str, salt: str = SALT, length: int = 32) -> str:
    return base64.b64encode(hash_secret_raw(text.encode(), salt.encode(), 1, 64, 1, length, Type.ID)).decode()


def test_klarnas_preprocessing_removes_every_whitespace_and_upper_cases() -> None:
    assert sanitize(" de19 1231\t2312\n") == "DE1912312312"
    hasher = BankAccountHasher(settings(), SALT.encode())
    assert hasher.hashed("de19 1231 2312")["value"] == hasher.hashed("DE1912312312")["value"]
    assert hasher.hashed("DE1912312312")["value"] == reference_hash("DE1912312312")


def test_the_parameters_and_the_salt_change_the_hash() -> None:
    one = BankAccountHasher(settings(), SALT.encode()).hashed(IBAN)["value"]
    assert BankAccountHasher(settings(), b"another-salt").hashed(IBAN)["value"] != one
    longer = BankAccountHasher(settings(hash_length=64), SALT.encode()).hashed(IBAN)["value"]
    assert longer == reference_hash(IBAN, length=64) and len(base64.b64decode(longer)) == 64
    assert SALT not in repr(BankAccountHasher(settings(), SALT.encode()))


def test_the_desired_state_keeps_klarna_ibans_as_hashes_only(
    write: Callable[[str, str], Path], desired_dir: Path
) -> None:
    write("reconciler.yaml", f"klarna:\n  bank_account_hashing: {{salt_env: SALT, {CHEAP}}}\n")
    write("merchants/m1.yaml", MERCHANT)
    state = load_desired(desired_dir, environ={"SALT": f"  {SALT}\n"})  # surrounding whitespace is not the salt's
    (merchant,) = state.merchants
    document = merchant.wire()
    (account,) = document["klarna"]["bank_accounts"]
    assert "iban" not in account
    assert account["iban_hash"]["value"] == reference_hash(IBAN)
    assert IBAN not in json.dumps(document["klarna"]) and SALT.encode() not in merchant.canonical
    # Dintero takes the number itself: its signup is untouched.
    (dintero_account,) = document["dintero"]["connections"]["common"]["signup"]["bank_accounts"]
    assert dintero_account["account_number"] == IBAN


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("{salt_env: SALT, salt_secret: s}", "give exactly one of salt_secret"),
        ("{time_cost: 1}", "give exactly one of salt_secret"),
        ("{salt_env: SALT, time_cost: '2'}", "klarna.bank_account_hashing.time_cost: Input should be a valid integer"),
        ("{salt_env: SALT, salts: x}", "klarna.bank_account_hashing.salts: unknown field"),
        ("{salt_env: SALT, memory_cost_kib: 16, parallelism: 4}", "at least 8 × parallelism"),
        ("{salt_env: 'NOT A NAME'}", "klarna.bank_account_hashing.salt_env"),
    ],
)
def test_the_setting_is_strict(
    write: Callable[[str, str], Path], desired_dir: Path, setting: str, message: str
) -> None:
    write("reconciler.yaml", f"parallelism: 2\nklarna:\n  bank_account_hashing: {setting}\n")
    with pytest.raises(InputError) as raised:
        load_desired(desired_dir, environ={"SALT": SALT})
    text = str(raised.value)
    assert message in text and "reconciler.yaml:3:" in text, text


@pytest.mark.parametrize(
    ("setting", "environ", "message"),
    [
        ("salt_env: SALT", {}, "reconciler.yaml:2:36: klarna.bank_account_hashing.salt_env: environment variable SALT"),
        ("salt_env: SALT", {"SALT": "short"}, "the salt is shorter than 8 bytes"),
        (
            "salt_secret: bank_salt",
            {},
            "klarna.bank_account_hashing.salt_secret: secret bank_salt is not in secrets.age",
        ),
        (
            "salt_env: KLARNA_API_KEY",
            {"KLARNA_API_KEY": "klarna_test_api_key_that_is_long"},
            "klarna.bank_account_hashing.salt_env: KLARNA_API_KEY holds a credential of the reconciler",
        ),
    ],
)
def test_a_salt_that_cannot_be_had_is_an_error_at_the_setting(
    write: Callable[[str, str], Path], desired_dir: Path, setting: str, environ: dict[str, str], message: str
) -> None:
    write("reconciler.yaml", f"klarna:\n  bank_account_hashing: {{{setting}, {CHEAP}}}\n")
    write("merchants/m1.yaml", MERCHANT)
    with pytest.raises(InputError) as raised:
        load_desired(desired_dir, environ=environ)
    assert message in str(raised.value)
    assert "short" not in str(raised.value).replace("shorter", "")


def test_an_account_several_merchants_use_is_one_hash_to_compute() -> None:
    """The notice counts hashes a load computes: an IBAN written twice (or in two merchants sharing it) is one."""
    hasher = BankAccountHasher(settings(), SALT.encode())
    one = json.dumps({"klarna": {"bank_accounts": [{"iban": "NO93 8601 1117 947"}, {"iban": IBAN}]}}).encode()
    other = json.dumps({"klarna": {"bank_accounts": [{"iban": "no9386011117947"}]}}).encode()
    assert len(hasher.uncached([one, other])) == 1
