"""Limits agree: every desired-state field and the sandbox's request field it is sent as have the same
length limits, numeric bounds and optionality.

The field pairs are derived, not listed: each part of the desired state is sent as the body of one or
more of the client's routes (``SENT_AS``, the one hand-written table: which route carries which section);
the sandbox's OpenAPI document names the request model of each route; below that, fields pair up by
name, nested models by the field that holds them. A desired field with no field of its name in the
request model must be in ``NO_COUNTERPART`` with the reason.

Optionality: a field the desired state requires must be required by the API's create body (the file
must not demand what the API does not). Inside a nested object (sent whole, such as an address or a
signup) a field the API's create body requires must be required in the file too. A top-level field of
a resource may be optional in the file although the API's create needs it: only what the file declares
is managed (DESIGN.md §3).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from reconciler.desired.models import Merchant, Partner
from reconciler.live.dintero import DINTERO_ROUTES
from reconciler.live.klarna_routes import KLARNA_ROUTES
from reconciler.sandbox import SandboxSettings, create_app
from reconciler.sandbox.dintero import models as dintero_models
from reconciler.sandbox.klarna import models as klarna_models

# Where each part of the desired state goes: (model, field path) -> the routes whose body it is, create first.
# A path's last part names the field of the parent model; "[]" marks a list's items.
SENT_AS: dict[tuple[type[BaseModel], str], tuple[tuple[str, str, str], ...]] = {
    (Merchant, ""): (("klarna", "onboard", ""),),
    (Merchant, "klarna"): (("klarna", "onboard", ""), ("klarna", "patch_account", "")),
    (Merchant, "klarna.payment_product"): (("klarna", "onboard", "products[]"), ("klarna", "patch_product", "")),
    (Merchant, "klarna.payment_product.disabled_reason"): (("klarna", "disable_product", ""),),
    (Merchant, "klarna.websites[]"): (("klarna", "onboard", "websites[]"), ("klarna", "patch_website", "")),
    (Merchant, "klarna.collections[]"): (("klarna", "onboard", "collections[]"), ("klarna", "patch_collection", "")),
    (Merchant, "klarna.account_information"): (("klarna", "put_account_information", ""),),
    (Merchant, "klarna.business_information"): (("klarna", "patch_business_information", ""),),
    (Merchant, "klarna.stakeholders[]"): (("klarna", "create_stakeholder", ""), ("klarna", "patch_stakeholder", "")),
    (Merchant, "klarna.settlement"): (("klarna", "patch_settlement", ""),),
    (Merchant, "klarna.bank_accounts[]"): (("klarna", "create_bank_account", ""), ("klarna", "patch_bank_account", "")),
    (Merchant, "klarna.payment_program_enablements[]"): (("klarna", "create_enablement", ""),),
    (Merchant, "dintero.settings"): (("dintero", "settings", ""),),
    (Merchant, "dintero.connections.klarna"): (("dintero", "connection:klarna", ""),),
    (Merchant, "dintero.connections.vipps-psp"): (("dintero", "connection:vipps-psp", ""),),
    (Merchant, "dintero.connections.common"): (("dintero", "connection:common", ""),),
    (Partner, "klarna.credentials[]"): (("klarna", "create_credential", ""),),
    (Partner, "klarna.signing_keys[]"): (("klarna", "create_signing_key", ""),),
    (Partner, "klarna.webhooks[]"): (("klarna", "create_webhook", ""), ("klarna", "patch_webhook", "")),
}

# Desired fields that no request field of their name receives, and why. (A field that is itself a part
# in SENT_AS is compared there.)
NO_COUNTERPART: dict[str, str] = {
    "Merchant.klarna.payment_product.state": "the product's lifecycle: the disable / enable route, not a body field",
    "Merchant.dintero": "the Dintero part: its account id is a path parameter, its parts have their routes",
    "Partner.klarna.webhooks[].signing_key_description": "sent as signing_key_id, looked up by the key's description",
    "Merchant.lifecycle": "the reconciler's own: a retired merchant is left out of management, nothing is sent",
    "Merchant.shares_with": "the reconciler's own: which merchants validate lets share an owner's values",
    "Merchant.klarna.merchant_id": "sent as products[].merchant_id of an adopting onboard, never in an account body",
}
# Differences kept on purpose, and why.
KEPT: dict[str, str] = {
    "Partner.klarna.signing_keys[].description (sandbox SigningKeyCreate): required in the desired state, optional "
    "in the API": "the natural key the reconciler matches signing keys by; the API names a key only by its id",
    "Merchant.klarna.bank_accounts[].iban (sandbox BankAccountCreate): required in the desired state, optional in "
    "the API": "the API takes iban or iban_hash; the file always holds the number, hashed after loading when "
    "reconciler.yaml turns bank account hashing on",
}


@dataclass
class Shape:
    """What a field's type allows: string lengths, numeric bounds, list lengths, items, a nested model."""

    strings: dict[str, Any] = field(default_factory=dict)
    numbers: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, Any] = field(default_factory=dict)
    item: Shape | None = None
    model: type[BaseModel] | None = None
    literal: bool = False


