"""How emulated job runs progress. The emulator asks an executor for a run's state on every read.

An executor implements three methods; the emulator calls them with its state lock held, so
they must return quickly:

``start(run, env)``
    once, right after a run is accepted; ``env`` is the environment the run would get
    (the job's variables, the run's overrides and the service-provided ``JOB_RUN_OCID`` etc.).
``poll(run) -> Progress``
    on every read of a run that is neither canceled, deleted nor forced to a state.
    Must keep answering the same terminal ``Progress`` once it has reported one.
``cancel(run)``
    when the run is canceled, deleted or forced to a terminal state: stop any work.

States an executor may report: ACCEPTED, IN_PROGRESS, NEEDS_ATTENTION, SUCCEEDED, FAILED.
The emulator itself handles CANCELING, CANCELED and DELETED.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ocirefs import jobruns

from .wire import utcnow

ACTIVE_STATES = frozenset(jobruns.ACTIVE)
TERMINAL_STATES = jobruns.TERMINAL
OUTCOMES = frozenset({"SUCCEEDED", "FAILED", "NEEDS_ATTENTION"})
FAILED_DETAILS = "Job run failed: the job exited with code 1."


@dataclass(frozen=True)
class Progress:
    state: str
    details: str | None = None
    time_started: datetime | None = None
    time_finished: datetime | None = None


@dataclass(frozen=True)
class RunInfo:
    """What an executor knows about a run: its id, the job, and the create body as received."""

    id: str
    job: Mapping[str, Any]
    create_body: Mapping[str, Any]
    time_accepted: datetime


class Executor(Protocol):
    def start(self, run: RunInfo, env: Mapping[str, str]) -> None: ...

    def poll(self, run: RunInfo) -> Progress: ...

    def cancel(self, run: RunInfo) -> None: ...


class TimedExecutor:
    """ACCEPTED for ``accepted_seconds``, IN_PROGRESS for ``run_seconds``, then ``outcome``.

    ``run_seconds=None`` keeps runs IN_PROGRESS forever.
    """

    def __init__(
        self,
        accepted_seconds: float = 0.3,
        run_seconds: float | None = 1.5,
        outcome: str = "SUCCEEDED",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
        self.accepted = timedelta(seconds=accepted_seconds)
        self.running = None if run_seconds is None else timedelta(seconds=run_seconds)
        self.outcome = outcome
        self._clock = clock

    def start(self, run: RunInfo, env: Mapping[str, str]) -> None:
        """Nothing to start: the state is a function of time."""

    def cancel(self, run: RunInfo) -> None:
        """Nothing to stop."""

    def poll(self, run: RunInfo) -> Progress:
        now = self._clock()
        started = run.time_accepted + self.accepted
        if now < started:
            return Progress("ACCEPTED")
        if self.running is None or now < started + self.running:
            return Progress("IN_PROGRESS", time_started=started)
        finished = started + self.running
        if self.outcome == "NEEDS_ATTENTION":
            return Progress("NEEDS_ATTENTION", "The job run needs attention (emulated).", started)
        details = FAILED_DETAILS if self.outcome == "FAILED" else None
        return Progress(self.outcome, details, started, finished)
