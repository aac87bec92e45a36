"""``!env`` for CI-provided values: with CI=true an unset variable is an error even with a fallback,
unless reconciler.yaml allows that fallback; no reference may name the reconciler's own credentials;
the test identity in reconciler.yaml is used only with sandbox targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.desired.load import DesiredState
from reconciler.errors import InputError, SecretsError

from .conftest import KeyPair, StoreWriter, WriteFile

IN_CI = {"CI": "true", "RECONCILER_ALLOW_SANDBOX": "1"}
FALLBACK = 'account_reference: ENV-1\nklarna:\n  account_name: !env [ENV_TEST_SHOP_NAME, "Fallback Shop"]\n'


def _load(directory: Path, environ: dict[str, str]) -> DesiredState:
    return load_desired(directory, environ=environ, notify=None)


def _issues(directory: Path, environ: dict[str, str]) -> list[str]:
    with pytest.raises(InputError) as caught:
        _load(directory, environ)
    return [str(issue) for issue in caught.value.issues]


def test_outside_ci_a_fallback_is_used(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/a.yaml", FALLBACK)
    assert _load(desired_dir, {}).merchant("ENV-1").wire()["klarna"]["account_name"] == "Fallback Shop"


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_in_ci_an_unset_variable_is_an_error_even_with_a_fallback(desired_dir: Path, write: WriteFile, ci: str) -> None:
    write("merchants/a.yaml", FALLBACK)
    [issue] = _issues(desired_dir, {**IN_CI, "CI": ci})
    assert issue.startswith(
        "desired-state/merchants/a.yaml:3:17: klarna.account_name: environment variable ENV_TEST_SHOP_NAME is not "
        "set, and with CI=true a fallback is used only when reconciler.yaml allows it"
    )
    assert "Fallback Shop" not in issue


def test_in_ci_a_set_variable_wins_and_an_allowed_fallback_is_used(desired_dir: Path, write: WriteFile) -> None:
    write("merchants/a.yaml", FALLBACK)
    shown = _load(desired_dir, {**IN_CI, "ENV_TEST_SHOP_NAME": "From CI"}).merchant("ENV-1").wire()
    assert shown["klarna"]["account_name"] == "From CI"
    write(
        "reconciler.yaml",
        "targets: {klarna: {base_url: sandbox}, dintero: {base_url: sandbox}}\n"
        "env:\n  allow_fallback: [ENV_TEST_SHOP_NAME]\n",
    )
    shown = _load(desired_dir, IN_CI).merchant("ENV-1").wire()
    assert shown["klarna"]["account_name"] == "Fallback Shop"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("env: {allow_fallback: ENV_TEST_SHOP_NAME}\n", "env.allow_fallback: Input should be a valid list"),
        ("env: {allow_fallback: [not a name]}\n", "env.allow_fallback[0]: String should match pattern"),
        ("env: {allow_fallbacks: []}\n", "env.allow_fallbacks: unknown field"),
        ("secrets: {identity_file: 42}\n", "secrets.identity_file: Input should be a valid string"),
    ],
)
def test_the_new_settings_are_strict(desired_dir: Path, write: WriteFile, setting: str, message: str) -> None:
    write("reconciler.yaml", setting)
    [issue] = _issues(desired_dir, {})
    assert issue.split(": ", 1)[1].startswith(message), issue


@pytest.mark.parametrize(
    "variable",
    ["KLARNA_API_KEY", "DINTERO_CLIENT_SECRET", "RECONCILER_MASK_KEY", "RECONCILER_AGE_IDENTITY", "ACME_KLARNA_KEY"],
)
def test_a_reference_to_a_credential_variable_is_refused(desired_dir: Path, write: WriteFile, variable: str) -> None:
    write("reconciler.yaml", "targets: {klarna: {api_key_env: ACME_KLARNA_KEY}}\n")
    write("merchants/a.yaml", f"account_reference: ENV-1\nklarna:\n  account_name: !env {variable}\n")
    write("merchants/b.yaml", f"account_reference: ENV-2\nklarna:\n  account_name: !secret {variable}\n")
    issues = _issues(desired_dir, {variable: "the-credential-value"})
    assert [issue.split(": ", 2)[0] for issue in issues] == [
        "desired-state/merchants/a.yaml:3:17",
        "desired-state/merchants/b.yaml:3:17",
    ]
    assert all("names a credential variable of the reconciler" in issue for issue in issues)
    assert not any("the-credential-value" in issue for issue in issues)


def test_the_identity_file_of_reconciler_yaml_opens_the_store_on_the_sandbox_only(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair, tmp_path: Path
) -> None:
    store({"ENV_NAME": "Secret Shop AB"})
    write("test-key.txt", f"# test key\n{key.identity}\n")
    write("reconciler.yaml", "secrets: {identity_file: test-key.txt}\n")
    write("merchants/a.yaml", "account_reference: ENV-1\nklarna:\n  account_name: !secret ENV_NAME\n")
    assert _load(desired_dir, {}).merchant("ENV-1").wire()["klarna"]["account_name"] == "Secret Shop AB"
    real = {"RECONCILER_KLARNA_URL": "https://api-global.test.klarna.com", "KLARNA_API_KEY": "klarna_test_api_x"}
    with pytest.raises(SecretsError) as caught:
        _load(desired_dir, real)
    assert "used only while every target is the sandbox" in str(caught.value)
    assert "RECONCILER_AGE_IDENTITY" in str(caught.value)
    # With an identity from the environment the file is not consulted.
    assert _load(desired_dir, {**real, **key.environ()}).merchant("ENV-1").wire()["klarna"]["account_name"]


def test_an_identity_file_outside_the_directory_is_refused(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair, tmp_path: Path
) -> None:
    store({"ENV_NAME": "Secret Shop AB"})
    (tmp_path / "outside.txt").write_text(key.identity + "\n", encoding="utf-8")
    write("reconciler.yaml", "secrets: {identity_file: ../outside.txt}\n")
    write("merchants/a.yaml", "account_reference: ENV-1\nklarna:\n  account_name: !secret ENV_NAME\n")
    with pytest.raises(SecretsError) as caught:
        _load(desired_dir, {})
    assert "outside the desired-state directory" in str(caught.value)


def test_a_setting_of_reconciler_yaml_may_be_a_secret_opened_by_the_test_key_it_names(
    desired_dir: Path, write: WriteFile, store: StoreWriter, key: KeyPair
) -> None:
    store({"ENV_NAME": "Secret Shop AB", "ENV_URL": "https://api-global.test.klarna.com"})
    write("test-key.txt", f"{key.identity}\n")
    write("merchants/a.yaml", "account_reference: ENV-1\nklarna:\n  account_name: !secret ENV_NAME\n")
    write("reconciler.yaml", "secrets: {identity_file: test-key.txt}\ntargets: {klarna: {base_url: !secret ENV_URL}}\n")
    # The file's own identity_file opens the store while the targets are the sandbox; here the secret
    # makes a target real, so the test key is refused and the environment's identity is needed.
    with pytest.raises(SecretsError):
        _load(desired_dir, {"KLARNA_API_KEY": "klarna_test_api_x"})
    state = _load(desired_dir, {"KLARNA_API_KEY": "klarna_test_api_x", **key.environ()})
    assert state.config.klarna.base_url == "https://api-global.test.klarna.com"
    assert state.merchant("ENV-1").wire()["klarna"]["account_name"] == "Secret Shop AB"
