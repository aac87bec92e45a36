"""Which files of a desired-state directory are read, and reading one safely.

Merchant files are exactly ``merchants/*.yaml`` and ``merchants/*.yml``. Every other entry there is
reported, never skipped without a word:

- a hidden entry (``.x.yaml``, ``.DS_Store``): ignored, with a notice;
- a file that looks like a merchant file but would not be read (``x.json``, ``x.YAML``): an error;
- anything else (``README.md``, a subdirectory): ignored, with a notice.

Every file read (merchant files, ``reconciler.yaml``, ``partner.yaml``) must be a regular file inside
the desired-state directory: a symbolic link is followed only when it stays in the tree, and a FIFO,
a device or a directory is refused before it is opened for reading (reading ``/dev/zero`` would
never end, and opening a FIFO would wait for a writer). Files over ``MAX_FILE_BYTES`` are refused.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.errors import InputIssue

MERCHANTS_DIR = "merchants"
MERCHANT_SUFFIXES = (".yaml", ".yml")
# A merchant file is a few kilobytes; this bounds what a mistaken file can cost.
MAX_FILE_BYTES = 16 * 1024 * 1024


class UnreadableFile(ValueError):
    """A file that is not read, and why (the message names no value from it)."""


@dataclass
class MerchantListing:
    """The merchant files of a directory, in name order, and what was said about the other entries."""

    files: list[Path] = field(default_factory=list)
    issues: list[InputIssue] = field(default_factory=list)
    notices: list[InputIssue] = field(default_factory=list)


def kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_in_tree(path: Path, root: Path) -> None:
    """Raise ``UnreadableFile`` unless ``path`` exists and resolves to somewhere under ``root`` (resolved)."""
    if not os.path.exists(path):
        if os.path.islink(path):
            raise UnreadableFile(f"broken symbolic link (to {os.readlink(path)})")
        raise UnreadableFile("file not found")
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise UnreadableFile(
            f"symbolic link to {resolved}, outside the desired-state directory: only files inside it are read"
        )


def folder_entries(folder: Path) -> list[Path]:
    """A folder's entries in name order; ``UnreadableFile`` when it cannot be listed (no permission)."""
    return [folder / entry.name for entry in _scan(folder)]


def _scan(folder: Path) -> list[os.DirEntry[str]]:
    """A folder's entries, with what the listing tells of each (its type, mostly), in name order."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError as error:
        raise UnreadableFile(f"cannot list the folder: {error.strerror or error}") from None


def read_regular_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file; ``UnreadableFile`` for anything else, or for one over ``limit`` bytes
    (``MAX_FILE_BYTES`` when None, read when called so a test can lower it)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFile(f"not a regular file ({kind_of(mode)}): only regular files are read")
        # O_NONBLOCK: should it have become a FIFO since, opening does not wait for a writer.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise UnreadableFile(f"cannot read file: {error.strerror or error}") from None
    try:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):
            raise UnreadableFile(f"not a regular file ({kind_of(opened.st_mode)}): only regular files are read")
        # Its size first, so that a file far too large is not read before it is refused; then at most one
        # byte past the limit, for a file that grows while it is read. Read from the descriptor: a
        # buffered file object costs more than reading a merchant file does.
        chunks: list[bytes] = []
        size = 0 if opened.st_size <= limit else limit + 1
        while size <= limit:
            # As much as the file holds, and a page: a request of the whole limit would allocate it.
            wanted = min(limit + 1 - size, max(opened.st_size - size, 0) + 4096)
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if len(chunk) < wanted and size >= opened.st_size:
                # All its size said and less than asked for: the end, without a read more to find it (each
                # system call costs microseconds while the load's own work holds the caches). A read short
                # of the size (a signal, a network or FUSE file system) is followed by another.
                break
    except OSError as error:
        raise UnreadableFile(f"cannot read file: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    if size > limit:
        shown = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
        raise UnreadableFile(f"file is larger than {shown}")
    return b"".join(chunks)


def directory_issue(directory: Path) -> InputIssue | None:
    """Why the desired-state directory cannot be read, or None: not found, or not a directory, or one
    this process may not list or enter (each file in it would then seem absent, and the load be empty)."""
    try:
        if not stat.S_ISDIR(os.stat(directory).st_mode):
            return InputIssue(str(directory), 1, 1, "desired-state directory not found")
        os.stat(os.path.join(directory, "."))  # entered: its files can be looked up
        with os.scandir(directory):  # listed
            pass
    except (FileNotFoundError, NotADirectoryError):
        return InputIssue(str(directory), 1, 1, "desired-state directory not found")
    except OSError as error:
        return InputIssue(str(directory), 1, 1, f"cannot read the desired-state directory: {error.strerror or error}")
    return None


def input_file_issue(path: Path, root: Path) -> InputIssue | None:
    """Why a file the loader is to read must not be read (outside the tree, not a regular file), or None."""
    try:
        check_in_tree(path, root)
        mode = os.stat(path).st_mode
    except UnreadableFile as error:
        return InputIssue(str(path), 1, 1, str(error))
    except OSError as error:
        return InputIssue(str(path), 1, 1, f"cannot read file: {error.strerror or error}")
    if not stat.S_ISREG(mode):
        return InputIssue(str(path), 1, 1, f"not a regular file ({kind_of(mode)}): only regular files are read")
    return None


def _looks_like_a_merchant_file(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith((*MERCHANT_SUFFIXES, ".json")) and not name.endswith(MERCHANT_SUFFIXES)


def list_merchant_files(directory: Path) -> MerchantListing:
    """The merchant files of a desired-state directory (see the module docstring for the rules)."""
    listing = MerchantListing()
    folder = directory / MERCHANTS_DIR
    if not os.path.lexists(folder):
        return listing
    root = directory.resolve()
    try:
        check_in_tree(folder, root)
    except UnreadableFile as error:
        listing.issues.append(InputIssue(str(folder), 1, 1, str(error)))
        return listing
    if not folder.is_dir():
        listing.issues.append(InputIssue(str(folder), 1, 1, f"{MERCHANTS_DIR} must be a directory of merchant files"))
        return listing
    try:
        scanned = _scan(folder)
    except UnreadableFile as error:
        listing.issues.append(InputIssue(str(folder), 1, 1, str(error)))
        return listing
    for found in scanned:
        name = found.name
        entry = folder / name
        if name.startswith("."):
            what = "directory" if entry.is_dir() else "file"
            listing.notices.append(InputIssue(str(entry), 1, 1, f"notice: hidden {what} ignored"))
        elif name.endswith(MERCHANT_SUFFIXES):
            # A regular file that is no symbolic link, in a folder inside the tree, is inside it: the
            # listing says so without a call to the system (thousands of files, each resolved before).
            regular = not found.is_symlink() and found.is_file(follow_symlinks=False)
            issue = None if regular else input_file_issue(entry, root)
            if issue is None:
                listing.files.append(entry)
            else:
                listing.issues.append(issue)
        elif _looks_like_a_merchant_file(name):
            listing.issues.append(
                InputIssue(
                    str(entry),
                    1,
                    1,
                    "not read: merchant files are YAML and their names end in .yaml or .yml (lower case); "
                    f"rename it, or move it out of {MERCHANTS_DIR}/",
                )
            )
        elif entry.is_dir():
            listing.notices.append(
                InputIssue(str(entry), 1, 1, f"notice: directory ignored (merchant files are {MERCHANTS_DIR}/*.yaml)")
            )
        else:
            listing.notices.append(
                InputIssue(str(entry), 1, 1, "notice: not a merchant file (not *.yaml or *.yml), ignored")
            )
    return listing
