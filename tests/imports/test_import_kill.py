"""A hard-killed import leaves whole files or none: never half of one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyrage
import pytest
from fastapi.testclient import TestClient
from ruamel.yaml import YAML

from reconciler.desired.secret_store import write_recipients
from reconciler.sandbox.embedded import embedded_app
from tests.imports.conftest import Keys
from tests.plan.conftest import Cli, base_merchant

ROOT = Path(__file__).resolve().parents[2]
MERCHANTS = 400


def test_a_killed_import_leaves_no_partial_file(tmp_path: Path) -> None:
    app = embedded_app(tmp_path)
    with TestClient(app) as client:
        assert client.post("/_sandbox/seed", json={"count": MERCHANTS, "seed": 5}).status_code == 200
    target = tmp_path / "imported"
    target.mkdir()
    identity = pyrage.x25519.Identity.generate()
    write_recipients(target, [str(identity.to_public())])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECONCILER_ALLOW_SANDBOX": "1"}
    command = [sys.executable, "-m", "reconciler", "import", "--all", "--desired", str(target)]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    merchants = target / "merchants"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if merchants.is_dir() and any(merchants.glob("*.yaml")):
                break
            time.sleep(0.002)
        else:
            pytest.fail("the import wrote no file in time, or ended before it could be killed")
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    written = sorted(merchants.glob("*.yaml"))
    assert 0 < len(written) < MERCHANTS
    yaml = YAML(typ="safe", pure=True)
    yaml.constructor.add_constructor("!secret", lambda loader, node: node.value)
    for path in written:
        document = yaml.load(path.read_text())
        assert document["account_reference"].startswith("SBX")
        assert "payment_program_enablements" in document["klarna"]  # the file's last Klarna section: it is whole
    env["RECONCILER_AGE_IDENTITY"] = str(identity)  # the store exists now: adding to it needs the key
    again = subprocess.run([*command, "--force"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(list(merchants.glob("*.yaml"))) == MERCHANTS
    assert list(merchants.glob(".*")) == []


def test_a_directory_named_like_a_leftover_is_not_a_traceback(cli: Cli, target: Path, keys: Keys) -> None:
    cli.live.create(base_merchant("M1", "T11200201"), dintero=False)
    (target / "merchants" / ".cache.tmp").mkdir(parents=True)  # e.g. an editor's or a tool's own folder
    try:
        done = cli.run("import", "--all", "--desired", str(target))
    except IsADirectoryError as error:
        left = sorted(str(p.relative_to(target)) for p in target.rglob("*"))
        raise AssertionError(f"traceback: {error!r}; the directory now holds {left}") from None
    assert done.exit_code in (0, 1), done.output
    assert "Traceback" not in done.output
