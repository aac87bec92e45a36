"""The fixed Klarna catalogue the sandbox serves: distribution profiles, payment program plans and programs.

Built from the examples of the Management API reference. Programs are listed per market, as the reference does:
one program id appears once per (customer_country, currency) it is offered in.

- ``PRESET`` programs are always on and cannot be enabled or disabled by the partner;
- ``OPTIONAL`` programs are switched on by creating a payment program enablement on a payment product.
"""

from __future__ import annotations

from typing import Any

PROFILE_PREFIX = "krn:partner:global:account:distribution-profile:"
PROGRAM_PREFIX = "krn:payment:global:payment:program:"

DEFAULT_DISTRIBUTION_PROFILE_ID = PROFILE_PREFIX + "206bbb83-9b6e-46fa-940d-337153c04a58"

DISTRIBUTION_PROFILES: list[dict[str, str]] = [
    {
        "distribution_profile_id": DEFAULT_DISTRIBUTION_PROFILE_ID,
        "price_plan_id": "krn:partner:global:pricing:payments:price-plan:171080e7-2637-4675-a224-ec032723ebdf",
    },
    {
        "distribution_profile_id": PROFILE_PREFIX + "5f0c2a7e-3d41-4c59-9b0e-1f6b8a4e2d17",
        "price_plan_id": "krn:partner:global:pricing:payments:price-plan:8e3d9b21-64a0-4f7c-b5d2-7a0c1e9f4b63",
    },
]
DISTRIBUTION_PROFILE_IDS = frozenset(p["distribution_profile_id"] for p in DISTRIBUTION_PROFILES)

PLAN_ID = "krn:partner:global:payment:program:plan:33deb549-aa35-4102-b9ec-56c527386111"

PAYMENT_PROGRAM_PLANS: list[dict[str, Any]] = [
    {
        "payment_program_plan_id": PLAN_ID,
        "payment_program_plan_name": "Klarna Standard Payment Program Plan",
        "versions": [
            {
                "version": 1,
                "effective_from": "2023-05-01T00:00:00Z",
                "effective_to": "2024-12-31T12:00:00Z",
                "comment": "Currently Active",
            },
            {"version": 2, "effective_from": "2025-01-01T12:00:00Z", "comment": "Effective post 1 Jan 2025"},
        ],
    }
]

PAY_LATER_ID = PROGRAM_PREFIX + "e761e20e-844d-4516-b21a-4de1d345ffc4"
# The reference spells this id with a nine-character first group; it is kept verbatim so its examples work.
FINANCING_ID = PROGRAM_PREFIX + "a5cd46f7e-573d-4b02-bab8-1f1c0e343291"
EXTENDED_DELIVERY_ID = PROGRAM_PREFIX + "df89148e-014e-4e9f-8218-4c1c9617791b"

PROGRAM_DETAILS: dict[str, dict[str, Any]] = {
    PAY_LATER_ID: {
        "payment_program_id": PAY_LATER_ID,
        "payment_program_name": "Pay Later",
        "description": "Pay in 30 days, free of interest.",
        "payment_funding": {"payment_funding_type": "GUARANTEED"},
    },
    FINANCING_ID: {
        "payment_program_id": FINANCING_ID,
        "payment_program_name": "Financing - Interest Free",
        "description": "Financing with a 0% Annual Percentage Rate (APR).",
        "payment_funding": {"payment_funding_type": "GUARANTEED"},
    },
    EXTENDED_DELIVERY_ID: {
        "payment_program_id": EXTENDED_DELIVERY_ID,
        "payment_program_name": "Pay Later - Extended Delivery Time",
        "description": "Pay Later with the due date counted from an extended delivery time.",
        "payment_funding": {"payment_funding_type": "GUARANTEED"},
    },
}

_MARKETS = (("SE", "SEK"), ("NO", "NOK"))
_ENABLEMENT_TYPES = {PAY_LATER_ID: "PRESET", FINANCING_ID: "OPTIONAL", EXTENDED_DELIVERY_ID: "OPTIONAL"}

PROGRAM_ROWS: list[dict[str, str]] = [
    {
        "payment_program_id": program_id,
        "payment_program_name": PROGRAM_DETAILS[program_id]["payment_program_name"],
        "merchant_category_code": "0742",
        "customer_country": country,
        "currency": currency,
        "enablement_type": enablement_type,
    }
    for program_id, enablement_type in _ENABLEMENT_TYPES.items()
    for country, currency in _MARKETS
]

PLAN_PROGRAMS: dict[str, dict[str, Any]] = {
    PLAN_ID: {
        "payment_program_plan_id": PLAN_ID,
        "payment_programs": PROGRAM_ROWS,
        "version": 1,
        "effective_from": "2024-01-01T12:00:00Z",
        "comment": "Active, effective post Jan 1 2024",
    }
}


def enablement_type_of(program_id: str) -> str | None:
    """``PRESET`` or ``OPTIONAL`` for a catalogue program, None for an unknown id."""
    return _ENABLEMENT_TYPES.get(program_id)


def markets_of(program_id: str) -> set[tuple[str, str]]:
    return {(r["customer_country"], r["currency"]) for r in PROGRAM_ROWS if r["payment_program_id"] == program_id}


def page_info(count: int) -> dict[str, Any]:
    """The reference's pagination block; the catalogue always fits in one page."""
    return {"first_item": "0", "last_item": str(count), "count": count}
