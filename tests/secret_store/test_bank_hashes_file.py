"""``bank-hashes.age``: the bank account hashes ``reconciler secrets hashes`` keeps for the next loads.

A load takes a hash from the file only when its entry holds for this salt, these Argon2id parameters and
this IBAN; anything else (no file, another recipient's, a damaged one, an altered or moved entry) costs a
hash computed again, never a wrong one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyrage
import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main, secrets_command
from reconciler.desired import bank_hashing, hash_cache
from reconciler.desired.hash_cache import HASHES_FILE
from reconciler.desired.load import load_desired
from reconciler.desired.secret_store import write_recipients
from reconciler.errors import InputError, InputIssue

from .conftest import KeyPair, WriteFile, age_decrypt, new_key_pair, stanza_bomb

SALT = "SALTCANARY-7f3a90c2"
CHEAP = "time_cost: 1, memory_cost_kib: 64, parallelism: 1"
FORMAT = "reconciler bank account hashes"
IBANS = {"m1": "DE89370400440532013000", "m2": "GB82WEST12345698765432", "m3": "NO9386011117947"}


def merchant(name: str, iban: str) -> str:
    return (
        f"account_reference: {name.upper()}\nklarna:\n  account_name: Shop {name}\n"
        f"  bank_accounts:\n    - {{account_holder: Shop {name}, iban: '{iban}'}}\n"
    )


@pytest.fixture
def fleet(desired_dir: Path, write: WriteFile, key: KeyPair) -> dict[str, str]:
    """Three merchants with hashing on (cheap costs, the salt from the environment), and a recipients file;
    the environment a command of theirs runs with."""
    write("reconciler.yaml", f"klarna:\n  bank_account_hashing: {{salt_env: SALT, {CHEAP}}}\n")
    for name, iban in IBANS.items():
        write(f"merchants/{name}.yaml", merchant(name, iban))
    write_recipients(desired_dir, [key.recipient])
    return {"SALT": SALT, **key.environ()}


class Hashes:
    """Counts the Argon2id hashes computed (not taken from the file)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = bank_hashing.BankAccountHasher.computed

        def counted(hasher: Any, number: str) -> str:
            self.count += 1
            return real(hasher, number)

        monkeypatch.setattr(bank_hashing.BankAccountHasher, "computed", counted)


def run(*args: str, env: dict[str, str]) -> Result:
    return CliRunner().invoke(main, ["secrets", *args], env=env, catch_exceptions=False)


def load(directory: Path, env: dict[str, str]) -> tuple[dict[str, bytes], list[InputIssue]]:
    notices: list[InputIssue] = []
    state = load_desired(directory, environ=env, notify=notices.append)
    return {m.account_reference: m.canonical for m in state.merchants}, notices


def plain(directory: Path, key: KeyPair) -> dict[str, Any]:
    data = (directory / HASHES_FILE).read_bytes()
    document: dict[str, Any] = json.loads(pyrage.decrypt(data, [pyrage.x25519.Identity.from_str(key.identity)]))
    return document


def seal(directory: Path, document: dict[str, Any], recipient: str) -> None:
    data = json.dumps(document).encode()
    (directory / HASHES_FILE).write_bytes(pyrage.encrypt(data, [pyrage.x25519.Recipient.from_str(recipient)]))


@pytest.fixture
def kept(desired_dir: Path, fleet: dict[str, str], key: KeyPair, store: Any) -> dict[str, Any]:
    """The fleet with a secrets store beside it and its hashes kept: the file's clear text."""
    store({"UNUSED_NAME": "x"})
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    return plain(desired_dir, key)


