"""Operational realism: latency, rate limits and injected faults, changeable at run time.

The configuration starts from ``SandboxSettings`` and is read and changed through
``GET/PUT /_sandbox/faults``. Faults come two ways:

- random, at ``fault_rate``, drawn from a generator seeded by ``seed`` so a run can be replayed;
- scripted (``fail_next``): the next requests matching a rule fail, deterministically, for tests.

A fault on a write either stops the request before the route runs (``before_effect``) or lets the
route run and commit and then loses its response (``after_effect``): the client sees a 500 timeout
although the change happened, which is what idempotency keys are for.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reconciler.sandbox.platform.problems import DinteroProblem, KlarnaProblem
from reconciler.sandbox.platform.rate_limit import RateDecision, TokenBucket
from reconciler.sandbox.platform.settings import SandboxSettings

Api = Literal["klarna", "dintero"]
FaultWhen = Literal["before_effect", "after_effect"]
WriteFaultMode = Literal["before_effect", "after_effect", "both"]
# Random faults are server errors; scripted ones may be any error status.
ServerErrorStatus = Annotated[int, Field(ge=500, le=599)]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FAULT_HEADER = "x-sandbox-fault"
FAULT_SOURCE_HEADER = "x-sandbox-fault-source"


class ScriptedFault(BaseModel):
    """Fail the next ``count`` requests that match (``api``, ``method``, ``path_pattern``)."""

    model_config = ConfigDict(extra="forbid")

    api: Api | None = None
    method: str | None = None
    path_pattern: str = Field(".*", description="A regular expression searched in the request path")
    status: int = Field(500, ge=400, le=599)
    when: FaultWhen = "before_effect"
    count: int = Field(1, ge=1, le=1_000_000)

    @field_validator("path_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return value

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    def matches(self, api: str, method: str, path: str) -> bool:
        return (
            (self.api is None or self.api == api)
            and (self.method is None or self.method == method)
            and re.search(self.path_pattern, path) is not None
        )


class RateLimits(BaseModel):
    """Requests per second allowed for each API; 0 means unlimited."""

    model_config = ConfigDict(extra="forbid")

    klarna: float = Field(default=0.0, ge=0, le=1_000_000)
    dintero: float = Field(default=0.0, ge=0, le=1_000_000)


class FaultConfig(BaseModel):
    """The whole fault configuration, as ``GET /_sandbox/faults`` shows it."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(0.0, ge=0, le=60_000)
    jitter_ms: float = Field(0.0, ge=0, le=60_000)
    fault_rate: float = Field(0.0, ge=0, le=1)
    fault_statuses: list[ServerErrorStatus] = Field(default_factory=lambda: [500, 503], min_length=1)
    write_fault_mode: WriteFaultMode = "both"
    rate_limit_per_second: RateLimits = Field(default_factory=lambda: RateLimits())
    seed: int | None = None
    fail_next: list[ScriptedFault] = Field(default_factory=list)


