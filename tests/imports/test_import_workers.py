"""``import`` with worker processes making the files (``desired.workers.Workers``) writes what it writes alone.

The seeded sandbox here holds far fewer accounts than a fleet, so the tests ask for two workers and small
batches; each import is compared whole with one made in this process: every file byte for byte, the values
of the secrets store, the report and the exit code.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from reconciler.desired import workers
from reconciler.desired.secret_store import write_recipients
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


def _two_workers(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Two workers, batches of three accounts; returns the workers each import was given."""
    monkeypatch.setattr(workers, "worker_count", lambda files: 2)
    monkeypatch.setattr(import_run, "MAKE_BATCH", 3)
    given: list[object] = []
    real = workers.Workers

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, count: int) -> None:
            super().__init__(count)
            self.batches = 0
            given.append(self)

        def submit(self, function: Any, items: list[Any]) -> Any:
            self.batches += 1
            return super().submit(function, items)

    monkeypatch.setattr(workers, "Workers", Counted)
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


def test_a_worker_that_fails_leaves_the_files_to_this_process(
    cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(cli)
    alone = _imported(cli, keys, "alone")
    here, real = os.getpid(), import_run._make_all

    def failing(accounts: list[Any]) -> Any:
        if os.getpid() != here:
            raise RuntimeError("a worker's own failure")
        return real(accounts)

    with monkeypatch.context() as patch:
        given = _two_workers(patch)
        patch.setattr(import_run, "_make_all", failing)
        after_failure = _imported(cli, keys, "after-failure")
    assert len(given) == 1 and given[0].broken  # type: ignore[attr-defined]
    assert after_failure == alone


def test_no_worker_is_forked_for_a_few_references(cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(cli)
    with monkeypatch.context() as patch:
        given = _two_workers(patch)
        directory = cli.workdir / "one"
        directory.mkdir()
        write_recipients(directory, [str(keys.identity.to_public())])
        assert cli.run("import", "--reference", "SBX000001", "--desired", str(directory)).exit_code == 0
    assert given == []
