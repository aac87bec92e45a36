"""Interoperability with the age CLI: files age reads the reconciler must read (or refuse for the right reason)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pyrage
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.desired.secret_store import SecretsStore, parse_identities

from .conftest import AGE_TIMEOUT, KeyPair, age_decrypt
from .test_secret_ssh_identity import ssh_key


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["secrets", *args], input=stdin, env=env or {}, catch_exceptions=False)


def test_a_recipients_file_age_reads_with_a_tab_in_an_ssh_line_is_read(
    age_cli: str, desired_dir: Path, tmp_path: Path
) -> None:
    """``ssh-ed25519<TAB>AAAA… comment`` (authorized_keys format allows any blank): ``age -R`` encrypts for it,
    the reconciler refused the file ("not a recipient age understands (RecipientError)")."""
    key = ssh_key("ed25519")
    kind, body = key.public.split()[:2]
    recipients = desired_dir / "secrets.recipients"
    recipients.write_text(f"{kind}\t{body} laptop\n", encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text("x\n", encoding="utf-8")
    subprocess.run([age_cli, "-R", str(recipients), "-o", str(tmp_path / "out.age"), str(plain)], check=True,
                   timeout=AGE_TIMEOUT)  # age reads the file
    key_file = tmp_path / "id_ed25519"
    key_file.write_text(key.private, encoding="utf-8")
    key_file.chmod(0o600)
    done = run("set", "SHOP_NAME", "--desired", str(desired_dir), stdin="Shop\n",
               env={"RECONCILER_AGE_IDENTITY_FILE": str(key_file)})
    assert done.exit_code == 0, done.output
    assert age_decrypt(age_cli, key_file, desired_dir / "secrets.age") == "SHOP_NAME: Shop\n"
    assert SecretsStore.open(desired_dir, parse_identities(key.private, "key")).values == {"SHOP_NAME": "Shop"}


def test_a_passphrase_protected_age_identity_file_is_not_called_an_ssh_key(
    desired_dir: Path, tmp_path: Path, key: KeyPair
) -> None:
    """``age -d -i key.age`` takes an identity file encrypted with a passphrase (``age -p -a``); the reconciler
    cannot ask for one, but said the file "holds an SSH private key age cannot use"."""
    (desired_dir / "secrets.recipients").write_text(key.recipient + "\n", encoding="utf-8")
    locked = tmp_path / "key.age"
    locked.write_bytes(pyrage.passphrase.encrypt((key.identity + "\n").encode(), "correct horse", armored=True))
    result = run("set", "SHOP_NAME", "--desired", str(desired_dir), stdin="Shop\n",
                 env={"RECONCILER_AGE_IDENTITY_FILE": str(locked)})
    assert result.exit_code == 1
    assert str(locked) in result.output
    assert "SSH" not in result.output, result.output
    assert "passphrase" in result.output, result.output
