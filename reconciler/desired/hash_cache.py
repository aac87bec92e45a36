"""The bank account hashes kept for the next loads: ``desired-state/bank-hashes.age``.

At Klarna's Argon2id costs a hash takes about 0.1 s of CPU and 64 MiB, so a fleet of 10,000 hashed
accounts would hash for a quarter of an hour on every plan. ``reconciler secrets hashes`` computes each
hash once and keeps it here; a load takes what it finds and computes only what is missing, so a stale,
partial or absent file costs time, never a wrong hash.

The file is JSON encrypted with age for the recipients of the secrets store (``secrets.recipients``):
the hashes are as sensitive as the IBANs (they identify an account to whoever holds the salt), and the
file holds no IBAN. Each entry is found by an index and sealed by a tag, both HMAC-SHA256 under keys
derived from the salt: the index covers the Argon2id parameters and the sanitized IBAN, the tag the index
and the hash. The recipients are public, so anyone may encrypt a file of this name; without the salt
nobody can write an entry a load takes, nor move one account's hash to another: an entry whose tag does
not hold is ignored and its hash computed again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.desired.secret_store import (
    RECIPIENTS_FILE,
    SecretsStore,
    atomic_write,
    decrypt_file,
    read_store_file,
)
from reconciler.errors import InputIssue, SecretsError

HASHES_FILE = "bank-hashes.age"
# About 195 bytes an account once armored (hash_length 32): 10,000 accounts take 1.9 MB, and this bound holds
# about 85,000. Checked before decrypting: a hostile file of the store's own bound (256 MiB) would take
# gigabytes of memory to parse, on every load.
MAX_HASHES_BYTES = 16 * 1024 * 1024


def entry_bytes(hash_length: int) -> int:
    """About how many bytes of the file an entry takes: its index, hash and tag in Base64, in JSON, armored."""
    characters = 44 + 4 * -(-hash_length // 3) + 44 + 10
    return characters * 14 // 10


_FORMAT = "reconciler bank account hashes"
_VERSION = 1


@dataclass(frozen=True)
class HashKeys:
    """The keys of the file's indexes and tags, derived from the salt (never printed: no ``repr``)."""

    index: bytes = field(repr=False)
    tag: bytes = field(repr=False)

    @classmethod
    def from_salt(cls, salt: bytes) -> HashKeys:
        return cls(
            hmac.new(salt, b"reconciler bank-hashes index key v1", hashlib.sha256).digest(),
            hmac.new(salt, b"reconciler bank-hashes tag key v1", hashlib.sha256).digest(),
        )

    def index_of(self, sanitized: str, settings: tuple[int, int, int, int]) -> str:
        """The entry's index for an IBAN already sanitized, under these Argon2id parameters."""
        message = ",".join(str(number) for number in settings).encode() + b"\0" + sanitized.encode("utf-8")
        return base64.b64encode(hmac.new(self.index, message, hashlib.sha256).digest()).decode("ascii")

    def tag_of(self, index: str, value: str) -> str:
        message = index.encode("ascii") + b"\0" + value.encode("ascii")
        return base64.b64encode(hmac.new(self.tag, message, hashlib.sha256).digest()).decode("ascii")


@dataclass(frozen=True)
class CachedHashes:
    """What a load found in the file: each index with its hash, the entries whose tag held."""

    hashes: Mapping[str, str] = field(default_factory=dict, repr=False)
    ignored: int = 0  # entries whose tag did not hold (or that are malformed)
    recipients: str | None = None  # the digest of the recipients it was written for (``recipients_digest``)


def _notice(path: Path, message: str) -> InputIssue:
    return InputIssue(str(path), 1, 1, f"notice: {message}")


def _reason(error: SecretsError, path: Path) -> str:
    """The error's text without the file's name in front: the message it goes into names the file."""
    text = str(error)
    return text.removeprefix(f"{path}: ")


def _read_sealed(path: Path) -> bytes | None:
    """The file's bytes (``read_store_file``), at most ``MAX_HASHES_BYTES``. A link is refused: another age file
    the reader's key opens (a store of another directory) is not to be taken, nor encrypted again for this
    directory's recipients."""
    return read_store_file(path, limit=MAX_HASHES_BYTES, links=False)


