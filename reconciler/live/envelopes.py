"""Each API's error envelope, read into the fields of ``ApiError`` (never the raw body).

Klarna: ``{error_id, error_type, error_code, error_message, errors: [{parameter, error_message}]}``.
Dintero: ``{"error": {"code", "message", "errors": [{"field", "message"}]}}``.
Only codes, the top-level message (scrubbed) and parameter names are kept: per-parameter messages
and the rest of the body may quote the values that were sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.live.answer import Answer
from reconciler.sensitive import scrub

MAX_CODE_CHARS = 80  # codes are short words (``BAD_VALUE``); a longer one is not a code

_REASONS = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    409: "conflict",
    413: "request too large",
    422: "unprocessable request",
    429: "rate limited",
    500: "internal error",
    502: "bad gateway",
    503: "temporarily unavailable",
    504: "gateway timeout",
}


# The members of Klarna's error envelope: a JSON object with none of them is not Klarna's answer.
_KLARNA_ENVELOPE = frozenset({"error_id", "error_type", "error_code", "error_message", "errors"})


@dataclass(frozen=True)
class ErrorText:
    """What an error response says, safe to show."""

    code: str | None
    message: str
    # Whether the body is the API's own error envelope: a 404 that is not (a proxy's page, a wrong base URL)
    # does not say that the object is absent.
    enveloped: bool = True


def _json_object(response: Answer) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _names(items: object, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    names = [str(item[key]) for item in items if isinstance(item, dict) and item.get(key)]
    return sorted(set(names))


def _code(code: object) -> str | None:
    """An error code as it may be shown: scrubbed like the message (an API may put a value in it)."""
    return scrub(str(code))[:MAX_CODE_CHARS] if code else None


def _compose(message: str, parameters: list[str]) -> str:
    text = scrub(message)
    if parameters:
        text += f" (parameters: {scrub(', '.join(parameters))})"
    return text


def klarna_error_text(response: Answer) -> ErrorText:
    body = _json_object(response)
    fallback = _REASONS.get(response.status_code, "error")
    if body is None or not _KLARNA_ENVELOPE.intersection(body):
        return ErrorText(None, fallback, enveloped=False)
    code = body.get("error_code")
    message = body.get("error_message") or fallback
    return ErrorText(_code(code), _compose(str(message), _names(body.get("errors"), "parameter")))


def dintero_error_text(response: Answer) -> ErrorText:
    body = _json_object(response)
    fallback = _REASONS.get(response.status_code, "error")
    error = body.get("error") if body else None
    if not isinstance(error, dict):
        return ErrorText(None, fallback, enveloped=False)
    code = error.get("code")
    message = error.get("message") or fallback
    return ErrorText(_code(code), _compose(str(message), _names(error.get("errors"), "field")))
