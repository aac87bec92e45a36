"""Klarna's bank account hashing: an Argon2id hash of each IBAN goes to Klarna instead of the IBAN.

With ``klarna.bank_account_hashing`` in ``reconciler.yaml`` the loader replaces the ``iban`` of every
Klarna bank account by ``iban_hash`` (``{value, sanitization_method, hashing_method}``, see the README's
sandbox section for what Klarna documents and what is chosen here) once the whole load has succeeded,
taking the hashes ``bank-hashes.age`` keeps (``desired.hash_cache``) and computing the rest. The clear
number is then in no document the reconciler keeps: not in the desired views, the digest, the plan, the
requests or the logs. Dintero's bank accounts are not touched (Dintero takes the number).

The salt is the one Klarna pre-shares: the UTF-8 bytes of the secret (or variable) with surrounding
whitespace removed. It is held by the hasher only and never printed: the hasher's ``repr`` leaves it
out and every message names where the salt comes from, never the salt.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from reconciler.config import BankAccountHashing, Config
from reconciler.desired.declared import canonical_bytes
from reconciler.desired.hash_cache import CachedHashes, HashKeys, read_cached_hashes
from reconciler.desired.secret_store import StoreSource, identities_from_environment
from reconciler.desired.secrets import RESERVED_VARIABLES, shown_secret_name
from reconciler.errors import InputIssue, SecretsError
from reconciler.sensitive import register_marked, register_secret_value

HASH_FIELD = "iban_hash"
# Klarna documents the object's "value" (the Base64-encoded Argon2id output) and a "sanitization_method"
# enum whose values the stored page cuts off; the enum value and the third property are choices.
SANITIZATION_METHOD = "REMOVE_WHITESPACE_UPPERCASE"
HASHING_METHOD = "ARGON2ID"
_MIN_SALT_BYTES = 8  # Argon2's minimum salt length

# A hash is no clear number, but it identifies an account to whoever holds the salt: masked like an IBAN.
register_marked([f"klarna.bank_accounts[].{HASH_FIELD}"])


def sanitize(account_number: str) -> str:
    """Klarna's preprocessing: every whitespace character removed, upper case."""
    return "".join(account_number.split()).upper()


