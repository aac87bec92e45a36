"""Reading thousands of merchant files on every core: worker processes forked from the load.

Reading, validating and declaring a merchant file is Python work (about 0.6 ms a file on a 2-core
development machine; with bank account hashing, an Argon2id hash of each IBAN on top), done one
core at a time under the interpreter's lock: a plan of 10,000 merchants loaded its files for longer
than it then took to read and compare their live state. From ``MIN_FILES`` files on, the files are
handed out in chunks to worker processes forked from the loading process, which hold what it had read
already (the configuration, the profiles, the decrypted secrets store, the hasher), and their outcomes
are taken back in the files' order.

What a worker changes in its own memory that the load needs afterwards comes back with its outcomes:
the secret values it registered for masking (``reconciler.sensitive``) and the names of the secrets
its files used. The store is decrypted before the fork, so no worker asks for an identity.

Workers are forked, never spawned, on Linux only, and only from a process running no other thread
(a lock another thread holds would stay held in the child). Anything that goes wrong in a worker (an
exception, a worker that dies) makes the load read every file again in this process: the outcome,
errors included, is always the one of a serial load.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from reconciler.desired.secret_store import StoreSource
from reconciler.errors import SecretsError
from reconciler.sensitive import register_secret_value, registered_secret_values

R = TypeVar("R")

# Below this many files a fork costs more than it saves (a worker starts in about 10 ms).
MIN_FILES = 256
CHUNK_FILES = 64
MAX_WORKERS = 8
# Set by the load for the fork: a worker finds its work here, inherited, not pickled.
_work: _Work[Any] | None = None


@dataclass(frozen=True)
class _Work(Generic[R]):
    read: Callable[[Path], R]
    secrets: StoreSource


@dataclass(frozen=True)
class _Chunk(Generic[R]):
    """A worker's outcomes for one chunk of files, and what it changed that the load needs back."""

    outcomes: list[R] | None  # None: something went wrong (the load reads every file again itself)
    secret_values: frozenset[str] = frozenset()
    secrets_used: frozenset[str] = frozenset()


def worker_count(files: int) -> int:
    """How many worker processes to load ``files`` files with; 1: none, the load reads them itself."""
    if files < MIN_FILES or sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS, files // CHUNK_FILES))


def _read_chunk(paths: Sequence[Path]) -> _Chunk[Any]:
    """In a worker: every file of one chunk, or None for the chunk when anything goes wrong."""
    work = _work
    if work is None:
        return _Chunk(None)
    values_before, used_before = registered_secret_values(), set(work.secrets.used)
    try:
        outcomes = [work.read(path) for path in paths]
    except Exception:  # the load reads every file again itself, and meets it there
        return _Chunk(None)
    return _Chunk(outcomes, registered_secret_values() - values_before, frozenset(work.secrets.used - used_before))


def _time_allowed(files: int) -> float:
    """How long the workers may take: far more than a file takes, even hashing its bank accounts
    (0.1 to 0.3 s a hash); only a worker that hangs reaches it."""
    return 60.0 + files * 2.0


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the workers now, whatever they are doing (shutting down alone would wait for one that hangs)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
        process.join(timeout=5)


def in_workers(read: Callable[[Path], R], paths: Sequence[Path], secrets: StoreSource) -> list[R] | None:
    """``read`` of every path, in order, by worker processes; None when the load is to read them
    itself: too few files, one core, no fork here, a store that cannot be opened, or a worker that
    failed."""
    count = worker_count(len(paths))
    if count < 2 or not paths or "fork" not in multiprocessing.get_all_start_methods():
        return None
    try:
        secrets.names()  # decrypted once, before the fork, for every worker
    except SecretsError:
        return None  # the load meets it itself, where a file names a secret (and not at all if none does)
    global _work
    _work = _Work(read, secrets)
    chunks = [list(paths[start : start + CHUNK_FILES]) for start in range(0, len(paths), CHUNK_FILES)]
    try:
        pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
        try:
            done: list[_Chunk[R]] = list(pool.map(_read_chunk, chunks, timeout=_time_allowed(len(paths))))
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown()
    except Exception:  # a worker died (BrokenProcessPool), took too long, or an outcome did not pickle
        return None
    finally:
        _work = None
    outcomes: list[R] = []
    for chunk in done:
        if chunk.outcomes is None:
            return None
        outcomes.extend(chunk.outcomes)
    for chunk in done:
        for value in chunk.secret_values:
            register_secret_value(value)
        secrets.used |= chunk.secrets_used
    return outcomes
