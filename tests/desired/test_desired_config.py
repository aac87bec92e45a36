"""reconciler.yaml: defaults, environment overrides, sandbox credentials, and secrets kept out of output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reconciler import config as cfg
from reconciler.config import ConfigFile, resolve_config
from reconciler.desired import load_desired
from reconciler.sandbox.platform import settings as sandbox_settings


def test_sandbox_defaults_match_the_sandbox_settings() -> None:
    assert cfg.SANDBOX_KLARNA_API_KEY == sandbox_settings.DEFAULT_KLARNA_API_KEY
    assert cfg.SANDBOX_DINTERO_PARTNER_ID == sandbox_settings.DEFAULT_DINTERO_PARTNER_ID
    assert cfg.SANDBOX_DINTERO_CLIENT_ID == sandbox_settings.DEFAULT_DINTERO_CLIENT_ID
    assert cfg.SANDBOX_DINTERO_CLIENT_SECRET == sandbox_settings.DEFAULT_DINTERO_CLIENT_SECRET


def test_without_a_file_every_target_is_the_sandbox_with_its_credentials() -> None:
    config, problems = resolve_config(ConfigFile(), {})
    assert problems == []
    assert config.klarna.is_sandbox and config.dintero.is_sandbox
    assert config.klarna.api_key is not None
    assert config.klarna.api_key.get_secret_value() == "klarna_test_api_sandbox"
    assert (config.dintero.partner_id, config.dintero.client_id) == ("T11200000", "sandbox")
    assert config.parallelism == 16 and config.policy.allow_delete is False
    assert config.missing_credentials() == []


def test_environment_overrides_the_file_for_ci() -> None:
    file = ConfigFile.model_validate({"targets": {"klarna": {"base_url": "sandbox"}}, "parallelism": 4})
    environ = {
        "RECONCILER_KLARNA_URL": "https://api-global.test.klarna.com/",
        "RECONCILER_DINTERO_URL": "https://api.dintero.com",
        "KLARNA_API_KEY": "klarna_test_api_abc",
        "DINTERO_PARTNER_ID": "T99900000",
        "DINTERO_CLIENT_ID": "client",
        "DINTERO_CLIENT_SECRET": "s3cret",
    }
    config, problems = resolve_config(file, environ)
    assert problems == []
    assert config.klarna.base_url == "https://api-global.test.klarna.com"
    assert config.dintero.base_url == "https://api.dintero.com"
    assert config.klarna.api_key is not None and config.klarna.api_key.get_secret_value() == "klarna_test_api_abc"
    assert config.dintero.client_secret is not None and config.dintero.client_secret.get_secret_value() == "s3cret"
    assert config.parallelism == 4
    assert "s3cret" not in repr(config) and "klarna_test_api_abc" not in repr(config)


def test_a_real_target_without_credentials_names_the_variables_to_set() -> None:
    file = ConfigFile.model_validate(
        {
            "targets": {
                "klarna": {"base_url": "https://api-global.test.klarna.com", "api_key_env": "ACME_KLARNA_KEY"},
                "dintero": {"base_url": "https://api.dintero.com"},
            }
        }
    )
    config, _ = resolve_config(file, {})
    assert config.klarna.api_key is None
    assert config.missing_credentials() == [
        "ACME_KLARNA_KEY",
        "DINTERO_PARTNER_ID",
        "DINTERO_CLIENT_ID",
        "DINTERO_CLIENT_SECRET",
    ]
    named, _ = resolve_config(file, {"ACME_KLARNA_KEY": "from-named-var"})
    assert named.klarna.api_key is not None and named.klarna.api_key.get_secret_value() == "from-named-var"
    standard, _ = resolve_config(file, {"ACME_KLARNA_KEY": "named", "KLARNA_API_KEY": "standard"})
    assert standard.klarna.api_key is not None and standard.klarna.api_key.get_secret_value() == "standard"


def test_an_invalid_partner_id_is_a_problem_that_does_not_echo_it() -> None:
    _, problems = resolve_config(ConfigFile(), {"DINTERO_PARTNER_ID": "T12345678"})
    (problem,) = problems
    assert problem.path == ("targets", "dintero", "partner_id_env")
    assert "T12345678" not in str(problem)


def test_the_config_file_is_loaded_with_the_desired_state(
    desired_dir: Path, write: Callable[[str, str | bytes], Path]
) -> None:
    write(
        "reconciler.yaml",
        "targets:\n  dintero:\n    base_url: https://api.dintero.com\n"
        "policy: {max_disable_count: 2, max_disable_percent: 5.5, allow_delete: true}\nparallelism: 32\n",
    )
    state = load_desired(desired_dir, environ={"DINTERO_CLIENT_SECRET": "x"})
    config = state.config
    assert config.source == "desired-state/reconciler.yaml"
    assert config.klarna.is_sandbox and not config.dintero.is_sandbox
    assert (config.policy.max_disable_count, config.policy.max_disable_percent, config.policy.allow_delete) == (
        2,
        5.5,
        True,
    )
    assert config.parallelism == 32
    assert config.missing_credentials() == ["DINTERO_PARTNER_ID", "DINTERO_CLIENT_ID"]
