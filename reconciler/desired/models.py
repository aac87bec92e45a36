"""The desired-state models: a merchant file and partner.yaml. Past the loader, nothing else represents them.

A merchant is identified by the Klarna ``account_reference``; its ``klarna`` section is required (at
least ``account_name``) and its ``dintero`` section is optional (Klarna-only merchants have none).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from reconciler.desired.base import DesiredModel
from reconciler.desired.enums import CredentialEnvironment, CredentialType
from reconciler.desired.introspect import sensitive_paths
from reconciler.desired.models_dintero import DinteroMerchant
from reconciler.desired.models_klarna import KlarnaMerchant
from reconciler.desired.types import Reference
from reconciler.sensitive import register_marked


class Merchant(DesiredModel):
    """One file under ``desired-state/merchants/``."""

    account_reference: Annotated[Reference, Field(description="the partner's reference of the Klarna account")]
    lifecycle: Annotated[
        Literal["managed", "retired"],
        Field(
            description="retired: the merchant has left management; nothing is planned or written for it, and "
            "drift does not report it as unmanaged"
        ),
    ] | None = None
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


class PartnerKlarna(DesiredModel):
    credentials: list[PartnerCredential] | None = None


class Partner(DesiredModel):
    """``desired-state/partner.yaml``: partner-level settings, not tied to one merchant."""

    klarna: PartnerKlarna | None = None


# What every output masks comes from these markers.
register_marked(sensitive_paths(Merchant) | sensitive_paths(Partner))
