"""The desired-state models: a merchant file and partner.yaml. Past the loader, nothing else represents them.

A merchant is identified by the Klarna ``account_reference``; its ``klarna`` section is required (at
least ``account_name``) and its ``dintero`` section is optional (Klarna-only merchants have none).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator, Field, StringConstraints

from reconciler.desired.base import DesiredModel
from reconciler.desired.enums import CredentialEnvironment, CredentialType
from reconciler.desired.introspect import sensitive_paths
from reconciler.desired.models_dintero import DinteroMerchant
from reconciler.desired.models_klarna import KlarnaMerchant
from reconciler.desired.types import Reference, WebhookUrl
from reconciler.sensitive import register_marked


class Merchant(DesiredModel):
    """One file under ``desired-state/merchants/``."""

    account_reference: Annotated[Reference, Field(description="the partner's reference of the Klarna account")]
    lifecycle: (
        Annotated[
            Literal["managed", "retired"],
            Field(
                description="retired: the merchant has left management; nothing is planned or written for it, and "
                "drift does not report it as unmanaged"
            ),
        ]
        | None
    ) = None
    shares_with: (
        Annotated[
            list[Reference],
            Field(
                description="account references of merchants with the same owner: the IBANs, national ids and "
                "social security numbers they share (and the !env / !secret names holding them) are not "
                "reported as a copied merchant file",
                max_length=1000,
            ),
        ]
        | None
    ) = None
    klarna: KlarnaMerchant
    dintero: DinteroMerchant | None = None


class PartnerCredential(DesiredModel):
    """A partner-level Klarna credential, matched by its description. The key itself is never declared."""

    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-zA-Z0-9\-:;., _]+$")
    ]
    type: CredentialType
    environment: CredentialEnvironment

    def natural_key(self) -> str:
        return self.description


# A signing key is told apart by its description (Klarna generates its id and its secret).
KeyDescription = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-zA-Z0-9\-:;., _]+$")
]
# An event type or a wildcard (``partner.*``, ``*``): Klarna's names are lower case, dotted, dashed.
EVENT_TYPE_PATTERN = r"^(\*|[a-z0-9\-]+(\.[a-z0-9\-]+)*(\.\*)?)$"
EventType = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=EVENT_TYPE_PATTERN)
]


def webhook_identity(url: str) -> str:
    """What makes two webhook URLs one: the scheme and host compare without regard to case."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def _unique_event_types(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("event_types must be unique")
    return value


class PartnerSigningKey(DesiredModel):
    """A Notifications API signing key, matched by its description. Klarna generates its secret and
    answers it once, to the create: it is never declared, printed or kept in a plan."""

    description: KeyDescription

    def natural_key(self) -> str:
        return self.description


class PartnerWebhook(DesiredModel):
    """A webhook subscription, matched by its URL; its signing key is named by that key's description."""

    url: WebhookUrl
    event_types: Annotated[list[EventType], Field(min_length=1, max_length=50), AfterValidator(_unique_event_types)]
    signing_key_description: KeyDescription
    event_version: Literal["v1"] | None = None  # sent as "v1" on create when not declared
    status: Literal["ENABLED", "DISABLED"] | None = None

    def natural_key(self) -> str:
        return self.url


class PartnerKlarna(DesiredModel):
    credentials: list[PartnerCredential] | None = None
    signing_keys: list[PartnerSigningKey] | None = None
    webhooks: list[PartnerWebhook] | None = None


class Partner(DesiredModel):
    """``desired-state/partner.yaml``: partner-level settings, not tied to one merchant."""

    klarna: PartnerKlarna | None = None


# What every output masks comes from these markers.
register_marked(sensitive_paths(Merchant) | sensitive_paths(Partner))
