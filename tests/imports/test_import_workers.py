"""``import`` with worker processes making the files (``reconciler.processes.Workers``) writes what it writes alone.

The seeded sandbox here holds far fewer accounts than a fleet, so the tests ask for two workers and small
batches; each import is compared whole with one made in this process: every file byte for byte, the values
of the secrets store, the report and the exit code.
"""

from __future__ import annotations

import concurrent.futures
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from reconciler import processes
from reconciler.cli import import_command
from reconciler.desired.secret_store import write_recipients
from reconciler.errors import ApiError, InputError, InputIssue, ReadFailed
from reconciler.imports import run as import_run
from tests.imports.conftest import Keys
from tests.plan.conftest import Cli

ACCOUNTS = 14


def _seed(cli: Cli) -> None:
    response = cli.live.klarna.post("/_sandbox/seed", json={"count": ACCOUNTS, "seed": 11})
    assert response.status_code == 200, response.text


def _imported(cli: Cli, keys: Keys, name: str, *options: str) -> tuple[int, str, dict[str, bytes], dict[str, str]]:
    """Import into a new directory: the exit code, the report, every file written and the store's values."""
    directory = cli.workdir / name
    directory.mkdir()
    write_recipients(directory, [str(keys.identity.to_public())])
    done = cli.run("import", "--all", *options, "--desired", str(directory))
    files = {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*.yaml"))
        if path.is_file()
    }
    report = done.output.replace(str(directory), "DIR")
    return done.exit_code, report, files, dict(keys.store(directory).values)


def _two_workers(monkeypatch: pytest.MonkeyPatch, *, one_by_one: bool = False) -> list[object]:
    """Two workers, batches of three accounts; returns the workers each import was given. ``one_by_one``:
    each batch is done before the next is handed out (as when Klarna's next page is slow)."""
    monkeypatch.setattr(processes, "worker_count", lambda files: 2)
    monkeypatch.setattr(import_run, "MAKE_BATCH", 3)
    given: list[object] = []
    real = processes.Workers

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, count: int) -> None:
            super().__init__(count)
            self.batches = 0
            self.handed: list[Any] = []
            given.append(self)

        def submit(self, function: Any, items: list[Any]) -> Any:
            if one_by_one and self.handed:
                concurrent.futures.wait(self.handed)
                time.sleep(0.2)  # the pool's own thread has seen a worker end by now
            self.batches += 1
            future = super().submit(function, items)
            self.handed.append(future)
            return future

    monkeypatch.setattr(processes, "Workers", Counted)
    return given


