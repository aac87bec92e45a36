"""The names of the resource kinds and how a resource is addressed in a plan."""

from __future__ import annotations

import sys
from enum import StrEnum


class ResourceKind(StrEnum):
    """Every kind the reconciler manages, named ``api.kind`` as plans print them.

    Declaration order carries no meaning: the order operations run in is ``kinds.order``.
    """

    ACCOUNT = "klarna.account"
    PAYMENT_PRODUCT = "klarna.payment_product"
    WEBSITE = "klarna.website"
    COLLECTION = "klarna.collection"
    ACCOUNT_INFORMATION = "klarna.account_information"
    BUSINESS_INFORMATION = "klarna.business_information"
    STAKEHOLDER = "klarna.stakeholder"
    SETTLEMENT = "klarna.settlement"
    BANK_ACCOUNT = "klarna.bank_account"
    ENABLEMENT = "klarna.payment_program_enablement"
    CREDENTIAL = "klarna.credential"
    SIGNING_KEY = "klarna.signing_key"
    WEBHOOK = "klarna.webhook"
    ACCOUNT_SETTINGS = "dintero.account_settings"
    CONNECTION = "dintero.connection"

    @property
    def api(self) -> str:
        return self.value.split(".", 1)[0]


PARTNER = "partner"  # the "merchant" part of addresses of partner-level resources (credentials, webhooks)


def resource_address(merchant: str, kind: ResourceKind, key: str | None = None) -> str:
    """``M123/klarna.stakeholder/john-doe-3a9c``: unique in a plan, safe to print.

    Interned: a plan holds each address as its operation's and again in its dependants' ``depends_on``.
    """
    # ``kind`` formats as its value (a ``StrEnum``), without the ``value`` property's Python-level lookup:
    # a plan addresses every resource of both sides.
    return sys.intern(f"{merchant}/{kind}/{key}" if key else f"{merchant}/{kind}")
