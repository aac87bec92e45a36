"""``klarna.settlement``: the account's settlement information; written by PATCH.

Its bank accounts are a kind of their own (``bank_account``).
"""

from __future__ import annotations

from reconciler.kinds.kind import KlarnaSingleton
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.live.klarna import KlarnaClient


@register
class Settlement(KlarnaSingleton):
    name = ResourceKind.SETTLEMENT
    title = "settlement information"
    section = "settlement"
    attribute = "settlement_information"
    write_route = "patch_settlement"
    write_call = staticmethod(KlarnaClient.patch_settlement)
