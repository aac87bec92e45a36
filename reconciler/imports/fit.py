"""Keep only what a desired-state model declares: live objects carry ids, timestamps and states besides."""

from __future__ import annotations

import types
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


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
def _fields(model: type[BaseModel]) -> list[tuple[str, type[BaseModel] | None, bool]]:
    """(wire name, nested model, in a list) of each field: worked out once per model."""
    return [(info.alias or name, *_model_in(info.annotation)) for name, info in model.model_fields.items()]


def fit(model: type[BaseModel], data: Any) -> Any:
    """``data`` with only the keys ``model`` has fields for (by wire name), recursively; None values dropped."""
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, inner, in_list in _fields(model):
        if key not in data or data[key] is None:
            continue
        value = data[key]
        if inner is not None and in_list and isinstance(value, list):
            out[key] = [fit(inner, item) for item in value]
        elif inner is not None:
            out[key] = fit(inner, value)
        else:
            out[key] = value
    return out
