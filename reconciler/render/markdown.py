"""Markdown rendering for a pull-request comment: the policy's warning, the summary, the high-risk
operations, a table, then one collapsible section per merchant.

GitHub refuses comments over 65,536 characters (UTF-16 code units); a longer plan is cut at a
merchant boundary with a note saying how many merchants were left out and where the whole plan is.
Everything a merchant file or a live object supplies (names, files, addresses, values) is escaped:
HTML entities outside code blocks, a fence longer than any backtick run inside them.
"""

from __future__ import annotations

import re

from reconciler.compare.diff import Change
from reconciler.plan import ACTION_ORDER, Action, Operation, Plan
from reconciler.plan.operation import Risk
from reconciler.render.profiles import profile_markdown
from reconciler.render.symbols import (
    group_by_merchant,
    operation_head,
    policy_lines,
    risk_line,
    summary_line,
    target_names,
    visible,
)
from reconciler.render.values import change_lines

GITHUB_COMMENT_LIMIT = 65_536
# Marks the comment so a workflow can find and update it instead of posting another.
COMMENT_MARKER = "<!-- reconciler-plan -->"


# Outside these, a character is written as an HTML entity: nothing a merchant file or a file name
# holds (``<``, ``|``, backticks, ``](``, ``@``, ``*``) can end a tag, a table cell or a code span.
_PLAIN = re.compile(r"[A-Za-z0-9 ,./:=()'+%?-]")
# A ``diff`` block colours a line by its first character: the marks are the text's (``+``, ``-``, ``~``).
_LINE_MARKS = {"": " ", "+": "+", "-": "-", "~": "~"}


def code(text: str) -> str:
    """Any text as an HTML ``<code>`` element, safe in a summary, a table cell, a list or a heading.

    GitHub looks for mentions and issue references outside code only: an address or a file name keeps its
    ``@`` and ``#`` as they are (no zero-width space in what a person copies from the comment)."""
    return f"<code>{_entities(text, in_code=True)}</code>"


# GitHub finds mentions (``@name``) and issue references (``#12``) in the rendered text, after entities are
# decoded (``&#64;name`` still notifies): a zero-width space after the sign breaks them, as Renovate does.
_UNLINKED = {"@": "&#64;&#8203;", "#": "&#35;&#8203;"}


# GitHub's autolinks (cmark-gfm) take ``scheme://`` and ``www.`` in plain text for a link: their ``:`` and
# ``.`` are written as entities, which it does not look through.
_AUTOLINK = re.compile(r"://|(?<=www)\.", re.IGNORECASE)


def _entities(text: str, *, in_code: bool = False) -> str:
    unlinked = {} if in_code else _UNLINKED
    written = "".join(
        ch if _PLAIN.fullmatch(ch) or ord(ch) > 0x7F else unlinked.get(ch) or f"&#{ord(ch)};" for ch in visible(text)
    )
    return _AUTOLINK.sub(lambda found: "&#58;//" if found.group() == "://" else "&#46;", written)


def _fence(lines: list[str]) -> str:
    """A backtick fence longer than any run of backticks in the block, so nothing in it can close it."""
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _summary(merchant: str, ops: list[Operation], plan: Plan) -> str:
    counts = {a: sum(1 for op in ops if op.action is a) for a in ACTION_ORDER}
    label = ", ".join(f"{n} {a.value}" for a, n in counts.items() if n)
    parts = [code(merchant)]
    declaration = plan.declarations.get(merchant)
    if declaration is not None:
        if declaration.name:
            parts.append(_entities(declaration.name))
        parts.append(code(declaration.file))
    return " · ".join(parts) + f": {label}"


def _change_lines(op: Operation, change: Change) -> list[str]:
    """One field change in a ``diff`` block (``render.values``): the mark first, then the indent."""
    parts = change_lines(change, created=op.action is Action.CREATE)
    return [f"{_LINE_MARKS[part.mark]}   {'    ' * part.depth}{part.text}" for part in parts]


def _section(merchant: str, ops: list[Operation], plan: Plan) -> str:
    body: list[str] = []
    for op in ops:
        body.append(operation_head(op))
        for change in op.changes:
            body.extend(_change_lines(op, change))
    fence = _fence(body)
    lines = [f"<details><summary>{_summary(merchant, ops, plan)}</summary>", "", f"{fence}diff", *body, fence]
    lines += ["", "</details>", "", ""]  # a blank line ends the HTML block before the next section
    return "\n".join(lines)


HIGH_RISK_SHOWN = 50
TABLE_ROWS = 200  # past this, the table would crowd the merchants' sections out of the comment


