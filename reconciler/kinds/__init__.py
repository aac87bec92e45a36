"""One module per resource kind, and the registry that the comparison, the plan and apply ask.

Importing this package registers every kind (``KINDS``). Adding a kind: see the README's
"Adding a resource kind".
"""

from __future__ import annotations

from reconciler.kinds import (  # noqa: F401  (each module registers its kind)
    account,
    account_information,
    account_settings,
    bank_account,
    business_information,
    collection,
    connection,
    credential,
    enablement,
    payment_product,
    settlement,
    signing_key,
    stakeholder,
    webhook,
    website,
)
from reconciler.kinds.names import PARTNER, ResourceKind, resource_address
from reconciler.kinds.registry import KINDS
from reconciler.kinds.state import MerchantView, ResourceState

__all__ = ["KINDS", "PARTNER", "MerchantView", "ResourceKind", "ResourceState", "resource_address"]
