"""``reconciler secrets set|list|rm|rekey``, and the store read and written by the age CLI both ways."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pyrage
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.desired.secret_store import SecretsStore, write_recipients

from .conftest import AGE_TIMEOUT, KeyPair, StoreWriter, WriteFile, age_decrypt, new_key_pair


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["secrets", *args], input=stdin, env=env or {}, catch_exceptions=False)


def values(directory: Path, key: KeyPair) -> dict[str, str]:
    return SecretsStore.open(directory, [pyrage.x25519.Identity.from_str(key.identity)]).values


def test_set_reads_the_value_from_standard_input_and_strips_one_line_break(desired_dir: Path, key: KeyPair) -> None:
    write_recipients(desired_dir, [key.recipient])
    first = run("set", "SHOP_IBAN", stdin="NO93 8601 1117 947\n", env=key.environ())
    assert first.exit_code == 0, first.output
    assert "NO93" not in first.output and "SHOP_IBAN" in first.output
    assert run("set", "TWO_LINES", stdin="a\n\n", env=key.environ()).exit_code == 0
    assert run("set", "CRLF", stdin="  spaced \r\n", env=key.environ()).exit_code == 0
    assert values(desired_dir, key) == {"SHOP_IBAN": "NO93 8601 1117 947", "TWO_LINES": "a\n", "CRLF": "  spaced "}
    assert (desired_dir / "secrets.index").read_text(encoding="utf-8").splitlines()[1:] == [
        "CRLF",
        "SHOP_IBAN",
        "TWO_LINES",
    ]


def test_a_value_is_never_an_argument(desired_dir: Path, key: KeyPair) -> None:
    write_recipients(desired_dir, [key.recipient])
    result = run("set", "SHOP_IBAN", "NO9386011117947", env=key.environ())
    assert result.exit_code == 1 and "unexpected extra argument" in result.output.lower()
    assert not (desired_dir / "secrets.age").exists()


def test_set_refuses_an_empty_value_and_a_bad_name(desired_dir: Path, key: KeyPair) -> None:
    write_recipients(desired_dir, [key.recipient])
    assert "is empty" in run("set", "EMPTY", stdin="\n", env=key.environ()).output
    bad = run("set", "not a name", stdin="v\n", env=key.environ())
    assert bad.exit_code == 1 and "not a valid secret name" in bad.output
    assert not (desired_dir / "secrets.age").exists()


def test_set_needs_the_identity_once_a_store_exists(desired_dir: Path, store: StoreWriter) -> None:
    store({"OLD": "old value"})
    result = run("set", "NEW", stdin="v\n")
    assert result.exit_code == 1
    assert "RECONCILER_AGE_IDENTITY" in result.output and "RECONCILER_AGE_IDENTITY_FILE" in result.output


def test_list_needs_no_identity_and_shows_names_only(desired_dir: Path, store: StoreWriter) -> None:
    store({"B_SECRET": "value-of-b", "A_SECRET": "value-of-a"})
    result = run("list")
    assert result.exit_code == 0 and result.stdout == "A_SECRET\nB_SECRET\n"


def test_rm_removes_a_name_and_refuses_an_unknown_one(desired_dir: Path, store: StoreWriter, key: KeyPair) -> None:
    store({"KEEP": "kept value", "DROP": "dropped value"})
    assert run("rm", "DROP", env=key.environ()).exit_code == 0
    assert values(desired_dir, key) == {"KEEP": "kept value"}
    assert run("list").stdout == "KEEP\n"
    missing = run("rm", "NOPE", env=key.environ())
    assert missing.exit_code == 1 and "NOPE is not in" in missing.output


def test_rekey_encrypts_for_the_new_recipients_only(desired_dir: Path, store: StoreWriter, key: KeyPair) -> None:
    store({"SHOP_IBAN": "GB82WEST12345698765432"})
    successor = new_key_pair()
    write_recipients(desired_dir, [successor.recipient])  # the old key is removed
    assert run("rekey", env=key.environ()).exit_code == 0
    assert values(desired_dir, successor) == {"SHOP_IBAN": "GB82WEST12345698765432"}
    refused = run("rekey", env=key.environ())
    assert refused.exit_code == 1 and "cannot be decrypted with the identity given" in refused.output


def test_help_names_exit_codes_and_environment() -> None:
    for command in ("set", "list", "rm", "rekey", "hashes"):
        text = run(command, "--help").output
        assert "Exit codes" in text and "RECONCILER_AGE_IDENTITY_FILE" in text and "--desired" in text
    assert "rekey" in CliRunner().invoke(main, ["--help"]).output


def test_a_store_written_by_the_age_cli_is_read(
    age_cli: str, desired_dir: Path, write: WriteFile, key: KeyPair, tmp_path: Path
) -> None:
    write_recipients(desired_dir, [key.recipient])
    plain = tmp_path / "plain.yaml"
    plain.write_text("SEC_NAME: Secret Shop AB\nSEC_ID: 0742\n", encoding="utf-8")
    for armor in ([], ["-a"]):
        subprocess.run(
            [
                age_cli,
                *armor,
                "-R",
                str(desired_dir / "secrets.recipients"),
                "-o",
                str(desired_dir / "secrets.age"),
                str(plain),
            ],
            check=True,
            timeout=AGE_TIMEOUT,
        )
        # Every value as written: 0742 is text, not the number 742.
        assert values(desired_dir, key) == {"SEC_NAME": "Secret Shop AB", "SEC_ID": "0742"}


def test_a_store_written_by_reconciler_is_read_by_the_age_cli(
    age_cli: str, desired_dir: Path, key: KeyPair, tmp_path: Path
) -> None:
    write_recipients(desired_dir, [key.recipient])
    assert run("set", "SEC_NAME", stdin="Secret Shop AB\n", env=key.environ()).exit_code == 0
    key_file = tmp_path / "key.txt"
    key_file.write_text(key.identity + "\n", encoding="utf-8")
    assert age_decrypt(age_cli, key_file, desired_dir / "secrets.age") == "SEC_NAME: Secret Shop AB\n"


def test_the_example_store_opens_with_the_age_cli_and_the_test_key(age_cli: str) -> None:
    examples = Path(__file__).resolve().parents[2] / "desired-state"
    shown = age_decrypt(age_cli, examples / "sandbox-test-identity.txt", examples / "secrets.age")
    names = sorted(line.split(":", 1)[0] for line in shown.splitlines())
    index = (examples / "secrets.index").read_text(encoding="utf-8").splitlines()
    assert names == [line for line in index if not line.startswith("#")]


def test_a_name_no_secret_can_have_is_refused_without_echoing_it(desired_dir: Path, key: KeyPair) -> None:
    """rm printed the name it was given as it came (an escape sequence to the terminal); set took and printed a
    name of 100,000 characters."""
    write_recipients(desired_dir, [key.recipient])
    assert run("set", "SHOP_IBAN", stdin="NO93 8601 1117 947\n", env=key.environ()).exit_code == 0
    hostile = run("rm", "A\x1b[2J", env=key.environ())
    assert hostile.exit_code == 1 and "\x1b" not in hostile.output, hostile.output
    assert "is not a valid secret name" in hostile.output
    long = "N" * 100_000
    for args, stdin in ((("set", long), "x\n"), (("rm", long), None)):
        result = run(*args, stdin=stdin, env=key.environ())
        assert result.exit_code == 1 and len(result.output) < 500, len(result.output)
        assert "a secret name is at most 1000 characters, not 100,000" in result.output
    assert values(desired_dir, key) == {"SHOP_IBAN": "NO93 8601 1117 947"}


def test_a_rekey_that_leaves_out_the_identity_used_says_so(desired_dir: Path, store: StoreWriter, key: KeyPair) -> None:
    """Removing one's own key and rekeying locked the store against that key without a word."""
    store({"SHOP_IBAN": "GB82WEST12345698765432"})
    successor = new_key_pair()
    write_recipients(desired_dir, [key.recipient, successor.recipient])
    both = run("rekey", env=key.environ())
    assert both.exit_code == 0 and "Warning" not in both.output, both.output
    write_recipients(desired_dir, [successor.recipient])  # the key used below is removed
    done = run("rekey", env=key.environ())
    assert done.exit_code == 0, done.output
    assert "Warning: the identity given is not among the recipients" in done.output
    assert "it can no longer decrypt" in done.output
    assert key.identity not in done.output and "GB82WEST" not in done.output
    assert values(desired_dir, successor) == {"SHOP_IBAN": "GB82WEST12345698765432"}
    added = run("set", "OTHER", stdin="v\n", env=successor.environ())
    assert added.exit_code == 0 and "Warning" not in added.output, added.output


def test_a_first_set_with_an_identity_that_is_no_recipient_says_so(desired_dir: Path, key: KeyPair) -> None:
    write_recipients(desired_dir, [new_key_pair().recipient])
    done = run("set", "SHOP_IBAN", stdin="NO9386011117947\n", env=key.environ())
    assert done.exit_code == 0 and "it can no longer decrypt" in done.output, done.output
