"""Generated Dintero merchant accounts for the seed route, linked to the generated Klarna merchants.

Merchant ``i`` of a seed gets the Dintero account ``T2`` + ``i`` zero-padded to 7 digits (``seed_aid``),
stored with the Klarna ``account_reference`` as its reference and as ``applicant.signup_reference`` (where
Dintero keeps the partner's onboarding reference) so the two can be matched. Each has
an ``enabled`` Klarna connection (with the Klarna account's MCC) and, for merchants trading in NOK,
an ``enabled`` Vipps PSP connection; every connection carries the two events of its history.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from reconciler.sandbox.dintero.accounts import iso_time, new_account, new_connection, new_event
from reconciler.sandbox.platform.store import Document

SEED_AID_PREFIX = "T2"


def seed_aid(index: int) -> str:
    return f"{SEED_AID_PREFIX}{index:07d}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _klarna_facts(klarna_doc: Document) -> tuple[int, str]:
    """(MCC, currency) of a generated Klarna merchant, with safe defaults if its shape differs."""
    try:
        mcc = int(klarna_doc["products"][0]["merchant_category_code"])
    except (KeyError, IndexError, TypeError, ValueError):
        mcc = 5814
    try:
        currency = str(klarna_doc["payment_program_enablements"][0]["enablement_criteria"]["markets"][0]["currency"])
    except (KeyError, IndexError, TypeError):
        currency = "NOK"
    return mcc, currency


def _enabled_connection(
    name: str, aid: str, signup: Document, created_by: str, created: float, rng: random.Random
) -> Document:
    pending = new_event(
        "pending", "signature_required", "Awaiting signature", {}, created_by, created, event_id=_uuid(rng)
    )
    connection = new_connection(name, aid, signup, created_by, created, first_event=pending)
    enabled_at = created + rng.uniform(60, 86_400)
    enabled = new_event("enabled", "approved", "Signup approved", {}, created_by, enabled_at, event_id=_uuid(rng))
    connection["events"].append(enabled)
    connection["status"] = "enabled"
    connection["updated_at"] = iso_time(enabled_at)
    return connection


def generate_dintero_accounts(
    merchants: Iterable[tuple[int, str, Document]],
    *,
    rng: random.Random,
    now: float,
    partner_id: str,
    created_by: str,
) -> Iterator[tuple[str, str, Document]]:
    """Yield (aid, account_reference, document) for each (index, account_reference, Klarna document)."""
    for index, reference, klarna_doc in merchants:
        aid = seed_aid(index)
        mcc, currency = _klarna_facts(klarna_doc)
        created = now - rng.uniform(86_400, 86_400 * 365)
        account = new_account(aid, partner_id, created_by, created)
        # Dintero keeps the reference a partner's onboarding link carried (``applicant.signup_reference``).
        account["applicant"] = {"signup_reference": reference}
        klarna_signup: dict[str, Any] = {
            "case_id": _uuid(rng),
            "payment_options": [{"type": "klarna.klarna", "currencies": [currency]}],
            "price_package": "EU_DINTERO_PP001",
            "mcc": mcc,
        }
        connections = {"klarna": _enabled_connection("klarna", aid, klarna_signup, created_by, created, rng)}
        if currency == "NOK":
            vipps_signup = {
                "case_id": _uuid(rng),
                "payment_options": [{"type": "dintero_psp.vipps", "currencies": ["NOK"]}],
            }
            connections["vipps-psp"] = _enabled_connection("vipps-psp", aid, vipps_signup, created_by, created, rng)
        account["connections"] = connections
        account["updated_at"] = max(c["updated_at"] for c in connections.values())
        yield aid, reference, account
