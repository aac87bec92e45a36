"""Live values are read as the desired models read theirs: an IP address, a signup's case_id, a BIC and an email
the API keeps in another spelling are no change (they were a patch on every plan, a block for ever, or a new
signup over a pending one)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from reconciler.compare.sides import desired_view, live_view
from reconciler.live.models import DinteroAccount, KlarnaAccount
from reconciler.plan.build import plan_merchant

from .conftest import AID, REF, DesiredDir, base_merchant
from .test_plan_normalise import _live_account


def _plan(
    desired: DesiredDir,
    file: dict[str, Any],
    live_body: dict[str, Any],
    signup: dict[str, Any],
    status: str = "enabled",
) -> list[tuple[str, str, list[str]]]:
    desired.write(file)
    want = desired_view(desired.load().merchant(REF))
    dintero = DinteroAccount.model_validate(
        {"account_id": AID, "connections": {"klarna": {"status": status, "signups": [signup]}}}
    )
    have = live_view(want, KlarnaAccount.model_validate(live_body), dintero)
    return [(op.address, op.action.value, [".".join(c.path) for c in op.changes]) for op in plan_merchant(want, have)]


def test_an_ipv6_address_klarna_holds_in_another_spelling_is_not_blocked_on_every_plan(desired: DesiredDir) -> None:
    merchant = base_merchant()
    merchant["klarna"]["account_information"]["account_created_from_ip"] = "2001:db8::7"
    live_body = _live_account(merchant)
    # The same address as set once by another tool (upper case / uncompressed: RFC 4291 allows both).
    for spelling in ("2001:DB8::7", "2001:0db8:0000:0000:0000:0000:0000:0007"):
        live_body["account_information"] = {**live_body["account_information"], "account_created_from_ip": spelling}
        signup = merchant["dintero"]["connections"]["klarna"]["signup"]
        # Else a set-once field found changed: blocked on every plan for ever (apply exits 5, drift reports it).
        assert _plan(desired, merchant, live_body, signup) == [], spelling


@pytest.mark.parametrize("status", ["pending", "enabled"])
def test_a_case_id_dintero_holds_in_upper_case_is_not_a_new_signup(desired: DesiredDir, status: str) -> None:
    merchant = base_merchant()
    signup = copy.deepcopy(merchant["dintero"]["connections"]["klarna"]["signup"])
    signup["case_id"] = signup["case_id"].upper()  # the same UUID (RFC 4122: case-insensitive on input)
    # Else a new signup over the pending one (force_new_signup), or blocked for ever once enabled.
    assert _plan(desired, merchant, _live_account(merchant), signup, status) == []


SPELLINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    # A BIC is case-insensitive; the desired model upper-cases it (``normalise_bic``).
    "bic in lower case": lambda body: body["bank_accounts"][0].update(bic="ndeasess"),
    # The domain of an address is case-insensitive; the desired model lower-cases it (``normalise_email``).
    "email domain in upper case": lambda body: body["account_owner"].update(email="ada@EXAMPLE.COM"),
}


@pytest.mark.parametrize("spell", list(SPELLINGS.values()), ids=list(SPELLINGS))
def test_values_the_desired_model_normalises_are_normalised_on_the_live_side_too(
    desired: DesiredDir, spell: Callable[[dict[str, Any]], None]
) -> None:
    merchant = base_merchant()
    live_body = _live_account(merchant)
    spell(live_body)
    signup = merchant["dintero"]["connections"]["klarna"]["signup"]
    assert _plan(desired, merchant, live_body, signup) == []
