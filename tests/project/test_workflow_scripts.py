"""The reusable workflows' steps, run here with hostile file names, fake ``GITHUB_*`` variables and stubs.

``tests/project/actions_runner.py`` runs each job's ``run:`` steps as GitHub would (bash with ``-eo
pipefail``, python), in a git repository laid out like a partner's, with ``reconciler`` and ``python -m
pip`` stubbed on ``PATH``: the stub records every call (and checks it against the real click commands)
instead of reaching a registry or an API. File names with quotes, ``$()``, backticks, spaces, newlines,
leading dashes and workflow commands in them must come out as data: no marker file appears, the stub gets
each name as one argument, and no printed name is taken as a workflow command.
"""

from __future__ import annotations

import functools
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.project.actions_runner import JobResult, Runner, default_inputs, stub_environment

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
MARKER = "<!-- reconciler-plan -->"
NODE = shutil.which("node") is not None

READ_SECRETS = {
    "KLARNA_READ_API_KEY": "klarna_test_api_READONLY-plan-key-0001",
    "DINTERO_READ_CLIENT_ID": "read-client-id-0001",
    "DINTERO_READ_CLIENT_SECRET": "read-client-secret-0001",
    "RECONCILER_MASK_KEY": "mask-key-shared-by-plan-and-apply",
    "RECONCILER_DESIRED_ENV": "NORDIC_BIKES_IBAN=NO9386011117947\nSHOP_NOTE=$(touch PWNED-desired-env)",
}
WRITE_SECRETS = {
    "KLARNA_API_KEY": "klarna_test_api_WRITE-apply-key-0001",
    "DINTERO_CLIENT_ID": "write-client-id-0001",
    "DINTERO_CLIENT_SECRET": "write-client-secret-0001",
}
URLS = {
    "klarna-url": "https://api-global.test.klarna.com",
    "dintero-url": "https://api.dintero.com",
    "dintero-partner-id": "T11200000",
}
WATCHED = [
    "KLARNA_API_KEY", "DINTERO_CLIENT_ID", "DINTERO_CLIENT_SECRET", "RECONCILER_MASK_KEY",
    "RECONCILER_KLARNA_URL", "RECONCILER_DINTERO_URL", "DINTERO_PARTNER_ID", "RECONCILER_ALLOW_SANDBOX",
    "RECONCILER_DESIRED_ENV", "NORDIC_BIKES_IBAN", "SHOP_NOTE", "CI", "PYTHONSAFEPATH", "NO_COLOR",
]

# Each is a merchant file name a pull request could add; none of them may run anything.
HOSTILE = [
    "a$(touch PWNED-dollar).yaml",
    "b`touch PWNED-backtick`.yaml",
    "c'; touch PWNED-quote; '.yaml",
    'd"; touch PWNED-dquote; ".yaml',
    "e f $(touch PWNED-space) g.yaml",
    "h\ntouch PWNED-newline\n.yaml",
    "i;touch PWNED-semicolon;.yaml",
    "-j --out=PWNED-option.yaml",
    "k\n::set-output name=mode::all\n::error::injected\n.yaml",
    "l|touch PWNED-pipe.yaml",
    "m${IFS}touch${IFS}PWNED-ifs.yaml",
    "n*.yaml",
    "o\u202etouch PWNED-bidi.yaml",
]
OLD_SHOP_LINE = (
    "`OLD-1` (`Old Shop AS`), from `desired-state/merchants/old-shop.yaml`: no longer declared: left as it is."
)
HOSTILE_NAME = "Shop $(touch PWNED-content) `x` <b>bold</b> @octocat | pipe\n::error::name"

STUB_RECONCILER = r'''#!{python}
"""Stands in for reconciler: records the call, checks it against the real CLI's options, answers from a config."""
import json, os, sys

argv = sys.argv[1:]
config = json.loads(open(os.environ["STUB_CONFIG"], encoding="utf-8").read())
spec = json.loads(open(os.environ["STUB_CLI_SPEC"], encoding="utf-8").read())
record = {{"argv": argv, "cwd": os.getcwd(), "env": {{name: os.environ.get(name) for name in {watched!r}}}}}


def check(args, options, arguments):
    """The usage error click would raise for these arguments, or None."""
    positional = 0
    while args:
        token = args.pop(0)
        if token.startswith("-") and token != "-":
            name, _, inline = token.partition("=")
            option = options.get(name)
            if option is None:
                return f"no such option {{name}}"
            if option["flag"]:
                continue
            value = inline if inline else (args.pop(0) if args else None)
            if value is None:
                return f"{{name}} needs a value"
            if option["choices"] and value not in option["choices"]:
                return f"{{name}}: {{value!r}} is not one of {{option['choices']}}"
        else:
            positional += 1
    if positional > arguments:
        return f"{{positional}} arguments, {{arguments}} expected"
    return None


args = list(argv)
if args == ["--version"]:
    print("reconciler, version 0.1.0")
    sys.exit(0)
while args and args[0].startswith("-"):
    option = args.pop(0)
    if option not in spec["global"]:
        record["usage_error"] = f"no global option {{option}}"
name = args.pop(0) if args else ""
command = spec["commands"].get(name)
if command is None:
    record["usage_error"] = f"no command {{name!r}}"
else:
    problem = check(list(args), command["options"], command["arguments"])
    if problem:
        record["usage_error"] = problem
with open(os.environ["STUB_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\n")
if "usage_error" in record:
    sys.exit(64)
answer = config.get(name, {{}})
if "--out" in args and "document" in answer:
    with open(args[args.index("--out") + 1], "w", encoding="utf-8") as out:
        json.dump(answer["document"], out)
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("exit", 0))
'''


