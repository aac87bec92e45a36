"""Loading in worker processes (``desired.workers``) gives exactly what loading in one process gives.

Each test loads one fleet twice, in this process alone and with two forked workers over chunks of three
files (the fleets here are far below ``MIN_FILES``, so the tests set the count), and compares the whole
outcome: merchants, notices, withheld files, the secrets used, and every issue in its order.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler import processes, sensitive
from reconciler.cli import main
from reconciler.desired import bank_hashing, normalise, workers
from reconciler.desired import load as load_module
from reconciler.desired.load import DesiredState, load_desired
from reconciler.desired.secret_store import SecretsStore, StoreSource, parse_identities
from reconciler.errors import InputError
from reconciler.sensitive import is_secret_value

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLES = REPOSITORY / "desired-state"
FLEET = 20
SALT_VARIABLE = "FLEET_BANK_ACCOUNT_SALT"
CHEAP = "time_cost: 1, memory_cost_kib: 1024, parallelism: 1"  # Argon2id parameters for tests
HASHING = f"klarna:\n  bank_account_hashing: {{salt_env: {SALT_VARIABLE}, {CHEAP}}}\n"


def _iban(bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + "NO00")
    return f"NO{98 - int(digits) % 97:02d}{bban}"


class Fleet:
    """The examples, with ``FLEET`` more merchants made from Nordic Bikes, each with values of its own:
    its IBAN and owner's national id in the secrets store, its owner's email from the environment."""

    def __init__(self, root: Path, *, hashing: bool = False) -> None:
        self.directory = root / "desired-state"
        shutil.copytree(EXAMPLES, self.directory)
        identity = (self.directory / "sandbox-test-identity.txt").read_text(encoding="utf-8")
        store = SecretsStore.open(self.directory, parse_identities(identity, "identity"))
        template = (self.directory / "merchants" / "nordic-bikes.yaml").read_text(encoding="utf-8")
        run = uuid.uuid4().int % 10**7  # values no other test registered as secrets in this process
        self.environ = {SALT_VARIABLE: "fleet-salt-0123456789"}
        self.ibans: list[str] = []
        for n in range(FLEET):
            iban = _iban(f"{run:07d}{n:04d}")
            self.ibans.append(iban)
            store.set(f"FLEET_{n}_IBAN", iban)
            store.set(f"FLEET_{n}_OWNER_ID", f"{n:02d}0{run:07d}")
            self.environ[f"FLEET_{n}_EMAIL"] = f"owner{n}@example.com"
            text = (
                template.replace("NB-2024-0001", f"FL-{n:04d}")
                .replace("T11200101", f"T2{n:07d}")
                .replace("8dd25736a001", f"8dd25737{n:04d}")
                .replace("8dd25736a002", f"8dd25738{n:04d}")
                .replace('"08038200000"', f'"0803{n:03d}0000"')
                .replace("NORDIC_BIKES_IBAN", f"FLEET_{n}_IBAN")
                .replace("NORDIC_BIKES_OWNER_NATIONAL_ID", f"FLEET_{n}_OWNER_ID")
                .replace("email: ola.nordmann@example.com", f"email: !env FLEET_{n}_EMAIL")
            )
            (self.directory / "merchants" / f"fleet-{n:02d}.yaml").write_text(text, encoding="utf-8")
        store.save()
        if hashing:
            config = self.directory / "reconciler.yaml"
            config.write_text(config.read_text(encoding="utf-8") + HASHING, encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        (self.directory / "merchants" / name).write_text(text, encoding="utf-8")


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return Fleet(tmp_path)


def _with_workers(monkeypatch: pytest.MonkeyPatch, count: int) -> list[object]:
    """Load with ``count`` workers over chunks of three files; returns what each in_workers call gave."""
    monkeypatch.setattr(processes, "worker_count", lambda files: count)
    monkeypatch.setattr(processes, "CHUNK_FILES", 3)
    given: list[object] = []
    real = workers.in_workers

    def spied(*args: Any, **kwargs: Any) -> Any:
        outcome = real(*args, **kwargs)
        given.append(outcome)
        return outcome

    monkeypatch.setattr(workers, "in_workers", spied)
    return given


def _load(directory: Path, environ: dict[str, str], **options: Any) -> DesiredState | list[str]:
    """The state loaded, or the issues that stopped it (as printed)."""
    try:
        return load_desired(directory, environ=environ, notify=None, **options)
    except InputError as error:
        return [str(issue) for issue in error.issues]


def _outcome(loaded: DesiredState | list[str]) -> object:
    if isinstance(loaded, list):
        return loaded
    return (
        [(m.account_reference, m.dintero_account_id, m.source, m.canonical, m.origins) for m in loaded.merchants],
        loaded.notices,
        loaded.withheld_files,
        sorted(loaded.secrets.used) if loaded.secrets is not None else None,
        loaded.partner,
    )


def _both(monkeypatch: pytest.MonkeyPatch, fleet: Fleet, **options: Any) -> tuple[object, object]:
    """The outcome with two workers (checked to have come from them) and in this process alone."""
    with monkeypatch.context() as patch:
        given = _with_workers(patch, 2)
        in_workers = _outcome(_load(fleet.directory, fleet.environ, **options))
    assert given and all(outcome is not None for outcome in given), "the workers were not used"
    with monkeypatch.context() as patch:
        _with_workers(patch, 1)
        alone = _outcome(_load(fleet.directory, fleet.environ, **options))
    return in_workers, alone


@pytest.mark.parametrize("check_only", [False, True], ids=["plan", "validate"])
def test_workers_load_what_one_process_loads(monkeypatch: pytest.MonkeyPatch, fleet: Fleet, check_only: bool) -> None:
    # validate finds a secret no file uses from the names the files used: the workers' names come back.
    in_workers, alone = _both(monkeypatch, fleet, check_only=check_only)
    assert not isinstance(alone, list), alone
    assert len(alone[0]) == FLEET + 5  # type: ignore[index]
    assert in_workers == alone


def test_bank_accounts_hashed_by_workers_are_the_ones_hashed_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fleet = Fleet(tmp_path, hashing=True)
    in_workers, alone = _both(monkeypatch, fleet)
    assert not isinstance(alone, list), alone
    assert b'"iban_hash"' in alone[0][-1][3]  # type: ignore[index]
    assert in_workers == alone


def test_secret_values_read_by_workers_are_masked_in_the_loading_process(
    monkeypatch: pytest.MonkeyPatch, fleet: Fleet
) -> None:
    """The values of ``!secret`` a worker read are masked here too: a plan prints what this process masks."""
    later = fleet.ibans[-5:]  # files the workers read (the first file is read here)
    assert not any(is_secret_value(iban) for iban in later)
    with monkeypatch.context() as patch:
        given = _with_workers(patch, 2)
        assert not isinstance(_load(fleet.directory, fleet.environ), list)
    assert given and given[0] is not None
    assert all(is_secret_value(iban) for iban in later)


def test_phone_numbers_parsed_by_workers_are_not_parsed_again_here(
    monkeypatch: pytest.MonkeyPatch, fleet: Fleet
) -> None:
    """A plan reads each merchant's phone numbers again in the live state, in this process."""
    numbers = [f"+4723{n:06d}" for n in range(FLEET)]
    for n, number in enumerate(numbers):
        path = fleet.directory / "merchants" / f"fleet-{n:02d}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("+4722000001", number), encoding="utf-8")
    parsed: list[str] = []
    real = normalise._parsed_e164

    def counted(text: str) -> tuple[str | None, str]:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(normalise, "_parsed_e164", counted)
    with monkeypatch.context() as patch:
        given = _with_workers(patch, 2)
        assert not isinstance(_load(fleet.directory, fleet.environ), list)
    assert given and given[0] is not None
    here = set(parsed)  # this process parsed the first file's (before the fork), and nothing the workers did
    assert not here & set(numbers[1:])
    assert all(normalise.normalise_phone(number) == number for number in numbers)
    assert set(parsed) == here  # all remembered: none parsed here now


