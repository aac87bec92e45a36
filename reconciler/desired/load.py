"""Loading a desired-state directory: config, partner.yaml and every merchant file, validated together.

``load_desired`` reads ``reconciler.yaml`` (optional: all defaults), ``partner.yaml`` (optional) and
``merchants/*.yaml`` / ``*.yml`` (which entries are read, and what is said of the others: see
``desired.files``) and ``profiles/*.yaml``, applies the profiles each merchant lists
(``desired.profiles``), resolves ``!env`` and ``!secret`` references (``desired.secrets``), validates
every file and raises one ``InputError`` holding every issue found across all of them. A secrets store
that cannot be read at all (no identity, a wrong one, a damaged file) is one ``SecretsError`` instead.
Notices (an entry ignored) are not errors: they are handed to ``notify``, which prints them on
stderr unless told otherwise, and kept in the state. On
success it returns a ``DesiredState`` holding each merchant as its canonical document, which can
still find where each value came from, so later errors can point at the YAML.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reconciler import processes
from reconciler.config import Config, ConfigFile, resolve_config
from reconciler.desired import workers
from reconciler.desired.bank_hashing import BankAccountHasher, bank_account_hasher, with_cached_hashes
from reconciler.desired.declared import DeclaredMerchant, canonical_json
from reconciler.desired.files import (
    MERCHANTS_DIR,
    UnreadableFile,
    check_in_tree,
    directory_issue,
    input_file_issue,
    list_merchant_files,
    read_regular_file,
)
from reconciler.desired.hash_cache import HASHES_FILE
from reconciler.desired.models import Merchant, Partner
from reconciler.desired.origins import Origins
from reconciler.desired.positions import FieldPath, SourcePosition, parse_path
from reconciler.desired.profiles import UNSET_HINT, ProfileSet, load_profiles, merchant_issues, resolve_merchant
from reconciler.desired.secret_store import (
    INDEX_FILE,
    STORE_FILE,
    StoreSource,
    identities_from_environment,
    index_lines,
    parse_identities,
)
from reconciler.desired.secrets import (
    IDENTITY_FILE_VARIABLE,
    IDENTITY_VARIABLE,
    RESERVED_VARIABLES,
    EnvRules,
    shown_secret_name,
)
from reconciler.desired.validate import (
    LEAVE_OUT_DEFAULT,
    LEAVE_OUT_UNMANAGED,
    CrossFileKey,
    Locate,
    check_across_files,
    check_merchant,
    check_partner,
    cross_file_keys,
    validate_model,
)
from reconciler.desired.yaml_loader import YamlDocument, load_yaml_file
from reconciler.errors import InputError, InputIssue, SecretsError
from reconciler.records import pickled_by_fields

CONFIG_FILE = "reconciler.yaml"
PARTNER_FILE = "partner.yaml"
__all__ = [
    "CONFIG_FILE",
    "MERCHANTS_DIR",
    "PARTNER_FILE",
    "DesiredState",
    "declare",
    "identity_loader",
    "load_config",
    "load_desired",
]


@dataclass
class DesiredState:
    """Everything a desired-state directory declares, validated and normalised."""

    config: Config
    partner: Partner | None
    merchants: list[DeclaredMerchant]  # sorted by account_reference
    partner_source: str | None = None
    # To read a file again for positions (see ``_document``); it holds the values of ``!env`` references.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    # What was ignored and said so (hidden files, files that are not merchant files), as FILE:1:1 notices.
    notices: list[InputIssue] = field(default_factory=list)
    # check_only without an identity: files whose model needs a value of the store to be built, so
    # that only their other fields and their references' names were checked.
    withheld_files: list[str] = field(default_factory=list)
    # To resolve ``!secret`` and ``!env`` again when a file is read again.
    secrets: StoreSource | None = field(default=None, repr=False)
    env_rules: EnvRules = field(default_factory=EnvRules, repr=False)
    # The profiles, to resolve a merchant file again for positions (see ``_document``).
    profiles: ProfileSet = field(default_factory=ProfileSet, repr=False)

    def __post_init__(self) -> None:
        self._by_reference = {merchant.account_reference: merchant for merchant in self.merchants}

    def merchant(self, reference: str) -> DeclaredMerchant:
        """The merchant with this account_reference (``KeyError`` when none is declared)."""
        return self._by_reference[reference]

    def source_file(self, reference: str) -> str:
        """The file that declares a merchant, named as given (e.g. ``desired-state/merchants/x.yaml``)."""
        return self._by_reference[reference].source

    def _document(self, reference: str) -> YamlDocument:
        # Positions of every value of thousands of files would outweigh the merchants themselves; a
        # file is read again when a position in it is asked for (an error to point at), which is rare.
        path = Path(self.source_file(reference))
        document, _ = load_yaml_file(path, self.environ, secrets=self.secrets, env_rules=self.env_rules)
        if document is None:
            raise KeyError(reference)
        resolved = resolve_merchant(document, self.profiles, f"{MERCHANTS_DIR}/{path.name}").document
        return resolved if resolved is not None else document

    def position(self, reference: str, dotted_path: str = "") -> SourcePosition:
        """Where a merchant's value stands, e.g. ``position("M1", "klarna.stakeholders[1].address.city")``.

        A path that is not in the file (a field left out) gives the nearest enclosing value.
        """
        document = self._document(reference)
        place = document.at_value(parse_path(dotted_path))
        return SourcePosition(place.file, place.line, place.column)

    def from_environment(self, reference: str, dotted_path: str) -> bool:
        """Whether a merchant's value was written as an ``!env`` reference."""
        return parse_path(dotted_path) in self._document(reference).env_references

    def from_secrets_store(self, reference: str, dotted_path: str) -> bool:
        """Whether a merchant's value was written as a ``!secret`` reference."""
        return parse_path(dotted_path) in self._document(reference).secret_references


