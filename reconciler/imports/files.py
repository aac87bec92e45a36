"""Writing what import made: never over an existing file without ``force``, never a half file.

Each file is written whole to a hidden temporary name beside it (the loader ignores hidden files), then
renamed over its final name, so a killed import leaves either the old file, the new one, or no file, and
at worst a hidden ``.*.tmp`` file, which a later import removes. Files are not flushed one by one (that
cost 9 ms a file, 90 s at 10,000): ``sync_all`` flushes once, after the last rename. Secrets go into the store
first: a merchant file never names a secret the store does not hold.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from reconciler.config import Config
from reconciler.desired.files import UnreadableFile, kind_of, list_merchant_files, read_regular_file
from reconciler.desired.libyaml_parser import text_loader
from reconciler.desired.load import identity_loader
from reconciler.desired.profiles import ProfileSet, profile_files
from reconciler.desired.secret_store import RECIPIENTS_FILE, SecretsStore
from reconciler.desired.secrets import SECRET_TAG
from reconciler.errors import InputError, InputIssue
from reconciler.sensitive import shown_name

TEMPORARY_SUFFIX = ".tmp"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """The mode the file at ``path`` has (a file replaced keeps it), else what the umask gives a new file:
    ``mkstemp`` makes its file 0600, which the rename kept, and a merchant file holds no sensitive value."""
    try:
        found = os.lstat(path).st_mode
    except FileNotFoundError:
        found = 0
    if stat.S_ISREG(found):
        return stat.S_IMODE(found)
    return 0o666 & ~_umask()


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(handle, _mode_for(path))
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sync_all() -> None:
    """Flush what import wrote to disk, once (where the platform has ``sync``)."""
    if hasattr(os, "sync"):
        os.sync()


def remove_leftovers(directory: Path, name: str = "*") -> None:
    """Hidden temporary files an earlier, killed import left (of the file ``name``, when given)."""
    if directory.is_dir():
        pattern = f".*{TEMPORARY_SUFFIX}" if name == "*" else f".{name}.*{TEMPORARY_SUFFIX}"
        for leftover in directory.glob(pattern):
            if leftover.is_file() and not leftover.is_symlink():  # never a folder of the same name
                leftover.unlink(missing_ok=True)


def refuse_existing(
    paths: Iterable[Path],
    *,
    force: bool,
    owners: Mapping[Path, str] | None = None,
    declarations: Declarations | None = None,
) -> None:
    """Raise naming every file that exists, unless ``force``; nothing has been written yet.

    Even with ``force``, a merchant file that declares another merchant (``owners`` gives the reference
    each path is written for) is not overwritten: references that differ only by case or punctuation
    make one file name, and ``--force`` means "replace my merchants' files", not "lose another's".
    ``declarations``: what the merchant files declare, read already (any other file is read here).
    """
    declared_at = {path: ref for ref, files in (declarations.files if declarations else {}).items() for path in files}
    paths = list(paths)
    # Not even ``force`` writes where a rename cannot go (a directory named m1.yaml, a merchants/ that is a
    # file): the writes would fail half-way, after the secrets and the first files, with a traceback.
    unwritable = [issue for issue in map(_unwritable, paths) if issue is not None]
    if unwritable:
        raise InputError(list({(issue.file, issue.message): issue for issue in unwritable}.values()))
    existing = [path for path in paths if os.path.lexists(path)]
    if not force:
        refused = "exists; import does not overwrite it without --force"
        if existing:
            raise InputError([InputIssue(str(path), 1, 1, refused) for path in existing])
        return
    issues = []
    for path in existing:
        wanted = (owners or {}).get(path)
        if wanted is None:
            continue
        declared = declared_at.get(path) or _declared_reference(path)
        if declared is None and not _composed(path)[0]:
            # Not YAML, and no account_reference line to read (a file half edited): it may be another
            # merchant's, and nothing here can tell, so it is kept for its author to fix or remove. A file that
            # parses and declares no merchant (comments only) is no merchant's, and --force replaces it.
            why = f"does not say which merchant it declares; import does not write merchant {wanted!r} over it"
            issues.append(InputIssue(str(path), 1, 1, why))
        elif declared is not None and declared != wanted:
            # The file's own text, which a half-edited file may hold anything in: shown as a name is.
            why = f"declares merchant {shown_name(declared)!r}; import does not write merchant {wanted!r} over it"
            issues.append(InputIssue(str(path), 1, 1, why))
    if issues:
        raise InputError(issues)


def _unwritable(path: Path) -> InputIssue | None:
    """Why ``path`` cannot be written by a rename: its folder is not a directory, or it is a directory (or
    another thing than a file or a symbolic link, which the rename replaces and never follows)."""
    if os.path.lexists(path.parent) and not path.parent.is_dir():
        return InputIssue(str(path.parent), 1, 1, "is not a directory: import cannot write the files it holds")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        return None
    return InputIssue(str(path), 1, 1, f"is {kind_of(mode)}: import writes only over a file, even with --force")


@dataclass
class Declarations:
    """What the merchant files declare, by a quick read of each one's ``account_reference`` and ``lifecycle``
    alone, so that a file renamed by hand, or one that does not validate, still keeps its merchant."""

    files: dict[str, list[Path]] = field(default_factory=dict)  # reference -> its files, in name order
    retired: dict[str, Path] = field(default_factory=dict)  # reference -> the file that retires it
    unread: list[Path] = field(default_factory=list)  # merchant files whose reference cannot be read


def declaring_files(directory: Path) -> Declarations:
    """What the merchant files of a desired-state directory declare: the files the loader would read
    (``list_merchant_files``), each read quickly (``_declaration``), and each profile read once."""
    found = Declarations()
    by_name: dict[str, tuple[Path, str | None]] = {}  # profile name -> its file and the lifecycle it sets
    listed = False

    def set_by(name: str) -> tuple[Path, str | None]:
        nonlocal listed
        if not listed:  # once, and only when a merchant lists a profile
            listed = True
            # The loader's own rules for profile files (names, suffixes, the tree); its issues are its to report.
            for path in profile_files(directory, ProfileSet()):
                by_name[path.name.rsplit(".", 1)[0]] = (path, _declaration(path)[1])
        return by_name.get(name, (directory, None))

    for path in list_merchant_files(directory).files:
        reference, lifecycle, profiles = _declaration(path)
        if reference is None:
            found.unread.append(path)
            continue
        found.files.setdefault(reference, []).append(path)
        # A profile may retire the merchants listing it; the merchant's own value, then the last, wins.
        retiring = path
        for name in reversed(profiles) if lifecycle is None else ():
            retiring, lifecycle = set_by(name)
            if lifecycle is not None:
                break
        if lifecycle == "retired":
            found.retired.setdefault(reference, retiring)
    return found


def _declared_reference(path: Path) -> str | None:
    """The ``account_reference`` a merchant file declares, as the loader reads it; None when it cannot tell."""
    return _declaration(path)[0]


def _node_tree(path: Path) -> yaml.Node | None:
    """A file's YAML node tree as the loader would compose it; None when it cannot be read or composed.

    Decoded as the loader decodes (a byte order mark is allowed), but a byte that is not UTF-8 does not hide
    what the file declares: the file that does not load is still its merchant's, the one --force repairs.
    Only the tree: building every value in Python took 0.45 ms a file, for the few import looks at.
    """
    return _composed(path)[1]


def _composed(path: Path) -> tuple[bool, yaml.Node | None]:
    """Whether the file composes (an empty one does, to no node), and its node tree (``_node_tree``)."""
    try:
        text = read_regular_file(path).decode("utf-8-sig", errors="replace")  # bounded, never a FIFO
        loader = text_loader(text)(text)
        try:
            root: yaml.Node | None = loader.get_single_node()
        finally:
            loader.dispose()
    except (OSError, UnreadableFile, yaml.YAMLError, RecursionError):
        return False, None
    return True, root


# A top-level ``account_reference`` line, its value plain or quoted: what a file that does not parse still says.
_REFERENCE_LINE = re.compile(
    r"""^account_reference:[ \t]+(?:"([^"\\]*)"|'([^']*)'|([^\s#'"][^#]*?))[ \t]*(?:#.*)?$""", re.MULTILINE
)


