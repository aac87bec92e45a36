"""The sandbox's Klarna bank accounts in hashed form (``iban_hash``): stored and answered as given, no clear number."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from tests.sandbox.klarna.test_klarna_resources import IBAN, account, problem

__all__ = ["account"]  # the fixture, used by name

HASH = base64.b64encode(bytes(range(32))).decode()
OTHER_HASH = base64.b64encode(bytes(range(1, 33))).decode()


def hashed(value: str = HASH) -> dict[str, str]:
    return {"value": value, "sanitization_method": "REMOVE_WHITESPACE_UPPERCASE", "hashing_method": "ARGON2ID"}


def _path(account: dict[str, Any]) -> str:
    return account["base"] + "/settlement-information/bank-accounts"


def test_a_hashed_bank_account_is_kept_and_answered_as_given(klarna: TestClient, account: dict[str, Any]) -> None:
    body = {"bank_account_type": "IBAN", "account_holder": "John Doe", "iban_hash": hashed()}
    created = klarna.post(_path(account), json=body)
    assert created.status_code == 201, created.text
    stored = created.json()
    assert stored["iban_hash"] == hashed() and "iban" not in stored
    assert klarna.get(_path(account)).json() == [stored]
    expanded = klarna.get(account["base"], params={"expand": "bank_accounts"}).json()
    assert expanded["bank_accounts"] == [stored]
    one = f"{_path(account)}/{stored['bank_account_id']}"
    assert klarna.patch(one, json={"account_holder": "J. Doe"}).json() == {**stored, "account_holder": "J. Doe"}


def test_hashed_and_clear_numbers_are_unique_and_exclusive(klarna: TestClient, account: dict[str, Any]) -> None:
    base = {"bank_account_type": "IBAN", "account_holder": "John Doe"}
    problem(klarna.post(_path(account), json=base), 400, "VALIDATION_ERROR")  # neither
    problem(klarna.post(_path(account), json={**base, "iban": IBAN, "iban_hash": hashed()}), 400, "VALIDATION_ERROR")
    assert klarna.post(_path(account), json={**base, "iban_hash": hashed()}).status_code == 201
    problem(klarna.post(_path(account), json={**base, "iban_hash": hashed()}), 409, "RESOURCE_CONFLICT")
    # A hash and an IBAN never collide, and another hash is another account.
    clear = klarna.post(_path(account), json={**base, "iban": IBAN})
    assert clear.status_code == 201
    assert klarna.post(_path(account), json={**base, "iban_hash": hashed(OTHER_HASH)}).status_code == 201
    # Patched to its hash, the clear account keeps no number in clear.
    one = f"{_path(account)}/{clear.json()['bank_account_id']}"
    problem(klarna.patch(one, json={"iban_hash": hashed(OTHER_HASH)}), 409, "RESOURCE_CONFLICT")
    third = base64.b64encode(bytes(range(2, 34))).decode()
    patched = klarna.patch(one, json={"iban_hash": hashed(third)}).json()
    assert "iban" not in patched and patched["iban_hash"]["value"] == third


def test_a_hash_must_look_like_an_argon2id_output(klarna: TestClient, account: dict[str, Any]) -> None:
    base = {"bank_account_type": "IBAN", "account_holder": "John Doe"}
    for wrong in (
        {"iban_hash": hashed(IBAN)},  # a clear number where the hash goes: refused, not kept
        {"iban_hash": hashed(base64.b64encode(b"short").decode())},
        {"iban_hash": {**hashed(), "sanitization_method": "NONE"}},
        {"iban_hash": {"value": HASH}},
    ):
        response = klarna.post(_path(account), json={**base, **wrong})
        problem(response, 400, "VALIDATION_ERROR")
        assert IBAN not in response.text
    assert klarna.get(_path(account)).json() == []
