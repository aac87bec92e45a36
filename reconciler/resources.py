"""Resource kinds, their order, and the flat per-resource view that diff and plan work on.

Both sides of a comparison are brought into this shape: the desired state from the YAML models
and the live state from the API clients. A ``ResourceState`` holds JSON-like values that are
already normalised, so comparing them is plain equality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ResourceKind(StrEnum):
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
    CONNECTION = "dintero.connection"

    @property
    def api(self) -> str:
        return self.value.split(".", 1)[0]


# The order operations run in within one merchant: the account first, Klarna before Dintero,
# and the payment product before the enablements that hang off it.
KIND_ORDER: dict[ResourceKind, int] = {kind: index for index, kind in enumerate(ResourceKind)}

# Kinds whose members live in a list matched by natural key; the rest are singletons.
KEYED_KINDS = frozenset(
    {
        ResourceKind.WEBSITE,
        ResourceKind.COLLECTION,
        ResourceKind.STAKEHOLDER,
        ResourceKind.BANK_ACCOUNT,
        ResourceKind.ENABLEMENT,
        ResourceKind.CREDENTIAL,
        ResourceKind.CONNECTION,
    }
)

PARTNER = "partner"  # the "merchant" part of addresses of partner-level resources (credentials)


def resource_address(merchant: str, kind: ResourceKind, key: str | None = None) -> str:
    """``M123/klarna.stakeholder/john-doe-3a9c``: unique in a plan, safe to print."""
    return f"{merchant}/{kind.value}" + (f"/{key}" if key else "")


@dataclass(frozen=True)
class ResourceState:
    """One resource as the reconciler sees it.

    ``fields`` holds the managed fields (desired: only what the YAML declares). ``remote_id`` is
    the API's id of a live object, ``status`` its read-only lifecycle state (product ``ENABLED``,
    connection ``pending``), which never appears as a field change.
    """

    kind: ResourceKind
    key: str | None
    fields: Mapping[str, Any]
    remote_id: str | None = None
    status: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def address(self, merchant: str) -> str:
        return resource_address(merchant, self.kind, self.key)


@dataclass(frozen=True)
class MerchantView:
    """All resources of one merchant on one side of the comparison, by address."""

    reference: str
    resources: Mapping[str, ResourceState]
    # Which keyed kinds the YAML declares as whole lists: members the API has beyond them are deleted.
    managed_lists: frozenset[ResourceKind] = frozenset()
