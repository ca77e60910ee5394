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

ListJobRuns filters one state per call, so each count lists the three active states at the
same time (one thread each): a capped call costs two rounds of listings, not six calls in
a row. Listed at once, a run that moves from one state to the next while the three are
being answered can be missed by all three. The count is only a pre-check (the recount
catches what it missed); the recount looks again when an earlier run the count saw is
missing from it (:func:`unaccounted`), so a run is missed only if it changes state while
each of the two counts is being answered, within the one call.

The ranking and the decisions are pure functions (:func:`rank`, :func:`decide`,
:func:`judge_created`); :class:`ActiveRunCap` does the Data Science calls through the
:class:`~ociplatform.calls.OciService` it is given (the function's error table, retries
within the deadline).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from ociplatform.calls import OciService
from ociplatform.retry import MIN_ATTEMPT_SECONDS, Deadline
from ocirefs import jobruns

from .errors import Conflict, LauncherError, NotFound, TooManyActiveRuns, UpstreamError

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

# In the order a run moves through them: a run seen in two of them (it moved on while they
# were listed) counts once, in the later one.
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
                   time_started=run.time_started)

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


def unaccounted(counted: Iterable[ActiveRun], listed: Iterable[ActiveRun],
                own: ActiveRun) -> list[ActiveRun]:
    """Runs the count saw active, ranked before ``own``, that the recount did not list.

    Such a run ended between the two counts, or moved from one state to the next while the
    recount's listings were answered: then it is active and must be counted, so the
    recount lists again (a run created after the count is still ``ACCEPTED``, provisioning,
    when the recount lists: it can't be moving).
    """
    listed_ids = {run.id for run in listed}
    return [run for run in rank(counted)
            if run.rank_key < own.rank_key and run.id not in listed_ids]


@dataclass(frozen=True)
class Ahead:
    """A count started before the compartment of the run was certain (:meth:`count_ahead`)."""

    compartment_id: str
    future: Future[list[ActiveRun]]


@dataclass(frozen=True)
class Page:
    """One page of a job's active runs, and the token of the next (None on the last)."""

    runs: list[ActiveRun]
    next_page: str | None


class ActiveRunCap:
    """The count before and the recount (and cancel) after a capped create."""

    def __init__(self, data_science: OciService, job_ocid: str, cap: int) -> None:
        self.data_science = data_science
        self.job_ocid = job_ocid
        self.cap = cap
        self.policy = data_science.policy
        self._last_compartment: str | None = None  # count_ahead()'s guess
        self._pool: ThreadPoolExecutor | None = None

    @staticmethod
    def reserve(deadline: Deadline) -> Deadline:
        """The deadline for the count and the create: time kept back for the recount's cancel."""
        return dataclasses.replace(deadline, margin=deadline.margin + CANCEL_RESERVE_SECONDS)

    # -- 1. count -------------------------------------------------------------------------

    def count_ahead(self, deadline: Deadline, compartment_id: str | None = None) -> Ahead | None:
        """Start the count in the background, e.g. while the spec is read, for :meth:`check`
        (the count is a pre-check: how early it lists changes nothing it decides). In
        ``compartment_id`` when given, else where this container counted last (a guess: a
        wrong one costs a count, never a wrong answer); None when there is no guess. A count
        nobody checks (the spec was refused) finishes on its own, within its deadline."""
        compartment_id = compartment_id or self._last_compartment
        if compartment_id is None:
            return None
        future: Future[list[ActiveRun]] = Future()

        def count(where: str) -> None:
            try:
                future.set_result(self._active(where, deadline, self.cap))
            except BaseException as exc:  # noqa: BLE001 - handed to check(), which raises it
                future.set_exception(exc)

        # Its own thread, not a pool worker: a worker waiting for other workers could starve.
        threading.Thread(target=count, args=(compartment_id,), name="active-cap-ahead",
                         daemon=True).start()
        return Ahead(compartment_id, future)

    def check(self, compartment_id: str, deadline: Deadline,
              ahead: Ahead | None = None) -> list[ActiveRun]:
        """Raise TooManyActiveRuns when the job already has ``cap`` active runs; else return
        the active runs seen, for :meth:`confirm`. ``ahead`` is a count started earlier with
        :meth:`count_ahead`, used when it was for the same compartment."""
        self._last_compartment = compartment_id
        if ahead is not None and ahead.compartment_id == compartment_id:
            seen = ahead.future.result()
        else:
            seen = self._active(compartment_id, deadline, enough=self.cap)
        count = len({run.id for run in seen})
        if count >= self.cap:
            raise TooManyActiveRuns(f"the job already has {count} active runs "
                                    f"(MAX_ACTIVE_RUNS={self.cap}); try again later")
        return seen

    # -- 3. recount -----------------------------------------------------------------------

    def confirm(self, created: Any, compartment_id: str, deadline: Deadline, *,
                counted: Iterable[ActiveRun] = ()) -> None:
        """Return when the created run may stand; else cancel it and raise TooManyActiveRuns.

        ``deadline`` is the call's full deadline: the recount keeps
        :data:`CANCEL_RESERVE_SECONDS` of it for the cancel. ``counted`` is what
        :meth:`check` answered before the create (without it, a run moving between two
        states while the recount lists them could be missed).
        """
        own = ActiveRun.of(created)
        verdict = judge_created(own)
        if verdict is Verdict.ENDED:
            return
        if verdict is Verdict.REFUSED:
            raise self._canceled(own.id, "it was beyond the cap")
        try:
            listed = self._active(compartment_id, self.reserve(deadline))
            if unaccounted(counted, listed, own):  # ended, or moving: look once more
                listed += self._active(compartment_id, self.reserve(deadline))
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

    def _active(self, compartment_id: str, deadline: Deadline,
                enough: int | None = None) -> list[ActiveRun]:
        """The job's active runs in the compartment: the states listed at the same time, one
        thread each, each page by page (paging stops once ``enough`` runs are seen).

        The threads share the one client: its per-attempt timeout is set from the same
        deadline by each (ociplatform.calls), so whichever is set last fits them all, and
        the SDK's signer and connection pool are made for concurrent calls.
        """
        seen: set[str] = set()

        def listed(state: str) -> list[ActiveRun]:
            runs: list[ActiveRun] = []
            page: str | None = None
            for _ in range(MAX_PAGES):
                result = self._list_page(compartment_id, state, page, deadline)
                runs += result.runs
                seen.update(run.id for run in result.runs)
                page = result.next_page
                if not page or (enough is not None and len(seen) >= enough):
                    break
            return runs

        each = [self._workers().submit(listed, state) for state in ACTIVE_STATES]
        # In state order (a run seen in two states ranks by its later sighting); the
        # first state's error wins, as when they were listed one after the other.
        return [run for future in each for run in future.result()]

    def _workers(self) -> ThreadPoolExecutor:
        """The listing threads, made on the first capped call and kept for the container's
        life (idle between calls): room for two counts at once (one started ahead for a
        call whose spec was then refused, still finishing, and the next call's)."""
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # only a capped call pays for it

            self._pool = ThreadPoolExecutor(2 * len(ACTIVE_STATES), "active-cap")
        return self._pool

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

