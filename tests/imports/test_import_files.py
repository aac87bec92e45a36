"""Import's files: whole or not at all, and YAML that reads back exactly."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from reconciler.errors import InputError
from reconciler.imports.document import SecretRef, secret_name
from reconciler.imports.files import refuse_existing, remove_leftovers, write_atomically
from reconciler.imports.run import merchant_paths
from reconciler.imports.yaml_text import merchant_yaml


def test_a_write_killed_midway_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "merchants" / "a.yaml"
    real_replace = os.replace

    def killed(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # the process is stopped after the bytes, before the rename

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "account_reference: A\n" * 1000)
    assert list(target.parent.iterdir()) == []
    monkeypatch.setattr(os, "replace", real_replace)
    write_atomically(target, "account_reference: A\n")
    assert target.read_text() == "account_reference: A\n"


def test_an_old_file_stays_whole_until_the_new_one_replaces_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.yaml"
    target.write_text("old\n")

    def killed(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]


def test_leftovers_of_a_hard_kill_are_hidden_and_removed(tmp_path: Path) -> None:
    leftover = tmp_path / ".a.yaml.x1y2.tmp"
    leftover.write_text("half")
    (tmp_path / "b.yaml").write_text("whole")
    remove_leftovers(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["b.yaml"]


@pytest.mark.parametrize(
    "value",
    ["NO", "yes", "0742", "+4722000000", "a: b", "# not a comment", "- x", "line\nbreak", '"quoted"', "Åse", "null"],
)
def test_every_string_reads_back_as_written(value: str) -> None:
    text = merchant_yaml({"account_reference": "A", "klarna": {"account_name": value, "websites": []}}, {})
    data = YAML(typ="safe", pure=True).load(text)
    assert data == {"account_reference": "A", "klarna": {"account_name": value, "websites": []}}


def test_secrets_are_tags_and_comments_go_above_their_key() -> None:
    document = {"account_reference": "A", "klarna": {"bank_accounts": [{"iban": SecretRef("A.iban", "SE45")}]}}
    text = merchant_yaml(document, {("klarna", "bank_accounts"): "two\nlines"})
    assert "    - iban: !secret A.iban\n" in text
    assert "  # two\n  # lines\n  bank_accounts:\n" in text
    assert "SE45" not in text


def test_secret_names_are_valid_and_stable() -> None:
    # A character a name cannot hold is "_", and the reference's digest keeps it apart from "M_1"'s names.
    digest = hashlib.sha256(b"M:1").hexdigest()[:10]
    assert secret_name("M:1", ("klarna", "iban")) == f"M_1-h{digest}.klarna.iban"
    assert secret_name("M_1", ("klarna", "iban")) == "M_1.klarna.iban"
    assert secret_name("123", ("x",)) == "_123.x"


def test_a_merchant_keeps_its_file_and_a_new_one_never_takes_it(tmp_path: Path) -> None:
    """``M1`` declared in a renamed file goes back there; ``m1``'s slug names a file declaring ``M1`` (a second
    one), so it gets ``-2``: a new merchant never takes a file that declares a merchant."""
    folder = tmp_path / "merchants"
    folder.mkdir()
    (folder / "bergen.yaml").write_text("account_reference: ' M1'\nklarna: {}\n")
    (folder / "m1.yaml").write_text("account_reference: M1\n")  # a second file of M1: the first is kept
    (folder / "broken.yaml").write_text("account_reference: [\n")
    (folder / ".hidden.yaml").write_text("account_reference: M9\n")
    paths = merchant_paths(folder, ["M1", "m1", "M9"])
    assert paths == {"M1": folder / "bergen.yaml", "m1": folder / "m1-2.yaml", "M9": folder / "m9.yaml"}
    (folder / "m1.yaml").unlink()
    (folder / "bergen.yaml").rename(folder / "m1.yaml")
    assert merchant_paths(folder, ["M1", "m1"]) == {"M1": folder / "m1.yaml", "m1": folder / "m1-2.yaml"}


def test_force_never_replaces_a_file_declaring_another_merchant(tmp_path: Path) -> None:
    """The last guard, should a path be chosen for ``AB`` that ``ab``'s file holds: refused, even with force."""
    (tmp_path / "ab.yaml").write_text("account_reference: ab\n")
    with pytest.raises(InputError, match="declares merchant 'ab'; import does not write merchant 'AB' over it"):
        refuse_existing([tmp_path / "ab.yaml"], force=True, owners={tmp_path / "ab.yaml": "AB"})
    refuse_existing([tmp_path / "ab.yaml"], force=True, owners={tmp_path / "ab.yaml": "ab"})
