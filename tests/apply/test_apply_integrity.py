"""A saved plan is applied exactly, or refused: a file changed after it was written, or not a plan at all,
is refused before any request (exit 1, naming the file); an operation that no longer matches what the
live state needs is refused as stale (exit 4) and never executed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.kinds import ResourceKind
from reconciler.plan import Action
from reconciler.plan.integrity import mac_of
from reconciler.plan.risk import risk_of
from tests.bounded import ROOT, finishes

from .conftest import Workspace

KEY = "integrity-test-key"
ENV = {"RECONCILER_MASK_KEY": KEY}
JANE_DOE = (
    "    - given_name: Jane\n      family_name: Doe\n      date_of_birth: 1972-02-02\n"
    "      roles: [DIRECTOR]\n      ownership_percentage: 25\n"
)
DISABLED = "    state: disabled\n    disabled_reason:\n      reason: MERCHANT_REQUEST\n"

Document = dict[str, Any]


@pytest.fixture
def planned(converged: Workspace) -> Workspace:
    """A saved plan holding a delete (a stakeholder removed), a disable and a patch."""
    converged.edit_config("allow_delete: false", "allow_delete: true")
    converged.edit_merchant("M123786123412", JANE_DOE, "")
    converged.edit_merchant("NB-2024-0001", "  payment_product:\n", "  payment_product:\n" + DISABLED)
    converged.edit_merchant("SK-2024-0002", "account_name: Stockholm Kaffe AB", "account_name: Stockholm Kafé AB")
    result = converged.run("plan", "--out", "plan.json", env=ENV)
    assert result.exit_code == 0, result.output
    actions = sorted(op["action"] for op in document_of(converged)["operations"])
    assert actions == ["delete", "disable", "patch"]
    return converged


def document_of(workspace: Workspace) -> Document:
    loaded: Document = json.loads((workspace.root / "plan.json").read_text())
    return loaded


def resealed(document: Document) -> Document:
    """The document with a MAC made with the right key: what only someone holding the credentials could do."""
    return {**document, "mac": mac_of(document, KEY.encode())}


def relabel(action: str) -> Callable[[Document], Document]:
    def edit(document: Document) -> Document:
        # The risk goes with the action (a patch of a product is medium), or the file is no plan at all.
        ops = [
            {**op, "action": "patch", "risk": risk_of(ResourceKind(op["resource"]), Action.PATCH).value}
            if op["action"] == action
            else op
            for op in document["operations"]
        ]
        summary = dict(document["summary"])
        summary[action] -= 1
        summary["patch"] += 1
        return {**document, "operations": ops, "summary": summary}

    return edit


def first_op(**changes: Any) -> Callable[[Document], Document]:
    def edit(document: Document) -> Document:
        ops = [{**document["operations"][0], **changes}, *document["operations"][1:]]
        return {**document, "operations": ops}

    return edit


EDITS: dict[str, Callable[[Document], Any]] = {
    "delete relabelled as patch": relabel("delete"),
    "disable relabelled as patch": relabel("disable"),
    "an operation dropped": lambda d: {**d, "operations": d["operations"][1:]},
    "MAC removed": lambda d: {k: v for k, v in d.items() if k != "mac"},
    "MAC of another key": lambda d: {**d, "mac": mac_of(d, b"another key")},
    "format_version true": lambda d: {**d, "format_version": True},
    "top level a list": lambda d: [d],
    "top level null": lambda d: None,
    "top level a string": lambda d: "plan",
}
RESEALED_EDITS: dict[str, Callable[[Document], Any]] = {
    "an operation for a merchant the plan does not list": first_op(merchant="ZZ-9999"),
    "merchants a string": lambda d: {**d, "merchants": "NB-2024-0001"},
    "depends_on holding a number": first_op(depends_on=[1]),
    "depends_on naming no operation": first_op(depends_on=["NB-2024-0001/klarna.nothing"]),
    "an address of another merchant": first_op(address="SK-2024-0002/klarna.account"),
    "format_version 2": lambda d: {**d, "format_version": 2},
    "format_version 1.0": lambda d: {**d, "format_version": 1.0},
    # Every format lists a held operation as needing no write ("no write will change it back").
    "a write held by a provider": first_op(held_by="Klarna"),
    "an unknown key": lambda d: {**d, "extra": 1},
    "summary that does not count the operations": lambda d: {**d, "summary": {**d["summary"], "create": 7}},
    # The policy reads the risk from the file: a high-risk delete saved as low would need no --allow-high-risk.
    "a risk other than its action's": lambda d: {
        **d,
        "operations": [{**op, "risk": "low"} if op["action"] == "delete" else op for op in d["operations"]],
    },
}


def assert_refused(workspace: Workspace, result: Any, since: int, expected: int = 1) -> None:
    assert result.exit_code == expected, result.output
    assert "Traceback" not in result.output
    assert workspace.sandbox.writes(since=since) == []


@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_changed_plan_file_is_refused_before_any_request(planned: Workspace, name: str) -> None:
    edited = EDITS[name](document_of(planned))
    (planned.root / "plan.json").write_text(json.dumps(edited))
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", "--allow-disable", env=ENV)
    assert_refused(planned, result, since)
    assert result.stderr.startswith("plan.json:")
    assert planned.sandbox.requests(since=since) == []  # not even a read


@pytest.mark.parametrize("name", sorted(RESEALED_EDITS))
def test_a_plan_that_is_not_a_plan_is_refused_even_with_a_good_mac(planned: Workspace, name: str) -> None:
    edited = RESEALED_EDITS[name](document_of(planned))
    (planned.root / "plan.json").write_text(json.dumps(resealed(edited)))
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", "--allow-disable", env=ENV)
    assert_refused(planned, result, since)
    assert result.stderr.startswith("plan.json:1:1: ")
    assert planned.sandbox.requests(since=since) == []


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"a": ' + b"9" * 5_000 + b"}",
    ],
    ids=["empty", "not JSON", "not UTF-8", "deep list", "deep object", "long number"],
)
def test_a_file_that_is_no_json_plan_is_refused(planned: Workspace, content: bytes) -> None:
    (planned.root / "plan.json").write_bytes(content)
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", env=ENV)
    assert_refused(planned, result, since)
    assert result.stderr.startswith("plan.json:")


def test_a_truncated_plan_is_refused(planned: Workspace) -> None:
    text = (planned.root / "plan.json").read_text()
    (planned.root / "plan.json").write_text(text[: len(text) // 2])
    since = planned.sandbox.last_seq()
    assert_refused(planned, planned.run("apply", "plan.json", "--auto-approve", env=ENV), since)


@pytest.mark.parametrize("action", ["delete", "disable"])
def test_a_relabelled_operation_is_never_executed_even_with_a_good_mac(planned: Workspace, action: str) -> None:
    """Exact application: apply derives each operation afresh and refuses the one that differs."""
    edited = resealed(relabel(action)(document_of(planned)))
    (planned.root / "plan.json").write_text(json.dumps(edited))
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", "--allow-disable", env=ENV)
    assert result.exit_code == 4, result.output
    assert f"the plan says patch, the live state now needs {action}" in result.stdout
    writes = planned.sandbox.writes(since=since)
    executed = {
        "delete": any(w["method"] == "DELETE" for w in writes),
        "disable": any(w["path"].endswith("/disable") for w in writes),
    }
    assert executed[action] is False
    assert len(writes) == 2  # the other two operations went ahead


def test_an_untouched_plan_executes_exactly_its_operations(planned: Workspace) -> None:
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", "--allow-disable", env=ENV)
    assert result.exit_code == 0, result.output
    writes = planned.sandbox.writes(since=since)
    assert sorted(w["method"] for w in writes) == ["DELETE", "PATCH", "POST"]
    assert "3 applied" in result.stdout
    assert planned.run("plan", "--detailed-exitcode", env=ENV).exit_code == 0


def test_a_plan_made_with_other_credentials_is_refused(planned: Workspace) -> None:
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", env={"RECONCILER_MASK_KEY": "another"})
    assert_refused(planned, result, since)
    assert "MAC does not verify" in result.stderr


def test_a_plan_made_against_other_targets_is_refused(planned: Workspace) -> None:
    since = planned.sandbox.last_seq()
    elsewhere = {
        **ENV,
        "RECONCILER_KLARNA_URL": "http://127.0.0.1:9",
        "KLARNA_API_KEY": "klarna_test_api_other",
        "RECONCILER_AGE_IDENTITY_FILE": "desired-state/sandbox-test-identity.txt",  # reconciler.yaml's is sandbox-only
    }
    result = planned.run("apply", "plan.json", "--auto-approve", env=elsewhere)
    assert_refused(planned, result, since)
    assert "the plan was made against klarna sandbox" in result.stderr
    assert "klarna http://127.0.0.1:9" in result.stderr


@pytest.mark.parametrize("targets", [{}, {"klarna": "sandbox"}, None])
def test_a_plan_naming_no_targets_or_only_some_is_refused(planned: Workspace, targets: Any) -> None:
    """An empty ``targets`` once skipped the check: such a plan was applied against whatever was configured."""
    document = document_of(planned)
    if targets is None:
        document.pop("targets")
    else:
        document["targets"] = targets
    (planned.root / "plan.json").write_text(json.dumps(resealed({k: v for k, v in document.items() if k != "mac"})))
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", env=ENV)
    assert_refused(planned, result, since)
    made = "klarna sandbox" if targets else "no target"
    assert f"the plan was made against {made}; this apply would talk to klarna " in result.stderr, result.stderr


@pytest.mark.parametrize("on", ["itself", "a later one"])
def test_a_plan_whose_operation_depends_on_itself_or_a_later_one_is_refused(planned: Workspace, on: str) -> None:
    """Apply runs a merchant's operations in the plan's order: a cycle would run one before what it needs."""
    document = {k: v for k, v in document_of(planned).items() if k != "mac"}
    operations = [dict(op) for op in document["operations"]]
    operations[0]["depends_on"] = [operations[0 if on == "itself" else 1]["address"]]
    (planned.root / "plan.json").write_text(json.dumps(resealed({**document, "operations": operations})))
    since = planned.sandbox.last_seq()
    for command in (["show", "plan.json"], ["apply", "plan.json", "--auto-approve"]):
        result = planned.run(*command, env=ENV)
        assert_refused(planned, result, since)
        assert "depends_on" in result.stderr and "does not come before it in the plan" in result.stderr


# Run in a child process that must finish: before the fix, opening the FIFO waited for a writer forever.
SPECIAL_PLAN_FILE = """
from click.testing import CliRunner
from reconciler.cli import main
result = CliRunner().invoke(main, {args!r}, env={{"RECONCILER_MASK_KEY": "k"}}, catch_exceptions=False)
print(result.exit_code)
print(result.output)
"""


@pytest.mark.parametrize("command", [["show"], ["apply", "--auto-approve"]])
def test_a_plan_file_that_is_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path, command: list[str]) -> None:
    plan_file = tmp_path / "plan.json"
    os.mkfifo(plan_file)
    args = [command[0], str(plan_file), *command[1:], "--desired", str(ROOT / "desired-state")]
    exit_code, output = finishes(SPECIAL_PLAN_FILE.format(args=args)).split("\n", 1)
    assert exit_code == "1", output
    assert output.startswith(f"{plan_file}:1:1: cannot read the plan: not a regular file (a FIFO)"), output


def test_a_disable_saved_as_part_of_an_onboarding_is_not_let_past_the_policy(planned: Workspace) -> None:
    """A disable marked ``onboarding`` is not counted by the disable limits: a saved plan claiming it
    for a merchant whose account is long OPERATIONAL once disabled it without --allow-disable."""
    planned.edit_config("max_disable_count: 5", "max_disable_count: 0")
    assert planned.run("plan", "--out", "plan.json", env=ENV).exit_code == 0
    document = {k: v for k, v in document_of(planned).items() if k != "mac"}
    assert document["policy"]["flags_needed"] == ["--allow-disable"]
    operations = [{**op, "onboarding": True} if op["action"] == "disable" else op for op in document["operations"]]
    (planned.root / "plan.json").write_text(json.dumps(resealed({**document, "operations": operations})))
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", env=ENV)
    assert result.exit_code == 4, result.output
    refused = "stale NB-2024-0001/klarna.payment_product: the plan counts this disable as part of the merchant's "
    refused += "onboarding, and its account is past it; plan again"
    assert refused in result.stdout
    assert not any(w["path"].endswith("/disable") for w in planned.sandbox.writes(since=since))
    assert planned.sandbox.accounts()["NB-2024-0001"]["products"][0]["state"] == "ENABLED"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # json.loads keeps the last of two keys, and the MAC covers what it kept: the file would read
        # one way to a reviewer's eye or another parser and another way to apply.
        (lambda text: '{"operations": [], ' + text[1:], 'the key "operations" appears twice in an object'),
        (lambda text: text.replace('"action": "delete"', '"action": "patch", "action": "delete"', 1), '"action"'),
        (lambda text: text.replace('"format_version": 1', '"format_version": 1, "x": NaN', 1), "NaN is not"),
    ],
    ids=["a top-level key twice", "an operation's key twice", "NaN"],
)
def test_a_plan_file_that_json_parsers_read_differently_is_refused(
    planned: Workspace, edit: Callable[[str], str], message: str
) -> None:
    document = {k: v for k, v in document_of(planned).items() if k != "mac"}
    text = edit(json.dumps(resealed(document)))
    (planned.root / "plan.json").write_text(text)
    since = planned.sandbox.last_seq()
    for command in (["show", "plan.json"], ["apply", "plan.json", "--auto-approve", "--allow-disable"]):
        result = planned.run(*command, env=ENV)
        assert_refused(planned, result, since)
        assert result.stderr.startswith("plan.json:1:1: not a reconciler plan: "), result.stderr
        assert message in result.stderr


MAX_ROE = "    - given_name: Max\n      family_name: Roe\n      date_of_birth: 1980-03-03\n      roles: [DIRECTOR]\n"


@pytest.fixture
def create_after_a_patch(converged: Workspace) -> Workspace:
    """A saved plan for one merchant: a business information patch, then a stakeholder create that
    depends on nothing; since the plan, someone made that stakeholder by hand, with other roles."""
    converged.edit_merchant("M123786123412", "business_name: John Doe LLC", "business_name: John Doe Holdings LLC")
    converged.edit_merchant("M123786123412", JANE_DOE, JANE_DOE + MAX_ROE)
    planned = converged.run("plan", "--out", "plan.json", env=ENV)
    assert planned.exit_code == 0, planned.output
    operations = document_of(converged)["operations"]
    assert [(op["resource"], op["action"], op["depends_on"]) for op in operations] == [
        ("klarna.business_information", "patch", []),
        ("klarna.stakeholder", "create", []),
    ]
    account = converged.sandbox.accounts()["M123786123412"]["account_id"]
    by_hand = {"given_name": "Max", "family_name": "Roe", "date_of_birth": "1980-03-03", "roles": ["OWNER"]}
    converged.sandbox.klarna("POST", f"/v1/accounts/{account}/stakeholders", by_hand)
    return converged


def test_a_create_whose_object_was_made_since_the_plan_is_refused(create_after_a_patch: Workspace) -> None:
    """The approved create is not a patch of someone else's object: stale, not written."""
    since = create_after_a_patch.sandbox.last_seq()
    result = create_after_a_patch.run("apply", "plan.json", "--auto-approve", env=ENV)
    assert result.exit_code == 4, result.output
    assert "the plan says create, the live state now needs patch" in result.stdout
    # Only the business information patch was written.
    assert [w["method"] for w in create_after_a_patch.sandbox.writes(since=since)] == ["PATCH"]


