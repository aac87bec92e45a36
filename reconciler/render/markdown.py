"""Markdown rendering for a pull-request comment: the policy's warning, the summary, the high-risk
operations, a table, then one collapsible section per merchant.

GitHub refuses comments over 65,536 characters; a longer plan is cut at a merchant boundary with a
note saying how many merchants were left out.
"""

from __future__ import annotations

from reconciler.compare.diff import path_text
from reconciler.plan import ACTION_ORDER, Action, Operation, Plan
from reconciler.plan.operation import Risk
from reconciler.render.profiles import origin_suffix, profile_markdown
from reconciler.render.symbols import (
    DIFF_MARKS,
    group_by_merchant,
    operation_title,
    policy_lines,
    risk_line,
    show,
    summary_line,
    targets_line,
)

GITHUB_COMMENT_LIMIT = 65_536
# Marks the comment so a workflow can find and update it instead of posting another.
COMMENT_MARKER = "<!-- reconciler-plan -->"


def _section(merchant: str, ops: list[Operation]) -> str:
    counts = {a: sum(1 for op in ops if op.action is a) for a in ACTION_ORDER}
    label = ", ".join(f"{n} {a.value}" for a, n in counts.items() if n)
    lines = [f"<details><summary><code>{merchant}</code>: {label}</summary>", "", "```diff"]
    for op in ops:
        reason = f"  ({op.reason})" if op.reason else ""
        lines.append(f"{DIFF_MARKS[op.action]} {op.action.value} {operation_title(op)}{reason}")
        for change in op.changes:
            before = "" if op.action.value == "create" else f"{show(change.before)} → "
            line = f"    {path_text(change.path)}: {before}{show(change.after)}{origin_suffix(change)}"
            lines.append(line.replace("```", "'''"))
    lines += ["```", "", "</details>", ""]
    return "\n".join(lines)


HIGH_RISK_SHOWN = 50
TABLE_ROWS = 200  # past this, the table would crowd the merchants' sections out of the comment


def _policy_warning(plan: Plan) -> list[str]:
    """A warning at the top when apply would refuse this plan, with the rules and the flags that lift them."""
    verdict = policy_lines(plan)
    if not verdict:
        return []
    lines = ["> [!WARNING]", f"> **{verdict[0]}**"]
    lines += [f"> {line.strip()}" for line in verdict[1:]]
    return [*lines, ""]


def _high_risk(plan: Plan) -> list[str]:
    risky = [op for op in plan.operations if op.risk is Risk.HIGH and op.action is not Action.BLOCKED]
    if not risky:
        return []
    lines = [f"**High-risk operations ({len(risky)})**", ""]
    for op in risky[:HIGH_RISK_SHOWN]:
        reason = f" ({op.reason})" if op.reason else ""
        lines.append(f"- `{op.address}`: {op.action.value}{reason}")
    if len(risky) > HIGH_RISK_SHOWN:
        lines.append(f"- and {len(risky) - HIGH_RISK_SHOWN} more")
    return [*lines, ""]


def _header(plan: Plan) -> list[str]:
    lines = [COMMENT_MARKER, "### reconciler plan", ""]
    made_from = [f"commit `{plan.commit}`"] if plan.commit else []
    targets = targets_line(plan)
    if targets is not None:
        made_from.append(targets.replace("Targets: ", "targets "))
    if made_from:
        lines += ["Made from " + "; ".join(made_from) + ".", ""]
    lines += [*_policy_warning(plan), *profile_markdown(plan), summary_line(plan)]
    if plan.operations:
        lines.append(risk_line(plan))
    lines += ["", *_high_risk(plan)]
    groups = group_by_merchant(plan)
    if groups:
        lines.append("| merchant | " + " | ".join(a.value for a in ACTION_ORDER) + " |")
        lines.append("|---|" + "---:|" * len(ACTION_ORDER))
        for merchant, ops in list(groups.items())[:TABLE_ROWS]:
            cells = [str(sum(1 for op in ops if op.action is a) or "") for a in ACTION_ORDER]
            lines.append(f"| `{merchant}` | " + " | ".join(cells) + " |")
        if len(groups) > TABLE_ROWS:
            lines.append(f"| and {len(groups) - TABLE_ROWS} more merchants |" + " |" * len(ACTION_ORDER))
        lines.append("")
    else:
        lines.append("No changes. The live state matches the desired state.")
        lines.append("")
    held = [op for op in plan.operations if op.held_by is not None]
    if held:
        lines.append(f"**Changed by the provider ({len(held)})**: held by it; no write will change it back")
        lines.append("")
        lines += [f"- `{op.address}` (held by {op.held_by}): {op.reason}" for op in held[:HIGH_RISK_SHOWN]]
        lines.append("")
    if plan.notices:
        lines.append("**Waiting** (no write needed)")
        lines.append("")
        lines += [f"- `{notice.address}`: {notice.message}" for notice in plan.notices[:HIGH_RISK_SHOWN]]
        lines.append("")
    if plan.unmanaged:
        shown = ", ".join(f"`{r}`" for r in plan.unmanaged[:50])
        more = f" and {len(plan.unmanaged) - 50} more" if len(plan.unmanaged) > 50 else ""
        lines.append(f"**Unmanaged** (in Klarna, not in the desired state): {shown}{more}")
        lines.append("")
    return lines


def _truncation_note(left_out: int) -> str:
    return (
        f"\n> **Plan truncated:** {left_out} merchant section(s) were left out to stay within GitHub's "
        f"{GITHUB_COMMENT_LIMIT:,}-character comment limit. Run `reconciler plan` for the full plan.\n"
    )


def render_markdown(plan: Plan, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    header = "\n".join(_header(plan)) + "\n"
    sections = [_section(m, ops) for m, ops in group_by_merchant(plan).items()]
    body = header + "".join(sections)
    if len(body) <= limit:
        return body
    # Leave room for the note, whose length depends on the count it names.
    budget = limit - len(_truncation_note(len(sections)))
    if len(header) > budget:
        header = header[: max(0, budget - 1)] + "\n"
    kept = header
    for index, section in enumerate(sections):
        if len(kept) + len(section) > budget:
            return kept + _truncation_note(len(sections) - index)
        kept += section
    return kept
