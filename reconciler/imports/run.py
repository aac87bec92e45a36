"""``reconciler import``: read the chosen merchants, make their files, check them, write them.

Reading costs about one request per hundred merchants per API: Klarna's account list in pages with every
sub-resource expanded, and Dintero's partner list in pages (each entry carries the merchant's connections
and settings). A Dintero account belongs to the Klarna account whose ``account_reference`` it names as
``applicant.signup_reference`` (Dintero keeps the reference a partner's onboarding link carried). With
``references`` only those Klarna accounts are read, each by reference.

Before anything is written, each document is planned against the very live state it was made from, in
process: a merchant whose file would plan an operation is reported (with the operations' addresses), so
the promise "what import writes plans to zero changes" is checked, not hoped for.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence, Set
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler.compare.sides import desired_view, live_view, merchant_unchanged
from reconciler.config import Config
from reconciler.desired.declared import DeclaredMerchant
from reconciler.desired.files import UnreadableFile, list_merchant_files, read_regular_file
from reconciler.desired.load import declare
from reconciler.desired.models import Merchant
from reconciler.desired.models_klarna import slug
from reconciler.desired.normalise import normalise_reference
from reconciler.desired.positions import Positions
from reconciler.desired.profiles import ProfileSet, profile_files
from reconciler.desired.secret_store import SecretsStore
from reconciler.desired.validate import check_merchant
from reconciler.desired.yaml_loader import YamlDocument
from reconciler.errors import ApiError, InputError, InputIssue, ReadFailed
from reconciler.imports.document import ImportedMerchant, made_for_any, merchant_document
from reconciler.imports.files import (
    Declarations,
    declaring_files,
    named_secrets,
    open_store,
    refuse_existing,
    remove_leftovers,
    save_secrets,
    sync_all,
    write_atomically,
)
from reconciler.imports.partner import HEADER as PARTNER_HEADER
from reconciler.imports.partner import check_partner, partner_document
from reconciler.imports.profiles import factor_profiles
from reconciler.imports.shares import SharedValues, shareable_digests, with_shares
from reconciler.imports.yaml_text import merchant_yaml, plain_yaml
from reconciler.kinds import PARTNER
from reconciler.live.ahead import cancelled, read_ahead
from reconciler.live.factory import ApiClients
from reconciler.live.models import DinteroAccount, KlarnaAccount
from reconciler.live.read import Bodies, LiveMerchant, fetch_partner
from reconciler.plan import plan_merchant
from reconciler.processes import Workers

HEADER = "Imported from the live state by `reconciler import`."
PAGE_SIZE = 100  # the Dintero list's largest page; Klarna's pages are kept the same size
KLARNA_AHEAD = 2 * PAGE_SIZE  # Klarna accounts held ahead of the files being made, and while Dintero's list is read
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportSelection:
    """Which merchants: every Klarna account, those no file declares, or these references."""

    everything: bool = False
    unmanaged: bool = False
    references: tuple[str, ...] = ()


@dataclass
class ImportResult:
    written: list[Path] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)  # the references, in file order
    held: dict[str, list[str]] = field(default_factory=dict)  # reference -> provider-owned state written as is
    not_exact: dict[str, list[str]] = field(default_factory=dict)  # reference -> what its file would plan
    invalid: dict[str, str] = field(default_factory=dict)  # reference -> why no file could be made
    left_out: dict[str, str] = field(default_factory=dict)  # reference -> why it is left as it is (retired, ignored)
    secrets: int = 0
    # The identity given is not among the store's recipients: it cannot decrypt what this import wrote.
    locked_out: bool = False


def _without_doubled(
    result: ImportResult,
    doubled: set[str],
    named: dict[str, list[str]],
    secrets: dict[str, str],
    shared: SharedValues,
    made: list[tuple[str, str]],
    kept: list[ImportedMerchant],
) -> tuple[list[tuple[str, str]], list[ImportedMerchant]]:
    """What is made, without the references two or more Klarna accounts hold: the file of one of them
    would be taken for the merchant, and a plan would manage whichever a read by reference answered."""
    for reference in sorted(doubled - result.left_out.keys()):
        result.invalid[reference] = "two or more Klarna accounts hold this reference: one reference names one merchant"
        if reference in result.imported:
            result.imported.remove(reference)
        result.held.pop(reference, None)
        result.not_exact.pop(reference, None)
        for name in named.pop(reference, []):
            secrets.pop(name, None)
        shared.discard(reference)
    return [m for m in made if m[0] not in doubled], [m for m in kept if m.reference not in doubled]


def signup_reference(account: DinteroAccount) -> str | None:
    applicant = (account.model_extra or {}).get("applicant")
    if isinstance(applicant, Mapping) and applicant.get("signup_reference"):
        return str(applicant["signup_reference"]).strip()
    return None


async def read_klarna(
    clients: ApiClients, selection: ImportSelection, declared: set[str]
) -> AsyncGenerator[tuple[KlarnaAccount, dict[str, Any]], None]:
    """The chosen Klarna accounts, one at a time, each with the JSON object it was validated from: what is
    held is the page being given out and the one asked for ahead (``ApiClient._account_items``), never the
    whole list."""
    if selection.references:
        references = list(dict.fromkeys(selection.references))  # a reference given twice is read once
        reads = [asyncio.ensure_future(clients.klarna.resolve_account_answer(ref)) for ref in references]
        try:
            found = await asyncio.gather(*reads)
        finally:
            # A read that fails ends the gather, not the other reads: none outlives this reading.
            for read in reads:
                read.cancel()
            await asyncio.wait(reads)
        missing = [ref for ref, account in zip(references, found, strict=True) if account is None]
        if missing:
            raise ReadFailed(
                [ApiError("klarna", "resolve_account", 404, "no Klarna account has this reference", merchant=ref)
                 for ref in missing]
            )
        for answer in found:
            if answer is not None:
                yield answer
        return
    async with aclosing(clients.klarna.iter_account_items(page_size=PAGE_SIZE)) as items:
        async for item in items:
            account = clients.klarna.parse_account(item)  # validated: ``item`` is a dict
            if not account.account_reference:
                continue
            if selection.unmanaged and account.account_reference in declared:
                continue
            yield account, item


async def read_dintero(
    clients: ApiClients, wanted: set[str] | None
) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Dintero accounts by the Klarna reference they name (only those in ``wanted``, when given), and the
    references two or more accounts name, with those accounts' ids.

    Each account is validated as it is listed and kept as the list answered it: a validated account takes
    twice the memory of its entry, and the entry is what ``check`` compares first. Its model is made again
    when its merchant is imported.

    A reference two accounts name is linked to neither: the last one listed once won, silently, so that an
    account signed up with another merchant's onboarding link took that merchant's Dintero side, and its
    own account was left unmanaged.
    """
    named: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    async with aclosing(clients.dintero.iter_merchant_items(page_size=PAGE_SIZE)) as items:
        async for item in items:
            account = clients.dintero.parse_merchant(item)  # validated: ``item`` is a dict
            reference = signup_reference(account)
            if reference is not None and (wanted is None or reference in wanted):
                named.setdefault(reference, []).append((account.account_id, item))
    linked = {reference: accounts[0][1] for reference, accounts in named.items() if len(accounts) == 1}
    ambiguous = {
        reference: sorted(aid for aid, _ in accounts) for reference, accounts in named.items() if len(accounts) > 1
    }
    return linked, ambiguous


