"""Generated Klarna merchants for the sandbox's seed route, and a sample onboard payload.

``generate_klarna_accounts`` is deterministic for a given ``rng``: merchant ``i`` has the reference
``SBX`` + ``i`` zero-padded to 6 digits and an account id derived from ``i``, so seeding twice with the same
arguments produces the same merchants. Every merchant is OPERATIONAL and has every sub-resource. Personal data is
plainly synthetic (``Sandbox``/``Test`` names, ``example.com`` addresses, ``TEST-`` national ids) and IBANs have
valid check digits.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

from reconciler.sandbox.klarna.accounts import (
    ACCOUNT_PREFIX,
    BANK_ACCOUNT_PREFIX,
    COLLECTION_PREFIX,
    ENABLEMENT_PREFIX,
    PRODUCT_PREFIX,
    STAKEHOLDER_PREFIX,
    WEBSITE_PREFIX,
    group_id_for,
    timestamp_at,
)
from reconciler.sandbox.klarna.catalogue import DEFAULT_DISTRIBUTION_PROFILE_ID, FINANCING_ID

_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GIVEN = ("Alva", "Erik", "Maja", "Nils", "Ingrid", "Oskar", "Sigrid", "Lars", "Freja", "Olav")
_FAMILY = ("Sandbox", "Testsson", "Exempel", "Testersen", "Sandlund", "Provberg")
_TRADES = (("Bakery", "5462"), ("Bookshop", "5942"), ("Florist", "5992"), ("Grocer", "5411"), ("Cafe", "5814"))
_CITIES = (
    ("SE", "Stockholm", "11122", "SE-AB", "SEK"),
    ("SE", "Goteborg", "41103", "SE-O", "SEK"),
    ("NO", "Oslo", "0150", "NO-03", "NOK"),
)
# (country, BIC, length of the national part after the check digits)
_BANKS = {"SE": ("NDEASESSXXX", 20), "NO": ("DNBANOKKXXX", 11)}


def _base36(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, digit = divmod(n, 36)
        chars.append(_BASE36[digit])
    return "".join(reversed(chars))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iban_for(country: str, bban: str) -> str:
    """An IBAN with correct check digits for a country code and national account number."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


def _address(rng: random.Random, city: tuple[str, str, str, str, str]) -> dict[str, Any]:
    country, name, postal_code, region, _ = city
    return {
        "street_address": f"Sandboxgatan {rng.randint(1, 199)}",
        "postal_code": postal_code,
        "city": name,
        "region": region,
        "country": country,
    }


