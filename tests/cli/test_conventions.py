"""Conventions of a Terraform-style CLI: exit codes, colour, show, stable masks, one line per cause."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.apply.conftest import Workspace

SUBPROCESS_TIMEOUT = 120


def run_python(cwd: Path, *args: str, env: dict[str, str] | None = None, tty: bool = False) -> tuple[int, str, str]:
    """``python -m reconciler ARGS`` in its own process; on a pseudo-terminal when ``tty``."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "TERM")}
    environ.update(env or {})
    command = [sys.executable, "-m", "reconciler", *args]
    if not tty:
        done = subprocess.run(command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(command, cwd=cwd, env=environ, stdout=follower, stderr=subprocess.PIPE) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT)
    os.close(leader)
    return process.returncode, b"".join(chunks).decode(), stderr.decode()


@pytest.mark.parametrize("args", [("plan", "--bogus"), ("nosuch",), ("apply", "--wait-timeout", "soon")])
def test_a_usage_error_exits_1_not_2(workspace: Workspace, args: tuple[str, ...]) -> None:
    result = workspace.run(*args)
    assert result.exit_code == 1, result.output
    assert "Usage:" in result.output or "Error:" in result.output


def test_version_and_help_name_the_exit_codes_and_the_environment(workspace: Workspace) -> None:
    assert workspace.run("--version").output.startswith("reconciler, version ")
    assert "5 apply did all it could" in workspace.run("--help").output
    plan_help = workspace.run("plan", "--help").output
    assert "Exit codes" in plan_help and "KLARNA_API_KEY" in plan_help and "RECONCILER_MASK_KEY" in plan_help
    assert "--format" in plan_help and "markdown" in plan_help
    assert "5 blocked operations remain" in workspace.run("apply", "--help").output


HEAVY = ("pydantic", "httpx", "rich", "fastapi", "ruamel", "yaml", "deepdiff", "importlib.metadata", "reconciler.")
PROBE = """
import sys
from reconciler.cli import main
try:
    main(["--version"])
except SystemExit as done:
    assert done.code in (0, None), done.code
print(" ".join(sorted(sys.modules)))
"""


def test_version_loads_no_command_and_no_heavy_module() -> None:
    """``reconciler --version`` answers fast because it imports click and the CLI group only."""
    version, modules = run_probe("-c", PROBE, cwd=Path(__file__).resolve().parents[2]).splitlines()
    assert version == "reconciler, version 0.1.0"
    # The output filter (cli.concealed) imports only the standard library until a secret can exist.
    light = ("reconciler.cli", "reconciler.version", "reconciler.cli.concealed")
    loaded = [m for m in modules.split() if m.startswith(HEAVY) and m not in light]
    assert loaded == []


