"""The one error tree of the project.

Every error the reconciler raises on purpose derives from ``ReconcilerError``.
Only ``reconciler.cli`` maps them to exit codes (see DESIGN §5)::

    ReconcilerError
    ├── InputError            bad desired state or configuration; carries every issue found (exit 1)
    ├── ApiError              an API answered with an error; names merchant, operation, API text (exit 1)
    │   └── ApiUnavailable    no usable answer after retries: connection errors, timeouts, 5xx, 429
    ├── ReadFailed            the live state of one or more merchants could not be read (exit 1)
    ├── PolicyViolation       the safety policy refused the plan (exit 3)
    ├── StalePlanError        a saved plan no longer matches the live state or desired state (exit 4)
    └── ApplyFailed           one or more operations failed during apply (exit 1)

Messages never hold sensitive values: callers pass masked text only.
"""

from __future__ import annotations

from dataclasses import dataclass


class ReconcilerError(Exception):
    """Root of every error the reconciler raises on purpose."""


@dataclass(frozen=True)
class InputIssue:
    """One problem in an input file, located as ``FILE:LINE:COL`` (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class InputError(ReconcilerError):
    """Bad input: every issue found in one run, not just the first."""

    def __init__(self, issues: list[InputIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.file, i.line, i.column, i.message))
        super().__init__("\n".join(str(i) for i in self.issues))


class ApiError(ReconcilerError):
    """An API refused a request. Carries the API's own error code and message, never a raw body."""

    def __init__(
        self,
        api: str,
        operation: str,
        status: int | None,
        message: str,
        *,
        code: str | None = None,
        merchant: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.api = api
        self.operation = operation
        self.status = status
        self.code = code
        self.api_message = message
        self.merchant = merchant
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        who = f"merchant {self.merchant}: " if self.merchant else ""
        status = f" {self.status}" if self.status is not None else ""
        code = f" {self.code}" if self.code else ""
        return f"{who}{self.api} {self.operation} failed ({status.strip() or 'no response'}{code}): {self.api_message}"

    def attributed_to(self, merchant: str) -> ApiError:
        """This error, naming ``merchant`` unless it already names one (clients do not always know)."""
        return self if self.merchant else self.for_merchant(merchant)

    def for_merchant(self, merchant: str) -> ApiError:
        """The same error, attributed to a merchant."""
        clone = type(self).__new__(type(self))
        ApiError.__init__(
            clone,
            self.api,
            self.operation,
            self.status,
            self.api_message,
            code=self.code,
            merchant=merchant,
            retry_after=self.retry_after,
        )
        return clone


class ApiUnavailable(ApiError):
    """No usable answer after the allowed retries (connection error, timeout, 5xx or 429)."""


class ReadFailed(ReconcilerError):
    """Reading the live state failed for some merchants; every failure is listed, one per line."""

    def __init__(self, failures: list[ApiError]) -> None:
        self.failures = failures
        lines = [f"could not read the live state of {len(failures)} merchant(s):"]
        lines += [f"  {failure}" for failure in failures]
        super().__init__("\n".join(lines))


class PolicyViolation(ReconcilerError):
    """The safety policy refused the plan; the message names the operations and the rule."""


class StalePlanError(ReconcilerError):
    """A saved plan no longer applies: desired digest or a precondition changed."""


class ApplyFailed(ReconcilerError):
    """One or more operations failed; the message summarises them per merchant."""