def _input_file(directory: Path, name: str, issues: list[InputIssue]) -> Path | None:
    """``directory / name`` when it is there to be read; None when absent or (with an issue) unreadable."""
    path = directory / name
    if not os.path.lexists(path):
        return None
    issue = input_file_issue(path, directory.resolve())
    if issue is not None:
        issues.append(issue)
        return None
    return path


def _load_config(
    directory: Path, environ: Mapping[str, str], issues: list[InputIssue]
) -> tuple[Config | None, YamlDocument | None]:
    """The resolved configuration (None when it has problems) and the document it was read from."""
    path = directory / CONFIG_FILE
    if not os.path.lexists(path):
        defaults, problems = resolve_config(ConfigFile(), environ)
        issues.extend(InputIssue(str(path), 1, 1, f"{'.'.join(p.path)}: {p}") for p in problems)
        return defaults, None
    if _input_file(directory, CONFIG_FILE, issues) is None:
        return None, None
    # Read without the secrets store: where its identity may come from is part of this file. By
    # libyaml first, as a merchant file is; a file with any issue is read again by ruamel.yaml, whose
    # positions its issues are reported at (see yaml_loader).
    for fast in (True, False):
        found_here: list[InputIssue] = []
        document, found = load_yaml_file(path, environ, fast=fast)
        config = _resolve_config_document(document, found, environ, found_here)
        if not found_here:
            break
    issues.extend(found_here)
    if config is not None and document is not None and any(p[:1] == ("targets",) for p in document.secret_references):
        # A target given as a secret is not known to be the sandbox: the test key is not used.
        config = replace(config, secrets_identity_file=None)
    return config, document


def _resolve_config_document(
    document: YamlDocument | None, found: list[InputIssue], environ: Mapping[str, str], issues: list[InputIssue]
) -> Config | None:
    issues.extend(found)
    if document is None:
        return None
    file_model, found = validate_model(document, ConfigFile, leave_out=LEAVE_OUT_DEFAULT)
    issues.extend(found)
    if file_model is None:
        return None
    config, problems = resolve_config(file_model, environ, source=document.file)
    for problem in problems:
        line, column = document.positions.of_value(problem.path)
        issues.append(InputIssue(document.file, line, column, f"{'.'.join(problem.path)}: {problem}"))
    return config


def load_config(directory: Path, environ: Mapping[str, str] | None = None) -> Config:
    """``reconciler.yaml`` of a desired-state directory alone, resolved; raises ``InputError``."""
    issues: list[InputIssue] = []
    config, _ = _load_config(Path(directory), os.environ if environ is None else environ, issues)
    if issues or config is None:
        raise InputError(issues)
    return config


