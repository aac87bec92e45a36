"""The GitHub workflows parse, and every ``reconciler`` command they run exists with the options they pass.

Also keeps the README's two commands and ``.ci/run`` in step.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from ruamel.yaml import YAML

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _run_scripts(document: dict) -> list[str]:
    return [
        step["run"]
        for job in document["jobs"].values()
        for step in job.get("steps", [])
        if isinstance(step, dict) and "run" in step
    ]


def _reconciler_invocations(script: str) -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", script)
    calls = []
    for line in joined.splitlines():
        line = re.sub(r"\$\{\{[^}]*\}\}", "X", line.strip())
        if not line.startswith("reconciler "):
            continue
        tokens = shlex.split(line.split(">")[0].split("|")[0])
        calls.append(tokens[1:])
    return calls


def test_there_are_the_four_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "plan.yml", "apply.yml", "drift.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_parses_with_triggers_and_jobs(path: Path) -> None:
    document = _load(path)
    assert document["name"]
    assert document.get("on") or document.get(True)  # YAML 1.1 reads a bare `on` key as True
    assert document["jobs"]


@pytest.mark.parametrize("path", [p for p in WORKFLOWS if p.name != "ci.yml"], ids=lambda p: p.name)
def test_reconciler_commands_in_workflows_exist(path: Path) -> None:
    calls = [call for script in _run_scripts(_load(path)) for call in _reconciler_invocations(script)]
    assert calls, f"{path.name} runs no reconciler command"
    for args in calls:
        command = main.commands.get(args[0])
        assert isinstance(command, click.Command), f"{path.name}: no command `reconciler {args[0]}`"
        known = {opt for param in command.params for opt in param.opts}
        for token in args[1:]:
            if token.startswith("--"):
                assert token.split("=")[0] in known, f"{path.name}: `reconciler {args[0]}` has no option {token}"


def test_plan_workflow_updates_one_comment_found_by_the_renderers_marker() -> None:
    from reconciler.render.markdown import COMMENT_MARKER

    assert COMMENT_MARKER in (ROOT / ".github" / "workflows" / "plan.yml").read_text(encoding="utf-8")


def test_ci_run_is_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci_run.splitlines() if "pytest" in line).strip()
    assert test_command in readme
    assert "reconciler plan" in readme