def test_issues_found_by_workers_are_the_ones_found_here_in_order(
    monkeypatch: pytest.MonkeyPatch, fleet: Fleet
) -> None:
    template = (fleet.directory / "merchants" / "fleet-03.yaml").read_text(encoding="utf-8")
    fleet.write("fleet-03-copy.yaml", template.replace("FL-0003", "FL-9003"))  # values another merchant has
    fleet.write("fleet-07.yaml", "account_reference: FL-0007\nklarna: [unclosed\n")
    fleet.write("fleet-11.yaml", template.replace("FL-0003", "FL-0011").replace("account_name:", "account_nme:"))
    in_workers, alone = _both(monkeypatch, fleet)
    assert isinstance(alone, list) and len(alone) > 3, alone
    assert any("fleet-07.yaml:3:1: YAML syntax error" in issue for issue in alone)
    assert any("also used by another merchant" in issue for issue in alone)
    assert in_workers == alone


def _fail_in_workers(monkeypatch: pytest.MonkeyPatch, how: Callable[[], None]) -> None:
    """``how`` happens when a worker (not this process) reads ``fleet-08.yaml``."""
    here, real = os.getpid(), load_module._read_merchant

    def reading(path: Path, *args: Any, **kwargs: Any) -> Any:
        if os.getpid() != here and path.name == "fleet-08.yaml":
            how()
        return real(path, *args, **kwargs)

    monkeypatch.setattr(load_module, "_read_merchant", reading)


