"""Request bodies of the sandbox's Klarna Management API, as pydantic models.

Every model rejects unknown fields (400 ``VALIDATION_ERROR`` naming the field in ``errors[].parameter``).
Timestamps are accepted in any ISO 8601 form with a zone and stored as UTC ``YYYY-MM-DDTHH:MM:SSZ``.

Enumerations the sandbox accepts:

- product disable ``reason``: ``FRAUD``, ``COMPLIANCE``, ``CREDIT_RISK``, ``MERCHANT_REQUEST``,
  ``CONTRACT_TERMINATED``, ``OTHER``; the product's ``state_reason`` becomes ``<reason>_BY_PARTNER``
  (``FRAUD`` -> ``FRAUD_BY_PARTNER``, as the reference shows);
- stakeholder ``roles``: ``OWNER``, ``BENEFICIAL_OWNER``, ``DIRECTOR``, ``SIGNATORY``, ``REPRESENTATIVE``,
  ``CONTROLLING_PERSON``;
- ``business_entity_type``: ``LIMITED_LIABILITY_COMPANY``, ``SOLE_PROPRIETORSHIP``, ``PARTNERSHIP``,
  ``CORPORATION``, ``NON_PROFIT``, ``PUBLIC_COMPANY``, ``GOVERNMENT_ENTITY``, ``TRUST``, ``OTHER``;
- Klarna's own account disable ``reason`` (the provider's action): Klarna's compliance decision types
  ``FRAUDULENT_BEHAVIOUR``, ``NON_COMPLIANT``, ``PROHIBITED_OR_RESTRICTED_SEGMENT``, ``OTHER_RISK``;
- Klarna's own product disable or terminate ``reason``: ``FRAUD``, ``AML``, ``COMPLIANCE``, ``CREDIT_RISK``,
  ``OTHER``; the product's ``state_reason`` becomes ``<reason>_BY_KLARNA``.

The Notifications API bodies (webhooks, signing keys, simulate) close the module.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.sandbox.klarna.event_types import EMITTED_TYPES, pattern_error
from reconciler.sandbox.platform.deliveries import LOOPBACK_HOSTS, is_loopback_url

DISABLE_REASONS = ("FRAUD", "COMPLIANCE", "CREDIT_RISK", "MERCHANT_REQUEST", "CONTRACT_TERMINATED", "OTHER")
DisableReason = Literal["FRAUD", "COMPLIANCE", "CREDIT_RISK", "MERCHANT_REQUEST", "CONTRACT_TERMINATED", "OTHER"]
ComplianceDecision = Literal["FRAUDULENT_BEHAVIOUR", "NON_COMPLIANT", "PROHIBITED_OR_RESTRICTED_SEGMENT", "OTHER_RISK"]
KlarnaProductReason = Literal["FRAUD", "AML", "COMPLIANCE", "CREDIT_RISK", "OTHER"]
StakeholderRole = Literal["OWNER", "BENEFICIAL_OWNER", "DIRECTOR", "SIGNATORY", "REPRESENTATIVE", "CONTROLLING_PERSON"]
BusinessEntityType = Literal[
    "LIMITED_LIABILITY_COMPANY",
    "SOLE_PROPRIETORSHIP",
    "PARTNERSHIP",
    "CORPORATION",
    "NON_PROFIT",
    "PUBLIC_COMPANY",
    "GOVERNMENT_ENTITY",
    "TRUST",
    "OTHER",
]

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _timestamp(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a timestamp needs a time zone, e.g. 2024-01-01T12:00:00Z")
        return format_timestamp(moment)
    except OverflowError:
        raise ValueError("timestamp out of range") from None


def _date(value: str) -> str:
    return date.fromisoformat(value).isoformat()


def _ip(value: str) -> str:
    return str(ipaddress.ip_address(value))


def iban_is_valid(iban: str) -> bool:
    if not _IBAN_SHAPE.match(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def _iban(value: str) -> str:
    iban = "".join(value.split()).upper()
    if not iban_is_valid(iban):
        raise ValueError("not a valid IBAN")
    return iban


Timestamp = Annotated[str, AfterValidator(_timestamp), Field(json_schema_extra={"format": "date-time"})]
IsoDate = Annotated[str, AfterValidator(_date), Field(json_schema_extra={"format": "date"})]
IpAddress = Annotated[str, AfterValidator(_ip)]
Iban = Annotated[str, AfterValidator(_iban), Field(min_length=15, max_length=42)]
Text = Annotated[str, Field(min_length=1, max_length=255)]
Reference = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, Field(max_length=16, pattern=r"^\+[1-9][0-9]{6,14}$")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Mcc = Annotated[str, Field(min_length=4, max_length=4, pattern=r"^[0-9]{4}$")]
Bic = Annotated[str, Field(pattern=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def patch_fields(self) -> dict[str, Any]:
        """The fields the request set; a null leaves the stored value unchanged."""
        return self.model_dump(exclude_unset=True, exclude_none=True)


class AccountOwner(Body):
    given_name: Text
    family_name: Text
    email: Email
    phone: Phone | None = None


class OnboardProduct(Body):
    """A product to onboard. With ``merchant_id`` (an existing Klarna merchant, "onboard an existing merchant
    to Management API") the distribution profile and MCC may be left to the merchant's own; without it both
    are required (checked in ``klarna.onboard``)."""

    type: Literal["PAYMENT"]
    distribution_profile_id: Text | None = None
    merchant_category_code: Mcc | None = None
    merchant_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")] | None = None


class OnboardWebsite(Body):
    website_reference: Reference
    website_name: Text
    channel_collection_reference: Reference | None = None


class SupportContact(Body):
    email: Email | None = None
    phone: Phone | None = None


class OnboardCollection(Body):
    collection_reference: Reference
    branding: dict[str, Any] | None = None
    support_contact: SupportContact | None = None
    social_media_links: list[Annotated[str, Field(min_length=1, max_length=2048)]] | None = None


class OnboardRequest(Body):
    account_reference: Reference
    account_name: Text
    account_owner: AccountOwner
    account_group_reference: Reference | None = None
    # Required when the call creates the account; a later call may leave it out (it stays as it is).
    products: list[OnboardProduct] = Field(default_factory=list, max_length=1)
    websites: list[OnboardWebsite] = Field(default_factory=list, max_length=100)
    collections: list[OnboardCollection] = Field(default_factory=list, max_length=100)


class AccountPatch(Body):
    account_reference: Reference | None = None
    account_name: Text | None = None
    account_owner: AccountOwner | None = None
    account_group_reference: Reference | None = None


class ProductPatch(Body):
    merchant_category_code: Mcc | None = None
    distribution_profile_id: Text | None = None


ReasonDetails = Annotated[str, Field(max_length=255)]


class ProductDisable(Body):
    reason: DisableReason
    reason_details: ReasonDetails | None = None


class WebsitePatch(Body):
    website_reference: Reference | None = None
    website_name: Text | None = None
    channel_collection_reference: Reference | None = None
    channel_collection_id: Text | None = None


class CollectionPatch(Body):
    collection_reference: Reference | None = None
    branding: dict[str, Any] | None = None
    support_contact: SupportContact | None = None
    social_media_links: list[Annotated[str, Field(min_length=1, max_length=2048)]] | None = None


class AccountInformation(Body):
    account_created_from_ip: IpAddress
    account_created_at: Timestamp


class Address(Body):
    street_address: Text
    street_address2: Text | None = None
    postal_code: Annotated[str, Field(min_length=1, max_length=16)]
    city: Text
    region: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    country: Country


class BusinessInformationPatch(Body):
    business_name: Text | None = None
    business_entity_type: BusinessEntityType | None = None
    registration_authority: Text | None = None
    registration_number: Text | None = None
    tax_registration_number: Text | None = None
    financial_registration_number: Text | None = None
    operating_address: Address | None = None
    registration_address: Address | None = None


class NationalIdentification(Body):
    number: Annotated[str, Field(min_length=1, max_length=64)]
    country: Country


Roles = Annotated[list[StakeholderRole], Field(min_length=1, max_length=6)]
Ownership = Annotated[float, Field(ge=0, le=100)]


class StakeholderCreate(Body):
    given_name: Text
    family_name: Text
    address: Address | None = None
    date_of_birth: IsoDate | None = None
    national_identification: NationalIdentification | None = None
    roles: Roles
    ownership_percentage: Ownership | None = None


class StakeholderPatch(Body):
    given_name: Text | None = None
    family_name: Text | None = None
    address: Address | None = None
    date_of_birth: IsoDate | None = None
    national_identification: NationalIdentification | None = None
    roles: Roles | None = None
    ownership_percentage: Ownership | None = None


class SettlementPatch(Body):
    settlement_enabled: bool | None = None
    settlement_enabled_at: Timestamp | None = None


def _argon2_output(value: str) -> str:
    if _IBAN_SHAPE.fullmatch("".join(value.split()).upper()):
        # Base64 can spell an IBAN: a number sent where its hash goes is refused, and never stored.
        raise ValueError("value holds an IBAN in clear: send the Base64-encoded Argon2id output")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("value must be the Base64-encoded Argon2id output") from None
    if not 16 <= len(raw) <= 64:
        raise ValueError("value must be the Base64-encoded Argon2id output (16 to 64 bytes)")
    return value


# Klarna's bank account hashing (docs "Bank account hashing"): the object's three properties. The values of
# the two enums are the sandbox's choice (the documentation's table, as stored, is cut before them).
SANITIZATION_METHODS = ("REMOVE_WHITESPACE_UPPERCASE",)
HASHING_METHODS = ("ARGON2ID",)


class HashedIban(Body):
    """An IBAN as its Argon2id hash with the pre-shared salt: the sandbox never sees the number."""

    value: Annotated[str, AfterValidator(_argon2_output)]
    sanitization_method: Literal["REMOVE_WHITESPACE_UPPERCASE"]
    hashing_method: Literal["ARGON2ID"]


class BankAccountCreate(Body):
    """``iban`` or ``iban_hash``, exactly one."""

    bank_account_type: Literal["IBAN"]
    account_holder: Text
    bic: Bic | None = None
    iban: Iban | None = None
    iban_hash: HashedIban | None = None

    @model_validator(mode="after")
    def _one_number(self) -> BankAccountCreate:
        if (self.iban is None) == (self.iban_hash is None):
            raise ValueError("give exactly one of iban and iban_hash")
        return self


class BankAccountPatch(Body):
    """Either number replaces the other: a hashed account patched with an ``iban`` keeps no hash, and back."""

    bank_account_type: Literal["IBAN"] | None = None
    account_holder: Text | None = None
    bic: Bic | None = None
    iban: Iban | None = None
    iban_hash: HashedIban | None = None

    @model_validator(mode="after")
    def _at_most_one_number(self) -> BankAccountPatch:
        if self.iban is not None and self.iban_hash is not None:
            raise ValueError("give at most one of iban and iban_hash")
        return self


class Market(Body):
    customer_country: Country
    currency: Currency


class EnablementCriteria(Body):
    markets: list[Market] | None = Field(default=None, min_length=1, max_length=50)
    merchant_category_codes: list[Mcc] | None = Field(default=None, min_length=1, max_length=50)
    payment_program_enablement_code: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class EnablementCreate(Body):
    payment_program_id: Text
    enablement_criteria: EnablementCriteria | None = None
    effective_from: Timestamp | None = None
    effective_to: Timestamp | None = None


class EnablementPatch(Body):
    # A null effective_to removes the end date, so this model keeps explicit nulls.
    effective_to: Timestamp | None


# A credential's or a signing key's description: 1 to 100 of these characters.
Description = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-zA-Z0-9\-:;., _]+$")]


class CredentialCreate(Body):
    description: Description
    type: Literal["CLIENT", "API"]
    environment: Literal["LIVE", "TEST"]


class DeepLinkCreate(Body):
    subject: Email
    roles: Annotated[
        list[Annotated[str, Field(pattern=r"^merchant:[a-z_\-]{1,32}$")]], Field(min_length=1, max_length=10)
    ]


# --- Klarna's own actions (the sandbox's admin routes) ------------------------------------------------


class KlarnaAccountDisable(Body):
    reason: ComplianceDecision = "OTHER_RISK"


class KlarnaProductDisable(Body):
    reason: KlarnaProductReason
    reason_details: ReasonDetails | None = None


class KlarnaProductTerminate(Body):
    reason: KlarnaProductReason = "OTHER"
    reason_details: ReasonDetails | None = None


# --- The Notifications API: signing keys and webhooks --------------------------------------------------


def _webhook_url(value: str) -> str:
    if not is_loopback_url(value):
        raise ValueError(
            f"the sandbox delivers webhooks only to loopback addresses ({LOOPBACK_HOSTS}), over http or https "
            "and on any port (Klarna itself requires HTTPS on port 443 or 8443)"
        )
    return value


def _event_types(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("event_types must be unique")
    for pattern in value:
        problem = pattern_error(pattern)
        if problem:
            raise ValueError(problem)
    return value


WebhookUrl = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_webhook_url)]
EventTypes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]],
    Field(min_length=1, max_length=50),
    AfterValidator(_event_types),
]
WebhookStatus = Literal["ENABLED", "DISABLED"]
EventVersion = Literal["v1"]


class SigningKeyCreate(Body):
    # Klarna's reference shows no body; an optional description is the sandbox's, to tell keys apart.
    description: Description | None = None


class WebhookCreate(Body):
    url: WebhookUrl
    event_types: EventTypes
    event_version: EventVersion
    signing_key_id: Text
    status: WebhookStatus = "ENABLED"


class WebhookPatch(Body):
    url: WebhookUrl | None = None
    event_types: EventTypes | None = None
    event_version: EventVersion | None = None
    signing_key_id: Text | None = None
    status: WebhookStatus | None = None


class WebhookSimulate(Body):
    event_type: Annotated[str, Field(min_length=1, max_length=100)]
    event_version: EventVersion = "v1"

    @field_validator("event_type")
    @classmethod
    def _emitted(cls, value: str) -> str:
        if value not in EMITTED_TYPES:
            raise ValueError(f"the sandbox simulates these event types: {', '.join(EMITTED_TYPES)}")
        return value
