"""``reconciler secrets set|list|rm|rekey|hashes``: keep the secrets store of a desired-state directory.

A value is read from standard input, never from an argument (arguments end up in shell history and
process listings), and is never printed. ``list`` reads names from ``secrets.index`` and needs no
identity; ``set``, ``rm`` and ``rekey`` decrypt the store first (an empty directory needs none) and
write it again, encrypted for every recipient in ``secrets.recipients``. ``hashes`` keeps the Argon2id
hash of every Klarna bank account in ``bank-hashes.age`` (``desired.hash_cache``), for loads to take.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from reconciler import processes
from reconciler.cli.exits import handles_errors
from reconciler.cli.options import desired_option
from reconciler.desired.bank_hashing import bank_account_hasher, with_cached_hashes
from reconciler.desired.hash_cache import (
    HASHES_FILE,
    MAX_HASHES_BYTES,
    HashKeys,
    entry_bytes,
    recipients_digest,
    rekeyed_hashes,
    write_hashes,
)
from reconciler.desired.load import CONFIG_FILE, identity_loader, load_config, load_desired, print_notice
from reconciler.desired.secret_store import (
    INDEX_FILE,
    RECIPIENTS_FILE,
    STORE_FILE,
    SecretsStore,
    StoreSource,
    check_name,
    read_index,
)
from reconciler.desired.secrets import looks_like_a_value, shown_secret_name
from reconciler.errors import InputError, SecretsError

ENVIRONMENT = (
    "Environment: RECONCILER_AGE_IDENTITY (an AGE-SECRET-KEY-1… line, or an SSH private key) or "
    "RECONCILER_AGE_IDENTITY_FILE (a key file, as age-keygen or ssh-keygen writes it, for an age1… or ssh-… "
    "recipient); with only sandbox targets, secrets.identity_file in reconciler.yaml."
)
EPILOG = f"""\b
Exit codes: 0 done, 1 error (no identity or a wrong one, a damaged store, a bad name, no recipients).
{ENVIRONMENT}"""


def _open_store(desired_dir: Path) -> SecretsStore:
    if not desired_dir.is_dir():
        raise SecretsError(f"{desired_dir}: desired-state directory not found")
    environ = os.environ
    identities = identity_loader(desired_dir, load_config(desired_dir, environ), environ)()
    return SecretsStore.open(desired_dir, identities)


def _save(store: SecretsStore) -> str:
    """Write the store; what it now holds, as the message to print."""
    if not store.save():
        # The write is done (the recipients file says who may read, and rotating one's own key out is a
        # rekey like any other), but whoever ran it must learn now, not at the next plan, that their key
        # no longer opens the store: git history holds the old file until another recipient rekeys.
        click.echo(
            f"Warning: the identity given is not among the recipients of {store.directory / RECIPIENTS_FILE}: "
            f"it can no longer decrypt {store.path}. Only the identities of those recipients can; if none is at "
            f"hand, restore the old {STORE_FILE} from git and add your public key to {RECIPIENTS_FILE}.",
            err=True,
        )
    recipients = len(store.recipients())
    return f"{store.path} now holds {len(store.values)} secrets, encrypted for {recipients} recipient(s)"


def _refuse_value_like(name: str) -> None:
    """Refuse a name shaped like a sensitive value, without echoing it: it is likely the value itself, typed
    where the name goes, and every listing, message and merchant file (``!secret NAME``) shows names."""
    if looks_like_a_value(name):
        raise SecretsError(
            "the secret name given looks like a sensitive value (an IBAN, a date, a national id, a key or a "
            "long number), and names are printed in clear: name the secret for what it holds "
            "(e.g. SHOP_IBAN); the value goes on standard input; nothing was written"
        )


def _read_value(name: str) -> str:
    stdin = click.get_text_stream("stdin")
    if stdin.isatty():
        value: str = click.prompt(f"Value of {name}", hide_input=True, confirmation_prompt=True, err=True)
        return value
    try:
        text = stdin.read()
    except UnicodeDecodeError:
        raise SecretsError(f"the value of {name} on standard input is not UTF-8 text") from None
    # One trailing line break is how `echo` and files end a value; anything else is the value's own.
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


@click.group(epilog=EPILOG)
def secrets() -> None:
    """Keep the secrets store: desired-state/secrets.age, read by !secret NAME in merchant files.

    \b
    secrets.age is a YAML mapping of names to values, encrypted with age for every public key in
    secrets.recipients; secrets.index lists the names in clear, so validate needs no identity.
    With bank account hashing, bank-hashes.age keeps each bank account's hash (secrets hashes).
    """


@secrets.command("set", epilog=EPILOG)
@desired_option
@click.argument("name")
@handles_errors
def set_secret(desired_dir: Path, name: str) -> None:
    """Set secret NAME to the value on standard input (one trailing line break is dropped).

    \b
    The value is never an argument: `printf %s "$VALUE" | reconciler secrets set NAME`, or type it
    at the hidden prompt on a terminal.
    """
    check_name(name)
    _refuse_value_like(name)
    store = _open_store(desired_dir)
    value = _read_value(name)
    if not value:
        raise SecretsError(f"secret {name}: the value on standard input is empty; nothing was written")
    replaced = name in store.values
    store.set(name, value)
    click.echo(f"{'Replaced' if replaced else 'Added'} {name}: {_save(store)}", err=True)


@secrets.command("list", epilog=EPILOG)
@desired_option
@handles_errors
def list_secrets(desired_dir: Path) -> None:
    """Print the names of the secrets, one a line (from secrets.index: no identity needed, no value shown)."""
    names = read_index(desired_dir)
    if names is None:
        if (desired_dir / STORE_FILE).exists():
            raise SecretsError(f"{desired_dir / INDEX_FILE}: not found; `reconciler secrets rekey` writes it again")
        click.echo(f"{desired_dir / STORE_FILE}: no secrets store yet (reconciler secrets set NAME)", err=True)
        return
    for name in names:
        # A name shaped like a value (written by hand into the index or the store, or set before such names
        # were refused) is masked as every message masks it.
        click.echo(shown_secret_name(name))


@secrets.command("rm", epilog=EPILOG)
@desired_option
@click.argument("name")
@handles_errors
def remove_secret(desired_dir: Path, name: str) -> None:
    """Remove secret NAME from the store."""
    check_name(name)  # a name no secret can have (a control character, 100,000 characters) is not echoed
    store = _open_store(desired_dir)
    # Removing a value-like name is allowed (it is how one gets rid of it), but it is never echoed.
    shown = shown_secret_name(name)
    if not store.remove(name):
        raise SecretsError(f"secret {shown} is not in {store.path}; nothing was written")
    click.echo(f"Removed {shown}: {_save(store)}", err=True)


@secrets.command("rekey", epilog=EPILOG)
@desired_option
@handles_errors
def rekey(desired_dir: Path) -> None:
    """Encrypt the store again for the recipients now in secrets.recipients.

    \b
    Run it after adding or removing a public key there. A removed key can still read copies of the
    old file (git history): rotate the values it could read as well. bank-hashes.age, when there is
    one, is encrypted again too (its entries that hold for the salt; the salt is needed).
    """
    store = _open_store(desired_dir)
    hashes = desired_dir / HASHES_FILE
    if not store.path.exists() and not os.path.lexists(hashes):
        raise SecretsError(f"{store.path}: no secrets store to rekey (reconciler secrets set NAME creates one)")
    # The salt's keys first: a reconciler.yaml that does not load stops the rekey before anything is written.
    keys = _hash_keys(desired_dir, store) if os.path.lexists(hashes) else None
    if store.path.exists():
        click.echo(f"Rekeyed: {_save(store)} (from {desired_dir / RECIPIENTS_FILE})", err=True)
    if keys is not None:
        problem = rekeyed_hashes(desired_dir, store.identities, keys)
        if problem is not None:
            raise SecretsError(problem)
        click.echo(f"Rekeyed: {hashes} (from {desired_dir / RECIPIENTS_FILE})", err=True)


def _hash_keys(desired_dir: Path, store: SecretsStore) -> HashKeys | str:
    """The keys of bank-hashes.age's entries, from the salt; or why they cannot be had."""
    environ = os.environ
    config = load_config(desired_dir, environ)
    if config.bank_account_hashing is None:
        return f"{desired_dir / CONFIG_FILE} does not turn bank account hashing on"
    source = StoreSource(desired_dir, lambda: store.identities, need_values=True)
    hasher, issues = bank_account_hasher(config, desired_dir, environ, source)
    if hasher is None:
        return "; ".join(str(issue) for issue in issues) or "the salt cannot be read"
    return hasher.keys