def _written_reference(path: Path) -> str | None:
    """The ``account_reference`` line of a file that does not parse (one half edited still names its merchant)."""
    try:
        text = read_regular_file(path).decode("utf-8-sig", errors="replace")
    except (OSError, UnreadableFile):
        return None
    found = _REFERENCE_LINE.search(text)
    return next((group.strip() for group in found.groups() if group is not None), None) if found else None


def _declaration(path: Path) -> tuple[str | None, str | None, tuple[str, ...]]:
    """A file's ``account_reference``, ``lifecycle`` (None: cannot tell) and ``profiles`` as the loader reads them."""
    root = _node_tree(path)
    if root is None:
        return _written_reference(path), None, ()
    if not isinstance(root, yaml.MappingNode):
        return None, None, ()
    found: dict[str, str] = {}
    profiles: tuple[str, ...] = ()
    tagged: set[str] = set()
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode) and key.value not in found:
            found[key.value] = value.value  # every scalar as its text
            if value.tag.startswith("!"):
                tagged.add(key.value)  # ``!env NAME``: the text is a variable's name, not the value
        elif isinstance(key, yaml.ScalarNode) and key.value == "profiles" and isinstance(value, yaml.SequenceNode):
            profiles = tuple(item.value.strip() for item in value.value if isinstance(item, yaml.ScalarNode))
    # A reference given as ``!env SHOP_REF`` is not read here (the file does not declare ``SHOP_REF``): the
    # file is one whose merchant a quick read cannot tell, which the desired state's load names.
    reference = found.get("account_reference") if "account_reference" not in tagged else None
    lifecycle = found.get("lifecycle") if "lifecycle" not in tagged else None
    return (
        reference.strip() if reference is not None else None,
        lifecycle.strip().lower() if lifecycle is not None else None,
        profiles,
    )


