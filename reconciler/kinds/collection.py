"""``klarna.collection``: a collection channel of the account, keyed by its ``collection_reference``.

Created by (incremental) onboard, patched by PATCH; the API offers no delete.
"""

from __future__ import annotations

from reconciler.kinds.channel import Channel
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.live.klarna import KlarnaClient


@register
class Collection(Channel):
    name = ResourceKind.COLLECTION
    title = "a collection"
    section = attribute = onboard_key = "collections"
    id_field = "collection_id"
    reference_field = "collection_reference"
    patch_route = "patch_collection"
    patch_call = staticmethod(KlarnaClient.patch_collection)
