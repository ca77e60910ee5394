"""Deadline-bounded retries for every OCI call (CONTRACT.md §5).

The SDK's default strategy (8 attempts, up to ~93 s of backoff) does not fit a
function with a 30–60 s timeout, so clients are built with retries off and every
call goes through :func:`call`: jittered exponential backoff on 429, 5xx (not
501), connection errors, timeouts and 409 ``IncorrectState``, each attempt's HTTP
timeouts capped to the time left, and an answer always ready ``margin`` seconds
before ``Fn-Deadline``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from oci import exceptions as oci_exceptions

from .errors import DeadlineExceeded, UpstreamError, UpstreamThrottled

T = TypeVar("T")
DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_TIMEOUT_SECONDS = 300.0
ANSWER_MARGIN_SECONDS = 3.0
MIN_ATTEMPT_SECONDS = 0.5
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 30.0
RETRYABLE_409 = frozenset({"IncorrectState", "LockConflict"})
TRANSPORT_ERRORS = (oci_exceptions.RequestException, oci_exceptions.ConnectTimeout)


@dataclass
class Deadline:
    """The platform's deadline as a point on the monotonic clock."""

    at: float
    margin: float = ANSWER_MARGIN_SECONDS
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    @classmethod
    def from_header(cls, value: str | None, *, clock: Callable[[], float] = time.monotonic,
                    now: datetime | None = None, margin: float = ANSWER_MARGIN_SECONDS
                    ) -> Deadline:
        """Parse ``Fn-Deadline`` (RFC 3339, e.g. ``2026-11-27T10:00:30Z``)."""
        now = now or datetime.now(UTC)
        seconds = DEFAULT_TIMEOUT_SECONDS
        if value:
            try:
                parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=UTC)
                seconds = (parsed - now).total_seconds()
            except ValueError:
                pass
        seconds = min(seconds, MAX_TIMEOUT_SECONDS)
        return cls(at=clock() + seconds, margin=margin, clock=clock)

    def remaining(self) -> float:
        """Seconds left for OCI calls (the answer's margin already taken off)."""
        return self.at - self.margin - self.clock()


@dataclass
class RetryPolicy:
    base_delay: float = 0.2
    max_delay: float = 4.0
    max_attempts: int = 10
    rng: random.Random = field(default_factory=random.Random, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base·2^attempt)]."""
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** attempt))


def is_retryable(exc: BaseException, *, retry_409: bool = True) -> bool:
    if isinstance(exc, TRANSPORT_ERRORS):
        return True
    if isinstance(exc, oci_exceptions.ServiceError):
        if exc.status == 429 or (exc.status >= 500 and exc.status != 501):
            return True
        return retry_409 and exc.status == 409 and exc.code in RETRYABLE_409
    return False


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(exc, "headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _exhausted(service: str, operation: str, exc: BaseException, attempts: int,
               out_of_time: bool):
    if isinstance(exc, oci_exceptions.ServiceError):
        request_id = f", opc-request-id {exc.request_id}" if exc.request_id else ""
        detail = f"{service} answered {exc.status} {exc.code} to {operation} " \
                 f"({attempts} attempt{'s' * (attempts != 1)}{request_id})"
        if exc.status == 429:
            return UpstreamThrottled(f"{detail}: still throttled as the deadline nears")
        return UpstreamError(detail)
    kind = "timed out" if "timeout" in type(exc).__name__.lower() or out_of_time \
        else "could not be reached"
    message = f"{service} {kind} on {operation} ({attempts} attempt{'s' * (attempts != 1)})"
    return DeadlineExceeded(message) if out_of_time else UpstreamError(message)


def call(fn: Callable[..., T], *args, client, deadline: Deadline, policy: RetryPolicy,
         service: str, operation: str, retry_409: bool = True, **kwargs) -> T:
    """Call ``fn`` with retries until it succeeds, fails for good or time runs out.

    Non-retryable service errors are re-raised as they are, for the caller to map.
    ``client`` is the SDK client whose HTTP timeouts are capped per attempt.
    """
    attempt = 0
    while True:
        remaining = deadline.remaining()
        if remaining < MIN_ATTEMPT_SECONDS:
            raise DeadlineExceeded(f"no time left to call {operation} on {service}")
        client.base_client.timeout = (min(CONNECT_TIMEOUT_SECONDS, remaining),
                                      min(READ_TIMEOUT_SECONDS, remaining))
        attempt += 1
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if not is_retryable(exc, retry_409=retry_409):
                raise
            delay = _retry_after(exc)
            if delay is None:
                delay = policy.backoff(attempt - 1)
            left = deadline.remaining()
            if attempt >= policy.max_attempts or left - delay < MIN_ATTEMPT_SECONDS:
                raise _exhausted(service, operation, exc, attempt,
                                 out_of_time=left - delay < MIN_ATTEMPT_SECONDS) from None
            policy.sleep(delay)