@lru_cache(maxsize=65536)
def _argon2id(secret: str, salt: bytes, settings: tuple[int, int, int, int]) -> str:
    # The same IBAN is hashed once per process however often the desired state is loaded. argon2 (and
    # cffi) is imported on the first hash: validate hashes nothing, nor does a plan without hashing.
    from argon2.low_level import Type, hash_secret_raw

    time_cost, memory_cost, parallelism, hash_length = settings
    raw = hash_secret_raw(secret.encode("utf-8"), salt, time_cost, memory_cost, parallelism, hash_length, Type.ID)
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class BankAccountHasher:
    """Hashes bank account numbers with one salt and one set of Argon2id parameters, taking the hashes
    ``bank-hashes.age`` holds (``desired.hash_cache``) rather than computing them again."""

    settings: BankAccountHashing
    salt: bytes = field(repr=False)
    cached: CachedHashes = field(default_factory=CachedHashes, repr=False)

    @property
    def parameters(self) -> tuple[int, int, int, int]:
        s = self.settings
        return (s.time_cost, s.memory_cost_kib, s.parallelism, s.hash_length)

    @cached_property
    def keys(self) -> HashKeys:
        return HashKeys.from_salt(self.salt)

    def index_of(self, account_number: str) -> str:
        """The index of ``account_number``'s entry in ``bank-hashes.age``."""
        return self.keys.index_of(sanitize(account_number), self.parameters)

    def computed(self, account_number: str) -> str:
        """The Argon2id hash of ``account_number``, computed (``value`` of the ``iban_hash`` object)."""
        return _argon2id(sanitize(account_number), self.salt, self.parameters)

    def hashed(self, account_number: str) -> dict[str, str]:
        """The ``iban_hash`` object Klarna takes for ``account_number``."""
        value = self.cached.hashes.get(self.index_of(account_number)) if self.cached.hashes else None
        if value is None:
            value = self.computed(account_number)
        return {"value": value, "sanitization_method": SANITIZATION_METHOD, "hashing_method": HASHING_METHOD}

    def apply(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A merchant's wire document with every Klarna bank account's ``iban`` replaced by its hash."""
        data = dict(document)
        if not klarna_ibans(data):
            return data
        hashed_accounts = []
        for account in data["klarna"]["bank_accounts"]:
            entry = dict(account)
            iban = entry.pop("iban", None)
            if isinstance(iban, str):
                entry[HASH_FIELD] = self.hashed(iban)
            hashed_accounts.append(entry)
        data["klarna"] = {**data["klarna"], "bank_accounts": hashed_accounts}
        return data

    def apply_canonical(self, canonical: bytes) -> bytes:
        """``apply`` over a canonical document (``desired.declared.canonical_json``'s form), in that form."""
        return canonical_bytes(self.apply(json.loads(canonical)))

    def accounts(self, canonicals: Iterable[bytes]) -> dict[str, str]:
        """The Klarna IBANs of these canonical documents by their index in ``bank-hashes.age``, each once."""
        return {self.index_of(iban): iban for text in canonicals for iban in klarna_ibans(json.loads(text))}

    def uncached(self, canonicals: Iterable[bytes]) -> set[str]:
        """The indexes of the IBANs of these canonical documents that ``bank-hashes.age`` does not hold."""
        return {index for index in self.accounts(canonicals) if index not in self.cached.hashes}


def klarna_ibans(document: Mapping[str, Any]) -> list[str]:
    """The IBANs of a merchant's Klarna bank accounts, in a wire document not hashed yet."""
    klarna = document.get("klarna")
    accounts = klarna.get("bank_accounts") if isinstance(klarna, Mapping) else None
    if not isinstance(accounts, list):
        return []
    return [
        account["iban"] for account in accounts if isinstance(account, Mapping) and isinstance(account.get("iban"), str)
    ]


def with_cached_hashes(
    hasher: BankAccountHasher, directory: Path, secrets: StoreSource
) -> tuple[BankAccountHasher, InputIssue | None]:
    """``hasher`` taking the hashes of ``bank-hashes.age``, and the notice when that file is not read."""
    cached, notice = read_cached_hashes(directory, secrets.identities, hasher.keys)
    return replace(hasher, cached=cached), notice


def _config_issue(config: Config, where: str, message: str) -> InputIssue:
    """An issue at the setting in reconciler.yaml (re-read for its position: this is the rare path)."""
    file = config.source or "reconciler.yaml"
    line, column = 1, 1
    if config.source is not None:
        from reconciler.desired.yaml_loader import load_yaml_file

        document, _ = load_yaml_file(Path(config.source), {})
        if document is not None:
            line, column = document.positions.of_value(("klarna", "bank_account_hashing", where))
    return InputIssue(file, line, column, f"klarna.bank_account_hashing.{where}: {message}")


def _salt_text(
    settings: BankAccountHashing,
    config: Config,
    directory: Path,
    environ: Mapping[str, str],
    secrets: StoreSource | None,
) -> tuple[str | None, InputIssue | None]:
    if settings.salt_env is not None:
        if settings.salt_env in RESERVED_VARIABLES | config.credential_variables():
            # As for !env: a credential must not become a value the reconciler computes with.
            return None, _config_issue(config, "salt_env", f"{settings.salt_env} holds a credential of the reconciler")
        value = environ.get(settings.salt_env)
        if not value:
            return None, _config_issue(config, "salt_env", f"environment variable {settings.salt_env} is not set")
        return value, None
    name = str(settings.salt_secret)
    shown = shown_secret_name(name)
    # The load's own source when given: it knows the sandbox-only test identity of reconciler.yaml too.
    source = secrets or StoreSource(directory, lambda: identities_from_environment(environ), need_values=True)
    try:
        value = source.lookup(name).value
    except SecretsError as error:
        return None, _config_issue(config, "salt_secret", f"the salt {shown} cannot be read: {error}")
    if value is None:
        return None, _config_issue(config, "salt_secret", f"secret {shown} is not in secrets.age")
    return value, None


def bank_account_hasher(
    config: Config, directory: Path, environ: Mapping[str, str], secrets: StoreSource | None = None
) -> tuple[BankAccountHasher | None, list[InputIssue]]:
    """The hasher ``config`` asks for (None when hashing is off), or the issue that keeps it from being made."""
    settings = config.bank_account_hashing
    if settings is None:
        return None, []
    text, issue = _salt_text(settings, config, directory, environ, secrets)
    if issue is not None or text is None:
        return None, [issue] if issue is not None else []
    register_secret_value(text)  # masked by value wherever it could reach a message, like every !secret
    salt = text.strip().encode("utf-8")
    where = "salt_env" if settings.salt_env is not None else "salt_secret"
    if len(salt) < _MIN_SALT_BYTES:
        return None, [_config_issue(config, where, f"the salt is shorter than {_MIN_SALT_BYTES} bytes")]
    return BankAccountHasher(settings, salt), []
