"""``reconciler import``: write merchant files (and secrets) from the live state of existing merchants."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import click

from reconciler.cli.exits import EXIT_ERROR, handles_errors
from reconciler.cli.loop import run_async
from reconciler.cli.options import color_for, desired_option, parallelism_option
from reconciler.config import Config, default_config
from reconciler.desired.declared import DeclaredMerchant
from reconciler.desired.files import UnreadableFile, folder_entries
from reconciler.desired.load import DesiredState, load_config, load_desired
from reconciler.desired.secret_store import RECIPIENTS_FILE, STORE_FILE, SecretsStore
from reconciler.errors import InputError, printable
from reconciler.imports import ImportResult, ImportSelection, import_merchants
from reconciler.imports.files import require_recipients
from reconciler.live.factory import build_clients
from reconciler.pipeline import client_params
from reconciler.processes import MIN_FILES, Workers, forked_workers


@dataclass(frozen=True)
class _Declared:
    """What the desired state holds already, for an import into it."""

    config: Config
    references: set[str] = field(default_factory=set)  # left out by --unmanaged: declared, retired or ignored
    merchants: Sequence[DeclaredMerchant] = ()  # those an imported merchant may share an owner with
    store: SecretsStore | None = None  # the secrets store, when loading them decrypted it


def _has_entries(folder: Path) -> bool:
    try:
        return folder.is_dir() and bool(folder_entries(folder))
    except UnreadableFile:
        return True  # the loader names the folder and why


def _load_leniently(desired_dir: Path) -> DesiredState | None:
    """The desired state, or None with a notice when it does not load: the file with the issue may be the
    one being replaced, so it does not stop the import."""
    try:
        # Bank accounts as written: shares compare the values, not their hashes.
        return load_desired(desired_dir, notify=None, hash_bank_accounts=False)
    except InputError as error:
        click.echo(
            f"notice: the desired state does not load ({len(error.issues)} issue(s); `reconciler validate` "
            "names them): shares_with is not computed against the merchants it declares",
            err=True,
        )
        return None


def _declared_merchants(desired_dir: Path) -> Sequence[DeclaredMerchant]:
    state = _load_leniently(desired_dir)
    return state.merchants if state is not None else ()


def _declared(desired_dir: Path, selection: ImportSelection) -> _Declared:
    """The targets (reconciler.yaml when there is one) and the merchants the files declare already.

    --unmanaged needs them all, so the desired state must load. For --reference they only let an
    imported merchant list a declared one in shares_with, and a desired state that does not load does not
    stop the import. --all writes every live merchant, so the files are loaded only when one declares a
    merchant it did not write, or one's merchant cannot be read (``_declared_merchants``, which the import
    calls then).
    """
    if _has_entries(desired_dir / "merchants") and not selection.everything:
        if selection.unmanaged:
            state: DesiredState | None = load_desired(desired_dir, notify=None, hash_bank_accounts=False)
        else:
            state = _load_leniently(desired_dir)
        if state is not None:
            references = {m.account_reference for m in state.merchants} | set(state.config.ignored_references)
            opened = state.secrets.opened_store() if state.secrets is not None else None
            return _Declared(state.config, references, state.merchants, opened)
    # The targets alone: loading every merchant file (and decrypting the store) is not needed for them.
    if (desired_dir / "reconciler.yaml").exists():
        return _Declared(load_config(desired_dir))
    return _Declared(default_config(dict(os.environ)))


@contextmanager
def accounts_progress(total: int | None) -> Iterator[Callable[[int], None] | None]:
    """Accounts imported so far, on stderr when it is a terminal (out of ``total`` when it is known:
    with ``--reference``; Klarna's list does not give its length)."""
    if not color_for(sys.stderr):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Importing accounts", total=total)
        yield lambda n: progress.advance(task, n)


def _report(result: ImportResult, desired_dir: Path) -> None:
    click.echo(
        f"Imported {len(result.imported)} merchant(s) into {desired_dir}: {len(result.written)} file(s) written, "
        f"{result.secrets} sensitive value(s) in the secrets store."
    )
    if result.locked_out:
        # As the secrets commands warn: found now, not at the first plan that cannot read the values.
        click.echo(
            f"Warning: the identity given is not among the recipients of {desired_dir / RECIPIENTS_FILE}: it cannot "
            f"decrypt {desired_dir / STORE_FILE}. Add its public key there and run `reconciler secrets rekey` "
            "with an identity that can.",
            err=True,
        )
    for reference, held in sorted(result.held.items()):
        click.echo(printable(f"  {reference}: {'; '.join(held)} (written as it is, with a comment)"))
    for reference, why in sorted(result.left_out.items()):
        click.echo(printable(f"  {reference}: left as it is: {why}"))
    for reference, planned in sorted(result.not_exact.items()):
        click.echo(printable(f"  {reference}: its file plans {', '.join(planned)}"), err=True)
    for reference, why in sorted(result.invalid.items()):
        click.echo(printable(f"  {reference}: not imported: {why}"), err=True)


@click.command(name="import")
@desired_option
@click.option("--all", "everything", is_flag=True, help="Every Klarna account, and partner.yaml.")
@click.option("--unmanaged", is_flag=True, help="The Klarna accounts no merchant file declares (drift's unmanaged).")
@click.option("--reference", "references", multiple=True, metavar="REF", help="This account_reference; repeatable.")
@click.option("--profiles", is_flag=True, help="Factor values many merchants share into profiles/.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@parallelism_option
@handles_errors
def import_(
    desired_dir: Path,
    everything: bool,
    unmanaged: bool,
    references: tuple[str, ...],
    profiles: bool,
    force: bool,
    parallelism: int | None,
) -> None:
    """Write DIR/merchants/<slug>.yaml for merchants that already exist, from their live state.

    \b
    Sensitive values (national ids, dates of birth, IBANs, account numbers) go into the secrets store
    (secrets.age, encrypted for secrets.recipients, which must exist); the files hold !secret NAME.
    Each file is checked against the live state it came from: right after import, plan is empty.
    An existing file is never overwritten without --force; each file is written whole or not at all.
    A merchant already declared is written to its own file; a retired or ignored one is left as it is.
    Exit codes: 0 done, 1 error (nothing written), 2 done, but some files would plan an operation.
    Environment: as for plan; RECONCILER_AGE_IDENTITY or RECONCILER_AGE_IDENTITY_FILE when
    secrets.age exists already.
    """
    chosen = sum([everything, unmanaged, bool(references)])
    if chosen != 1:
        raise click.UsageError("choose exactly one of --all, --unmanaged or --reference REF")
    require_recipients(desired_dir)  # before anything is read
    selection = ImportSelection(everything=everything, unmanaged=unmanaged, references=tuple(references))
    declared = _declared(desired_dir, selection)
    config = declared.config
    params = client_params(config, Path.cwd())
    if parallelism is not None:
        params = replace(params, parallelism=parallelism)

    async def run(workers: Workers | None) -> ImportResult:
        async with build_clients(params) as clients:
            with accounts_progress(len(set(references)) or None) as progress:
                return await import_merchants(
                    clients, desired_dir, selection, declared=declared.references, environ=dict(os.environ),
                    config=config, force=force, profiles=profiles, progress=progress, existing=declared.merchants,
                    load_existing=(lambda: _declared_merchants(desired_dir)) if everything else None,
                    opened_store=declared.store, workers=workers,
                )

    # Forked before the event loop, the progress bar and the first request start threads of their own.
    many = not references or len(set(references)) >= MIN_FILES
    with forked_workers(many) as workers:
        result = run_async(run(workers))
    _report(result, desired_dir)
    if result.invalid:
        sys.exit(EXIT_ERROR)
    if result.not_exact:
        sys.exit(2)
