"""Hostile input: values that differ only by whitespace or composition, control characters, credentials
in base URLs, loosely typed configuration, and files that are not what they seem (symlinks, FIFOs,
devices, other extensions, hidden files). Each is refused at FILE:LINE:COL naming the field, or
normalised; none gives a traceback.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.desired import files as desired_files
from reconciler.desired import load_desired
from reconciler.desired.models_klarna import slug
from reconciler.errors import MAX_ISSUE_CHARS, InputError, InputIssue
from tests.bounded import finishes

WriteFile = Callable[[str, str | bytes], Path]
BROKEN = Path(__file__).parent / "broken"
MERCHANT = "account_reference: {reference}\nklarna:\n  account_name: Hostile {n}\n"


def _issues(directory: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_desired(directory, environ=environ or {}, notify=None)
    return [str(issue) for issue in caught.value.issues]


# ---------------------------------------------------------------- normalised before keys are compared


@pytest.mark.parametrize(
    "written",
    ['"DUP-1 "', '" DUP-1"', '"DUP-1\\n"', "|\n  DUP-1", '"DUP-1\\t"'],
    ids=["trailing-space", "leading-space", "trailing-newline", "block-scalar", "trailing-tab"],
)
def test_references_that_differ_only_by_whitespace_are_one_merchant(
    written: str, desired_dir: Path, write: WriteFile
) -> None:
    write("merchants/a.yaml", "account_reference: DUP-1\nklarna:\n  account_name: A\n")
    write("merchants/b.yaml", f"account_reference: {written}\nklarna:\n  account_name: B\n")
    assert _issues(desired_dir) == [
        "desired-state/merchants/a.yaml:1:20: account_reference: account_reference DUP-1 is also declared in "
        "desired-state/merchants/b.yaml:1:20",
        "desired-state/merchants/b.yaml:1:20: account_reference: account_reference DUP-1 is also declared in "
        "desired-state/merchants/a.yaml:1:20",
    ]


def test_a_reference_is_kept_without_its_whitespace(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/a.yaml", 'account_reference: "  WS-1\\n"\nklarna:\n  account_name: "  Spaced \\n"\n')
    state = load_desired(desired_dir, environ={})
    assert [m.account_reference for m in state.merchants] == ["WS-1"]
    assert state.merchant("WS-1").wire()["klarna"]["account_name"] == "Spaced"


@pytest.mark.parametrize("written", ['"T11200999 "', '"T11200999\\n"', '" T11200999"'])
def test_dintero_accounts_that_differ_only_by_whitespace_are_one_account(
    written: str, desired_dir: Path, write: WriteFile
) -> None:
    write("merchants/a.yaml", MERCHANT.format(reference="DA-1", n=1) + "dintero:\n  account_id: T11200999\n")
    write("merchants/b.yaml", MERCHANT.format(reference="DA-2", n=2) + f"dintero:\n  account_id: {written}\n")
    assert _issues(desired_dir) == [
        "desired-state/merchants/a.yaml:5:15: dintero.account_id: Dintero account_id T11200999 is also declared in "
        "desired-state/merchants/b.yaml:5:15",
        "desired-state/merchants/b.yaml:5:15: dintero.account_id: Dintero account_id T11200999 is also declared in "
        "desired-state/merchants/a.yaml:5:15",
    ]


def test_text_is_unicode_nfc(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/a.yaml", 'account_reference: NFC-1\nklarna:\n  account_name: "Cafe\\u0301 Ro\\u0308d"\n')
    assert load_desired(desired_dir, environ={}).merchant("NFC-1").wire()["klarna"]["account_name"] == "Café Röd"


# Accents in reverse canonical order: CPython sorts a run of them in time quadratic in its length.
LONG_RUN = "a" + "\u0301" * 1000 + "\u0323" * 1000


def test_a_run_of_more_than_30_combining_characters_is_refused_naming_the_field(
    desired_dir: Path, write: WriteFile
) -> None:
    write("merchants/m.yaml", f"account_reference: NS-1\nklarna:\n  account_name: {LONG_RUN}\n")
    assert _issues(desired_dir) == [
        "desired-state/merchants/m.yaml:3:17: klarna.account_name: run of more than 30 combining characters "
        "is not allowed"
    ]


def test_a_run_of_30_combining_characters_is_put_in_nfc(desired_dir: Path, write: WriteFile) -> None:
    name = "e" + "\u0301\u0323" * 15
    write("merchants/m.yaml", f"account_reference: NS-1\nklarna:\n  account_name: {name}\n")
    loaded = load_desired(desired_dir, environ={}).merchant("NS-1").wire()["klarna"]["account_name"]
    assert loaded == unicodedata.normalize("NFC", name) != name


def test_an_env_value_with_a_long_run_of_combining_characters_is_refused_without_the_value(
    desired_dir: Path, write: WriteFile
) -> None:
    write("merchants/e.yaml", "account_reference: NS-2\nklarna:\n  account_name: !env HOSTILE_NAME\n")
    assert _issues(desired_dir, {"HOSTILE_NAME": LONG_RUN}) == [
        "desired-state/merchants/e.yaml:3:17: klarna.account_name: the value of !env HOSTILE_NAME holds a "
        "run of more than 30 combining characters"
    ]


# The issues of the desired state in the working directory, one a line, from a child process (``finishes``).
PRINT_ISSUES = (
    "from reconciler.desired import load_desired\n"
    "from reconciler.errors import InputError\n"
    "try:\n"
    "    load_desired('desired-state', environ={}, notify=None)\n"
    "except InputError as error:\n"
    "    print(*error.issues, sep='\\n')\n"
)


def test_a_file_of_one_long_run_of_combining_characters_is_refused_in_linear_time(
    desired_dir: Path, write: WriteFile
) -> None:
    # 4 MB of accents: sorting them took hours.
    run = "a" + "\u0301" * 1_000_000 + "\u0323" * 1_000_000
    write("merchants/m.yaml", f"account_reference: NS-3\nklarna:\n  account_name: {run}\n")
    printed = finishes(PRINT_ISSUES)
    assert printed == (
        "desired-state/merchants/m.yaml:3:17: klarna.account_name: run of more than 30 combining characters "
        "is not allowed\n"
    )


@pytest.mark.parametrize("tab", ["", "\t"], ids=["plain", "with a tab (ruamel.yaml only)"])
def test_a_file_of_a_million_list_items_is_refused_before_it_is_parsed(
    desired_dir: Path, write: WriteFile, tab: str
) -> None:
    # ruamel.yaml composes about 7,000 values a second: this file held a run for minutes.
    head = f"account_reference: NS-4\nklarna:\n  account_name: A{tab}\n  websites:\n"
    write("merchants/m.yaml", head + "  - x\n" * 1_000_000)
    printed = finishes(PRINT_ISSUES)
    assert printed == (
        "desired-state/merchants/m.yaml:1:1: more than 100,000 lines and list items: too many values for this file\n"
    )


def test_a_slug_drops_combining_marks_as_the_ascii_folding_would() -> None:
    assert slug("A\u030ase \u00d8dega\u030ard") == slug("\u00c5se \u00d8deg\u00e5rd") == "ase-odegard"
    # A name read from an API: its 400,000 accents took minutes to decompose.
    printed = finishes(
        "from reconciler.desired.models_klarna import slug\n"
        "print(slug('\u00c5se' + '\\u0301' * 200_000 + '\\u0323' * 200_000 + ' \u00d8deg\u00e5rd'))\n"
    )
    assert printed == "ase-odegard\n"


def test_a_message_quoting_a_long_value_is_cut(desired_dir: Path, write: WriteFile) -> None:
    write(
        "merchants/m.yaml",
        "account_reference: LONG-1\nklarna:\n  account_name: L\n  payment_product:\n"
        f"    merchant_category_code: '{'x' * 100_000}'\n",
    )
    (issue,) = _issues(desired_dir)
    prefix = "desired-state/merchants/m.yaml:5:29: klarna.payment_product.merchant_category_code: "
    assert issue.startswith(prefix + "a merchant category code is 4 digits, got 'xxxx")
    assert len(issue) == len(prefix) + 500 and issue.endswith("xxx…")


def test_two_stakeholders_differing_only_by_whitespace_and_composition_are_one_and_masked(
    desired_dir: Path,
) -> None:
    shutil.copy(BROKEN / "stakeholder-whitespace-nfc.yaml", desired_dir / "merchants" / "s.yaml")
    (issue,) = _issues(desired_dir)
    assert issue.startswith("desired-state/merchants/s.yaml:8:7: klarna.stakeholders[1]: duplicate stakeholder")
    assert "1980" not in issue and "05-17" not in issue  # the date of birth is part of the key, never shown


def test_a_duplicate_bank_account_is_named_by_its_masked_key_only(desired_dir: Path) -> None:
    shutil.copy(BROKEN / "iban-twice-spaced.yaml", desired_dir / "merchants" / "i.yaml")
    (issue,) = _issues(desired_dir)
    assert "iban-7466" in issue
    for part in ("SE45", "5000", "0583", "9825", "58398257"):
        assert part not in issue


def test_a_collection_reference_with_a_trailing_newline_matches_the_declared_collection(
    desired_dir: Path, write: WriteFile
) -> None:
    write(
        "merchants/c.yaml",
        "account_reference: COL-1\nklarna:\n  account_name: C\n"
        '  websites: [{website_reference: web, channel_collection_reference: "online\\n"}]\n'
        '  collections: [{collection_reference: " online"}]\n',
    )
    klarna = load_desired(desired_dir, environ={}).merchant("COL-1").wire()["klarna"]
    assert klarna["websites"][0]["channel_collection_reference"] == klarna["collections"][0]["collection_reference"]


def test_an_env_value_with_a_trailing_newline_is_stripped(desired_dir: Path, write: WriteFile) -> None:
    # Secrets read from files usually end in a line break.
    write(
        "merchants/e.yaml",
        "account_reference: ENV-9\nklarna:\n  account_name: E\n  stakeholders:\n"
        "    - {given_name: A, family_name: B, date_of_birth: 1980-01-01,\n"
        "       national_identification: {number: !env HOSTILE_ID, country: NO}}\n"
        "  bank_accounts:\n    - iban: !env HOSTILE_IBAN\n",
    )
    environ = {"HOSTILE_ID": "01018012345\n", "HOSTILE_IBAN": "SE45 5000 0000 0583 9825 7466\n"}
    klarna = load_desired(desired_dir, environ=environ).merchant("ENV-9").wire()["klarna"]
    assert klarna["stakeholders"][0]["national_identification"]["number"] == "01018012345"
    assert klarna["bank_accounts"][0]["iban"] == "SE4550000000058398257466"


def test_a_partner_credential_description_is_compared_stripped(desired_dir: Path, write: WriteFile) -> None:
    write(
        "partner.yaml",
        "klarna:\n  credentials:\n"
        "    - {description: ci, type: API, environment: TEST}\n"
        '    - {description: "ci\\n", type: CLIENT, environment: TEST}\n',
    )
    assert _issues(desired_dir) == [
        "desired-state/partner.yaml:4:7: klarna.credentials[1]: duplicate credential ci "
        "(same as klarna.credentials[0] at line 3)"
    ]


# ---------------------------------------------------------------- control characters


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ('"\\x07"', "control character U+0007"),
        ('"\\x7f"', "control character U+007F"),
        ('"\\x9b"', "control character U+009B"),
        ('"\\N"', "control character U+0085"),
        ('"\\r"', "control character U+000D"),
        ('"\\u2066"', "bidirectional control character U+2066"),
        ('"\\u202d"', "bidirectional control character U+202D"),
    ],
)
def test_control_characters_are_refused_at_their_value_naming_the_field(
    value: str, what: str, desired_dir: Path, write: WriteFile
) -> None:
    write(
        "merchants/c.yaml", f"account_reference: CC-1\nklarna:\n  account_name: C\n  account_group_reference: {value}\n"
    )
    assert _issues(desired_dir) == [
        f"desired-state/merchants/c.yaml:4:28: klarna.account_group_reference: {what} is not allowed"
    ]


def test_a_line_break_is_allowed_in_block_text_only(desired_dir: Path, write: WriteFile) -> None:
    write(
        "merchants/b.yaml",
        "account_reference: BT-1\nklarna:\n  account_name: B\n  payment_product:\n    state: disabled\n"
        "    disabled_reason:\n      reason: FRAUD\n      reason_details: |\n        Line one.\n\tLine two.\n",
    )
    assert _issues(desired_dir)[0].startswith("desired-state/merchants/b.yaml:10:")  # a tab indents no YAML
    write(
        "merchants/b.yaml",
        "account_reference: BT-1\nklarna:\n  account_name: B\n  payment_product:\n    state: disabled\n"
        "    disabled_reason:\n      reason: FRAUD\n      reason_details: |\n        Line one.\n        Line two.\n",
    )
    product = load_desired(desired_dir, environ={}).merchant("BT-1").wire()["klarna"]["payment_product"]
    assert product["disabled_reason"]["reason_details"] == "Line one.\nLine two."


def test_a_control_character_in_an_env_value_is_refused_without_the_value(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/e.yaml", "account_reference: EC-1\nklarna:\n  account_name: !env HOSTILE_NAME\n")
    (issue,) = _issues(desired_dir, {"HOSTILE_NAME": "s3cr3t\x1b[2J"})
    assert issue == (
        "desired-state/merchants/e.yaml:3:17: klarna.account_name: the value of !env HOSTILE_NAME holds a "
        "control character U+001B"
    )


def test_an_unknown_key_is_shown_escaped(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/k.yaml", 'account_reference: K-1\nklarna:\n  account_name: K\n  "web\\nsites": []\n')
    (issue,) = _issues(desired_dir)
    assert "\n" not in issue and "klarna.web\\nsites: unknown field 'web\\nsites'" in issue


def test_an_unknown_key_keeps_its_letters_when_a_control_character_is_escaped(
    desired_dir: Path, write: WriteFile
) -> None:
    """Only what a terminal cannot show is escaped: ``Å`` once came out as ``\\xc5`` beside an escaped line break."""
    write("merchants/k.yaml", 'account_reference: K-1\nklarna:\n  account_name: K\n  "Åse\\nx": []\n')
    (issue,) = _issues(desired_dir)
    assert "klarna.Åse\\nx: unknown field 'Åse\\nx'" in issue, issue


# ---------------------------------------------------------------- base URLs with credentials


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("RECONCILER_KLARNA_URL", "RECONCILER_DINTERO_URL", "KLARNA_API_KEY", "CI"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


URLS_WITH_CREDENTIALS = [
    "https://user:hunter2@api.example.com",
    "https://hunter2@api.example.com/v1",
    "https://user:hunter2@api.example.com:443/?x=1",
    "ftp://user:hunter2@api.example.com",
    "user:hunter2@api.example.com",
]


@pytest.mark.parametrize("url", URLS_WITH_CREDENTIALS)
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_a_base_url_with_credentials_in_the_file_is_refused_without_echoing_it(
    url: str, command: str, runner: CliRunner, desired_dir: Path, write: WriteFile
) -> None:
    write("reconciler.yaml", f'targets:\n  dintero:\n    base_url: "{url}"\n')
    write("merchants/a.yaml", MERCHANT.format(reference="URL-1", n=1))
    result = runner.invoke(main, [command, "--desired", str(desired_dir)], env={"KLARNA_API_KEY": "k"})
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert result.output.startswith(
        "desired-state/reconciler.yaml:3:15: targets.dintero.base_url: base_url: base_url must not hold credentials"
    )
    assert "hunter2" not in result.output and "user" not in result.output.replace("user:password", "")


@pytest.mark.parametrize("variable", ["RECONCILER_KLARNA_URL", "RECONCILER_DINTERO_URL"])
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_a_base_url_with_credentials_in_the_environment_is_refused_naming_the_variable(
    variable: str, command: str, runner: CliRunner, desired_dir: Path, write: WriteFile
) -> None:
    write("merchants/a.yaml", MERCHANT.format(reference="URL-2", n=2))
    result = runner.invoke(
        main, [command, "--desired", str(desired_dir)], env={variable: "https://user:hunter2@api.example.com"}
    )
    assert result.exit_code == 1, result.output
    assert f"{variable} (environment): base_url must not hold credentials" in result.output
    assert "hunter2" not in result.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://api.example.com/hunter2", "base_url must be 'sandbox' or an http(s) URL"),
        ("klarna_test_api_hunter2", "base_url must be 'sandbox' or an http(s) URL"),
        ("https://api.example.com:99999/hunter2", "base_url is not a valid URL"),
        ("http://[::1/hunter2", "base_url is not a valid URL"),
        ("https://api.exa mple.com/hunter2", "base_url must not hold spaces or control characters"),
        ("https:///hunter2", "base_url has no host"),
    ],
)
def test_a_malformed_base_url_is_refused_without_echoing_it(url: str, message: str, desired_dir: Path) -> None:
    (issue,) = _issues(desired_dir, {"RECONCILER_KLARNA_URL": url})
    assert message in issue
    assert "hunter2" not in issue


# ---------------------------------------------------------------- reconciler.yaml strictly typed


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ('policy:\n  allow_delete: "yes"\n', (2, 17), "policy.allow_delete: Input should be a valid boolean, got text"),
        ("policy:\n  allow_delete: yes\n", (2, 17), "policy.allow_delete: Input should be a valid boolean, got text"),
        ("policy:\n  allow_delete: 1\n", (2, 17), "policy.allow_delete: Input should be a valid boolean, got a number"),
        ("parallelism: true\n", (1, 14), "parallelism: Input should be a valid integer, got true or false"),
        ('parallelism: "8"\n', (1, 14), "parallelism: Input should be a valid integer, got text"),
        ("parallelism: 8.0\n", (1, 14), "parallelism: Input should be a valid integer, got a number"),
        ('policy: {max_disable_count: "5"}\n', (1, 29), "policy.max_disable_count: Input should be a valid integer"),
        (
            'policy: {max_disable_percent: "10"}\n',
            (1, 31),
            "policy.max_disable_percent: Input should be a valid number",
        ),
        ("policy: {require_high_risk_flag: on}\n", (1, 34), "policy.require_high_risk_flag: Input should be a valid"),
        (
            "targets: {klarna: {api_key_env: 123}}\n",
            (1, 33),
            "targets.klarna.api_key_env: Input should be a valid string",
        ),
        ("targets: {klarna: {base_url: true}}\n", (1, 30), "targets.klarna.base_url: Input should be a valid string"),
        ("policy: []\n", (1, 9), "policy: Input should be a valid dictionary"),
        ("parallelism: 16\nparalelism: 4\n", (2, 1), "paralelism: unknown field 'paralelism' (did you mean"),
    ],
)
def test_reconciler_yaml_is_strictly_typed(
    text: str, position: tuple[int, int], message: str, desired_dir: Path, write: WriteFile
) -> None:
    write("reconciler.yaml", text)
    (issue,) = _issues(desired_dir)
    line, column = position
    assert issue.startswith(f"desired-state/reconciler.yaml:{line}:{column}: {message}"), issue


def test_reconciler_yaml_takes_an_integer_for_a_percentage(desired_dir: Path, write: WriteFile) -> None:
    write("reconciler.yaml", "policy: {max_disable_percent: 10, allow_delete: true}\nparallelism: 8\n")
    config = load_desired(desired_dir, environ={}).config
    assert (config.policy.max_disable_percent, config.policy.allow_delete, config.parallelism) == (10.0, True, 8)


# ---------------------------------------------------------------- files: symlinks, non-regular files, names


def test_a_symlink_to_a_file_outside_the_tree_is_refused(desired_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(MERCHANT.format(reference="OUT-1", n=1), encoding="utf-8")
    (desired_dir / "merchants" / "out.yaml").symlink_to(outside)
    assert _issues(desired_dir) == [
        f"desired-state/merchants/out.yaml:1:1: symbolic link to {outside.resolve()}, outside the desired-state "
        "directory: only files inside it are read"
    ]


def test_a_symlink_inside_the_tree_is_followed(desired_dir: Path, write: WriteFile) -> None:
    write("shared/in.yaml", MERCHANT.format(reference="IN-1", n=1))
    (desired_dir / "merchants" / "in.yaml").symlink_to(Path("..") / "shared" / "in.yaml")
    assert [m.account_reference for m in load_desired(desired_dir, environ={}).merchants] == ["IN-1"]


@pytest.mark.parametrize("name", ["reconciler.yaml", "partner.yaml"])
def test_a_config_or_partner_file_leading_outside_the_tree_is_refused(
    name: str, desired_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("{}\n", encoding="utf-8")
    (desired_dir / name).symlink_to(outside)
    (issue,) = _issues(desired_dir)
    assert issue.startswith(f"desired-state/{name}:1:1: symbolic link to ")
    assert "outside the desired-state directory" in issue


def test_a_merchants_directory_leading_outside_the_tree_is_refused(desired_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.yaml").write_text(MERCHANT.format(reference="OUT-2", n=2), encoding="utf-8")
    (desired_dir / "merchants").rmdir()
    (desired_dir / "merchants").symlink_to(elsewhere)
    (issue,) = _issues(desired_dir)
    assert issue.startswith("desired-state/merchants:1:1: symbolic link to ")


@pytest.mark.parametrize("name", ["merchants/zero.yaml", "partner.yaml", "reconciler.yaml"])
def test_a_symlink_to_a_device_is_refused_without_reading_it(name: str, desired_dir: Path) -> None:
    (desired_dir / name).symlink_to("/dev/zero")
    (issue,) = _issues(desired_dir)
    assert issue.startswith(f"desired-state/{name}:1:1: symbolic link to /dev/zero, outside the desired-state")


@pytest.mark.parametrize("name", ["merchants/fifo.yaml", "partner.yaml", "reconciler.yaml"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(name: str, desired_dir: Path) -> None:
    os.mkfifo(desired_dir / name)
    assert _issues(desired_dir) == [
        f"desired-state/{name}:1:1: not a regular file (a FIFO): only regular files are read"
    ]


def test_a_directory_named_like_a_merchant_file_is_refused(desired_dir: Path) -> None:
    (desired_dir / "merchants" / "sub.yaml").mkdir()
    (desired_dir / "merchants" / "loop.yml").symlink_to(".")
    assert _issues(desired_dir) == [
        "desired-state/merchants/loop.yml:1:1: not a regular file (a directory): only regular files are read",
        "desired-state/merchants/sub.yaml:1:1: not a regular file (a directory): only regular files are read",
    ]


def test_a_broken_symlink_is_refused(desired_dir: Path) -> None:
    (desired_dir / "merchants" / "gone.yaml").symlink_to("/nonexistent/gone.yaml")
    (desired_dir / "partner.yaml").symlink_to("missing.yaml")
    assert _issues(desired_dir) == [
        "desired-state/merchants/gone.yaml:1:1: broken symbolic link (to /nonexistent/gone.yaml)",
        "desired-state/partner.yaml:1:1: broken symbolic link (to missing.yaml)",
    ]


def test_a_file_too_large_is_refused(desired_dir: Path, write: WriteFile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desired_files, "MAX_FILE_BYTES", 1024 * 1024)
    write("merchants/big.yaml", MERCHANT.format(reference="BIG-1", n=1) + "#" * (1024 * 1024) + "\n")
    assert _issues(desired_dir) == ["desired-state/merchants/big.yaml:1:1: file is larger than 1 MiB"]
    monkeypatch.setattr(desired_files, "MAX_FILE_BYTES", 1000)  # below a MiB: said in bytes, never "0 MiB"
    assert _issues(desired_dir) == ["desired-state/merchants/big.yaml:1:1: file is larger than 1,000 bytes"]


@pytest.mark.parametrize("told", [0, 10, 5000, 9999, 10_000])
def test_a_file_is_read_whole_whatever_size_it_was_said_to_have(
    told: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file that grew or shrank after its size was taken (here: a size told wrong) is read to its end, or
    # refused once it is past the limit.
    path = tmp_path / "m.yaml"
    text = bytes(range(256)) * 39 + b"end"  # 9,987 bytes
    path.write_bytes(text)
    real = os.fstat

    def told_size(descriptor: int) -> os.stat_result:
        found = real(descriptor)
        return os.stat_result((found.st_mode, *found[1:6], told, *found[7:]))

    monkeypatch.setattr(desired_files.os, "fstat", told_size)
    assert desired_files.read_regular_file(path, limit=10_000) == text
    with pytest.raises(desired_files.UnreadableFile, match="larger than 9,000 bytes"):
        desired_files.read_regular_file(path, limit=9_000)


def test_a_file_given_a_little_at_a_time_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A read may give less than asked for before the end (a signal, a network or FUSE file system): the file
    # is read on, never cut short into a valid file with fewer fields.
    path = tmp_path / "m.yaml"
    text = b"account_reference: M-1\nklarna:\n  account_name: Shop\nlifecycle: retired\n"
    path.write_bytes(text)
    real = os.read
    monkeypatch.setattr(desired_files.os, "read", lambda descriptor, wanted: real(descriptor, min(wanted, 40)))
    assert desired_files.read_regular_file(path) == text


@pytest.mark.parametrize("name", ["x.json", "x.YAML", "x.Yml", "X.JSON"])
def test_a_file_that_looks_like_a_merchant_file_but_would_not_be_read_is_refused(
    name: str, desired_dir: Path, write: WriteFile
) -> None:
    write(f"merchants/{name}", '{"account_reference": "J-1", "klarna": {"account_name": "J"}}\n')
    assert _issues(desired_dir) == [
        f"desired-state/merchants/{name}:1:1: not read: merchant files are YAML and their names end in .yaml or "
        ".yml (lower case); rename it, or move it out of merchants/"
    ]


def test_hidden_and_other_files_are_ignored_with_a_notice_on_stderr(
    desired_dir: Path, write: WriteFile, capsys: pytest.CaptureFixture[str]
) -> None:
    write("merchants/a.yaml", MERCHANT.format(reference="N-1", n=1))
    write("merchants/.draft.yaml", MERCHANT.format(reference="N-2", n=2))
    write("merchants/.gitkeep", "")
    write("merchants/README.md", "# merchants\n")
    write("merchants/archive/old.yaml", MERCHANT.format(reference="N-3", n=3))
    state = load_desired(desired_dir, environ={})
    assert [m.account_reference for m in state.merchants] == ["N-1"]
    expected = [
        "desired-state/merchants/.draft.yaml:1:1: notice: hidden file ignored",
        "desired-state/merchants/.gitkeep:1:1: notice: hidden file ignored",
        "desired-state/merchants/README.md:1:1: notice: not a merchant file (not *.yaml or *.yml), ignored",
        "desired-state/merchants/archive:1:1: notice: directory ignored (merchant files are merchants/*.yaml)",
    ]
    assert [str(notice) for notice in state.notices] == expected
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.splitlines() == expected


def test_notices_can_be_collected_instead_of_printed(
    desired_dir: Path, write: WriteFile, capsys: pytest.CaptureFixture[str]
) -> None:
    write("merchants/.x.yaml", "not: [yaml")
    seen: list[InputIssue] = []
    load_desired(desired_dir, environ={}, notify=seen.append)
    assert [str(n) for n in seen] == ["desired-state/merchants/.x.yaml:1:1: notice: hidden file ignored"]
    assert capsys.readouterr().err == ""


def test_validate_prints_notices_on_stderr_and_still_succeeds(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/a.yaml", MERCHANT.format(reference="V-1", n=1))
    write("merchants/.b.yaml", MERCHANT.format(reference="V-2", n=2))
    result = CliRunner().invoke(main, ["validate", "--desired", str(desired_dir)])
    assert result.exit_code == 0, result.output
    assert result.stderr == "desired-state/merchants/.b.yaml:1:1: notice: hidden file ignored\n"
    assert result.stdout.startswith("OK: 1 merchants")


# ---------------------------------------------------------------- no input gives a traceback


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_no_broken_file_gives_a_traceback_in_validate_or_plan(path: Path, runner: CliRunner, desired_dir: Path) -> None:
    shutil.copy(path, desired_dir / "merchants" / path.name)
    for command in ("validate", "plan"):
        result = runner.invoke(main, [command, "--desired", str(desired_dir)])
        assert isinstance(result.exception, SystemExit), (command, result.output, result.exception)
        assert result.exit_code == 1, (command, result.output)
        assert "Traceback" not in result.output
        assert result.output.startswith(f"desired-state/merchants/{path.name}:"), result.output


def test_a_null_connection_no_longer_reaches_the_plan(runner: CliRunner, desired_dir: Path, write: WriteFile) -> None:
    # Before: validate accepted it and plan failed with "TypeError: 'NoneType' object is not iterable".
    write(
        "merchants/n.yaml",
        MERCHANT.format(reference="NC-1", n=1)
        + "dintero:\n  account_id: T11200777\n  connections:\n    vipps-psp: ~\n",
    )
    result = runner.invoke(main, ["plan", "--desired", str(desired_dir), "--format", "json"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output == (
        "desired-state/merchants/n.yaml:7:16: dintero.connections.vipps-psp: expected a mapping, got null (~); "
        "to leave the field unmanaged, leave it out\n"
    )


@pytest.mark.parametrize(
    "written",
    [
        "  bank_accounts:\n    - iban: !{long} x\n",
        "  ? {long}\n  : 1\n",
        "  bank_accounts:\n    - ? {long}\n      : x\n",
    ],
    ids=["tag", "key", "nested-key"],
)
def test_a_message_repeating_a_huge_key_or_tag_is_cut(desired_dir: Path, write: WriteFile, written: str) -> None:
    """A key (an explicit one: an implicit key is at most 1,024 characters) or a tag of 200,000 characters
    was echoed whole, in one line of a pull request's comment."""
    long = "k" * 200_000
    write("merchants/a.yaml", "account_reference: A\nklarna:\n  account_name: A\n" + written.format(long=long))
    issues = _issues(desired_dir)
    assert issues and all(len(issue) < 1_200 for issue in issues), [len(issue) for issue in issues]
    assert any(issue.endswith("more characters)") for issue in issues), issues


