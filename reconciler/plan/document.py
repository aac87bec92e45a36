"""The plan file's shape, read strictly: a file that is not exactly a plan is refused, never half-read.

Every field has its JSON type (``format_version: true`` is not 1), unknown keys are refused, and the
parts must agree with each other: each operation belongs to a merchant the plan lists and to its own
address, depends only on operations of the plan, and the summary counts them. The plan's MAC is
checked before this (``plan.integrity``); this check stands on its own for files read any other way.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from reconciler.errors import InputError, InputIssue
from reconciler.kinds import KINDS, ResourceKind
from reconciler.plan.operation import ACTION_ORDER, Action, Risk
from reconciler.plan.risk import risk_of

FORMAT_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChangeDocument(_Strict):
    path: str
    before: Any = None
    after: Any = None
    origin: str | None = None  # the file that wrote the desired value; plans of older versions have none


class OperationDocument(_Strict):
    address: str
    merchant: str
    resource: ResourceKind
    action: Action
    risk: Risk
    changes: list[ChangeDocument]
    precondition: str
    depends_on: list[str]
    reason: str | None
    replaces: str | None = None
    onboarding: bool = False
    held_by: str | None = None


class ViolationDocument(_Strict):
    rule: str
    message: str
    flag: str
    addresses: list[str]


class PolicyDocument(_Strict):
    allowed: bool
    violations: list[ViolationDocument]
    flags_needed: list[str]


class NoticeDocument(_Strict):
    address: str
    merchant: str
    message: str


class DeclarationDocument(_Strict):
    name: str
    file: str


class PlanDocument(_Strict):
    format_version: Literal[1]
    plan_id: str
    desired_digest: str
    targets: dict[str, str] = {}
    commit: str = ""
    summary: dict[str, int]
    policy: PolicyDocument | None = None
    operations: list[OperationDocument]
    merchants: list[str] = []
    unmanaged: list[str] = []
    notices: list[NoticeDocument] = []
    declarations: dict[str, DeclarationDocument] = {}
    mac: str | None = None


def _problem(source: str, message: str) -> InputError:
    return InputError([InputIssue(source, 1, 1, message)])


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def parse_document(data: Mapping[str, Any] | Any, source: str) -> PlanDocument:
    """A plan document from parsed JSON, or an ``InputError`` naming the first field that is wrong."""
    if not isinstance(data, Mapping):
        raise _problem(source, f"not a reconciler plan: the top level is {type(data).__name__}, not an object")
    # An int, exactly: ``True == 1`` and ``1.0 == 1`` in Python, and a plan's types are its JSON's.
    if data.get("format_version") != FORMAT_VERSION or type(data.get("format_version")) is not int:
        found = data.get("format_version")
        raise _problem(source, f"format_version: expected {FORMAT_VERSION}, got {found!r}")
    try:
        document = PlanDocument.model_validate_json(json.dumps(data))
    except ValidationError as error:
        first = error.errors()[0]
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise _problem(source, f"not a reconciler plan: {_location(first['loc'])}: {first['msg']}{more}") from None
    except (RecursionError, ValueError, TypeError):
        raise _problem(source, "not a reconciler plan: the document cannot be read") from None
    _check_agreement(document, source)
    return document


def _address_shape_problem(address: str, own: str, kind: ResourceKind) -> str | None:
    """What is wrong with the shape of ``address`` for its kind (None: nothing).

    Apply finds an operation's object by its address: a singleton's address with a key after it, or a
    member's without one, names no object the desired state has, and apply would report the operation
    as in place and write nothing.
    """
    key = address[len(own) + 1 :]  # the caller checked that it starts with ``own``
    if KINDS[kind].keyed and not key:
        return f"has no key: a merchant has many {kind.value}, and an address names one by its key"
    if not KINDS[kind].keyed and address != own:
        return f"has a key: a merchant has one {kind.value} only, whose address is {own!r}"
    return None


def _check_agreement(document: PlanDocument, source: str) -> None:
    merchants = set(document.merchants)
    addresses = [op.address for op in document.operations]
    seen = set(addresses)
    if len(seen) != len(addresses):
        twice = sorted(a for a, n in Counter(addresses).items() if n > 1)
        raise _problem(source, f"not a reconciler plan: operations: {twice[0]} appears more than once")
    before: set[str] = set()
    for index, op in enumerate(document.operations):
        where = f"not a reconciler plan: operations[{index}]"
        if op.merchant not in merchants:
            raise _problem(source, f"{where}.merchant: {op.merchant!r} is not one of the plan's merchants")
        own = f"{op.merchant}/{op.resource.value}"
        if op.address != own and not op.address.startswith(own + "/"):
            raise _problem(source, f"{where}.address: {op.address!r} is not an address of {own}")
        shape = _address_shape_problem(op.address, own, op.resource)
        if shape is not None:
            raise _problem(source, f"{where}.address: {op.address!r} {shape}")
        for dependency in op.depends_on:
            if dependency not in seen:
                raise _problem(source, f"{where}.depends_on: {dependency!r} is not an operation of the plan")
            # A plan lists an operation after those it depends on, which apply runs first: one depending
            # on itself or on a later one (a cycle) would run before what it needs.
            if dependency not in before:
                raise _problem(source, f"{where}.depends_on: {dependency!r} does not come before it in the plan")
        # The policy reads the risk from the file (``--allow-high-risk``): one lower than its action's
        # would let a high-risk write through without the flag.
        if op.risk is not risk_of(op.resource, op.action):
            expected = risk_of(op.resource, op.action).value
            raise _problem(source, f"{where}.risk: a {op.action.value} of {op.resource.value} is {expected} risk")
        # Only a blocked operation is held by a provider: every renderer lists a held one as needing no
        # write ("no write will change it back"), so a patch saying so would be shown as no write and run.
        if op.held_by is not None and op.action is not Action.BLOCKED:
            raise _problem(source, f"{where}.held_by: only a blocked operation is held by a provider")
        if (op.replaces is not None) != (op.action is Action.REPLACE):
            raise _problem(source, f"{where}.replaces: only a replace names the object it replaces")
        if op.replaces is not None and not op.replaces.startswith(own + "/"):
            raise _problem(source, f"{where}.replaces: {op.replaces!r} is not an address of {own}")
        before.add(op.address)
    for reference in document.declarations:
        if reference not in merchants:
            message = f"declarations: {reference!r} is not one of the plan's merchants"
            raise _problem(source, f"not a reconciler plan: {message}")
    counts = {action.value: 0 for action in ACTION_ORDER}
    for op in document.operations:
        counts[op.action.value] += 1
    if document.summary != counts:
        raise _problem(source, "not a reconciler plan: summary: the counts do not match the operations")
