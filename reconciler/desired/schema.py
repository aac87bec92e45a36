"""The JSON Schema of a merchant file, for editors (yaml-language-server) and for review.

The committed copy is ``desired-state/merchant.schema.json``; ``reconciler schema`` prints the same
text, and a test fails when the two differ. Sensitive fields carry ``"x-sensitive": true``. Every
property has a description, and examples where the seeds give one (``desired.schema_docs``).

References. yaml-language-server, told ``"yaml.customTags": ["!env scalar", "!env sequence",
"!secret scalar"]``, validates a tagged value as the plain value under the tag: ``!env NAME`` and
``!secret NAME`` as the string ``NAME``, ``!env [NAME, fallback]`` as the list ``[NAME, fallback]``
(its ``custom-tag-provider.ts`` resolves a tag to the scalar's text or the sequence itself, and
``ast-converter.ts`` makes that a string or an array node). So every property that takes a single
value (text or a number, not a fixed choice and not true/false) also accepts a reference name, and
a two-item list of a name and a fallback that is itself a valid value. An editor cannot tell a
reference from a plain value there, so a mistyped value of such a field can pass as a name: the loader
still checks the resolved value.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from reconciler.desired.models import Merchant
from reconciler.desired.profiles import DOTTED_PATH, PROFILE_NAME, PROFILES_KEY, UNSET_KEY
from reconciler.desired.schema_docs import description_of, examples_of

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


REFERENCE_NAME = "ReferenceName"
# A name as !env (letters, digits, _) or !secret (also '.' and '-') takes it.
_REFERENCE_NAME_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^[A-Za-z_][A-Za-z0-9_.\-]*$",
    "description": "The name of a reference: !env NAME (an environment variable) or !secret NAME (secrets.age).",
}
_SCALAR_TYPES = frozenset({"string", "integer", "number"})


def _target(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target: dict[str, Any] = defs[ref.removeprefix("#/$defs/")]
        return target
    return schema


def _takes_a_reference(schema: dict[str, Any], defs: dict[str, Any]) -> bool:
    """A single value that a reference can stand for: text or a number, not a fixed choice."""
    schema = _target(schema, defs)
    if "enum" in schema or "const" in schema or "properties" in schema:
        return False
    branches = schema.get("anyOf")
    if isinstance(branches, list) and "type" not in schema:
        return all(_takes_a_reference(branch, defs) for branch in branches)
    return schema.get("type") in _SCALAR_TYPES


def _or_reference(schema: dict[str, Any]) -> dict[str, Any]:
    name = {"$ref": f"#/$defs/{REFERENCE_NAME}"}
    with_fallback = {
        "type": "array",
        "prefixItems": [name, schema],
        "minItems": 2,
        "maxItems": 2,
        "description": "!env [NAME, fallback]: the variable NAME, or the fallback when it is not set.",
    }
    return {"anyOf": [schema, name, with_fallback]}


def _document_property(model: str, name: str, schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A property as an editor sees it: described, with examples, and taking references where a value may be one."""
    inner = dict(schema)
    description = (
        description_of(model, name) or inner.pop("description", None) or _target(inner, defs).get("description")
    )
    inner.pop("description", None)
    sensitive = inner.pop("x-sensitive", None)
    title = inner.pop("title", None)
    if _takes_a_reference(inner, defs):
        result = _or_reference(inner)
    elif (
        inner.get("type") == "array"
        and isinstance(inner.get("items"), dict)
        and _takes_a_reference(inner["items"], defs)
    ):
        result = {**inner, "items": _or_reference(inner["items"])}
    else:
        result = inner
    if title is not None:
        result["title"] = title
    if description:
        result["description"] = description
    examples = examples_of(model, name)
    if examples is not None:
        result["examples"] = examples
    if sensitive is not None:
        result["x-sensitive"] = sensitive
    return result


def _document_properties(schema: dict[str, Any]) -> None:
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    for model, definition in [("Merchant", schema), *defs.items()]:
        properties = definition.get("properties")
        if isinstance(properties, dict):
            for name in list(properties):
                properties[name] = _document_property(model, name, properties[name], defs)
    defs[REFERENCE_NAME] = dict(_REFERENCE_NAME_SCHEMA)


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
    _document_properties(schema)
    schema["$schema"] = SCHEMA_DIALECT
    schema["properties"].update(_LAYERING_PROPERTIES)
    schema["title"] = "reconciler merchant file"
    schema["description"] = (
        "One merchant's desired state: the Klarna account (required) and its Dintero connections (optional). "
        "Field names are the APIs' own; only the fields written are managed. "
        "A single value may be written !secret NAME (from secrets.age), !env NAME or !env [NAME, fallback] "
        "(from the environment); tell the editor with yaml.customTags: "
        '["!env scalar", "!env sequence", "!secret scalar"].'
    )
    return schema


def render_merchant_schema() -> str:
    """The schema as deterministic text: sorted keys, two-space indent, a final newline."""
    return json.dumps(merchant_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
