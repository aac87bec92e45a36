"""The one error tree of the project.

Every error the reconciler raises on purpose derives from ``ReconcilerError``.
Only ``reconciler.cli`` maps them to exit codes (see DESIGN §5)::

    ReconcilerError
    ├── InputError                bad desired state or configuration; carries every issue found (exit 1)
    ├── SecretsError              the secrets store cannot be read or written: no identity, a wrong one,
    │                             a damaged file (exit 1)
    ├── ApiError                  an API refused a request (4xx) or answered what we cannot read (exit 1)
    │   ├── ApiNotFound           the API answered 404: the object does not exist (readers turn it into None)
    │   ├── ApiConflict           the API answered 409: the request conflicts with the object's current state
    │   ├── ApiAnswerUnreadable   the API accepted a write (2xx) and its answer could not be read: the write
    │                             took effect, what it made is not known (``outcome_unknown``)
    │   └── ApiUnavailable        no usable answer, after the retries the request allowed
    │       ├── ApiNoResponse     no HTTP answer at all: the connection failed or timed out
    │       ├── ApiServerError    the API answered 5xx
    │       └── ApiRateLimited    the API still answered 429 when the retries ran out
    ├── ReadFailed                the live state of one or more merchants could not be read (exit 1)
    ├── PolicyViolation           the safety policy refused the plan (exit 3)
    ├── StalePlanError            a saved plan no longer matches the live state or desired state (exit 4)
    ├── ApplyFailed               one or more operations failed during apply (exit 1)
    └── BlockedRemain             apply did all it could; blocked operations need a person (exit 5)

An HTTP status becomes its class through one table, ``api_error_class``. Every ``ApiError`` says
whether the request may have taken effect although it failed (``outcome_unknown``: a write whose
response was lost or answered 5xx): only then is it worth reading back what happened.

Messages never hold sensitive values: callers pass masked text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self


class ReconcilerError(Exception):
    """Root of every error the reconciler raises on purpose."""


# Longer than any message the reconciler writes of its own (the longest list the expected fields).
MAX_ISSUE_CHARS = 1_000


@dataclass(frozen=True)
class InputIssue:
    """One problem in an input file, located as ``FILE:LINE:COL`` (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str

    def __post_init__(self) -> None:
        # A message repeats what the file wrote (a key, a tag): a 200,000-character key is not echoed whole.
        if len(self.message) > MAX_ISSUE_CHARS:
            left_out = len(self.message) - MAX_ISSUE_CHARS
            object.__setattr__(self, "message", f"{self.message[:MAX_ISSUE_CHARS]}… ({left_out} more characters)")

    def __str__(self) -> str:
        # The whole line: a message names other files too (``is also declared in FILE:LINE:COL``).
        return printable(f"{self.file}:{self.line}:{self.column}: {self.message}")


def printable(text: str) -> str:
    """Text with its control characters escaped (``\\x1b``, ``\\n``): a file name is written as the file
    system gives it, and an API's text as the API sends it; written raw to a terminal, ESC sequences in it
    drive the terminal and a line break forges a line of its own (a ``FILE:LINE:COL`` one)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


class InputError(ReconcilerError):
    """Bad input: every issue found in one run, not just the first."""

    def __init__(self, issues: list[InputIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.file, i.line, i.column, i.message))
        super().__init__("\n".join(str(i) for i in self.issues))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by what it was made of: its args hold the rendered text, which __init__ does not take.
        return type(self), (self.issues,)


class SecretsError(ReconcilerError):
    """The secrets store cannot be read or written: no identity, a wrong one, a damaged file, no recipients."""


OUTCOME_UNKNOWN = "the outcome is unknown: the request may have been applied"


class ApiError(ReconcilerError):
    """An API refused a request. Carries the API's own error code and message, never a raw body.

    ``api_message`` is the API's words only; what the client knows besides (the merchant, the
    attempts it made, whether the request may have taken effect) are attributes, and ``str()``
    renders them all.
    """

    without_status: ClassVar[str] = ""  # what ``str()`` says in place of a status when there is none

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
        outcome_unknown: bool = False,
        attempts: int | None = None,
    ) -> None:
        self.api = api
        self.operation = operation
        self.status = status
        self.code = code
        self.api_message = message
        self.merchant = merchant
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown
        self.attempts = attempts  # set when the client gave up retrying, for the message
        super().__init__(self._render())

    def _render(self) -> str:
        who = f"merchant {self.merchant}: " if self.merchant else ""
        # No status is "no response" only for a request that got none: an answer the client could not
        # read (an unexpected shape) came, and saying none came would send someone to the network.
        status = str(self.status) if self.status is not None else self.without_status
        said = " ".join(part for part in (status, self.code) if part)
        text = f"{who}{self.api} {self.operation} failed{f' ({said})' if said else ''}: {self.api_message}"
        if self.attempts is not None:
            text += f" (gave up after {self.attempts} attempt{'s' if self.attempts != 1 else ''})"
        if self.outcome_unknown:
            text += f"; {OUTCOME_UNKNOWN}"
        return text

    def _fields(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "operation": self.operation,
            "status": self.status,
            "message": self.api_message,
            "code": self.code,
            "merchant": self.merchant,
            "retry_after": self.retry_after,
            "outcome_unknown": self.outcome_unknown,
            "attempts": self.attempts,
        }

    def evolve(self, **changes: Any) -> Self:
        """A copy of this error, of the same class, with ``changes`` (``__init__``'s argument names)."""
        return type(self)(**{**self._fields(), **changes})

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle and copy through their ``args``, which here hold only the rendered text.
        return _rebuild_api_error, (type(self), self._fields())

    def attributed_to(self, merchant: str) -> Self:
        """This error, naming ``merchant`` unless it already names one (clients do not always know)."""
        return self if self.merchant else self.for_merchant(merchant)

    def for_merchant(self, merchant: str) -> Self:
        """The same error (class and every attribute), attributed to a merchant."""
        return self.evolve(merchant=merchant)


def _rebuild_api_error(cls: type[ApiError], fields: dict[str, Any]) -> ApiError:
    return cls(**fields)


class ApiNotFound(ApiError):
    """404: the object the request names does not exist."""


class ApiConflict(ApiError):
    """409: the request conflicts with the object's current state (e.g. a second pending signup)."""


class ApiAnswerUnreadable(ApiError):
    """A write answered 2xx with a body that could not be read (not JSON, not the expected shape).

    The API accepted the request, so it is no failure of the write: it took effect, and what it made (the
    ids the answer names) is not known. Raised with ``outcome_unknown``; the next read finds the object.
    """

    def _render(self) -> str:
        who = f"merchant {self.merchant}: " if self.merchant else ""
        return (
            f"{who}{self.api} {self.operation}: the API accepted the request ({self.status}) but its answer could "
            f"not be read ({self.api_message}); the outcome is unknown, and the next plan will read the live state"
        )


class ApiUnavailable(ApiError):
    """No usable answer after the allowed retries; the subclass says which kind of failure it was."""


class ApiNoResponse(ApiUnavailable):
    """No HTTP answer: the connection was refused, dropped or timed out (``status`` is None)."""

    without_status = "no response"


class ApiServerError(ApiUnavailable):
    """A 5xx answer, after the retries the request allowed (none for a write that cannot be repeated)."""


class ApiRateLimited(ApiUnavailable):
    """A 429 answer still, once the retries ran out (a 429 is never processed, so any request is retried)."""


# Statuses with a class of their own; the rest fall to their range (see ``api_error_class``).
API_ERROR_BY_STATUS: dict[int, type[ApiError]] = {
    404: ApiNotFound,
    409: ApiConflict,
    429: ApiRateLimited,
}


def api_error_class(status: int | None) -> type[ApiError]:
    """The class of the error an answer with ``status`` makes; None means no answer came."""
    if status is None:
        return ApiNoResponse
    if status in API_ERROR_BY_STATUS:
        return API_ERROR_BY_STATUS[status]
    return ApiServerError if status >= 500 else ApiError


class ReadFailed(ReconcilerError):
    """Reading the live state failed for some merchants; every failure is listed, one per line."""

    # The same failure for more merchants than this is one line: a wrong key fails every read alike.
    GROUP_OVER = 3

    def __init__(self, failures: list[ApiError]) -> None:
        self.failures = failures
        groups: dict[tuple[object, ...], list[ApiError]] = {}
        for failure in failures:
            key = (failure.api, failure.operation, failure.status, failure.code, failure.api_message)
            groups.setdefault(key, []).append(failure)
        lines = [f"could not read the live state of {len(failures)} merchant(s):"]
        for same in groups.values():
            if len(same) <= self.GROUP_OVER:
                lines += [f"  {failure}" for failure in same]
                continue
            merchants = [f.merchant or "?" for f in same]
            shown = ", ".join(merchants[:3]) + f" and {len(merchants) - 3} more"
            lines.append(f"  {len(same)} merchants ({shown}): {same[0].evolve(merchant=None)}")
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[Any, ...]:
        # As InputError's: made again from its failures, not from the text its args hold.
        return type(self), (self.failures,)

    @property
    def unauthorized_apis(self) -> list[str]:
        """The APIs that refused the credentials (401) for every merchant they were asked about."""
        return sorted({f.api for f in self.failures if f.status == 401})


class PolicyViolation(ReconcilerError):
    """The safety policy refused the plan; the message names the operations and the rule."""


class StalePlanError(ReconcilerError):
    """A saved plan no longer applies: desired digest or a precondition changed."""


class ApplyFailed(ReconcilerError):
    """One or more operations failed; the message summarises them per merchant."""


class BlockedRemain(ReconcilerError):
    """Apply did everything it could, and blocked operations remain: they need action outside the APIs."""