def _held(plain: bytes, keys: HashKeys) -> CachedHashes | None:
    """The entries of the clear text whose tag holds under ``keys``; None when it is no file of hashes."""
    try:
        document = json.loads(plain)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deeply
        return None
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        return None
    version = document.get("version")
    if type(version) is not int or version != _VERSION:  # true == 1 in Python
        return None
    entries = document.get("hashes")
    if not isinstance(entries, dict):
        return None
    hashes: dict[str, str] = {}
    ignored = 0
    for index, entry in entries.items():
        if (
            isinstance(entry, list)
            and len(entry) == 2
            and all(isinstance(part, str) and part.isascii() for part in entry)
            and index.isascii()
            and hmac.compare_digest(keys.tag_of(index, entry[0]), entry[1])
        ):
            hashes[index] = entry[0]
        else:
            ignored += 1
    recipients = document.get("recipients")
    return CachedHashes(hashes, ignored, recipients if isinstance(recipients, str) else None)


def read_cached_hashes(
    directory: Path, identities: Callable[[], list[Any] | None], keys: HashKeys
) -> tuple[CachedHashes, InputIssue | None]:
    """The hashes ``bank-hashes.age`` holds for this salt, and a notice when the file is there but is not
    read (no identity, another recipient's file, damaged): the load then computes every hash."""
    path = directory / HASHES_FILE
    try:
        data = _read_sealed(path)
        if data is None:
            return CachedHashes(), None
        found = identities()
        if found is None:
            return CachedHashes(), _notice(path, "not read: no age identity is given; every bank account is hashed")
        plain = decrypt_file(path, data, found)
    except SecretsError as error:
        return CachedHashes(), _notice(path, f"not read ({_reason(error, path)}); every bank account is hashed")
    cached = _held(plain, keys)
    if cached is None:
        message = "not read: decrypts, but is not a file of bank account hashes; every bank account is hashed"
        return CachedHashes(), _notice(path, message)
    notice = None
    if cached.ignored:
        notice = _notice(
            path,
            f"{cached.ignored} of its {cached.ignored + len(cached.hashes)} entries are not for this salt or were "
            "altered: ignored, and their accounts hashed; `reconciler secrets hashes` writes the file again",
        )
    return cached, notice


def recipients_digest(directory: Path) -> str:
    """A digest of the keys ``secrets.recipients`` lists (as written, in any order, comments left out): a
    file written for other recipients is written again, one written for these need not be."""
    data = read_store_file(directory / RECIPIENTS_FILE) or b""
    lines = sorted({line.strip() for line in data.splitlines() if line.strip() and not line.strip().startswith(b"#")})
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


def write_hashes(directory: Path, hashes: Mapping[str, str], keys: HashKeys) -> Path:
    """Write ``hashes`` (index → hash), each entry with its tag, encrypted for the recipients of the secrets
    store of ``directory``, atomically."""
    import pyrage

    path = directory / HASHES_FILE
    recipients = SecretsStore(directory).recipients()
    entries = {index: [value, keys.tag_of(index, value)] for index, value in sorted(hashes.items())}
    document = {"format": _FORMAT, "version": _VERSION, "recipients": recipients_digest(directory), "hashes": entries}
    try:
        sealed = pyrage.encrypt(json.dumps(document, separators=(",", ":")).encode("ascii"), recipients, armored=True)
    except Exception as exc:
        raise SecretsError(f"{path}: cannot encrypt ({type(exc).__name__}); nothing was written") from None
    if len(sealed) > MAX_HASHES_BYTES:
        raise SecretsError(f"{path}: the hashes would take more than {MAX_HASHES_BYTES} bytes; nothing was written")
    if path.is_dir() or path.is_symlink():
        raise SecretsError(f"{path}: is a directory or a symbolic link; the hashes are written to a file there")
    try:
        atomic_write(path, sealed)
    except OSError as exc:
        raise SecretsError(f"{path}: cannot write: {exc.strerror or type(exc).__name__}; nothing was changed") from None
    return path


def rekeyed_hashes(directory: Path, identities: list[Any] | None, keys: HashKeys | str) -> str | None:
    """Encrypt ``bank-hashes.age`` again for the recipients now in ``secrets.recipients``, as a rekey does the
    store (a recipient taken out must not keep reading the hashes); None when done or when there is no such
    file, else why it was not. ``keys``: the salt's, or why they cannot be had. Only the entries whose tag
    holds are written again: whatever else the file decrypts to is never encrypted for new recipients."""
    path = directory / HASHES_FILE
    try:
        data = _read_sealed(path)
        if data is None:
            return None
        if isinstance(keys, str):
            raise SecretsError(keys)
        if identities is None:
            raise SecretsError("no age identity is given")
        cached = _held(decrypt_file(path, data, identities), keys)
        if cached is None:
            raise SecretsError("it decrypts, but is not a file of bank account hashes")
        write_hashes(directory, cached.hashes, keys)
    except SecretsError as error:
        return (
            f"{path} was not encrypted again ({_reason(error, path)}): remove it (loads then hash every bank "
            "account), or run `reconciler secrets hashes`, which writes it for the recipients now listed"
        )
    return None
