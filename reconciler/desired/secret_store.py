"""The secrets store: ``desired-state/secrets.age``, a YAML mapping of names to values, encrypted with age.

Three files sit beside the merchant files:

- ``secrets.age``: the mapping ``NAME: value``, encrypted for every recipient. It is written in age's
  ASCII armor (text, so git and every tool that reads the repository's files as text handle it);
  ``age --decrypt -i key.txt secrets.age`` reads it, and a file written by ``age -R secrets.recipients``
  (armored with ``-a`` or binary) is read as well;
- ``secrets.recipients``: age's recipients-file format (one ``age1…`` or ``ssh-…`` public key a line,
  ``#`` comments and blank lines ignored);
- ``secrets.index``: the names only, one a line, in plain text. ``validate`` checks ``!secret`` names
  against it without any identity, so a pull request can be checked with no key at all.

The identity comes from ``RECONCILER_AGE_IDENTITY`` or from the file named by
``RECONCILER_AGE_IDENTITY_FILE``: ``AGE-SECRET-KEY-1…`` lines, as ``age-keygen`` writes them, or an unencrypted
SSH private key (``ssh-ed25519`` or ``ssh-rsa``, as ``ssh-keygen`` writes it). Every recipient the recipients
file may list has an identity of one of these two kinds, as with ``age -d -i``: a store encrypted for
``ssh-ed25519 AAAA…`` is read with ``~/.ssh/id_ed25519`` by the reconciler and by the age CLI alike. Values are held
as ``Sensitive``-free plain strings here; callers mask them like every other sensitive value.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.desired.files import UnreadableFile, read_regular_file
from reconciler.desired.libyaml_parser import text_loader
from reconciler.desired.secrets import (
    IDENTITY_FILE_VARIABLE,
    IDENTITY_VARIABLE,
    MAX_SECRET_NAME_CHARS,
    SECRET_NAME,
    SecretLookup,
    shown_secret_name,
)
from reconciler.errors import SecretsError

STORE_FILE = "secrets.age"
RECIPIENTS_FILE = "secrets.recipients"
INDEX_FILE = "secrets.index"

# secrets.age holds every merchant's values, about 540 bytes a merchant of five: a merchant file's 16 MiB
# was reached near 31,000 merchants. A bound still, as the plan file's, for /dev/zero in its place.
MAX_STORE_BYTES = 256 * 1024 * 1024
# Recipients a store is encrypted for, and so the stanzas of an age header read: age's header parser takes
# time in the square of the stanzas (1,000 take 7 s, 4,000 two minutes). A team's keys and its CI systems'
# are a few; an SSH-RSA stanza, the largest, is about 400 bytes.
MAX_RECIPIENTS = 128
MAX_HEADER_BYTES = 128 * 1024
_GREASE_STANZAS = 8  # rage (pyrage) adds a stanza of random type to each header, so that parsers stay lenient
_ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
_IDENTITY_PREFIX = "AGE-SECRET-KEY-"  # how an age private key begins (age-keygen writes it upper case)
# How an SSH private key file begins (OpenSSH's own format, or PEM for an older RSA key).
_SSH_KEY_MARK = "-----BEGIN "
# The largest SSH private key file there is (RSA 16384, about 12 KiB), with room: pyrage reads one in time
# quadratic in its size, so a megabyte of text after a ``-----BEGIN`` line would keep a command busy for hours.
MAX_SSH_KEY_CHARS = 32 * 1024
_INDEX_HEADER = "# Names in secrets.age (values are never written here). Kept by `reconciler secrets`.\n"


def read_store_file(
    path: Path, label: str | None = None, *, limit: int = MAX_STORE_BYTES, links: bool = True
) -> bytes | None:
    """The bytes of a store file or key file, ``None`` when there is none; ``SecretsError`` naming the file
    (or ``label``) when it is not a regular file, is larger than ``limit``, or is a symbolic link and ``links``
    is false. Read like the merchant files (``read_regular_file``): opening a FIFO would wait for a writer
    forever, and /dev/zero would be read until the memory ran out."""
    if not os.path.lexists(path):
        return None
    if not links and os.path.islink(path):
        raise SecretsError(f"{label or path}: is a symbolic link: only a regular file is read")
    try:
        return read_regular_file(path, limit)
    except UnreadableFile as error:
        raise SecretsError(f"{label or path}: {error}") from None


def _header(data: bytes) -> bytes:
    """The start of an age file's header, de-armored when armored: at most ``MAX_HEADER_BYTES`` and a little."""
    text = data.lstrip()
    if not text.startswith(_ARMOR_BEGIN):
        return data[: MAX_HEADER_BYTES + 1]
    decoded = bytearray()
    position = len(_ARMOR_BEGIN)
    while len(decoded) <= MAX_HEADER_BYTES and b"\n--- " not in decoded[-4096:]:
        end = text.find(b"\n", position + 1)
        line = text[position : end if end != -1 else len(text)].strip()
        if line.startswith(b"-----"):
            break
        try:
            decoded += base64.b64decode(line, validate=True)
        except binascii.Error:
            break  # age reports what is wrong with the armor
        if end == -1:
            break
        position = end
    return bytes(decoded)