def identity_loader(
    directory: Path, config: Config | None, environ: Mapping[str, str]
) -> Callable[[], list[Any] | None]:
    """Where the identity of the secrets store comes from: the environment, else (sandbox targets
    only, see ``config``) ``secrets.identity_file`` of reconciler.yaml. Read on first use."""

    def identities() -> list[Any] | None:
        found = identities_from_environment(environ)
        if found is not None or config is None or config.secrets_identity_file is None:
            return found
        where = f"{directory / CONFIG_FILE}: secrets.identity_file"
        if not config.all_sandbox:
            raise SecretsError(
                f"{where} is the sandbox's test key and is used only while every target is the sandbox; for "
                f"these targets set {IDENTITY_VARIABLE} (the AGE-SECRET-KEY-1… line) or {IDENTITY_FILE_VARIABLE}"
            )
        path = directory / config.secrets_identity_file
        try:
            check_in_tree(path, directory.resolve())
            text = read_regular_file(path).decode("utf-8")
        except UnreadableFile as error:
            raise SecretsError(f"{where}: {path}: {error}") from None
        except UnicodeDecodeError:
            raise SecretsError(f"{where}: {path}: not an age identity file nor an SSH key (not UTF-8 text)") from None
        return parse_identities(text, str(path))

    return identities


def _unused_secrets(directory: Path, source: StoreSource) -> list[InputIssue]:
    """A secret of the store that no file uses, at its line of secrets.index."""
    if not (directory / STORE_FILE).exists() and not (directory / INDEX_FILE).exists():
        return []
    lines = index_lines(directory) or {}
    index = str(directory / INDEX_FILE)
    issues = []
    for name in sorted(source.names() - source.used):
        shown = shown_secret_name(name)  # masked when it looks like a value: the line still points at it
        why = f"secret {shown} is used by no file (remove it: reconciler secrets rm {shown})"
        issues.append(InputIssue(index, lines.get(name, 1), 1, why))
    return issues


@dataclass(frozen=True)
class _References:
    """How the references of one load resolve."""

    secrets: StoreSource
    env_rules: EnvRules


def _load_partner(
    directory: Path, environ: Mapping[str, str], references: _References, issues: list[InputIssue]
) -> tuple[Partner | None, YamlDocument | None]:
    path = _input_file(directory, PARTNER_FILE, issues)
    if path is None:
        return None, None
    document, found = load_yaml_file(path, environ, secrets=references.secrets, env_rules=references.env_rules)
    issues.extend(found)
    if document is None:
        return None, None
    partner, found = validate_model(document, Partner)
    issues.extend(found)
    if partner is not None:
        issues.extend(check_partner(partner, document))
    return partner, document


@dataclass
class _Read:
    """One merchant file parsed, resolved, validated and checked: the model when there is no issue."""

    merchant: Merchant | None
    document: YamlDocument | None  # the file's own document (its identity is never a profile's)
    issues: list[InputIssue]
    origins: Origins | None = None
    resolved: YamlDocument | None = None  # with its profiles applied


def _read_merchant(
    path: Path, environ: Mapping[str, str], references: _References, profiles: ProfileSet, *, fast: bool
) -> _Read:
    """Problems of references alone (an unset variable, a missing secret) come with the file's other
    problems: the model is validated without the values they stand for."""
    document, issues = load_yaml_file(
        path, environ, fast=fast, secrets=references.secrets, env_rules=references.env_rules
    )
    if document is None:
        return _Read(None, None, issues)
    resolution = resolve_merchant(document, profiles, f"{MERCHANTS_DIR}/{path.name}")
    resolved = resolution.document
    issues = issues + resolution.issues
    if resolved is None:
        return _Read(None, document, issues)
    leave_out = UNSET_HINT if resolution.uses_profiles else LEAVE_OUT_UNMANAGED
    merchant, found = validate_model(resolved, Merchant, leave_out=leave_out)
    if merchant is not None:
        found = check_merchant(merchant, resolved)
    issues.extend(merchant_issues(found, profiles, document.file) if resolution.uses_profiles else found)
    return _Read(None if issues else merchant, document, issues, resolution.origins, resolved)


@pickled_by_fields
@dataclass(frozen=True)
class _Outcome:
    """What one merchant file gives the load: its issues, its values checked across files, and the
    merchant it declares (None with an issue, or when not asked for) or whether it was withheld."""

    issues: list[InputIssue]
    keys: list[CrossFileKey]
    declared: DeclaredMerchant | None
    withheld: bool
    digest: bytes = b""  # of the bytes read (``YamlDocument.digest``), for ``_MerchantReader.locate``


