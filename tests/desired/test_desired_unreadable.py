"""Where a file that is not UTF-8 is reported, names a tag or an alias gives away, and a desired-state directory
this process may not read."""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.desired.yaml_loader import load_yaml_file, parse_yaml_text
from reconciler.errors import ReconcilerError

MINIMAL = "account_reference: {ref}\nklarna:\n  account_name: Shop {ref}\n"


# --- A file that is not UTF-8: located at the bad byte, in characters, with or without a byte order mark.


def test_a_bad_byte_after_a_byte_order_mark_is_located_and_named(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfaccount_reference: M1\n\xe9: 2\n")
    document, issues = load_yaml_file(path, {})
    assert document is None
    (issue,) = issues
    # The mark is no character of the text: utf-8-sig counts its error offset after it.
    assert (issue.line, issue.column, issue.message) == (2, 1, "file is not UTF-8 text (byte 0xe9)")


def test_a_bad_byte_is_located_at_its_character_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("account_reference: M1\nklarna:\n  account_name: Smørrebrød Caf".encode() + b"\xe9\n")
    _, issues = load_yaml_file(path, {})
    (issue,) = issues
    # Every other position is in characters (what an editor shows): the bad byte follows 30 of them.
    assert (issue.line, issue.column) == (3, 31)


# --- A name written in a tag or an alias is a value typed where a name goes: masked like the others.


@pytest.mark.parametrize(
    "value",
    ["NO9386011117947", "1980-05-17", "010190-12345"],
)
@pytest.mark.parametrize("written", ["!{value} x", "*{value}"])
def test_a_sensitive_value_written_as_a_tag_or_an_alias_is_not_printed(value: str, written: str) -> None:
    text = MINIMAL.format(ref="M-1") + "  account_group_reference: " + written.format(value=value) + "\n"
    for fast in (True, False):
        _, issues = parse_yaml_text(text, "f.yaml", {}, fast=fast)
        assert issues
        assert all(value not in str(issue) for issue in issues), [str(issue) for issue in issues]


# --- A desired-state directory that cannot be read is no valid, empty one, nor a traceback.


def _load_as_nobody(directory: Path, *, check_only: bool) -> tuple[str, object]:
    """load_desired of ``directory`` as a user without access to it (a forked child when run as root)."""

    def load() -> tuple[str, object]:
        try:
            state = load_desired(directory, environ={}, notify=None, check_only=check_only)
            return "ok", len(state.merchants)
        except ReconcilerError as error:
            return "error", str(error)
        except Exception as error:  # noqa: BLE001 - what the CLI would print as a traceback
            return "traceback", repr(error)

    if os.geteuid() != 0:
        return load()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, pickle.dumps(load()))
        finally:
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(child, 0)
    return pickle.loads(data)


@pytest.fixture
def open_tmp() -> Path:
    """A scratch folder every user may enter (pytest's own is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="unreadable-"))
    os.chmod(folder, 0o755)
    # What a load imports on first use, imported here (a child without access to the packages could not).
    warm = folder / "warm"
    (warm / "merchants").mkdir(parents=True)
    (warm / "merchants" / "a.yaml").write_text(MINIMAL.format(ref="W-1"))
    load_desired(warm, environ={}, notify=None)
    load_desired(warm, environ={}, notify=None, check_only=True)
    yield folder
    for path in (folder, *folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            os.chmod(path, 0o755)
    shutil.rmtree(folder)


def _desired_state(folder: Path) -> Path:
    directory = folder / "desired-state"
    (directory / "merchants").mkdir(parents=True)
    (directory / "reconciler.yaml").write_text("parallelism: 2\n")
    for index in range(3):
        (directory / "merchants" / f"m{index}.yaml").write_text(MINIMAL.format(ref=f"M-{index}"))
    return directory


@pytest.mark.parametrize("check_only", [False, True])
def test_a_directory_that_cannot_be_entered_is_an_issue(open_tmp: Path, check_only: bool) -> None:
    directory = _desired_state(open_tmp)
    os.chmod(directory, 0o644)  # listed, but not to be entered: nothing under it can be read
    outcome = _load_as_nobody(directory, check_only=check_only)
    # Not a load of no merchant (reconciler.yaml and every file would seem absent), nor a PermissionError.
    assert outcome == ("error", f"{directory}:1:1: cannot read the desired-state directory: Permission denied")


@pytest.mark.parametrize("check_only", [False, True])
def test_a_directory_in_a_folder_that_cannot_be_entered_is_an_issue(open_tmp: Path, check_only: bool) -> None:
    directory = _desired_state(open_tmp / "private")
    os.chmod(open_tmp / "private", 0o700 if os.geteuid() == 0 else 0o600)
    outcome = _load_as_nobody(directory, check_only=check_only)
    assert outcome == ("error", f"{directory}:1:1: cannot read the desired-state directory: Permission denied")
