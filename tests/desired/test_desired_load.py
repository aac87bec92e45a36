"""Loading a desired-state directory: file-level problems, cross-file checks, !env, positions, partner.yaml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.desired.declared import desired_digest
from reconciler.errors import InputError, InputIssue

WriteFile = Callable[[str, str | bytes], Path]
MINIMAL_MERCHANT = """\
account_reference: {reference}
klarna:
  account_name: Minimal {reference}
"""


def _issues(directory: Path, environ: dict[str, str] | None = None) -> list[InputIssue]:
    with pytest.raises(InputError) as caught:
        load_desired(directory, environ=environ or {})
    return caught.value.issues


def test_an_empty_file_is_an_error_at_its_first_line(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/empty.yaml", "")
    write("merchants/comments.yaml", "# only a comment\n\n")
    issues = _issues(desired_dir)
    assert [(i.file, i.line, i.column) for i in issues] == [
        ("desired-state/merchants/comments.yaml", 1, 1),
        ("desired-state/merchants/empty.yaml", 1, 1),
    ]
    assert all("file is empty" in i.message for i in issues)


def test_a_file_that_is_not_utf8_is_located_at_the_bad_byte(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/latin1.yaml", "account_reference: M1\nklarna:\n  account_name: Caf\xe9\n".encode("latin-1"))
    (issue,) = _issues(desired_dir)
    assert (issue.file, issue.line, issue.column) == ("desired-state/merchants/latin1.yaml", 3, 20)
    assert issue.message == "file is not UTF-8 text (byte 0xe9)"


def test_a_utf8_byte_order_mark_is_accepted(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/bom.yaml", "\ufeff" + MINIMAL_MERCHANT.format(reference="BOM-1"))
    state = load_desired(desired_dir, environ={})
    assert [m.account_reference for m in state.merchants] == ["BOM-1"]


def test_yml_files_are_read_and_other_files_ignored(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/a.yml", MINIMAL_MERCHANT.format(reference="YML-1"))
    write("merchants/notes.txt", "not yaml: [")
    state = load_desired(desired_dir, environ={})
    assert [m.account_reference for m in state.merchants] == ["YML-1"]


def test_a_reference_used_by_two_files_is_reported_in_both(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/one.yaml", MINIMAL_MERCHANT.format(reference="DUP-1"))
    write("merchants/two.yaml", "# second\n" + MINIMAL_MERCHANT.format(reference="DUP-1"))
    issues = _issues(desired_dir)
    assert [str(i) for i in issues] == [
        "desired-state/merchants/one.yaml:1:20: account_reference: account_reference DUP-1 is also declared in "
        "desired-state/merchants/two.yaml:2:20",
        "desired-state/merchants/two.yaml:2:20: account_reference: account_reference DUP-1 is also declared in "
        "desired-state/merchants/one.yaml:1:20",
    ]


def test_a_dintero_account_used_by_two_merchants_is_reported(desired_dir: Path, write: WriteFile) -> None:
    for reference in ("D-1", "D-2"):
        write(
            f"merchants/{reference}.yaml",
            MINIMAL_MERCHANT.format(reference=reference) + "dintero:\n  account_id: T11200999\n",
        )
    issues = _issues(desired_dir)
    assert {(i.file, i.line, i.column) for i in issues} == {
        ("desired-state/merchants/D-1.yaml", 5, 15),
        ("desired-state/merchants/D-2.yaml", 5, 15),
    }
    assert all("dintero.account_id: Dintero account_id T11200999 is also declared in" in i.message for i in issues)


def test_issues_from_every_file_come_out_in_one_run(desired_dir: Path, write: WriteFile) -> None:
    write("reconciler.yaml", "parallelism: 0\n")
    write("partner.yaml", "klarna:\n  credentials:\n    - {description: ci, type: KEY, environment: TEST}\n")
    write("merchants/a.yaml", "account_reference: A\nklarna: {account_name: A, websites: [{website_name: x}]}\n")
    write("merchants/b.yaml", "account_reference: B\n")
    messages = [str(i) for i in _issues(desired_dir)]
    assert messages == [
        "desired-state/merchants/a.yaml:2:38: klarna.websites[0].website_reference: required field is missing",
        "desired-state/merchants/b.yaml:1:1: klarna: required field is missing",
        "desired-state/partner.yaml:3:31: klarna.credentials[0].type: Input should be 'CLIENT' or 'API'",
        "desired-state/reconciler.yaml:1:14: parallelism: Input should be greater than or equal to 1",
    ]


def test_partner_credentials_must_have_distinct_descriptions(desired_dir: Path, write: WriteFile) -> None:
    write(
        "partner.yaml",
        "klarna:\n  credentials:\n"
        "    - {description: ci, type: API, environment: TEST}\n"
        "    - {description: ci, type: CLIENT, environment: TEST}\n",
    )
    (issue,) = _issues(desired_dir)
    assert str(issue) == (
        "desired-state/partner.yaml:4:7: klarna.credentials[1]: duplicate credential ci "
        "(same as klarna.credentials[0] at line 3)"
    )


def test_config_unknown_keys_and_bad_urls_are_located(desired_dir: Path, write: WriteFile) -> None:
    write("reconciler.yaml", "targets:\n  klarna:\n    base_url: ftp://example.com\n  dintero:\n    base_ur: x\n")
    messages = [str(i) for i in _issues(desired_dir)]
    assert messages[0].startswith(
        "desired-state/reconciler.yaml:5:5: targets.dintero.base_ur: unknown field 'base_ur' (did you mean 'base_url'?"
    )
    assert len(messages) == 1  # the URL is checked once the file's shape is valid
    write("reconciler.yaml", "targets:\n  klarna:\n    base_url: ftp://example.com\n")
    (issue,) = _issues(desired_dir)
    assert str(issue).startswith(
        "desired-state/reconciler.yaml:3:15: targets.klarna.base_url: base_url: base_url must be"
    )


@pytest.mark.parametrize("url", ["https://api.example.com/v1?key=s3cr3t", "https://api.example.com/x#s3cr3t"])
def test_a_base_url_with_a_query_or_fragment_is_refused_without_echoing_it(desired_dir: Path, url: str) -> None:
    (issue,) = _issues(desired_dir, {"RECONCILER_KLARNA_URL": url})
    assert "must not have a query or a fragment" in issue.message
    assert "s3cr3t" not in issue.message


def test_an_invalid_url_from_the_environment_names_the_variable(desired_dir: Path) -> None:
    (issue,) = _issues(desired_dir, {"RECONCILER_DINTERO_URL": "not a url"})
    assert issue.file == "desired-state/reconciler.yaml"
    assert "targets.dintero.base_url: RECONCILER_DINTERO_URL (environment)" in issue.message


def test_a_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    (issue,) = _issues(tmp_path / "nowhere")
    assert issue.message == "desired-state directory not found"


def test_env_references_resolve_from_the_environment_or_the_fallback(desired_dir: Path, write: WriteFile) -> None:
    write(
        "merchants/env.yaml",
        "account_reference: ENV-1\n"
        "klarna:\n"
        "  account_name: !env [ENV_TEST_NAME, Fallback Name]\n"
        "  bank_accounts:\n"
        "    - iban: !env ENV_TEST_IBAN\n",
    )
    state = load_desired(desired_dir, environ={"ENV_TEST_IBAN": "se45 5000 0000 0583 9825 7466"})
    assert "SE4550000000058398257466" not in repr(state.merchant("ENV-1"))  # nothing sensitive in a repr
    merchant = state.merchant("ENV-1").wire()
    assert merchant["klarna"]["account_name"] == "Fallback Name"
    assert merchant["klarna"]["bank_accounts"][0]["iban"] == "SE4550000000058398257466"
    assert state.from_environment("ENV-1", "klarna.bank_accounts[0].iban")
    assert not state.from_environment("ENV-1", "klarna")
    named = load_desired(desired_dir, environ={"ENV_TEST_IBAN": "SE4550000000058398257466", "ENV_TEST_NAME": "Named"})
    assert named.merchant("ENV-1").wire()["klarna"]["account_name"] == "Named"


def test_positions_lead_back_to_the_yaml(desired_dir: Path, write: WriteFile) -> None:
    write(
        "merchants/pos.yaml",
        "account_reference: POS-1\nklarna:\n  account_name: P\n  stakeholders:\n"
        "    - given_name: A\n      family_name: B\n      date_of_birth: 1990-01-01\n",
    )
    write("merchants/other.yaml", MINIMAL_MERCHANT.format(reference="ABC-0"))
    state = load_desired(desired_dir, environ={})
    assert [m.account_reference for m in state.merchants] == ["ABC-0", "POS-1"]
    assert state.source_file("POS-1") == "desired-state/merchants/pos.yaml"
    assert (
        str(state.position("POS-1", "klarna.stakeholders[0].date_of_birth")) == "desired-state/merchants/pos.yaml:7:22"
    )
    # A field the file leaves out points at its nearest declared parent.
    assert str(state.position("POS-1", "klarna.stakeholders[0].address.city")) == "desired-state/merchants/pos.yaml:5:7"


def test_numbers_keep_their_written_text_where_a_conversion_would_change_it(
    desired_dir: Path, write: WriteFile
) -> None:
    write(
        "merchants/num.yaml",
        "account_reference: NUM-1\nklarna:\n  account_name: N\n"
        "  account_owner: {given_name: A, family_name: B, email: a@example.com, phone: +4722000000}\n"
        "  payment_product: {merchant_category_code: 0742}\n"
        "  business_information: {registration_number: 12345678}\n",
    )
    klarna = load_desired(desired_dir, environ={}).merchant("NUM-1").wire()["klarna"]
    assert klarna["account_owner"]["phone"] == "+4722000000"
    assert klarna["payment_product"]["merchant_category_code"] == "0742"
    assert klarna["business_information"]["registration_number"] == "12345678"


def test_issue_messages_never_hold_sensitive_values(desired_dir: Path, write: WriteFile) -> None:
    write(
        "merchants/secret.yaml",
        "account_reference: SEC-1\nklarna:\n  account_name: S\n"
        "  stakeholders:\n"
        "    - {given_name: A, family_name: B, date_of_birth: 1990-02-31,\n"
        "       national_identification: {number: 9, country: QQ}}\n"
        "    - {given_name: A, family_name: B, date_of_birth: '3001-07-04'}\n"
        "  bank_accounts:\n    - iban: SE45 5000 0000 0583 9825 7467\n",
    )
    text = "\n".join(str(i) for i in _issues(desired_dir))
    for secret in ("1990-02-31", "3001-07-04", "SE45", "7467", "5000 0000"):
        assert secret not in text
    assert "klarna.bank_accounts[0].iban: not a valid IBAN" in text


def _digest(desired_dir: Path) -> str:
    state = load_desired(desired_dir, environ={})
    return desired_digest(state.merchants, state.partner, b"test")


def test_digest_follows_the_normalised_content(desired_dir: Path, write: WriteFile) -> None:
    write(
        "merchants/d.yaml",
        "account_reference: DIG-1\nklarna: {account_name: D, settlement: {settlement_enabled: true}}\n",
    )
    first = _digest(desired_dir)
    write(
        "merchants/d.yaml",
        "# reformatted\naccount_reference: DIG-1\nklarna:\n"
        "  settlement: {settlement_enabled: yes}\n  account_name: D\n",
    )
    assert _digest(desired_dir) == first
    write(
        "merchants/d.yaml",
        "account_reference: DIG-1\nklarna: {account_name: D, settlement: {settlement_enabled: false}}\n",
    )
    assert _digest(desired_dir) != first


def test_alias_expansion_and_recursion_are_bounded(desired_dir: Path, write: WriteFile) -> None:
    lines = ["account_reference: BOMB-1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    write("merchants/bomb.yaml", "\n".join(lines) + "\n")
    write("merchants/loop.yaml", "account_reference: LOOP-1\nklarna: &k\n  account_name: L\n  loop: *k\n")
    issues = _issues(desired_dir)
    files = {i.file for i in issues if "nested too deeply or expands to too many values" in i.message}
    assert files == {"desired-state/merchants/bomb.yaml", "desired-state/merchants/loop.yaml"}
