"""One error hierarchy with stable codes (README: "Answers"; docs/reference.md).

Every failure the function can report is a :class:`LauncherError`. The code and
status of each class are part of the public contract: callers match on ``code``.
Messages are written for humans and never carry secrets, tokens or spec text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobspec.errors import SpecInvalid


class LauncherError(Exception):
    """Base class: ``code`` and ``status`` are fixed per subclass."""

    code = "InternalError"
    status = 500

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        body = {"code": self.code, "status": self.status, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidRequest(LauncherError):
    code, status = "InvalidRequest", 400


class SpecLocationNotAllowed(LauncherError):
    code, status = "SpecLocationNotAllowed", 403


class SpecNotFound(LauncherError):
    code, status = "SpecNotFound", 404


class NotFound(LauncherError):
    code, status = "NotFound", 404


class MethodNotAllowed(LauncherError):
    code, status = "MethodNotAllowed", 405

    def __init__(self, message: str, allow: tuple[str, ...]):
        super().__init__(message)
        self.allow = allow


class SpecChanged(LauncherError):
    code, status = "SpecChanged", 409


class Conflict(LauncherError):
    code, status = "Conflict", 409


class SpecTooLarge(LauncherError):
    code, status = "SpecTooLarge", 413


class UnsupportedMediaType(LauncherError):
    """A gateway body that is not ``application/json``: a browser can send a text/plain or
    form body across sites without asking first, JSON it can't."""

    code, status = "UnsupportedMediaType", 415


class InvalidSpec(LauncherError):
    """Carries every problem found (at most ``MAX_PROBLEMS``), in document order."""

    code, status = "InvalidSpec", 422
    MAX_PROBLEMS = 50

    def __init__(self, message: str, field: str | None = None,
                 problems: tuple[tuple[str | None, str], ...] = ()):
        super().__init__(message, field)
        self.problems = problems[:self.MAX_PROBLEMS] or ((field, message),)

    @classmethod
    def from_spec_error(cls, error: SpecInvalid) -> InvalidSpec:
        """From the spec library's ``SpecInvalid`` (``message``, ``field``, ``problems``)."""
        return cls(error.message, field=error.field,
                   problems=tuple((p.field, p.message) for p in error.problems))

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["problems"] = [{"field": f, "message": m} if f is not None else {"message": m}
                            for f, m in self.problems]
        return body


class TooManyActiveRuns(LauncherError):
    code, status = "TooManyActiveRuns", 429


class UpstreamError(LauncherError):
    code, status = "UpstreamError", 502


class UpstreamThrottled(LauncherError):
    code, status = "UpstreamThrottled", 503


class DeadlineExceeded(LauncherError):
    code, status = "DeadlineExceeded", 504


class ConfigurationError(LauncherError):
    code, status = "ConfigurationError", 500


class InternalError(LauncherError):
    """A bug: the handler caught something it did not expect."""

    code, status = "InternalError", 500


ALL_ERRORS: tuple[type[LauncherError], ...] = (
    InvalidRequest,
    SpecLocationNotAllowed,
    SpecNotFound,
    NotFound,
    MethodNotAllowed,
    SpecChanged,
    Conflict,
    SpecTooLarge,
    UnsupportedMediaType,
    TooManyActiveRuns,
    InvalidSpec,
    UpstreamThrottled,
    UpstreamError,
    DeadlineExceeded,
    ConfigurationError,
    InternalError,
)
