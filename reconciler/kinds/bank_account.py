"""``klarna.bank_account``: a settlement bank account, keyed by its IBAN, or by its hash.

The address prints the IBAN's last four characters only. With bank account hashing on
(``desired.bank_hashing``) both sides carry ``iban_hash`` instead of ``iban``: the account is keyed by
the hash's value and printed by the hash's last four characters, so plans compare hash with hash.
A live account sent in clear and a desired one hashed have different keys: turning hashing on shows as
a replace of each account (the hashed one created, then the clear one deleted). Klarna requires
``bank_account_type`` on create; the merchant model's default is not "declared", so the create body adds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from reconciler.kinds.members import AccountMembers
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.kinds.state import ResourceState
from reconciler.kinds.writes import body
from reconciler.live.klarna import KlarnaClient
from reconciler.sensitive import last_four


@register
class BankAccount(AccountMembers):
    name = ResourceKind.BANK_ACCOUNT
    title = "a bank account"
    section = attribute = "bank_accounts"
    id_field = "bank_account_id"
    replaceable = True
    create_route, patch_route, delete_route = "create_bank_account", "patch_bank_account", "delete_bank_account"
    create_call = staticmethod(KlarnaClient.create_bank_account)
    patch_call = staticmethod(KlarnaClient.patch_bank_account)
    delete_call = staticmethod(KlarnaClient.delete_bank_account)

    def identity(self, fields: Mapping[str, Any]) -> str:
        hashed = _hash_value(fields)
        if hashed is not None:
            return "hash:" + hashed  # never equal to an IBAN, which has no ':'
        return str(fields.get("iban") or "")  # both sides arrive normalised (no spaces, upper case)

    def display(self, fields: Mapping[str, Any]) -> str:
        hashed = _hash_value(fields)
        if hashed is not None:
            # Base64's '+' and '/' would not read well in an address ('/' separates its parts).
            tail = hashed.rstrip("=").replace("+", "-").replace("/", "_")[-4:]
            return "hash-" + tail
        # A live IBAN too short to show its last four (``last_four``) is shown by none of it.
        return "iban-" + last_four(str(fields.get("iban", "")))

    def create_body(self, want: ResourceState) -> BaseModel:
        return body({"bank_account_type": "IBAN", **want.fields})


def _hash_value(fields: Mapping[str, Any]) -> str | None:
    hashed = fields.get("iban_hash")
    value = hashed.get("value") if isinstance(hashed, Mapping) else None
    return value if isinstance(value, str) and value else None