def _read_back_as_written(reference: str) -> bool:
    """Whether a file declaring ``reference`` is read as that same reference (the loader strips it).

    A reference the loader refuses outright is refused by the check's validation, by name.
    """
    try:
        return normalise_reference(reference) == reference
    except ValueError:
        return True


def broken_rules(merchant: Merchant, resolved: dict[str, Any]) -> list[str]:
    """The rules across a file's fields that the document breaks, as validate applies them: a live state
    may break one (two websites with one reference), and its file would not load. No position is known,
    so each is named by its path."""
    issues = check_merchant(merchant, YamlDocument("(import)", resolved, Positions()))
    return [issue.message.partition(" (same as ")[0] for issue in issues]


def check(merchant: Merchant, account: KlarnaAccount, dintero: DinteroAccount | None, bodies: Bodies) -> list[str]:
    """What the imported document would plan against the live state it came from (empty: exact); asked of
    the answers as sent first (``compare.unchanged``), as a plan does."""
    declared = declare(merchant, "(import)")
    document = declared.wire()
    if merchant_unchanged(document, LiveMerchant(declared.account_reference, account, dintero, bodies=bodies)):
        return []
    desired = desired_view(declared, document)
    current = live_view(desired, account, dintero)
    return [f"{op.address}: {op.action.value}" for op in plan_merchant(desired, current)]


