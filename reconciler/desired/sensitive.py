"""Sensitive fields: the marker the models carry, the paths it yields, and the masked forms printed instead.

A field is sensitive when its annotation carries ``Sensitive()`` (national ids, social security
numbers, IBANs and account numbers, dates of birth, keys and secrets). The JSON Schema shows it as
``"x-sensitive": true``. Renderers ask ``is_sensitive(path)`` and print ``mask(value)``; natural keys
never hold a sensitive value at all.
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from reconciler.desired.introspect import walk_fields
from reconciler.redact import fingerprint as redact_fingerprint
from reconciler.redact import is_sensitive_path, mask_scalar

_INDEX = re.compile(r"\[\d*\]")


class Sensitive:
    """Annotation marker: this field's value never appears in output, logs, errors or addresses."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["x-sensitive"] = True
        return schema

    def __repr__(self) -> str:
        return "Sensitive()"


def fingerprint(value: str) -> str:
    """A 4-hex-digit keyed hash of a value (see ``reconciler.redact``): tells two values apart, reveals neither."""
    return redact_fingerprint(value)


def mask(value: object) -> str:
    """The printable stand-in for a sensitive value, e.g. ``****7466 (fp:3a9c)``.

    The last four characters are kept only for long values (IBANs, account numbers), where they help a
    reviewer recognise the account without revealing it; short values (dates, ids) show only the fingerprint.
    """
    text = "" if value is None else str(value)
    if not text:
        return "****"
    return mask_scalar(text, "iban" if len(text) >= 12 else "") or "****"


def generic_path(dotted_path: str) -> str:
    """``klarna.stakeholders[1].date_of_birth`` becomes ``klarna.stakeholders[].date_of_birth``."""
    return _INDEX.sub("[]", dotted_path)


@cache
def sensitive_paths(model_cls: type[BaseModel]) -> frozenset[str]:
    """Every path under ``model_cls`` whose value is sensitive, in the ``a.b[].c`` form."""
    return frozenset(
        path for path, metadata in walk_fields(model_cls) if any(isinstance(item, Sensitive) for item in metadata)
    )


def is_sensitive(dotted_path: str, model_cls: type[BaseModel] | None = None) -> bool:
    """Whether the value at a path must be masked.

    ``dotted_path`` is relative to ``model_cls`` (a merchant file by default); list indexes may be
    given or left as ``[]``. A path whose last field has a sensitive name is sensitive under any model,
    so a path relative to a sub-resource (``national_identification.number``) is covered too.
    """
    path = generic_path(dotted_path)
    if is_sensitive_path(path):  # by field name: the one list every output masks by
        return True
    if model_cls is None:
        from reconciler.desired.models import Merchant

        model_cls = Merchant
    return path in sensitive_paths(model_cls)
