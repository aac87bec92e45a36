"""``klarna.website``: a website channel of the account, keyed by its ``website_reference``.

Created by (incremental) onboard, patched by PATCH; the API offers no delete.
"""

from __future__ import annotations

from reconciler.kinds.channel import Channel
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.live.klarna import KlarnaClient


@register
class Website(Channel):
    name = ResourceKind.WEBSITE
    title = "a website"
    section = attribute = onboard_key = "websites"
    id_field = "website_id"
    reference_field = "website_reference"
    patch_route = "patch_website"
    patch_call = staticmethod(KlarnaClient.patch_website)
