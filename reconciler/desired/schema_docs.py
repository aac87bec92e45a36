"""What the editor schema says of each field of a merchant file: a description, and examples from the seeds.

The words come from the APIs' references as stored in ``reference/seeds/`` (Klarna's Management API
reference, Dintero's connection signups) and ``reference/*/FACTS.md``; examples are the seeds' own
values where the seeds give one (never their ``<string>`` placeholders). A description is looked up by
model and field first (``BY_FIELD``), then by field name alone (``BY_NAME``), so that a name used the
same way everywhere (``email``, ``country``) is described once. A test checks that every property of
the schema gets one.

Country codes: YAML 1.1 tools read a bare ``NO`` as ``false`` (the "Norway problem"); reconciler reads
YAML 1.2, where it is text, but a file is read by more tools than one, so every example writes it quoted.
"""

from __future__ import annotations

from typing import Any

_COUNTRY = (
    'ISO 3166-1 alpha-2 country code, upper or lower case. Write it quoted, `country: "NO"`: '
    "YAML 1.1 tools read a bare NO as false (the Norway problem)."
)
_REFERENCE = "a partner-chosen reference (letters, digits, '.', '_', ':', '-')"

BY_NAME: dict[str, str] = {
    "given_name": "Given (first) name.",
    "family_name": "Family (last) name.",
    "first_name": "Given (first) name.",
    "last_name": "Family (last) name.",
    "name": "Full name.",
    "legal_name": "Legal name, when it differs from the name.",
    "email": "E-mail address.",
    "phone": "Phone number in E.164 form, e.g. +4722000000; quote it, a leading + is not a number.",
    "phone_number": "Phone number in E.164 form, e.g. +4799999999; quote it, a leading + is not a number.",
    "country": _COUNTRY,
    "customer_country": 'The customers\' country (ISO 3166-1 alpha-2, quoted: "NO") this market covers.',
    "currency": "ISO 4217 currency code, e.g. NOK, SEK, USD.",
    "currencies": "ISO 4217 currency codes this payment option takes.",
    "street_address": "Street and number.",
    "street_address2": "Second address line (suite, floor).",
    "address_line": "Street and number.",
    "address_line_2": "Second address line (post box, floor).",
    "postal_code": 'Postal code; quote it so that leading zeros stay ("0150").',
    "postal_place": "Postal place (city).",
    "city": "City.",
    "region": "Region or state, e.g. OH or US-OH.",
    "date_of_birth": "Date of birth, YYYY-MM-DD. Sensitive: never printed, masked in every output.",
    "social_security_number": (
        "Social security (national identity) number. Sensitive: write it !secret NAME or !env NAME, "
        "never in the file; masked in every output."
    ),
    "mcc": "Merchant category code, 4 digits.",
    "merchant_category_code": 'The product\'s merchant category code (MCC), 4 digits; quote it ("5940").',
    "merchant_category_codes": "Merchant category codes (4 digits each); left out, the enablement covers all.",
    "percentage": "Share in percent, 0 to 100.",
    "payment_options": "The payment types to sign up for, each with the currencies it takes.",
    "type": "The payment type.",
    "case_id": (
        "The signup's case id (a UUID), unique per merchant: Dintero keeps signups unique per case_id and "
        "store_id. Copying a merchant file copies it: validate reports one used by two merchants."
    ),
    "signup": "The signup body Dintero receives (POST …/management/settings/connections/{connection}).",
    "address": "Postal address.",
    "description": "Description.",
}

