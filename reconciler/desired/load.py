"""Loading a desired-state directory: config, partner.yaml and every merchant file, validated together.

``load_desired`` reads ``reconciler.yaml`` (optional: all defaults), ``partner.yaml`` (optional) and
``merchants/*.yaml`` / ``*.yml`` (which entries are read, and what is said of the others: see
``desired.files``) and ``profiles/*.yaml``, applies the profiles each merchant lists
(``desired.profiles``), resolves ``!env`` references, validates every file and raises one ``InputError``
holding every issue found across all of them. Notices (an entry ignored) are not errors: they are
handed to ``notify``, which prints them on stderr unless told otherwise, and kept in the state. On
success it returns a ``DesiredState`` holding each merchant as its canonical document, which can
still find where each value came from, so later errors can point at the YAML.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.config import Config, ConfigFile, resolve_config
from reconciler.desired.declared import DeclaredMerchant, canonical_json
from reconciler.desired.files import MERCHANTS_DIR, input_file_issue, list_merchant_files
from reconciler.desired.models import Merchant, Partner
from reconciler.desired.origins import Origins
from reconciler.desired.positions import SourcePosition, parse_path
from reconciler.desired.profiles import UNSET_HINT, ProfileSet, load_profiles, merchant_issues, resolve_merchant
from reconciler.desired.validate import (
    LEAVE_OUT_DEFAULT,
    LEAVE_OUT_UNMANAGED,
    CrossFileKey,
    check_across_files,
    check_merchant,
    check_partner,
    cross_file_keys,
    validate_model,
)
from reconciler.desired.yaml_loader import YamlDocument, load_yaml_file
from reconciler.errors import InputError, InputIssue

CONFIG_FILE = "reconciler.yaml"
PARTNER_FILE = "partner.yaml"
__all__ = ["CONFIG_FILE", "MERCHANTS_DIR", "PARTNER_FILE", "DesiredState", "declare", "load_desired"]


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
        document, _ = load_yaml_file(path, self.environ)
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


def _load_config(directory: Path, environ: Mapping[str, str], issues: list[InputIssue]) -> Config | None:
    path = directory / CONFIG_FILE
    if not os.path.lexists(path):
        config, problems = resolve_config(ConfigFile(), environ)
        issues.extend(InputIssue(str(path), 1, 1, f"{'.'.join(p.path)}: {p}") for p in problems)
        return config
    if _input_file(directory, CONFIG_FILE, issues) is None:
        return None
    document, found = load_yaml_file(path, environ)
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


def _load_partner(directory: Path, environ: Mapping[str, str], issues: list[InputIssue]) -> YamlDocument | None:
    path = _input_file(directory, PARTNER_FILE, issues)
    if path is None:
        return None
    document, found = load_yaml_file(path, environ)
    issues.extend(found)
    return document


@dataclass
class _Read:
    """One merchant file parsed, resolved, validated and checked: the model when there is no issue."""

    merchant: Merchant | None
    document: YamlDocument | None  # the file's own document (its identity is never a profile's)
    issues: list[InputIssue]
    origins: Origins | None = None


def _read_merchant(path: Path, environ: Mapping[str, str], profiles: ProfileSet, *, fast: bool) -> _Read:
    document, issues = load_yaml_file(path, environ, fast=fast)
    if document is None:
        return _Read(None, None, issues)
    resolution = resolve_merchant(document, profiles, f"{MERCHANTS_DIR}/{path.name}")
    resolved, issues = resolution.document, list(resolution.issues)
    if resolved is None:
        return _Read(None, document, issues)
    leave_out = UNSET_HINT if resolution.uses_profiles else LEAVE_OUT_UNMANAGED
    merchant, found = validate_model(resolved, Merchant, leave_out=leave_out)
    if merchant is not None:
        found = check_merchant(merchant, resolved)
    issues.extend(merchant_issues(found, profiles, document.file) if resolution.uses_profiles else found)
    return _Read(None if issues else merchant, document, issues, resolution.origins)


def declare(merchant: Merchant, source: str, origins: Origins | None = None) -> DeclaredMerchant:
    """The part of a validated merchant that is kept (see ``DeclaredMerchant``)."""
    aid = merchant.dintero.account_id if merchant.dintero is not None else None
    return DeclaredMerchant(merchant.account_reference, aid, source, canonical_json(merchant), origins)


def print_notice(notice: InputIssue) -> None:
    """A notice on stderr, as ``FILE:1:1: notice: …``."""
    print(notice, file=sys.stderr)


def load_desired(
    directory: Path,
    *,
    environ: Mapping[str, str] | None = None,
    notify: Callable[[InputIssue], None] | None = print_notice,
) -> DesiredState:
    """Load and validate a desired-state directory; raises ``InputError`` with every issue found.

    Each notice goes to ``notify`` as it is found (``None``: kept in the state only).
    """
    env = os.environ if environ is None else environ
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError([InputIssue(str(directory), 1, 1, "desired-state directory not found")])
    issues: list[InputIssue] = []
    config = _load_config(directory, env, issues)

    partner: Partner | None = None
    partner_document = _load_partner(directory, env, issues)
    if partner_document is not None:
        partner, found = validate_model(partner_document, Partner)
        issues.extend(found)
        if partner is not None:
            issues.extend(check_partner(partner, partner_document))

    listing = list_merchant_files(directory)
    issues.extend(listing.issues)
    for notice in listing.notices:
        if notify is not None:
            notify(notice)
    profiles = load_profiles(directory, env)
    issues.extend(profiles.issues)
    for notice in profiles.notices:
        if notify is not None:
            notify(notice)
    keys: list[CrossFileKey] = []
    loaded: list[DeclaredMerchant] = []
    for path in listing.files:
        read = _read_merchant(path, env, profiles, fast=True)
        if read.issues:
            read = _read_merchant(path, env, profiles, fast=False)  # see yaml_loader
        issues.extend(read.issues)
        if read.document is not None:
            keys.extend(cross_file_keys(read.document))
        if read.merchant is not None and not issues:
            loaded.append(declare(read.merchant, str(path), read.origins))  # neither model nor document is kept
    issues.extend(check_across_files(keys))

    if issues or config is None:
        raise InputError(list(dict.fromkeys(issues)))  # a profile's issue met through many merchants, once
    loaded.sort(key=lambda merchant: merchant.account_reference)
    return DesiredState(
        config=config,
        partner=partner,
        merchants=loaded,
        partner_source=partner_document.file if partner_document is not None and partner is not None else None,
        environ=env,
        notices=listing.notices + profiles.notices,
        profiles=profiles,
    )
