"""Locks and unset against values written as !secret: `validate` without an identity (names only) must
judge a lock or an unset as the load with the identity does."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.errors import InputError
from tests.secret_store.conftest import KeyPair, StoreWriter, WriteFile


def _issues(directory: Path, environ: dict[str, str]) -> list[str]:
    try:
        load_desired(directory, environ=environ, notify=None, check_only=True)
    except InputError as error:
        return [str(issue) for issue in error.issues]
    return []


def test_a_lock_on_a_value_the_profile_writes_as_a_secret_is_valid_without_an_identity(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair
) -> None:
    store({"GROUP": "secret-group"})
    locked = "locked: [klarna.account_group_reference]\n"
    write("profiles/p.yaml", locked + "klarna:\n  account_group_reference: !secret GROUP\n")
    write("merchants/m.yaml", "account_reference: M-1\nprofiles: [p]\nklarna:\n  account_name: M\n")
    assert _issues(desired_dir, key.environ()) == []  # with the identity: valid
    # Without an identity the secret is left out of the data; the profile still sets the path it locks.
    assert _issues(desired_dir, {}) == []


def test_a_merchant_overriding_a_locked_path_with_a_secret_fails_validate_without_an_identity(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair
) -> None:
    store({"GROUP": "secret-group"})
    write("profiles/p.yaml", "locked: [klarna.account_group_reference]\nklarna:\n  account_group_reference: retail\n")
    write(
        "merchants/m.yaml",
        "account_reference: M-1\nprofiles: [p]\nklarna:\n  account_name: M\n  account_group_reference: !secret GROUP\n",
    )
    with_identity = _issues(desired_dir, key.environ())
    assert len(with_identity) == 1 and "locked by profile p" in with_identity[0]
    # Without an identity, the same issue: the file writes the path, whatever its value.
    assert _issues(desired_dir, {}) == with_identity


@pytest.mark.parametrize("environ_of", [lambda key: key.environ(), lambda key: {}], ids=["identity", "names-only"])
def test_unset_of_a_path_the_file_writes_as_a_secret_is_refused(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair, environ_of: object
) -> None:
    store({"GROUP": "secret-group"})
    write("profiles/p.yaml", "klarna:\n  account_group_reference: retail\n")
    write(
        "merchants/m.yaml",
        "account_reference: M-1\nprofiles: [p]\nunset: [klarna.account_group_reference]\n"
        "klarna:\n  account_name: M\n  account_group_reference: !secret GROUP\n",
    )
    issues = _issues(desired_dir, environ_of(key))  # type: ignore[operator]
    assert issues == [
        "desired-state/merchants/m.yaml:3:9: unset: klarna.account_group_reference is also written in this file: "
        "keep one or the other"
    ]
