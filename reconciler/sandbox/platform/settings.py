"""Settings of one sandbox instance: credentials, lifecycle timing, fault defaults and outgoing deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

KLARNA_PREFIX = "/klarna"
DINTERO_PREFIX = "/dintero"
ADMIN_PREFIX = "/_sandbox"

DEFAULT_KLARNA_API_KEY = "klarna_test_api_sandbox"
DEFAULT_DINTERO_PARTNER_ID = "T11200000"
DEFAULT_DINTERO_CLIENT_ID = "sandbox"
DEFAULT_DINTERO_CLIENT_SECRET = "sandbox"


@dataclass
class SandboxSettings:
    """How a sandbox behaves. Fault settings here are only the starting values: ``/_sandbox/faults`` changes them."""

    db_path: Path | None = None  # None keeps state in memory
    klarna_api_keys: tuple[str, ...] = (DEFAULT_KLARNA_API_KEY,)
    dintero_partner_id: str = DEFAULT_DINTERO_PARTNER_ID
    dintero_client_id: str = DEFAULT_DINTERO_CLIENT_ID
    dintero_client_secret: str = DEFAULT_DINTERO_CLIENT_SECRET
    # Signs the sandbox's Dintero JWTs; tokens from another sandbox instance are refused.
    jwt_signing_key: str = field(default="sandbox-jwt-signing-key-change-me-0123456789")
    token_ttl_seconds: int = 3600
    operational_delay_seconds: float = 2.0
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    fault_rate: float = 0.0
    rate_limit_per_second: float = 0.0  # 0 means no rate limit; the same start value for each API
    seed: int | None = None
    # Random faults draw their status from these; write faults hit before the effect, after it, or either.
    fault_statuses: tuple[int, ...] = (500, 503)
    write_fault_mode: str = "both"
    idempotency_ttl_seconds: float = 24 * 3600.0
    request_log_size: int = 200_000
    # Outgoing webhook deliveries: the waits before each retry (so at most len + 1 attempts) and the time
    # an attempt may take. Klarna retries for up to 12 hours; a sandbox retries within about a minute.
    webhook_retry_delays_seconds: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    webhook_timeout_seconds: float = 5.0