def _check_header(path: Path, data: bytes) -> None:
    """Refuse, before age reads it, a header age would take minutes or hours over: its parser's time grows
    with the square of the stanzas, and anyone can write a file of one stanza copied thousands of times."""
    header = _header(data)
    end = header.find(b"\n--- ")
    if end == -1 and len(header) > MAX_HEADER_BYTES:
        raise SecretsError(f"{path}: its age header is longer than {MAX_HEADER_BYTES // 1024} KiB: refused unread")
    stanzas = header[: end if end != -1 else len(header)].count(b"\n-> ")
    if stanzas > MAX_RECIPIENTS + _GREASE_STANZAS:
        raise SecretsError(
            f"{path}: its age header holds {stanzas:,} stanzas, more than a file written for the {MAX_RECIPIENTS} "
            "recipients a store may have: refused unread"
        )


def decrypt_file(path: Path, data: bytes, identities: list[Any]) -> bytes:
    """``data``, the age file read from ``path``, decrypted; ``SecretsError`` naming the file when it cannot be."""
    import pyrage

    _check_header(path, data)
    try:
        plain: bytes = pyrage.decrypt(data, identities)
    except pyrage.DecryptError as exc:
        reason = str(exc).lower()
        if "no matching keys" in reason or "no identity matched" in reason:
            raise SecretsError(
                f"{path}: cannot be decrypted with the identity given: it is not one of the store's recipients "
                f"(a wrong key, or the store was not rekeyed after {RECIPIENTS_FILE} changed), or the file's "
                "header is damaged"
            ) from None
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SecretsError(f"{path}: is damaged or not an age file (age: {first_line})") from None
    except Exception:
        raise SecretsError(f"{path}: is damaged or not an age file") from None
    return plain


def check_name(name: str) -> str:
    """``name`` if it is a valid secret name; raises ``SecretsError`` naming the rule otherwise."""
    if len(name) > MAX_SECRET_NAME_CHARS:
        raise SecretsError(f"a secret name is at most {MAX_SECRET_NAME_CHARS} characters, not {len(name):,}")
    if not SECRET_NAME.fullmatch(name):
        # A value typed where the name goes is masked, as in every message naming a secret.
        raise SecretsError(
            f"{shown_secret_name(name)!r} is not a valid secret name: use letters, digits, '_', '.' and '-', "
            "starting with a letter or '_'"
        )
    return name


def parse_recipients(text: str, source: str) -> list[Any]:
    """The recipients of an age recipients file; raises ``SecretsError`` at the first bad line."""
    import pyrage  # imported where age is used: validate without an identity never needs it

    recipients: list[Any] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.startswith("age1"):
                recipients.append(pyrage.x25519.Recipient.from_str(line))
            elif line.startswith(("ssh-", "ecdsa-")):
                # authorized_keys form, whose fields any blanks part (a tab too, which pyrage refuses).
                recipients.append(pyrage.ssh.Recipient.from_str(" ".join(line.split())))
            else:
                raise ValueError("not an age or ssh public key")
        except Exception as exc:  # pyrage raises its own RecipientError, or ValueError
            raise SecretsError(f"{source}:{number}: not a recipient age understands ({type(exc).__name__})") from None
        if len(recipients) > MAX_RECIPIENTS:
            break  # refused below, without parsing the rest of a file that may hold millions of lines
    if not recipients:
        raise SecretsError(f"{source}: lists no recipient; add a public key from `age-keygen -y KEYFILE`")
    if len(recipients) > MAX_RECIPIENTS:
        raise SecretsError(
            f"{source}: lists more than {MAX_RECIPIENTS} recipients; a store is written for at most {MAX_RECIPIENTS}"
        )
    return recipients