@pytest.mark.parametrize("options", [(), ("--profiles",)], ids=["files", "profiles"])
def test_files_made_by_workers_are_those_made_here(
    cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> None:
    _seed(cli)
    alone = _imported(cli, keys, "alone", *options)
    with monkeypatch.context() as patch:
        given = _two_workers(patch)
        by_workers = _imported(cli, keys, "by-workers", *options, "--force")
    assert len(given) == 1 and not given[0].broken  # type: ignore[attr-defined]
    assert given[0].batches == -(-ACCOUNTS // 3)  # type: ignore[attr-defined]  # every account, by the workers
    assert alone[0] == 0, alone[1]
    assert len([name for name in alone[2] if name.startswith("merchants/")]) == ACCOUNTS
    assert by_workers == alone


def _in_workers_only(monkeypatch: pytest.MonkeyPatch, happen: Callable[[], None], marker: Path) -> None:
    """``happen`` when a worker (not this process) makes an account's file; ``marker`` says one did. The
    worker calls ``_make`` through ``_make_all``, which is handed over by name: a test's own function
    would not pickle, and would fail in this process instead."""
    here, real = os.getpid(), import_run._make

    def making(account: Any) -> Any:
        if os.getpid() != here:
            marker.touch()
            happen()
        return real(account)

    monkeypatch.setattr(import_run, "_make", making)


def _raise() -> None:
    raise RuntimeError("a worker's own failure")


@pytest.mark.parametrize("how", [_raise, lambda: os._exit(1)], ids=["raises", "dies"])
def test_a_worker_that_fails_leaves_the_files_to_this_process(
    cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch, how: Callable[[], None]
) -> None:
    """A worker that died broke the pool, and the next batch handed out raised BrokenProcessPool: a
    traceback and nothing written, where one process would have imported every merchant."""
    _seed(cli)
    alone = _imported(cli, keys, "alone")
    marker = cli.workdir / "a-worker-made-one"
    with monkeypatch.context() as patch:
        given = _two_workers(patch, one_by_one=True)
        _in_workers_only(patch, how, marker)
        after_failure = _imported(cli, keys, "after-failure")
    assert marker.exists()  # the failure happened in a worker
    assert len(given) == 1 and given[0].broken  # type: ignore[attr-defined]
    assert after_failure == alone


HANG_SECONDS = 3600.0


def test_a_worker_that_hangs_leaves_its_batch_to_this_process(
    cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import whose worker hung (stopped, stuck) waited for it for ever."""
    _seed(cli)
    alone = _imported(cli, keys, "alone")
    marker = cli.workdir / "a-worker-made-one"
    outcome: list[object] = []
    with monkeypatch.context() as patch:
        given = _two_workers(patch)
        _in_workers_only(patch, lambda: time.sleep(HANG_SECONDS), marker)
        patch.setattr(processes, "_time_allowed", lambda items: 2.0)
        thread = threading.Thread(target=lambda: outcome.append(_imported(cli, keys, "after-hang")), daemon=True)
        thread.start()
        thread.join(timeout=120)
        hung = thread.is_alive()
        if hung:  # ends the workers, so that the test ends
            given[0].stop()  # type: ignore[attr-defined]
            thread.join(timeout=60)
    assert not hung
    assert marker.exists() and outcome == [alone]


@pytest.mark.parametrize(
    "error",
    [
        InputError([InputIssue("merchants/m1.yaml", 1, 1, "odd")]),
        ReadFailed([ApiError("klarna", "list_accounts", 500, "odd", merchant="M1")]),
    ],
    ids=["InputError", "ReadFailed"],
)
def test_an_error_comes_back_whole_from_another_process(error: Exception) -> None:
    """These did not unpickle (their args hold the rendered text, which __init__ takes for a list): raised in
    a worker, the pool's own thread failed reading the answer and broke the pool."""
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error)


def test_the_progress_bar_counts_accounts_made_by_the_workers(
    cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With workers the bar counted an account as taken from the list, before its batch was handed out,
    and stood at its end while up to MAKE_AHEAD + 1 batches were still being made."""
    _seed(cli)
    trace = cli.workdir / "made.txt"
    trace.touch()
    real = import_run._make

    def traced(account: Any) -> Any:  # in this process and in the workers alike
        with open(trace, "a", encoding="utf-8") as out:
            out.write(account.reference + "\n")
        return real(account)

    counted: list[tuple[int, int]] = []  # (the count after a call, the files made before it)

    @contextmanager
    def progress(total: int | None) -> Iterator[Callable[[int], None]]:
        seen = [0]

        def advance(n: int) -> None:
            seen[0] += n
            counted.append((seen[0], len(trace.read_text(encoding="utf-8").split())))

        yield advance

    monkeypatch.setattr(import_run, "_make", traced)
    monkeypatch.setattr(import_command, "accounts_progress", progress)
    with monkeypatch.context() as patch:
        _two_workers(patch)
        assert _imported(cli, keys, "by-workers")[0] == 0
    assert counted and counted[-1][0] == ACCOUNTS
    # As in one process, where each call comes as its account is about to be made: never ahead of the files.
    assert all(count <= made + 1 for count, made in counted), counted


def test_no_worker_is_forked_for_a_few_references(cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(cli)
    with monkeypatch.context() as patch:
        given = _two_workers(patch)
        directory = cli.workdir / "one"
        directory.mkdir()
        write_recipients(directory, [str(keys.identity.to_public())])
        assert cli.run("import", "--reference", "SBX000001", "--desired", str(directory)).exit_code == 0
    assert given == []
