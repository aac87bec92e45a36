"""``klarna.account_information``: when and from where the account was created; set once by PUT.

Klarna stores it once: a later difference is blocked, never silently dropped.
"""

from __future__ import annotations

from reconciler.kinds.kind import KlarnaSingleton
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.live.klarna import KlarnaClient


@register
class AccountInformation(KlarnaSingleton):
    name = ResourceKind.ACCOUNT_INFORMATION
    title = "account information"
    section = attribute = "account_information"
    set_once = True
    write_route = "put_account_information"
    write_call = staticmethod(KlarnaClient.put_account_information)
