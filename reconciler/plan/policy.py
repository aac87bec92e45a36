"""The safety policy: a rule over a plan's operations, with the thresholds of ``reconciler.yaml``.

``plan`` and ``drift`` report the verdict (so a pull request shows that apply would be refused, and
which flag lifts it); ``apply`` enforces it on the operations it is about to execute, before the
first write. Apply executes a saved operation only when the operation it derives afresh is the same
(see ``apply.executor``), so the saved operations are exactly what can run.

Rules, each lifted by its flag:

- deletes: none unless ``policy.allow_delete`` or ``--allow-delete``; then at most ``max_delete_count``.
  A replace (a new IBAN) is not a delete: the old object goes only once the new one exists.
- disables: at most ``max_disable_count`` merchants, and at most ``max_disable_percent`` of the declared
  merchants once the fleet has ``percent_min_fleet`` of them (a percentage of a handful means
  nothing; octoDNS does the same); ``--allow-disable``.
- bank account changes: at most ``max_bank_account_changes`` operations on bank accounts;
  ``--allow-bank-account-changes``.
- adopts: onboarding an existing Klarna merchant (``adopt``) overwrites all its data at Klarna, so it
  always needs ``--allow-high-risk``, whatever ``require_high_risk_flag`` says.
- high risk: with ``require_high_risk_flag``, any high-risk operation needs ``--allow-high-risk``.

A disable that is part of an onboarding is not a policy-relevant disable: the merchant's account
is created by this same plan, or it has not yet become OPERATIONAL (its onboarding is not complete,
so it has never run under the partner's management). Both are facts of the plan and the live state,
so a stateless tool decides them the same way every time; the operation says so (``onboarding``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.config import Policy
from reconciler.errors import PolicyViolation
from reconciler.kinds import ResourceKind
from reconciler.plan.operation import Action, Operation, Risk


@dataclass(frozen=True)
class Flags:
    """The command-line flags that lift a rule."""

    allow_delete: bool = False
    allow_disable: bool = False
    allow_bank_account_changes: bool = False
    allow_high_risk: bool = False


@dataclass(frozen=True)
class Violation:
    rule: str  # the setting that was broken, e.g. ``policy.max_disable_count``
    message: str
    flag: str  # the flag that lifts it
    addresses: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "flag": self.flag, "addresses": list(self.addresses)}


@dataclass(frozen=True)
class PolicyVerdict:
    violations: tuple[Violation, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.violations

    @property
    def flags_needed(self) -> list[str]:
        return sorted({v.flag for v in self.violations})

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "violations": [v.to_dict() for v in self.violations],
            "flags_needed": self.flags_needed,
        }

    def message(self) -> str:
        """Every broken rule with its operations, as apply prints it when it refuses."""
        lines = ["apply refused by the safety policy:"]
        for violation in self.violations:
            lines.append(f"  {violation.message}:")
            lines += [f"    {address}" for address in violation.addresses]
        return "\n".join(lines)


def _executable(operations: Iterable[Operation]) -> list[Operation]:
    return [op for op in operations if op.action is not Action.BLOCKED]


def evaluate_policy(
    operations: Sequence[Operation], policy: Policy, fleet_size: int, flags: Flags = Flags()
) -> PolicyVerdict:
    """The verdict of the policy on the operations that apply would execute."""
    ops = _executable(operations)
    violations: list[Violation] = []

    deletes = [op.address for op in ops if op.action is Action.DELETE]
    if deletes and not (flags.allow_delete or policy.allow_delete):
        violations.append(
            Violation(
                "policy.allow_delete",
                f"{len(deletes)} delete operation(s), and the policy allows none "
                "(policy.allow_delete in reconciler.yaml, or --allow-delete)",
                "--allow-delete",
                tuple(deletes),
            )
        )
    elif policy.max_delete_count is not None and len(deletes) > policy.max_delete_count and not flags.allow_delete:
        violations.append(
            Violation(
                "policy.max_delete_count",
                f"{len(deletes)} delete operation(s), more than policy.max_delete_count = {policy.max_delete_count} "
                "(or pass --allow-delete)",
                "--allow-delete",
                tuple(deletes),
            )
        )

    disabled = sorted({op.merchant for op in ops if op.action is Action.DISABLE and not op.onboarding})
    if disabled and not flags.allow_disable:
        rules = []
        if len(disabled) > policy.max_disable_count:
            rules.append(f"more than policy.max_disable_count = {policy.max_disable_count}")
        share = 100.0 * len(disabled) / max(1, fleet_size)
        if fleet_size >= policy.percent_min_fleet and share > policy.max_disable_percent:
            rules.append(
                f"{share:.1f}% of {fleet_size} merchants, over policy.max_disable_percent = "
                f"{policy.max_disable_percent:g}%"
            )
        if rules:
            over_count = len(disabled) > policy.max_disable_count
            violations.append(
                Violation(
                    "policy.max_disable_count" if over_count else "policy.max_disable_percent",
                    f"{len(disabled)} merchant(s) would be disabled: {'; '.join(rules)} (or pass --allow-disable)",
                    "--allow-disable",
                    tuple(f"{ref}/{ResourceKind.PAYMENT_PRODUCT.value}" for ref in disabled),
                )
            )

    banking = [op.address for op in ops if op.resource is ResourceKind.BANK_ACCOUNT]
    limit = policy.max_bank_account_changes
    if limit is not None and len(banking) > limit and not flags.allow_bank_account_changes:
        violations.append(
            Violation(
                "policy.max_bank_account_changes",
                f"{len(banking)} bank account change(s), more than policy.max_bank_account_changes = {limit} "
                "(or pass --allow-bank-account-changes)",
                "--allow-bank-account-changes",
                tuple(banking),
            )
        )

    adopts = [op.address for op in ops if op.action is Action.ADOPT]
    if adopts and not flags.allow_high_risk:
        violations.append(
            Violation(
                "adopt",
                f"{len(adopts)} adopt operation(s): onboarding an existing Klarna merchant overwrites its data "
                "(pass --allow-high-risk)",
                "--allow-high-risk",
                tuple(adopts),
            )
        )

    risky = [op.address for op in ops if op.risk is Risk.HIGH]
    if policy.require_high_risk_flag and risky and not flags.allow_high_risk:
        violations.append(
            Violation(
                "policy.require_high_risk_flag",
                f"{len(risky)} high-risk operation(s), and the policy requires --allow-high-risk for them",
                "--allow-high-risk",
                tuple(risky),
            )
        )
    return PolicyVerdict(tuple(violations))


def check_policy(operations: Sequence[Operation], policy: Policy, fleet_size: int, flags: Flags = Flags()) -> None:
    """Raise ``PolicyViolation`` when the operations break a rule that no given flag lifts."""
    verdict = evaluate_policy(operations, policy, fleet_size, flags)
    if not verdict.allowed:
        raise PolicyViolation(verdict.message())