BY_FIELD: dict[tuple[str, str], str] = {
    ("Merchant", "account_reference"): (
        "The partner's own reference of the Klarna account, e.g. M123786123412: the merchant's identity. "
        "It is matched, never changed; " + _REFERENCE + "."
    ),
    ("Merchant", "klarna"): "The merchant's Klarna account (Klarna partner Management API).",
    ("Merchant", "dintero"): "The merchant's Dintero account and its connections; Klarna-only merchants leave it out.",
    ("KlarnaMerchant", "account_name"): "A human-readable name of the account (the business name or a brand).",
    (
        "KlarnaMerchant",
        "account_group_reference",
    ): "A reference grouping several accounts, e.g. all-john-doe-restaurants.",
    ("KlarnaMerchant", "account_owner"): "The account's contact person.",
    ("KlarnaMerchant", "payment_product"): "The PAYMENT product: its distribution profile, MCC and state.",
    ("KlarnaMerchant", "websites"): "Website channels, matched by website_reference.",
    (
        "KlarnaMerchant",
        "collections",
    ): "Collection channels (support contact, branding), matched by collection_reference.",
    ("KlarnaMerchant", "account_information"): (
        "Where and when the merchant signed up with the partner. Set once: a later difference is blocked."
    ),
    ("KlarnaMerchant", "business_information"): "Business details: name, entity type, registration and addresses.",
    ("KlarnaMerchant", "stakeholders"): (
        "Owners, directors and other stakeholders, matched by given name, family name and date of birth; "
        "one the list leaves out is deleted (with allow_delete)."
    ),
    ("KlarnaMerchant", "settlement"): "Settlement information Klarna uses for KYB (know your business).",
    ("KlarnaMerchant", "bank_accounts"): (
        "Settlement bank accounts, matched by IBAN (by its hash with bank account hashing on)."
    ),
    ("KlarnaMerchant", "payment_program_enablements"): (
        "Payment programs enabled on the payment product, matched by program id (and enablement code)."
    ),
    ("AccountOwner", "email"): "The contact person's e-mail address.",
    ("PaymentProduct", "distribution_profile_id"): (
        "The distribution profile the product is onboarded with (GET /v1/distribution/profiles); cannot change later."
    ),
    ("PaymentProduct", "state"): "enabled or disabled; disabled needs disabled_reason.",
    ("PaymentProduct", "disabled_reason"): "Why the product is disabled: the body of the disable call.",
    ("DisabledReason", "reason"): "The reason code; the product's state_reason becomes <reason>_BY_PARTNER.",
    ("DisabledReason", "reason_details"): "Free text about the reason, up to 500 characters.",
    ("Website", "website_reference"): "The partner's reference of the website channel; " + _REFERENCE + ".",
    ("Website", "website_name"): "The website's name.",
    ("Website", "channel_collection_reference"): "The collection_reference of the collection the website belongs to.",
    ("Collection", "collection_reference"): "The partner's reference of the collection channel; " + _REFERENCE + ".",
    ("Collection", "branding"): "Branding elements of the collection, as Klarna takes them.",
    ("Collection", "support_contact"): "Where the merchant's customers get support.",
    ("Collection", "social_media_links"): "Links to the merchant's social media pages (http or https).",
    ("SupportContact", "email"): "Support e-mail address.",
    ("AccountInformation", "account_created_from_ip"): "The IP address the merchant signed up with the partner from.",
    (
        "AccountInformation",
        "account_created_at",
    ): "When the merchant signed up with the partner (ISO 8601, with a zone).",
    ("BusinessInformation", "business_name"): "The registered business name.",
    ("BusinessInformation", "business_entity_type"): "The legal form of the business.",
    ("BusinessInformation", "registration_authority"): "The authority the business is registered with, e.g. Ohio.",
    ("BusinessInformation", "registration_number"): "The business registration number; quote it when it is all digits.",
    ("BusinessInformation", "tax_registration_number"): "The tax (VAT) registration number.",
    ("BusinessInformation", "financial_registration_number"): "The financial registration number.",
    ("BusinessInformation", "operating_address"): "Where the business operates.",
    ("BusinessInformation", "registration_address"): "The registered address of the business.",
    ("NationalIdentification", "number"): (
        "The national identification number. Sensitive: write it !secret NAME or !env NAME; masked in every output; "
        "validate reports one used by two merchants."
    ),
    ("NationalIdentification", "country"): "The country that issued the number. " + _COUNTRY,
    ("Stakeholder", "national_identification"): "The stakeholder's national identification number and its country.",
    ("Stakeholder", "roles"): "The stakeholder's roles (at least one).",
    ("Stakeholder", "ownership_percentage"): "The share the stakeholder owns, 0 to 100; all stakeholders at most 100.",
    ("Settlement", "settlement_enabled"): "Whether Klarna settles to the partner for this account.",
    ("BankAccount", "bank_account_type"): "The type of the account number; IBAN.",
    ("BankAccount", "account_holder"): "The name the account is held in.",
    ("BankAccount", "bic"): "The bank's BIC (SWIFT code), 8 or 11 characters.",
    ("BankAccount", "iban"): (
        "The IBAN; spaces allowed. Sensitive: write it !secret NAME or !env NAME; masked in every output. "
        "With bank account hashing on, Klarna gets only its Argon2id hash."
    ),
    ("Market", "currency"): "The currency of this market (ISO 4217).",
    ("EnablementCriteria", "markets"): "Customer countries and currencies; left out, the enablement covers all.",
    ("EnablementCriteria", "payment_program_enablement_code"): "The enablement code, for programs that take one.",
    ("PaymentProgramEnablement", "payment_program_id"): "The payment program to enable (…/payment-program-plans).",
    ("PaymentProgramEnablement", "enablement_criteria"): "What the enablement covers: markets, MCCs, a code.",
    ("PaymentProgramEnablement", "effective_from"): "When the enablement starts (ISO 8601, with a zone).",
    ("PaymentProgramEnablement", "effective_to"): "When the enablement ends (ISO 8601, with a zone).",
    ("DinteroMerchant", "account_id"): "The merchant's Dintero account id: T (test) or P (production) and 8 digits.",
    ("DinteroMerchant", "settings"): "The account settings (PUT …/management/settings), written before any signup.",
    ("DinteroMerchant", "connections"): "Payment connections to sign up for: klarna, vipps-psp, common.",
    ("DinteroSettings", "company"): "The account's company.",
    ("DinteroCompany", "business_name"): "The company's business name.",
    ("DinteroCompany", "display_name"): "The name shown to customers.",
    ("DinteroCompany", "website"): "The company's website.",
    ("DinteroCompany", "email"): "The company's e-mail address.",
    ("DinteroConnections", "klarna"): "Klarna through Dintero (POST …/connections/klarna).",
    ("DinteroConnections", "vipps-psp"): "Vipps through Dintero's PSP (POST …/connections/vipps-psp).",
    (
        "DinteroConnections",
        "common",
    ): "Dintero's common signup for its other payment types (POST …/connections/common).",
    ("KlarnaSignup", "price_package"): "The Klarna price package, e.g. EU_DINTERO_PP001.",
    ("KlarnaSignup", "mcc"): "The merchant category code Dintero sends to Klarna (an integer, 4 digits).",
    ("VippsPspSignup", "logo"): "The merchant's logo for Vipps (a URL).",
    ("CommonSignup", "store_type"): "Where the merchant sells, e.g. online.",
    ("CommonSignup", "package"): "The Dintero package, e.g. Checkout 195 NOK/month + 1.5%.",
    ("CommonSignup", "revenue"): "Expected revenue and how it splits by payment type.",
    ("CommonSignup", "bank_accounts"): "The bank accounts Dintero pays out to.",
    ("CommonSignup", "ownership"): "The ownership structure and the owners.",
    ("CommonSignup", "verifications"): "What the merchant's site shows (terms, contact information, prices, logos).",
    ("CommonSignup", "signature"): "Who signs the agreement, and whether anyone is politically exposed.",
    ("CommonSignup", "applicant"): "The person applying.",
    ("CommonSignup", "company_information"): "The company's industry, category and MCC.",
    ("CommonSignup", "payment_method_specific"): "Settings of single payment methods (PayEx, Instabank, Vipps).",
    ("Revenue", "currency"): "The currency of the amounts below (ISO 4217).",
    ("Revenue", "yearly_revenue"): "Expected yearly revenue, as a range, e.g. 100.000-250.000 NOK.",
    ("Revenue", "highest_transaction_amount"): "The highest transaction amount, as a range, e.g. 500-1000 NOK.",
    ("Revenue", "average_amount"): "The average transaction amount, as a range, e.g. 250-500 NOK.",
    ("Revenue", "accept_prepaid"): "Whether the merchant takes payment before delivery.",
    ("Revenue", "subscriptions_or_memberships"): "Whether the merchant sells subscriptions or memberships.",
    ("Revenue", "gift_cards"): "Whether the merchant sells gift cards.",
    ("Revenue", "estimated_percentage_per_payment_type"): "The expected share of each payment type.",
    ("SignupBankAccount", "account_number"): (
        "The account number (an IBAN when account_number_type is iban). Sensitive: write it !secret NAME or "
        "!env NAME; masked in every output."
    ),
    ("SignupBankAccount", "account_number_type"): "The kind of account number, e.g. iban.",
    ("SignupBankAccount", "bank_name"): "The bank's name.",
    ("SignupBankAccount", "account_statement_url"): "A URL of an account statement proving the account.",
    ("Ownership", "ownership_structure"): "The ownership structure, e.g. owners_with_more_than_25.",
    ("Ownership", "owners"): "The owners.",
    ("Owner", "percentage"): "The share the owner holds, 0 to 100.",
    ("Owner", "address"): "The owner's address.",
    ("Verifications", "terms_and_conditions"): "Whether the site shows terms and conditions.",
    ("Verifications", "terms_and_conditions_url"): "Where the terms and conditions are.",
    ("Verifications", "contact_information"): "Whether the site shows contact information.",
    ("Verifications", "payment_site"): "Whether the site takes payments.",
    ("Verifications", "payment_site_url"): "Where the payment site is.",
    ("Verifications", "demo_site_url"): "A demo of the site, if it is not public yet.",
    ("Verifications", "clear_pricing"): "Whether prices are shown clearly.",
    ("Verifications", "payment_product_logos"): "Whether the site shows the payment products' logos.",
    ("Signature", "signatures"): "Who signs the agreement.",
    ("Signature", "politically_exposed_person"): "Whether a signatory is a politically exposed person.",
    ("Signature", "politically_exposed_associated"): "Whether a signatory is associated with one.",
    ("SignatureEntry", "email"): "Where the signatory gets the agreement.",
    ("Applicant", "email"): "The applicant's e-mail address.",
    ("CompanyInformation", "industry"): "The industry, e.g. goods.",
    ("CompanyInformation", "company_category"): "The company category, e.g. 4722.",
    ("CompanyInformation", "mcc"): "The merchant category code, with its descriptions.",
    ("CompanyInformation", "company_description"): "What the company does; may span lines.",
    ("CompanyMcc", "range"): "The MCC range the code belongs to.",
    ("CompanyMcc", "iso_description"): "The ISO 18245 description of the code.",
    ("CompanyMcc", "usda_description"): "The USDA description of the code.",
    ("CompanyMcc", "stripe_description"): "Stripe's description of the code.",
    ("CompanyMcc", "stripe_code"): "Stripe's name of the code.",
    ("CompanyMcc", "visa_description"): "Visa's description of the code.",
    ("CompanyMcc", "visa_req_clearing_name"): "Visa's clearing name of the code.",
    ("MccRange", "start"): "The first code of the range.",
    ("MccRange", "end"): "The last code of the range.",
    ("MccRange", "reserved"): "Whether the range is reserved.",
    ("PaymentMethodSpecific", "payex"): "PayEx: its signup URL.",
    ("PaymentMethodSpecific", "instabank"): "Instabank: expected volumes.",
    ("PaymentMethodSpecific", "vipps"): "Vipps: its signup URL.",
    ("SignupUrl", "signup_url"): "The signup URL.",
    ("InstabankVolumes", "total_number_of_transactions"): "Expected number of transactions in total.",
    ("InstabankVolumes", "total_volume_of_transactions"): "Expected volume of transactions in total.",
    ("InstabankVolumes", "finance_number_of_transactions"): "Expected number of financed transactions.",
    ("InstabankVolumes", "finance_volume_of_transactions"): "Expected volume of financed transactions.",
    ("PaymentTypeShare", "percentage"): "The share of this payment type, 0 to 100.",
}

