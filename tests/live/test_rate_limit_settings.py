"""Per-API rate limits: ``targets.<api>.rate_limit`` in reconciler.yaml and ``--rate-limit API=N`` reach
the clients, which pace each API's requests to it. Time is a fake clock: waits are recorded, never spent."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.cli.plan_commands import load_state
from reconciler.config import ConfigFile, resolve_config
from reconciler.desired import load_desired
from reconciler.errors import InputError
from reconciler.live import ClientParams, build_clients
from reconciler.pipeline import client_params

from .conftest import FakeTime

EXAMPLES = Path(__file__).resolve().parents[2] / "desired-state"


def _directory(tmp_path: Path, config: str) -> Path:
    root = tmp_path / "desired-state"
    (root / "merchants").mkdir(parents=True)
    (root / "reconciler.yaml").write_text(config, encoding="utf-8")
    return root


def test_each_target_may_have_its_own_rate_limit() -> None:
    file = ConfigFile.model_validate({"targets": {"klarna": {"rate_limit": 50}, "dintero": {"rate_limit": 12.5}}})
    config, problems = resolve_config(file, {})
    assert problems == []
    assert (config.klarna.rate_limit, config.dintero.rate_limit) == (50, 12.5)
    params = client_params(config, Path("."))
    assert (params.klarna_requests_per_second, params.dintero_requests_per_second) == (50, 12.5)


def test_without_a_rate_limit_the_clients_set_none() -> None:
    config, _ = resolve_config(ConfigFile(), {})
    params = client_params(config, Path("."))
    assert params.klarna_requests_per_second is None and params.dintero_requests_per_second is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"50"', "targets.klarna.rate_limit"),
        ("0", "targets.klarna.rate_limit"),
        ("-3", "targets.klarna.rate_limit"),
        ("true", "targets.klarna.rate_limit"),
        ("20000", "targets.klarna.rate_limit"),
    ],
)
def test_a_rate_limit_that_is_not_a_positive_number_is_an_error_at_its_line(
    tmp_path: Path, value: str, message: str
) -> None:
    root = _directory(tmp_path, f"targets:\n  klarna:\n    rate_limit: {value}\n")
    with pytest.raises(InputError) as raised:
        load_desired(root, environ={})
    text = str(raised.value)
    assert "reconciler.yaml:3:" in text and message in text


def test_the_file_rate_limit_is_read(tmp_path: Path) -> None:
    root = _directory(tmp_path, "targets:\n  dintero:\n    rate_limit: 40\n")
    config = load_desired(root, environ={}).config
    assert config.dintero.rate_limit == 40 and config.klarna.rate_limit is None


def test_the_command_line_wins_over_the_file(tmp_path: Path) -> None:
    root = _directory(tmp_path, "targets:\n  klarna:\n    rate_limit: 40\n  dintero:\n    rate_limit: 30\n")
    config = load_state(root, None, {"klarna": 5.0}).config
    assert (config.klarna.rate_limit, config.dintero.rate_limit) == (5.0, 30)


@pytest.mark.parametrize(
    "flag", ["klarna", "klarna=", "klarna=fast", "klarna=0", "klarna=nan", "stripe=5", "=5", "klarna=1e9"]
)
def test_a_malformed_rate_limit_flag_is_a_usage_error(flag: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plan", "--desired", str(tmp_path), "--rate-limit", flag])
    assert result.exit_code == 1
    assert "--rate-limit" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["plan", "drift", "apply"])
def test_every_command_that_talks_to_the_apis_takes_the_flag(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "--rate-limit API=N" in result.output


async def _paced(rate: float | None, requests: int) -> tuple[list[float], FakeTime, int]:
    """Start times of ``requests`` concurrent Klarna reads through clients limited to ``rate``."""
    time = FakeTime()
    starts: list[float] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        starts.append(time.now)
        return httpx.Response(404, json={"error_code": "NOT_FOUND", "error_message": "no account"})

    params = ClientParams(klarna_url="http://k.test", dintero_url="http://d.test", klarna_requests_per_second=rate)
    transport = httpx.MockTransport(answer)
    async with build_clients(params, transport=transport, clock=time.clock, sleep=time.sleep) as clients:
        await asyncio.gather(*(clients.klarna.resolve_account(f"R{i}") for i in range(requests)))
        sent = clients.klarna.http.stats.requests
    return starts, time, sent


@pytest.mark.anyio
async def test_a_configured_rate_paces_the_clients_requests_to_it() -> None:
    starts, time, sent = await _paced(50.0, 10)
    assert sent == 10
    assert starts == pytest.approx([i / 50 for i in range(10)])
    assert time.now == pytest.approx(9 / 50)  # requests ÷ rate, less the first one's interval


@pytest.mark.anyio
async def test_without_a_rate_nothing_waits() -> None:
    starts, time, _ = await _paced(None, 10)
    assert starts == [0.0] * 10 and time.waits == []


def test_the_examples_plan_with_rate_limits_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The flag on a real command against the embedded sandbox (which has no limit of its own).
    for name in ("RECONCILER_KLARNA_URL", "RECONCILER_DINTERO_URL", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "desired-state")
    result = CliRunner().invoke(main, ["plan", "--rate-limit", "klarna=1000", "--rate-limit", "dintero=1000"])
    assert result.exit_code == 0, result.output
    assert "Targets:" in result.output