def test_a_message_is_cut_only_past_the_cap() -> None:
    assert InputIssue("f", 1, 1, "x" * MAX_ISSUE_CHARS).message == "x" * MAX_ISSUE_CHARS  # at the cap: whole
    assert InputIssue("f", 1, 1, "x" * (MAX_ISSUE_CHARS + 1)).message.endswith("… (1 more characters)")


def test_a_text_left_empty_once_stripped_is_named_as_a_string_too_short(desired_dir: Path, write: WriteFile) -> None:
    """The length limits are checked with the string (in pydantic-core), not after it in Python: the message
    was "Value should have at least 1 item after validation, not 0" for a name of blanks."""
    write("merchants/a.yaml", 'account_reference: A\nklarna:\n  account_name: "   "\n')
    assert _issues(desired_dir) == [
        "desired-state/merchants/a.yaml:3:17: klarna.account_name: String should have at least 1 character"
    ]


def test_a_file_name_holding_control_characters_is_shown_escaped(desired_dir: Path, write: WriteFile) -> None:
    # Written raw, ESC [2J cleared the reader's terminal and a line break forged a FILE:LINE:COL line of its own.
    write("merchants/a\x1b[2J\nb.yaml", "x: [")
    (issue,) = _issues(desired_dir)
    assert issue.startswith("desired-state/merchants/a\\x1b[2J\\nb.yaml:1:5: "), issue


