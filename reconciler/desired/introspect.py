"""Walking the model classes by field path: which model sits at a path, and what its fields carry.

Used to find every field the models mark ``Sensitive()`` (the paths ``reconciler.sensitive`` masks by),
and to name the expected fields when a YAML file holds an unknown key.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from reconciler.sensitive import Sensitive, is_sensitive_path

PathPart = str | int


def field_key(name: str, info: FieldInfo) -> str:
    """The key a field has in YAML and on the wire: its alias when it has one."""
    return info.alias or name


def _members(annotation: Any) -> Iterator[tuple[Any, list[Any], bool]]:
    """Each concrete type in an annotation, with the Annotated metadata met on the way and whether it is a list item."""
    stack: list[tuple[Any, list[Any], bool]] = [(annotation, [], False)]
    while stack:
        current, metadata, in_list = stack.pop()
        origin = get_origin(current)
        if origin is Annotated:
            inner, *extra = get_args(current)
            stack.append((inner, metadata + list(extra), in_list))
        elif origin in (Union, types.UnionType):
            stack.extend((arg, metadata, in_list) for arg in get_args(current) if arg is not type(None))
        elif origin in (list, tuple, set, frozenset):
            stack.extend((arg, metadata, True) for arg in get_args(current) if arg is not Ellipsis)
        else:
            yield current, metadata, in_list


def fields_of(model_cls: type[BaseModel]) -> list[str]:
    """The YAML keys a model accepts, in declaration order."""
    return [field_key(name, info) for name, info in model_cls.model_fields.items()]


def model_at(model_cls: type[BaseModel], path: tuple[PathPart, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (list indexes skipped), or None."""
    current: type[BaseModel] = model_cls
    for part in path:
        if isinstance(part, int):
            continue
        info = next(
            (i for n, i in current.model_fields.items() if field_key(n, i) == part),
            None,
        )
        if info is None:
            return None
        nested = [t for t, _, _ in _members(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        if not nested:
            return None
        current = nested[0]
    return current


def walk_fields(model_cls: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, list[Any]]]:
    """Every leaf and nested field path of a model, as ``a.b[].c``, with the metadata attached to it."""
    for name, info in model_cls.model_fields.items():
        key = field_key(name, info)
        for member, metadata, in_list in _members(info.annotation):
            path = f"{prefix}{key}{'[]' if in_list else ''}"
            yield path, list(info.metadata) + metadata
            if isinstance(member, type) and issubclass(member, BaseModel):
                yield from walk_fields(member, path + ".")


_INDEX = re.compile(r"\[\d*\]")


def generic_path(dotted_path: str) -> str:
    """``klarna.stakeholders[1].date_of_birth`` becomes ``klarna.stakeholders[].date_of_birth``."""
    return _INDEX.sub("[]", dotted_path)


@cache
def sensitive_paths(model_cls: type[BaseModel]) -> frozenset[str]:
    """Every path under ``model_cls`` whose value is marked sensitive, in the ``a.b[].c`` form."""
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
    if is_sensitive_path(path):
        return True
    if model_cls is None:
        from reconciler.desired.models import Merchant  # the models import this module

        model_cls = Merchant
    return path in sensitive_paths(model_cls)
