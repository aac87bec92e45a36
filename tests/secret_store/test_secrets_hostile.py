"""Hostile files and values around the secrets store and reconciler.yaml: each a clear error (exit 1), never a
traceback, a half-written store or a run that never ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.desired import files as desired_files
from reconciler.desired import libyaml_parser
from reconciler.desired.secret_store import SecretsStore, index_lines, write_recipients
from tests.bounded import finishes

from .conftest import KeyPair, StoreWriter, WriteFile, stanza_bomb

MERCHANT = "account_reference: M-1\nklarna:\n  account_name: Minimal AB\n"


def run(*args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    # catch_exceptions=False: a traceback fails the test instead of becoming an exit code.
    return CliRunner().invoke(main, list(args), input=stdin, env=env or {}, catch_exceptions=False)


def test_an_index_that_is_a_directory_is_refused_before_the_store_is_written(
    desired_dir: Path, key: KeyPair, store: StoreWriter
) -> None:
    store({"A": "one"})
    before = (desired_dir / "secrets.age").read_bytes()
    (desired_dir / "secrets.index").unlink()
    (desired_dir / "secrets.index").mkdir()
    done = run("secrets", "set", "B", "--desired", str(desired_dir), stdin="two\n", env=key.environ())
    assert done.exit_code == 1
    assert "secrets.index: is a directory" in done.output
    assert (desired_dir / "secrets.age").read_bytes() == before


def test_a_store_nested_too_deeply_is_not_a_mapping(desired_dir: Path, key: KeyPair) -> None:
    write_recipients(desired_dir, [key.recipient])
    deep = b"A: " + b"[" * 5000 + b"]" * 5000 + b"\n"
    (desired_dir / "secrets.age").write_bytes(pyrage.encrypt(deep, [pyrage.x25519.Recipient.from_str(key.recipient)]))
    done = run("secrets", "set", "B", "--desired", str(desired_dir), stdin="two\n", env=key.environ())
    assert done.exit_code == 1
    assert "decrypts, but is not a YAML mapping of names to values" in done.output


def test_binary_key_files_and_values_are_refused_by_name(desired_dir: Path, key: KeyPair, tmp_path: Path) -> None:
    binary = tmp_path / "key.bin"
    binary.write_bytes(b"\xff\xfe\x80\x81")
    write_recipients(desired_dir, [key.recipient])
    done = run("secrets", "set", "B", "--desired", str(desired_dir), stdin="two\n",
               env={"RECONCILER_AGE_IDENTITY_FILE": str(binary)})
    assert done.exit_code == 1 and "is not UTF-8 text" in done.output
    done = run("secrets", "set", "B", "--desired", str(desired_dir), stdin=b"\xff\xfeX", env=key.environ())
    assert done.exit_code == 1 and "the value of B on standard input is not UTF-8 text" in done.output
    (desired_dir / "secrets.recipients").write_bytes(b"\xff\xfe\x00age1")
    done = run("secrets", "set", "B", "--desired", str(desired_dir), stdin="two\n", env=key.environ())
    assert done.exit_code == 1 and "secrets.recipients: not UTF-8 text" in done.output


def test_a_number_longer_than_python_converts_is_a_field_error(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/m.yaml", MERCHANT + "  account_group_reference: " + "9" * 5000 + "\n")
    write("reconciler.yaml", "parallelism: " + "9" * 5000 + "\n")
    done = run("validate", "--desired", str(desired_dir))
    assert done.exit_code == 1
    assert "reconciler.yaml" in done.output and "parallelism" in done.output


@pytest.mark.parametrize("rate", ["1e-320", "0.001"])
def test_a_rate_limit_too_small_to_be_a_rate_is_refused(desired_dir: Path, write: WriteFile, rate: str) -> None:
    """1/1e-320 is infinite: such a limit made every plan wait for ever."""
    write("merchants/m.yaml", MERCHANT)
    write("reconciler.yaml", f"targets:\n  klarna:\n    rate_limit: {rate}\n")
    done = run("validate", "--desired", str(desired_dir))
    assert done.exit_code == 1 and "rate_limit" in done.output
    write("reconciler.yaml", "{}\n")
    flag = run("plan", "--desired", str(desired_dir), "--rate-limit", f"klarna={rate}")
    assert flag.exit_code == 1 and "from 0.01 to 10000" in flag.output


# Nesting libyaml's composer would recurse into until its C stack overflows, killing the process: flow
# brackets, compact block sequences on one line, and compact complex keys.
DEEP = {
    "flow": "A: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "block sequences": "A:\n  " + "- " * 100_000 + "x\n",
    "complex keys": "A:\n  " + "? " * 100_000 + "x\n",
}


def crash_free(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process: a crash there is a negative return code, not a lost test run."""
    command = [sys.executable, "-m", "reconciler", *args]
    environ = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **env}
    return subprocess.run(command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("shape", list(DEEP))
def test_yaml_nested_deeper_than_libyaml_recurses_is_an_error_not_a_crash(
    desired_dir: Path, key: KeyPair, shape: str
) -> None:
    assert not libyaml_parser.shallow(DEEP[shape])
    merchant = desired_dir / "merchants" / "m.yaml"
    merchant.write_text(DEEP[shape].replace("A:", "account_reference: M-1\nklarna:", 1))
    done = crash_free(["validate", "--desired", str(desired_dir)], Path.cwd(), {})
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    assert "m.yaml:1:1: YAML error: nested too deeply" in done.stdout + done.stderr
    merchant.write_text(MERCHANT)
    write_recipients(desired_dir, [key.recipient])
    recipient = pyrage.x25519.Recipient.from_str(key.recipient)
    (desired_dir / "secrets.age").write_bytes(pyrage.encrypt(DEEP[shape].encode(), [recipient]))
    done = crash_free(["secrets", "set", "B", "--desired", str(desired_dir)], Path.cwd(), key.environ())
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    assert "decrypts, but is not a YAML mapping of names to values" in done.stdout + done.stderr


def test_an_example_merchant_file_stays_on_libyaml() -> None:
    text = (Path(__file__).resolve().parents[2] / "desired-state" / "merchants" / "bergen-fisk.yaml").read_text()
    assert libyaml_parser.shallow(text) and libyaml_parser.in_plain_subset(text)


def test_a_secret_written_twice_in_the_store_is_refused_not_the_last_one_kept(
    desired_dir: Path, key: KeyPair
) -> None:
    write_recipients(desired_dir, [key.recipient])
    recipient = pyrage.x25519.Recipient.from_str(key.recipient)
    (desired_dir / "secrets.age").write_bytes(pyrage.encrypt(b"A: first-value\nB: two\nA: second-value\n", [recipient]))
    done = run("secrets", "set", "C", "--desired", str(desired_dir), stdin="four\n", env=key.environ())
    assert done.exit_code == 1
    assert "secrets.age: holds secret A twice; keep one" in done.output
    assert "first-value" not in done.output and "second-value" not in done.output


def test_a_secret_name_with_a_trailing_line_break_is_refused(
    desired_dir: Path, key: KeyPair, store: StoreWriter
) -> None:
    store({"A": "one"})
    done = run("secrets", "set", "B\n", "--desired", str(desired_dir), stdin="two\n", env=key.environ())
    assert done.exit_code == 1 and "is not a valid secret name" in done.output
    recipient = pyrage.x25519.Recipient.from_str(key.recipient)
    (desired_dir / "secrets.age").write_bytes(pyrage.encrypt(b'"B\\n": two\n', [recipient]))
    done = run("secrets", "set", "C", "--desired", str(desired_dir), stdin="three\n", env=key.environ())
    assert done.exit_code == 1 and "holds a key that is not a valid secret name" in done.output


# Run in a child process that must finish: before the fix, opening each FIFO waited for a writer forever.
FIFO_IN_THE_STORE = """
import os, shutil, stat, tempfile
from click.testing import CliRunner
from reconciler.cli import main
directory = os.path.join(tempfile.mkdtemp(), "desired-state")
shutil.copytree({examples!r}, directory)
fifo = os.path.join(directory, {name!r})
os.unlink(fifo) if os.path.exists(fifo) else None
os.mkfifo(fifo)
env = {{"RECONCILER_AGE_IDENTITY_FILE": fifo}} if {name!r} == "key.txt" else {{}}
store = os.path.join(directory, "secrets.age")
def snapshot():
    # The store as it is: its bytes, or, when the store is the FIFO itself, that it is still that FIFO.
    return stat.S_ISFIFO(os.lstat(store).st_mode) if {name!r} == "secrets.age" else open(store, "rb").read()
before = snapshot()
result = CliRunner().invoke(main, {args!r} + ["--desired", directory], input="v", env=env, catch_exceptions=False)
print(result.exit_code, snapshot() == before and before is not False)
print(result.output)
"""


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("secrets.index", ["validate"]),
        ("secrets.age", ["validate"]),
        ("secrets.recipients", ["secrets", "set", "NEW_SECRET"]),
        ("key.txt", ["validate"]),  # the file RECONCILER_AGE_IDENTITY_FILE names
    ],
)
def test_a_fifo_in_place_of_a_secrets_file_is_refused_without_waiting_for_a_writer(name: str, args: list[str]) -> None:
    examples = str(Path(__file__).resolve().parents[2] / "desired-state")
    status, output = finishes(FIFO_IN_THE_STORE.format(examples=examples, name=name, args=args)).split("\n", 1)
    assert status == "1 True", output  # refused, and the store as it was
    assert "not a regular file (a FIFO)" in output, output
    assert "Traceback" not in output


