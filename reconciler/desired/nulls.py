"""YAML null (``~``, or a key with nothing after it) where a model expects a value: refused, located.

No field of a merchant file, partner.yaml or reconciler.yaml gives null a meaning. The models'
``X | None = None`` means "not written, so not managed"; a null written in the file would otherwise
pass as that and then reach the plan as a declared ``None`` (a list or a section that is not one).
So null is an error at its line naming the field and what it expects: ``klarna.websites: expected a
list, got null (~)``. Inside a free-form mapping (``branding``) nothing is checked. A field whose
null has a documented meaning says so with ``json_schema_extra={NULL_MEANS: "what it means"}``
(``policy.max_delete_count: null`` is "no limit") and takes null.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from reconciler.desired.introspect import field_key
from reconciler.desired.positions import FieldPath

NULL_MEANS = "x-null-means"


def _concrete(annotation: Any) -> Iterator[Any]:
    """The types an annotation allows, with Annotated and Optional taken off (list and dict kept)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _concrete(get_args(annotation)[0])
    elif origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                yield from _concrete(arg)
    else:
        yield annotation


def _kind(annotation: Any) -> str:
    """What a value of this type is, in a user's words: a list, a mapping, a number, true or false..."""
    kinds = set()
    for member in _concrete(annotation):
        origin = get_origin(member) or member
        if origin in (list, tuple, set, frozenset):
            kinds.add("a list")
        elif origin is dict or (isinstance(member, type) and issubclass(member, BaseModel)):
            kinds.add("a mapping")
        elif member is bool:
            kinds.add("true or false")
        elif member in (int, float):
            kinds.add("a number")
        elif origin is Literal:
            values = [repr(v) for v in get_args(member)]
            kinds.add("one of " + ", ".join(values if len(values) <= 4 else [*values[:3], "…"]))
        else:
            kinds.add("a value")
    return " or ".join(sorted(kinds)) if kinds else "a value"


def _item_annotation(annotation: Any) -> Any | None:
    """The item type of the list an annotation allows, if it allows one."""
    for member in _concrete(annotation):
        if get_origin(member) in (list, tuple, set, frozenset):
            args = [a for a in get_args(member) if a is not Ellipsis]
            return args[0] if args else Any
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for member in _concrete(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def null_fields(null_paths: Iterable[FieldPath], model_cls: type[BaseModel]) -> Iterator[tuple[FieldPath, str, bool]]:
    """Of the places a document holds null (the loader records them), each one where a model's field
    or a list item of one expects a value: its path, what it expects, and whether the field may be
    left out instead. Nulls inside a free-form mapping, or under an unknown key, are not the models'."""
    for path in null_paths:
        found = _expected_at(path, model_cls)
        if found is not None:
            yield (path, *found)


def _expected_at(path: FieldPath, model_cls: type[BaseModel]) -> tuple[str, bool] | None:
    annotation: Any = model_cls
    optional = False
    for part in path:
        if isinstance(part, int):
            annotation = _item_annotation(annotation)
            optional = False
        else:
            model = _model_of(annotation)
            info = None if model is None else _fields(model).get(part)
            if info is None:
                return None
            extra = info.json_schema_extra
            if isinstance(extra, dict) and NULL_MEANS in extra:
                return None
            annotation, optional = info.annotation, not info.is_required()
        if annotation is None:
            return None
    return (_kind(annotation), optional) if path else None


@cache
def _fields(model_cls: type[BaseModel]) -> dict[str, FieldInfo]:
    return {field_key(name, info): info for name, info in model_cls.model_fields.items()}


def null_message(kind: str, optional: bool, *, leave_out: str) -> str:
    """``expected a list, got null (~)``, with the hint to leave the field out when it is optional."""
    message = f"expected {kind}, got null (~)"
    return f"{message}; {leave_out}" if optional else message