def _raise() -> None:
    raise RuntimeError("a worker's own failure")


def _hang() -> None:
    time.sleep(HANG_SECONDS)


HANG_SECONDS = 60.0


@pytest.mark.parametrize("how", [_raise, lambda: os._exit(3), _hang], ids=["raises", "dies", "hangs"])
def test_a_worker_that_fails_leaves_the_load_to_this_process(
    monkeypatch: pytest.MonkeyPatch, fleet: Fleet, how: Callable[[], None]
) -> None:
    with monkeypatch.context() as patch:
        _with_workers(patch, 1)
        alone = _outcome(_load(fleet.directory, fleet.environ))
    with monkeypatch.context() as patch:
        given = _with_workers(patch, 2)
        _fail_in_workers(patch, how)
        patch.setattr(processes, "_time_allowed", lambda files: 2.0)
        after_failure = _outcome(_load(fleet.directory, fleet.environ))
    assert given == [None]  # the workers gave nothing: this process read every file
    assert after_failure == alone
    assert multiprocessing.active_children() == []  # none left running (one that hangs is killed)


def test_a_store_that_cannot_be_opened_is_met_as_without_workers(monkeypatch: pytest.MonkeyPatch, fleet: Fleet) -> None:
    """Without its identity the store cannot be decrypted: the workers are not used, and the load fails
    where a file names a secret, with the error of a load without workers."""
    config = fleet.directory / "reconciler.yaml"
    text = config.read_text(encoding="utf-8")
    assert "secrets:\n  identity_file: sandbox-test-identity.txt\n" in text
    config.write_text(text.replace("secrets:\n  identity_file: sandbox-test-identity.txt\n", ""), encoding="utf-8")
    outcomes = []
    for count in (2, 1):
        with monkeypatch.context() as patch:
            given = _with_workers(patch, count)
            with pytest.raises(Exception) as caught:
                load_desired(fleet.directory, environ=fleet.environ, notify=None)
            outcomes.append((type(caught.value), str(caught.value)))
        if count == 2:
            assert given == [None]
    assert outcomes[0] == outcomes[1]
    assert "needs an age identity" in outcomes[0][1]


def test_workers_are_forked_only_from_a_process_with_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processes, "_one_thread", lambda: True)
    monkeypatch.setattr(processes.sys, "platform", "linux")
    monkeypatch.setattr(processes, "cores", lambda: 4)
    many = processes.MIN_FILES * 10
    assert processes.worker_count(many) == 4
    assert processes.worker_count(processes.MIN_FILES - 1) == 1
    monkeypatch.setattr(processes, "cores", lambda: 64)
    assert processes.worker_count(many) == processes.MAX_WORKERS
    assert processes.worker_count(processes.MIN_FILES) == processes.MIN_FILES // processes.CHUNK_FILES  # a chunk each
    monkeypatch.setattr(processes, "_one_thread", lambda: False)
    assert processes.worker_count(many) == 1
    monkeypatch.setattr(processes, "_one_thread", lambda: True)
    monkeypatch.setattr(processes.sys, "platform", "darwin")
    assert processes.worker_count(many) == 1


def test_a_python_thread_is_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processes.threading, "active_count", lambda: 2)
    assert not processes._one_thread()


def test_what_the_command_printed_before_loading_is_printed_once(tmp_path: Path) -> None:
    """A forked worker flushes, as it exits, the output buffers it was born with: what the loading
    process had written to a pipe and not yet flushed must not come out once per worker more
    (multiprocessing flushes before it forks)."""
    fleet = Fleet(tmp_path)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reconciler import processes\n"
        "from reconciler.desired import workers\n"
        "from reconciler.desired.load import load_desired\n"
        "processes.worker_count = lambda files: 2\n"
        "processes.CHUNK_FILES = 3\n"
        "given = []\n"
        "real = workers.in_workers\n"
        "workers.in_workers = lambda *a, **k: given.append(real(*a, **k)) or given[-1]\n"
        "sys.stdout.write('printed before loading\\n')\n"
        f"state = load_desired(Path({str(fleet.directory)!r}), environ={fleet.environ!r}, notify=None)\n"
        "sys.stdout.write(f'workers used: {given[0] is not None}, merchants: {len(state.merchants)}\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"printed before loading\nworkers used: True, merchants: {FLEET + 5}\n"