@dataclass(frozen=True)
class _MerchantReader:
    """Reads one merchant file of a load into its ``_Outcome``: what the load's loop, or a worker
    process (``desired.workers``, ``reconciler.processes``), does for each file."""

    environ: Mapping[str, str]
    references: _References
    profiles: ProfileSet

    def __call__(self, path: Path, *, declaring: bool = True) -> _Outcome:
        read = _read_merchant(path, self.environ, self.references, self.profiles, fast=True)
        if read.issues:
            read = _read_merchant(path, self.environ, self.references, self.profiles, fast=False)  # see yaml_loader
        keys = cross_file_keys(read.document, read.resolved) if read.document is not None else []
        declared = None
        if read.merchant is not None and declaring:  # neither the model nor the document is kept
            declared = declare(read.merchant, str(path), read.origins)
        withheld = (
            read.merchant is None and not read.issues and read.resolved is not None and bool(read.resolved.unresolved)
        )
        return _Outcome(read.issues, keys, declared, withheld, read.document.digest if read.document else b"")

    def locate(self, exact: Set[str], digests: Mapping[str, bytes]) -> Locate:
        """Where a value of a merchant file stands, for an issue across files to point at: the file is
        read again, as it was read (``exact``: the files with issues, read as ``__call__`` reads them), if
        its bytes are still those read (``digests``); else the issue points at its first line."""

        @functools.lru_cache(maxsize=64)  # a file shares several values, or one with many files
        def documents(file: str) -> tuple[YamlDocument | None, YamlDocument | None]:
            path = Path(file)
            references = self.references
            fast = file not in exact
            document, _ = load_yaml_file(
                path,
                self.environ,
                fast=fast,
                secrets=references.secrets,
                env_rules=references.env_rules,
                digest=digests.get(file, b""),
            )
            if document is None:  # changed since it was read: no place to point at
                return None, None
            return document, resolve_merchant(document, self.profiles, f"{MERCHANTS_DIR}/{path.name}").document

        def place(file: str, path: FieldPath, in_resolved: bool) -> tuple[int, int]:
            document, resolved = documents(file)
            chosen = resolved if in_resolved and resolved is not None else document
            if chosen is None:
                return (1, 1)
            where = chosen.at_value(path)
            return where.line, where.column

        return place


def _read_merchants(paths: list[Path], reader: _MerchantReader, issues: list[InputIssue]) -> list[_Outcome]:
    """Each file's outcome, in order: from worker processes when there are enough files for them to
    pay (``desired.workers``), else here, where a file after an issue is not declared."""
    outcomes: list[_Outcome] = []
    rest = paths
    if processes.worker_count(len(paths)) > 1:
        # The first file is read here: what every file needs once (the merchant model's validator,
        # modules imported on first use) is then made before the fork, not in each worker.
        outcomes.append(reader(paths[0], declaring=not issues))
        rest = paths[1:]
        failed = bool(issues or outcomes[0].issues)
        found = workers.in_workers(reader, rest, reader.references.secrets, issue_found=failed)
        if found is not None:
            outcomes.extend(found)
            rest = []
    failed = bool(issues) or any(outcome.issues for outcome in outcomes)
    for path in rest:
        outcomes.append(reader(path, declaring=not failed))
        failed = failed or bool(outcomes[-1].issues)
    return outcomes


def _hashed(merchants: list[DeclaredMerchant], hasher: BankAccountHasher) -> tuple[list[DeclaredMerchant], int]:
    """The merchants with their Klarna bank accounts hashed (by worker processes when some hash is to be
    computed and they pay), and how many accounts' hashes were computed, not found in bank-hashes.age."""
    canonicals = [merchant.canonical for merchant in merchants]
    computed = len(hasher.uncached(canonicals))
    hashed = processes.mapped_in_workers(hasher.apply_canonical, canonicals) if computed else None
    done = hashed if hashed is not None else [hasher.apply_canonical(text) for text in canonicals]
    return [
        replace(merchant, canonical=canonical) for merchant, canonical in zip(merchants, done, strict=True)
    ], computed


def declare(merchant: Merchant, source: str, origins: Origins | None = None) -> DeclaredMerchant:
    """The part of a validated merchant that is kept (see ``DeclaredMerchant``), its bank accounts not
    hashed yet (``_hashed``)."""
    aid = merchant.dintero.account_id if merchant.dintero is not None else None
    return DeclaredMerchant(merchant.account_reference, aid, source, canonical_json(merchant), origins)


def _computed_notice(directory: Path, computed: int) -> InputIssue:
    accounts = "bank account hash" if computed == 1 else "bank account hashes"
    path = directory / HASHES_FILE
    where = "not found in this file" if os.path.lexists(path) else "there is no such file yet"
    return InputIssue(
        str(path),
        1,
        1,
        f"notice: {computed} {accounts} computed, {where} (Argon2id: about 0.1 s of CPU each at Klarna's costs); "
        "`reconciler secrets hashes` keeps them for the next loads",
    )


def print_notice(notice: InputIssue) -> None:
    """A notice on stderr, as ``FILE:1:1: notice: …``."""
    print(notice, file=sys.stderr)


