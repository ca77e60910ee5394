"""MAX_ACTIVE_RUNS as a hard cap, also when many containers launch at the same moment.

Counting and then creating is not enough: several containers all count below the
cap before any of them creates. So a capped ``run`` is count → create → recount:

1. **count** (cheap pre-check): at or over the cap → ``TooManyActiveRuns``, nothing
   created. This answers the common "the job is busy" case without creating a run.
2. **create** the run as usual (the retry token still deduplicates it).
3. **recount**: list the job's active runs again and rank them in one order that
   every container computes alike, ``(timeAccepted, OCID)``. A run ranked within the
   first ``cap`` stays; ours ranked beyond is canceled, while Data Science is still
   provisioning it (``ACCEPTED``), so it never starts its work, and the call answers
   ``TooManyActiveRuns``. Each container only ever cancels its own run: another
   container's run is its own container's to judge.

The ranking and the decisions are pure functions (:func:`rank`, :func:`decide`,
:func:`judge_created`); :class:`ActiveRunCap` does the Data Science calls through the
:class:`~ociplatform.calls.OciService` it is given (the function's error table, retries
within the deadline).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from ociplatform.calls import OciService
from ociplatform.retry import MIN_ATTEMPT_SECONDS, Deadline
from ocirefs import jobruns

from .errors import Conflict, LauncherError, NotFound, TooManyActiveRuns, UpstreamError

# Listed in the order a run moves through them: a run that moves on between two
# listings is then seen twice (and counted once), never missed.
ACTIVE_STATES = jobruns.ACTIVE
CANCELED_STATES = frozenset({jobruns.CANCELING, jobruns.CANCELED})
PAGE_LIMIT = 100
MAX_PAGES = 100  # 10,000 active runs per state: far beyond any cap, and a bound on the loop
# Time kept back from the count and the create so that the recount's verdict can still
# be acted on (a cancel, with a retry or two) before the answer's own margin.
CANCEL_RESERVE_SECONDS = 2.0


@dataclass(frozen=True)
class ActiveRun:
    """What the cap needs to know of a job run (from a JobRun or a JobRunSummary)."""

    id: str
    time_accepted: datetime
    lifecycle_state: str
    time_started: datetime | None = None

    @classmethod
    def of(cls, run: Any) -> ActiveRun:
        return cls(id=run.id, time_accepted=run.time_accepted,
                   lifecycle_state=run.lifecycle_state,
                   time_started=getattr(run, "time_started", None))

    @property
    def rank_key(self) -> tuple[datetime, str]:
        """The order every container agrees on: accepted first, the OCID breaks ties."""
        return (self.time_accepted, self.id)


class Verdict(Enum):
    KEEP = "keep"            # within the cap: answer the run
    CANCEL = "cancel"        # beyond the cap: cancel it, answer TooManyActiveRuns
    ENDED = "ended"          # a replayed key whose run already finished: answer it as it is
    REFUSED = "refused"      # a replayed key whose run was canceled before it started


def rank(runs: Iterable[ActiveRun]) -> list[ActiveRun]:
    """Active runs, each once (the latest sighting wins), in the agreed order."""
    by_id = {run.id: run for run in runs if run.lifecycle_state in ACTIVE_STATES}
    return sorted(by_id.values(), key=lambda run: run.rank_key)


def judge_created(run: ActiveRun) -> Verdict | None:
    """The verdict on what CreateJobRun answered, when no recount is needed (else None).

    A fresh run is ACCEPTED. Anything else is a replayed retry token: a run that
    finished is answered as it is; one canceled before it started was (almost always)
    canceled as beyond the cap, so the replay gets the same answer its first call got,
    and never a second run.
    """
    if run.lifecycle_state in ACTIVE_STATES:
        return None
    if run.lifecycle_state in CANCELED_STATES and run.time_started is None:
        return Verdict.REFUSED
    return Verdict.ENDED


def position(own: ActiveRun, listed: Iterable[ActiveRun]) -> int:
    """0-based rank of ``own`` among the active runs ``listed`` plus ``own`` itself.

    ``own`` counts even when the listing does not show it yet (a listing may lag a
    create); the caller confirms it is still active before relying on that.
    """
    ranking = rank([own, *listed])
    return [run.id for run in ranking].index(own.id)


def decide(own: ActiveRun, listed: Iterable[ActiveRun], cap: int) -> Verdict:
    """KEEP when ``own`` ranks within the first ``cap`` active runs, else CANCEL."""
    return Verdict.KEEP if position(own, listed) < cap else Verdict.CANCEL


@dataclass(frozen=True)
class Page:
    runs: list[ActiveRun]
    next_page: str | None


class ActiveRunCap:
    """The count before and the recount (and cancel) after a capped create."""

    def __init__(self, data_science: OciService, job_ocid: str, cap: int) -> None:
        self.data_science = data_science
        self.job_ocid = job_ocid
        self.cap = cap
        self.policy = data_science.policy

    @staticmethod
    def reserve(deadline: Deadline) -> Deadline:
        """The deadline for the count and the create: time kept back for the recount's cancel."""
        return dataclasses.replace(deadline, margin=deadline.margin + CANCEL_RESERVE_SECONDS)

    # -- 1. count -------------------------------------------------------------------------

    def check(self, compartment_id: str, deadline: Deadline) -> None:
        """Raise TooManyActiveRuns when the job already has ``cap`` active runs."""
        seen: set[str] = set()
        for run in self._active(compartment_id, deadline):
            seen.add(run.id)
            if len(seen) >= self.cap:  # enough: no need to page through the rest
                raise TooManyActiveRuns(f"the job already has {len(seen)} active runs "
                                        f"(MAX_ACTIVE_RUNS={self.cap}); try again later")

    # -- 3. recount -----------------------------------------------------------------------

    def confirm(self, created: Any, compartment_id: str, deadline: Deadline) -> None:
        """Return when the created run may stand; else cancel it and raise TooManyActiveRuns.

        ``deadline`` is the call's full deadline: the recount keeps
        :data:`CANCEL_RESERVE_SECONDS` of it for the cancel.
        """
        own = ActiveRun.of(created)
        verdict = judge_created(own)
        if verdict is Verdict.ENDED:
            return
        if verdict is Verdict.REFUSED:
            raise self._canceled(own.id, "it was beyond the cap")
        try:
            listed = list(self._active(compartment_id, self.reserve(deadline)))
            current = own if own.id in {run.id for run in listed} \
                else ActiveRun.of(self._get(own.id, self.reserve(deadline)))
        except LauncherError as exc:
            # Without a recount the run can't be shown to be within the cap: a hard cap
            # cancels it rather than risk one run too many.
            self._cancel(own.id, deadline, because=exc)
            raise type(exc)(f"{exc.message}; the active runs could not be counted, so the "
                            f"new run {own.id} was canceled") from None
        # Not listed and no longer active: it ended at once, or a concurrent call with
        # the same idempotency key canceled it as beyond the cap.
        verdict = judge_created(current) or decide(current, listed, self.cap)
        if verdict is Verdict.REFUSED:
            raise self._canceled(own.id, "it was beyond the cap")
        if verdict is Verdict.CANCEL:
            self._cancel(own.id, deadline)
            raise self._canceled(own.id, f"{self.cap} earlier runs are active")

    def _canceled(self, run_id: str, why: str) -> TooManyActiveRuns:
        # The retry token now stands for this canceled run for 24 hours: a retry with the
        # same key would get this answer again, so say how to ask again.
        return TooManyActiveRuns(
            f"MAX_ACTIVE_RUNS={self.cap} reached: this request's run {run_id} was canceled "
            f"before it started ({why}); try again later, with a new idempotency key if "
            "the request had one")

    # -- listing --------------------------------------------------------------------------

    def _active(self, compartment_id: str, deadline: Deadline) -> Iterator[ActiveRun]:
        """The job's active runs in the compartment, state by state, page by page."""
        for state in ACTIVE_STATES:
            page: str | None = None
            for _ in range(MAX_PAGES):
                result = self._list_page(compartment_id, state, page, deadline)
                yield from result.runs
                page = result.next_page
                if not page:
                    break

    def _list_page(self, compartment_id: str, state: str, page: str | None,
                   deadline: Deadline) -> Page:
        kwargs: dict[str, Any] = {"job_id": self.job_ocid, "lifecycle_state": state,
                                  "limit": PAGE_LIMIT}
        if page:
            kwargs["page"] = page
        response = self.data_science.call("list_job_runs", compartment_id, deadline=deadline,
                                          **kwargs)
        runs = [ActiveRun.of(run) for run in response.data]
        return Page(runs, response.headers.get("opc-next-page"))

    # -- cancel ---------------------------------------------------------------------------

    def _cancel(self, run_id: str, deadline: Deadline,
                because: LauncherError | None = None) -> None:
        """Cancel our run until Data Science has it CANCELING (or it is no longer active).

        A 409 means the run is already canceling or ended (e.g. a concurrent call with
        the same idempotency key canceled it), or that the service will not cancel it in
        its current state yet: GetJobRun tells which, and only the latter is retried.
        """
        for attempt in range(self.policy.max_attempts):
            try:
                self.data_science.call("cancel_job_run", run_id, deadline=deadline)
                return
            except NotFound:
                return
            except Conflict:
                pass  # the function's table reads every 409 of a cancel as final: look why
            except LauncherError as exc:
                raise self._not_canceled(run_id, exc, because) from None
            try:
                state = self._get(run_id, deadline).lifecycle_state
            except LauncherError as exc:
                raise self._not_canceled(run_id, exc, because) from None
            if state not in ACTIVE_STATES:
                return
            delay = self.policy.backoff(attempt)
            if deadline.remaining() - delay < MIN_ATTEMPT_SECONDS:
                break
            self.policy.sleep(delay)
        raise self._not_canceled(run_id, UpstreamError(
            f"Data Science would not cancel {run_id} in its current state"), because)

    def _not_canceled(self, run_id: str, exc: LauncherError,
                      because: LauncherError | None) -> LauncherError:
        # The caller's retry with the same idempotency key gets the same run back and
        # recounts, so it cancels the run then: say so.
        if because is None:
            cause, why = exc, f"is beyond MAX_ACTIVE_RUNS={self.cap}"
        else:
            cause, why = because, f"could not be counted against MAX_ACTIVE_RUNS={self.cap}"
        prefix = f"{because.message}; " if because is not None else ""
        return type(cause)(f"{prefix}the new run {run_id} {why} and could not be canceled "
                           f"({exc.message}): retry with the same idempotency key, or cancel "
                           "the run")

    # -- calls ----------------------------------------------------------------------------

    def _get(self, run_id: str, deadline: Deadline) -> Any:
        return self.data_science.call("get_job_run", run_id, deadline=deadline).data


def for_settings(max_active_runs: int | None, job_ocid: str,
                 data_science: OciService) -> ActiveRunCap | None:
    """The cap when MAX_ACTIVE_RUNS is set; None (and no cost at all) when it is off."""
    if max_active_runs is None:
        return None
    return ActiveRunCap(data_science, job_ocid, max_active_runs)
