"""The plan as a value: every operation of a run, the merchants it covers, and the digest it was made from.

It holds no sensitive value (changes are masked when the plan is built) and no API ids: apply
re-reads the live state, checks each operation against the one it derives afresh, and takes
payloads from the desired state whose digest the plan names. ``to_dict`` is the plan document of
DESIGN §5; ``from_dict`` reads one strictly (``plan.document``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.compare.diff import Change, parse_path
from reconciler.plan.document import FORMAT_VERSION, parse_document
from reconciler.plan.operation import ACTION_ORDER, Notice, Operation
from reconciler.plan.policy import PolicyVerdict, Violation


class Streamed:
    """A JSON array whose items are made one at a time as it is read (each reading makes them again)."""

    def __init__(self, items: Callable[[], Iterable[Any]]) -> None:
        self._items = items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())


@dataclass(frozen=True)
class Declaration:
    """Where a merchant of the plan is declared: its name (``account_name``) and its file, for reviewers."""

    name: str
    file: str


@dataclass(frozen=True)
class Plan:
    desired_digest: str
    operations: tuple[Operation, ...]
    unmanaged: tuple[str, ...] = ()
    merchants: tuple[str, ...] = field(default=())  # every merchant the plan covers, changed or not
    # Set when the plan is made (not built: building is pure). Idempotency keys derive from it, so
    # retries and re-runs of this plan replay, while a new plan may repeat an old write on purpose.
    plan_id: str = ""
    policy: PolicyVerdict | None = None  # the safety policy's verdict, without flags
    targets: Mapping[str, str] = field(default_factory=dict)  # API name -> base URL
    mac: str = ""  # keyed MAC over the rest of the document (``plan.integrity``)
    notices: tuple[Notice, ...] = ()  # live objects a reviewer should know of (a signup awaiting signature)
    commit: str = ""  # the commit of the desired state it was made from, when known (CI)
    # Merchants with operations or notices -> their name and file (a deleted file has none).
    declarations: Mapping[str, Declaration] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        counts = {action.value: 0 for action in ACTION_ORDER}
        for op in self.operations:
            counts[op.action.value] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.operations)

    def to_dict(self, *, streamed: bool = False) -> dict[str, Any]:
        """The plan document; ``streamed`` gives the operations as a ``Streamed`` list, made item by item
        as it is read (for the MAC of a plan of a hundred thousand operations, not all at once)."""
        doc: dict[str, Any] = {"format_version": FORMAT_VERSION, "plan_id": self.plan_id}
        doc["desired_digest"] = self.desired_digest
        if self.targets:
            doc["targets"] = dict(self.targets)
        if self.commit:
            doc["commit"] = self.commit
        doc["summary"] = self.summary
        if self.policy is not None:
            doc["policy"] = self.policy.to_dict()
        operations = self.operations
        if streamed:
            doc["operations"] = Streamed(lambda: (op.to_dict() for op in operations))
        else:
            doc["operations"] = [op.to_dict() for op in operations]
        if self.merchants:
            doc["merchants"] = list(self.merchants)
        if self.unmanaged:
            doc["unmanaged"] = list(self.unmanaged)
        if self.notices:
            doc["notices"] = [notice.to_dict() for notice in self.notices]
        if self.declarations:
            doc["declarations"] = {
                reference: {"name": d.name, "file": d.file} for reference, d in sorted(self.declarations.items())
            }
        if self.mac:
            doc["mac"] = self.mac
        return doc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | Any, source: str = "plan") -> Plan:
        """A plan from its document; an ``InputError`` for anything that is not exactly a plan."""
        document = parse_document(data, source)
        operations = tuple(
            Operation(
                address=op.address,
                merchant=op.merchant,
                resource=op.resource,
                action=op.action,
                changes=tuple(Change.of(parse_path(c.path), c.before, c.after, c.origin) for c in op.changes),
                precondition=op.precondition,
                depends_on=tuple(op.depends_on),
                reason=op.reason,
                risk=op.risk,
                replaces=op.replaces,
                onboarding=op.onboarding,
                held_by=op.held_by,
            )
            for op in document.operations
        )
        policy = None
        if document.policy is not None:
            policy = PolicyVerdict(
                tuple(Violation(v.rule, v.message, v.flag, tuple(v.addresses)) for v in document.policy.violations)
            )
        return cls(
            desired_digest=document.desired_digest,
            operations=operations,
            unmanaged=tuple(document.unmanaged),
            merchants=tuple(document.merchants),
            plan_id=document.plan_id,
            policy=policy,
            targets=dict(document.targets),
            mac=document.mac or "",
            notices=tuple(Notice(n.address, n.merchant, n.message) for n in document.notices),
            commit=document.commit,
            declarations={ref: Declaration(d.name, d.file) for ref, d in document.declarations.items()},
        )