class FaultUpdate(BaseModel):
    """A partial change for ``PUT /_sandbox/faults``: the fields given replace the current ones."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float | None = Field(None, ge=0, le=60_000)
    jitter_ms: float | None = Field(None, ge=0, le=60_000)
    fault_rate: float | None = Field(None, ge=0, le=1)
    fault_statuses: list[ServerErrorStatus] | None = Field(None, min_length=1)
    write_fault_mode: WriteFaultMode | None = None
    rate_limit_per_second: RateLimits | None = None
    seed: int | None = None
    fail_next: list[ScriptedFault] | None = None


@dataclass(frozen=True)
class InjectedFault:
    status: int
    when: FaultWhen
    source: Literal["random", "scripted"]


def config_from_settings(settings: SandboxSettings) -> FaultConfig:
    rate = settings.rate_limit_per_second
    return FaultConfig(
        latency_ms=settings.latency_ms,
        jitter_ms=settings.jitter_ms,
        fault_rate=settings.fault_rate,
        fault_statuses=list(settings.fault_statuses),
        write_fault_mode=settings.write_fault_mode,  # type: ignore[arg-type]
        rate_limit_per_second=RateLimits(klarna=rate, dintero=rate),
        seed=settings.seed,
    )


class FaultController:
    """The live fault state of one sandbox: configuration, random generators, buckets, scripted rules."""

    def __init__(self, initial: FaultConfig) -> None:
        self._initial = initial.model_copy(deep=True)
        self._lock = threading.Lock()
        self.config = initial.model_copy(deep=True)
        self._apply_config()

    def _apply_config(self) -> None:
        # Two generators so that changing the jitter does not shift the sequence of faults.
        self._fault_rng = random.Random(self.config.seed)
        self._jitter_rng = random.Random(None if self.config.seed is None else self.config.seed + 1)
        limits = self.config.rate_limit_per_second
        self._buckets: dict[str, TokenBucket | None] = {
            "klarna": TokenBucket(limits.klarna) if limits.klarna > 0 else None,
            "dintero": TokenBucket(limits.dintero) if limits.dintero > 0 else None,
        }

    def update(self, change: FaultUpdate) -> FaultConfig:
        with self._lock:
            merged = self.config.model_dump()
            merged.update(change.model_dump(exclude_unset=True))
            self.config = FaultConfig.model_validate(merged)
            self._apply_config()
            return self.config.model_copy(deep=True)

    def reset(self) -> None:
        with self._lock:
            self.config = self._initial.model_copy(deep=True)
            self._apply_config()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self.config.model_dump(mode="json")

    def latency_seconds(self) -> float:
        with self._lock:
            base, jitter = self.config.latency_ms, self.config.jitter_ms
            extra = self._jitter_rng.uniform(0.0, jitter) if jitter > 0 else 0.0
        return (base + extra) / 1000.0

    def take_rate(self, api: str) -> RateDecision | None:
        bucket = self._buckets.get(api)
        return bucket.take() if bucket is not None else None

    def pick_fault(self, api: str, method: str, path: str) -> InjectedFault | None:
        """The fault for this request, if any: scripted rules first, then the random draw."""
        with self._lock:
            for index, rule in enumerate(self.config.fail_next):
                if rule.matches(api, method, path):
                    if rule.count <= 1:
                        del self.config.fail_next[index]
                    else:
                        rule.count -= 1
                    return InjectedFault(rule.status, rule.when, "scripted")
            rate = self.config.fault_rate
            if rate <= 0 or self._fault_rng.random() >= rate:
                return None
            status = self._fault_rng.choice(self.config.fault_statuses)
            when: FaultWhen = "before_effect"
            if method in WRITE_METHODS:
                mode = self.config.write_fault_mode
                if mode == "both":
                    when = "after_effect" if self._fault_rng.random() < 0.5 else "before_effect"
                else:
                    when = mode
            return InjectedFault(status, when, "random")


_KLARNA_FAULTS: dict[int, tuple[str, str, str]] = {
    400: ("INPUT_ERROR", "VALIDATION_ERROR", "The request is invalid"),
    401: ("ACCESS_ERROR", "UNAUTHORIZED", "The presented credentials failed authentication"),
    403: ("RESOURCE_ERROR", "OPERATION_FORBIDDEN", "The operation is forbidden"),
    404: ("RESOURCE_ERROR", "RESOURCE_NOT_FOUND", "The resource was not found"),
    409: ("RESOURCE_ERROR", "RESOURCE_CONFLICT", "The request conflicts with the resource's state"),
    429: ("ACCESS_ERROR", "RATE_LIMITED", "Too many requests, retry later"),
    500: ("TECHNICAL_ERROR", "TIMEOUT", "The request timed out"),
    503: ("TECHNICAL_ERROR", "TEMPORARY_UNAVAILABLE", "The service is temporarily unavailable"),
}

_DINTERO_FAULTS: dict[int, tuple[str, str]] = {
    400: ("invalid_request", "Bad / Invalid request"),
    401: ("unauthorized", "Access forbidden, invalid JWT token was used"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Resource was not found"),
    409: ("conflict", "Conflict"),
    429: ("rate_limited", "Too many requests"),
    500: ("internal_error", "Unexpected Error"),
    503: ("service_unavailable", "Service temporarily unavailable"),
}


def klarna_error(status: int) -> KlarnaProblem:
    default = (
        ("TECHNICAL_ERROR", "INTERNAL_ERROR", "Internal error")
        if status >= 500
        else (
            "INPUT_ERROR",
            "VALIDATION_ERROR",
            "The request is invalid",
        )
    )
    error_type, code, message = _KLARNA_FAULTS.get(status, default)
    return KlarnaProblem(status, error_type, code, message)


def dintero_error(status: int) -> DinteroProblem:
    default = ("internal_error", "Unexpected Error") if status >= 500 else ("invalid_request", "Bad request")
    code, message = _DINTERO_FAULTS.get(status, default)
    return DinteroProblem(status, code, message)


def error_for(api: str, status: int) -> KlarnaProblem | DinteroProblem:
    """The API's own error envelope for a status the sandbox injects."""
    return dintero_error(status) if api == "dintero" else klarna_error(status)
