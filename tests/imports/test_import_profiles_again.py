"""``import --all --profiles --force`` run again over its own import (the same live state) wrote a new
``profiles/imported-2.yaml`` holding exactly what ``imported-1.yaml`` holds, moved every merchant to it, and
left ``imported-1.yaml`` listed by no file; each further run adds one more (imported-3, imported-4...).
What import writes from one live state should be the same files: re-running it is how a partner refreshes
the desired state, and the dead profiles are left for a person to find and delete."""

from __future__ import annotations

from pathlib import Path

from tests.imports.conftest import Keys
from tests.plan.conftest import Cli, base_merchant


def test_a_profiles_import_run_again_writes_no_second_copy_of_a_profile(cli: Cli, target: Path, keys: Keys) -> None:
    cli.live.create(base_merchant("M1", "T11200201"), dintero=False)
    cli.live.create(base_merchant("M2", "T11200202"), dintero=False)
    first = cli.run("import", "--all", "--profiles", "--desired", str(target))
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_text() for p in (target / "profiles").iterdir()}
    merchants = {p.name: p.read_text() for p in (target / "merchants").iterdir()}
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    for _ in range(2):
        again = cli.run("import", "--all", "--profiles", "--force", "--desired", str(target), env=identity)
        assert again.exit_code == 0, again.output
    assert {p.name: p.read_text() for p in (target / "profiles").iterdir()} == before
    assert {p.name: p.read_text() for p in (target / "merchants").iterdir()} == merchants
    plan = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=identity)
    assert plan.exit_code == 0, plan.output
