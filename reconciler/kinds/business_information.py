"""``klarna.business_information``: the merchant's legal entity and addresses; written by PATCH."""

from __future__ import annotations

from reconciler.kinds.kind import KlarnaSingleton
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.live.klarna import KlarnaClient


@register
class BusinessInformation(KlarnaSingleton):
    name = ResourceKind.BUSINESS_INFORMATION
    title = "business information"
    section = attribute = "business_information"
    write_route = "patch_business_information"
    write_call = staticmethod(KlarnaClient.patch_business_information)
