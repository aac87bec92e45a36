"""``klarna.bank_account``: a settlement bank account, keyed by its IBAN.

The address prints the IBAN's last four characters only. Klarna requires ``bank_account_type`` on
create; the merchant model's default is not "declared", so the create body adds it.
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
        return str(fields.get("iban") or "")  # both sides arrive normalised (no spaces, upper case)

    def display(self, fields: Mapping[str, Any]) -> str:
        return "iban-" + str(fields.get("iban", ""))[-4:]

    def create_body(self, want: ResourceState) -> BaseModel:
        return body({"bank_account_type": "IBAN", **want.fields})