@functools.cache
def cli_spec() -> dict[str, Any]:
    """Every command of the real click group with its options (flag or not, choices) and argument count."""
    import click

    from reconciler.cli import main

    def options(command: click.Command) -> tuple[dict[str, Any], int]:
        found: dict[str, Any] = {}
        arguments = 0
        for param in command.params:
            if isinstance(param, click.Argument):
                arguments += 1 if param.nargs == 1 else 99
                continue
            assert isinstance(param, click.Option)
            choices = list(param.type.choices) if isinstance(param.type, click.Choice) else []
            for opt in [*param.opts, *param.secondary_opts]:
                found[opt] = {"flag": bool(param.is_flag or param.count), "choices": choices}
        return found, arguments

    context = click.Context(main)
    commands = {}
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None
        found, arguments = options(command)
        commands[name] = {"options": found, "arguments": arguments}
    global_options, _ = options(main)
    return {"global": list(global_options), "commands": commands}


STUB_PYTHON = """#!/bin/bash
if [ "${{1:-}}" = -m ] && [ "${{2:-}}" = pip ]; then
  printf '%q ' "$@" >> "$STUB_PIP_LOG"
  echo >> "$STUB_PIP_LOG"
  exit 0
fi
exec {python} "$@"
"""


def plan_markdown(commit: str = "") -> str:
    made = f"Made from commit `{commit}`; " if commit else "Made from "
    return (
        f"{MARKER}\n### reconciler plan\n\n{made}targets klarna https://api-global.test.klarna.com.\n\n"
        "Plan: 0 to create, 1 to patch, 0 to replace, 0 to disable, 0 to enable, 0 to delete, 0 blocked.\n"
    )


def plan_document(**policy: Any) -> dict[str, Any]:
    return {
        "format_version": 1,
        "plan_id": "plan-0001",
        "desired_digest": "sha256:0",
        "summary": {"patch": 1},
        "policy": {"allowed": True, "violations": [], "flags_needed": [], **policy},
        "operations": [{"address": "NB-2024-0001/klarna.account", "merchant": "NB-2024-0001", "action": "patch"}],
        "merchants": ["NB-2024-0001"],
        "mac": "0",
    }


def merchant(reference: str, name: str) -> str:
    document = {"account_reference": reference, "klarna": {"account_name": name}}
    return json.dumps(document)  # JSON is YAML