def require_recipients(directory: Path) -> None:
    """Refuse before anything is read when the secrets store has no recipients to encrypt for."""
    path = directory / RECIPIENTS_FILE
    if not path.is_file():
        raise InputError(
            [
                InputIssue(
                    str(path),
                    1,
                    1,
                    "not found: import writes every sensitive value to the secrets store, which is encrypted for "
                    f"the public keys in {RECIPIENTS_FILE}. Create one first: `age-keygen -o key.txt` (keep key.txt "
                    f"out of git), then `age-keygen -y key.txt > {path}`",
                )
            ]
        )


def open_store(
    directory: Path, environ: Mapping[str, str], config: Config | None = None, opened: SecretsStore | None = None
) -> SecretsStore:
    """The store to add the imported secrets to (decrypted when it exists: it needs the identity, from the
    environment or, as for every other command, ``secrets.identity_file`` of reconciler.yaml); ``opened``
    is the store as loading the desired state decrypted it already."""
    if opened is not None:
        return opened
    return SecretsStore.open(directory, identity_loader(directory, config, environ)())


def named_secrets(path: Path) -> set[str]:
    """The names a file's ``!secret`` references hold, quoted or not, and never a comment's text (none when
    it cannot be read)."""
    names: set[str] = set()
    pending = [node] if (node := _node_tree(path)) is not None else []
    while pending:  # a walk of its own, not a recursion: the tree may be as deep as the file is long
        node = pending.pop()
        if node.tag == SECRET_TAG and isinstance(node, yaml.ScalarNode):
            names.add(str(node.value).strip())
        elif isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return names


def save_secrets(store: SecretsStore, secrets: Mapping[str, str], stale: Iterable[str] = ()) -> bool:
    """Add ``secrets`` and remove ``stale`` (names no file holds any more), in one save; whether the
    identity the store was opened with can still decrypt it (``SecretsStore.save``; True: nothing saved)."""
    removed = [name for name in stale if name not in secrets and store.remove(name)]
    if not secrets and not removed:
        return True
    for name, value in secrets.items():
        store.set(name, value)
    return store.save()