_LENGTHS = ("min_length", "max_length")
_BOUNDS = ("ge", "gt", "le", "lt")


def _constraints(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found.update(_constraints(list(item.metadata)))
            continue
        for name in (*_LENGTHS, *_BOUNDS):
            value = getattr(item, name, None)
            if value is not None:
                found[name] = value
    return found


def shape_of(annotation: Any, metadata: list[Any]) -> Shape:
    """The shape of a type, with the constraints given beside it (a field's own, or an Annotated's)."""
    found = _constraints(metadata)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return shape_of(inner, [*metadata, *extra])
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        shapes = [shape_of(a, metadata) for a in args]
        # int | float (a percentage): one number; a model or a string among others: the first that says most.
        return max(shapes, key=lambda s: (s.model is not None, len(s.strings) + len(s.numbers) + len(s.lists)))
    if origin is typing.Literal:
        return Shape(literal=True)
    if origin is list:
        (inner,) = typing.get_args(annotation)
        return Shape(lists={k: v for k, v in found.items() if k in _LENGTHS}, item=shape_of(inner, []))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Shape(model=annotation)
    if annotation in (int, float, bool):
        return Shape(numbers={k: v for k, v in found.items() if k in _BOUNDS})
    return Shape(
        strings={k: v for k, v in found.items() if k in _LENGTHS},
        numbers={k: v for k, v in found.items() if k in _BOUNDS},
    )


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {(info.alias or name): info for name, info in model.model_fields.items()}


def _field_shape(info: FieldInfo) -> Shape:
    return shape_of(info.annotation, list(info.metadata))


def _sandbox_models() -> dict[tuple[str, str, str], type[BaseModel]]:
    """Each route's request model, as the sandbox's OpenAPI document names it."""
    document = create_app(SandboxSettings(db_path=None)).openapi()
    bodies: dict[tuple[str, str], str] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            schema = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                continue
            ref = schema.get("$ref") or next(s["$ref"] for s in schema["anyOf"] if "$ref" in s)
            bodies[(method.upper(), path)] = ref.rsplit("/", 1)[-1]
    found: dict[tuple[str, str, str], type[BaseModel]] = {}
    for (_, _), routes in SENT_AS.items():
        for api, route, _ in routes:
            if api == "klarna":
                method, path = KLARNA_ROUTES[route].method, "/klarna" + KLARNA_ROUTES[route].path
            else:
                name, _, connection = route.partition(":")
                method = "POST" if connection else "PUT"
                path = "/dintero" + DINTERO_ROUTES[name].replace("{connection}", connection)
            template = _templated(path)
            names = [body for (m, p), body in bodies.items() if m == method and _templated(p) == template]
            assert len(names) == 1, f"the sandbox serves no request body for {method} {path}"
            module = klarna_models if api == "klarna" else dintero_models
            found[(api, route, method)] = getattr(module, names[0])
    return found


def _templated(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _descend(model: type[BaseModel], path: str) -> tuple[type[BaseModel], str]:
    """The model at ``path`` (``a.b[]``) of ``model``, and the dotted name of that place."""
    for part in [p for p in path.split(".") if p]:
        shape = _field_shape(_fields(model)[part.removesuffix("[]")])
        shape = shape.item if part.endswith("[]") and shape.item is not None else shape
        assert shape.model is not None, f"{path}: not a model"
        model = shape.model
    return model, path


@dataclass
class Pair:
    where: str  # the desired field, dotted from its root model
    desired: FieldInfo
    sandbox: FieldInfo
    sandbox_model: str
    nested: bool  # inside an object sent whole (optionality compared both ways)
    create: bool  # the create body (optionality compared at all)


def pairs() -> Iterator[Pair | tuple[str, str]]:
    """Every desired field with its request field; ``(where, model)`` for a desired field with none."""
    models = _sandbox_models()
    for (root, path), routes in SENT_AS.items():
        desired_model, _ = _descend(root, path)
        for index, (api, route, inner) in enumerate(routes):
            method = KLARNA_ROUTES[route].method if api == "klarna" else ("POST" if ":" in route else "PUT")
            sandbox_model, _ = _descend(models[(api, route, method)], inner)
            yield from _walk(f"{root.__name__}.{path}", desired_model, sandbox_model, index == 0, nested=False)


def _walk(
    where: str, desired: type[BaseModel], sandbox: type[BaseModel], create: bool, *, nested: bool
) -> Iterator[Pair | tuple[str, str]]:
    theirs = _fields(sandbox)
    for name, info in _fields(desired).items():
        place = f"{where}.{name}".replace("..", ".").replace("Merchant..", "Merchant.")
        if _is_part(place):
            continue  # a part of its own, sent by its own routes (SENT_AS)
        if name not in theirs:
            yield (place, sandbox.__name__)
            continue
        yield Pair(place, info, theirs[name], sandbox.__name__, nested, create)
        mine, other = _field_shape(info), _field_shape(theirs[name])
        suffix = ""
        if mine.item is not None and other.item is not None:
            mine, other, suffix = mine.item, other.item, "[]"
        if mine.model is not None and other.model is not None:
            yield from _walk(place + suffix, mine.model, other.model, create, nested=True)


_PARTS = {f"{root.__name__}.{path}".rstrip(".") for root, path in SENT_AS}


def _is_part(place: str) -> bool:
    return place in _PARTS or place + "[]" in _PARTS


def disagreements() -> list[str]:
    found: list[str] = []
    for pair in pairs():
        if isinstance(pair, tuple):
            where, model = pair
            if where not in NO_COUNTERPART:
                found.append(f"{where}: no field {where.rsplit('.', 1)[-1]!r} in the sandbox's {model}")
            continue
        label = f"{pair.where} (sandbox {pair.sandbox_model})"
        mine, other = _field_shape(pair.desired), _field_shape(pair.sandbox)
        found.extend(_compare(label, mine, other))
        if pair.create:
            required, theirs = pair.desired.is_required(), pair.sandbox.is_required()
            if required and not theirs:
                found.append(f"{label}: required in the desired state, optional in the API")
            if pair.nested and theirs and not required:
                found.append(f"{label}: optional in the desired state, required in the API")
    return [message for message in found if message not in KEPT]


def _compare(label: str, mine: Shape, other: Shape, level: str = "") -> list[str]:
    out: list[str] = []
    for kind, a, b in (
        ("length", mine.strings, other.strings),
        ("bounds", mine.numbers, other.numbers),
        ("items", mine.lists, other.lists),
    ):
        if kind == "length" and (mine.model is not None or other.model is not None or mine.literal):
            continue  # a model, or a closed set of values: no length to compare
        if kind == "length" and a.get("min_length") == 1 and not b.get("min_length"):
            # The file refuses an empty string where the API takes one: leaving the field out says nothing.
            a = {k: v for k, v in a.items() if k != "min_length"}
        if a != b:
            out.append(f"{label}{level}: {kind} {a or 'none'} in the desired state, {b or 'none'} in the API")
    if mine.item is not None and other.item is not None:
        out.extend(_compare(label, mine.item, other.item, level + "[]"))
    return out


def test_every_desired_field_has_the_limits_of_its_request_field() -> None:
    found = disagreements()
    assert found == [], "\n".join(found)


def test_the_walk_reaches_the_fields_it_is_meant_to_compare() -> None:
    """The walk is not vacuous: it pairs nested fields of each API and sees the known limits."""
    reached = {p.where: p for p in pairs() if isinstance(p, Pair)}
    for where in (
        "Merchant.klarna.payment_product.disabled_reason.reason_details",
        "Merchant.klarna.payment_program_enablements[].enablement_criteria.payment_program_enablement_code",
        "Merchant.klarna.stakeholders[].date_of_birth",
        "Merchant.klarna.stakeholders[].address.postal_code",
        "Merchant.dintero.connections.common.signup.ownership.owners[].percentage",
        "Partner.klarna.webhooks[].url",
        "Partner.klarna.webhooks[].event_types",
    ):
        assert where in reached, where
    assert len(reached) > 150


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        (Shape(strings={"max_length": 500}), Shape(strings={"max_length": 255}), "length"),
        (Shape(numbers={"ge": 0}), Shape(numbers={"ge": 1}), "bounds"),
        (Shape(lists={"min_length": 1}, item=Shape()), Shape(lists={}, item=Shape()), "items"),
        (Shape(item=Shape(strings={"max_length": 64})), Shape(item=Shape(strings={"max_length": 100})), "[]: length"),
    ],
)
def test_a_disagreement_is_reported_naming_the_field(mine: Shape, theirs: Shape, expected: str) -> None:
    [message] = _compare("X.field", mine, theirs)
    assert message.startswith("X.field") and expected in message
