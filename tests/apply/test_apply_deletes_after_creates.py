"""Deletes of a kind come after its creates: DESIGN.md §6 "a replaced resource (a new natural key, such as a new
IBAN) is created before the old one is deleted". Two new IBANs in place of two old ones are not paired into
replaces (the pairing would be a guess): the plan still orders every delete of the kind after its creates, so a
create that fails never leaves the merchant with fewer accounts than before."""

from __future__ import annotations

from tests.plan.conftest import (  # noqa: F401  (fixtures)
    DesiredDir,
    Live,
    Planner,
    base_merchant,
    desired,
    iban_for,
    live,
    planner,
)


def test_new_bank_accounts_are_created_before_the_old_ones_are_deleted(
    desired: DesiredDir,  # noqa: F811
    live: Live,  # noqa: F811
    planner: Planner,  # noqa: F811
) -> None:
    merchant = base_merchant()
    merchant.pop("dintero")
    desired.write(merchant)
    live.create(merchant, dintero=False)
    se, de = merchant["klarna"]["bank_accounts"]
    se["iban"] = iban_for("SE", "a new one", 20)  # ends in another four than the old ones
    de["iban"] = iban_for("DE", "another new one", 18)
    desired.write(merchant)
    plan = planner.plan(desired.load())
    actions = [(op.action.value, op.address) for op in plan.operations if op.resource.value == "klarna.bank_account"]
    assert sorted(a for a, _ in actions) == ["create", "create", "delete", "delete"], actions
    kinds = [a for a, _ in actions]
    assert kinds == ["create", "create", "delete", "delete"], actions