def _children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` and that have not ended (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_end_with_a_loading_process_that_is_killed(tmp_path: Path) -> None:
    """A load killed from outside (a supervisor's SIGTERM, the OOM killer) left its workers running for good,
    holding the decrypted store and every pipe it had (``reconciler plan | tee`` never ended)."""
    fleet = Fleet(tmp_path)
    script = (
        "import os, time\n"
        "from pathlib import Path\n"
        "from reconciler import processes\nfrom reconciler.desired import load\n"
        "processes.worker_count = lambda files: 2\n"
        "processes.CHUNK_FILES = 3\n"
        "here, real = os.getpid(), load._read_merchant\n"
        "def slow(path, *args, **kwargs):\n"
        "    if os.getpid() != here:\n"
        "        time.sleep(120)  # a worker busy when the load is killed\n"
        "    return real(path, *args, **kwargs)\n"
        "load._read_merchant = slow\n"
        f"load.load_desired(Path({str(fleet.directory)!r}), environ={fleet.environ!r}, notify=None)\n"
    )
    loading = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    try:
        for _ in range(600):  # at most 30 s for both workers to start
            children = _children_of(loading.pid)
            if len(children) >= 2:
                break
            time.sleep(0.05)
        assert len(children) == 2, "the workers did not start"
        loading.terminate()
        loading.wait(timeout=30)
        for _ in range(200):  # at most 10 s for the kernel to end them
            if not any(_alive(pid) for pid in children):
                break
            time.sleep(0.05)
        assert [pid for pid in children if _alive(pid)] == []
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if loading.poll() is None:
            loading.kill()
            loading.wait(timeout=30)


def _logged_hashes(monkeypatch: pytest.MonkeyPatch, log: Path) -> Path:
    """``log`` gets a line for each hash computed, in any process: the pid of the one that computed it."""
    real = bank_hashing.BankAccountHasher.computed

    def counted(self: Any, number: str) -> str:
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)  # one file for every process
        try:
            os.write(descriptor, f"{os.getpid()}\n".encode())
        finally:
            os.close(descriptor)
        return real(self, number)

    monkeypatch.setattr(bank_hashing.BankAccountHasher, "computed", counted)
    return log


def test_a_load_with_an_issue_hashes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Workers hashed every IBAN of a load that failed (with Klarna's Argon2id costs, 25 s for 300 files),
    and one process hashed the files before the first issue: a load with an issue keeps no merchant, so
    it hashes none, in one process or with workers."""
    fleet = Fleet(tmp_path, hashing=True)
    log = _logged_hashes(monkeypatch, tmp_path / "hashes.log")
    with monkeypatch.context() as patch:
        _with_workers(patch, 1)
        assert not isinstance(_load(fleet.directory, fleet.environ), list)
    assert len(log.read_bytes().splitlines()) >= FLEET  # the count sees every hash
    broken = fleet.directory / "merchants" / "fleet-12.yaml"  # a file a worker reads
    broken.write_text(broken.read_text(encoding="utf-8").replace("account_name:", "account_nme:"), encoding="utf-8")
    for count in (1, 2):
        log.write_bytes(b"")
        with monkeypatch.context() as patch:
            given = _with_workers(patch, count)
            assert isinstance(_load(fleet.directory, fleet.environ), list)  # the issue stops the load
        if count == 2:
            assert given and given[0] is not None
        assert log.read_bytes() == b"", count


def test_the_masking_registry_is_the_one_of_one_process(monkeypatch: pytest.MonkeyPatch, fleet: Fleet) -> None:
    """The forms of each secret a worker registered were registered again here, making forms of forms
    (the NFC of an upper-cased value) that one process never registers."""
    path = fleet.directory / "merchants" / "fleet-09.yaml"  # read by a worker
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("iban: !secret FLEET_9_IBAN", "iban: !env ODD_IBAN"), encoding="utf-8")
    environ = {**fleet.environ, "ODD_IBAN": "NO93 \u0390 8601 1117 947"}  # an !env value at a sensitive path
    registries = {}
    for count in (1, 2):
        with monkeypatch.context() as patch:
            patch.setattr(sensitive, "_secret_values", set())
            given = _with_workers(patch, count)
            _load(fleet.directory, environ)
            registries[count] = set(sensitive._secret_values)
        if count == 2:
            assert given and given[0] is not None
    assert registries[2] == registries[1]


def test_no_worker_is_forked_from_a_process_running_native_threads() -> None:
    """uvloop resolves names on libuv's own threads, which Python does not count: `import --all` loads the
    desired state inside its event loop, after its requests."""
    script = (
        "import asyncio, os, uvloop\n"
        "from reconciler import processes\n"
        "async def resolve():\n"
        "    await asyncio.get_running_loop().getaddrinfo('localhost', 443)\n"
        "uvloop.run(resolve())\n"
        "print(len(os.listdir('/proc/self/task')), processes.worker_count(10_000))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    threads, count = map(int, done.stdout.split())
    assert threads > 1
    assert count == 1


def _read_name(path: Path, *, declaring: bool = True) -> SimpleNamespace:
    return SimpleNamespace(issues=[], name=path.name)


def test_the_store_is_left_unopened_when_no_file_needs_it(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers' store is decrypted before the fork; a load none of whose files named a secret then
    looks as one that never opened it (``opened_store`` gives nothing to add to)."""
    identity = (fleet.directory / "sandbox-test-identity.txt").read_text(encoding="utf-8")
    source = StoreSource(fleet.directory, lambda: parse_identities(identity, "identity"), need_values=True)
    monkeypatch.setattr(processes, "worker_count", lambda files: 2)
    paths = [Path(f"/nowhere/{n}.yaml") for n in range(4)]
    outcomes = workers.in_workers(_read_name, paths, source)
    assert outcomes is not None and [outcome.name for outcome in outcomes] == [path.name for path in paths]
    assert not source.decrypted and not source.opened and source.opened_store() is None


@pytest.mark.parametrize(("cpu_max", "limit"), [("max 100000\n", None), ("50000 100000\n", 1), ("250000 100000\n", 3)])
def test_the_cores_are_those_the_cgroup_allows(tmp_path: Path, cpu_max: str, limit: int | None) -> None:
    """A container given one CPU of a large host sees all the host's cores: its quota bounds the workers."""
    file = tmp_path / "cpu.max"
    file.write_text(cpu_max, encoding="ascii")
    affinity = len(os.sched_getaffinity(0))
    assert processes.cores(file) == (affinity if limit is None else min(affinity, limit))
    assert processes.cores(tmp_path / "absent") == affinity


def test_workers_are_forked_with_this_processs_objects_out_of_garbage_collection(
    monkeypatch: pytest.MonkeyPatch, fleet: Fleet
) -> None:
    """A worker's collector visited, and so copied, every object it inherited: with 7,000 files loaded
    before import's fork, 34 to 88 MB of private memory a worker, against 16 MB with them frozen."""
    import gc

    calls: list[str] = []
    real_freeze, real_unfreeze = gc.freeze, gc.unfreeze
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze") or real_freeze())
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze") or real_unfreeze())
    with monkeypatch.context() as patch:
        given = _with_workers(patch, 2)
        assert not isinstance(_load(fleet.directory, fleet.environ), list)
    assert given and given[0] is not None
    assert calls == ["freeze", "unfreeze"]
    assert gc.get_freeze_count() == 0  # this process collects as before


def test_workers_take_the_kept_hashes_and_compute_only_the_rest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The workers that hash the IBANs hold the hashes of bank-hashes.age: with every account's hash kept
    but one's, one hash is computed, and the state is the one a process alone gives."""
    fleet = Fleet(tmp_path, hashing=True)
    done = CliRunner().invoke(main, ["secrets", "hashes", "--desired", str(fleet.directory)], env=fleet.environ)
    assert done.exit_code == 0, done.output
    identity = (fleet.directory / "sandbox-test-identity.txt").read_text(encoding="utf-8")
    store = SecretsStore.open(fleet.directory, parse_identities(identity, "identity"))
    store.set("FLEET_3_IBAN", _iban("99999990003"))  # an account changed since the hashes were kept
    store.save()
    log = _logged_hashes(monkeypatch, tmp_path / "hashes.log")
    outcomes = []
    for count in (2, 1):
        log.write_bytes(b"")
        with monkeypatch.context() as patch:
            _with_workers(patch, count)
            outcomes.append(_outcome(_load(fleet.directory, fleet.environ)))
        computed = log.read_text(encoding="utf-8").split()
        assert len(computed) == 1, (count, computed)
        assert (computed[0] != str(os.getpid())) == (count == 2)  # a worker computed it
    assert outcomes[0] == outcomes[1]
    (fleet.directory / "bank-hashes.age").unlink()  # every hash computed: the same merchants
    computing = _outcome(_load(fleet.directory, fleet.environ))
    assert isinstance(computing, tuple) and isinstance(outcomes[0], tuple) and computing[0] == outcomes[0][0]
