"""Typed views of the APIs' responses.

Field names are the APIs' own. Every model keeps fields it does not know (``extra="allow"``), so a
server that returns more than documented loses nothing on a round trip. Sensitive fields (IBAN,
national id number, date of birth) are left out of ``repr`` so a logged model does not show them.
The same models serve as request bodies: unset fields are not sent (``exclude_unset``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class ApiModel(BaseModel):
    # A number where a string is typed (an MCC sent as 5411) is read as its text, not refused.
    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)


# --- Klarna ---------------------------------------------------------------------------------------


class AccountOwner(ApiModel):
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None


class Address(ApiModel):
    street_address: str | None = None
    street_address2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None


class PaymentProduct(ApiModel):
    product_id: str | None = None
    type: str | None = None
    distribution_profile_id: str | None = None
    merchant_category_code: str | None = None
    state: str | None = None
    state_reason: str | None = None
    state_context: dict[str, Any] | None = None


class Website(ApiModel):
    website_id: str | None = None
    website_reference: str | None = None
    website_name: str | None = None
    channel_collection_reference: str | None = None
    channel_collection_id: str | None = None


class SupportContact(ApiModel):
    email: str | None = None
    phone: str | None = None


class Collection(ApiModel):
    collection_id: str | None = None
    collection_reference: str | None = None
    branding: dict[str, Any] | None = None
    support_contact: SupportContact | None = None
    social_media_links: list[Any] | None = None


class AccountInformation(ApiModel):
    account_created_from_ip: str | None = None
    account_created_at: str | None = None


class BusinessInformation(ApiModel):
    business_name: str | None = None
    business_entity_type: str | None = None
    registration_authority: str | None = None
    registration_number: str | None = None
    tax_registration_number: str | None = None
    financial_registration_number: str | None = None
    operating_address: Address | None = None
    registration_address: Address | None = None


class NationalIdentification(ApiModel):
    number: str | None = Field(default=None, repr=False)
    country: str | None = None


class Stakeholder(ApiModel):
    stakeholder_id: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    address: Address | None = None
    date_of_birth: str | None = Field(default=None, repr=False)
    national_identification: NationalIdentification | None = None
    roles: list[str] | None = None


class SettlementInformation(ApiModel):
    settlement_enabled: bool | None = None
    settlement_enabled_at: str | None = None


class HashedValue(ApiModel):
    """A value Klarna holds as an Argon2id hash (bank account hashing): never the clear value."""

    value: str | None = Field(default=None, repr=False)
    sanitization_method: str | None = None
    hashing_method: str | None = None


class BankAccount(ApiModel):
    bank_account_id: str | None = None
    bank_account_type: str | None = None
    account_holder: str | None = None
    bic: str | None = None
    iban: str | None = Field(default=None, repr=False)
    iban_hash: HashedValue | None = Field(default=None, repr=False)  # instead of iban, when hashed


class Market(ApiModel):
    customer_country: str | None = None
    currency: str | None = None


class EnablementCriteria(ApiModel):
    markets: list[Market] | None = None
    merchant_category_codes: list[str] | None = None
    payment_program_enablement_code: str | None = None


class Enablement(ApiModel):
    payment_program_enablement_id: str | None = None
    payment_program_id: str | None = None
    # Set on enablements read through an account's expand: the payment product they belong to.
    product_id: str | None = None
    enablement_criteria: EnablementCriteria | None = None
    effective_from: str | None = None
    effective_to: str | None = None


def flatten_enablements(value: Any) -> Any:
    """Enablements as one list, whether the server groups them per product or not.

    Accepted: a flat list; ``{product_id: [enablement, ...]}``; or a list of groups
    ``[{"product_id": ..., "payment_program_enablements": [...]}]``.

    A group of any other shape is a ``ValueError``, which validation reports as a wrong shape by the
    field's name: this runs before the types are checked, and any other error would escape as a crash.
    """
    if isinstance(value, dict):
        if not all(_enablement_list(items) for items in value.values()):
            raise ValueError("enablements grouped by product must be lists of objects")
        return [{**e, "product_id": e.get("product_id", pid)} for pid, items in value.items() for e in items or []]
    if isinstance(value, list) and any(isinstance(g, dict) and "payment_program_enablements" in g for g in value):
        groups = [g for g in value if isinstance(g, dict)]
        if len(groups) != len(value) or not all(_enablement_list(g.get("payment_program_enablements")) for g in groups):
            raise ValueError("each group of enablements must be an object holding a list of objects")
        flat: list[Any] = []
        for group in groups:
            pid = group.get("product_id")
            items = group.get("payment_program_enablements") or []
            flat.extend({**e, "product_id": e.get("product_id", pid)} for e in items)
        return flat
    return value


def _enablement_list(items: Any) -> bool:
    """None, or a list of objects: what a group of enablements may be."""
    return items is None or (isinstance(items, list) and all(isinstance(e, dict) for e in items))


class KlarnaAccount(ApiModel):
    """A Klarna account; the sub-resource fields are set only when they were expanded."""

    account_id: str
    account_reference: str | None = None
    account_name: str | None = None
    account_owner: AccountOwner | None = None
    account_group_reference: str | None = None
    account_group_id: str | None = None
    state: str | None = None
    state_reason: str | None = None
    products: list[PaymentProduct] | None = None
    websites: list[Website] | None = None
    collections: list[Collection] | None = None
    account_information: AccountInformation | None = None
    business_information: BusinessInformation | None = None
    stakeholders: list[Stakeholder] | None = None
    settlement_information: SettlementInformation | None = None
    bank_accounts: list[BankAccount] | None = None
    payment_program_enablements: list[Enablement] | None = None

    @field_validator("payment_program_enablements", mode="before")
    @classmethod
    def _one_list_of_enablements(cls, value: Any) -> Any:
        return flatten_enablements(value)


class Credential(ApiModel):
    credential_id: str | None = None
    description: str | None = None
    type: str | None = None
    environment: str | None = None
    client_id: str | None = None


class SigningKey(ApiModel):
    """A Notifications API signing key. ``signing_key`` (the secret) is in the create's answer only;
    it is never shown by ``repr`` and nothing past the client keeps it."""

    signing_key_id: str | None = None
    description: str | None = None
    created_at: str | None = None
    signing_key: SecretStr | None = Field(default=None, repr=False)


class Webhook(ApiModel):
    webhook_id: str | None = None
    url: str | None = None
    event_types: list[str] | None = None
    event_version: str | None = None
    signing_key_id: str | None = None
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class DistributionProfile(ApiModel):
    distribution_profile_id: str | None = None
    price_plan_id: str | None = None


class PaymentProgramPlan(ApiModel):
    payment_program_plan_id: str | None = None
    payment_program_plan_name: str | None = None
    versions: list[dict[str, Any]] | None = None


class PaymentProgram(ApiModel):
    """A catalogue entry; on a product's program list it also carries its enablement state."""

    payment_program_id: str | None = None
    payment_program_name: str | None = None
    merchant_category_code: str | None = None
    customer_country: str | None = None
    currency: str | None = None
    enablement_type: str | None = None
    enablement_state: str | None = None
    enablements: list[dict[str, Any]] | None = None
    description: str | None = None