def _ssh_identity(text: str, source: str) -> Any:
    """The identity of an SSH private key file's text (one key, as ``age -i`` reads such a file)."""
    import pyrage

    if len(text) > MAX_SSH_KEY_CHARS:
        raise SecretsError(
            f"{source}: is too large to be an SSH private key ({len(text):,} characters; one is at most "
            f"{MAX_SSH_KEY_CHARS:,})"
        )
    try:
        return pyrage.ssh.Identity.from_buffer(text.strip().encode("utf-8") + b"\n")
    except Exception as exc:
        # Never the text: it is a private key. pyrage tells an encrypted key by this message alone.
        if "decrypted first" in str(exc):
            raise SecretsError(
                f"{source}: holds an SSH private key protected by a passphrase, which the reconciler cannot ask "
                "for: give an unencrypted copy (kept out of git) or an age identity (AGE-SECRET-KEY-1…)"
            ) from None
        raise SecretsError(
            f"{source}: holds an SSH private key age cannot use: an identity is an ssh-ed25519 or ssh-rsa key, "
            "or an age identity (AGE-SECRET-KEY-1…)"
        ) from None


def parse_identities(text: str, source: str) -> list[Any]:
    """The identities in an age identity file's text (comments and blank lines ignored), or the one identity
    of an SSH private key file's text."""
    import pyrage

    if _ARMOR_BEGIN.decode() in text:
        # ``age -p`` wrote it (age asks for the passphrase; a command run in CI cannot).
        raise SecretsError(
            f"{source}: is an age identity file encrypted with a passphrase, which reconciler cannot ask for: "
            "give the decrypted identity (AGE-SECRET-KEY-1…, kept out of git)"
        )
    if _SSH_KEY_MARK in text:
        return [_ssh_identity(text, source)]
    identities: list[Any] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except Exception:
            # Never echo the line: it is a private key, or a mistyped one.
            raise SecretsError(
                f"{source}: holds a line that is not an age identity (AGE-SECRET-KEY-1…) nor an SSH private key"
            ) from None
    if not identities:
        raise SecretsError(f"{source}: holds no age identity")
    return identities


def identities_from_environment(environ: Mapping[str, str]) -> list[Any] | None:
    """The identities named by the environment, or ``None`` when neither variable is set."""
    inline = environ.get(IDENTITY_VARIABLE)
    if inline:
        return parse_identities(inline, IDENTITY_VARIABLE)
    path = environ.get(IDENTITY_FILE_VARIABLE)
    if path:
        if _IDENTITY_PREFIX in path.upper() or _SSH_KEY_MARK in path:
            # The key itself given where its file's name goes: every message below names the path, and
            # would print the private key.
            raise SecretsError(
                f"{IDENTITY_FILE_VARIABLE} holds an age identity, not the name of a file: give the key itself (the "
                f"AGE-SECRET-KEY-1… line, or the SSH private key) in {IDENTITY_VARIABLE}, or the key file's path in "
                f"{IDENTITY_FILE_VARIABLE}"
            )
        data = read_store_file(Path(path), f"{IDENTITY_FILE_VARIABLE}: {path}")
        if data is None:
            raise SecretsError(f"{IDENTITY_FILE_VARIABLE}: cannot read {path}: No such file or directory")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretsError(
                f"{IDENTITY_FILE_VARIABLE}: {path} is not UTF-8 text (an age key file and an SSH key file are)"
            ) from None
        return parse_identities(text, path)
    return None


def index_lines(directory: Path) -> dict[str, int] | None:
    """Each name of ``secrets.index`` and the line it is on, or ``None`` when there is no index."""
    path = directory / INDEX_FILE
    data = read_store_file(path)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretsError(f"{path}: cannot read: not UTF-8 text") from None
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        name = raw.strip()
        if not name or name.startswith("#"):
            continue
        if len(name) > MAX_SECRET_NAME_CHARS or not SECRET_NAME.fullmatch(name):
            # Refused, and never echoed: `secrets list` printed the index's lines as they were, and a hostile
            # or mangled index's line may be escape sequences for the reader's terminal, or a value pasted there.
            raise SecretsError(
                f"{path}:{number}: not a secret name (letters, digits, '_', '.' and '-', starting with a letter "
                "or '_'); `reconciler secrets rekey` writes the index again from the store"
            )
        lines.setdefault(name, number)
    return lines


def read_index(directory: Path) -> list[str] | None:
    """The names listed in ``secrets.index``, or ``None`` when there is no index."""
    lines = index_lines(directory)
    return None if lines is None else sorted(lines)


