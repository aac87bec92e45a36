"""README, "Importing the merchants a partner already has": "a merchant a file declares already, whatever
the file's name, is written to that file, with --force"; README, "Secrets by reference": "any value can be a
reference, `!secret NAME` ... or `!env NAME`".

A file declaring ``account_reference: !env SHOP_REF`` (SHOP_REF=M1) validates and plans nothing, but import's
quick read took it for a file declaring merchant ``SHOP_REF``: ``import --reference M1`` (no --force) wrote a
second file, ``m1.yaml``, declaring M1, and the desired state stopped loading (M1 declared twice, every
secret "copied")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports.conftest import Keys
from tests.plan.conftest import Cli, base_merchant


def _declared_through_env(cli: Cli, target: Path, keys: Keys) -> tuple[Path, dict[str, str]]:
    """M1 imported, then its file renamed to shop.yaml and its reference written as ``!env SHOP_REF``."""
    assert cli.run("import", "--reference", "M1", "--desired", str(target)).exit_code == 0
    folder = target / "merchants"
    text = (folder / "m1.yaml").read_text().replace('account_reference: "M1"', "account_reference: !env SHOP_REF")
    (folder / "m1.yaml").unlink()
    (folder / "shop.yaml").write_text(text)
    return folder, {"RECONCILER_AGE_IDENTITY": keys.secret, "SHOP_REF": "M1"}


@pytest.mark.parametrize("flags", [(), ("--force",)], ids=["plain", "force"])
def test_a_merchant_declared_through_env_is_never_written_to_a_second_file(
    cli: Cli, target: Path, keys: Keys, flags: tuple[str, ...]
) -> None:
    cli.live.create(base_merchant("M1", "T11200201"), dintero=False)
    folder, env = _declared_through_env(cli, target, keys)
    assert cli.run("validate", "--desired", str(target), env=env).exit_code == 0
    done = cli.run("import", "--reference", "M1", *flags, "--desired", str(target), env=env)
    assert sorted(p.name for p in folder.iterdir()) == ["shop.yaml"], done.output
    if not flags:
        assert done.exit_code == 1 and "shop.yaml" in done.output and "without --force" in done.output, done.output
    else:
        assert done.exit_code == 0, done.output
    checked = cli.run("validate", "--desired", str(target), env=env)
    assert checked.exit_code == 0, checked.output
    planned = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=env)
    assert planned.exit_code == 0, planned.output


def test_all_does_not_write_a_second_file_for_a_merchant_declared_through_env(
    cli: Cli, target: Path, keys: Keys
) -> None:
    cli.live.create(base_merchant("M1", "T11200201"), dintero=False)
    cli.live.create(base_merchant("M2", "T11200202"), dintero=False)
    folder, env = _declared_through_env(cli, target, keys)
    done = cli.run("import", "--all", "--force", "--desired", str(target), env=env)
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in folder.iterdir()) == ["m2.yaml", "shop.yaml"]
    checked = cli.run("validate", "--desired", str(target), env=env)
    assert checked.exit_code == 0, checked.output
