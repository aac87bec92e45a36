"""README: "each file goes to a hidden temporary name, is flushed, then renamed, so a killed import leaves the
old file or the new one, never half of one (a later import removes the hidden leftovers)".

Import writes profiles/imported-N.yaml and partner.yaml the same way, but only merchants/ was cleaned: a
half profile or half partner.yaml left by a kill stayed for ever, and every later load printed a notice."""

from __future__ import annotations

from pathlib import Path

from tests.imports.conftest import Keys
from tests.plan.conftest import Cli, base_merchant


def test_a_later_import_removes_the_leftovers_of_profiles_and_partner_yaml(cli: Cli, target: Path, keys: Keys) -> None:
    cli.live.create(base_merchant("M1", "T11200201"), dintero=False)
    cli.live.create(base_merchant("M2", "T11200202"), dintero=False)
    # What a kill -9 between the write and the rename of each leaves (names as ``write_atomically`` makes them).
    (target / "profiles").mkdir()
    profile_leftover = target / "profiles" / ".imported-1.yaml.k1ll3d.tmp"
    profile_leftover.write_text("distribution_pro")
    partner_leftover = target / ".partner.yaml.k1ll3d.tmp"
    partner_leftover.write_text("kla")
    merchant_leftover = target / "merchants" / ".m1.yaml.k1ll3d.tmp"
    merchant_leftover.parent.mkdir()
    merchant_leftover.write_text("account_ref")
    done = cli.run("import", "--all", "--profiles", "--desired", str(target))
    assert done.exit_code == 0, done.output
    assert not merchant_leftover.exists()
    assert not profile_leftover.exists(), "a half profile left by a killed import is never removed"
    assert not partner_leftover.exists(), "a half partner.yaml left by a killed import is never removed"
