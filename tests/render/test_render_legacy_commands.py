"""A merchant name or a value holding ``##[error]...`` (or ``##[add-mask]``, ``##[set-output ...]``) is no
workflow command when a plan is printed in a GitHub Actions step.

The runner takes a line for a command in two forms (actions/runner, ``ActionCommandManager.TryProcessCommand``
tries ``ActionCommand.TryParseV2`` then ``ActionCommand.TryParse``): ``::name::`` at the start of the line,
and the older ``##[name]`` *anywhere in it* (``message.IndexOf("##[")``). The renderers keep every value on
its own line, so that ``::add-mask::`` cannot start one (``render.symbols.policy_lines`` says why), but the
older form needs no line of its own: ``reconciler plan`` (README: the first command a user runs, in CI too)
with a merchant named ``Kaffe ##[add-mask]Plan:`` hides every ``Plan:`` line of the log, ``##[error]`` forges
an annotation on the run, and ``##[stop-commands]x`` turns command processing off for the rest of the step.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.compare.diff import Change
from reconciler.kinds import ResourceKind
from reconciler.plan import Action, Operation, Plan
from reconciler.plan.value import Declaration
from reconciler.render import render_json, render_markdown, render_text

# The runner's registered commands (its command extensions).
REGISTERED = {
    "set-env",
    "set-output",
    "save-state",
    "add-mask",
    "add-path",
    "add-matcher",
    "remove-matcher",
    "debug",
    "warning",
    "error",
    "notice",
    "group",
    "endgroup",
    "echo",
    "stop-commands",
}


def legacy_command(line: str) -> str | None:
    """The command the runner's ``ActionCommand.TryParse`` finds in a line, if any."""
    prefix = line.find("##[")
    if prefix < 0:
        return None
    end = line.find("]", prefix)
    if end < 0:
        return None
    info = line[prefix + 3 : end]
    name = info.split(" ", 1)[0]
    return name if name in REGISTERED else None


def hostile_plan() -> Plan:
    change = Change.of(("account_name",), "Kaffe ##[error title=Approved]security review passed", "Kaffe AB")
    op = Operation("M0000/klarna.account", "M0000", ResourceKind.ACCOUNT, Action.PATCH, (change,), "sha256:x")
    plan = Plan("sha256:d", (op,), merchants=("M0000",))
    return replace(plan, declarations={"M0000": Declaration("Kaffe ##[add-mask]Plan:", "merchants/kaffe.yaml")})


@pytest.mark.parametrize("render", [render_text, render_json, render_markdown], ids=["text", "json", "markdown"])
def test_no_line_of_a_plan_is_a_legacy_workflow_command(render) -> None:  # type: ignore[no-untyped-def]
    out = render(hostile_plan())
    found = [(line, legacy_command(line)) for line in out.splitlines() if legacy_command(line)]
    assert found == []


def test_the_json_plan_still_holds_the_values_as_they_are() -> None:
    document = json.loads(render_json(hostile_plan()))
    assert document["declarations"]["M0000"]["name"] == "Kaffe ##[add-mask]Plan:"
    assert document["operations"][0]["changes"][0]["before"].startswith("Kaffe ##[error")


def test_a_saved_plan_with_such_a_name_still_verifies_and_prints_no_command(converged) -> None:  # type: ignore[no-untyped-def]
    converged.edit_merchant(
        "SK-2024-0002", "account_name: Stockholm Kaffe AB", 'account_name: "Kaffe ##[error]forged AB"'
    )
    planned = converged.run("plan", "--target", "SK-2024-0002", "--out", "plan.json")
    assert planned.exit_code == 0, planned.output
    shown = converged.run("show", "plan.json")
    assert shown.exit_code == 0, shown.output
    for out in (planned.stdout, shown.stdout, (converged.root / "plan.json").read_text(encoding="utf-8")):
        assert [line for line in out.splitlines() if legacy_command(line)] == []