def test_a_dependency_added_to_a_resealed_plan_is_refused_before_any_request(create_after_a_patch: Workspace) -> None:
    """A dependency on an operation that ran lets an operation past the check of its live object: with
    one added to the file, the create above went through as a patch of the stakeholder made by hand."""
    document = {k: v for k, v in document_of(create_after_a_patch).items() if k != "mac"}
    operations = [dict(op) for op in document["operations"]]
    operations[1]["depends_on"] = [operations[0]["address"]]
    (create_after_a_patch.root / "plan.json").write_text(json.dumps(resealed({**document, "operations": operations})))
    since = create_after_a_patch.sandbox.last_seq()
    result = create_after_a_patch.run("apply", "plan.json", "--auto-approve", env=ENV)
    assert_refused(create_after_a_patch, result, since)
    assert result.stderr.startswith(
        f"plan.json:1:1: not a reconciler plan: operations[1].depends_on: {operations[1]['address']} depends on other"
    ), result.stderr
    assert create_after_a_patch.sandbox.requests(since=since) == []


def test_a_dependency_left_out_of_a_resealed_plan_is_refused(planned: Workspace) -> None:
    """The other way round: an operation that depends on the account loses that dependency in the file."""
    planned.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    assert planned.run("plan", "--out", "plan.json", env=ENV).exit_code == 0
    document = {k: v for k, v in document_of(planned).items() if k != "mac"}
    operations = [dict(op) for op in document["operations"]]
    index = next(i for i, op in enumerate(operations) if op["depends_on"])
    operations[index]["depends_on"] = []
    (planned.root / "plan.json").write_text(json.dumps(resealed({**document, "operations": operations})))
    since = planned.sandbox.last_seq()
    result = planned.run("apply", "plan.json", "--auto-approve", "--allow-disable", env=ENV)
    assert_refused(planned, result, since)
    assert f"operations[{index}].depends_on: {operations[index]['address']} depends on other" in result.stderr