def test_a_secret_reference_of_a_huge_name_is_refused_by_its_length(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/a.yaml", f"account_reference: A\nklarna:\n  account_name: !secret {'N' * 5_000}\n")
    (issue,) = _issues(desired_dir)
    assert issue.endswith("klarna.account_name: !secret names a secret of at most 1000 characters, not 5,000"), issue


def test_a_file_name_holding_control_characters_is_escaped_where_another_issue_points_at_it(
    desired_dir: Path, write: WriteFile
) -> None:
    """An issue names the other file declaring a value too, in its message: that name was written raw."""
    write("merchants/a.yaml", "account_reference: A\nklarna:\n  account_name: A\n")
    write("merchants/b\x1b[2J\nc.yaml", "account_reference: A\nklarna:\n  account_name: A\n")
    issues = _issues(desired_dir)
    assert issues and not any(char in issue for issue in issues for char in "\x1b\n"), issues
    # The other file is still named, escaped: a message that left the name out would pass the line above.
    (of_a,) = [issue for issue in issues if issue.startswith("desired-state/merchants/a.yaml:")]
    assert of_a.endswith(" is also declared in desired-state/merchants/b\\x1b[2J\\nc.yaml:1:20"), issues


@pytest.mark.parametrize("folder", ["merchants", "profiles"])
def test_a_folder_that_cannot_be_listed_is_an_issue_not_a_traceback(
    desired_dir: Path, write: WriteFile, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    """A folder without read permission (which root, running the tests, cannot make) ended the run."""
    write("merchants/a.yaml", MERCHANT.format(reference="A-1", n=1))
    write("profiles/p.yaml", "klarna: {}\n")
    unreadable, real = desired_dir / folder, os.scandir

    def refused(path: Any) -> Any:
        if Path(path) == unreadable:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", refused)
    assert _issues(desired_dir) == [f"desired-state/{folder}:1:1: cannot list the folder: Permission denied"]


# ---------------------------------------------------------------- numbers JSON cannot hold


@pytest.mark.parametrize(
    ("branding", "where"),
    [("{width: 1e999}", "width is inf"), ("{logo: {sizes: [1, -1e999]}}", "logo.sizes[1] is -inf")],
    ids=["infinite", "nested"],
)
def test_a_free_form_number_beyond_a_float_is_refused(
    branding: str, where: str, desired_dir: Path, write: WriteFile
) -> None:
    # YAML reads 1e999 as a float, which is infinite: JSON has no such number, and no API takes one.
    write(
        "merchants/a.yaml",
        f"account_reference: INF-1\nklarna:\n  account_name: Inf\n  collections:\n  - collection_reference: web\n"
        f"    branding: {branding}\n",
    )
    assert _issues(desired_dir) == [
        f"desired-state/merchants/a.yaml:6:15: klarna.collections[0].branding: {where}, which JSON cannot hold: "
        "write a finite number"
    ]


def test_a_free_form_finite_number_is_kept(desired_dir: Path, write: WriteFile) -> None:
    write(
        "merchants/a.yaml",
        "account_reference: INF-1\nklarna:\n  account_name: Inf\n  collections:\n  - collection_reference: web\n"
        "    branding: {width: 1e300, ratio: 1.5, n: 3}\n",
    )
    (merchant,) = load_desired(desired_dir, environ={}).merchants
    assert merchant.wire()["klarna"]["collections"][0]["branding"] == {"width": 1e300, "ratio": 1.5, "n": 3}


@pytest.mark.parametrize("written", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"])
def test_a_timestamp_outside_the_years_datetime_holds_in_utc_is_an_issue_at_its_line(
    written: str, tmp_path: Path
) -> None:
    examples = Path(__file__).parents[2] / "desired-state"
    desired = shutil.copytree(examples, tmp_path / "desired-state")
    path = desired / "merchants" / "nordic-bikes.yaml"
    text = path.read_text(encoding="utf-8")
    assert "effective_from: 2024-02-01T00:00:00Z" in text
    path.write_text(
        text.replace("effective_from: 2024-02-01T00:00:00Z", f"effective_from: {written}"), encoding="utf-8"
    )
    line = text.splitlines().index("      effective_from: 2024-02-01T00:00:00Z") + 1
    found = _issues(desired)
    assert [issue.split(": ", 1)[0] for issue in found] == [f"{path}:{line}:23"]
    assert "before year 1 or after 9999 in UTC" in found[0] and written not in found[0]
