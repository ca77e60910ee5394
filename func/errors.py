"""One error hierarchy with stable codes (README: "Answers"; docs/reference.md).

Every failure the function can report is a :class:`LauncherError`. The code and
status of each class are part of the public contract: callers match on ``code``. This is the
one place they are written: docs, the README and the OpenAPI document are tested against
:data:`ALL_ERRORS`, and no other module of the function spells a code.
Messages are written for humans and never carry secrets, tokens or spec text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobspec.errors import SpecInvalid


class LauncherError(Exception):
    """Base class: ``code``, ``status`` and ``meaning`` (when a caller gets it, as
    docs/reference.md's table says) are fixed per subclass."""

    code = "InternalError"
    status = 500
    meaning = ""

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
    meaning = (
        "the body, route or a field is invalid; an unknown field; a pre-authenticated request"
        " URL; a `{jobRunId}` that is not a job-run OCID; a location in another region"
    )


class SpecLocationNotAllowed(LauncherError):
    code, status = "SpecLocationNotAllowed", 403
    meaning = "the spec is outside `SPEC_ALLOWLIST` (checked before anything is read)"


class SpecNotFound(LauncherError):
    code, status = "SpecNotFound", 404
    meaning = (
        "the spec object or its bucket does not exist, or the function may not read it "
        "(Object Storage answers 404 for both)"
    )


class NotFound(LauncherError):
    code, status = "NotFound", 404
    meaning = (
        "an unknown API route; a job run that does not exist or is not a run of the "
        "configured job"
    )


class LogsNotConfigured(LauncherError):
    code, status = "LogsNotConfigured", 404
    meaning = (
        "`logs` of a run that has no log: the message says what to set (`logGroupId`/`logId` "
        "in the spec, or the job's log configuration)"
    )


class MethodNotAllowed(LauncherError):
    code, status = "MethodNotAllowed", 405
    meaning = "a known path with another method (the `Allow` header lists the methods)"

    def __init__(self, message: str, allow: tuple[str, ...]):
        super().__init__(message)
        self.allow = allow


class SpecChanged(LauncherError):
    code, status = "SpecChanged", 409
    meaning = (
        "the spec changed since the event that triggered the call (its eTag no longer "
        "matches)"
    )


class Conflict(LauncherError):
    code, status = "Conflict", 409
    meaning = (
        "cancel of a run that has already ended; an idempotency key reused for a different "
        "request, when Data Science refuses it (it may answer the first run instead: see "
        "[Idempotency](#idempotency-and-retries))"
    )


class SpecTooLarge(LauncherError):
    code, status = "SpecTooLarge", 413
    meaning = "the spec is larger than `MAX_SPEC_BYTES` (equal is allowed)"


class UnsupportedMediaType(LauncherError):
    """A gateway body that is not ``application/json``: a browser can send a text/plain or
    form body across sites without asking first, JSON it can't."""

    code, status = "UnsupportedMediaType", 415
    meaning = (
        "an API Gateway body that is not `Content-Type: application/json` (a `charset` other "
        "than UTF-8 included); the one-line text form is for direct invocation only"
    )


class InvalidSpec(LauncherError):
    """Carries every problem found (at most ``MAX_PROBLEMS``), in document order."""

    code, status = "InvalidSpec", 422
    meaning = "the YAML or a field of the spec is invalid (`problems` lists every one)"
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
    meaning = (
        "`MAX_ACTIVE_RUNS` is reached: nothing was created, or the run this call created was "
        "canceled before it started (the message says which, and names that run)"
    )


class UpstreamError(LauncherError):
    code, status = "UpstreamError", 502
    meaning = (
        "OCI failed (5xx) or answered an unexpected 4xx; the message has OCI's code and "
        "`opc-request-id`"
    )


class UpstreamThrottled(LauncherError):
    code, status = "UpstreamThrottled", 503
    meaning = "OCI was still throttling when the function had to answer"


class DeadlineExceeded(LauncherError):
    code, status = "DeadlineExceeded", 504
    meaning = "OCI did not answer in time for the function to answer before its own deadline"


class ConfigurationError(LauncherError):
    code, status = "ConfigurationError", 500
    meaning = (
        "the function is misconfigured (the message names the variable), or the configured "
        "job cannot be read"
    )


class InternalError(LauncherError):
    """A bug: the handler caught something it did not expect."""

    code, status = "InternalError", 500
    meaning = "a bug in the function; its log line has the exception's type and the call id"


ALL_ERRORS: tuple[type[LauncherError], ...] = (
    InvalidRequest,
    SpecLocationNotAllowed,
    SpecNotFound,
    NotFound,
    LogsNotConfigured,
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
