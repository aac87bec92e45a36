"""Loading thousands of merchant files in worker processes (``reconciler.processes``).

The files are handed out in chunks to workers forked from the loading process, which hold what it had
read already (the configuration, the profiles, the secrets store), and their outcomes are taken back in
the files' order.

What a worker changes in its own memory that the load needs afterwards comes back with its outcomes:
the forms of the secret values it registered for masking (``reconciler.sensitive``), the names of
the secrets its files used, and the phone numbers it parsed (``desired.normalise``: the plan reads
them again in the live state). The store is decrypted before the fork, so no worker asks for an identity;
a load none of whose files named a secret then forgets it, as one that never opened it. Once any file
has an issue, no worker declares another merchant (a load with an issue keeps none). Bank accounts are
hashed after the load, once it is known to succeed (``load._hashed``, by workers of their own when some
hash is not in bank-hashes.age): a worker cannot know of an issue another is reading.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from reconciler import processes
from reconciler.desired.normalise import parsed_phones, phones_added, remember_phones
from reconciler.desired.secret_store import StoreSource
from reconciler.errors import SecretsError
from reconciler.sensitive import add_secret_forms, registered_secret_values

R = TypeVar("R", bound="HasIssues")
R_co = TypeVar("R_co", bound="HasIssues", covariant=True)


class HasIssues(Protocol):
    @property
    def issues(self) -> Sequence[object]: ...


class Reader(Protocol[R_co]):
    def __call__(self, path: Path, *, declaring: bool = True) -> R_co: ...


@dataclass(frozen=True)
class _Chunk(Generic[R]):
    """A worker's outcomes for one chunk of files, and what it changed that the load needs back."""

    outcomes: list[R]
    secret_values: frozenset[str] = frozenset()
    secrets_used: frozenset[str] = frozenset()
    phones: dict[str, tuple[str | None, str]] = field(default_factory=dict)


def _read_files(read: Reader[R], secrets: StoreSource, issue_found: Event, paths: Sequence[Path]) -> _Chunk[R]:
    values_before, used_before, phones_before = registered_secret_values(), set(secrets.used), phones_added()
    outcomes = []
    for path in paths:
        outcome = read(path, declaring=not issue_found.is_set())
        if outcome.issues:
            issue_found.set()
        outcomes.append(outcome)
    phones = parsed_phones(since=phones_before)
    return _Chunk(outcomes, registered_secret_values() - values_before, frozenset(secrets.used - used_before), phones)


def in_workers(
    read: Reader[R], paths: Sequence[Path], secrets: StoreSource, *, issue_found: bool = False
) -> list[R] | None:
    """``read`` of every path, in order, by worker processes; None when the load is to read them
    itself: too few files, one core, no fork here, a store that cannot be opened, or a worker that
    failed. ``issue_found``: the load has an issue already, so no file is to be declared."""
    count = processes.worker_count(len(paths))
    if count < 2 or not paths:
        return None
    opened_here = not secrets.opened
    try:
        secrets.names()  # decrypted once, before the fork, for every worker
    except SecretsError:
        return None  # the load meets it itself, where a file names a secret (and not at all if none does)
    found = multiprocessing.get_context("fork").Event()
    if issue_found:
        found.set()
    done: list[_Chunk[R]] | None = processes.in_pool(
        functools.partial(_read_files, read, secrets, found), paths, count
    )
    if done is None:
        return None
    outcomes: list[R] = []
    for chunk in done:
        outcomes.extend(chunk.outcomes)
        add_secret_forms(chunk.secret_values)
        secrets.used |= chunk.secrets_used
        remember_phones(chunk.phones)
    if opened_here and not secrets.used:
        secrets.forget()  # as a load that needed no value of the store: never opened
    return outcomes
