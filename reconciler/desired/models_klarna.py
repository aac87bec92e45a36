"""The Klarna part of a merchant file: one model per resource of DESIGN.md §3, fields named as in the API.

Every field but ``account_name`` is optional: only what the YAML declares is managed. List items have
``natural_key()``, the stable and printable key the plan matches them by (never a list position).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import Field

from reconciler.desired.base import DesiredModel
from reconciler.desired.enums import (
    BankAccountType,
    BusinessEntityType,
    DisableReason,
    ProductState,
    StakeholderRole,
)
from reconciler.desired.text import without_nonstarters
from reconciler.desired.types import (
    Bic,
    Country,
    Currency,
    DateOfBirth,
    DistributionProfileId,
    Email,
    EnablementCode,
    FreeForm,
    Iban,
    IpAddress,
    KlarnaBlockText,
    KlarnaText,
    KlarnaUrl,
    Mcc,
    PaymentProgramId,
    Percentage,
    PersonName,
    Phone,
    PostalCode,
    Reference,
    Region,
    SensitiveNumber,
    Timestamp,
)


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '-': ``Åse Ødegård`` gives ``ase-odegard``."""
    # Combining marks are dropped first, as the ASCII encoding below would drop them: decomposing a
    # long run of them (a name read from an API) takes time quadratic in its length.
    if text.isascii():
        # Nothing to drop, decompose or fold: a plan slugs every stakeholder's names, most of them ASCII.
        ascii_text = text.lower()
    else:
        text = without_nonstarters(text)
        folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae"))
        ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "x"


def name_key(name: str) -> str:
    """A person's name as two are told apart: in NFC, case-folded, whitespace runs as one space, stripped."""
    return unicodedata.normalize("NFC", " ".join(name.split()).casefold())


class Person(DesiredModel):
    given_name: PersonName
    family_name: PersonName
    email: Email | None = None
    phone: Phone | None = None


class AccountOwner(Person):
    """``account_owner``: the merchant's contact person (Klarna requires the email, in onboard and update)."""

    email: Email


class DisabledReason(DesiredModel):
    """Why the payment product is disabled: the body of the API's disable call."""

    reason: DisableReason
    reason_details: KlarnaBlockText | None = None


class PaymentProduct(DesiredModel):
    """The PAYMENT product. ``state: disabled`` needs ``disabled_reason``."""

    distribution_profile_id: DistributionProfileId | None = None
    merchant_category_code: Mcc | None = None
    state: ProductState | None = None
    disabled_reason: DisabledReason | None = None

    def natural_key(self) -> str:
        return "PAYMENT"


class Website(DesiredModel):
    website_reference: Reference
    website_name: KlarnaText | None = None
    channel_collection_reference: Reference | None = None

    def natural_key(self) -> str:
        return self.website_reference


class SupportContact(DesiredModel):
    email: Email | None = None
    phone: Phone | None = None


class Collection(DesiredModel):
    collection_reference: Reference
    branding: FreeForm | None = None
    support_contact: SupportContact | None = None
    social_media_links: list[KlarnaUrl] | None = None

    def natural_key(self) -> str:
        return self.collection_reference


class AccountInformation(DesiredModel):
    """Set once: a later difference is blocked, not patched."""

    account_created_from_ip: IpAddress | None = None
    account_created_at: Timestamp | None = None


class Address(DesiredModel):
    street_address: KlarnaText
    street_address2: KlarnaText | None = None
    postal_code: PostalCode
    city: KlarnaText
    region: Region | None = None
    country: Country


class BusinessInformation(DesiredModel):
    business_name: KlarnaText | None = None
    business_entity_type: BusinessEntityType | None = None
    registration_authority: KlarnaText | None = None
    registration_number: KlarnaText | None = None
    tax_registration_number: KlarnaText | None = None
    financial_registration_number: KlarnaText | None = None
    operating_address: Address | None = None
    registration_address: Address | None = None


class NationalIdentification(DesiredModel):
    number: SensitiveNumber
    country: Country


class Stakeholder(DesiredModel):
    """A stakeholder, matched by given name, family name and date of birth."""

    given_name: PersonName
    family_name: PersonName
    date_of_birth: DateOfBirth | None = None  # optional in Klarna's API; part of the match
    address: Address | None = None
    national_identification: NationalIdentification | None = None
    roles: Annotated[list[StakeholderRole], Field(min_length=1, max_length=6)] | None = None
    ownership_percentage: Percentage | None = None

    def identity(self) -> tuple[str, str, str]:
        """What makes two stakeholders the same person (holds the date of birth: never print it).

        Names compare without regard to case or runs of spaces (they are already stripped and NFC).
        """
        return (name_key(self.given_name), name_key(self.family_name), self.date_of_birth or "")

    def natural_key(self) -> str:
        """Printable: the names only (``identity()`` is what matches; the plan adds -2 on a clash)."""
        return f"{slug(self.given_name)}-{slug(self.family_name)}"


class Settlement(DesiredModel):
    """Settlement information (``settlement_enabled_at`` is read-only and not declared)."""

    settlement_enabled: bool | None = None


class BankAccount(DesiredModel):
    bank_account_type: BankAccountType = "IBAN"
    account_holder: KlarnaText | None = None
    bic: Bic | None = None
    iban: Iban

    def natural_key(self) -> str:
        """Printable: the last four characters only (the IBAN itself is what matches)."""
        return f"iban-{self.iban[-4:]}"


class Market(DesiredModel):
    customer_country: Country
    currency: Currency


class EnablementCriteria(DesiredModel):
    markets: Annotated[list[Market], Field(min_length=1, max_length=50)] | None = None
    merchant_category_codes: Annotated[list[Mcc], Field(min_length=1, max_length=50)] | None = None
    payment_program_enablement_code: EnablementCode | None = None


class PaymentProgramEnablement(DesiredModel):
    payment_program_id: PaymentProgramId
    enablement_criteria: EnablementCriteria | None = None
    effective_from: Timestamp | None = None
    effective_to: Timestamp | None = None

    def natural_key(self) -> str:
        code = self.enablement_criteria.payment_program_enablement_code if self.enablement_criteria else None
        return f"{self.payment_program_id}#{code}" if code else self.payment_program_id


class KlarnaMerchant(DesiredModel):
    """The ``klarna`` section of a merchant file."""

    account_name: KlarnaText
    merchant_id: (
        Annotated[
            Reference,
            Field(
                description="An existing Klarna merchant id (e.g. K123456) to onboard into the Management API: the "
                "first apply adopts that merchant, which overwrites all its existing data with this file's"
            ),
        ]
        | None
    ) = None
    account_group_reference: Reference | None = None
    account_owner: AccountOwner | None = None
    payment_product: PaymentProduct | None = None
    websites: Annotated[list[Website], Field(max_length=100)] | None = None
    collections: Annotated[list[Collection], Field(max_length=100)] | None = None
    account_information: AccountInformation | None = None
    business_information: BusinessInformation | None = None
    stakeholders: list[Stakeholder] | None = None
    settlement: Settlement | None = None
    bank_accounts: list[BankAccount] | None = None
    payment_program_enablements: list[PaymentProgramEnablement] | None = None