def test_the_store_is_not_bounded_by_a_merchant_files_size(
    desired_dir: Path, key: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five secrets of a merchant take about 540 bytes of secrets.age: at 16 MiB, a merchant file's bound, a
    partner's 31,000th merchant made the store unreadable, and every validate and plan with it."""
    write_recipients(desired_dir, [key.recipient])
    for name in ("A_IBAN", "B_IBAN"):
        done = run("secrets", "set", name, "--desired", str(desired_dir), stdin="NO9386011117947\n", env=key.environ())
        assert done.exit_code == 0, done.output
    monkeypatch.setattr(desired_files, "MAX_FILE_BYTES", 64)  # smaller than the store and its index
    identities = [pyrage.x25519.Identity.from_str(key.identity)]
    assert SecretsStore.open(desired_dir, identities).names() == ["A_IBAN", "B_IBAN"]
    assert index_lines(desired_dir) == {"A_IBAN": 2, "B_IBAN": 3}


def test_the_identity_itself_given_as_the_identity_file_is_refused_without_printing_it(
    desired_dir: Path, key: KeyPair, store: StoreWriter, write: WriteFile
) -> None:
    """The key pasted into RECONCILER_AGE_IDENTITY_FILE was printed as the file that could not be read."""
    store({"A": "one"})
    write("merchants/m.yaml", MERCHANT + "  account_group_reference: !secret A\n")
    pasted = {"RECONCILER_AGE_IDENTITY_FILE": key.identity}
    for args in (["secrets", "set", "B"], ["validate"], ["plan"]):
        done = run(*args, "--desired", str(desired_dir), stdin="two\n", env=pasted)
        assert done.exit_code == 1, done.output
        assert "RECONCILER_AGE_IDENTITY_FILE holds an age identity, not the name of a file" in done.output
        secret_part = key.identity.removeprefix("AGE-SECRET-KEY-1")
        assert secret_part not in done.output and secret_part.lower() not in done.output.lower()
    assert index_lines(desired_dir) == {"A": 2}


@pytest.mark.parametrize(
    "line",
    ["\x1b]0;owned\x07\x1b[2J", "not a name!", "N" * 100_000, "\ufeffA", "A\x00B"],
    ids=["escapes", "spaces", "long", "bom", "nul"],
)
def test_an_index_line_no_secret_can_be_named_is_an_error_at_its_line_not_echoed(
    desired_dir: Path, store: StoreWriter, write: WriteFile, line: str
) -> None:
    """`secrets list` printed the index's lines as they were: escape sequences went to the terminal."""
    store({"A": "one"})
    write("merchants/m.yaml", MERCHANT)
    (desired_dir / "secrets.index").write_text(f"# names\nA\n{line}\n", encoding="utf-8")
    for args in (["secrets", "list"], ["validate"]):
        done = run(*args, "--desired", str(desired_dir))
        assert done.exit_code == 1, done.output
        assert "secrets.index:3: not a secret name" in done.output
        assert line not in done.output and "\x1b" not in done.output and len(done.output) < 500


def test_a_write_failing_on_the_index_leaves_the_old_store_and_index(
    desired_dir: Path, key: KeyPair, store: StoreWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store was renamed into place before the index was written: a full disk then left the new store
    beside the old index, and validate without an identity checked names the store did not hold."""
    store({"A": "one"})
    before = {name: (desired_dir / name).read_bytes() for name in ("secrets.age", "secrets.index")}
    real_fsync = os.fsync
    calls: list[int] = []

    def full_on_second(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 2:  # the second file written: the index
            raise OSError(28, "No space left on device")
        real_fsync(descriptor)

    for args, stdin in ((["set", "B"], "two\n"), (["rm", "A"], None), (["rekey"], None)):
        calls.clear()
        monkeypatch.setattr(os, "fsync", full_on_second)
        done = run("secrets", *args, "--desired", str(desired_dir), stdin=stdin, env=key.environ())
        monkeypatch.setattr(os, "fsync", real_fsync)
        assert {name: (desired_dir / name).read_bytes() for name in before} == before
        assert done.exit_code == 1 and "secrets.index: cannot write" in done.output, done.output
        assert "nothing was changed" in done.output
        assert sorted(path.name for path in desired_dir.iterdir()) == [
            "merchants",
            "secrets.age",
            "secrets.index",
            "secrets.recipients",
        ]  # no temporary file left behind


@pytest.mark.parametrize(
    ("stanzas", "armored", "message"),
    [
        (300, False, "stanzas, more than a file written for the 128"),
        (300, True, "stanzas, more than a file written for the 128"),
        (5000, False, "header is longer than 128 KiB"),
        (5000, True, "header is longer than 128 KiB"),
    ],
)
def test_a_store_whose_header_would_take_age_minutes_is_refused_unread(
    desired_dir: Path,
    write: WriteFile,
    key: KeyPair,
    monkeypatch: pytest.MonkeyPatch,
    stanzas: int,
    armored: bool,
    message: str,
) -> None:
    write_recipients(desired_dir, [key.recipient])
    (desired_dir / "secrets.age").write_bytes(stanza_bomb(key, stanzas, armored=armored))

    def never(*args: object) -> bytes:
        raise AssertionError("age was given the header")

    monkeypatch.setattr(pyrage, "decrypt", never)
    done = run("secrets", "rekey", "--desired", str(desired_dir), env=key.environ())
    assert done.exit_code == 1
    assert f"{desired_dir / 'secrets.age'}: its age header" in done.output and message in done.output
    assert "refused unread" in done.output


def test_a_store_is_written_for_at_most_128_recipients(desired_dir: Path, key: KeyPair) -> None:
    others = [str(pyrage.x25519.Identity.generate().to_public()) for _ in range(128)]
    (desired_dir / "secrets.recipients").write_text("\n".join([key.recipient, *others]) + "\n", encoding="ascii")
    done = run("secrets", "set", "A", "--desired", str(desired_dir), stdin="one\n", env=key.environ())
    assert done.exit_code == 1 and "lists more than 128 recipients; a store is written for at most 128" in done.output
    assert not (desired_dir / "secrets.age").exists()
    write_recipients(desired_dir, [key.recipient, *others[:127]])
    assert run("secrets", "set", "A", "--desired", str(desired_dir), stdin="one\n", env=key.environ()).exit_code == 0
    assert SecretsStore.open(desired_dir, [pyrage.x25519.Identity.from_str(key.identity)]).values == {"A": "one"}


def test_a_recipients_file_of_a_million_lines_is_refused_without_parsing_them_all(
    desired_dir: Path, key: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    (desired_dir / "secrets.recipients").write_text(f"{key.recipient}\n" * 1000, encoding="ascii")
    real = pyrage.x25519.Recipient.from_str
    parsed: list[str] = []

    def counted(text: str) -> object:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(pyrage.x25519.Recipient, "from_str", counted)
    done = run("secrets", "set", "A", "--desired", str(desired_dir), stdin="one\n", env=key.environ())
    assert done.exit_code == 1 and "lists more than 128 recipients" in done.output
    assert len(parsed) == 129