# Hashes computed between two writes of bank-hashes.age: about 25 s of two cores at Klarna's costs.
HASH_BATCH = 256


@secrets.command("hashes", epilog=EPILOG)
@desired_option
@handles_errors
def keep_hashes(desired_dir: Path) -> None:
    """Keep the Argon2id hash of every Klarna bank account in bank-hashes.age, for plans to take.

    \b
    With klarna.bank_account_hashing in reconciler.yaml every load hashes each IBAN (about 0.1 s of
    CPU at Klarna's costs), unless bank-hashes.age holds its hash. Run this after changing bank
    accounts (a load says how many hashes it computed) and commit the file: it is encrypted for
    secrets.recipients and holds no IBAN. Hashes it holds are kept; those no merchant uses are dropped.
    """
    if not desired_dir.is_dir():
        raise SecretsError(f"{desired_dir}: desired-state directory not found")
    environ = os.environ
    state = load_desired(desired_dir, environ=environ, hash_bank_accounts=False)
    if state.config.bank_account_hashing is None:
        raise SecretsError(
            f"{desired_dir / CONFIG_FILE}: klarna.bank_account_hashing is not set: no bank account is hashed; "
            "nothing was written"
        )
    secrets = state.secrets
    assert secrets is not None  # a load always has its store source
    hasher, issues = bank_account_hasher(state.config, desired_dir, environ, secrets)
    if hasher is None:
        raise InputError(issues)
    hasher, notice = with_cached_hashes(hasher, desired_dir, secrets)
    if notice is not None:
        print_notice(notice)
    numbers = hasher.accounts(merchant.canonical for merchant in state.merchants)
    path = desired_dir / HASHES_FILE
    if not numbers:
        # Nothing to keep: no file, rather than an empty one every load would decrypt.
        if os.path.lexists(path):
            path.unlink()
        click.echo(f"No Klarna bank account to hash: {path} is not written", err=True)
        return
    if len(numbers) * entry_bytes(hasher.settings.hash_length) > MAX_HASHES_BYTES:
        raise SecretsError(
            f"{path}: the hashes of {len(numbers):,} bank accounts would take more than "
            f"{MAX_HASHES_BYTES // (1024 * 1024)} MiB; nothing was computed"
        )
    missing = [index for index in numbers if index not in hasher.cached.hashes]
    hashes = {index: hasher.cached.hashes[index] for index in numbers if index in hasher.cached.hashes}
    dropped = sum(1 for index in hasher.cached.hashes if index not in numbers)
    unchanged = not missing and not dropped and not hasher.cached.ignored and notice is None
    if unchanged and hasher.cached.recipients == recipients_digest(desired_dir):
        # age's output differs on every encryption: writing the same hashes again would be a change to commit.
        click.echo(f"{path} holds the {len(hashes)} bank account hash(es) already: not written again", err=True)
        return
    if missing:
        click.echo(f"Hashing {len(missing)} bank account(s) (Argon2id, about 0.1 s each)…", err=True)
    write_hashes(desired_dir, hashes, hasher.keys)  # those no merchant uses go at once
    for start in range(0, len(missing), HASH_BATCH):
        # A batch at a time, each written as it is done: an interrupted run keeps what it computed, and
        # the next run computes only the rest.
        batch = missing[start : start + HASH_BATCH]
        ibans = [numbers[index] for index in batch]
        computed = processes.mapped_in_workers(hasher.computed, ibans) or [hasher.computed(iban) for iban in ibans]
        hashes.update(zip(batch, computed, strict=True))
        write_hashes(desired_dir, hashes, hasher.keys)
        if len(missing) > HASH_BATCH:
            click.echo(f"Hashed {start + len(batch)} of {len(missing)}; {path} written", err=True)
    click.echo(
        f"{path} now holds {len(hashes)} bank account hash(es): {len(missing)} computed, "
        f"{len(hashes) - len(missing)} kept, {dropped} no longer used dropped",
        err=True,
    )


__all__ = ["secrets"]