def _merchant(index: int, rng: random.Random, now: float) -> tuple[str, str, dict[str, Any]]:
    reference = f"SBX{index:06d}"
    account_id = ACCOUNT_PREFIX + "SB" + _base36(index, 6)
    given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
    trade, mcc = rng.choice(_TRADES)
    city = rng.choice(_CITIES)
    country, currency = city[0], city[4]
    name = f"{family} {trade} {index}"
    slug = f"sbx{index:06d}"
    email = f"{given.lower()}.{family.lower()}.{slug}@example.com"
    phone = f"+4670{rng.randint(0, 9_999_999):07d}"
    created = now - rng.uniform(86_400, 86_400 * 365)
    product_id = PRODUCT_PREFIX + _uuid(rng)
    collection = {
        "collection_id": COLLECTION_PREFIX + _uuid(rng),
        "collection_reference": f"{slug}-online",
        "branding": {"element": {}},
        "support_contact": {"email": f"support.{slug}@example.com", "phone": phone},
        "social_media_links": [f"https://social.example.com/{slug}"],
    }
    websites = [
        {
            "website_id": WEBSITE_PREFIX + _uuid(rng),
            "website_name": name,
            "website_reference": f"{slug}-web-{n}",
            "channel_collection_reference": collection["collection_reference"],
            "channel_collection_id": collection["collection_id"],
        }
        for n in range(1, rng.randint(1, 2) + 1)
    ]
    address = _address(rng, city)
    stakeholder = {
        "stakeholder_id": STAKEHOLDER_PREFIX + _uuid(rng),
        "given_name": given,
        "family_name": family,
        "address": address,
        "date_of_birth": f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "national_identification": {"number": f"TEST-{index:08d}", "country": country},
        "roles": ["OWNER", "DIRECTOR"],
        "ownership_percentage": 100.0,
    }
    bic, bban_length = _BANKS[country]
    bban = "".join(str(rng.randint(0, 9)) for _ in range(bban_length))
    doc: dict[str, Any] = {
        "account_id": account_id,
        "account_reference": reference,
        "account_name": name,
        "account_group_reference": "sandbox-seed",
        "account_group_id": group_id_for("sandbox-seed"),
        "account_owner": {"given_name": given, "family_name": family, "email": email, "phone": phone},
        "_created_at": created,
        "_operational_at": created,
        "_product_state_changed_at": None,
        "products": [
            {
                "product_id": product_id,
                "type": "PAYMENT",
                "distribution_profile_id": DEFAULT_DISTRIBUTION_PROFILE_ID,
                "merchant_category_code": mcc,
                "state": "ENABLED",
                "state_reason": "APPROVED",
            }
        ],
        "websites": websites,
        "collections": [collection],
        "account_information": {
            "account_created_from_ip": f"192.0.2.{rng.randint(1, 254)}",
            "account_created_at": timestamp_at(created),
        },
        "business_information": {
            "business_name": f"{name} AB",
            "business_entity_type": "LIMITED_LIABILITY_COMPANY",
            "registration_authority": "Sandbox Registry",
            "registration_number": f"TEST{index:08d}",
            "operating_address": address,
            "registration_address": address,
        },
        "stakeholders": [stakeholder],
        "settlement_information": {"settlement_enabled": True, "settlement_enabled_at": timestamp_at(created)},
        "bank_accounts": [
            {
                "bank_account_id": BANK_ACCOUNT_PREFIX + _uuid(rng),
                "bank_account_type": "IBAN",
                "account_holder": name,
                "bic": bic,
                "iban": iban_for(country, bban),
            }
        ],
        "payment_program_enablements": [
            {
                "payment_program_enablement_id": ENABLEMENT_PREFIX + _uuid(rng),
                "product_id": product_id,
                "payment_program_id": FINANCING_ID,
                "enablement_criteria": {"markets": [{"customer_country": country, "currency": currency}]},
                "effective_from": timestamp_at(created),
            }
        ],
    }
    return account_id, reference, doc


def generate_klarna_accounts(
    n: int, *, rng: random.Random, now: float, start: int = 0
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (account_id, account_reference, document) for ``n`` OPERATIONAL merchants, from index ``start``."""
    for index in range(start, start + n):
        yield _merchant(index, rng, now)


def sample_onboard_payload(account_reference: str = "M123786123412") -> dict[str, Any]:
    """The reference's onboard example, extended with one collection and one website."""
    return {
        "account_reference": account_reference,
        "account_name": "John Doe Stakehouse",
        "account_owner": {
            "given_name": "John",
            "family_name": "Doe",
            "email": "john.doe@example.com",
            "phone": "+18445527621",
        },
        "account_group_reference": "all-john-doe-restaurants",
        "products": [
            {
                "type": "PAYMENT",
                "distribution_profile_id": DEFAULT_DISTRIBUTION_PROFILE_ID,
                "merchant_category_code": "5411",
            }
        ],
        "collections": [
            {
                "collection_reference": "online-stores",
                "support_contact": {"email": "john.doe@example.com", "phone": "+18445527621"},
            }
        ],
        "websites": [
            {
                "website_reference": "999888777",
                "website_name": "John Doe Stakehouse",
                "channel_collection_reference": "online-stores",
            }
        ],
    }
