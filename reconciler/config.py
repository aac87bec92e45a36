"""``desired-state/reconciler.yaml``: the targets, where credentials come from, the safety policy, parallelism.

The file names each API's base URL (``sandbox``, the default, is the embedded simulator) and the
*names* of the environment variables that hold credentials; credentials are never written in it.
For CI, the environment variables of DESIGN.md §5 override the file::

    RECONCILER_KLARNA_URL, RECONCILER_DINTERO_URL           base URLs ("sandbox" or http(s)://…)
    KLARNA_API_KEY, DINTERO_PARTNER_ID,                     credentials; when set they win over the
    DINTERO_CLIENT_ID, DINTERO_CLIENT_SECRET                variables the file names

With a ``sandbox`` target, unset credentials default to the sandbox's own (Klarna key
``klarna_test_api_sandbox``; Dintero partner ``T11200000``, client ``sandbox``/``sandbox``). With any
other target they stay ``None`` and ``Config.missing_credentials()`` names the variables to set.

``secrets.identity_file`` names an age identity file (relative to the desired-state directory) for
the secrets store; it is used only while every target is the sandbox (otherwise reading a secret is
an error naming the variables to set), so a key committed beside example merchants can never unlock
production secrets (``RECONCILER_AGE_IDENTITY`` and ``RECONCILER_AGE_IDENTITY_FILE`` win over it).
``env.allow_fallback`` lists the ``!env`` variables whose fallback may be used with ``CI=true``.

The file is strictly typed: ``allow_delete: "yes"``, ``parallelism: true`` or ``parallelism: "8"``
are errors, not guesses, and so is an unknown key. A base URL is never echoed in a message (it may
hold a credential), and one with credentials in it (``https://user:password@host``) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, model_validator

SANDBOX = "sandbox"
# The sandbox's default credentials (DESIGN.md §5); reconciler/sandbox/platform/settings.py serves the same.
SANDBOX_KLARNA_API_KEY = "klarna_test_api_sandbox"
SANDBOX_DINTERO_PARTNER_ID = "T11200000"
SANDBOX_DINTERO_CLIENT_ID = "sandbox"
SANDBOX_DINTERO_CLIENT_SECRET = "sandbox"

ENV_KLARNA_URL = "RECONCILER_KLARNA_URL"
ENV_DINTERO_URL = "RECONCILER_DINTERO_URL"
ENV_KLARNA_API_KEY = "KLARNA_API_KEY"
ENV_DINTERO_PARTNER_ID = "DINTERO_PARTNER_ID"
ENV_DINTERO_CLIENT_ID = "DINTERO_CLIENT_ID"
ENV_DINTERO_CLIENT_SECRET = "DINTERO_CLIENT_SECRET"

_PARTNER_ID = re.compile(r"^[PT]\d{3}00000$")
# An environment variable's name, and a secrets store name (desired.secrets and desired.secret_store use the same).
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
SECRET_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]*$"
EnvName = Annotated[str, StringConstraints(pattern=ENV_NAME_PATTERN)]


_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def check_base_url(value: str) -> str:
    """``sandbox`` or an absolute http(s) URL without a trailing slash, credentials, query or fragment.

    No message repeats the value: a URL may carry a password or a key, and a misplaced secret (an API
    key set as the URL) must not be printed either. At most the scheme is named.
    """
    text = value.strip()
    if text == SANDBOX:
        return text
    authority = re.split(r"[/?#]", text.split("://", 1)[-1], maxsplit=1)[0]
    if "@" in authority:
        # Before anything else, so that no later message can show them.
        raise ValueError(
            "base_url must not hold credentials (user:password@): the URL is not shown; give credentials "
            "through the environment variables reconciler.yaml names"
        )
    scheme = _URL_SCHEME.match(text)
    if scheme is None or scheme.group(1).lower() not in ("http", "https"):
        raise ValueError("base_url must be 'sandbox' or an http(s) URL (the value is not shown)")
    if _NOT_IN_URL.search(text):
        raise ValueError("base_url must not hold spaces or control characters (the value is not shown)")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise ValueError("base_url is not a valid URL: check the host and port (the value is not shown)") from None
    if not parts.hostname:
        raise ValueError("base_url has no host (the value is not shown)")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        # Not echoed: a query may carry a key.
        raise ValueError("base_url must not have a query or a fragment (API paths are added to it)")
    return text.rstrip("/")


# The key by which a field says what null means (see reconciler.desired.nulls: elsewhere null is refused).
_NULL = "x-null-means"


class _FileModel(BaseModel):
    # Strict: a boolean is true or false, a number is a number; YAML's "yes" or "8" is not guessed at.
    model_config = ConfigDict(extra="forbid", strict=True)


# Requests per second the client sends an API at most, spread evenly (null or left out: no limit of
# its own; the client still follows the API's X-Ratelimit-* headers and Retry-After).
MAX_RATE_LIMIT = 10_000.0
# One request every 100 s: slower is no rate but a stop (at 1e-320 the wait between two is infinite).
MIN_RATE_LIMIT = 0.01
RateLimit = Annotated[float, Field(ge=MIN_RATE_LIMIT, le=MAX_RATE_LIMIT)] | None


class KlarnaTargetFile(_FileModel):
    base_url: str = SANDBOX
    api_key_env: EnvName = ENV_KLARNA_API_KEY
    rate_limit: RateLimit = Field(default=None, json_schema_extra={_NULL: "no limit"})


class DinteroTargetFile(_FileModel):
    base_url: str = SANDBOX
    partner_id_env: EnvName = ENV_DINTERO_PARTNER_ID
    client_id_env: EnvName = ENV_DINTERO_CLIENT_ID
    client_secret_env: EnvName = ENV_DINTERO_CLIENT_SECRET
    rate_limit: RateLimit = Field(default=None, json_schema_extra={_NULL: "no limit"})


class TargetsFile(_FileModel):
    klarna: KlarnaTargetFile = Field(default_factory=KlarnaTargetFile)
    dintero: DinteroTargetFile = Field(default_factory=DinteroTargetFile)


class Policy(_FileModel):
    """The safety policy a plan is checked against before apply (exit 3 when it refuses)."""

    max_disable_count: Annotated[int, Field(ge=0)] = 5
    max_disable_percent: Annotated[float, Field(ge=0, le=100)] = 10.0
    percent_min_fleet: Annotated[int, Field(ge=0)] = 10  # below this many merchants, no percentage applies
    allow_delete: bool = False
    # With allow_delete. Null (or left out): no limit.
    max_delete_count: Annotated[int, Field(ge=0)] | None = Field(default=None, json_schema_extra={_NULL: "no limit"})
    max_bank_account_changes: Annotated[int, Field(ge=0)] | None = Field(
        default=None, json_schema_extra={_NULL: "no limit"}
    )
    require_high_risk_flag: bool = False  # every high-risk operation needs --allow-high-risk


SecretName = Annotated[str, StringConstraints(pattern=SECRET_NAME_PATTERN)]


class BankAccountHashing(_FileModel):
    """``klarna.bank_account_hashing``: send Klarna an Argon2id hash of each IBAN instead of the IBAN.

    The salt is the one Klarna pre-shares: by name from the secrets store (``salt_secret``) or from an
    environment variable (``salt_env``, for CI), exactly one of them. The cost parameters must be the
    ones Klarna gives with the salt; the defaults are RFC 9106's second recommended option (see the
    README's sandbox section: Klarna's page, as stored, does not show its numbers).
    """

    salt_secret: SecretName | None = None
    salt_env: EnvName | None = None
    time_cost: Annotated[int, Field(ge=1, le=64)] = 3
    memory_cost_kib: Annotated[int, Field(ge=8, le=4 * 1024 * 1024)] = 65536
    parallelism: Annotated[int, Field(ge=1, le=64)] = 4
    hash_length: Annotated[int, Field(ge=16, le=64)] = 32

    @model_validator(mode="after")
    def _one_salt(self) -> BankAccountHashing:
        # A key written as null is reported as such (desired.nulls) and counts as given here.
        given = {"salt_secret", "salt_env"} & self.model_fields_set
        if len(given) != 1:
            raise ValueError("give exactly one of salt_secret (a secrets store name) and salt_env (a variable)")
        if self.memory_cost_kib < 8 * self.parallelism:
            raise ValueError("memory_cost_kib must be at least 8 × parallelism (Argon2's minimum)")
        return self


class KlarnaSettings(_FileModel):
    bank_account_hashing: BankAccountHashing | None = None


class SecretsFile(_FileModel):
    """Where the identity of the secrets store may come from besides the environment."""

    # Relative to the desired-state directory; only with sandbox targets (a committed test key).
    identity_file: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)] | None = Field(
        default=None, json_schema_extra={_NULL: "no identity file"}
    )


def _no_entries() -> list[str]:
    # An empty list. Not ``default_factory=list``: pydantic reads the signature of a factory, and that
    # of a builtin is parsed from its text, which costs the tokenizer's compilation (5 ms) on every start.
    return []


class EnvFile(_FileModel):
    """Rules for ``!env`` references."""

    # With CI=true, the fallback of an unset !env variable is used only for these variables.
    allow_fallback: list[EnvName] = Field(default_factory=_no_entries)


class ConfigFile(_FileModel):
    """The shape of ``reconciler.yaml``; every key is optional."""

    targets: TargetsFile = Field(default_factory=TargetsFile)
    policy: Policy = Field(default_factory=Policy)
    parallelism: Annotated[int, Field(ge=1, le=256)] = 16
    klarna: KlarnaSettings = Field(default_factory=KlarnaSettings)
    # Klarna account references left out of management: drift does not report them as unmanaged.
    ignored_references: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(default_factory=_no_entries)
    secrets: SecretsFile = Field(default_factory=SecretsFile)
    env: EnvFile = Field(default_factory=EnvFile)


@dataclass(frozen=True)
class KlarnaTarget:
    base_url: str
    api_key: SecretStr | None
    api_key_env: str
    rate_limit: float | None = None  # requests per second

    @property
    def is_sandbox(self) -> bool:
        return self.base_url == SANDBOX


@dataclass(frozen=True)
class DinteroTarget:
    base_url: str
    partner_id: str | None
    client_id: str | None
    client_secret: SecretStr | None
    partner_id_env: str
    client_id_env: str
    client_secret_env: str
    rate_limit: float | None = None  # requests per second

    @property
    def is_sandbox(self) -> bool:
        return self.base_url == SANDBOX


@dataclass(frozen=True)
class Config:
    """The resolved configuration: file, then environment overrides, then sandbox defaults."""

    klarna: KlarnaTarget
    dintero: DinteroTarget
    policy: Policy
    parallelism: int
    source: str | None = None  # the file it was read from, None when defaulted
    bank_account_hashing: BankAccountHashing | None = None  # None: IBANs are sent in clear
    ignored_references: tuple[str, ...] = ()  # not managed, not reported as unmanaged (``ignored_references``)
    # secrets.identity_file as written; the loader uses it only while ``all_sandbox``.
    secrets_identity_file: str | None = None
    env_allow_fallback: frozenset[str] = frozenset()

    @property
    def all_sandbox(self) -> bool:
        return self.klarna.is_sandbox and self.dintero.is_sandbox

    def credential_variables(self) -> frozenset[str]:
        """The environment variables that hold this configuration's credentials."""
        return frozenset(
            {
                ENV_KLARNA_API_KEY,
                ENV_DINTERO_PARTNER_ID,
                ENV_DINTERO_CLIENT_ID,
                ENV_DINTERO_CLIENT_SECRET,
                self.klarna.api_key_env,
                self.dintero.partner_id_env,
                self.dintero.client_id_env,
                self.dintero.client_secret_env,
            }
        )

    def missing_credentials(self) -> list[str]:
        """The environment variables to set before talking to a non-sandbox target."""
        missing = []
        if self.klarna.api_key is None:
            missing.append(self.klarna.api_key_env)
        for value, name in (
            (self.dintero.partner_id, self.dintero.partner_id_env),
            (self.dintero.client_id, self.dintero.client_id_env),
            (self.dintero.client_secret, self.dintero.client_secret_env),
        ):
            if value is None:
                missing.append(name)
        return missing


