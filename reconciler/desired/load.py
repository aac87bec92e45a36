"""Loading a desired-state directory: config, partner.yaml and every merchant file, validated together.

``load_desired`` reads ``reconciler.yaml`` (optional: all defaults), ``partner.yaml`` (optional) and
``merchants/*.yaml`` / ``*.yml``, resolves ``!env`` references, validates every file and raises one
``InputError`` holding every issue found across all of them. On success it returns a ``DesiredState``
that still knows where each value came from, so later errors can point at the YAML.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.config import Config, ConfigFile, resolve_config
from reconciler.desired.models import Merchant, Partner
from reconciler.desired.positions import SourcePosition, parse_path
from reconciler.desired.validate import (
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
MERCHANTS_DIR = "merchants"


@dataclass
class DesiredState:
    """Everything a desired-state directory declares, validated and normalised."""

    config: Config
    partner: Partner | None
    merchants: list[Merchant]  # sorted by account_reference
    sources: dict[str, str] = field(default_factory=dict)  # the file of each account_reference
    partner_source: str | None = None
    # To read a file again for positions (see ``_document``); it holds the values of ``!env`` references.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_reference = {merchant.account_reference: merchant for merchant in self.merchants}

    def merchant(self, reference: str) -> Merchant:
        """The merchant with this account_reference (``KeyError`` when none is declared)."""
        return self._by_reference[reference]

    def source_file(self, reference: str) -> str:
        """The file that declares a merchant, named as given (e.g. ``desired-state/merchants/x.yaml``)."""
        return self.sources[reference]

    def _document(self, reference: str) -> YamlDocument:
        # Positions of every value of thousands of files would outweigh the models; a file is read
        # again when a position in it is asked for (an error to point at), which is rare.
        document, _ = load_yaml_file(Path(self.sources[reference]), self.environ)
        if document is None:
            raise KeyError(reference)
        return document

    def position(self, reference: str, dotted_path: str = "") -> SourcePosition:
        """Where a merchant's value stands, e.g. ``position("M1", "klarna.stakeholders[1].address.city")``.

        A path that is not in the file (a field left out) gives the nearest enclosing value.
        """
        document = self._document(reference)
        line, column = document.positions.of_value(parse_path(dotted_path))
        return SourcePosition(document.file, line, column)

    def from_environment(self, reference: str, dotted_path: str) -> bool:
        """Whether a merchant's value was written as an ``!env`` reference."""
        return parse_path(dotted_path) in self._document(reference).env_references

    def digest(self) -> str:
        """A sha256 over the normalised desired state (config excluded): equal inputs, equal digest."""
        body = {
            "partner": self.partner.model_dump(mode="json", exclude_unset=True, by_alias=True)
            if self.partner
            else None,
            "merchants": [m.model_dump(mode="json", exclude_unset=True, by_alias=True) for m in self.merchants],
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _load_config(directory: Path, environ: Mapping[str, str], issues: list[InputIssue]) -> Config | None:
    path = directory / CONFIG_FILE
    if not path.exists():
        config, problems = resolve_config(ConfigFile(), environ)
        issues.extend(InputIssue(str(path), 1, 1, f"{'.'.join(p.path)}: {p}") for p in problems)
        return config
    document, found = load_yaml_file(path, environ)
    issues.extend(found)
    if document is None:
        return None
    file_model, found = validate_model(document, ConfigFile)
    issues.extend(found)
    if file_model is None:
        return None
    config, problems = resolve_config(file_model, environ, source=document.file)
    for problem in problems:
        line, column = document.positions.of_value(problem.path)
        issues.append(InputIssue(document.file, line, column, f"{'.'.join(problem.path)}: {problem}"))
    return config


def _load_partner(directory: Path, environ: Mapping[str, str], issues: list[InputIssue]) -> YamlDocument | None:
    path = directory / PARTNER_FILE
    if not path.exists():
        return None
    document, found = load_yaml_file(path, environ)
    issues.extend(found)
    return document


def merchant_files(directory: Path) -> list[Path]:
    """The merchant files of a desired-state directory, in name order."""
    folder = directory / MERCHANTS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def load_desired(directory: Path, *, environ: Mapping[str, str] | None = None) -> DesiredState:
    """Load and validate a desired-state directory; raises ``InputError`` with every issue found."""
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

    keys: list[CrossFileKey] = []
    loaded: list[tuple[Merchant, str]] = []
    for path in merchant_files(directory):
        document, found = load_yaml_file(path, env)
        issues.extend(found)
        if document is None:
            continue
        keys.extend(cross_file_keys(document))
        merchant, found = validate_model(document, Merchant)
        issues.extend(found)
        if merchant is not None:
            issues.extend(check_merchant(merchant, document))
            loaded.append((merchant, document.file))  # not the document: see DesiredState._document
    issues.extend(check_across_files(keys))

    if issues or config is None:
        raise InputError(issues)
    loaded.sort(key=lambda pair: pair[0].account_reference)
    return DesiredState(
        config=config,
        partner=partner,
        merchants=[merchant for merchant, _ in loaded],
        sources={merchant.account_reference: file for merchant, file in loaded},
        partner_source=partner_document.file if partner_document is not None and partner is not None else None,
        environ=env,
    )
