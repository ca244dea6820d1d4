"""Typed errors for amoCRM API answers, carrying its problem details (RFC 7807 bodies).

amoCRM answers errors with `application/problem+json`: `title`, `status`, `detail` and, for a
400 on a write, `validation-errors`. Callers route on the exception type; the text is for logs.
An error's text is built only from the method, the path and amoCRM's answer, never from
request headers, so it cannot carry a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ValidationIssue:
    """One entry of amoCRM's `validation-errors[].errors[]`."""

    request_id: str
    code: str
    path: str
    detail: str


class AmoError(Exception):
    """An amoCRM answer we cannot use; `status` is its HTTP status (0 when none came)."""

    def __init__(
        self,
        status: int,
        title: str = "",
        detail: str = "",
        validation_errors: tuple[ValidationIssue, ...] = (),
        *,
        method: str = "",
        path: str = "",
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.validation_errors = validation_errors
        self.method = method
        self.path = path
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.method} {self.path}: ".lstrip() if self.method or self.path else ""
        what = ": ".join(part for part in (self.title, self.detail) if part)
        issues = "; ".join(f"{i.path}: {i.detail} ({i.code})" for i in self.validation_errors)
        text = f"{where}amoCRM answered {self.status}" + (f" {what}" if what else "")
        return f"{text} [{issues}]" if issues else text


class AmoUnauthorized(AmoError):
    """The access token was refused and refreshing did not help (or is impossible)."""


class AmoRateLimited(AmoError):
    """429: over amoCRM's request rate, still after backing off."""


class AmoServerError(AmoError):
    """5xx: amoCRM failed; whether a write took effect is unknown."""


class AmoNotFound(AmoError):
    """404, or an entity amoCRM answers with no content for."""


class AmoValidationError(AmoError):
    """400: amoCRM refused the request's content; `validation_errors` says why."""


def _issues(body: Mapping[str, Any]) -> tuple[ValidationIssue, ...]:
    issues: list[ValidationIssue] = []
    for request in body.get("validation-errors") or ():
        for error in request.get("errors") or ():
            issues.append(
                ValidationIssue(
                    request_id=str(request.get("request_id", "")),
                    code=str(error.get("code", "")),
                    path=str(error.get("path", "")),
                    detail=str(error.get("detail", "")),
                )
            )
    return tuple(issues)


def _error_class(status: int) -> type[AmoError]:
    if status == 401:
        return AmoUnauthorized
    if status == 429:
        return AmoRateLimited
    if status == 404:
        return AmoNotFound
    if status == 400:
        return AmoValidationError
    if status >= 500:
        return AmoServerError
    # 402 (unpaid account), 403 (blocked or no rights) and the rest: not retryable, no subclass.
    return AmoError


def error_from_response(status: int, body: Any, *, method: str, path: str) -> AmoError:
    """The typed error for an answer; a non-JSON body (a plain-text 429) keeps only the status."""
    problem: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    return _error_class(status)(
        status,
        str(problem.get("title", "")),
        str(problem.get("detail", "")),
        _issues(problem),
        method=method,
        path=path,
    )
