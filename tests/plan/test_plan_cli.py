"""``reconciler plan`` on the command line, against the embedded sandbox of a temporary working directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reconciler.plan import FORMAT_VERSION, Plan
from reconciler.render.markdown import COMMENT_MARKER, GITHUB_COMMENT_LIMIT

from .conftest import REF, Cli, addr, base_merchant

EXAMPLES = Path(__file__).resolve().parents[2] / "desired-state"


@pytest.fixture
def changed(cli: Cli) -> Cli:
    """The base merchant live, its YAML with a new account name and one more stakeholder."""
    merchant = base_merchant()
    cli.live.create(merchant)
    merchant["klarna"]["account_name"] = "Shop Renamed"
    merchant["klarna"]["stakeholders"].append(
        {"given_name": "Grace", "family_name": "Hopper", "date_of_birth": "1906-12-09", "roles": ["DIRECTOR"]}
    )
    cli.desired.write(merchant)
    return cli


@pytest.mark.parametrize(
    "args,code",
    [((), 0), (("--detailed-exitcode",), 2)],
    ids=["plain plan exits 0 with changes", "detailed exit code 2 on changes"],
)
def test_exit_code_with_changes(args: tuple[str, ...], code: int, changed: Cli) -> None:
    result = changed.run("plan", *args)
    assert result.exit_code == code, result.output
    assert "Plan: 1 to create, 1 to patch" in result.stdout


def test_an_unchanged_merchant_plans_empty_with_exit_0(cli: Cli) -> None:
    merchant = base_merchant()
    cli.live.create(merchant)
    cli.desired.write(merchant)
    result = cli.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert "No changes. The live state matches the desired state." in result.stdout


def test_text_format(changed: Cli) -> None:
    out = changed.run("plan").stdout
    assert "reconciler will perform the following actions:" in out
    assert "~ klarna.account  patch" in out
    assert 'account_name: "Shop PT-0001" → "Shop Renamed"' in out
    assert "+ klarna.stakeholder/grace-hopper  create" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_json_format_is_the_plan_document(changed: Cli) -> None:
    document = json.loads(changed.run("plan", "--format", "json").stdout)
    assert [(op["address"], op["action"]) for op in document["operations"]] == [
        (addr("klarna.account"), "patch"),
        (addr("klarna.stakeholder", "grace-hopper"), "create"),
    ]
    assert document["summary"] == {
        "create": 1,
        "adopt": 0,
        "patch": 1,
        "replace": 0,
        "disable": 0,
        "enable": 0,
        "delete": 0,
        "blocked": 0,
    }
    assert document["merchants"] == [REF]


def test_markdown_format_is_a_pr_comment(changed: Cli) -> None:
    out = changed.run("plan", "--format", "markdown").stdout
    assert out.startswith(COMMENT_MARKER)
    assert "| merchant | name | create | adopt | patch | replace | disable | enable | delete | blocked |" in out
    assert f"| <code>{REF}</code> | Shop Renamed | 1 |  | 1 |" in out
    file = f"desired-state/merchants/{REF.lower()}.yaml"
    summary = f"<summary><code>{REF}</code> · Shop Renamed · <code>{file}</code>: 1 create, 1 patch</summary>"
    assert f"<details>{summary}" in out
    assert "\n~ klarna.account  patch\n" in out and "\n+ klarna.stakeholder/grace-hopper  create  [high risk]\n" in out


def test_out_writes_the_plan_document(changed: Cli) -> None:
    out_file = changed.workdir / "plan.json"
    result = changed.run("plan", "--out", str(out_file), "--format", "markdown")
    assert result.exit_code == 0
    document = json.loads(out_file.read_text(encoding="utf-8"))
    assert document["format_version"] == FORMAT_VERSION
    assert document["desired_digest"].startswith("hmac-sha256:") and len(document["desired_digest"]) == 76
    assert sum(document["summary"].values()) == len(document["operations"]) == 2
    patch, create = document["operations"]
    assert patch["precondition"].startswith("hmac-sha256:") and create["precondition"] == "absent"
    assert patch["depends_on"] == [] and create["depends_on"] == [addr("klarna.account")]
    assert set(patch) == {
        "address",
        "merchant",
        "resource",
        "action",
        "risk",
        "changes",
        "precondition",
        "depends_on",
        "reason",
    }
    assert Plan.from_dict(document).to_dict() == document
    # The same desired state gives the same digest; another gives another.
    again = json.loads(changed.run("plan", "--format", "json").stdout)
    assert again["desired_digest"] == document["desired_digest"]
    merchant = base_merchant()
    changed.desired.write(merchant)
    assert json.loads(changed.run("plan", "--format", "json").stdout)["desired_digest"] != document["desired_digest"]


@pytest.fixture
def three(cli: Cli) -> Cli:
    for reference in ("PT-0001", "PT-0002", "PT-0003"):
        cli.desired.write(base_merchant(reference, "T1120020" + reference[-1]))
    return cli


@pytest.mark.parametrize("how", ["reference", "file"])
def test_target_plans_only_the_named_merchants(how: str, three: Cli) -> None:
    targets = ["PT-0003", "PT-0001"]
    if how == "file":
        targets = [f"desired-state/merchants/{t.lower()}.yaml" for t in targets]
    args = [arg for target in targets for arg in ("--target", target)]
    document = json.loads(three.run("plan", "--format", "json", *args).stdout)
    assert document["merchants"] == ["PT-0001", "PT-0003"]
    assert {op["merchant"] for op in document["operations"]} == {"PT-0001", "PT-0003"}


def test_unknown_target_is_an_input_error(three: Cli) -> None:
    result = three.run("plan", "--target", "PT-0001", "--target", "NOPE-1")
    assert result.exit_code == 1
    assert "--target:1:1: NOPE-1: no merchant with this reference or file" in result.stderr
    assert result.stdout == ""


def test_bad_yaml_is_reported_with_file_line_and_column(cli: Cli) -> None:
    cli.desired.write(base_merchant())
    cli.desired.write_text("broken.yaml", "account_reference: PT-0009\nklarna:\n  account_name: [unclosed\n")
    result = cli.run("plan")
    assert result.exit_code == 1
    assert "desired-state/merchants/broken.yaml:" in result.stderr
    line = next(line for line in result.stderr.splitlines() if "broken.yaml:" in line)
    file_part, line_no, column = line.split(":")[:3]
    assert file_part.endswith("broken.yaml") and line_no.isdigit() and column.isdigit()


def test_invalid_values_in_several_files_are_all_reported(cli: Cli) -> None:
    first, second = base_merchant("PT-0001"), base_merchant("PT-0002", "T11200202")
    first["klarna"]["payment_product"]["merchant_category_code"] = "54110"
    second["klarna"]["account_owner"]["email"] = "not-an-email"
    cli.desired.write(first)
    cli.desired.write(second)
    result = cli.run("plan")
    assert result.exit_code == 1
    assert "pt-0001.yaml:" in result.stderr and "merchant_category_code" in result.stderr
    assert "pt-0002.yaml:" in result.stderr and "email" in result.stderr


def test_long_markdown_is_cut_at_the_comment_limit_with_a_note(cli: Cli) -> None:
    for n in range(40):
        cli.desired.write(base_merchant(f"BULK-{n:03d}", f"T11300{n:03d}"))
    full = json.loads(cli.run("plan", "--format", "json").stdout)
    assert full["summary"]["create"] == 40 * 14
    out = cli.run("plan", "--format", "markdown").stdout
    assert len(out) <= GITHUB_COMMENT_LIMIT
    assert "**Plan truncated:**" in out and "65,536-character comment limit" in out
    kept = out.count("<details>")
    assert 0 < kept < 40
    assert f"{40 - kept} merchant section(s) were left out" in out
    assert "Plan: 560 to create" in out  # the summary still counts the whole plan


def test_the_examples_plan_all_creates_against_an_empty_sandbox(cli: Cli) -> None:
    shutil.copytree(EXAMPLES, cli.workdir / "desired-state", dirs_exist_ok=True)
    result = cli.run("plan", "--format", "json", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    assert document["summary"] == {
        "create": 59,
        "adopt": 0,
        "patch": 0,
        "replace": 0,
        "disable": 0,
        "enable": 0,
        "delete": 0,
        "blocked": 0,
    }
    per_merchant: dict[str, int] = {}
    for op in document["operations"]:
        per_merchant[op["merchant"]] = per_merchant.get(op["merchant"], 0) + 1
    assert per_merchant == {
        "BF-2023-0042": 6,
        "M123786123412": 9,
        "MM-2024-0005": 14,
        "NB-2024-0001": 13,
        "SK-2024-0002": 13,  # its Dintero account settings, before the common signup
        "partner": 4,  # two credentials, a signing key, a webhook
    }
    disabled = next(op for op in document["operations"] if op["address"] == "BF-2023-0042/klarna.payment_product")
    state = {"path": "state", "before": None, "after": "DISABLED", "origin": "merchants/bergen-fisk.yaml"}
    assert state in disabled["changes"]  # the merchant overrides its profile's state: enabled
