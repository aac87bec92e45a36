"""The apply report: the outcome of each operation, and its rendering (a line per merchant, then the
details that need attention)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.plan import Operation


class Outcome(StrEnum):
    APPLIED = "applied"
    IN_PLACE = "already in place"
    WOULD_APPLY = "would apply"
    STALE = "refused: precondition no longer holds"
    BLOCKED = "blocked"
    FAILED = "failed"
    # The API accepted the write but its answer could not be read: it took effect, what it made is not known.
    UNKNOWN = "outcome unknown"
    SKIPPED = "skipped: an operation it depends on did not complete"


NOT_DONE = frozenset({Outcome.STALE, Outcome.FAILED, Outcome.UNKNOWN, Outcome.SKIPPED})


@dataclass(frozen=True, slots=True)
class OperationResult:
    operation: Operation
    outcome: Outcome
    detail: str | None = None


@dataclass
class ApplyReport:
    results: list[OperationResult] = field(default_factory=list)
    not_converged: list[Operation] = field(default_factory=list)
    dry_run: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def failed(self) -> list[OperationResult]:
        return [r for r in self.results if r.outcome in (Outcome.FAILED, Outcome.SKIPPED)]

    @property
    def blocked(self) -> list[OperationResult]:
        return [r for r in self.results if r.outcome is Outcome.BLOCKED]

    @property
    def unknown(self) -> list[OperationResult]:
        return [r for r in self.results if r.outcome is Outcome.UNKNOWN]

    @property
    def stale(self) -> list[OperationResult]:
        return [r for r in self.results if r.outcome is Outcome.STALE]

    def by_merchant(self) -> dict[str, list[OperationResult]]:
        groups: dict[str, list[OperationResult]] = {}
        for result in self.results:
            groups.setdefault(result.operation.merchant, []).append(result)
        return groups


ORDER = [
    Outcome.APPLIED,
    Outcome.WOULD_APPLY,
    Outcome.IN_PLACE,
    Outcome.BLOCKED,
    Outcome.STALE,
    Outcome.FAILED,
    Outcome.UNKNOWN,
    Outcome.SKIPPED,
]
SHORT = {
    Outcome.APPLIED: "applied",
    Outcome.WOULD_APPLY: "would apply",
    Outcome.IN_PLACE: "already in place",
    Outcome.BLOCKED: "blocked",
    Outcome.STALE: "stale",
    Outcome.FAILED: "failed",
    Outcome.UNKNOWN: "outcome unknown",
    Outcome.SKIPPED: "skipped",
}


def render_report(report: ApplyReport) -> str:
    if report.dry_run:
        title = "Dry run: nothing was written."
    elif report.failed or report.unknown or report.stale or report.not_converged:
        title = "Apply finished with problems: see the operations below."
    else:
        title = "Apply complete."
    lines = [title, ""]
    for merchant, results in sorted(report.by_merchant().items()):
        counts = {o: sum(1 for r in results if r.outcome is o) for o in ORDER}
        summary = ", ".join(f"{n} {SHORT[o]}" for o, n in counts.items() if n)
        lines.append(f"  {merchant}: {summary}")
        for result in results:
            if result.outcome in NOT_DONE or result.outcome is Outcome.BLOCKED:
                detail = f": {result.detail}" if result.detail else ""
                lines.append(f"      {SHORT[result.outcome]} {result.operation.address}{detail}")
    if report.not_converged:
        lines += ["", f"Not converged after apply ({len(report.not_converged)} operation(s) still planned):"]
        lines += [f"  {op.address} {op.action.value}" for op in report.not_converged]
    totals = ", ".join(f"{report.count(o)} {SHORT[o]}" for o in ORDER if report.count(o))
    lines += ["", f"Operations: {totals or 'none'}."]
    return "\n".join(lines) + "\n"