def load_desired(
    directory: Path,
    *,
    environ: Mapping[str, str] | None = None,
    notify: Callable[[InputIssue], None] | None = print_notice,
    check_only: bool = False,
    hash_bank_accounts: bool = True,
) -> DesiredState:
    """Load and validate a desired-state directory; raises ``InputError`` with every issue found.

    Each notice goes to ``notify`` as it is found (``None``: kept in the state only). ``check_only``
    is ``validate``: without an identity the names of secrets come from ``secrets.index`` (nothing is
    decrypted, and values written as ``!secret`` are not checked), a secret no file uses is an
    issue, and bank account hashing is not done (no salt is read, the merchants keep their IBANs).
    The state it returns is then for reporting only, never for planning. ``hash_bank_accounts=False``
    leaves hashing out alone.
    """
    env = os.environ if environ is None else environ
    directory = Path(directory)
    unreadable = directory_issue(directory)
    if unreadable is not None:
        raise InputError([unreadable])
    issues: list[InputIssue] = []
    config, config_document = _load_config(directory, env, issues)
    # Without a configuration (its issues are reported) nothing is decrypted: only names are checked.
    need_values = not check_only and config is not None
    references = _References(
        StoreSource(directory, identity_loader(directory, config, env), need_values=need_values),
        EnvRules(
            reserved=RESERVED_VARIABLES | (config.credential_variables() if config is not None else frozenset()),
            allow_fallback=config.env_allow_fallback if config is not None else frozenset(),
        ),
    )
    if config_document is not None and config_document.secret_references:
        # A setting given as a secret (a hashing salt): read the file again, with the store.
        issues.clear()
        document, found = load_yaml_file(
            Path(config_document.file), env, secrets=references.secrets, env_rules=references.env_rules
        )
        config = _resolve_config_document(document, found, env, issues)
    hashing = config is not None and hash_bank_accounts and not check_only
    hasher, found_hasher = (
        bank_account_hasher(config, directory, env, references.secrets) if hashing and config else (None, [])
    )
    issues.extend(found_hasher)
    notices: list[InputIssue] = []
    if hasher is not None:
        hasher, cache_notice = with_cached_hashes(hasher, directory, references.secrets)
        notices.extend([cache_notice] if cache_notice is not None else [])

    partner, partner_document = _load_partner(directory, env, references, issues)

    listing = list_merchant_files(directory)
    issues.extend(listing.issues)
    for notice in listing.notices:
        if notify is not None:
            notify(notice)
    profiles = load_profiles(directory, env, secrets=references.secrets, env_rules=references.env_rules)
    issues.extend(profiles.issues)
    for notice in profiles.notices:
        if notify is not None:
            notify(notice)
    keys: list[CrossFileKey] = []
    loaded: list[DeclaredMerchant] = []
    withheld: list[str] = []
    reader = _MerchantReader(env, references, profiles)
    exact: set[str] = set()  # read again as they were read, for a place to point at (``locate``)
    digests: dict[str, bytes] = {}
    for path, outcome in zip(listing.files, _read_merchants(listing.files, reader, issues), strict=True):
        issues.extend(outcome.issues)
        keys.extend(outcome.keys)
        digests[str(path)] = outcome.digest
        if outcome.issues:
            exact.add(str(path))
        if outcome.declared is not None and not issues:
            loaded.append(outcome.declared)
        elif outcome.withheld:
            withheld.append(str(path))
    issues.extend(check_across_files(keys, reader.locate(exact, digests)))
    if check_only:
        hashing_salt = config.bank_account_hashing.salt_secret if config and config.bank_account_hashing else None
        if hashing_salt is not None:
            references.secrets.used.add(hashing_salt)  # reconciler.yaml uses it by name, not as a !secret
        issues.extend(_unused_secrets(directory, references.secrets))

    if issues or config is None:
        raise InputError(list(dict.fromkeys(issues)))  # a profile's issue met through many merchants, once
    if hasher is not None:
        # Hashed only now, when the load is known to succeed: a load with an issue keeps no merchant.
        loaded, computed = _hashed(loaded, hasher)
        notices.extend([_computed_notice(directory, computed)] if computed else [])
    for notice in notices:
        if notify is not None:
            notify(notice)
    loaded.sort(key=lambda merchant: merchant.account_reference)
    return DesiredState(
        config=config,
        partner=partner,
        merchants=loaded,
        partner_source=partner_document.file if partner_document is not None and partner is not None else None,
        environ=env,
        notices=listing.notices + profiles.notices + notices,
        secrets=references.secrets,
        env_rules=references.env_rules,
        withheld_files=withheld,
        profiles=profiles,
    )
