"""Worker processes forked from this one, for Python work that would otherwise use one core.

Reading and validating thousands of merchant files, or making thousands of imported ones, is Python work
done one core at a time under the interpreter's lock. The commands hand it out in chunks to worker
processes forked from themselves, which hold what the command has read already (inherited, never
pickled), and take the outcomes back in order (``desired.workers`` for the load, ``imports.run`` for
import's files).

Workers are forked, never spawned, on Linux only, and only from a process running no other thread,
native ones included (a lock another thread holds would stay held in the child: uvloop's resolver
leaves threads Python does not count); as many as the cores the process may use, within its cgroup's
CPU quota. They are forked with this process's objects out of garbage collection (a worker's collector
would copy every page it inherited), end with the process that forked them, however that ends, and
leave Ctrl-C to it. A chunk that fails in a worker (an exception, a worker that dies or hangs past its
time) gives nothing back: the caller then does the work itself, so its outcome, errors included, is the
one of a single process.
"""

from __future__ import annotations

import ctypes
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
from pathlib import Path
from typing import Any, TypeVar

C = TypeVar("C")
T = TypeVar("T")
U = TypeVar("U")

# Below this many items (merchant files, accounts) a fork costs more than it saves (a worker starts in
# about 10 ms).
MIN_FILES = 256
CHUNK_FILES = 64
MAX_WORKERS = 8
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
# Set for the fork: what a worker does with a chunk, inherited, not pickled.
_work: _Work | None = None


@dataclass(frozen=True)
class _Work:
    run: Callable[[Sequence[Any]], Any]


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


def _run_chunk(items: Sequence[Any]) -> Any:
    """In a worker: one chunk's outcome, or None when anything goes wrong."""
    work = _work
    return None if work is None else _guarded(work.run, items)


def _guarded(function: Callable[[T], U], items: T) -> U | None:
    """In a worker: ``function(items)``, or None when anything goes wrong."""
    try:
        return function(items)
    except Exception:  # the caller does it again itself, and meets it there
        return None


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


def in_pool(run: Callable[[Sequence[Any]], C | None], items: Sequence[Any], count: int) -> list[C] | None:
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
    return None if any(chunk is None for chunk in done) else done


def mapped_in_workers(function: Callable[[T], U], items: Sequence[T]) -> list[U] | None:
    """``function`` of each item, in order, by worker processes (as many as for as many files); None
    when the caller is to do it itself."""
    count = worker_count(len(items))
    if count < 2 or not items:
        return None
    done: list[list[U]] | None = in_pool(lambda chunk: [function(item) for item in chunk], items, count)
    return None if done is None else [outcome for chunk in done for outcome in chunk]


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
            self.stop()
            raise

    def submit(self, function: Callable[[list[T]], U], items: list[T]) -> Future[U | None]:
        """``function(items)`` in a worker, or None when it raised there: the caller does it again itself,
        and meets the error (an exception never travels back: some do not unpickle). ``function`` is found
        there by its name, ``items`` are pickled."""
        return self._pool.submit(_guarded, function, items)

    def time_allowed(self, items: int) -> float:
        """How long a batch of ``items`` may take once handed out, before its worker is taken to hang."""
        return _time_allowed(items)

    def fail(self) -> None:
        """A worker failed (or the pool broke): the rest is done here, and no worker is waited for. Not
        cancelled: the pool fails every batch it still holds (``BrokenProcessPool``), each made here."""
        self.broken = True
        _stop(self._pool, cancel=False)

    def stop(self) -> None:
        """End every worker now (an idle one is not waited for: one stopped would hang the end)."""
        _stop(self._pool)


@contextmanager
def forked_workers(many: bool) -> Iterator[Workers | None]:
    """Workers for a command's run (None: too little work, one core, or no fork here), ended when the
    run ends, however it ends: by then every batch has been taken back, or is not wanted."""
    count = worker_count(MIN_FILES) if many else 1
    workers = None
    if count > 1:
        try:
            workers = Workers(count)
        except Exception:  # no process could start: the command does its work itself
            workers = None
    try:
        yield workers
    finally:
        if workers is not None:
            workers.stop()