def _staged(path: Path, data: bytes) -> Path:
    """A temporary file beside ``path`` holding ``data``, flushed to the disk, for ``os.replace`` to put in place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def atomic_write(path: Path, data: bytes) -> None:
    # A temporary file in the same directory, then a rename: a reader never sees half a file.
    temporary = _staged(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _dump_mapping(values: Mapping[str, str]) -> bytes:
    # libyaml when PyYAML has it: a store of 20,000 values is dumped and loaded in milliseconds.
    text = yaml.dump(
        {name: values[name] for name in sorted(values)},
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,  # never fold a value over lines
    )
    return text.encode("utf-8")


def _load_mapping(data: bytes, source: str) -> dict[str, str]:
    try:
        # The node tree, not constructed values: every scalar stays text as written (a national id 0742
        # stays 0742, yes stays yes), and a name written twice is seen rather than the last one kept.
        text = data.decode("utf-8")
        root = yaml.compose(text, Loader=text_loader(text))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deeply
        raise SecretsError(f"{source}: decrypts, but is not a YAML mapping of names to values") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise SecretsError(f"{source}: decrypts, but is not a YAML mapping of names to values")
    values: dict[str, str] = {}
    for key, value in root.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if not isinstance(name, str) or not SECRET_NAME.fullmatch(name):
            raise SecretsError(f"{source}: holds a key that is not a valid secret name")
        if not isinstance(value, yaml.ScalarNode):
            raise SecretsError(f"{source}: secret {shown_secret_name(name)} is not a text value")
        if name in values:
            raise SecretsError(f"{source}: holds secret {shown_secret_name(name)} twice; keep one")
        values[name] = str(value.value)
    return values


@dataclass
class SecretsStore:
    """The decrypted store of one desired-state directory (or an empty one not yet written)."""

    directory: Path
    values: dict[str, str] = field(default_factory=dict)
    # The identities it was opened with (None: none was given), for ``save`` to tell whether they still read it.
    identities: list[Any] | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        return self.directory / STORE_FILE

    @classmethod
    def open(cls, directory: Path, identities: list[Any] | None) -> SecretsStore:
        """Decrypt ``secrets.age`` of ``directory``; an absent file is an empty store.

        Raises ``SecretsError`` when the file exists and no identity is given, the identity is not a
        recipient, or the file is damaged."""
        path = directory / STORE_FILE
        data = read_store_file(path)
        if data is None:
            return cls(directory, identities=identities)
        if identities is None:
            raise SecretsError(
                f"{path}: needs an age identity to decrypt: set {IDENTITY_VARIABLE} "
                f"(the AGE-SECRET-KEY-1… line or an SSH private key) or {IDENTITY_FILE_VARIABLE} (a key file)"
            )
        return cls(directory, _load_mapping(decrypt_file(path, data, identities), str(path)), identities)

    def names(self) -> list[str]:
        return sorted(self.values)

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[check_name(name)] = value

    def remove(self, name: str) -> bool:
        return self.values.pop(name, None) is not None

    def recipients(self) -> list[Any]:
        path = self.directory / RECIPIENTS_FILE
        data = read_store_file(path)
        if data is None:
            raise SecretsError(
                f"{path}: not found; create it with the public keys that may read the secrets, "
                "e.g. `age-keygen -o key.txt` then `age-keygen -y key.txt > " + str(path) + "`"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretsError(f"{path}: not UTF-8 text: one age or ssh public key a line") from None
        return parse_recipients(text, str(path))

    def save(self) -> bool:
        """Encrypt for every recipient of ``secrets.recipients`` and write the store and its index,
        each atomically. Saving again after a recipient change is a rekey.

        Returns whether the identity the store was opened with can still decrypt it (True when it was
        opened without one): a rekey for recipients that leave it out locks its holder out."""
        import pyrage

        recipients = self.recipients()
        try:
            sealed = pyrage.encrypt(_dump_mapping(self.values), recipients, armored=True)
        except Exception as exc:
            raise SecretsError(f"{self.path}: cannot encrypt ({type(exc).__name__})") from None
        index_path = self.directory / INDEX_FILE
        for path in (self.path, index_path):
            # Checked before either is written: the store written and its index not would disagree.
            if path.is_dir():
                raise SecretsError(f"{path}: is a directory; the secrets store writes a file there")
        index = _INDEX_HEADER + "".join(f"{name}\n" for name in self.names())
        staged: list[tuple[Path, Path]] = []
        try:
            # Both files written out before either is renamed into place: a full disk or a failed write
            # while writing the index must not leave the new store beside the old index (validate without
            # an identity would check names the store no longer holds).
            for path, data in ((self.path, sealed), (index_path, index.encode("utf-8"))):
                try:
                    staged.append((path, _staged(path, data)))
                except OSError as exc:
                    raise SecretsError(
                        f"{path}: cannot write: {exc.strerror or type(exc).__name__}; nothing was changed"
                    ) from None
            for path, temporary in staged:
                try:
                    os.replace(temporary, path)
                except OSError as exc:
                    done = (
                        "nothing was changed"
                        if path == self.path
                        else f"{self.path} was written; `reconciler secrets rekey` writes the index again"
                    )
                    raise SecretsError(f"{path}: cannot write: {exc.strerror or type(exc).__name__}; {done}") from None
        finally:
            for _, temporary in staged:
                temporary.unlink(missing_ok=True)  # gone once renamed; left over when a step failed
        return self.identities is None or _among_recipients(self.identities, recipients)


def _among_recipients(identities: list[Any], recipients: list[Any]) -> bool:
    """Whether one of ``identities`` decrypts what is encrypted for ``recipients``."""
    import pyrage

    ages = {str(recipient) for recipient in recipients if isinstance(recipient, pyrage.x25519.Recipient)}
    if any(isinstance(i, pyrage.x25519.Identity) and str(i.to_public()) in ages for i in identities):
        return True
    ssh_identities = [identity for identity in identities if isinstance(identity, pyrage.ssh.Identity)]
    ssh_recipients = [recipient for recipient in recipients if isinstance(recipient, pyrage.ssh.Recipient)]
    if not ssh_identities or not ssh_recipients:
        return False
    # An SSH identity gives no public key to compare (pyrage has none for it), and an SSH recipient prints
    # none: an empty probe encrypted for the SSH recipients tells, without decrypting the store again.
    try:
        pyrage.decrypt(pyrage.encrypt(b"", ssh_recipients), ssh_identities)
    except Exception:  # DecryptError: no identity matched
        return False
    return True


def write_recipients(directory: Path, public_keys: Iterable[str]) -> None:
    """Write ``secrets.recipients`` listing ``public_keys`` (used by tests and first-time set-up)."""
    text = "".join(f"{key.strip()}\n" for key in public_keys)
    parse_recipients(text, RECIPIENTS_FILE)
    atomic_write(directory / RECIPIENTS_FILE, text.encode("utf-8"))


IdentityLoader = Callable[[], "list[Any] | None"]


class StoreSource:
    """The ``!secret`` values of one load (``desired.secrets.SecretSource``), read on first use.

    With ``need_values`` (plan, apply) the store is decrypted, and a missing identity is an error
    naming the variables. Without it (``validate``) the store is decrypted when an identity is
    given; otherwise only names are known, from ``secrets.index``, and nothing is decrypted.
    """

    def __init__(self, directory: Path, identities: IdentityLoader, *, need_values: bool) -> None:
        self.directory = directory
        self._identities = identities
        self.need_values = need_values
        self.used: set[str] = set()
        self._values: dict[str, str] | None = None
        self._names: set[str] | None = None
        self._opened_with: list[Any] | None = None

    @property
    def decrypted(self) -> bool:
        return self._values is not None

    @property
    def opened(self) -> bool:
        """Whether the store (or, without an identity, its index) has been read."""
        return self._names is not None

    def forget(self) -> None:
        """As if never opened: for a store opened ahead of a need that did not come (``desired.workers``)."""
        self._values = self._names = self._opened_with = None

    def _open(self) -> None:
        identities = self._identities()
        if identities is None and not self.need_values:
            names = read_index(self.directory)
            if names is None and (self.directory / STORE_FILE).exists():
                raise SecretsError(
                    f"{self.directory / INDEX_FILE}: not found; without an identity the names of the secrets are "
                    f"read from it (`reconciler secrets rekey` writes it), or set {IDENTITY_VARIABLE}"
                )
            self._names = set(names or ())
            return
        store = SecretsStore.open(self.directory, identities)  # without an identity: an error, if there is a store
        self._opened_with = identities
        self._values = dict(store.values)
        self._names = set(self._values)

    def identities(self) -> list[Any] | None:
        """The identities the store was opened with, else those given (None: none is)."""
        return self._opened_with if self._opened_with is not None else self._identities()

    def lookup(self, name: str) -> SecretLookup:
        self.used.add(name)
        if self._names is None:
            self._open()
        assert self._names is not None
        if name not in self._names:
            return SecretLookup(False)
        return SecretLookup(True, None if self._values is None else self._values[name])

    def opened_store(self) -> SecretsStore | None:
        """The store as this load decrypted it (None when nothing needed its values), to add to."""
        return None if self._values is None else SecretsStore(self.directory, dict(self._values), self._opened_with)

    def names(self) -> set[str]:
        """Every name the store holds (opening it if no reference did)."""
        if self._names is None:
            self._open()
        assert self._names is not None
        return set(self._names)
