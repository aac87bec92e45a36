"""The plan: operations as values, how they are built, and the safety policy over them."""

from __future__ import annotations

from reconciler.plan.build import assemble_plan, build_plan, plan_merchant, plan_resource
from reconciler.plan.document import FORMAT_VERSION
from reconciler.plan.fingerprint import precondition_of, state_fingerprint
from reconciler.plan.operation import ABSENT, ACTION_ORDER, Action, Operation
from reconciler.plan.value import Plan

__all__ = [
    "ABSENT",
    "ACTION_ORDER",
    "FORMAT_VERSION",
    "Action",
    "Operation",
    "Plan",
    "assemble_plan",
    "build_plan",
    "plan_merchant",
    "plan_resource",
    "precondition_of",
    "state_fingerprint",
]
