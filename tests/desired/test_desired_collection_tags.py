"""A YAML tag other than !env / !secret is refused wherever it is written, not only on a single value.

`account_reference: !!python/object:os.system M1` is refused ("unsupported YAML tag"), and so is
`!foo {…}`; but the same `!!python/…` tag (or any other `!!` tag: `!!set`, `!!str`, `!!seq`…) written on a
mapping, a list or a key was dropped without a word, and the file validated as if it were not there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.load import load_desired
from reconciler.errors import InputError

BASE = "account_reference: M1\nklarna:\n  account_name: A\n"


@pytest.fixture
def desired(desired_dir: Path) -> Path:
    return desired_dir


def _messages(desired: Path, text: str) -> list[str]:
    (desired / "merchants" / "a.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_desired(desired, environ={})
    return [f"{i.file}:{i.line}:{i.column}: {i.message}" for i in caught.value.issues]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (BASE + "  settlement: !!python/object:os.system {settlement_enabled: true}\n", ":4:15: klarna.settlement"),
        (
            BASE + "  stakeholders:\n    - given_name: A\n      family_name: B\n"
            "      roles: !!python/object/apply:os.system [OWNER]\n",
            ":7:14: klarna.stakeholders[0].roles",
        ),
        (
            BASE + "  stakeholders: !!python/tuple\n    - {given_name: A, family_name: B}\n",
            ":4:17: klarna.stakeholders",
        ),
        (BASE + "  settlement: !!set {settlement_enabled: true}\n", ":4:15: klarna.settlement"),
        (BASE + "  settlement: !!str {settlement_enabled: true}\n", ":4:15: klarna.settlement"),
        (BASE + "  settlement: !<tag:example.com,2000:x> {settlement_enabled: true}\n", ":4:15: klarna.settlement"),
    ],
)
def test_a_tag_on_a_mapping_or_a_list_is_refused(desired: Path, text: str, where: str) -> None:
    messages = _messages(desired, text)
    assert any(where in m and "tag" in m for m in messages), messages


@pytest.mark.parametrize(
    "key",
    ["!!python/object:os.system account_name", "!foo account_name", "!secret account_name", "!!binary account_name"],
)
def test_a_tag_on_a_key_is_refused(desired: Path, key: str) -> None:
    messages = _messages(desired, f"account_reference: M1\nklarna:\n  {key}: A\n")
    assert any(":3:3: klarna" in m and "tag" in m for m in messages), messages


@pytest.mark.parametrize(
    "text",
    [
        BASE + "  settlement: !!map {settlement_enabled: true}\n",
        BASE + "  stakeholders: !!seq [{given_name: A, family_name: B}]\n",
        'account_reference: M1\nklarna:\n  "account_name": A\n',
        "account_reference: M1\nklarna:\n  !!str account_name: A\n",
        "account_reference: M1\nklarna:\n  ? account_name\n  : A\n",
    ],
)
def test_the_standard_tags_of_what_is_written_still_load(desired: Path, text: str) -> None:
    (desired / "merchants" / "a.yaml").write_text(text, encoding="utf-8")
    state = load_desired(desired, environ={})
    assert [m.account_reference for m in state.merchants] == ["M1"]


@pytest.mark.parametrize("tag", ["!!NO9386011117947", "!<NO9386011117947>"])
def test_a_tag_holding_an_iban_is_not_echoed(desired: Path, tag: str) -> None:
    """A local tag (``!NO93…``) is masked as a name; a ``!!`` or verbatim one was printed as written."""
    text = BASE + f"  bank_accounts:\n    - {{account_holder: A, iban: {tag} x}}\n"
    messages = _messages(desired, text)
    assert any(":5:33: klarna.bank_accounts[0].iban: unsupported YAML tag" in m for m in messages), messages
    assert not any("9386011117947" in m for m in messages), messages
