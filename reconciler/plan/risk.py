"""How risky an operation is: one table, by kind and action.

``high`` is anything that touches where money goes or who the merchant is: bank accounts and
settlement, stakeholders (identity, ownership), a payment product switched on or off, the partner's
credentials, signing keys and webhooks (where Klarna sends a merchant's events, and what proves
they are Klarna's), every adopt (onboarding an existing Klarna merchant overwrites its data), and
every replace or delete. ``medium`` changes what a merchant is or sells: the
account, its product's terms, business and account information, payment programs, Dintero
connections. ``low`` is presentation: websites and collections.

=============================== ============================ ==============================
kind                            high                         medium / low
=============================== ============================ ==============================
klarna.bank_account             every action
klarna.settlement               every action
klarna.stakeholder              every action
klarna.credential               every action
klarna.signing_key              every action
klarna.webhook                  every action
klarna.payment_product          disable, enable              medium: create, patch
klarna.account                                               medium
klarna.account_information                                   medium
klarna.business_information                                  medium
klarna.payment_program_enablement                            medium
dintero.connection                                           medium
dintero.account_settings                                     medium
klarna.website                                               low
klarna.collection                                            low
(any kind)                      adopt, replace, delete
=============================== ============================ ==============================
"""

from __future__ import annotations

from reconciler.kinds import ResourceKind
from reconciler.plan.operation import Action, Risk

K = ResourceKind

_BY_KIND: dict[ResourceKind, Risk] = {
    K.BANK_ACCOUNT: Risk.HIGH,
    K.SETTLEMENT: Risk.HIGH,
    K.STAKEHOLDER: Risk.HIGH,
    K.CREDENTIAL: Risk.HIGH,
    K.SIGNING_KEY: Risk.HIGH,
    K.WEBHOOK: Risk.HIGH,
    K.PAYMENT_PRODUCT: Risk.MEDIUM,
    K.ACCOUNT: Risk.MEDIUM,
    K.ACCOUNT_INFORMATION: Risk.MEDIUM,
    K.BUSINESS_INFORMATION: Risk.MEDIUM,
    K.ENABLEMENT: Risk.MEDIUM,
    K.CONNECTION: Risk.MEDIUM,
    K.ACCOUNT_SETTINGS: Risk.MEDIUM,
    K.WEBSITE: Risk.LOW,
    K.COLLECTION: Risk.LOW,
}
_HIGH_ACTIONS = frozenset({Action.ADOPT, Action.DISABLE, Action.ENABLE, Action.REPLACE, Action.DELETE})


def risk_of(kind: ResourceKind, action: Action) -> Risk:
    if action in _HIGH_ACTIONS:
        return Risk.HIGH
    return _BY_KIND[kind]