class PartnerRepository:
    """A partner's repository with a pull request merged into its base, stubs, and a runner per workflow."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.repo = tmp_path / "repo"
        self.repo.mkdir()
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.log = tmp_path / "reconciler-calls.jsonl"
        self.pip_log = tmp_path / "pip-calls.txt"
        self.config_path = tmp_path / "stub-config.json"
        self.config: dict[str, Any] = {
            "validate": {"exit": 0},
            "plan": {"exit": 2, "stdout": plan_markdown(), "document": plan_document()},
            "show": {"exit": 0, "stdout": "plan plan-0001: 1 to patch\n"},
            "apply": {"exit": 0, "stdout": "Applied 1, already in place 0, stale 0.\n"},
            "drift": {"exit": 0, "stdout": plan_markdown(), "document": {"operations": []}},
        }
        python = sys.executable
        (self.bin / "reconciler").write_text(STUB_RECONCILER.format(python=python, watched=WATCHED), encoding="utf-8")
        (self.bin / "python").write_text(STUB_PYTHON.format(python=python), encoding="utf-8")
        for stub in self.bin.iterdir():
            stub.chmod(0o755)
        (self.home / ".gitconfig").write_text(
            "[user]\n\tname = Test\n\temail = test@example.invalid\n[init]\n\tdefaultBranch = main\n", encoding="utf-8"
        )
        self.env = stub_environment(self.bin, self.home)
        spec = tmp_path / "cli-spec.json"
        spec.write_text(json.dumps(cli_spec()), encoding="utf-8")
        self.env.update({"STUB_LOG": str(self.log), "STUB_PIP_LOG": str(self.pip_log),
                         "STUB_CONFIG": str(self.config_path), "STUB_CLI_SPEC": str(spec)})
        self.shas: dict[str, str] = {}

    # ------------------------------------------------------------ the repository

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.repo, env=self.env, capture_output=True, text=True, check=True, timeout=60
        )
        return done.stdout.strip()

    def write(self, files: dict[str, str]) -> None:
        for relative, text in files.items():
            path = self.repo / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def pull_request(self, base: dict[str, str], head: dict[str, str], deleted: list[str] = ()) -> None:  # type: ignore[assignment]
        """Commit base on main, head on a branch, and merge the branch into main (the PR's merge commit)."""
        self.git("init", "-q", "-b", "main")
        self.write(base)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "base")
        self.shas["base"] = self.git("rev-parse", "HEAD")
        self.git("checkout", "-q", "-b", "feature")
        self.write(head)
        for relative in deleted:
            (self.repo / relative).unlink()
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", "change")
        self.shas["head"] = self.git("rev-parse", "HEAD")
        self.git("checkout", "-q", "main")
        self.git("merge", "-q", "--no-ff", "-m", "merge", "feature")
        self.shas["merge"] = self.git("rev-parse", "HEAD")

    # ------------------------------------------------------------ running a workflow

    def run(
        self,
        workflow_name: str,
        *,
        event: str = "pull_request",
        inputs: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        fork: bool = False,
        ref: str = "",
        api: dict[str, Any] | None = None,
    ) -> dict[str, JobResult]:
        self.config_path.write_text(json.dumps(self.config), encoding="utf-8")
        workflow = YAML(typ="safe").load((WORKFLOWS / workflow_name).read_text(encoding="utf-8"))
        sha = self.shas.get("merge") or self.git("rev-parse", "HEAD")
        ref = ref or ("refs/pull/7/merge" if event == "pull_request" else "refs/heads/main")
        repository = "acme/merchants"
        head_repo = "mallory/merchants" if fork else repository
        pull_request = {
            "number": 7,
            "title": "$(touch PWNED-title) `touch PWNED-title2`",
            "body": "'; touch PWNED-body; '",
            "head": {"sha": self.shas.get("head", sha), "ref": "x$(touch PWNED-ref)", "repo": {"full_name": head_repo}},
            "base": {"sha": self.shas.get("base", sha), "ref": "main"},
        }
        payload: dict[str, Any] = {"repository": {"default_branch": "main", "full_name": repository}}
        if event == "schedule":
            # GitHub gives a scheduled run no webhook payload ("not applicable"): only the cron line.
            payload = {"schedule": "17 5 * * *"}
        if event.startswith("pull_request"):
            payload["pull_request"] = pull_request
        values = default_inputs(workflow)
        values.update(inputs or {})
        context = {
            "github": {
                "event_name": event,
                "event": payload,
                "repository": repository,
                "sha": sha,
                "ref": ref,
                "workspace": str(self.repo),
                "server_url": "https://github.com",
                "run_id": "4242",
            },
            "inputs": values,
            "secrets": dict(secrets or {}),
            "vars": {},
            "github_script_context": {
                "payload": payload,
                "repo": {"owner": "acme", "repo": "merchants"},
                "serverUrl": "https://github.com",
                "runId": 4242,
            },
        }
        base_env = dict(self.env)
        base_env.update({
            "GITHUB_SHA": sha,
            "GITHUB_REF": ref,
            "GITHUB_REPOSITORY": repository,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_WORKSPACE": str(self.repo),
            "GITHUB_EVENT_NAME": event,
            "GITHUB_HEAD_REF": "x$(touch PWNED-head-ref)",
            "GITHUB_BASE_REF": "main",
        })
        runner = Runner(workflow, self.repo, self.tmp / "runner", context, base_env, self.tmp / "artifacts", api or {})
        return runner.run()

    def calls(self) -> list[dict[str, Any]]:
        """Every call the reconciler stub received; each must have been a valid command line."""
        if not self.log.exists():
            return []
        records = [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]
        for record in records:
            assert "usage_error" not in record, record
        return records

    def pwned(self) -> list[Path]:
        return [p for p in self.tmp.rglob("*") if p.name.startswith("PWNED")]

    def artifact(self, name: str, file: str) -> str:
        return (self.tmp / "artifacts" / name / file).read_text(encoding="utf-8")


def invocations(repo: PartnerRepository, command: str) -> list[list[str]]:
    """The argv lists of the stub's calls whose command is ``command`` (after the global options)."""
    found = []
    for record in repo.calls():
        args = list(record["argv"])
        while args and args[0].startswith("--"):
            args.pop(0)
        if args and args[0] == command:
            found.append(record)
    return found


def targets_of(record: dict[str, Any]) -> list[str]:
    argv = record["argv"]
    return [argv[i + 1] for i, token in enumerate(argv) if token == "--target"]


def posted(result: dict[str, JobResult], job: str = "comment") -> list[dict[str, Any]]:
    calls = []
    for step in result[job].steps.values():
        calls.extend(step.script_calls)
    return calls


def long_plan_comment(repo: PartnerRepository, section: str) -> str:
    """The comment the plan job makes of a plan of ``section`` repeated past GitHub's 65,536 characters."""
    markdown = plan_markdown()
    while len(markdown) < 65_000:
        markdown += section
    repo.config["plan"]["stdout"] = markdown
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)
    assert result["plan"].result == "success"
    return repo.artifact("reconciler-plan", "comment.md")


def all_messages(result: dict[str, JobResult]) -> list[tuple[str, str]]:
    return [m for job in result.values() for step in job.steps.values() for m in step.commands.messages]


BASE = {
    "desired-state/reconciler.yaml": "targets: {}\n",
    "desired-state/merchants/nordic-bikes.yaml": merchant("NB-2024-0001", "Nordic Bikes AS"),
    "desired-state/merchants/old-shop.yaml": merchant("OLD-1", "Old Shop AS"),
    "desired-state/merchants/moved.yaml": merchant("MOVED-1", "Moved Shop AS"),
    "desired-state/merchants/z$(touch PWNED-deleted)`id`.yaml": merchant("GONE-1", HOSTILE_NAME),
}


