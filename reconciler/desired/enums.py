"""The closed value sets of the APIs, as ``Literal`` types.

Values the seed references show are included verbatim (``LIMITED_LIABILITY_COMPANY``, ``OWNER``,
``FRAUD``, ``klarna.klarna``, ``dintero_psp.vipps``, ``dintero.zero``, ``swish.swish``); the rest of
each set completes it with the values the sandbox accepts. Correct a set here, in one place, when the
published specs disagree.
"""

from __future__ import annotations

from typing import Literal

# Klarna business information: business_entity_type.
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

# Klarna stakeholders: roles[].
StakeholderRole = Literal[
    "OWNER",
    "BENEFICIAL_OWNER",
    "DIRECTOR",
    "SIGNATORY",
    "REPRESENTATIVE",
    "CONTROLLING_PERSON",
]

# Klarna payment product disable: reason.
DisableReason = Literal["FRAUD", "COMPLIANCE", "CREDIT_RISK", "MERCHANT_REQUEST", "CONTRACT_TERMINATED", "OTHER"]

# The desired state of the payment product; the API answers ENABLED or DISABLED.
ProductState = Literal["enabled", "disabled"]

BankAccountType = Literal["IBAN"]

# Klarna partner credentials (partner.yaml).
CredentialType = Literal["CLIENT", "API"]
CredentialEnvironment = Literal["LIVE", "TEST"]

# Dintero payment option types, by connection.
KlarnaPaymentType = Literal["klarna.klarna", "klarna.billie"]
VippsPspPaymentType = Literal["dintero_psp.vipps"]
DinteroPaymentType = Literal[
    "bambora.creditcard",
    "bambora.mobilepay",
    "bambora.vipps",
    "collector.finance",
    "collector.installment",
    "collector.invoice",
    "collector.invoice_b2b",
    "dintero.zero",
    "dintero_psp.creditcard",
    "dintero_psp.vipps",
    "instabank.finance",
    "instabank.installment",
    "instabank.invoice",
    "instabank.postponement",
    "klarna.billie",
    "klarna.klarna",
    "netaxept.creditcard",
    "payex.creditcard",
    "payex.mobilepay",
    "payex.swish",
    "payex.trustly",
    "payex.vipps",
    "santander.debit_account",
    "swish.swish",
    "vipps",
]
