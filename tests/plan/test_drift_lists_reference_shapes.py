"""A drift read from the account lists matches an account as a read by reference does: also when Klarna
answers the reference as a JSON number, which the client's models read as its text."""

from __future__ import annotations

from fastapi import FastAPI

from .conftest import DesiredDir, Live, base_merchant, summarise
from .test_drift_lists import drift, put_raw


def test_a_reference_answered_as_a_number_gives_the_lists_the_plan_a_read_per_merchant_gives(
    desired: DesiredDir, live: Live, sandbox_app: FastAPI
) -> None:
    for reference, aid in (("100001", "T11200301"), ("PT-0002", "T11200302")):
        merchant = base_merchant(reference, aid)
        desired.write(merchant)
        live.create(merchant)
    put_raw(sandbox_app, "100001", {"account_reference": 100001})
    state = desired.load()
    each, _ = drift(sandbox_app, state, from_lists=False)
    lists, _ = drift(sandbox_app, state, from_lists=True)
    assert summarise(each) == []  # read by reference: the account is found, in sync
    # From the lists the account was not matched: every resource of 100001 planned as a create (an onboard
    # of a merchant that exists), and drift exits 2 on a fleet in sync.
    assert summarise(lists) == summarise(each)
