"""Request bodies of the Dintero management API, validated as the seed references describe them.

Unknown fields are refused (400), so a client's typo shows up in the sandbox rather than in
production. Sensitive fields (social security numbers, account numbers) are accepted and echoed:
the sandbox is the API, and the API echoes them. Numbers keep their JSON type: a ``percentage`` of
``50`` is answered ``50``, of ``50.5`` ``50.5``.

Account settings (``company``, ``billing``) follow Dintero's Account schema: a company needs its
``business_name`` and ``address`` (``address_line``, ``postal_place``, ``country``), a billing its
``business_name`` and ``address``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator

AID_PATTERN = r"^[PT]\d{8}$"
# Dintero documents ``^[PT](?=(?:.{3}|.{8})$)[0-9]*$``; the same set without a look-ahead.
OID_PATTERN = r"^[PT](\d{3}|\d{8})$"
CONNECTION_NAMES = ("klarna", "vipps-psp", "common")
# Connections that can be read and moved by events; vipps (the older, non-PSP flow) is signed up by PUT.
READABLE_CONNECTIONS = (*CONNECTION_NAMES, "vipps")
ConnectionName = Literal["klarna", "vipps-psp", "common"]
ConnectionStatus = Literal["pending", "enabled", "failed", "declined"]

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
ShortText = Annotated[str, Field(max_length=500)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
# A whole number stays an int (50 is answered 50, not 50.0); a boolean is not a number.
Percentage = Annotated[StrictInt | StrictFloat, Field(ge=0, le=100)]
StoreId = Annotated[str, Field(min_length=1, max_length=100)]
# An email address (RFC 5321: at most 254 characters) and an E.164 phone number (+ and 15 digits).
EmailText = Annotated[str, Field(max_length=254)]
PhoneText = Annotated[str, Field(max_length=16)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PaymentOption(Strict):
    type: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$", max_length=100, examples=["klarna.klarna"])
    currencies: list[Currency] = Field(min_length=1, max_length=50)


def _payment_types_start_with(prefix: str, options: list[PaymentOption]) -> list[PaymentOption]:
    wrong = [o.type for o in options if not o.type.startswith(prefix)]
    if wrong:
        raise ValueError(f"payment option types of this connection start with {prefix!r}: {', '.join(wrong)}")
    return options


class KlarnaSignup(Strict):
    case_id: UUID
    store_id: StoreId | None = None
    payment_options: list[PaymentOption] = Field(min_length=1, max_length=20)
    price_package: str | None = Field(None, min_length=1, max_length=100, examples=["EU_DINTERO_PP001"])
    mcc: int | None = Field(None, ge=1, le=9999, examples=[5814])

    @field_validator("payment_options")
    @classmethod
    def _klarna_types(cls, value: list[PaymentOption]) -> list[PaymentOption]:
        return _payment_types_start_with("klarna.", value)


class VippsPspSignup(Strict):
    case_id: UUID
    store_id: StoreId | None = None
    payment_options: list[PaymentOption] = Field(min_length=1, max_length=20)
    logo: str | None = Field(None, max_length=100_000)

    @field_validator("payment_options")
    @classmethod
    def _psp_types(cls, value: list[PaymentOption]) -> list[PaymentOption]:
        return _payment_types_start_with("dintero_psp.", value)


class PaymentTypeShare(Strict):
    percentage: Percentage
    type: str = Field(max_length=100)


class Revenue(Strict):
    currency: Currency | None = None
    yearly_revenue: ShortText | None = None
    highest_transaction_amount: ShortText | None = None
    average_amount: ShortText | None = None
    accept_prepaid: bool | None = None
    subscriptions_or_memberships: bool | None = None
    gift_cards: bool | None = None
    estimated_percentage_per_payment_type: list[PaymentTypeShare] | None = None


class BankAccount(Strict):
    account_number: str = Field(min_length=1, max_length=100)
    account_number_type: str = Field(min_length=1, max_length=50, examples=["iban"])
    bank_name: ShortText | None = None
    account_statement_url: ShortText | None = None


class Address(Strict):
    address_line: ShortText | None = None
    address_line_2: ShortText | None = None
    postal_code: ShortText | None = None
    postal_place: ShortText | None = None
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")


class Owner(Strict):
    name: ShortText | None = None
    legal_name: ShortText | None = None
    date_of_birth: dt.date | None = None
    social_security_number: ShortText | None = None
    percentage: Percentage | None = None
    address: Address | None = None


class Ownership(Strict):
    ownership_structure: ShortText | None = None
    owners: list[Owner] | None = None


class Verifications(Strict):
    terms_and_conditions: bool | None = None
    terms_and_conditions_url: ShortText | None = None
    contact_information: bool | None = None
    payment_site: bool | None = None
    payment_site_url: ShortText | None = None
    demo_site_url: ShortText | None = None
    clear_pricing: bool | None = None
    payment_product_logos: bool | None = None


class Signatory(Strict):
    name: ShortText
    email: EmailText


class Signature(Strict):
    signatures: list[Signatory] | None = None
    politically_exposed_person: bool | None = None
    politically_exposed_associated: bool | None = None


class Applicant(Strict):
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    email: EmailText | None = None
    phone_number: PhoneText | None = None
    social_security_number: ShortText | None = None


class MccRange(Strict):
    start: ShortText | None = None
    end: ShortText | None = None
    description: ShortText | None = None
    reserved: bool | None = None


class Mcc(Strict):
    mcc: str = Field(min_length=4, max_length=4, pattern=r"^[0-9]{4}$")
    range: MccRange | None = None
    iso_description: ShortText | None = None
    usda_description: ShortText | None = None
    stripe_description: ShortText | None = None
    stripe_code: ShortText | None = None
    visa_description: ShortText | None = None
    visa_req_clearing_name: ShortText | None = None


class CompanyInformation(Strict):
    industry: ShortText | None = None
    company_category: ShortText | None = None
    mcc: Mcc | None = None
    company_description: ShortText | None = None


class CommonSignup(Strict):
    payment_options: list[PaymentOption] = Field(min_length=1, max_length=50)
    store_type: list[ShortText] | None = None
    package: ShortText | None = None
    revenue: Revenue | None = None
    bank_accounts: list[BankAccount] | None = None
    ownership: Ownership | None = None
    verifications: Verifications | None = None
    signature: Signature | None = None
    applicant: Applicant | None = None
    company_information: CompanyInformation | None = None
    payment_method_specific: dict[str, dict[str, ShortText]] | None = None


class KlarnaSignupRequest(Strict):
    signup: KlarnaSignup


class VippsPspSignupRequest(Strict):
    signup: VippsPspSignup


class CommonSignupRequest(Strict):
    signup: CommonSignup


SignupRequest = KlarnaSignupRequest | VippsPspSignupRequest | CommonSignupRequest


class ConnectionEventRequest(Strict):
    status: ConnectionStatus
    event: str | None = Field(None, max_length=200, examples=["signature_required"])
    description: str | None = Field(None, max_length=1000)
    metadata: dict[str, Any] | None = None


class SettingsAddress(Strict):
    address_line: Text
    address_line_2: ShortText | None = None
    postal_code: ShortText | None = None
    postal_place: Text
    country: str = Field(pattern=r"^[A-Z]{2}$")


class Branding(Strict):
    icon_url: ShortText | None = None
    logo_url: ShortText | None = None


class CompanyTerm(Strict):
    type: ShortText | None = None
    href: Text


class Company(Strict):
    business_name: Text
    address: SettingsAddress
    display_name: ShortText | None = None
    organization_number: Text | None = Field(None, examples=["123456789MVA"])
    industry: ShortText | None = None
    website: ShortText | None = None
    terms_url: ShortText | None = None
    bank_name: ShortText | None = None
    account_number: ShortText | None = None
    email: EmailText | None = None
    technical_email: EmailText | None = None
    phone_number: PhoneText | None = None
    branding: Branding | None = None
    merchant_category_code: ShortText | None = None
    average_transaction_value: ShortText | None = None
    most_expensive_product_price: ShortText | None = None
    projected_sales: ShortText | None = None
    terms: list[CompanyTerm] | None = Field(None, max_length=20)
    # Dintero's reference shows contacts only in part (phone_number, email, website, ...): kept as given.
    contacts: list[dict[str, Any]] | None = Field(None, max_length=20)


class Billing(Strict):
    business_name: Text
    address: SettingsAddress
    organization_number: ShortText | None = None
    email: ShortText | None = None
    reference: ShortText | None = None
    phone_number: ShortText | None = None


class SettingsUpdate(Strict):
    company: Company | None = None
    billing: Billing | None = None


class VippsSubscriptionKey(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    product: ShortText | None = None
    ocp_apim_subscription_key: ShortText = Field(alias="ocp-apim-subscription-key")


class VippsCallback(Strict):
    """What Vipps sends when the merchant has completed its signup (Dintero's documented field names)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    signup_id: ShortText | None = Field(None, alias="signup-id")
    orgnumber: ShortText | None = None
    merchant_name: ShortText | None = Field(None, alias="merchant-name")
    created_time: ShortText | None = Field(None, alias="createdTime")
    merchant_serial_number: Text = Field(alias="merchantSerialNumber")
    client_id: Text = Field(alias="client_Id")
    client_secret: ShortText | None = Field(None, alias="client_Secret")
    subscription_keys: list[VippsSubscriptionKey] = Field(default_factory=list, alias="subscriptionKeys", max_length=10)


class TokenRequest(BaseModel):
    grant_type: str = Field(max_length=100, examples=["client_credentials"])
    audience: str = Field(max_length=500, examples=["https://api.dintero.com/v1/accounts/T11200000"])