def file_names(references: Sequence[str], taken: Set[str] = frozenset()) -> dict[str, str]:
    """``<slug>.yaml`` per reference, none of the names ``taken``; two references with one slug get ``-2``,
    ``-3``..."""
    names: dict[str, str] = {}
    used = set(taken)
    for reference in sorted(references):
        base, n = slug(reference), 1
        name = f"{base}.yaml"
        while name in used:
            n += 1
            name = f"{base}-{n}.yaml"
        used.add(name)
        names[reference] = name
    return names


def merchant_paths(
    folder: Path, references: Sequence[str], declarations: Declarations | None = None
) -> dict[str, Path]:
    """Where each merchant's file goes: the file declaring it already, else ``<slug>.yaml`` (see ``file_names``)."""
    declaring = (declarations or declaring_files(folder.parent)).files
    paths = {reference: declaring[reference][0] for reference in references if reference in declaring}
    # A new merchant's name never takes a file that declares a merchant: ``AB`` beside ``ab.yaml`` is written
    # to ``ab-2.yaml``. Refused instead, it could never be imported, and it stopped every --unmanaged import.
    new = [reference for reference in references if reference not in paths]
    names = file_names(new, {path.name for files in declaring.values() for path in files})
    return paths | {reference: folder / name for reference, name in names.items()}


def _declared_by_unread(declarations: Declarations, existing: Sequence[DeclaredMerchant]) -> None:
    """Add to ``declarations`` the merchants that files a quick read could not tell declare, as loading the
    desired state read them (``account_reference: !env SHOP_REF``): such a merchant is written to its file,
    never to a second one."""
    if not declarations.unread:
        return
    for declared_merchant in existing:
        reference = declared_merchant.account_reference
        if reference in declarations.files:
            continue
        for path in declarations.unread:
            try:
                same = os.path.samefile(path, declared_merchant.source)
            except OSError:
                same = False
            if same:
                declarations.files[reference] = [path]
                declarations.unread.remove(path)
                break


def _text_of(path: Path) -> str | None:
    """A profile file's text, as import would have written it; None when it cannot be read."""
    try:
        return read_regular_file(path).decode("utf-8")
    except (OSError, UnreadableFile, UnicodeDecodeError):
        return None


def _left_alone(declarations: Declarations, config: Config | None, directory: Path) -> dict[str, str]:
    """The merchants import does not write, even when named or with --force, and why: a retired one's file
    would come back under management without a word (``lifecycle`` lost), and an ignored one is the
    partner's choice to keep out of the desired state."""
    why = {
        reference: f"retired in {path.parent.name}/{path.name} (lifecycle: retired); "
        "remove that line to manage it again"
        for reference, path in declarations.retired.items()
    }
    for reference in config.ignored_references if config is not None else ():
        why.setdefault(reference, f"listed in ignored_references of {directory / 'reconciler.yaml'}")
    return why


async def import_merchants(
    clients: ApiClients,
    directory: Path,
    selection: ImportSelection,
    *,
    declared: set[str],
    environ: Mapping[str, str],
    config: Config | None = None,
    force: bool = False,
    profiles: bool = False,
    progress: Progress | None = None,
    existing: Sequence[DeclaredMerchant] = (),
    load_existing: Callable[[], Sequence[DeclaredMerchant]] | None = None,
    opened_store: SecretsStore | None = None,
    workers: Workers | None = None,
) -> ImportResult:
    """Read, make, check and write; raises before writing anything when a file exists (without ``force``).

    ``existing``: merchants the desired state declares already; an imported merchant sharing an owner's
    value with one lists it in ``shares_with`` (listing one side is enough, and their files stay as they are).
    ``load_existing`` gives them instead, called only when a file declares a merchant this import does not
    write, or holds no reference that can be read (--all: loading every file to find none is what a first
    import into a full folder would cost).
    ``opened_store``: the secrets store as loading them decrypted it. A merchant a file declares already is
    written to that file (with ``force``), whatever its name: never a second file declaring it.
    ``workers``: processes forked before the run (``processes.forked_workers``) that make the files.
    """
    store = open_store(directory, environ, config, opened_store)  # fails early on a store that cannot be decrypted
    # Klarna's pages are read from the start, a few ahead of the accounts being made into files, alongside
    # Dintero's list (small entries), which every account needs first. Each account is made into its file
    # text and let go: memory holds the Dintero entries and the texts, never every expanded Klarna account.
    async with read_ahead(read_klarna(clients, selection, declared), KLARNA_AHEAD) as accounts:
        return await _import_accounts(
            clients, directory, selection, accounts, store, config=config, force=force, profiles=profiles,
            existing=existing, load_existing=load_existing, progress=progress, workers=workers,
        )


