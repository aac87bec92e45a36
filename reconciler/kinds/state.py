"""Resources as the reconciler sees them, on either side of a comparison.

Both sides are brought into this shape: the desired state from the merchant documents and the
live state from the API clients' models. A ``ResourceState`` holds JSON-like values that are
already normalised, so comparing them is plain equality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.kinds.names import ResourceKind, resource_address
from reconciler.records import record

MATCH = "match"  # key of ResourceState.extra holding the natural key used for matching


@record
class Member:
    """One object of a kind as a projection gives it, before it is matched and addressed.

    Live fields arrive as the API's model dump; the comparison normalises them.
    """

    fields: dict[str, Any]
    remote_id: str | None = None
    status: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@record
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


@dataclass(frozen=True, slots=True)
class MerchantView:
    """All resources of one merchant on one side of the comparison, by address."""

    reference: str
    resources: Mapping[str, ResourceState]
    # Which keyed kinds the YAML declares as whole lists: members the API has beyond them are deleted.
    managed_lists: frozenset[ResourceKind] = frozenset()

    def get(self, kind: ResourceKind, key: str | None = None) -> ResourceState | None:
        return self.resources.get(resource_address(self.reference, kind, key))
