"""Files import writes get mode 0600 whatever the umask (``tempfile.mkstemp`` makes its file 0600 and the
rename keeps it), and ``--force`` turns a 0644 merchant file into 0600. A merchant file holds no sensitive
value (those are in secrets.age): the CI user, a container with another uid, or a colleague on a shared
checkout then cannot read the desired state ("Permission denied") after an import, where every file written
by hand or by git has 0644."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.imports.conftest import Keys
from tests.plan.conftest import Cli, base_merchant


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_imported_files_are_written_with_the_umask_like_any_file(cli: Cli, target: Path, keys: Keys) -> None:
    old = os.umask(0o022)
    try:
        cli.live.create(base_merchant("M1", "T11200201"), dintero=False)
        cli.live.create(base_merchant("M2", "T11200202"), dintero=False)
        done = cli.run("import", "--all", "--profiles", "--desired", str(target))
        assert done.exit_code == 0, done.output
        written = [target / "merchants" / "m1.yaml", target / "partner.yaml", target / "profiles" / "imported-1.yaml"]
        assert {str(p.relative_to(target)): oct(mode(p)) for p in written} == {
            str(p.relative_to(target)): oct(0o644) for p in written
        }
    finally:
        os.umask(old)


def test_force_keeps_the_mode_of_the_file_it_replaces(cli: Cli, target: Path, keys: Keys) -> None:
    cli.live.create(base_merchant("M1", "T11200201"), dintero=False)
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    path = target / "merchants" / "m1.yaml"
    path.chmod(0o644)  # as git checks it out
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("import", "--reference", "M1", "--force", "--desired", str(target), env=identity)
    assert done.exit_code == 0, done.output
    assert oct(mode(path)) == oct(0o644)
