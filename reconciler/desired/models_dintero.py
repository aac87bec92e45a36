"""The Dintero part of a merchant file: the account id and the signup of each connection.

Field names are those of Dintero's connection signup bodies (``POST …/settings/connections/{name}``
with ``{"signup": {…}}``). The connection keys are the API's path names, so ``vipps-psp`` keeps its dash.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from reconciler.desired.base import DesiredModel
from reconciler.desired.enums import DinteroPaymentType, KlarnaPaymentType, VippsPspPaymentType
from reconciler.desired.text import single_line
from reconciler.desired.types import (
    BlockText,
    Code,
    Country,
    Currency,
    DateOfBirth,
    DinteroAid,
    DinteroMcc,
    DinteroPersonName,
    DinteroSensitiveText,
    DinteroUrl,
    Email,
    Mcc,
    Percentage,
    Phone,
    SensitiveText,
    Text,
    Uuid,
)

Currencies = Annotated[list[Currency], Field(min_length=1, max_length=50)]
# Dintero takes at most 20 payment options in a klarna or vipps-psp signup, 50 in a common one.
SignupOptions = Field(min_length=1, max_length=20)


class KlarnaPaymentOption(DesiredModel):
    type: KlarnaPaymentType
    currencies: Currencies


class VippsPspPaymentOption(DesiredModel):
    type: VippsPspPaymentType
    currencies: Currencies


class CommonPaymentOption(DesiredModel):
    type: DinteroPaymentType
    currencies: Currencies


class KlarnaSignup(DesiredModel):
    case_id: Uuid
    payment_options: Annotated[list[KlarnaPaymentOption], SignupOptions]
    price_package: Code | None = None
    mcc: DinteroMcc | None = None


class VippsPspSignup(DesiredModel):
    case_id: Uuid
    payment_options: Annotated[list[VippsPspPaymentOption], SignupOptions]
    logo: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)] | None = None


class PaymentTypeShare(DesiredModel):
    percentage: Percentage
    type: DinteroPaymentType


class Revenue(DesiredModel):
    currency: Currency | None = None
    yearly_revenue: Text | None = None
    highest_transaction_amount: Text | None = None
    average_amount: Text | None = None
    accept_prepaid: bool | None = None
    subscriptions_or_memberships: bool | None = None
    gift_cards: bool | None = None
    estimated_percentage_per_payment_type: list[PaymentTypeShare] | None = None


class SignupBankAccount(DesiredModel):
    account_number: SensitiveText  # Dintero: at most 100 characters
    account_number_type: Annotated[str, BeforeValidator(single_line), StringConstraints(min_length=1, max_length=50)]
    bank_name: Text | None = None
    account_statement_url: DinteroUrl | None = None


class OwnerAddress(DesiredModel):
    address_line: Text | None = None
    address_line_2: Text | None = None
    postal_code: Text | None = None
    postal_place: Text | None = None
    country: Country | None = None


class Owner(DesiredModel):
    name: Text | None = None
    legal_name: Text | None = None
    date_of_birth: DateOfBirth | None = None
    social_security_number: DinteroSensitiveText | None = None
    percentage: Percentage | None = None
    address: OwnerAddress | None = None


class Ownership(DesiredModel):
    ownership_structure: Text | None = None
    owners: list[Owner] | None = None


class Verifications(DesiredModel):
    terms_and_conditions: bool | None = None
    terms_and_conditions_url: DinteroUrl | None = None
    contact_information: bool | None = None
    payment_site: bool | None = None
    payment_site_url: DinteroUrl | None = None
    demo_site_url: DinteroUrl | None = None
    clear_pricing: bool | None = None
    payment_product_logos: bool | None = None


class SignatureEntry(DesiredModel):
    name: DinteroPersonName
    email: Email


class Signature(DesiredModel):
    signatures: list[SignatureEntry] | None = None
    politically_exposed_person: bool | None = None
    politically_exposed_associated: bool | None = None


class Applicant(DesiredModel):
    first_name: DinteroPersonName | None = None
    last_name: DinteroPersonName | None = None
    email: Email | None = None
    phone_number: Phone | None = None
    social_security_number: DinteroSensitiveText | None = None


class MccRange(DesiredModel):
    start: Text | None = None
    end: Text | None = None
    description: Text | None = None
    reserved: bool | None = None


class CompanyMcc(DesiredModel):
    mcc: Mcc
    range: MccRange | None = None
    iso_description: Text | None = None
    usda_description: Text | None = None
    stripe_description: Text | None = None
    stripe_code: Text | None = None
    visa_description: Text | None = None
    visa_req_clearing_name: Text | None = None


class CompanyInformation(DesiredModel):
    industry: Text | None = None
    company_category: Text | None = None
    mcc: CompanyMcc | None = None
    company_description: BlockText | None = None


class SignupUrl(DesiredModel):
    signup_url: DinteroUrl | None = None


class InstabankVolumes(DesiredModel):
    total_number_of_transactions: Text | None = None
    total_volume_of_transactions: Text | None = None
    finance_number_of_transactions: Text | None = None
    finance_volume_of_transactions: Text | None = None


class PaymentMethodSpecific(DesiredModel):
    payex: SignupUrl | None = None
    instabank: InstabankVolumes | None = None
    vipps: SignupUrl | None = None


class CommonSignup(DesiredModel):
    payment_options: Annotated[list[CommonPaymentOption], Field(min_length=1, max_length=50)]
    store_type: list[Text] | None = None
    package: Text | None = None
    revenue: Revenue | None = None
    bank_accounts: list[SignupBankAccount] | None = None
    ownership: Ownership | None = None
    verifications: Verifications | None = None
    signature: Signature | None = None
    applicant: Applicant | None = None
    company_information: CompanyInformation | None = None
    payment_method_specific: PaymentMethodSpecific | None = None


class KlarnaConnection(DesiredModel):
    signup: KlarnaSignup


class VippsPspConnection(DesiredModel):
    signup: VippsPspSignup


class CommonConnection(DesiredModel):
    signup: CommonSignup


class DinteroConnections(DesiredModel):
    klarna: KlarnaConnection | None = None
    vipps_psp: VippsPspConnection | None = Field(default=None, alias="vipps-psp")
    common: CommonConnection | None = None

    def declared(self) -> dict[str, KlarnaConnection | VippsPspConnection | CommonConnection]:
        """The declared connections by their API name (``klarna``, ``vipps-psp``, ``common``)."""
        found = {"klarna": self.klarna, "vipps-psp": self.vipps_psp, "common": self.common}
        return {name: connection for name, connection in found.items() if connection is not None}


class SettingsAddress(DesiredModel):
    address_line: Text
    address_line_2: Text | None = None
    postal_code: Text | None = None
    postal_place: Text
    country: Country


class DinteroCompany(DesiredModel):
    """The account's company, as Dintero's account settings hold it."""

    business_name: Text
    address: SettingsAddress
    organization_number: Text | None = Field(
        None,
        description="Required before a common signup (Dintero: 'Requires the account company to be configured "
        "with organization_number').",
    )
    display_name: Text | None = None
    website: Text | None = None
    email: Email | None = None
    phone_number: Phone | None = None


class DinteroSettings(DesiredModel):
    """Dintero account settings (``PUT /v1/accounts/{aid}/management/settings``); written before any signup."""

    company: DinteroCompany | None = None


class DinteroMerchant(DesiredModel):
    """The ``dintero`` section of a merchant file."""

    account_id: DinteroAid
    settings: DinteroSettings | None = None
    connections: DinteroConnections | None = None
