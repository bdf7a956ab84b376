"""One error hierarchy for the whole project, rendered by the API as problem+json.

OutreachError                      500  base class
├── ConfigError                    500  the process is misconfigured
├── GraphUnavailable               503  the Bolt server cannot be reached
├── QueueUnavailable               503  the job queue did not take a job (the job is marked failed)
├── NotFound                       404  no such supporter, job, upload, route ...
├── MethodNotAllowed               405  the route exists, but not with this method
├── Forbidden                      403  the caller may not do this
├── Unauthorized                   401  no or bad credentials
├── ConsentRequired                409  the supporter has not agreed to the current terms
├── Conflict                       409  the request clashes with stored state
├── InvalidInput                   422  bad input: names the line and field where known
│   ├── FileRejected               422  a whole file is refused (encoding, columns, size)
│   └── SettingsInvalid            422  organizer settings fail validation
└── QueryRefused                   400  an analyst query that would write, or is malformed
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RowError:
    """One rejected input: the line (for files; None for a request body), the field, and why."""

    line: int | None
    field: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form for job reports and JSON; no ``line`` where there are no lines."""
        if self.line is None:
            return {"field": self.field, "reason": self.reason}
        return {"line": self.line, "field": self.field, "reason": self.reason}


@dataclass
class OutreachError(Exception):
    """Base of every error this project raises on purpose."""

    detail: str
    status: int = 500
    title: str = "Internal error"
    type_slug: str = "internal"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def __str__(self) -> str:
        return self.detail

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 problem document for this error."""
        doc: dict[str, Any] = {
            "type": f"https://outreach.invalid/problems/{self.type_slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        doc.update(self.extra)
        return doc


class ConfigError(OutreachError):
    """The process is misconfigured."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 500, "Configuration error", "config", extra)


class GraphUnavailable(OutreachError):
    """The graph database cannot be reached."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 503, "Graph database unavailable", "graph-unavailable", extra)


class NotFound(OutreachError):
    """The thing asked for does not exist (or is not yours)."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 404, "Not found", "not-found", extra)


class MethodNotAllowed(OutreachError):
    """The route exists, but not with this method."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 405, "Method not allowed", "method-not-allowed", extra)


class Unauthorized(OutreachError):
    """No credentials, or credentials that do not check out."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 401, "Unauthorized", "unauthorized", extra)


class Forbidden(OutreachError):
    """The caller is known but may not do this."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 403, "Forbidden", "forbidden", extra)


class ConsentRequired(OutreachError):
    """The supporter has not agreed to the current terms."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 409, "Consent required", "consent-required", extra)


class Conflict(OutreachError):
    """The request clashes with what is stored."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 409, "Conflict", "conflict", extra)


class InvalidInput(OutreachError):
    """Bad input; ``errors`` lists each line and field at fault."""

    def __init__(self, detail: str, errors: list[RowError] | None = None, **extra: Any) -> None:
        if errors:
            extra["errors"] = [e.as_dict() for e in errors]
        super().__init__(detail, 422, "Invalid input", "invalid-input", extra)


class FileRejected(InvalidInput):
    """A whole file is refused: encoding, delimiter, columns, size."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.title = "File rejected"
        self.type_slug = "file-rejected"


class SettingsInvalid(InvalidInput):
    """Organizer settings that fail validation."""

    def __init__(self, detail: str, errors: list[RowError] | None = None, **extra: Any) -> None:
        super().__init__(detail, errors, **extra)
        self.title = "Invalid settings"
        self.type_slug = "settings-invalid"


class QueryRefused(OutreachError):
    """An analyst query that would write, call a writing procedure, or is malformed."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 400, "Query refused", "query-refused", extra)


class QueueUnavailable(OutreachError):
    """The job queue refused or could not take a job; the job is recorded as failed."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, 503, "Job queue unavailable", "queue-unavailable", extra)