# --- Dintero --------------------------------------------------------------------------------------


class PaymentOption(ApiModel):
    type: str | None = None
    currencies: list[str] | None = None


class DinteroSignup(ApiModel):
    """One signup of a connection; each connection type adds its own fields (kept as extras)."""

    case_id: str | None = None
    payment_options: list[PaymentOption] | None = None
    price_package: str | None = None
    mcc: int | str | None = None
    logo: str | None = None
    created_at: str | None = None
    callback_at: str | None = None


class DinteroEvent(ApiModel):
    id: str | None = None
    status: str | None = None
    event: str | None = None
    description: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    metadata: dict[str, Any] | None = None


class DinteroConnection(ApiModel):
    status: str | None = None
    signups: list[DinteroSignup] | None = None
    events: list[DinteroEvent] | None = None
    configuration: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    created_by: str | None = None
    updated_at: str | None = None
    # "schema" would shadow a BaseModel attribute; dump with by_alias=True to get the wire name back.
    schema_version: int | float | None = Field(default=None, alias="schema")


class DinteroSettings(ApiModel):
    """A Dintero account's settings: its company (with ``organization_number``) and billing."""

    company: dict[str, Any] | None = None
    billing: dict[str, Any] | None = None


class DinteroAccount(ApiModel):
    """A merchant as its partner sees it, with every connection it has, keyed by connection name."""

    account_id: str
    connections: dict[str, DinteroConnection] = Field(default_factory=dict)
    # Account settings (company, billing), when the partner view carries them.
    settings: DinteroSettings | None = None

    @field_validator("connections", mode="before")
    @classmethod
    def _absent_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value
