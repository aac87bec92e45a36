"""A small local stand-in for the GitHub Actions runner, enough to run this project's workflows' steps.

It evaluates the subset of the expression language the workflows use (contexts, ``==``, ``!=``, ``&&``,
``||``, ``!``, ``always()``, ``success()``, ``failure()``, ``cancelled()``), runs ``run:`` steps with
the shells GitHub uses (``bash --noprofile --norc -eo pipefail`` and ``python``), feeds them the default
``GITHUB_*`` variables and the step's ``env:``, collects ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``,
and processes the workflow commands a step prints (``::set-output``, ``::stop-commands::``, ``::error``,
``::add-mask::``), so that a test can see whether printed text was taken as a command.

``uses:`` steps are emulated: checkout and setup-python do nothing (the test lays out the workspace and
puts stubs on ``PATH``), upload-artifact and download-artifact copy files through a shared store, and
github-script runs its script under Node.js with a recording stand-in for the GitHub client, when Node
is installed. Nothing here reaches the network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
STEP_TIMEOUT = 120


# ---------------------------------------------------------------- expressions


class ExpressionError(ValueError):
    """An expression this emulator does not understand."""


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
    return tokens


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)


def to_text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, (int, float, bool)) or isinstance(right, (int, float, bool)):
        def number(value: Any) -> float:
            if value is None:
                return 0.0
            if isinstance(value, str):
                try:
                    return float(value) if value.strip() else 0.0
                except ValueError:
                    return float("nan")
            return float(value)

        return number(left) == number(right)
    return bool(left == right)


class _Parser:
    def __init__(self, text: str, context: Mapping[str, Any], status: Callable[[str], bool]) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.context = context
        self.status = status

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value!r}, got {token!r}")
        self.index += 1
        return token

    def parse(self) -> Any:
        value = self.either()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()!r}")
        return value

    def either(self) -> Any:
        value = self.both()
        while self.peek() == ("op", "||"):
            self.take()
            other = self.both()
            value = value if truthy(value) else other
        return value

    def both(self) -> Any:
        value = self.unary()
        while self.peek() == ("op", "&&"):
            self.take()
            other = self.unary()
            value = other if truthy(value) else value
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.comparison()

    def comparison(self) -> Any:
        left = self.primary()
        token = self.peek()
        if token and token[0] == "op" and token[1] in ("==", "!=", "<", ">", "<=", ">="):
            self.take()
            right = self.primary()
            if token[1] == "==":
                return _equal(left, right)
            if token[1] == "!=":
                return not _equal(left, right)
            return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[token[1]]
        return left

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return float(value)
        if value == "(":
            inner = self.either()
            self.take(")")
            return inner
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r}")
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        if self.peek() == ("op", "("):
            return self.call(value)
        current: Any = self.context.get(value)
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                key = self.take()[1]
            else:
                key = to_text(self.either())
                self.take("]")
            current = current.get(key) if isinstance(current, dict) else None
        return current

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ("op", ")"):
            args.append(self.either())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        if name in ("always", "success", "failure", "cancelled"):
            return self.status(name)
        if name == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(_equal(item, needle) for item in haystack)
            return to_text(needle).casefold() in to_text(haystack).casefold()
        if name == "startsWith":
            return to_text(args[0]).casefold().startswith(to_text(args[1]).casefold())
        raise ExpressionError(f"no function {name}()")


def evaluate(text: str, context: Mapping[str, Any], status: Callable[[str], bool] | None = None) -> Any:
    return _Parser(text, context, status or (lambda name: name != "failure" and name != "cancelled")).parse()


def interpolate(value: Any, context: Mapping[str, Any]) -> str:
    text = to_text(value)
    return EXPRESSION.sub(lambda match: to_text(evaluate(match.group(1), context)), text)


def condition(text: Any, context: Mapping[str, Any], status: Callable[[str], bool]) -> bool:
    """An ``if:``: with no status function in it, GitHub puts ``success() &&`` in front."""
    if text is None:
        return status("success")
    source = str(text).strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", source, re.S)
    if match:
        source = match.group(1)
    if not re.search(r"\b(always|success|failure|cancelled)\s*\(", source):
        source = f"success() && ({source})"
    return truthy(evaluate(source, context, status))


def expressions_in(text: str) -> list[str]:
    return [match.group(1).strip() for match in EXPRESSION.finditer(text)]


# ---------------------------------------------------------------- workflow commands


@dataclass
class Commands:
    """The workflow commands a step printed and that the runner would have acted on."""

    outputs: dict[str, str] = field(default_factory=dict)
    messages: list[tuple[str, str]] = field(default_factory=list)
    masks: list[str] = field(default_factory=list)


def read_commands(stdout: str) -> Commands:
    commands = Commands()
    stopped: str | None = None
    for line in stdout.splitlines():
        if stopped is not None:
            if line == f"::{stopped}::":
                stopped = None
            continue
        match = re.match(r"^::([a-z-]+)(?: ([^:]*))?::(.*)$", line)
        if not match:
            continue
        name, parameters, value = match.group(1), match.group(2) or "", match.group(3)
        if name == "stop-commands":
            stopped = value
        elif name == "set-output":
            key = dict(part.split("=", 1) for part in parameters.split(",") if "=" in part).get("name", "")
            commands.outputs[key] = value
        elif name == "add-mask":
            commands.masks.append(value)
        elif name in ("error", "warning", "notice"):
            commands.messages.append((name, f"{parameters}::{value}" if parameters else value))
    return commands


def read_output_file(path: Path) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` / ``$GITHUB_ENV``: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    lines = path.read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            while index < len(lines) and lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


# ---------------------------------------------------------------- jobs and workflows


@dataclass
class StepResult:
    name: str
    outcome: str  # success | failure | skipped
    conclusion: str
    outputs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    commands: Commands = field(default_factory=Commands)
    script_calls: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class JobResult:
    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    steps: dict[str, StepResult] = field(default_factory=dict)
    summary: str = ""

    def step(self, name: str) -> StepResult:
        return self.steps[name]


@dataclass
class Runner:
    """Runs the jobs of one workflow file against a workspace the test prepared."""

    workflow: dict[str, Any]
    workspace: Path
    temp_root: Path
    context: dict[str, Any]
    base_env: dict[str, str]
    artifacts: Path
    github_api: dict[str, Any] = field(default_factory=dict)

    def run(self) -> dict[str, JobResult]:
        results: dict[str, JobResult] = {}
        jobs: dict[str, Any] = self.workflow["jobs"]
        pending = list(jobs)
        while pending:
            for job_id in pending:
                needs = jobs[job_id].get("needs", [])
                needs = [needs] if isinstance(needs, str) else list(needs)
                if all(need in results for need in needs):
                    results[job_id] = self.run_job(job_id, {need: results[need] for need in needs})
                    pending.remove(job_id)
                    break
            else:
                raise RuntimeError(f"cannot order jobs {pending}")
        return results

    def run_job(self, job_id: str, needs: dict[str, JobResult]) -> JobResult:
        job = self.workflow["jobs"][job_id]
        context = dict(self.context)
        context["needs"] = {name: {"result": r.result, "outputs": r.outputs} for name, r in needs.items()}

        def job_status(name: str) -> bool:
            failed = any(r.result == "failure" for r in needs.values())
            return {"always": True, "success": not failed and all(
                r.result == "success" for r in needs.values()), "failure": failed, "cancelled": False}[name]

        if not condition(job.get("if"), context, job_status):
            return JobResult("skipped")
        temp = self.temp_root / job_id
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir(parents=True)
        context["runner"] = {"temp": str(temp), "os": "Linux"}
        context["steps"] = {}
        env: dict[str, str] = {}
        for key, value in (self.workflow.get("env") or {}).items():
            env[key] = interpolate(value, context)
        for key, value in (job.get("env") or {}).items():
            env[key] = interpolate(value, context)
        result = JobResult("success")
        failed = False
        shell_default = ((self.workflow.get("defaults") or {}).get("run") or {}).get("shell", "bash")
        summary_parts: list[str] = []

        def step_status(name: str) -> bool:
            return {"always": True, "success": not failed, "failure": failed, "cancelled": False}[name]

        for index, step in enumerate(job.get("steps", [])):
            step_id = step.get("id") or f"step{index}"
            name = step.get("name") or step.get("uses") or step_id
            if not condition(step.get("if"), context, step_status):
                step_result = StepResult(name, "skipped", "skipped")
            else:
                step_result = self.run_step(step, name, context, env, temp, shell_default, summary_parts)
                if step_result.outcome == "failure" and not step.get("continue-on-error"):
                    failed = True
                    step_result.conclusion = "failure"
                elif step_result.outcome == "failure":
                    step_result.conclusion = "success"
            context["steps"][step_id] = {
                "outputs": step_result.outputs,
                "outcome": step_result.outcome,
                "conclusion": step_result.conclusion,
            }
            result.steps[step_id] = step_result
        result.result = "failure" if failed else "success"
        result.summary = "".join(summary_parts)
        result.outputs = {key: interpolate(value, context) for key, value in (job.get("outputs") or {}).items()}
        return result

    def run_step(
        self,
        step: dict[str, Any],
        name: str,
        context: dict[str, Any],
        job_env: dict[str, str],
        temp: Path,
        shell_default: str,
        summary_parts: list[str],
    ) -> StepResult:
        env = dict(self.base_env)
        env.update(job_env)
        files = {
            "GITHUB_OUTPUT": temp / "_output",
            "GITHUB_STEP_SUMMARY": temp / "_summary",
            "GITHUB_ENV": temp / "_env",
        }
        for path in files.values():
            path.write_text("", encoding="utf-8")
        env.update({key: str(path) for key, path in files.items()})
        env["RUNNER_TEMP"] = str(temp)
        for key, value in (step.get("env") or {}).items():
            env[key] = interpolate(value, context)
        if "uses" in step:
            result = self.run_action(step, name, context, env)
        else:
            result = self.run_script(step, name, context, env, temp, shell_default)
        result.outputs.update(read_output_file(files["GITHUB_OUTPUT"]))
        summary_parts.append(files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
        job_env.update(read_output_file(files["GITHUB_ENV"]))
        return result

    def run_script(
        self,
        step: dict[str, Any],
        name: str,
        context: dict[str, Any],
        env: dict[str, str],
        temp: Path,
        shell_default: str,
    ) -> StepResult:
        script = step["run"]
        if expressions_in(script):
            raise AssertionError(f"step {name!r}: an expression in run: would be pasted into the script")
        shell = step.get("shell", shell_default)
        working = Path(interpolate(step.get("working-directory", str(self.workspace)), context))
        path = temp / f"_script_{abs(hash(name))}"
        path.write_text(script, encoding="utf-8")
        if shell == "bash":
            command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)]
        elif shell == "python":
            command = [shutil.which("python", path=env["PATH"]) or sys.executable, str(path)]
        else:
            raise AssertionError(f"step {name!r}: shell {shell!r} is not emulated")
        done = subprocess.run(
            command, cwd=working, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False
        )
        commands = read_commands(done.stdout)
        outcome = "success" if done.returncode == 0 else "failure"
        return StepResult(name, outcome, outcome, dict(commands.outputs), done.stdout, done.stderr, commands)

    def run_action(self, step: dict[str, Any], name: str, context: dict[str, Any], env: dict[str, str]) -> StepResult:
        action = step["uses"].split("@", 1)[0]
        inputs = {key: interpolate(value, context) for key, value in (step.get("with") or {}).items()}
        if action in ("actions/checkout", "actions/setup-python"):
            return StepResult(name, "success", "success")
        if action == "actions/upload-artifact":
            store = self.artifacts / inputs["name"]
            shutil.rmtree(store, ignore_errors=True)
            store.mkdir(parents=True)
            for source in inputs["path"].split("\n"):
                source_path = Path(source.strip())
                if source_path.is_dir():
                    shutil.copytree(source_path, store, dirs_exist_ok=True)
                elif source_path.is_file():
                    shutil.copy2(source_path, store)
            return StepResult(name, "success", "success")
        if action == "actions/download-artifact":
            store = self.artifacts / inputs["name"]
            if not store.is_dir():
                return StepResult(name, "failure", "failure", stderr="no such artifact")
            shutil.copytree(store, Path(inputs["path"]), dirs_exist_ok=True)
            return StepResult(name, "success", "success")
        if action == "actions/github-script":
            return self.run_github_script(inputs["script"], name, env)
        raise AssertionError(f"action {action} is not emulated")

    def run_github_script(self, script: str, name: str, env: dict[str, str]) -> StepResult:
        if expressions_in(script):
            raise AssertionError(f"step {name!r}: an expression in script: would be pasted into the JavaScript")
        node = shutil.which("node")
        if node is None:
            return StepResult(name, "skipped", "skipped", stderr="node is not installed")
        temp = Path(env["RUNNER_TEMP"])
        (temp / "_script.js").write_text(script, encoding="utf-8")
        (temp / "_state.json").write_text(
            json.dumps({"context": self.context["github_script_context"], "api": self.github_api}), encoding="utf-8"
        )
        harness = temp / "_harness.js"
        harness.write_text(GITHUB_SCRIPT_HARNESS, encoding="utf-8")
        done = subprocess.run(
            [node, str(harness), str(temp / "_script.js"), str(temp / "_state.json"), str(temp / "_calls.json")],
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        recorded = temp / "_calls.json"
        calls = json.loads(recorded.read_text(encoding="utf-8")) if recorded.exists() else []
        outcome = "success" if done.returncode == 0 else "failure"
        return StepResult(name, outcome, outcome, {}, done.stdout, done.stderr, read_commands(done.stdout), calls)


# github-script's script is the body of an async function given require, github, context and core.
# This stand-in records every write the script makes and answers reads from a canned state.
GITHUB_SCRIPT_HARNESS = r"""
const fs = require('fs');
const [scriptPath, statePath, callsPath] = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const calls = [];
let failed = false;
const record = (method) => async (params) => {
  calls.push({ method, params });
  if (method === 'issues.createLabel' && state.api.labelExists) {
    const error = new Error('exists'); error.status = 422; throw error;
  }
  return { data: { id: 1000 + calls.length, number: 2000 + calls.length, html_url: 'https://example.invalid/x' } };
};
const list = (key) => async (params) => { calls.push({ method: key, params }); return { data: state.api[key] || [] }; };
const github = {
  rest: {
    issues: {
      listComments: list('issues.listComments'),
      listForRepo: list('issues.listForRepo'),
      createComment: record('issues.createComment'),
      updateComment: record('issues.updateComment'),
      create: record('issues.create'),
      update: record('issues.update'),
      createLabel: record('issues.createLabel'),
    },
    repos: {
      // The branch's head: the canned answer, else the commit the run is of (GITHUB_SHA).
      getBranch: async (params) => {
        calls.push({ method: 'repos.getBranch', params });
        const head = { name: params.branch, commit: { sha: process.env.GITHUB_SHA } };
        return { data: state.api['repos.getBranch'] || head };
      },
    },
  },
  paginate: async (fn, params) => (await fn(params)).data,
};
const core = {
  info: (m) => console.log(m),
  warning: (m) => console.log(`::warning::${m}`),
  setFailed: (m) => { failed = true; console.log(`::error::${m}`); },
};
const context = state.context;
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const body = fs.readFileSync(scriptPath, 'utf8');
new AsyncFunction('require', 'github', 'context', 'core', 'process', body)(require, github, context, core, process)
  .then(() => { fs.writeFileSync(callsPath, JSON.stringify(calls)); process.exit(failed ? 1 : 0); })
  .catch((error) => { fs.writeFileSync(callsPath, JSON.stringify(calls)); console.error(error); process.exit(1); });
"""


def default_inputs(workflow: dict[str, Any]) -> dict[str, Any]:
    """The defaults of a reusable workflow's ``workflow_call`` inputs, typed as GitHub types them."""
    trigger = workflow.get("on") or workflow.get(True) or {}
    inputs = (trigger.get("workflow_call") or {}).get("inputs") or {}
    values: dict[str, Any] = {}
    for name, spec in inputs.items():
        default = spec.get("default")
        if spec.get("type") == "number" and default is not None:
            default = float(default)
        elif spec.get("type") == "boolean":
            default = bool(default)
        elif default is None:
            default = ""
        values[name] = default
    return values


def stub_environment(stub_bin: Path, home: Path) -> dict[str, str]:
    """A clean environment: the stubs first on PATH, then the system's tools; no credentials of ours."""
    return {
        "PATH": f"{stub_bin}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
    }