MAKE_BATCH = 32  # accounts a worker makes files of at a time
MAKE_AHEAD = 8  # batches handed out before the oldest one's files are taken back


@dataclass(frozen=True)
class _Account:
    """A Klarna account to make a file of, with its Dintero side: what a worker is handed. The answers
    as listed (validated when listed); their models when the file is made here, and made again by a
    worker, which is cheaper than sending them (a model pickles field by field)."""

    reference: str
    body: dict[str, Any]
    entry: dict[str, Any] | None
    told: str | None  # that several Dintero accounts name it as their signup reference, when they do
    profiles: bool
    account: KlarnaAccount | None = None
    linked: DinteroAccount | None = None


@dataclass(frozen=True)
class _Made:
    """What one account gives the import: why it has no file, or its file's text (or, with profiles, the
    document to factor), the provider-owned state it holds, its secret values and its shareable values'
    digests."""

    reference: str
    invalid: str | None = None
    planned: list[str] = field(default_factory=list)
    text: str | None = None
    held: list[str] = field(default_factory=list)
    secret_values: dict[str, str] = field(default_factory=dict, repr=False)
    shared: list[tuple[str, bytes]] = field(default_factory=list)
    imported: ImportedMerchant | None = None  # with profiles only: its document is factored later


def _make(given: _Account) -> _Made:
    """An account's file, made and checked as validate and plan would read it."""
    reference = given.reference
    account = given.account if given.account is not None else KlarnaAccount.model_validate(given.body)
    if given.account is not None:
        linked = given.linked
    else:
        linked = DinteroAccount.model_validate(given.entry) if given.entry is not None else None
    imported = merchant_document(account, linked)
    if imported.refused:
        # No file rather than a file with a sensitive value in clear (the paths name no value).
        # A value set apart as a !secret, or a text, that would not read back as the API holds it.
        return _Made(reference, "a value import cannot write as the API holds it: " + "; ".join(imported.refused))
    if given.told is not None:
        above = imported.comments.get(("account_reference",))
        imported.comments[("account_reference",)] = "\n".join(
            [*([above] if above else []), f"{given.told}: none is declared; declare its own under dintero."]
        )
        imported.held.append(f"{given.told}: none declared")
    resolved = imported.resolved
    try:
        merchant = Merchant.model_validate(resolved)
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
        return _Made(reference, "the live state does not fit a merchant file at " + ", ".join(fields))
    broken = broken_rules(merchant, resolved)
    if broken:
        return _Made(reference, "the live state breaks a rule of merchant files: " + "; ".join(broken))
    planned = check(merchant, account, linked, Bodies(given.body, given.entry))
    made = _Made(
        reference,
        planned=planned,
        held=imported.held,
        secret_values=imported.secret_values,
        shared=shareable_digests(reference, resolved),
    )
    if given.profiles:
        return replace(made, imported=imported)
    return replace(made, text=merchant_yaml(imported.document, imported.comments, HEADER))


def _make_all(accounts: list[_Account]) -> list[_Made]:
    return [_make(account) for account in accounts]


def _make_batch(workers: Workers | None, accounts: list[_Account]) -> asyncio.Future[list[_Made]]:
    """The files of a batch of accounts: made by a worker, or here when there is none, or when the
    workers fail (then here from now on: what is made is the same either way)."""
    loop = asyncio.get_running_loop()
    if workers is not None and not workers.broken:
        try:
            handed = workers.submit(_make_all, accounts)
        except Exception:  # the pool broke since the last batch was taken back (a worker died)
            workers.fail()
        else:
            made = asyncio.wrap_future(handed, loop=loop)
            made.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved, however late

            async def or_here() -> list[_Made]:
                # Not wait_for: a batch that takes too long is not cancelled, its worker is ended (``fail``).
                await asyncio.wait([made], timeout=workers.time_allowed(len(accounts)))
                try:
                    outcomes = made.result() if made.done() else None
                except Exception:  # a worker died, or an account did not pickle
                    outcomes = None
                if outcomes is None:
                    workers.fail()
                    return _make_all(accounts)
                return outcomes

            return asyncio.ensure_future(or_here())
    done: asyncio.Future[list[_Made]] = loop.create_future()
    done.set_result(_make_all(accounts))
    return done


