"""The JSON Schema of a merchant file, for editors (yaml-language-server) and for review.

The committed copy is ``desired-state/merchant.schema.json``; ``reconciler schema`` prints the same
text, and a test fails when the two differ. Sensitive fields carry ``"x-sensitive": true``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from reconciler.desired.models import Merchant
from reconciler.desired.profiles import DOTTED_PATH, PROFILE_NAME, PROFILES_KEY, UNSET_KEY

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE_NAME = "merchant.schema.json"


class _EditorSchema(GenerateJsonSchema):
    """Optional fields are shown as their type, not as "type or null": leaving a field out is the way to omit it."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        result = super().default_schema(schema)
        if result.get("default", ...) is None:
            result.pop("default")
        return result


# A merchant file's own keys beside the model's fields: the profiles it uses and what it removes of them.
_LAYERING_PROPERTIES: dict[str, Any] = {
    PROFILES_KEY: {
        "description": "Profiles (desired-state/profiles/NAME.yaml) applied in order under this file's own values.",
        "items": {"pattern": f"^{PROFILE_NAME.pattern}$", "type": "string"},
        "type": "array",
    },
    UNSET_KEY: {
        "description": "Dotted paths of values the profiles set that this merchant leaves unmanaged.",
        "items": {"pattern": f"^{DOTTED_PATH.pattern}$", "type": "string"},
        "type": "array",
    },
}


def merchant_schema() -> dict[str, Any]:
    """The merchant file's JSON Schema as a dict."""
    schema = Merchant.model_json_schema(by_alias=True, mode="validation", schema_generator=_EditorSchema)
    schema["$schema"] = SCHEMA_DIALECT
    schema["properties"].update(_LAYERING_PROPERTIES)
    schema["title"] = "reconciler merchant file"
    schema["description"] = (
        "One merchant's desired state: the Klarna account (required) and its Dintero connections (optional). "
        "Field names are the APIs' own; only the fields written are managed. "
        "A value may be written !env NAME or !env [NAME, fallback] to read it from the environment."
    )
    return schema


def render_merchant_schema() -> str:
    """The schema as deterministic text: sorted keys, two-space indent, a final newline."""
    return json.dumps(merchant_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