@pytest.mark.parametrize(
    ("resource", "address"),
    [
        # klarna.account is one per merchant: its address takes no key.
        ("klarna.account", "SK-2024-0002/klarna.account/x"),
        # A stakeholder is one of many: an address without its key names none of them.
        ("klarna.stakeholder", "M123786123412/klarna.stakeholder"),
        ("klarna.stakeholder", "M123786123412/klarna.stakeholder/"),
    ],
)
def test_an_address_not_of_its_kinds_shape_is_refused(planned: Workspace, resource: str, address: str) -> None:
    """Such an address names no object of the desired state: apply reported it in place and wrote nothing."""
    document = {k: v for k, v in document_of(planned).items() if k != "mac"}
    operations = [dict(op) for op in document["operations"]]
    index = next(i for i, op in enumerate(operations) if op["resource"] == resource)
    operations[index]["address"] = address
    (planned.root / "plan.json").write_text(json.dumps(resealed({**document, "operations": operations})))
    since = planned.sandbox.last_seq()
    for command in (["show", "plan.json"], ["apply", "plan.json", "--auto-approve", "--allow-disable"]):
        result = planned.run(*command, env=ENV)
        assert_refused(planned, result, since)
        assert result.stderr.startswith(f"plan.json:1:1: not a reconciler plan: operations[{index}].address: "), (
            result.stderr
        )
        assert planned.sandbox.requests(since=since) == []