@pytest.fixture
def repo(tmp_path: Path) -> PartnerRepository:
    return PartnerRepository(tmp_path)


def hostile_pull_request(repo: PartnerRepository) -> list[str]:
    """A pull request that adds the hostile files, changes one, moves one and deletes two: the expected targets."""
    head = {f"desired-state/merchants/{name}": merchant(f"HOSTILE-{i}", HOSTILE_NAME) for i, name in enumerate(HOSTILE)}
    head["desired-state/merchants/nordic-bikes.yaml"] = merchant("NB-2024-0001", "Nordic Bikes ASA")
    head["desired-state/merchants/moved-new.yaml"] = merchant("MOVED-1", "Moved Shop AS")
    head["desired-state/merchants/README.md"] = "not a merchant file\n"
    head["desired-state/merchants/$(touch PWNED-other)"] = "not a merchant file either\n"
    repo.pull_request(
        BASE,
        head,
        deleted=[
            "desired-state/merchants/old-shop.yaml",
            "desired-state/merchants/moved.yaml",
            "desired-state/merchants/z$(touch PWNED-deleted)`id`.yaml",
        ],
    )
    return sorted([
        *(f"desired-state/merchants/{name}" for name in HOSTILE),
        "desired-state/merchants/nordic-bikes.yaml",
        "desired-state/merchants/moved-new.yaml",
    ])


# ---------------------------------------------------------------- plan.yml


def test_hostile_file_names_run_nothing_and_reach_the_tool_as_one_argument_each(repo: PartnerRepository) -> None:
    expected = hostile_pull_request(repo)
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)

    assert repo.pwned() == []
    steps = {key: (step.outcome, step.stderr[-2000:]) for key, step in result["plan"].steps.items()}
    assert result["plan"].result == "success", steps
    assert result["fork"].result == "skipped"
    assert result["plan"].step("targets").outputs["mode"] == "targets"  # the injected ::set-output was not taken
    [plan] = invocations(repo, "plan")
    assert sorted(targets_of(plan)) == expected
    assert len(invocations(repo, "validate")) == 1
    assert not any("injected" in message for _, message in all_messages(result))
    pip = repo.pip_log.read_text(encoding="utf-8")
    assert "reconciler==0.1.0" in pip and " . " not in pip and "-e" not in pip.split()


def test_the_plan_step_sees_only_the_read_credentials_and_the_pinned_urls(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    repo.run("plan.yml", inputs=URLS, secrets={**READ_SECRETS, **WRITE_SECRETS})
    [plan] = invocations(repo, "plan")
    env = plan["env"]
    assert env["KLARNA_API_KEY"] == READ_SECRETS["KLARNA_READ_API_KEY"]
    assert env["DINTERO_CLIENT_SECRET"] == READ_SECRETS["DINTERO_READ_CLIENT_SECRET"]
    assert env["RECONCILER_KLARNA_URL"] == URLS["klarna-url"]
    assert env["NORDIC_BIKES_IBAN"] == "NO9386011117947" and env["SHOP_NOTE"] == "$(touch PWNED-desired-env)"
    assert env["RECONCILER_DESIRED_ENV"] is None
    assert env["CI"] == "true" and env["PYTHONSAFEPATH"] == "1"
    assert WRITE_SECRETS["KLARNA_API_KEY"] not in json.dumps(repo.calls())
    assert repo.pwned() == []


def test_the_comment_names_deleted_merchants_and_carries_the_commit(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)
    [call] = [c for c in posted(result) if c["method"] == "issues.createComment"]
    body = call["params"]["body"]
    assert call["params"]["issue_number"] == 7
    assert body.startswith(MARKER)
    assert repo.shas["head"] in body and repo.shas["merge"] in body
    assert OLD_SHOP_LINE in body
    assert "`GONE-1` (``Shop $(touch PWNED-content) `x` <b>bold</b> @octocat | pipe\\u000a::error::name``)" in body
    assert "``desired-state/merchants/z$(touch PWNED-deleted)`id`.yaml``: no longer declared: left as it is." in body
    assert "`desired-state/merchants/moved-new.yaml` declares it now" in body
    for line in body.splitlines():  # names with line breaks stay on their line
        assert not line.startswith(("touch", "::", "<b>")), line
    assert "\\u000a::error::name" in body
    [plan] = invocations(repo, "plan")
    argv = plan["argv"]
    assert argv[argv.index("--commit") + 1] == repo.shas["merge"]  # passed explicitly, through the environment
    assert repo.pwned() == []


def test_the_sticky_comment_is_updated_not_added(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    existing = [
        {"id": 1, "user": {"type": "User"}, "body": f"{MARKER} quoted by a person"},
        {"id": 2, "user": {"type": "Bot"}, "body": f"{MARKER}\n### reconciler plan\nold"},
    ]
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS, api={"issues.listComments": existing})
    writes = [c for c in posted(result) if c["method"] != "issues.listComments"]
    assert [(c["method"], c["params"].get("comment_id")) for c in writes] == [("issues.updateComment", 2)]


def test_a_pull_request_that_only_deletes_plans_nothing_and_names_the_merchant(repo: PartnerRepository) -> None:
    repo.pull_request(BASE, {}, deleted=["desired-state/merchants/old-shop.yaml"])
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)
    assert result["plan"].result == "success"
    assert result["plan"].step("targets").outputs["mode"] == "none"
    assert invocations(repo, "plan") == []
    comment = repo.artifact("reconciler-plan", "comment.md")
    assert comment.startswith(MARKER)
    assert "nothing to plan" in comment
    assert OLD_SHOP_LINE in comment


