"""Keep only what a desired-state model declares: live objects carry ids, timestamps and states besides.

A field the model leaves open (``branding: dict[str, Any]``) is copied whole, as an ``OpenMapping`` or
``OpenList``: no model says which of its keys hold what, so the walk that sets sensitive values apart
(``document``) looks at every value in it, not only at the keys it knows.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


class OpenMapping(dict[str, Any]):
    """A mapping a model leaves open, as the API gave it (a ``dict``, so every reader of one still reads it)."""


class OpenList(list[Any]):
    """A list a model leaves open (its items of no declared type), as the API gave it."""


def _is_open(annotation: Any) -> bool:
    """Whether an annotation leaves its value's contents open: ``Any``, a mapping, a list of such (through
    Optional and Annotated). A list of typed items (``list[KlarnaUrl]``) is not open."""
    if annotation is Any or annotation in (dict, list):
        return True
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _is_open(args[0])
    if origin in (Union, types.UnionType):
        return any(_is_open(arg) for arg in args if arg is not type(None))
    if isinstance(origin, type) and issubclass(origin, Mapping):
        return True
    if origin is list:
        return not args or _is_open(args[0])
    return False


def _opened(value: Any) -> Any:
    if isinstance(value, dict):
        return OpenMapping(value)
    if isinstance(value, list):
        return OpenList(value)
    return value


def _model_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model class an annotation holds (through Optional, Annotated and list), and whether in a list."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _model_in(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                found = _model_in(arg)
                if found[0] is not None:
                    return found
        return None, False
    if origin is list:
        model, _ = _model_in(get_args(annotation)[0])
        return model, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


@cache
def _fields(model: type[BaseModel]) -> list[tuple[str, type[BaseModel] | None, bool, bool]]:
    """(wire name, nested model, in a list, open) of each field: worked out once per model."""
    return [
        (info.alias or name, *_model_in(info.annotation), _is_open(info.annotation))
        for name, info in model.model_fields.items()
    ]


def fit(model: type[BaseModel], data: Any) -> Any:
    """``data`` with only the keys ``model`` has fields for (by wire name), recursively; None values dropped.
    The value of an open field is marked (``OpenMapping``, ``OpenList``)."""
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, inner, in_list, is_open in _fields(model):
        if key not in data or data[key] is None:
            continue
        value = data[key]
        if inner is not None and in_list and isinstance(value, list):
            out[key] = [fit(inner, item) for item in value]
        elif inner is not None:
            out[key] = fit(inner, value)
        else:
            out[key] = _opened(value) if is_open else value
    return out
