"""The deadline every OCI call must answer within, and the backoff between attempts.

The SDK's default strategy (8 attempts, up to ~93 s of backoff) does not fit a function
with a 30–60 s timeout, so clients are built with retries off and every call goes through
:class:`ociplatform.calls.OciService`: jittered exponential backoff while time remains,
each attempt's HTTP timeouts capped to the time left, and an answer always ready
``margin`` seconds before the deadline.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_TIMEOUT_SECONDS = 300.0
ANSWER_MARGIN_SECONDS = 3.0
# An attempt with less time than this left cannot get an answer back in time: don't start it.
MIN_ATTEMPT_SECONDS = 0.5


@dataclass
class Deadline:
    """A point on the monotonic clock by which the caller must have its answer."""

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

    @classmethod
    def after(cls, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """A budget of ``seconds`` from now, with no answer margin (a batch job's calls)."""
        return cls(at=clock() + seconds, margin=0.0, clock=clock)

    def remaining(self) -> float:
        """Seconds left for OCI calls (the answer's margin already taken off)."""
        return self.at - self.margin - self.clock()


@dataclass
class RetryPolicy:
    """How often and how far apart attempts go, and each attempt's HTTP timeouts."""

    base_delay: float = 0.2
    max_delay: float = 4.0
    max_attempts: int = 10
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    rng: random.Random = field(default_factory=random.Random, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base·2^attempt)]."""
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** attempt))

    def timeouts(self, remaining: float) -> tuple[float, float]:
        """(connect, read) timeouts of one attempt, never beyond the time left."""
        return min(self.connect_timeout, remaining), min(self.read_timeout, remaining)