def _planned(repo: PartnerRepository, path: str, text: str) -> tuple[str, list[str]]:
    """The plan job's mode and targets for a pull request changing ``path`` and one merchant file."""
    changes = {path: text, "desired-state/merchants/nordic-bikes.yaml": merchant("NB-2024-0001", "Nordic Bikes ASA")}
    repo.pull_request(BASE, changes)
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)
    [plan] = invocations(repo, "plan")
    return result["plan"].step("targets").outputs["mode"], targets_of(plan)


def test_a_settings_change_plans_every_merchant(repo: PartnerRepository) -> None:
    assert _planned(repo, "desired-state/reconciler.yaml", "targets: {}\nparallelism: 8\n") == ("all", [])
    assert "Every merchant is planned" in repo.artifact("reconciler-plan", "comment.md")


def test_kept_bank_account_hashes_do_not_make_a_plan_of_every_merchant(repo: PartnerRepository) -> None:
    """`reconciler secrets hashes` rewrites bank-hashes.age with every bank account change: the pull request
    plans its merchant files, not the whole fleet (a kept hash is the hash a load computes)."""
    sealed = "-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----\n"
    planned = _planned(repo, "desired-state/bank-hashes.age", sealed)
    assert planned == ("targets", ["desired-state/merchants/nordic-bikes.yaml"])


def test_a_failed_plan_updates_the_comment_with_the_failure(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    repo.config["plan"] = {
        "exit": 1,
        "stderr": "desired-state/merchants/a.yaml:3:5: bad value\n"
        "::set-output name=exitcode::2\n::error::forged\n```\n",
    }
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)
    assert result["plan"].result == "failure"
    assert result["plan"].step("plan").outputs["exitcode"] == "1"  # the printed ::set-output was not taken
    assert not any(message == "forged" for _, message in all_messages(result))
    comment = repo.artifact("reconciler-plan", "comment.md")
    assert comment.startswith(f"{MARKER}\n### reconciler plan: failed")
    assert "reconciler plan exited with 1" in comment and "a.yaml:3:5: bad value" in comment
    assert "````text" in comment  # a fence longer than the output's own
    assert result["comment"].result != "skipped"
    if NODE:
        [call] = [c for c in posted(result) if c["method"] == "issues.createComment"]
        assert call["params"]["body"] == comment


def test_a_credential_printed_by_the_plan_is_withheld(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    repo.config["plan"]["stdout"] = plan_markdown() + f"account_name: {READ_SECRETS['KLARNA_READ_API_KEY']}\n"
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)
    assert result["plan"].result == "failure"
    comment = repo.artifact("reconciler-plan", "comment.md")
    assert "withheld" in comment and "KLARNA_API_KEY" in comment
    published = "".join(p.read_text(errors="replace") for p in (repo.tmp / "artifacts").rglob("*") if p.is_file())
    assert READ_SECRETS["KLARNA_READ_API_KEY"] not in published + result["plan"].summary


