"""The safety policy: refuse a plan that would disable too many merchants or delete anything.

Checked before the first write. A refusal names every offending operation and the rule it broke.
"""

from __future__ import annotations

from reconciler.config import Policy
from reconciler.errors import PolicyViolation
from reconciler.plan.operation import Action
from reconciler.plan.value import Plan


def check_policy(
    plan: Plan, policy: Policy, declared_merchants: int, *, allow_delete: bool = False, allow_disable: bool = False
) -> None:
    """Raise ``PolicyViolation`` when the plan breaks a rule that no flag lifts."""
    problems: list[str] = []
    deletes = [op.address for op in plan.operations if op.action is Action.DELETE]
    if deletes and not (allow_delete or policy.allow_delete):
        problems.append(
            f"{len(deletes)} delete operation(s), and the policy allows none "
            "(policy.allow_delete in reconciler.yaml, or --allow-delete):\n"
            + "\n".join(f"    {address}" for address in deletes)
        )
    disabled = sorted({op.merchant for op in plan.operations if op.action is Action.DISABLE})
    if disabled and not allow_disable:
        share = 100.0 * len(disabled) / max(1, declared_merchants)
        rules = []
        if len(disabled) > policy.max_disable_count:
            rules.append(f"more than policy.max_disable_count = {policy.max_disable_count}")
        if share > policy.max_disable_percent:
            rules.append(
                f"{share:.1f}% of {declared_merchants} merchants, over policy.max_disable_percent = "
                f"{policy.max_disable_percent:g}%"
            )
        if rules:
            problems.append(
                f"{len(disabled)} merchant(s) would be disabled: {'; '.join(rules)} (or pass --allow-disable):\n"
                + "\n".join(f"    {ref}/klarna.payment_product" for ref in disabled)
            )
    if problems:
        raise PolicyViolation("apply refused by the safety policy:\n  " + "\n  ".join(problems))