# Examples from the seeds (Klarna's Management API reference, Dintero's connection signups).
EXAMPLES: dict[tuple[str, str] | str, list[Any]] = {
    ("Merchant", "account_reference"): ["M123786123412"],
    ("KlarnaMerchant", "account_name"): ["John Doe Stakehouse"],
    ("KlarnaMerchant", "account_group_reference"): ["all-john-doe-restaurants"],
    ("PaymentProduct", "distribution_profile_id"): [
        "krn:partner:global:account:distribution-profile:206bbb83-9b6e-46fa-940d-337153c04a58"
    ],
    ("Website", "website_reference"): ["999888777"],
    ("Website", "website_name"): ["John Doe Stakehouse"],
    ("Website", "channel_collection_reference"): ["online-stores"],
    ("Collection", "collection_reference"): ["online-stores"],
    ("AccountInformation", "account_created_from_ip"): ["192.168.1.1"],
    ("AccountInformation", "account_created_at"): ["2024-01-01T12:00:00Z"],
    ("BusinessInformation", "business_name"): ["John Doe LLC"],
    ("BusinessInformation", "business_entity_type"): ["LIMITED_LIABILITY_COMPANY"],
    ("BusinessInformation", "registration_authority"): ["Ohio"],
    ("BusinessInformation", "registration_number"): ["12345678"],
    ("BusinessInformation", "tax_registration_number"): ["999-999-999"],
    ("BusinessInformation", "financial_registration_number"): ["12345678"],
    ("Address", "street_address"): ["800 N. High St"],
    ("Address", "street_address2"): ["Ste. 400"],
    ("Address", "postal_code"): ["43215"],
    ("Address", "city"): ["Columbus"],
    ("Address", "region"): ["OH"],
    ("Address", "country"): ["US", "NO"],
    ("NationalIdentification", "country"): ["US", "NO"],
    ("Stakeholder", "roles"): [["OWNER"]],
    ("Settlement", "settlement_enabled"): [True],
    ("BankAccount", "bank_account_type"): ["IBAN"],
    ("BankAccount", "account_holder"): ["John Doe Stakehouse"],
    ("BankAccount", "bic"): ["NDEASEGGXXX"],
    ("PaymentProgramEnablement", "effective_from"): ["2023-05-01T00:00:00Z"],
    ("Market", "customer_country"): ["NO", "SE"],
    ("SupportContact", "email"): ["john.doe@example.com"],
    ("SupportContact", "phone"): ["+18445527621"],
    ("KlarnaSignup", "case_id"): ["3c90c3cc-0d44-4b50-8888-8dd25736052a"],
    ("KlarnaSignup", "price_package"): ["EU_DINTERO_PP001"],
    ("KlarnaSignup", "mcc"): [5814],
    ("KlarnaPaymentOption", "type"): ["klarna.klarna"],
    ("KlarnaPaymentOption", "currencies"): [["NOK"]],
    ("VippsPspPaymentOption", "type"): ["dintero_psp.vipps"],
    ("CommonPaymentOption", "type"): ["dintero.zero"],
    ("CommonSignup", "store_type"): [["online"]],
    ("CommonSignup", "package"): ["Checkout 195 NOK/month + 1.5%"],
    ("Revenue", "currency"): ["NOK"],
    ("Revenue", "yearly_revenue"): ["100.000-250.000 NOK"],
    ("Revenue", "highest_transaction_amount"): ["500-1000 NOK"],
    ("Revenue", "average_amount"): ["250-500 NOK"],
    ("PaymentTypeShare", "percentage"): [50],
    ("PaymentTypeShare", "type"): ["swish.swish"],
    ("SignupBankAccount", "account_number_type"): ["iban"],
    ("SignupBankAccount", "account_statement_url"): ["https://example.dintero.com/c/photos/account_statement.pdf"],
    ("Ownership", "ownership_structure"): ["owners_with_more_than_25"],
    ("Owner", "percentage"): [25],
    ("OwnerAddress", "address_line"): ["Sommerkroveien 34"],
    ("OwnerAddress", "address_line_2"): ["PB 123"],
    ("OwnerAddress", "postal_code"): ["0349"],
    ("OwnerAddress", "postal_place"): ["Oslo"],
    ("OwnerAddress", "country"): ["NO"],
    ("Applicant", "first_name"): ["John"],
    ("Applicant", "last_name"): ["Doe"],
    ("Applicant", "email"): ["customer@example.com"],
    ("Applicant", "phone_number"): ["+4799999999"],
    ("CompanyInformation", "industry"): ["goods"],
    ("CompanyInformation", "company_category"): ["4722"],
    ("DinteroMerchant", "account_id"): ["T11200101"],
}


def description_of(model: str, name: str) -> str | None:
    return BY_FIELD.get((model, name)) or BY_NAME.get(name)


def examples_of(model: str, name: str) -> list[Any] | None:
    return EXAMPLES.get((model, name))
