"""Reading thousands of merchant files on every core: worker processes forked from the load.

Reading, validating and declaring a merchant file is Python work (about 0.6 ms a file on a 2-core
development machine; with bank account hashing, an Argon2id hash of each IBAN on top), done one
core at a time under the interpreter's lock: a plan of 10,000 merchants loaded its files for longer
than it then took to read and compare their live state. From ``MIN_FILES`` files on, the files are
handed out in chunks to worker processes forked from the loading process, which hold what it had read
already (the configuration, the profiles, the secrets store, the hasher), and their outcomes are
taken back in the files' order.

What a worker changes in its own memory that the load needs afterwards comes back with its outcomes:
the forms of the secret values it registered for masking (``reconciler.sensitive``) and the names of
the secrets its files used. The store is decrypted before the fork, so no worker asks for an identity;
a load none of whose files named a secret then forgets it, as one that never opened it. Once any file
has an issue, no worker declares another merchant (a load with an issue keeps none), and bank accounts
are hashed (``mapped_in_workers``) only once every file is known to have none: a serial load stops
declaring, and hashing, at its first issue; a worker cannot know of an issue another is reading.

Workers are forked, never spawned, on Linux only, and only from a process running no other thread,
native ones included (a lock another thread holds would stay held in the child: uvloop's resolver
leaves threads Python does not count); as many as the cores the process may use, within its cgroup's
CPU quota. A worker ends with the loading process, however that ends, and leaves Ctrl-C to it.
Anything that goes wrong in a worker (an exception, a worker that dies or hangs) makes the load do it
all again in this process: the outcome, errors included, is always the one of a serial load.

``Workers`` keeps such processes for a whole command, forked before it starts (``import`` hands them each
batch of accounts to make files of as Klarna's list comes in), under the same rules.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import math
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from reconciler.desired.secret_store import StoreSource
from reconciler.errors import SecretsError
from reconciler.sensitive import add_secret_forms, registered_secret_values

R = TypeVar("R", bound="HasIssues")
R_co = TypeVar("R_co", bound="HasIssues", covariant=True)
T = TypeVar("T")
U = TypeVar("U")

# Below this many files a fork costs more than it saves (a worker starts in about 10 ms).
MIN_FILES = 256
CHUNK_FILES = 64
MAX_WORKERS = 8
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Set for the fork: what a worker does with a chunk, inherited, not pickled.
_work: _Work | None = None


class HasIssues(Protocol):
    @property
    def issues(self) -> Sequence[object]: ...


class Reader(Protocol[R_co]):
    def __call__(self, path: Path, *, declaring: bool = True) -> R_co: ...


@dataclass(frozen=True)
class _Work:
    run: Callable[[Sequence[Any]], _Chunk[Any]]


@dataclass(frozen=True)
class _Chunk(Generic[T]):
    """A worker's outcomes for one chunk, and what it changed that the load needs back."""

    outcomes: list[T] | None  # None: something went wrong (the load does it all again itself)
    secret_values: frozenset[str] = frozenset()
    secrets_used: frozenset[str] = frozenset()


CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def cores(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """The cores this process may use: its CPU affinity, within its cgroup's CPU quota (a container
    limited to one CPU on a large host sees all of the host's cores)."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


def _one_thread() -> bool:
    """Whether this process runs one thread, counting the native threads Python knows nothing of."""
    if threading.active_count() > 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def worker_count(files: int) -> int:
    """How many worker processes to load ``files`` files with; 1: none, the load reads them itself."""
    if files < MIN_FILES or sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if not _one_thread():
        return 1
    return max(1, min(cores(), MAX_WORKERS, files // CHUNK_FILES))


def _start_worker(parent: int) -> None:
    """In each worker as it starts: end with the loading process (a killed load leaves no worker holding
    its decrypted store and its pipes), and leave Ctrl-C to it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it ended before the prctl
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _frozen() -> Iterator[None]:
    """The objects this process holds are left out of garbage collection while workers are forked: a
    worker's collector would otherwise visit, and so copy, every page of them it inherited."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _forked_pool(count: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        count, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker, initargs=(os.getpid(),)
    )


def _run_chunk(items: Sequence[Any]) -> _Chunk[Any]:
    """In a worker: one chunk's outcomes, or None for the chunk when anything goes wrong."""
    work = _work
    if work is None:
        return _Chunk(None)
    try:
        return work.run(items)
    except Exception:  # the load does it all again itself, and meets it there
        return _Chunk(None)


def _read_files(read: Reader[R], secrets: StoreSource, issue_found: Event, paths: Sequence[Path]) -> _Chunk[R]:
    values_before, used_before = registered_secret_values(), set(secrets.used)
    outcomes = []
    for path in paths:
        outcome = read(path, declaring=not issue_found.is_set())
        if outcome.issues:
            issue_found.set()
        outcomes.append(outcome)
    return _Chunk(outcomes, registered_secret_values() - values_before, frozenset(secrets.used - used_before))


def _time_allowed(files: int) -> float:
    """How long one chunk may take once the chunks before it are done: far more than its files take,
    even hashing their bank accounts (0.1 to 0.3 s a hash); only a worker that hangs reaches it."""
    return 60.0 + files * 1.0


def _stop(pool: ProcessPoolExecutor, *, cancel: bool = True) -> None:
    """End the workers now, whatever they are doing (shutting down alone would wait for one that hangs).
    Without ``cancel`` the pool fails every task it still holds (``BrokenProcessPool``) instead."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=cancel)
    for process in processes:
        process.kill()
        process.join(timeout=5)


def _in_pool(run: Callable[[Sequence[Any]], _Chunk[Any]], items: Sequence[Any], count: int) -> list[_Chunk[Any]] | None:
    """``run`` of each chunk of ``items`` in ``count`` forked workers, in order; None when any failed."""
    global _work
    _work = _Work(run)
    chunks = [list(items[start : start + CHUNK_FILES]) for start in range(0, len(items), CHUNK_FILES)]
    try:
        pool = _forked_pool(count)
        try:
            with _frozen():  # the first submit forks every worker
                futures = [pool.submit(_run_chunk, chunks[0])]
            futures += [pool.submit(_run_chunk, chunk) for chunk in chunks[1:]]
            done = [
                future.result(timeout=_time_allowed(len(chunk))) for future, chunk in zip(futures, chunks, strict=True)
            ]
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown()
    except Exception:  # a worker died (BrokenProcessPool), hangs, or an outcome did not pickle
        return None
    finally:
        _work = None
    return None if any(chunk.outcomes is None for chunk in done) else done


def in_workers(
    read: Reader[R], paths: Sequence[Path], secrets: StoreSource, *, issue_found: bool = False
) -> list[R] | None:
    """``read`` of every path, in order, by worker processes; None when the load is to read them
    itself: too few files, one core, no fork here, a store that cannot be opened, or a worker that
    failed. ``issue_found``: the load has an issue already, so no file is to be declared."""
    count = worker_count(len(paths))
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
    done = _in_pool(functools.partial(_read_files, read, secrets, found), paths, count)
    if done is None:
        return None
    outcomes: list[R] = []
    for chunk in done:
        outcomes.extend(chunk.outcomes or ())
        add_secret_forms(chunk.secret_values)
        secrets.used |= chunk.secrets_used
    if opened_here and not secrets.used:
        secrets.forget()  # as a load that needed no value of the store: never opened
    return outcomes


def mapped_in_workers(function: Callable[[T], U], items: Sequence[T]) -> list[U] | None:
    """``function`` of each item, in order, by worker processes (as many as for as many files); None
    when the caller is to do it itself."""
    count = worker_count(len(items))
    if count < 2 or not items:
        return None
    done = _in_pool(lambda chunk: _Chunk([function(item) for item in chunk]), items, count)
    return None if done is None else [outcome for chunk in done for outcome in chunk.outcomes or ()]


class Workers:
    """Worker processes forked once, before a command starts its work, for work it hands out as it goes
    (``import`` makes each account's file as Klarna's list comes in). Forked at once, while the process
    runs one thread: its event loop, its progress bar and its resolver start theirs later."""

    def __init__(self, count: int) -> None:
        self._pool = _forked_pool(count)
        self.broken = False
        try:
            with _frozen():
                self._pool.submit(os.getpid).result(timeout=_time_allowed(0))  # every worker is forked now
        except BaseException:  # none is left behind, whatever stopped them starting (an interrupt too)
            _stop(self._pool)
            raise

    def submit(self, function: Callable[[list[T]], U], items: list[T]) -> Future[U]:
        """``function(items)`` in a worker: ``function`` is found there by its name, ``items`` are pickled."""
        return self._pool.submit(function, items)

    def time_allowed(self, items: int) -> float:
        """How long a batch of ``items`` may take once handed out, before its worker is taken to hang."""
        return _time_allowed(items)

    def fail(self) -> None:
        """A worker failed (or the pool broke): the rest is done here, and no worker is waited for. Not
        cancelled: the pool fails every batch it still holds (``BrokenProcessPool``), each made here."""
        self.broken = True
        _stop(self._pool, cancel=False)

    def close(self) -> None:
        # Every batch is taken back by now: an idle worker is ended, not waited for (one stopped would hang).
        _stop(self._pool)

    def stop(self) -> None:
        _stop(self._pool)


@contextmanager
def forked_workers(many: bool) -> Iterator[Workers | None]:
    """Workers for a command's run (None: too little work, one core, or no fork here); stopped at once
    when the run ends in an error or an interrupt, and shut down when it ends well."""
    count = worker_count(MIN_FILES) if many else 1
    workers = None
    if count > 1:
        try:
            workers = Workers(count)
        except Exception:  # no process could start: the command does its work itself
            workers = None
    try:
        yield workers
    except BaseException:
        if workers is not None:
            workers.stop()
        raise
    if workers is not None:
        workers.close()