def _policy_warning(plan: Plan) -> list[str]:
    """A warning at the top when apply would refuse this plan, with the rules and the flags that lift them."""
    verdict = policy_lines(plan)
    if not verdict:
        return []
    lines = ["> [!WARNING]", f"> **{_entities(verdict[0])}**"]
    lines += [f"> {_entities(line.strip())}" for line in verdict[1:]]
    return [*lines, ""]


def _high_risk(plan: Plan) -> list[str]:
    risky = [op for op in plan.operations if op.risk is Risk.HIGH and op.action is not Action.BLOCKED]
    if not risky:
        return []
    lines = [f"**High-risk operations ({len(risky)})**", ""]
    for op in risky[:HIGH_RISK_SHOWN]:
        reason = f" ({_entities(op.reason)})" if op.reason else ""
        lines.append(f"- {code(op.address)}: {op.action.value}{reason}")
    if len(risky) > HIGH_RISK_SHOWN:
        lines.append(f"- and {len(risky) - HIGH_RISK_SHOWN} more")
    return [*lines, ""]


def _header(plan: Plan) -> list[str]:
    lines = [COMMENT_MARKER, "### reconciler plan", ""]
    made_from = [f"commit {code(plan.commit)}"] if plan.commit else []
    if plan.targets:
        made_from.append("targets " + ", ".join(f"{api} {code(url)}" for api, url in target_names(plan).items()))
    if made_from:
        lines += ["Made from " + "; ".join(made_from) + ".", ""]
    lines += [*_policy_warning(plan), *profile_markdown(plan), summary_line(plan)]
    if plan.operations:
        lines.append(risk_line(plan))
    if plan.policy is not None and plan.policy.allowed:
        lines.append("Safety policy: apply would go ahead.")
    lines += ["", *_high_risk(plan)]
    groups = group_by_merchant(plan)
    if groups:
        lines.append("| merchant | name | " + " | ".join(a.value for a in ACTION_ORDER) + " |")
        lines.append("|---|---|" + "---:|" * len(ACTION_ORDER))
        for merchant, ops in list(groups.items())[:TABLE_ROWS]:
            cells = [str(sum(1 for op in ops if op.action is a) or "") for a in ACTION_ORDER]
            declaration = plan.declarations.get(merchant)
            name = _entities(declaration.name) if declaration is not None else ""
            lines.append(f"| {code(merchant)} | {name} | " + " | ".join(cells) + " |")
        if len(groups) > TABLE_ROWS:
            lines.append(f"| and {len(groups) - TABLE_ROWS} more merchants | |" + " |" * len(ACTION_ORDER))
        lines.append("")
    else:
        lines.append("No changes. The live state matches the desired state.")
        lines.append("")
    held = [op for op in plan.operations if op.held_by is not None]
    if held:
        lines.append(f"**Changed by the provider ({len(held)})**: held by it; no write will change it back")
        lines.append("")
        lines += [
            f"- {code(op.address)} (held by {_entities(op.held_by or '')}): {_entities(op.reason or '')}"
            for op in held[:HIGH_RISK_SHOWN]
        ]
        lines.append("")
    if plan.notices:
        lines.append("**Waiting** (no write needed)")
        lines.append("")
        lines += [f"- {code(notice.address)}: {_entities(notice.message)}" for notice in plan.notices[:HIGH_RISK_SHOWN]]
        lines.append("")
    if plan.unmanaged:
        shown = ", ".join(code(r) for r in plan.unmanaged[:50])
        more = f" and {len(plan.unmanaged) - 50} more" if len(plan.unmanaged) > 50 else ""
        lines.append(f"**Unmanaged** (in Klarna, not in the desired state): {shown}{more}")
        lines.append("")
    return lines


def _truncation_note(left_out: int) -> str:
    return (
        f"\n> **Plan truncated:** {left_out} merchant section(s) were left out to stay within GitHub's "
        f"{GITHUB_COMMENT_LIMIT:,}-character comment limit. The whole plan is in the plan file "
        "(`reconciler show PLAN.json`; in CI, among the run's artifacts).\n"
    )


def comment_size(text: str) -> int:
    """The length GitHub counts against its limit: UTF-16 code units (a character past U+FFFF is two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def render_markdown(plan: Plan, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    header = "\n".join(_header(plan)) + "\n"
    sections = [_section(m, ops, plan) for m, ops in group_by_merchant(plan).items()]
    body = header + "".join(sections)
    if comment_size(body) <= limit:
        return body
    # Leave room for the note, whose length depends on the count it names.
    budget = limit - comment_size(_truncation_note(len(sections)))
    while comment_size(header) > budget:
        header = header[: header.rfind("\n", 0, len(header) - 1) + 1] or header[: max(0, budget // 2)]
    kept, used = header, comment_size(header)
    for index, section in enumerate(sections):
        size = comment_size(section)
        if used + size > budget:
            return kept + _truncation_note(len(sections) - index)
        kept, used = kept + section, used + size
    return kept
