"""An SSH key as the identity: a store whose recipients are ``ssh-…`` keys is opened with their private keys,
by the reconciler as by ``age -d -i ~/.ssh/id_ed25519``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from reconciler.cli import main
from reconciler.desired.secret_store import SecretsStore, parse_identities, write_recipients
from tests.bounded import finishes

from .conftest import KeyPair, age_decrypt

CANARY = "NO9386011117947"
# A throwaway test key, encrypted with the passphrase "correct horse" (``ssh-keygen -t ed25519 -N …``): kept as
# text because writing an encrypted OpenSSH key takes bcrypt, which the tests do not otherwise need.
LOCKED_KEY = """\
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDRA/CHA3
rOeR1eg9doSm7aAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIMBPF6iVkJc08Ksx
PoKxVWd93v7i2+UbvJoltHniXPIqAAAAkGLJzhZVTtuoCYXwwwMFYN52RZfMu9qiFkovs5
5qDXpxx7ohssUMfMm/j8foHFXrMT05kwQa3NCjI928lUFrX97WbOQWbYwCyd80ehSep8yJ
SdRRvnQZXqt2t5SAXVOGqeNEe1VHvHrTTWC8+VGeXy1MvlX9IBDHmoB3z3C6OgdzdrSecw
gmieRyYYn8Nk+4jA==
-----END OPENSSH PRIVATE KEY-----
"""
LOCKED_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBPF6iVkJc08KsxPoKxVWd93v7i2+UbvJoltHniXPIq"


@dataclass(frozen=True)
class SshKey:
    private: str  # the key file's text, as ssh-keygen writes it
    public: str  # ssh-ed25519 AAAA… / ssh-rsa AAAA…


def ssh_key(kind: str) -> SshKey:
    key = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else rsa.generate_private_key(65537, 2048)
    encryption = serialization.NoEncryption()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, encryption)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return SshKey(private.decode(), public.decode())


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["secrets", *args], input=stdin, env=env or {}, catch_exceptions=False)


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_a_store_for_ssh_recipients_is_written_and_read_with_an_ssh_identity(
    desired_dir: Path, tmp_path: Path, kind: str
) -> None:
    key = ssh_key(kind)
    write_recipients(desired_dir, [key.public])
    key_file = tmp_path / f"id_{kind}"
    key_file.write_text(key.private, encoding="utf-8")
    by_file = {"RECONCILER_AGE_IDENTITY_FILE": str(key_file)}
    added = run("set", "SHOP_IBAN", "--desired", str(desired_dir), stdin=f"{CANARY}\n", env=by_file)
    assert added.exit_code == 0, added.output
    assert "Warning" not in added.output  # the identity given is one of the recipients: it still reads the store
    # The store opens again with the key, from the file or inline, to be added to and rekeyed.
    inline = {"RECONCILER_AGE_IDENTITY": key.private}
    assert run("set", "OTHER", "--desired", str(desired_dir), stdin="two\n", env=inline).exit_code == 0
    rekeyed = run("rekey", "--desired", str(desired_dir), env=by_file)
    assert rekeyed.exit_code == 0 and "Warning" not in rekeyed.output, rekeyed.output
    opened = SecretsStore.open(desired_dir, parse_identities(key.private, "key"))
    assert opened.values == {"SHOP_IBAN": CANARY, "OTHER": "two"}


def test_a_store_for_an_ssh_recipient_is_read_by_the_age_cli(
    age_cli: str, desired_dir: Path, tmp_path: Path, key: KeyPair
) -> None:
    """An age recipient and an SSH one: either private key opens the store, the age CLI's as the reconciler's."""
    ssh = ssh_key("ed25519")
    write_recipients(desired_dir, [key.recipient, ssh.public])
    assert run("set", "SHOP_IBAN", "--desired", str(desired_dir), stdin=f"{CANARY}\n", env=key.environ()).exit_code == 0
    key_file = tmp_path / "id_ed25519"
    key_file.write_text(ssh.private, encoding="utf-8")
    key_file.chmod(0o600)
    assert age_decrypt(age_cli, key_file, desired_dir / "secrets.age").strip() == f"SHOP_IBAN: {CANARY}"


def test_an_ssh_key_with_a_passphrase_is_refused_without_printing_it(desired_dir: Path, tmp_path: Path) -> None:
    key = SshKey(LOCKED_KEY, LOCKED_PUBLIC)
    write_recipients(desired_dir, [key.public])
    key_file = tmp_path / "id_ed25519"
    key_file.write_text(key.private, encoding="utf-8")
    for env in ({"RECONCILER_AGE_IDENTITY_FILE": str(key_file)}, {"RECONCILER_AGE_IDENTITY": key.private}):
        refused = run("set", "SHOP_IBAN", "--desired", str(desired_dir), stdin=f"{CANARY}\n", env=env)
        assert refused.exit_code == 1
        assert "protected by a passphrase" in refused.output
        body = key.private.splitlines()[1]
        assert body not in refused.output and CANARY not in refused.output
    assert not (desired_dir / "secrets.age").exists()


def test_an_identity_that_is_no_recipient_is_still_warned_of(desired_dir: Path, tmp_path: Path, key: KeyPair) -> None:
    """Recipients of SSH keys only, and an age identity or another SSH key given: the store is written (the
    recipients file says who may read it), with the warning that the identity given no longer can."""
    write_recipients(desired_dir, [ssh_key("ed25519").public])
    other = tmp_path / "id_other"
    other.write_text(ssh_key("ed25519").private, encoding="utf-8")
    for env in (key.environ(), {"RECONCILER_AGE_IDENTITY_FILE": str(other)}):
        (desired_dir / "secrets.age").unlink(missing_ok=True)
        done = run("set", "SHOP_IBAN", "--desired", str(desired_dir), stdin=f"{CANARY}\n", env=env)
        assert done.exit_code == 0, done.output
        assert "is not among the recipients" in done.output


def test_a_huge_text_that_begins_like_an_ssh_key_is_refused_without_parsing_it() -> None:
    """pyrage reads an SSH key file in time quadratic in its size: a megabyte of base64 lines after a
    ``-----BEGIN`` line (a misnamed file, a log) kept the command busy for hours. No key is that large."""
    code = (
        "from reconciler.desired.secret_store import parse_identities\n"
        "from reconciler.errors import SecretsError\n"
        "body = ('A' * 76 + '\\n') * 20_000\n"
        "text = '-----BEGIN OPENSSH PRIVATE KEY-----\\n' + body + '-----END OPENSSH PRIVATE KEY-----\\n'\n"
        "try:\n"
        "    parse_identities(text, 'key.txt')\n"
        "except SecretsError as error:\n"
        "    print(error)\n"
    )
    printed = finishes(code)
    assert printed.startswith("key.txt: "), printed
    assert "too large" in printed
    assert "AAAA" not in printed
