"""No noise: list order, formatting and server-side spelling never make a change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.compare.sides import desired_view, live_view
from reconciler.desired.load import load_desired
from reconciler.live.models import DinteroAccount, KlarnaAccount
from reconciler.plan import build_plan

from .conftest import AID, REF, DesiredDir, Live, Planner, addr, base_merchant, summarise

Merchant = dict[str, Any]
EXAMPLES = Path(__file__).resolve().parents[2] / "desired-state"


def _reverse(items: list[Any]) -> None:
    items.reverse()


REORDERINGS: dict[str, Callable[[Merchant], None]] = {
    "stakeholder roles": lambda m: _reverse(m["klarna"]["stakeholders"][0]["roles"]),
    "stakeholders": lambda m: _reverse(m["klarna"]["stakeholders"]),
    "bank accounts": lambda m: _reverse(m["klarna"]["bank_accounts"]),
    "websites": lambda m: _reverse(m["klarna"]["websites"]),
    "social media links": lambda m: _reverse(m["klarna"]["collections"][0]["social_media_links"]),
    "enablement markets": lambda m: _reverse(
        m["klarna"]["payment_program_enablements"][0]["enablement_criteria"]["markets"]
    ),
    "signup currencies": lambda m: _reverse(
        m["dintero"]["connections"]["klarna"]["signup"]["payment_options"][0]["currencies"]
    ),
}


@pytest.mark.parametrize("reorder", list(REORDERINGS.values()), ids=list(REORDERINGS))
def test_reordered_lists_give_no_change(
    reorder: Callable[[Merchant], None], synced: Merchant, desired: DesiredDir, planner: Planner
) -> None:
    reorder(synced)
    desired.write(synced)
    assert planner.plan(desired.load()).operations == ()


def test_several_payment_options_in_any_order_give_no_change(desired: DesiredDir, live: Live, planner: Planner) -> None:
    merchant = base_merchant()
    merchant["dintero"]["connections"]["common"] = {
        "signup": {
            "payment_options": [
                {"type": "swish.swish", "currencies": ["SEK"]},
                {"type": "dintero.zero", "currencies": ["SEK", "NOK"]},
            ],
            "revenue": {
                "estimated_percentage_per_payment_type": [
                    {"type": "swish.swish", "percentage": 70},
                    {"type": "klarna.klarna", "percentage": 30},
                ]
            },
        }
    }
    live.create(merchant)
    signup = merchant["dintero"]["connections"]["common"]["signup"]
    signup["payment_options"].reverse()
    signup["payment_options"][0]["currencies"].reverse()
    signup["revenue"]["estimated_percentage_per_payment_type"].reverse()
    desired.write(merchant)
    assert planner.plan(desired.load()).operations == ()


def test_yaml_spellings_that_normalise_to_the_live_values_give_no_change(
    synced: Merchant, desired: DesiredDir, planner: Planner
) -> None:
    k = synced["klarna"]
    k["payment_product"]["merchant_category_code"] = 5411  # a number, not "5411"
    k["account_owner"]["phone"] = "+46 70 123 45 67"
    k["business_information"]["operating_address"]["country"] = "se"
    k["bank_accounts"][0]["iban"] = "se45 5000 0000 0583 9825 7466"
    k["account_information"]["account_created_at"] = "2024-01-01T13:00:00+01:00"
    k["payment_program_enablements"][0]["enablement_criteria"]["markets"][0] = {
        "customer_country": "se",
        "currency": "sek",
    }
    synced["dintero"]["connections"]["klarna"]["signup"]["mcc"] = "5411"
    desired.write(synced)
    assert planner.plan(desired.load()).operations == ()


def test_a_changed_list_member_is_still_a_change(synced: Merchant, desired: DesiredDir, planner: Planner) -> None:
    synced["klarna"]["stakeholders"][0]["roles"] = ["OWNER", "DIRECTOR"]  # one role fewer, same order
    desired.write(synced)
    plan = planner.plan(desired.load())
    assert summarise(plan) == [(addr("klarna.stakeholder", "ada-lovelace"), "patch", ("roles",))]
    assert plan.operations[0].changes[0].before == ["OWNER", "DIRECTOR", "SIGNATORY"]


def test_the_examples_in_sync_with_the_sandbox_plan_empty(desired: DesiredDir, live: Live, planner: Planner) -> None:
    """Every example merchant, put live through the API as loaded, plans to nothing."""
    for merchant in load_desired(EXAMPLES, environ={}).merchants:
        document = merchant.wire()
        desired.write(document)
        live.create(document)
    assert planner.plan(desired.load()).operations == ()


# --- live values in other spellings (the sandbox stores normal forms, so these are built by hand) ---


def _live_account(merchant: Merchant, **overrides: Any) -> dict[str, Any]:
    """The wire form of a merchant's Klarna account as an API might spell it."""
    k = merchant["klarna"]
    product = {
        "product_id": "krn:product:1",
        "type": "PAYMENT",
        "distribution_profile_id": k["payment_product"]["distribution_profile_id"],
        "merchant_category_code": k["payment_product"]["merchant_category_code"],
        "state": "ENABLED",
    }
    body: dict[str, Any] = {
        "account_id": "krn:account:1",
        "account_reference": merchant["account_reference"],
        "account_name": k["account_name"],
        "account_group_reference": k["account_group_reference"],
        "account_owner": dict(k["account_owner"]),
        "products": [product],
        "websites": [dict(w, website_id=f"w{i}") for i, w in enumerate(k["websites"])],
        "collections": [dict(c, collection_id=f"c{i}") for i, c in enumerate(k["collections"])],
        "account_information": k["account_information"],
        "business_information": k["business_information"],
        "stakeholders": [dict(s, stakeholder_id=f"s{i}") for i, s in enumerate(k["stakeholders"])],
        "settlement_information": k["settlement"],
        "bank_accounts": [dict(b, bank_account_id=f"b{i}") for i, b in enumerate(k["bank_accounts"])],
        "payment_program_enablements": [
            dict(e, payment_program_enablement_id=f"e{i}", product_id="krn:product:1")
            for i, e in enumerate(k["payment_program_enablements"])
        ],
    }
    for path, value in overrides.items():
        target: Any = body
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return body


