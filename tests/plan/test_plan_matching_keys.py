"""List members are matched by their natural key: a changed key (an IBAN with the same last four, a namesake
with another date of birth) is a replace, never a patch of the old object into the new; a key the API spells
otherwise (case, whitespace, Unicode form) is the same member."""

from __future__ import annotations

import copy
from typing import Any

from reconciler.compare.sides import desired_view, live_partner_view, live_view, partner_view
from reconciler.desired.models import Partner
from reconciler.live.models import DinteroAccount, KlarnaAccount, SigningKey
from reconciler.live.read import LiveMerchant
from reconciler.plan.build import plan_merchant

from .conftest import AID, REF, DesiredDir, base_merchant, iban_for
from .test_plan_normalise import _live_account


def _plan(desired: DesiredDir, file: dict[str, Any], live_body: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    desired.write(file)
    want = desired_view(desired.load().merchant(REF))
    signup = file["dintero"]["connections"]["klarna"]["signup"]
    dintero = DinteroAccount.model_validate(
        {"account_id": AID, "connections": {"klarna": {"status": "enabled", "signups": [signup]}}}
    )
    have = live_view(want, KlarnaAccount.model_validate(live_body), dintero)
    return [(op.address, op.action.value, [".".join(c.path) for c in op.changes]) for op in plan_merchant(want, have)]


def test_a_new_iban_with_the_same_last_four_characters_is_a_replace_not_a_patch_of_the_old_account(
    desired: DesiredDir,
) -> None:
    merchant = base_merchant()
    live_body = _live_account(merchant)
    old = merchant["klarna"]["bank_accounts"][0]["iban"]  # SE45 5000 0000 0583 9825 7466
    # Another account at another bank whose IBAN happens to end in the same four digits.
    new = next(iban for n in range(1000) if (iban := iban_for("SE", f"seed{n}", 20)).endswith(old[-4:]))
    assert new != old
    file = copy.deepcopy(merchant)
    file["klarna"]["bank_accounts"][0]["iban"] = new
    ops = _plan(desired, file, live_body)
    # DESIGN §3/§6: a bank account is keyed by its IBAN; a new IBAN is a replace (create the new, then
    # delete the old), as it is when the last four differ (tests/plan/test_secrets.py).
    assert [action for _, action, _ in ops] == ["replace"], ops


def test_a_stakeholder_with_another_date_of_birth_is_another_person_not_a_patch(desired: DesiredDir) -> None:
    merchant = base_merchant()
    merchant["klarna"]["stakeholders"] = [
        {"given_name": "John", "family_name": "Doe", "date_of_birth": "1950-05-05", "roles": ["OWNER"]},
    ]
    live_body = _live_account(merchant)  # the father is live
    file = copy.deepcopy(merchant)
    # The file now declares the son, a namesake: another natural key (given name, family name, birth date).
    file["klarna"]["stakeholders"] = [
        {"given_name": "John", "family_name": "Doe", "date_of_birth": "1990-01-01", "roles": ["DIRECTOR"]},
    ]
    ops = _plan(desired, file, live_body)
    # Not a patch of the father's record into the son's.
    assert [action for _, action, _ in ops] == ["replace"], ops


KEY = "webhooks primary"


def _partner_plan(desired_description: str, live_description: str) -> list[tuple[str, str, str | None]]:
    partner = Partner.model_validate({"klarna": {"signing_keys": [{"description": desired_description}]}})
    want = partner_view(partner)
    assert want is not None
    live = LiveMerchant(
        "partner", None, None, (), [SigningKey(signing_key_id="krn:key:1", description=live_description)]
    )
    have = live_partner_view(want, live)
    return [(op.address, op.action.value, op.reason) for op in plan_merchant(want, have)]


def test_a_stakeholder_the_api_spells_otherwise_is_patched_not_replaced(desired: DesiredDir) -> None:
    """A name the API keeps with a trailing space, doubled spaces or decomposed accents is the same person:
    their other fields are patched, never the person deleted and made again."""
    merchant = base_merchant()
    merchant["klarna"]["stakeholders"] = [
        {"given_name": "Åse", "family_name": "Doe", "date_of_birth": "1950-05-05", "roles": ["OWNER"]}
    ]
    live_body = _live_account(merchant)
    live_body["stakeholders"][0]["given_name"] = "A\u030ase "
    live_body["stakeholders"][0]["family_name"] = "DOE"
    file = copy.deepcopy(merchant)
    file["klarna"]["stakeholders"][0]["roles"] = ["DIRECTOR"]
    assert [action for _, action, _ in _plan(desired, file, live_body)] == ["patch"]
