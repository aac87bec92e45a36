"""The origin of each change: the file that wrote its desired value, for a merchant that uses profiles.

A change's path is inside its resource (``merchant_category_code``); its kind says where in the merchant
document the resource is read from (``Kind.declared_at``), and the merchant's ``Origins`` which layer
wrote that place. A merchant without profiles gets no origins: every value is its own file's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from reconciler.desired.origins import Origins
from reconciler.kinds import KINDS, MerchantView
from reconciler.plan.operation import Operation


def with_origins(ops: Iterable[Operation], desired: MerchantView, origins: Origins | None) -> list[Operation]:
    """The operations with each change's ``origin`` set (a delete has no desired value, so none)."""
    if origins is None:
        return list(ops)
    out = []
    for op in ops:
        state = desired.resources.get(op.address)
        if state is None or not op.changes:
            out.append(op)
            continue
        base = KINDS[state.kind].declared_at(state)
        changes = tuple(replace(c, origin=origins.origin_of(base + c.path)) for c in op.changes)
        out.append(replace(op, changes=changes))
    return out