LIVE_SPELLINGS: dict[str, dict[str, Any]] = {
    "numeric MCC": {"products.0.merchant_category_code": 5411},
    "lower-case country": {
        "stakeholders.0.address": {
            "street_address": "Provgatan 1",
            "postal_code": "111 22",
            "city": "Stockholm",
            "country": "se",
        }
    },
    "spaced lower-case IBAN": {"bank_accounts.0.iban": "se45 5000 0000 0583 9825 7466"},
    "phone without +": {"account_owner.phone": "46701234567"},
    "phone with 00": {"collections.0.support_contact": {"email": "help@example.com", "phone": "0046701234568"}},
    "timestamp with an offset": {
        "account_information": {
            "account_created_from_ip": "192.0.2.7",
            "account_created_at": "2024-01-01T14:00:00+02:00",
        }
    },
    "lower-case market": {
        "payment_program_enablements.0.enablement_criteria": {
            "markets": [{"customer_country": "no", "currency": "nok"}, {"customer_country": "se", "currency": "sek"}],
            "merchant_category_codes": [5411],
        }
    },
}


@pytest.mark.parametrize("overrides", list(LIVE_SPELLINGS.values()), ids=list(LIVE_SPELLINGS))
def test_live_spellings_normalise_to_no_change(overrides: dict[str, Any], desired: DesiredDir) -> None:
    merchant = base_merchant()
    desired.write(merchant)
    state = desired.load()
    want = desired_view(state.merchant(REF))
    account = KlarnaAccount.model_validate(_live_account(merchant, **overrides))
    signup = merchant["dintero"]["connections"]["klarna"]["signup"]
    dintero = DinteroAccount.model_validate(
        {"account_id": AID, "connections": {"klarna": {"status": "pending", "signups": [signup]}}}
    )
    plan = build_plan([want], {REF: live_view(want, account, dintero)}, "sha256:test")
    assert plan.operations == ()


def test_a_live_value_that_does_not_normalise_shows_as_a_change(desired: DesiredDir) -> None:
    merchant = base_merchant()
    desired.write(merchant)
    want = desired_view(desired.load().merchant(REF))
    account = KlarnaAccount.model_validate(_live_account(merchant, **{"account_owner.phone": "070-123 45 67"}))
    plan = build_plan([want], {REF: live_view(want, account, None)}, "sha256:test")
    assert summarise(plan)[0] == (addr("klarna.account"), "patch", ("account_owner.phone",))
    assert plan.operations[0].changes[0].before == "070-123 45 67"
