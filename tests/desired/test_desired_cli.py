"""``reconciler validate`` and ``reconciler schema`` through click's runner."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("NORDIC_BIKES_IBAN", "NORDIC_BIKES_OWNER_NATIONAL_ID", "KLARNA_API_KEY", "RECONCILER_KLARNA_URL"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_validate_prints_a_one_line_summary_and_exits_0(runner: CliRunner, examples_dir: Path) -> None:
    result = runner.invoke(main, ["validate", "--desired", str(examples_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("OK: 5 merchants (4 with Dintero), partner.yaml in ")


def test_validate_defaults_to_desired_state_in_the_working_directory(
    runner: CliRunner, examples_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(examples_dir, tmp_path / "desired-state")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "in desired-state;" in result.output


def test_validate_prints_every_issue_and_exits_1(
    runner: CliRunner, desired_dir: Path, write: Callable[[str, str | bytes], Path]
) -> None:
    write("merchants/a.yaml", "account_reference: A\nklarna:\n  account_nme: A\n")
    write("merchants/b.yaml", "account_reference: B\nklarna: {account_name: B}\ndintero: {account_id: T1}\n")
    result = runner.invoke(main, ["validate", "--desired", str(desired_dir)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "desired-state/merchants/a.yaml:2:1: klarna.account_name: required field is missing",
        "desired-state/merchants/a.yaml:3:3: klarna.account_nme: unknown field 'account_nme' "
        "(did you mean 'account_name'? expected one of: account_name, merchant_id, account_group_reference, "
        "account_owner, "
        "payment_product, websites, collections, account_information, business_information, stakeholders, "
        "settlement, bank_accounts, payment_program_enablements)",
        "desired-state/merchants/b.yaml:3:23: dintero.account_id: a Dintero account id is P or T followed by "
        "8 digits, e.g. T12345678",
    ]


def test_validate_reports_a_missing_environment_variable_with_file_and_line(
    runner: CliRunner, desired_dir: Path, write: Callable[[str, str | bytes], Path]
) -> None:
    write("merchants/a.yaml", "account_reference: A\nklarna:\n  account_name: !env CLI_TEST_UNSET_NAME\n")
    result = runner.invoke(main, ["validate", "--desired", str(desired_dir)])
    assert result.exit_code == 1
    assert result.output == (
        "desired-state/merchants/a.yaml:3:17: klarna.account_name: environment variable CLI_TEST_UNSET_NAME "
        "is not set (referenced by !env)\n"
    )


def test_schema_prints_the_committed_schema(runner: CliRunner, examples_dir: Path) -> None:
    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.output == (examples_dir / "merchant.schema.json").read_text(encoding="utf-8")
    schema = json.loads(result.output)
    assert schema["title"] == "reconciler merchant file"
    assert list(schema) == sorted(schema)


@pytest.mark.parametrize(
    ("line", "value"),
    [(66, '"1931-07-13"'), (65, "DE02 1203 0000 0000 2020 51"), (10, "19850713-4821")],
    ids=["a date as a stakeholder's family name", "an IBAN as a given name", "a national id as the owner's name"],
)
def test_a_sensitive_value_typed_as_a_persons_name_is_an_issue_that_does_not_show_it(
    runner: CliRunner, examples_dir: Path, tmp_path: Path, line: int, value: str
) -> None:
    """A name is shown in plans, PR comments and a stakeholder's address (``klarna.stakeholder/NAME``):
    a date of birth, an IBAN or a national id typed in its place must be refused before any of them."""
    shutil.copytree(examples_dir, tmp_path / "desired-state")
    path = tmp_path / "desired-state" / "merchants" / "john-doe-stakehouse.yaml"
    lines = path.read_text().splitlines()
    key = lines[line - 1].split(":")[0]
    assert key.strip(" -") in ("given_name", "family_name")
    lines[line - 1] = f"{key}: {value}"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(main, ["validate", "--desired", str(tmp_path / "desired-state")])
    assert result.exit_code == 1, result.output
    assert f"john-doe-stakehouse.yaml:{line}:" in result.output
    assert "a name holds no date, IBAN, national id" in result.output
    for part in (value.strip('"'), "1931", "0000 2020", "0713-48"):
        assert part not in result.output
