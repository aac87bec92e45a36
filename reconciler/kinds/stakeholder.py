"""``klarna.stakeholder``: a person behind the merchant, keyed by given name, family name and birth date.

The address prints a slug of the names only: a date of birth is sensitive. A name from the secrets store
is shown by its fingerprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.desired.models_klarna import name_key, slug
from reconciler.kinds.kind import shown_key
from reconciler.kinds.members import AccountMembers
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.live.klarna import KlarnaClient


def stakeholder_identity(data: Mapping[str, Any]) -> str:
    """Names and date of birth, the names as the model tells two apart (``name_key``): a name the API keeps
    with a trailing space or decomposed accents is the same person's."""
    return "|".join(
        [
            name_key(str(data.get("given_name", ""))),
            name_key(str(data.get("family_name", ""))),
            str(data.get("date_of_birth", "")),
        ]
    )


@register
class Stakeholder(AccountMembers):
    name = ResourceKind.STAKEHOLDER
    title = "a stakeholder"
    section = attribute = "stakeholders"
    id_field = "stakeholder_id"
    replaceable = True
    create_route, patch_route, delete_route = "create_stakeholder", "patch_stakeholder", "delete_stakeholder"
    create_call = staticmethod(KlarnaClient.create_stakeholder)
    patch_call = staticmethod(KlarnaClient.patch_stakeholder)
    delete_call = staticmethod(KlarnaClient.delete_stakeholder)

    def identity(self, fields: Mapping[str, Any]) -> str:
        return stakeholder_identity(fields)

    def display(self, fields: Mapping[str, Any]) -> str:
        given, family = str(fields.get("given_name", "")), str(fields.get("family_name", ""))
        return f"{shown_key(given, slug)}-{shown_key(family, slug)}"