class ConfigProblem(ValueError):
    """A resolved value is invalid; ``path`` names the file field it belongs to."""

    def __init__(self, path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


def _credential(environ: Mapping[str, str], standard: str, named: str) -> str | None:
    # The standard variable of DESIGN.md §5 overrides the one the file names.
    for name in (standard, named):
        value = environ.get(name)
        if value:
            return value
    return None


ENV_ALLOW_SANDBOX = "RECONCILER_ALLOW_SANDBOX"


def in_ci(environ: Mapping[str, str]) -> bool:
    """``CI=true`` (or ``1``): the stricter rules for a pipeline apply."""
    return environ.get("CI", "").strip().lower() in ("true", "1")


def resolve_config(
    file: ConfigFile, environ: Mapping[str, str], *, source: str | None = None
) -> tuple[Config, list[ConfigProblem]]:
    """Apply environment overrides and sandbox defaults; returns the config and any invalid value."""
    problems: list[ConfigProblem] = []
    urls: dict[str, str] = {}
    for api, target, env_name in (
        ("klarna", file.targets.klarna, ENV_KLARNA_URL),
        ("dintero", file.targets.dintero, ENV_DINTERO_URL),
    ):
        if env_name in environ and not environ[env_name].strip():
            # GitHub passes an unset repository variable as an empty string: never read it as "the default".
            problems.append(ConfigProblem(("targets", api, "base_url"), f"{env_name} is set but empty"))
        raw = environ.get(env_name) or target.base_url
        origin = f"{env_name} (environment)" if environ.get(env_name) else "base_url"
        try:
            urls[api] = check_base_url(raw)
        except ValueError as error:
            problems.append(ConfigProblem(("targets", api, "base_url"), f"{origin}: {error}"))
            urls[api] = SANDBOX
            continue
        asked = "base_url" in target.model_fields_set or environ.get(env_name) == SANDBOX
        if urls[api] == SANDBOX and in_ci(environ) and not (asked or environ.get(ENV_ALLOW_SANDBOX) == "1"):
            problems.append(
                ConfigProblem(
                    ("targets", api, "base_url"),
                    f"with CI=true the sandbox is used only when asked for: write targets.{api}.base_url: sandbox "
                    f"in reconciler.yaml, set {env_name}, or set {ENV_ALLOW_SANDBOX}=1",
                )
            )
    k, d = file.targets.klarna, file.targets.dintero
    api_key = _credential(environ, ENV_KLARNA_API_KEY, k.api_key_env)
    partner_id = _credential(environ, ENV_DINTERO_PARTNER_ID, d.partner_id_env)
    client_id = _credential(environ, ENV_DINTERO_CLIENT_ID, d.client_id_env)
    client_secret = _credential(environ, ENV_DINTERO_CLIENT_SECRET, d.client_secret_env)
    if urls["klarna"] == SANDBOX and api_key is None:
        api_key = SANDBOX_KLARNA_API_KEY
    if urls["dintero"] == SANDBOX:
        partner_id = partner_id or SANDBOX_DINTERO_PARTNER_ID
        client_id = client_id or SANDBOX_DINTERO_CLIENT_ID
        client_secret = client_secret or SANDBOX_DINTERO_CLIENT_SECRET
    if partner_id is not None and not _PARTNER_ID.match(partner_id):
        problems.append(
            ConfigProblem(
                ("targets", "dintero", "partner_id_env"),
                "the Dintero partner id is P or T, 3 digits and 00000 (e.g. T11200000)",
            )
        )
    config = Config(
        klarna=KlarnaTarget(urls["klarna"], SecretStr(api_key) if api_key else None, k.api_key_env, k.rate_limit),
        dintero=DinteroTarget(
            urls["dintero"],
            partner_id,
            client_id,
            SecretStr(client_secret) if client_secret else None,
            d.partner_id_env,
            d.client_id_env,
            d.client_secret_env,
            d.rate_limit,
        ),
        policy=file.policy,
        parallelism=file.parallelism,
        source=source,
        bank_account_hashing=file.klarna.bank_account_hashing,
        ignored_references=tuple(ref.strip() for ref in file.ignored_references),
        secrets_identity_file=file.secrets.identity_file,
        env_allow_fallback=frozenset(file.env.allow_fallback),
    )
    return config, problems


def default_config(environ: Mapping[str, str]) -> Config:
    """The configuration of a desired-state directory without reconciler.yaml."""
    config, problems = resolve_config(ConfigFile(), environ)
    if problems:
        from reconciler.errors import InputError, InputIssue

        raise InputError([InputIssue("(environment)", 1, 1, str(problem)) for problem in problems])
    return config