async def _import_accounts(
    clients: ApiClients,
    directory: Path,
    selection: ImportSelection,
    accounts: AsyncIterator[tuple[KlarnaAccount, dict[str, Any]]],
    store: SecretsStore,
    *,
    config: Config | None,
    force: bool,
    profiles: bool,
    existing: Sequence[DeclaredMerchant],
    load_existing: Callable[[], Sequence[DeclaredMerchant]] | None,
    progress: Progress | None,
    workers: Workers | None,
) -> ImportResult:
    listed = asyncio.ensure_future(read_dintero(clients, set(selection.references) or None))
    try:
        await asyncio.sleep(0)  # the lists' first requests go out before the files are read
        declarations = declaring_files(directory)
        dintero, ambiguous = await listed
    finally:
        await cancelled(listed)  # when reading the files failed; nothing to do once the list is read
    partner = await fetch_partner(clients, PARTNER, notifications=True) if selection.everything else None
    result = ImportResult()
    left_alone = _left_alone(declarations, config, directory)
    made: list[tuple[str, str]] = []  # (reference, text)
    kept: list[ImportedMerchant] = []
    secrets: dict[str, str] = {}
    shared = SharedValues()
    taken: dict[str, str | None] = {}  # reference -> the id of the Klarna account taken for it
    doubled: set[str] = set()
    secret_names: dict[str, list[str]] = {}  # reference -> the names of its secrets

    def absorb(outcomes: list[_Made]) -> None:
        if progress is not None and workers is not None:
            progress(len(outcomes))  # made by the workers: counted as taken back
        for outcome in outcomes:
            reference = outcome.reference
            if outcome.invalid is not None:
                result.invalid[reference] = outcome.invalid
                continue
            if outcome.planned:
                result.not_exact[reference] = outcome.planned
            result.imported.append(reference)
            if outcome.held:
                result.held[reference] = outcome.held
            secrets.update(outcome.secret_values)
            secret_names[reference] = list(outcome.secret_values)
            shared.add_digests(reference, outcome.shared)
            if outcome.imported is not None:
                kept.append(outcome.imported)  # factored once all are read
            else:
                made.append((reference, outcome.text or ""))

    # Each account's file is made by a worker process when there are workers (``reconciler.processes``), a batch
    # at a time, in order, while the next pages are read; else here, one account at a time.
    def skipped() -> None:  # with workers, an account is counted as its outcome is taken back, or here
        if progress is not None and workers is not None:
            progress(1)

    batch: list[_Account] = []
    in_flight: deque[asyncio.Future[list[_Made]]] = deque()
    async for account, body in accounts:
        # Counted as taken from the list, not as read: the list is read up to KLARNA_AHEAD accounts ahead.
        if progress is not None and workers is None:
            progress(1)
        reference = account.account_reference or ""
        if reference in taken:  # the same account listed again is taken once
            if taken[reference] != account.account_id:
                doubled.add(reference)
            skipped()
            continue
        taken[reference] = account.account_id
        if reference in left_alone:
            result.left_out[reference] = left_alone[reference]
            skipped()
            continue
        files = declarations.files.get(reference, [])
        if len(files) > 1:
            # Replacing one would leave the other: the duplicate validate reports would stay.
            named = ", ".join(path.name for path in files)
            result.invalid[reference] = f"declared by {len(files)} files ({named}): keep one, then import it"
            skipped()
            continue
        if not _read_back_as_written(reference):
            # The loader would read another reference: the file's plan would onboard a second merchant.
            result.invalid[reference] = (
                f"its account reference would read back from a file as {reference.strip()!r}, another merchant"
            )
            skipped()
            continue
        entry = dintero.get(reference)
        told = None
        if reference in ambiguous:
            told = f"Dintero accounts {', '.join(ambiguous[reference])} all name it as their signup reference"
        if workers is None or workers.broken:
            # Validated when listed already: it validates again.
            linked = clients.dintero.parse_merchant(entry, reference) if entry is not None else None
            batch.append(_Account(reference, body, entry, told, profiles, account, linked))
        else:
            batch.append(_Account(reference, body, entry, told, profiles))
        if len(batch) == MAKE_BATCH or workers is None:
            in_flight.append(_make_batch(workers, batch))
            batch = []
        while len(in_flight) > MAKE_AHEAD:
            absorb(await in_flight.popleft())
    if batch:
        in_flight.append(_make_batch(workers, batch))
    while in_flight:
        absorb(await in_flight.popleft())
    if doubled:
        made, kept = _without_doubled(result, doubled, secret_names, secrets, shared, made, kept)
    documents: list[tuple[Path, str]] = []
    if profiles:
        # Profiles that exist are another import's, or the partner's: merchants this import does not write list them.
        found_profiles = profile_files(directory, ProfileSet())
        existing_profiles = {path.name.rsplit(".", 1)[0] for path in found_profiles}
        # A profile an earlier import wrote with exactly these values, for as many merchants, is listed again
        # rather than copied under a new name (which left the first one listed by no file).
        same_as = {text: path.name.rsplit(".", 1)[0] for path in found_profiles if (text := _text_of(path))}
        for name, (profile, described) in factor_profiles(kept, existing_profiles, same_as).items():
            if name not in existing_profiles:
                documents.append((directory / "profiles" / f"{name}.yaml", plain_yaml(profile, described)))
        made = [(m.reference, merchant_yaml(m.document, m.comments, HEADER)) for m in kept]
    imported_now = set(result.imported)
    # A file whose merchant cannot be read may declare one this import did not write: loading says so.
    not_written = declarations.unread or any(reference not in imported_now for reference in declarations.files)
    if load_existing is not None and not_written:
        existing = load_existing()
    _declared_by_unread(declarations, existing)
    for declared_merchant in existing:
        if declared_merchant.account_reference not in imported_now:  # a file replaced shares nothing
            shared.add(declared_merchant.account_reference, declared_merchant.wire())
    fellows = shared.fellows()
    made = [(ref, with_shares(text, fellows[ref]) if ref in fellows else text) for ref, text in made]
    paths = merchant_paths(directory / "merchants", [reference for reference, _ in made], declarations)
    owners = {path: reference for reference, path in paths.items()}
    documents += [(paths[reference], text) for reference, text in sorted(made)]
    if partner is not None:
        imported_partner = partner_document(partner)
        planned = check_partner(imported_partner, partner)
        if planned:
            result.not_exact[PARTNER] = planned
        if imported_partner.left_out:
            result.held[PARTNER] = imported_partner.left_out
        text = plain_yaml(imported_partner.document, PARTNER_HEADER, imported_partner.comments)
        documents.append((directory / "partner.yaml", text))
    refuse_existing([path for path, _ in documents], force=force, owners=owners, declarations=declarations)
    result.imported.sort()
    # The names import made for the merchants it writes that their new files do not hold (a stakeholder
    # renamed, a bank account gone; or left by an import whose writes failed): left in the store, validate
    # reports each as used by no file, and it keeps a value no file needs. A file that stays may name one
    # (a merchant sharing its owner lists the owner's values): those are kept, as is every hand-made name.
    stale = made_for_any(store.names(), paths) - secrets.keys()
    if stale:
        replaced = set(paths.values())
        staying = list_merchant_files(directory).files + profile_files(directory, ProfileSet())
        for path in staying:
            if path not in replaced:
                stale -= named_secrets(path)
    # The new values before any file names them; the stale ones only once every file is written, so that a
    # write that fails leaves no file naming a secret the store no longer holds.
    readable = save_secrets(store, secrets)
    result.secrets = len(secrets)
    remove_leftovers(directory / "merchants")
    remove_leftovers(directory / "profiles")  # import writes only its own profiles there, as in merchants/
    remove_leftovers(directory, "partner.yaml")  # beside the user's files: only partner.yaml's own
    for path, text in documents:
        try:
            write_atomically(path, text)
        except OSError as error:  # a full disk, a folder made read-only since the checks
            done = f"{len(result.written)} file(s) were written before it, each whole"
            why = f"cannot write: {error.strerror or type(error).__name__}; {done}; run the import again"
            raise InputError([InputIssue(str(path), 1, 1, why)]) from None
        result.written.append(path)
    readable = save_secrets(store, {}, stale) and readable
    result.locked_out = not readable
    sync_all()
    return result