def test_a_load_takes_the_kept_hashes_and_gives_the_same_state(
    desired_dir: Path, fleet: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hashes = Hashes(monkeypatch)
    expected, notices = load(desired_dir, fleet)
    assert hashes.count == 3
    assert [str(notice) for notice in notices] == [
        f"{desired_dir / HASHES_FILE}:1:1: notice: 3 bank account hashes computed, there is no such file yet "
        "(Argon2id: about 0.1 s of CPU each at Klarna's costs); `reconciler secrets hashes` keeps them for the next "
        "loads"
    ]
    done = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert done.exit_code == 0, done.output
    assert "holds 3 bank account hash(es): 3 computed, 0 kept, 0 no longer used dropped" in done.output
    hashes.count = 0
    assert load(desired_dir, fleet) == (expected, [])
    assert hashes.count == 0


def test_the_file_holds_no_iban_nor_hash_in_clear(desired_dir: Path, fleet: dict[str, str], key: KeyPair) -> None:
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    state, _ = load(desired_dir, fleet)
    values = [json.loads(canonical)["klarna"]["bank_accounts"][0]["iban_hash"]["value"] for canonical in state.values()]
    sealed = (desired_dir / HASHES_FILE).read_text(encoding="ascii")
    assert sealed.startswith("-----BEGIN AGE ENCRYPTED FILE-----")
    for secret in [*IBANS.values(), *values, SALT]:
        assert secret not in sealed
    opened = json.dumps(plain(desired_dir, key))
    assert sorted(values) == sorted(entry[0] for entry in plain(desired_dir, key)["hashes"].values())
    for secret in [*IBANS.values(), SALT]:
        assert secret not in opened


def test_the_age_cli_reads_the_file(
    age_cli: str, desired_dir: Path, fleet: dict[str, str], key: KeyPair, tmp_path: Path
) -> None:
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    identity = tmp_path / "key.txt"
    identity.write_text(key.identity + "\n", encoding="ascii")
    assert json.loads(age_decrypt(age_cli, identity, desired_dir / HASHES_FILE)) == plain(desired_dir, key)


@pytest.mark.parametrize("change", ["swap", "another salt", "altered hash"])
def test_an_entry_that_does_not_hold_is_computed_again(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """The recipients are public: anyone can encrypt a file of this name. Without the salt, nobody can make
    an entry a load takes, nor move one account's hash to another's."""
    expected, _ = load(desired_dir, fleet)
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    document = plain(desired_dir, key)
    entries = document["hashes"]
    first, second = sorted(entries)[:2]
    if change == "swap":  # each hash under the other's index, its tag with it
        entries[first], entries[second] = entries[second], entries[first]
    elif change == "altered hash":
        entries[first] = ["A" * 43 + "=", entries[first][1]]
        entries[second] = ["B" * 43 + "=", entries[second][1]]
    else:  # entries another salt's file holds, each with its tag
        assert run("hashes", "--desired", str(desired_dir), env={**fleet, "SALT": "another-salt-0123"}).exit_code == 0
        others = plain(desired_dir, key)["hashes"]
        entries[first], entries[second] = (others[index] for index in sorted(others)[:2])
    seal(desired_dir, document, key.recipient)
    hashes = Hashes(monkeypatch)
    state, notices = load(desired_dir, fleet)
    assert state == expected
    assert hashes.count == 2
    assert "2 of its 3 entries are not for this salt or were altered: ignored" in str(notices[0])
    assert "2 bank account hashes computed" in str(notices[1])


@pytest.mark.parametrize(
    "costs",
    [
        "time_cost: 2, memory_cost_kib: 64, parallelism: 1",
        "time_cost: 1, memory_cost_kib: 128, parallelism: 1",
        "time_cost: 1, memory_cost_kib: 64, parallelism: 2",
        "time_cost: 1, memory_cost_kib: 64, parallelism: 1, hash_length: 64",
    ],
)
def test_other_argon2_parameters_hash_again(
    desired_dir: Path,
    write: WriteFile,
    fleet: dict[str, str],
    key: KeyPair,
    monkeypatch: pytest.MonkeyPatch,
    costs: str,
) -> None:
    """Each parameter is in the index: a kept hash of other costs (or of another length) is never sent."""
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    write("reconciler.yaml", f"klarna:\n  bank_account_hashing: {{salt_env: SALT, {costs}}}\n")
    hashes = Hashes(monkeypatch)
    state, notices = load(desired_dir, fleet)
    assert hashes.count == 3 and "3 bank account hashes computed" in str(notices[-1])
    values = {json.loads(canonical)["klarna"]["bank_accounts"][0]["iban_hash"]["value"] for canonical in state.values()}
    kept = {entry[0] for entry in plain(desired_dir, key)["hashes"].values()}
    assert len(values) == 3 and not values & kept


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("other recipient", "cannot be decrypted with the identity given"),
        ("not age", "is damaged or not an age file"),
        ("not json", "decrypts, but is not a file of bank account hashes"),
        ("other format", "decrypts, but is not a file of bank account hashes"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_notice_and_every_account_is_hashed(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, monkeypatch: pytest.MonkeyPatch, content: str, message: str
) -> None:
    expected, _ = load(desired_dir, fleet)
    path = desired_dir / HASHES_FILE
    if content == "other recipient":
        assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
        write_recipients(desired_dir, [new_key_pair().recipient])
        assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    elif content == "not age":
        path.write_text("-----BEGIN AGE ENCRYPTED FILE-----\nnonsense\n", encoding="ascii")
    else:
        text = b"[1, 2" if content == "not json" else json.dumps({"format": "x", "version": 1, "hashes": {}}).encode()
        path.write_bytes(pyrage.encrypt(text, [pyrage.x25519.Recipient.from_str(key.recipient)]))
    hashes = Hashes(monkeypatch)
    state, notices = load(desired_dir, fleet)
    assert state == expected and hashes.count == 3
    assert str(notices[0]).startswith(f"{path}:1:1: notice: not read") and message in str(notices[0])
    assert "every bank account is hashed" in str(notices[0])


def test_without_an_identity_the_file_is_not_read(
    desired_dir: Path, fleet: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A salt from the environment needs no identity: the load still works, hashing each account."""
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    hashes = Hashes(monkeypatch)
    _, notices = load(desired_dir, {"SALT": SALT})
    assert hashes.count == 3
    assert "not read: no age identity is given" in str(notices[0])


def test_hashes_keeps_what_holds_and_drops_what_no_merchant_uses(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, write: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    (desired_dir / "merchants" / "m3.yaml").unlink()
    write("merchants/m4.yaml", merchant("m4", "SE4550000000058398257466"))
    hashes = Hashes(monkeypatch)
    done = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert "holds 3 bank account hash(es): 1 computed, 2 kept, 1 no longer used dropped" in done.output
    assert hashes.count == 1 and len(plain(desired_dir, key)["hashes"]) == 3


def test_hashes_refuses_without_hashing_and_without_recipients(
    desired_dir: Path, write: WriteFile, fleet: dict[str, str]
) -> None:
    (desired_dir / "secrets.recipients").unlink()
    refused = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert refused.exit_code == 1 and "secrets.recipients: not found" in refused.output
    write("reconciler.yaml", "parallelism: 2\n")
    refused = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert refused.exit_code == 1 and "klarna.bank_account_hashing is not set" in refused.output
    assert not (desired_dir / HASHES_FILE).exists()
    write("merchants/m1.yaml", "account_reference: [\n")
    refused = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert refused.exit_code == 1 and "merchants/m1.yaml:" in refused.output
    assert not (desired_dir / HASHES_FILE).exists()
    for secret in [*IBANS.values(), SALT]:
        assert secret not in refused.output


def test_rekey_encrypts_the_hashes_for_the_new_recipients(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, kept: dict[str, Any]
) -> None:
    before = kept
    successor = new_key_pair()
    write_recipients(desired_dir, [successor.recipient])  # the old key is removed
    done = run("rekey", "--desired", str(desired_dir), env=fleet)
    assert done.exit_code == 0 and "was left as it was" not in done.output, done.output
    after = plain(desired_dir, successor)
    assert after["hashes"] == before["hashes"] and after["recipients"] == hash_cache.recipients_digest(desired_dir)
    with pytest.raises(pyrage.DecryptError):
        plain(desired_dir, key)


def test_rekey_says_when_it_cannot_read_the_hashes(desired_dir: Path, fleet: dict[str, str], store: Any) -> None:
    """The store is rekeyed; the hashes file, another recipient's, cannot be: the command says so and fails."""
    store({"UNUSED_NAME": "x"})
    stranger = new_key_pair()
    seal(desired_dir, {"format": "reconciler bank account hashes", "version": 1, "hashes": {}}, stranger.recipient)
    done = run("rekey", "--desired", str(desired_dir), env=fleet)
    assert done.exit_code == 1
    assert "Rekeyed: desired-state/secrets.age" in done.output
    assert f"{desired_dir / HASHES_FILE} was not encrypted again (cannot be decrypted" in done.output
    assert "`reconciler secrets hashes`, which writes it for the recipients now listed" in done.output


def test_a_load_with_an_issue_across_files_hashes_nothing(
    desired_dir: Path, write: WriteFile, fleet: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file is valid alone; two declare one merchant: the load fails, and computes no hash for it."""
    write("merchants/m4.yaml", merchant("m1", "SE4550000000058398257466"))
    hashes = Hashes(monkeypatch)
    with pytest.raises(InputError) as raised:
        load(desired_dir, fleet)
    assert "M1" in str(raised.value)
    assert hashes.count == 0


HOSTILE_TEXTS = {
    "entry of numbers": json.dumps({"format": FORMAT, "version": 1, "hashes": {"a": ["x", 1]}}).encode(),
    "entry a text": json.dumps({"format": FORMAT, "version": 1, "hashes": {"a": "x"}}).encode(),
    "entry of three": json.dumps({"format": FORMAT, "version": 1, "hashes": {"a": ["x", "y", "z"]}}).encode(),
    "non-ASCII": json.dumps({"format": FORMAT, "version": 1, "hashes": {"é": ["ü", "ö"]}}, ensure_ascii=False).encode(),
    "lone surrogate": b'{"format": "%s", "version": 1, "hashes": {"\\ud800": ["\\ud800", "\\udfff"]}}'
    % FORMAT.encode(),
    "nested deeply": b"[" * 100_000 + b"]" * 100_000,
    "not UTF-8": b'{"format": "\xff\xfe", "version": 1}',
    "version true": json.dumps({"format": FORMAT, "version": True, "hashes": {}}).encode(),
    "hashes a list": json.dumps({"format": FORMAT, "version": 1, "hashes": []}).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_a_hostile_clear_text_is_a_notice_never_a_traceback(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """What anyone holding the public recipients can encrypt: every account is hashed, as without the file."""
    expected, _ = load(desired_dir, fleet)
    sealed = pyrage.encrypt(HOSTILE_TEXTS[name], [pyrage.x25519.Recipient.from_str(key.recipient)])
    (desired_dir / HASHES_FILE).write_bytes(sealed)
    hashes = Hashes(monkeypatch)
    state, notices = load(desired_dir, fleet)
    assert state == expected and hashes.count == 3
    assert "notice:" in str(notices[0]) and (
        "not read" in str(notices[0]) or "are not for this salt" in str(notices[0])
    )


@pytest.mark.parametrize("kind", ["symlink", "fifo", "too large", "directory", "stanza bomb"])
def test_a_file_that_is_not_a_plain_hashes_file_is_not_read(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A link to another age file the key opens (another directory's hashes or store) is not taken; a FIFO
    is not waited on; a file far larger than a fleet's hashes is not decrypted."""
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    expected, _ = load(desired_dir, fleet)
    path = desired_dir / HASHES_FILE
    if kind == "symlink":
        elsewhere = tmp_path / "elsewhere.age"
        path.rename(elsewhere)
        path.symlink_to(elsewhere)
        message = "is a symbolic link"
    elif kind == "fifo":
        path.unlink()
        os.mkfifo(path)
        message = "not a regular file"
    elif kind == "directory":
        path.unlink()
        path.mkdir()
        message = "not a regular file"
    elif kind == "stanza bomb":  # what anyone holding the public key can write: age would parse it for minutes
        path.write_bytes(stanza_bomb(key, 300, armored=True))
        message = "stanzas, more than a file written for the 128 recipients"
    else:
        monkeypatch.setattr(hash_cache, "MAX_HASHES_BYTES", 64)
        message = "file is larger than 64 bytes"
    hashes = Hashes(monkeypatch)
    state, notices = load(desired_dir, fleet)
    assert state == expected and hashes.count == 3
    assert message in str(notices[0]) and "not read" in str(notices[0])


def test_rekey_never_encrypts_another_age_file_for_the_new_recipients(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, store: Any, tmp_path: Path
) -> None:
    """A recipient of this directory commits, as its bank-hashes.age, a copy of (or a link to) another store
    the operator's key opens; the operator rekeys for the recipients the same pull request adds: nothing of
    that store may come out encrypted for them."""
    store({"UNUSED_NAME": "x"})
    other = tmp_path / "prod-secrets.age"
    other.write_bytes(
        pyrage.encrypt(b"PROD_PASSWORD: PRODCANARY-51\n", [pyrage.x25519.Recipient.from_str(key.recipient)])
    )
    attacker = new_key_pair()
    for how in ("copy", "symlink"):
        path = desired_dir / HASHES_FILE
        path.unlink(missing_ok=True)
        if how == "copy":
            path.write_bytes(other.read_bytes())
        else:
            path.symlink_to(other)
        write_recipients(desired_dir, [key.recipient, attacker.recipient])
        done = run("rekey", "--desired", str(desired_dir), env=fleet)
        assert done.exit_code == 1, done.output
        assert f"{path} was not encrypted again" in done.output and "PRODCANARY" not in done.output
        with pytest.raises(pyrage.DecryptError):
            pyrage.decrypt(path.read_bytes(), [pyrage.x25519.Identity.from_str(attacker.identity)])
        assert pyrage.decrypt(other.read_bytes(), [pyrage.x25519.Identity.from_str(key.identity)]).startswith(b"PROD")


def test_rekey_keeps_only_the_entries_that_hold(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, kept: dict[str, Any]
) -> None:
    held = dict(kept["hashes"])
    seal(desired_dir, {**kept, "hashes": {**held, "smuggled": ["PASSWORDCANARY-77", "not a tag"]}}, key.recipient)
    assert run("rekey", "--desired", str(desired_dir), env=fleet).exit_code == 0
    assert plain(desired_dir, key)["hashes"] == held


def test_rekey_encrypts_the_hashes_again_with_no_store(desired_dir: Path, fleet: dict[str, str], key: KeyPair) -> None:
    """With the salt from the environment there may be no secrets.age at all: the hashes are rekeyed alone."""
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    before = plain(desired_dir, key)
    successor = new_key_pair()
    write_recipients(desired_dir, [successor.recipient])
    done = run("rekey", "--desired", str(desired_dir), env=fleet)
    assert done.exit_code == 0, done.output
    assert f"Rekeyed: {desired_dir / HASHES_FILE}" in done.output and not (desired_dir / "secrets.age").exists()
    after = plain(desired_dir, successor)
    assert after["hashes"] == before["hashes"] and after["recipients"] == hash_cache.recipients_digest(desired_dir)


@pytest.mark.parametrize("kind", ["fifo", "hashing off", "no identity"])
def test_rekey_that_cannot_encrypt_the_hashes_again_says_so(
    desired_dir: Path, write: WriteFile, fleet: dict[str, str], kept: dict[str, Any], kind: str
) -> None:
    path = desired_dir / HASHES_FILE
    env = dict(fleet)
    if kind == "fifo":
        path.unlink()
        os.mkfifo(path)
        reason = "not a regular file"
    elif kind == "hashing off":
        write("reconciler.yaml", "parallelism: 2\n")
        reason = "does not turn bank account hashing on"
    else:
        (desired_dir / "secrets.age").unlink()
        del env["RECONCILER_AGE_IDENTITY"]
        reason = "no age identity is given"
    done = run("rekey", "--desired", str(desired_dir), env=env)
    assert done.exit_code == 1, done.output
    assert f"{path} was not encrypted again (" in done.output and reason in done.output, done.output
    assert "Traceback" not in done.output


def test_an_interrupted_hashes_keeps_what_it_computed(
    desired_dir: Path, fleet: dict[str, str], key: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10,000 accounts take a quarter of an hour: each batch is written as it is done, and a run stopped
    half-way (Ctrl-C) leaves the next run only the rest to compute."""
    monkeypatch.setattr(secrets_command, "HASH_BATCH", 1)
    real = bank_hashing.BankAccountHasher.computed
    calls = []

    def interrupted(hasher: Any, number: str) -> str:
        calls.append(number)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(hasher, number)

    monkeypatch.setattr(bank_hashing.BankAccountHasher, "computed", interrupted)
    stopped = CliRunner().invoke(main, ["secrets", "hashes", "--desired", str(desired_dir)], env=fleet)
    assert stopped.exit_code != 0
    assert len(plain(desired_dir, key)["hashes"]) == 2
    monkeypatch.setattr(bank_hashing.BankAccountHasher, "computed", real)
    hashes = Hashes(monkeypatch)
    done = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert "3 bank account hash(es): 1 computed, 2 kept" in done.output
    assert hashes.count == 1


def test_hashes_with_no_klarna_bank_account_writes_no_file(
    desired_dir: Path, write: WriteFile, fleet: dict[str, str]
) -> None:
    """No file rather than an empty one that every load would decrypt; one left from before goes."""
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    for name in IBANS:
        write(f"merchants/{name}.yaml", f"account_reference: {name.upper()}\nklarna:\n  account_name: Shop {name}\n")
    done = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert done.exit_code == 0 and "No Klarna bank account to hash" in done.output
    assert not (desired_dir / HASHES_FILE).exists()


def test_hashes_that_would_not_fit_the_file_are_refused_before_computing(
    desired_dir: Path, fleet: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets_command, "MAX_HASHES_BYTES", 500)  # two entries' worth
    hashes = Hashes(monkeypatch)
    done = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert done.exit_code == 1 and "the hashes of 3 bank accounts would take more than" in done.output
    assert hashes.count == 0 and not (desired_dir / HASHES_FILE).exists()


def test_hashes_run_again_with_nothing_new_leaves_the_file_as_it_is(
    desired_dir: Path, fleet: dict[str, str]
) -> None:
    """age's output differs on every encryption: a run that changes nothing writes nothing to commit."""
    assert run("hashes", "--desired", str(desired_dir), env=fleet).exit_code == 0
    before = (desired_dir / HASHES_FILE).read_bytes()
    again = run("hashes", "--desired", str(desired_dir), env=fleet)
    assert again.exit_code == 0 and "holds the 3 bank account hash(es) already: not written again" in again.output
    assert (desired_dir / HASHES_FILE).read_bytes() == before