@pytest.mark.parametrize(
    "command",
    ["validate", "schema", "plan", "drift", "show", "apply", "secrets", "import", "sandbox", "sandbox serve"],
)
def test_each_commands_help_gives_its_exit_codes_and_environment(workspace: Workspace, command: str) -> None:
    result = workspace.run(*command.split(), "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Exit codes: 0 " in text and "Environment: " in text
    assert "\\b" not in text  # click's no-rewrap marker is a backspace, not a written backslash


def test_colour_only_on_a_terminal_and_never_with_no_color(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    _, coloured, _ = run_python(converged.root, "plan", tty=True)
    assert "\x1b[" in coloured
    for args, env in ((("--no-color", "plan"), {}), (("plan",), {"NO_COLOR": "1"}), (("plan",), {"TERM": "dumb"})):
        code, out, err = run_python(converged.root, *args, env=env, tty=True)
        assert code == 0, err
        assert "\x1b[" not in out and "Nordic Bikes Oslo AS" in out


def test_show_renders_a_saved_plan_as_plan_did_and_refuses_an_edited_one(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    planned = converged.run("plan", "--out", "plan.json")
    shown = converged.run("show", "plan.json")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == planned.stdout
    as_json = converged.run("show", "plan.json", "--format", "json").stdout
    assert json.loads(as_json) == json.loads((converged.root / "plan.json").read_text())
    assert "<!-- reconciler-plan -->" in converged.run("show", "plan.json", "--format", "markdown").stdout

    edited = (converged.root / "plan.json").read_text().replace("Nordic Bikes Oslo AS", "Someone Else AS")
    (converged.root / "plan.json").write_text(edited)
    refused = converged.run("show", "plan.json")
    assert refused.exit_code == 1
    assert "MAC does not verify" in refused.stderr


def test_masked_fingerprints_are_the_same_in_two_runs(converged: Workspace) -> None:
    """The PR comment and the apply log must show the same fingerprint for the same value."""
    converged.edit_merchant(
        "SK-2024-0002", "iban: SE45 5000 0000 0583 9825 7466", "iban: SE78 5000 0000 0549 1000 0005"
    )
    runs = [run_python(converged.root, "plan", "--format", "json") for _ in range(2)]
    changes = [json.loads(out)["operations"][0]["changes"] for _, out, _ in runs]
    assert changes[0] == changes[1]
    assert "(fp:" in json.dumps(changes[0])


def test_a_wrong_key_is_one_error_line_naming_the_variable(converged: Workspace) -> None:
    result = converged.run("plan", env={"KLARNA_API_KEY": "klarna_test_api_wrong"})
    assert result.exit_code == 1
    merchant_lines = [line for line in result.stderr.splitlines() if "resolve_account" in line]
    assert len(merchant_lines) == 1, result.stderr
    assert "5 merchants (" in merchant_lines[0]
    assert "The klarna API refused the credentials: check KLARNA_API_KEY" in result.stderr
    assert "klarna_test_api_wrong" not in result.output


def test_an_unreachable_api_is_named_by_its_url(workspace: Workspace) -> None:
    result = workspace.run(
        "plan",
        "--target",
        "M123786123412",
        env={
            "RECONCILER_KLARNA_URL": "http://127.0.0.1:9",
            "KLARNA_API_KEY": "klarna_test_api_unused",
            # Off the sandbox, reconciler.yaml's test key is not used: the identity comes from the environment.
            "RECONCILER_AGE_IDENTITY_FILE": "desired-state/sandbox-test-identity.txt",
        },
    )
    assert result.exit_code == 1
    assert "no response from http://127.0.0.1:9" in result.stderr


@pytest.mark.parametrize("command", ["plan", "drift", "apply"])
def test_every_reading_command_takes_parallelism_and_names_its_targets(converged: Workspace, command: str) -> None:
    args = [command, "--parallelism", "2"] + (["--auto-approve"] if command == "apply" else [])
    result = converged.run(*args)
    assert result.exit_code == 0, result.output
    if command != "apply":  # nothing to apply prints the empty plan, which names them too
        assert result.stdout.startswith("Targets: klarna sandbox (the bundled simulator), dintero sandbox")
    else:
        assert "Targets: klarna sandbox" in result.stdout


def test_in_ci_the_sandbox_must_be_asked_for(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECONCILER_ALLOW_SANDBOX")
    monkeypatch.setenv("CI", "true")
    assert workspace.run("plan").exit_code == 0  # the example's reconciler.yaml writes base_url: sandbox
    workspace.edit_config(
        "    base_url: sandbox            # the bundled simulator; or e.g. https://api-global.test.klarna.com\n", ""
    )
    since = workspace.sandbox.last_seq()
    refused = workspace.run("plan")
    assert refused.exit_code == 1
    assert "with CI=true the sandbox is used only when asked for: write targets.klarna.base_url" in refused.stderr
    assert workspace.sandbox.requests(since=since) == []
    assert workspace.run("plan", env={"RECONCILER_ALLOW_SANDBOX": "1"}).exit_code == 0


def test_an_empty_target_variable_is_refused_by_name(workspace: Workspace) -> None:
    result = workspace.run("plan", env={"RECONCILER_DINTERO_URL": ""})
    assert result.exit_code == 1
    assert "RECONCILER_DINTERO_URL is set but empty" in result.stderr


SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize("command", ["plan", "drift"])
def test_the_commit_comes_from_github_sha_and_commit_overrides_it(converged: Workspace, command: str) -> None:
    from_env = converged.run(command, env={"GITHUB_SHA": SHA})
    assert f"\nCommit: {SHA}\n" in from_env.stdout
    flagged = converged.run(command, "--commit", "ABCDEF1", "--format", "markdown", env={"GITHUB_SHA": SHA})
    assert "Made from commit <code>abcdef1</code>" in flagged.stdout and SHA not in flagged.stdout
    converged.run(command, "--commit", SHA, "--out", "out.json")
    assert json.loads((converged.root / "out.json").read_text(encoding="utf-8"))["commit"] == SHA
    assert "Commit:" not in converged.run(command).stdout


@pytest.mark.parametrize("value", ["abc123", "0123456789abcdef0123456789abcdef012345678", "12345g7", "$(id)", "main"])
def test_a_commit_that_is_not_a_commit_id_is_a_usage_error(workspace: Workspace, value: str) -> None:
    since = workspace.sandbox.last_seq()
    for args, env in ((("plan", "--commit", value), {}), (("drift",), {"GITHUB_SHA": value})):
        result = workspace.run(*args, env=env)
        assert result.exit_code == 1, result.output
        assert "is not a commit id (7 to 40 hexadecimal digits); from --commit or GITHUB_SHA" in result.output
    assert workspace.sandbox.requests(since=since) == []


def test_the_version_shown_is_the_installed_packages(workspace: Workspace) -> None:
    # --version reads reconciler.__version__ (no importlib.metadata at start-up): it must match the package's.
    import importlib.metadata

    from reconciler import __version__

    assert __version__ == importlib.metadata.version("reconciler")
    assert workspace.run("--version").output == f"reconciler, version {__version__}\n"


MODULES_PROBE = """
import sys
from reconciler.cli import main
try:
    main([sys.argv[1], "--desired", sys.argv[2]])
except SystemExit as done:
    assert done.code in (0, None), done.code
print()
print(" ".join(sorted(sys.modules)))
"""


def run_probe(
    *args: str, cwd: Path, env: dict[str, str] | None = None, path: tuple[str, ...] = ()
) -> str:
    """What ``python ARGS`` printed in a fresh interpreter with this checkout first on the path (then ``path``)."""
    root = Path(__file__).resolve().parents[2]
    environ = {**(env if env is not None else os.environ), "PYTHONPATH": os.pathsep.join([str(root), *path])}
    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        env=environ,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def modules_after(command: str, desired: Path, cwd: Path) -> tuple[str, list[str]]:
    """What ``reconciler COMMAND --desired DESIRED`` printed in a fresh interpreter, and the modules it loaded.

    Against the embedded sandbox: neither CI nor a target URL comes from this process's environment.
    """
    skipped = ("CI", "RECONCILER_KLARNA_URL", "RECONCILER_DINTERO_URL")
    environ = {k: v for k, v in os.environ.items() if k not in skipped}
    output, modules = run_probe("-c", MODULES_PROBE, command, str(desired), cwd=cwd, env=environ).rsplit("\n\n", 1)
    return output, modules.split()
# What validate never needs (the network, the sandbox, the diff), and the value parsers a file without
# a phone number, an email address, a country or a currency does not need.
NOT_FOR_VALIDATE = (
    "httpx",
    "httptools",
    "fastapi",
    "starlette",
    "uvicorn",
    "rich",
    "deepdiff",
    "phonenumbers",
    "email_validator",
    "pycountry",
    "reconciler.sandbox",
    "reconciler.live",
    "reconciler.kinds",
    "reconciler.compare",
    "reconciler.plan",
    "reconciler.apply",
    "reconciler.render",
    "reconciler.pipeline",
)


def test_validate_loads_no_network_module_and_no_parser_the_file_does_not_need(tmp_path: Path) -> None:
    """``reconciler validate`` of a file with no phone, email, country or currency imports none of their parsers."""
    merchant = tmp_path / "desired-state" / "merchants" / "m.yaml"
    merchant.parent.mkdir(parents=True)
    merchant.write_text(
        "account_reference: M-1\nklarna:\n  account_name: Minimal AB\n"
        "  account_owner: {given_name: Ola, family_name: Nordmann, email: Ola.Nordmann@Example.NO}\n",
        encoding="utf-8",
    )  # a plain email address is checked without email_validator
    output, modules = modules_after("validate", merchant.parents[1], tmp_path)
    assert output.startswith("OK: 1 merchants"), output
    loaded = sorted({m for m in modules if m.startswith(NOT_FOR_VALIDATE)})
    assert loaded == []
    assert "pydantic" in modules and "reconciler.desired.models" in modules


def example_directory(target: Path) -> Path:
    """A desired-state directory of the example ``reconciler.yaml``, the example profiles and one example
    merchant file (with a phone number, an email address, countries and currencies), as the start-up
    benchmark builds it."""
    source = Path(__file__).resolve().parents[2] / "desired-state"
    (target / "merchants").mkdir(parents=True)
    shutil.copy(source / "reconciler.yaml", target)
    shutil.copytree(source / "profiles", target / "profiles")
    shutil.copy(source / "merchants" / "bergen-fisk.yaml", target / "merchants")
    return target


# What validate of valid files in YAML's plain subset does not need: ruamel.yaml parses only a file
# libyaml does not read as ruamel.yaml would, or one with a problem to locate; argon2 hashes and age
# decrypts nothing without bank account hashing or a secrets store.
NOT_FOR_A_VALID_FILE = ("ruamel", "argon2", "_argon2_cffi_bindings", "_cffi_backend", "pyrage")


def test_validate_of_a_valid_file_loads_no_second_yaml_parser_no_hashing_and_no_age(tmp_path: Path) -> None:
    desired = example_directory(tmp_path / "desired-state")
    output, modules = modules_after("validate", desired, tmp_path)
    assert output.startswith("OK: 1 merchants (1 with Dintero)"), output
    loaded = sorted({m for m in modules if m.split(".")[0] in NOT_FOR_A_VALID_FILE})
    assert loaded == []
    assert "reconciler.desired.schema" not in modules  # the JSON Schema is the schema command's
    assert "yaml" in modules and "phonenumbers" in modules  # the file was read, and its phone number checked


def test_validate_of_a_broken_configuration_still_reports_ruamels_positions(tmp_path: Path) -> None:
    """libyaml places an empty value at the end of its key, ruamel.yaml where the next key starts: the
    issue is reported where ruamel.yaml places it, as before libyaml read reconciler.yaml."""
    desired = example_directory(tmp_path / "desired-state")
    lines = (desired / "reconciler.yaml").read_text(encoding="utf-8").splitlines()
    emptied = next(number for number, line in enumerate(lines) if line.startswith("  max_disable_count:"))
    lines[emptied] = "  max_disable_count:"  # no value, no comment
    (desired / "reconciler.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, stderr = run_python(tmp_path, "validate", "--desired", str(desired))
    assert code == 1
    # The next key's line (1-based: emptied + 2), its column.
    assert f"reconciler.yaml:{emptied + 2}:3: policy.max_disable_count: expected a number, got null" in stderr, stderr


BUILT_PROBE = """
import sys
from reconciler.cli import main
from reconciler.desired.base import DesiredModel

try:
    main(["validate", "--desired", sys.argv[1]])
except SystemExit as done:
    assert done.code in (0, None), done.code


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


print(" ".join(sorted(c.__name__ for c in subclasses(DesiredModel) if c.__pydantic_complete__)))
"""


def test_validate_builds_the_merchant_model_only_not_each_of_its_parts(tmp_path: Path) -> None:
    """The merchant model's validator holds all its parts: building each part's own validator as well
    (pydantic's default, at import) would be work every start pays for nothing. A part is built when
    it is first used alone (a plan dumps some)."""
    desired = example_directory(tmp_path / "desired-state")
    output = run_probe("-c", BUILT_PROBE, str(desired), cwd=tmp_path)
    assert output.startswith("OK: 1 merchants"), output
    assert output.splitlines()[-1].split() == ["Merchant"]


PLUGIN_MODULE = """
import os
from pathlib import Path

Path(os.environ["PLUGIN_MARKER"]).write_text("loaded", encoding="utf-8")


class Plugin:
    def new_schema_validator(self, *args, **kwargs):
        return None, None, None


plugin = Plugin()
"""


@pytest.mark.parametrize(("setting", "loaded"), [(None, False), ("", True)])
def test_the_command_line_loads_no_pydantic_plugin_unless_the_operator_asks(
    workspace: Workspace, tmp_path: Path, setting: str | None, loaded: bool
) -> None:
    """An installed pydantic plugin would see every validated value, secrets included: none is loaded
    by default, and an operator who sets PYDANTIC_DISABLE_PLUGINS (empty: disable none) gets them."""
    site = tmp_path / "site"
    (site / "spy_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "spy_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: spy-plugin\nVersion: 1.0\n", encoding="utf-8"
    )
    (site / "spy_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[pydantic]\nspy = spy_plugin:plugin\n", encoding="utf-8"
    )
    (site / "spy_plugin.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    marker = tmp_path / "marker"
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    environ["PLUGIN_MARKER"] = str(marker)
    if setting is not None:
        environ["PYDANTIC_DISABLE_PLUGINS"] = setting
    validate = ("-m", "reconciler", "validate", "--desired", str(workspace.desired))
    run_probe(*validate, cwd=tmp_path, env=environ, path=(str(site),))
    assert marker.exists() is loaded


def test_a_plan_against_the_embedded_sandbox_loads_no_network_client_and_no_deepdiff(workspace: Workspace) -> None:
    """The network transport loads the HTTP parser, and deepdiff loads numpy: neither is needed here."""
    output, modules = modules_after("plan", workspace.desired, workspace.root)
    assert "Plan: 59 to create," in output, output
    network = ("reconciler.live.transport", "reconciler.live.wire")
    loaded = sorted(m for m in modules if m in network or m.split(".")[0] in ("httptools", "deepdiff", "numpy"))
    assert loaded == []


def test_the_command_line_gives_back_the_plugin_setting_it_made(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in a caller's own process (a test, a wrapper), a command leaves that process's environment as it was."""
    from click.testing import CliRunner

    from reconciler.cli import main

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    seen: list[str | None] = []

    def load_desired(*args: object, **kwargs: object) -> None:
        seen.append(os.environ.get("PYDANTIC_DISABLE_PLUGINS"))
        raise SystemExit(0)

    monkeypatch.setattr("reconciler.cli.desired_commands.load_desired", load_desired)
    CliRunner().invoke(main, ["validate", "--desired", str(workspace.desired)])
    assert seen == ["__all__"]  # while the command ran
    assert "PYDANTIC_DISABLE_PLUGINS" not in os.environ
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")
    CliRunner().invoke(main, ["--version"])
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""


@pytest.mark.parametrize(
    ("raised", "code", "told"),
    [
        (PermissionError(13, "Permission denied", "merchants"), 1, "merchants: Permission denied"),
        (OSError(28, "No space left on device"), 1, "No space left on device"),
        (KeyboardInterrupt(), 130, "Interrupted."),
    ],
    ids=["permission", "disk-full", "ctrl-c"],
)
def test_an_error_of_the_system_or_ctrl_c_is_one_line_not_a_traceback(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, raised: BaseException, code: int, told: str
) -> None:
    """What no check foresaw (a folder this process may not enter, a full disk) or Ctrl-C, wherever a
    command meets it: its one line on stderr and its exit code (130: 128 + SIGINT, as a shell has it)."""
    from reconciler.cli import desired_commands

    def fail(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(desired_commands, "load_desired", fail)
    result = workspace.run("validate")
    assert (result.exit_code, result.stderr) == (code, told + "\n")


def test_output_read_only_in_part_ends_quietly(workspace: Workspace) -> None:
    """``reconciler plan | head -1``: the reader goes away, and the command ends with exit 1 and nothing on
    stderr (no traceback, no "Broken pipe", no second report as the interpreter exits)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "TERM")}
    command = [sys.executable, "-m", "reconciler", "plan"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(command, cwd=workspace.root, env=environ, **pipes) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()  # as head does after its line
        stderr = process.stderr.read()
        code = process.wait(timeout=SUBPROCESS_TIMEOUT)
    assert first.startswith(b"Targets: ")
    assert (code, stderr) == (1, b"")