def test_empty_variables_and_secrets_are_not_passed_at_all(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    result = repo.run("plan.yml", inputs={"klarna-url": "", "dintero-url": ""}, secrets={})
    assert result["plan"].result == "success"
    [plan] = invocations(repo, "plan")
    for name in ("KLARNA_API_KEY", "DINTERO_CLIENT_ID", "DINTERO_CLIENT_SECRET", "RECONCILER_MASK_KEY",
                 "RECONCILER_KLARNA_URL", "RECONCILER_DINTERO_URL", "DINTERO_PARTNER_ID", "RECONCILER_ALLOW_SANDBOX"):
        assert plan["env"][name] is None, name


def test_allow_sandbox_is_explicit(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    repo.run("plan.yml", inputs={"allow-sandbox": True})
    [plan] = invocations(repo, "plan")
    assert plan["env"]["RECONCILER_ALLOW_SANDBOX"] == "1"


def test_a_key_is_never_sent_to_a_url_the_pull_request_chose(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    result = repo.run("plan.yml", inputs={"klarna-url": ""}, secrets=READ_SECRETS)
    assert invocations(repo, "plan") == [] and invocations(repo, "validate") == []
    assert result["plan"].result == "failure"
    assert "RECONCILER_KLARNA_URL" in repo.artifact("reconciler-plan", "comment.md")


def test_a_fork_pull_request_gets_a_check_not_a_403(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    result = repo.run("plan.yml", inputs=URLS, secrets={}, fork=True)
    assert result["fork"].result == "success"
    assert result["plan"].result == "skipped" and result["comment"].result == "skipped"
    assert any("not run for forks" in message for _, message in all_messages(result))
    assert "plan not run for forks" in result["fork"].summary
    assert repo.calls() == []


def test_pull_request_target_is_refused(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    result = repo.run("plan.yml", event="pull_request_target", inputs=URLS, secrets=READ_SECRETS)
    assert result["plan"].result == "failure"
    assert invocations(repo, "plan") == []


# ---------------------------------------------------------------- apply.yml


def push(repo: PartnerRepository) -> None:
    change = {"desired-state/merchants/nordic-bikes.yaml": merchant("NB-2024-0001", "Nordic Bikes ASA")}
    repo.pull_request(BASE, change)


APPLY_SECRETS = {**READ_SECRETS, **WRITE_SECRETS}


def test_apply_applies_exactly_the_saved_plan_with_the_write_credentials(repo: PartnerRepository) -> None:
    push(repo)
    result = repo.run("apply.yml", event="push", inputs=URLS, secrets=APPLY_SECRETS)
    assert result["plan"].result == "success" and result["apply"].result == "success"
    assert result["plan"].outputs["changes"] == "true"
    assert "waiting for approval" in result["plan"].summary and "plan-0001" in result["plan"].summary
    [plan] = invocations(repo, "plan")
    assert plan["env"]["KLARNA_API_KEY"] == READ_SECRETS["KLARNA_READ_API_KEY"]
    assert plan["env"]["RECONCILER_MASK_KEY"] == READ_SECRETS["RECONCILER_MASK_KEY"]
    [show] = invocations(repo, "show")
    [apply] = invocations(repo, "apply")
    saved = apply["argv"][apply["argv"].index("apply") + 1]
    assert saved == show["argv"][show["argv"].index("show") + 1]
    assert saved.endswith("/plan.json") and json.loads(Path(saved).read_text())["plan_id"] == "plan-0001"
    assert "--auto-approve" in apply["argv"] and "--allow-delete" not in apply["argv"]
    assert apply["env"]["KLARNA_API_KEY"] == WRITE_SECRETS["KLARNA_API_KEY"]
    assert apply["env"]["RECONCILER_MASK_KEY"] == READ_SECRETS["RECONCILER_MASK_KEY"]
    assert "Applied plan plan-0001" in result["apply"].summary


def test_a_stale_plan_fails_with_a_clear_message(repo: PartnerRepository) -> None:
    push(repo)
    repo.config["apply"] = {"exit": 4, "stdout": "stale: NB-2024-0001/klarna.account\n"}
    result = repo.run("apply.yml", event="push", inputs=URLS, secrets=APPLY_SECRETS)
    assert result["apply"].result == "failure"
    errors = [message for kind, message in all_messages(result) if kind == "error"]
    assert any("went stale" in message and "Re-run all jobs" in message for message in errors)


def test_nothing_to_change_asks_no_approval(repo: PartnerRepository) -> None:
    push(repo)
    repo.config["plan"] = {"exit": 0, "stdout": plan_markdown(), "document": plan_document()}
    result = repo.run("apply.yml", event="push", inputs=URLS, secrets=APPLY_SECRETS)
    assert result["plan"].result == "success" and result["apply"].result == "skipped"


def test_a_plan_the_policy_refuses_is_not_sent_for_approval(repo: PartnerRepository) -> None:
    push(repo)
    refused = plan_document(allowed=False, violations=["1 delete"], flags_needed=["--allow-delete"])
    repo.config["plan"] = {"exit": 2, "stdout": plan_markdown(), "document": refused}
    result = repo.run("apply.yml", event="push", inputs=URLS, secrets=APPLY_SECRETS)
    assert result["plan"].result == "failure" and result["apply"].result == "skipped"
    assert "--allow-delete" in result["plan"].summary

    repo.log.unlink()
    inputs = {**URLS, "allow-delete": True}
    result = repo.run("apply.yml", event="workflow_dispatch", inputs=inputs, secrets=APPLY_SECRETS)
    assert result["apply"].result == "success"
    [apply] = invocations(repo, "apply")
    assert "--allow-delete" in apply["argv"]


def test_apply_without_the_shared_mask_key_says_so(repo: PartnerRepository) -> None:
    push(repo)
    secrets = {k: v for k, v in APPLY_SECRETS.items() if k != "RECONCILER_MASK_KEY"}
    result = repo.run("apply.yml", event="push", inputs=URLS, secrets=secrets)
    assert result["plan"].result == "failure" and result["apply"].result == "skipped"
    assert "RECONCILER_MASK_KEY" in result["plan"].summary
    assert invocations(repo, "plan") == []


def test_apply_runs_only_from_the_default_branch(repo: PartnerRepository) -> None:
    push(repo)
    result = repo.run("apply.yml", event="push", ref="refs/heads/feature", inputs=URLS, secrets=APPLY_SECRETS)
    assert result["plan"].result == "failure" and result["apply"].result == "skipped"
    assert repo.calls() == []


def test_a_scheduled_apply_runs_from_the_default_branch_its_payload_does_not_name(repo: PartnerRepository) -> None:
    """A schedule event carries no repository (so no default branch): GitHub runs it on the default branch."""
    push(repo)
    repo.config["plan"] = {"exit": 0, "stdout": plan_markdown(), "document": plan_document()}
    result = repo.run("apply.yml", event="schedule", inputs=URLS, secrets=APPLY_SECRETS)
    assert result["plan"].result == "success" and result["apply"].result == "skipped"  # nothing to change
    assert invocations(repo, "plan")


# ---------------------------------------------------------------- drift.yml


def drift_repository(repo: PartnerRepository) -> None:
    files = dict(BASE)
    files["desired-state/merchants/h\ntouch PWNED-drift\n.yaml"] = merchant("HOSTILE-DRIFT", HOSTILE_NAME)
    repo.pull_request(files, {})
    operations = [
        {"address": "NB-2024-0001/klarna.account", "merchant": "NB-2024-0001", "action": "patch"},
        {"address": "HOSTILE-DRIFT/klarna.settlement", "merchant": "HOSTILE-DRIFT", "action": "create"},
        {"address": "HOSTILE-DRIFT/klarna.website/x", "merchant": "HOSTILE-DRIFT", "action": "patch"},
    ]
    declarations = {
        "NB-2024-0001": {"name": "Nordic Bikes AS", "file": "desired-state/merchants/nordic-bikes.yaml"},
        "HOSTILE-DRIFT": {"name": HOSTILE_NAME, "file": "desired-state/merchants/h\ntouch PWNED-drift\n.yaml"},
    }
    repo.config["drift"] = {"exit": 2, "stdout": plan_markdown(),
                               "document": {"operations": operations, "unmanaged": ["SBX000001"],
                                            "declarations": declarations}}


def test_the_drift_issue_lists_drifted_merchants_with_names_and_files(repo: PartnerRepository) -> None:
    drift_repository(repo)
    result = repo.run("drift.yml", event="schedule", inputs=URLS, secrets=READ_SECRETS)
    assert result["drift"].result == "success" and result["issue"].result == "success"
    [create] = [c for c in posted(result, "issue") if c["method"] == "issues.create"]
    body = create["params"]["body"]
    assert create["params"]["labels"] == ["drift"] and create["params"]["title"] == "Merchant state drift detected"
    assert body.startswith("<!-- reconciler-drift -->")
    assert "| `NB-2024-0001` | `Nordic Bikes AS` | `desired-state/merchants/nordic-bikes.yaml` | 1 patch |" in body
    assert "`desired-state/merchants/h\\u000atouch PWNED-drift\\u000a.yaml`" in body and "1 create, 1 patch" in body
    assert "`SBX000001`" in body
    for line in body.splitlines():
        assert not line.startswith(("touch", "::")), line
    [drift] = invocations(repo, "drift")
    assert drift["env"]["KLARNA_API_KEY"] == READ_SECRETS["KLARNA_READ_API_KEY"]
    assert drift["argv"][drift["argv"].index("--commit") + 1] == repo.shas["merge"]
    assert repo.pwned() == []


def test_the_drift_issue_is_updated_then_closed_once_clean(repo: PartnerRepository) -> None:
    drift_repository(repo)
    open_issue = [{"number": 12, "user": {"type": "Bot"}, "body": "<!-- reconciler-drift -->\nold"}]
    result = repo.run("drift.yml", event="schedule", inputs=URLS, secrets=READ_SECRETS,
                         api={"issues.listForRepo": open_issue, "labelExists": True})
    writes = [(c["method"], c["params"].get("issue_number")) for c in posted(result, "issue")
              if c["method"] not in ("issues.listForRepo", "issues.createLabel")]
    assert writes == [("issues.update", 12)]

    repo.config["drift"] = {"exit": 0, "stdout": plan_markdown(), "document": {"operations": []}}
    result = repo.run("drift.yml", event="schedule", inputs=URLS, secrets=READ_SECRETS,
                         api={"issues.listForRepo": open_issue})
    writes = [c for c in posted(result, "issue") if c["method"] != "issues.listForRepo"]
    assert [c["method"] for c in writes] == ["issues.createComment", "issues.update"]
    assert writes[1]["params"]["state"] == "closed"


def test_a_failed_drift_check_leaves_the_issue_alone(repo: PartnerRepository) -> None:
    drift_repository(repo)
    repo.config["drift"] = {"exit": 1, "stderr": "API failure\n"}
    result = repo.run("drift.yml", event="schedule", inputs=URLS, secrets=READ_SECRETS)
    assert result["drift"].result == "failure" and result["issue"].result == "skipped"


def test_the_stub_refuses_what_the_real_cli_would_refuse(repo: PartnerRepository) -> None:
    """The stub's check is the click commands' own options: a wrong flag fails there as it would for real."""
    repo.config_path.write_text(json.dumps(repo.config), encoding="utf-8")
    for argv, ok in ((["plan", "--desired", "d", "--target", "-x --out=y"], True), (["plan", "--bogus"], False),
                     (["plan", "--format", "html"], False), (["--no-color", "drift", "--out", "x.json"], True),
                     (["apply", "p.json", "--auto-approve", "--allow-delete"], True), (["nonsense"], False)):
        done = subprocess.run([str(repo.bin / "reconciler"), *argv], env=repo.env, capture_output=True,
                              cwd=repo.tmp, timeout=60, check=False)
        assert (done.returncode != 64) == ok, (argv, done.stderr)


def test_a_comment_over_githubs_limit_is_cut_and_links_the_artifact(repo: PartnerRepository) -> None:
    """The renderer cuts at 65,536 characters; what the workflow adds must not push the comment past it."""
    base = dict(BASE)
    for i in range(150):
        base[f"desired-state/merchants/gone-{i:03}.yaml"] = merchant(f"GONE-{i:03}", f"Gone {i}")
    repo.pull_request(
        base,
        {"desired-state/merchants/nordic-bikes.yaml": merchant("NB-2024-0001", "Nordic Bikes ASA")},
        deleted=[f"desired-state/merchants/gone-{i:03}.yaml" for i in range(150)],
    )
    diff = "~ patch 🚲\n" * 40  # outside the BMP: two UTF-16 code units each, as GitHub counts them
    section = f"<details><summary><code>M</code>: 1 patch</summary>\n\n```diff\n{diff}```\n\n</details>\n"
    comment = long_plan_comment(repo, section)
    assert len(comment.encode("utf-16-le")) // 2 <= 65_536
    assert comment.startswith(MARKER) and "cut at GitHub's 65,536 characters" in comment
    assert "artifact of [the run](https://github.com/acme/merchants/actions/runs/4242)" in comment
    assert comment.count("<details") == comment.count("</details>")
    assert sum(1 for line in comment.splitlines() if line.startswith("```")) % 2 == 0
    assert "- and 50 more: see the `reconciler-plan` artifact" in comment
    assert comment.rstrip().endswith("</sub>")


def test_more_changed_files_than_max_targets_plans_every_merchant(repo: PartnerRepository) -> None:
    hostile_pull_request(repo)
    result = repo.run("plan.yml", inputs={**URLS, "max-targets": 3.0}, secrets=READ_SECRETS)
    assert result["plan"].step("targets").outputs["mode"] == "all"
    [plan] = invocations(repo, "plan")
    assert targets_of(plan) == []
    assert "this pull request changes 15 merchant files" in repo.artifact("reconciler-plan", "comment.md")


# ---------------------------------------------------------------- with the real reconciler


def real_reconciler(repo: PartnerRepository) -> dict[str, str]:
    """Put this checkout's reconciler on PATH in the stub's place (not whatever version is installed);
    the example desired state, whose reconciler.yaml asks for the bundled sandbox by name: in-process,
    offline."""
    wrapper = repo.bin / "reconciler"
    wrapper.write_text(
        f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} -m reconciler "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    source = ROOT / "desired-state"
    return {
        f"desired-state/{path.relative_to(source).as_posix()}": path.read_text(encoding="utf-8")
        for path in source.rglob("*")
        if path.is_file()
    }


def test_the_plan_workflow_runs_with_the_real_reconciler(repo: PartnerRepository) -> None:
    base = real_reconciler(repo)
    nordic = base["desired-state/merchants/nordic-bikes.yaml"].replace("Nordic Bikes AS", "Nordic Bikes ASA", 1)
    repo.pull_request(base, {"desired-state/merchants/nordic-bikes.yaml": nordic},
                         deleted=["desired-state/merchants/bergen-fisk.yaml"])
    result = repo.run("plan.yml", secrets={"RECONCILER_MASK_KEY": "k" * 40})
    assert result["plan"].result == "success", result["plan"].step("plan").stdout
    comment = repo.artifact("reconciler-plan", "comment.md")
    assert comment.startswith(MARKER) and f"Made from commit <code>{repo.shas['merge']}</code>" in comment
    assert "<code>NB-2024-0001</code> · Nordic Bikes ASA · <code>desired-state/merchants/nordic-bikes.yaml</code>" \
           in comment
    assert '"Nordic Bikes ASA"' in comment and "SK-2024-0002" not in comment
    assert "`BF-2023-0042` (`Bergen Fisk og Skalldyr AS`), from `desired-state/merchants/bergen-fisk.yaml`: " \
           "no longer declared: left as it is." in comment
    assert json.loads(repo.artifact("reconciler-plan", "plan.json"))["merchants"] == ["NB-2024-0001"]


def test_the_apply_workflow_applies_the_saved_plan_with_the_real_reconciler(repo: PartnerRepository) -> None:
    """The plan job and the apply job share only RECONCILER_MASK_KEY and the artifact: apply verifies it."""
    example = real_reconciler(repo)
    keep = (  # Klarna only: the merchant and the profile it uses
        "desired-state/reconciler.yaml",
        "desired-state/merchants/john-doe-stakehouse.yaml",
        "desired-state/profiles/klarna-payments.yaml",
    )
    repo.pull_request({name: text for name, text in example.items() if name in keep}, {})
    result = repo.run("apply.yml", event="push", inputs={"wait-timeout": 60.0},
                         secrets={"RECONCILER_MASK_KEY": "k" * 40})
    assert result["plan"].result == "success", result["plan"].step("plan").stdout
    plan_id = json.loads(repo.artifact("reconciler-apply-plan", "plan.json"))["plan_id"]
    assert result["plan"].outputs["plan-id"] == plan_id
    assert result["apply"].result == "success", result["apply"].step("apply").stdout
    assert f"Applied plan {plan_id}: every operation is done." in result["apply"].summary
