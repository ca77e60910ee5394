"""MAX_ACTIVE_RUNS: the ranking and decisions, and the count / recount / cancel I/O in-process."""

from __future__ import annotations

import itertools
import random
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from oci import exceptions

from func import active_cap
from func.active_cap import ActiveRun, ActiveRunCap, Verdict, decide, judge_created, position, rank
from func.clients import Clients
from func.config import Settings
from func.errors import TooManyActiveRuns, UpstreamError, UpstreamThrottled
from func.service import Launcher
from func.upstream import ERRORS
from ociplatform.calls import OciService
from ociplatform.retry import Deadline, RetryPolicy

JOB = "ocid1.datasciencejob.oc1.phx.job"
OTHER_JOB = "ocid1.datasciencejob.oc1.phx.other"
COMPARTMENT = "ocid1.compartment.oc1..c"
T0 = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def run(n: int, seconds: float | None = None, state: str = "ACCEPTED",
        started: bool = False) -> ActiveRun:
    at = T0 + timedelta(seconds=n if seconds is None else seconds)
    return ActiveRun(f"ocid1.datasciencejobrun.oc1.phx.r{n:03d}", at, state,
                     at + timedelta(seconds=1) if started else None)


# -- the pure core ------------------------------------------------------------------------


def test_rank_orders_by_time_accepted_then_ocid_and_keeps_only_active_runs_once():
    a, b, c = run(1, 5.0), run(2, 5.0), run(3, 1.0)
    ended = run(4, 0.0, "SUCCEEDED")
    canceling = run(5, 0.0, "CANCELING")
    moved = ActiveRun(a.id, a.time_accepted, "IN_PROGRESS")  # seen again in the next state
    assert [r.id for r in rank([b, ended, a, c, canceling, moved])] == [c.id, a.id, b.id]


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_every_listing_order_gives_every_container_the_same_verdicts(cap):
    # Three runs accepted in the same instant: only the OCID tells them apart.
    runs = [run(n, 7.0) for n in (3, 1, 2)]
    verdicts = set()
    for listing in itertools.permutations(runs):
        verdicts.add(tuple(decide(own, listing, cap) for own in runs))
    assert len(verdicts) == 1
    kept = [own.id for own, v in zip(runs, verdicts.pop(), strict=True) if v is Verdict.KEEP]
    assert sorted(kept) == sorted(r.id for r in runs)[:cap]


def test_decide_at_the_boundary():
    earlier = [run(1), run(2)]
    assert decide(run(3), earlier, cap=3) is Verdict.KEEP
    assert decide(run(3), earlier, cap=2) is Verdict.CANCEL
    # A later run does not push an earlier one out.
    assert decide(run(1), [run(2), run(3), run(4)], cap=1) is Verdict.KEEP


def test_our_run_counts_when_the_listing_does_not_show_it_yet():
    assert position(run(5), [run(1), run(9)]) == 1
    assert position(run(5), [run(1), run(5), run(9)]) == 1
    assert decide(run(5), [run(1)], cap=1) is Verdict.CANCEL


@pytest.mark.parametrize("created, verdict", [
    (run(1), None),
    (run(1, state="IN_PROGRESS", started=True), None),
    (run(1, state="NEEDS_ATTENTION", started=True), None),
    (run(1, state="SUCCEEDED", started=True), Verdict.ENDED),
    (run(1, state="FAILED", started=True), Verdict.ENDED),
    (run(1, state="CANCELED", started=True), Verdict.ENDED),
    (run(1, state="CANCELING"), Verdict.REFUSED),
    (run(1, state="CANCELED"), Verdict.REFUSED),
])
def test_what_create_answered_on_a_replay_decides_without_a_recount(created, verdict):
    assert judge_created(created) is verdict


# -- the I/O, against a fake Data Science -------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def service_error(status, code):
    return exceptions.ServiceError(status, code, {"opc-request-id": "req-1"}, "msg")


class FakeDataScience:
    """Job runs in memory; ``fail[operation]`` holds errors to raise before answering."""

    class base_client:
        timeout = (10, 60)

    def __init__(self, runs=(), job_id=JOB):
        self.runs = {r.id: SimpleNamespace(**vars(r), job_id=job_id) for r in runs}
        self.calls: list[tuple[str, dict]] = []
        self.fail: dict[str, list[BaseException]] = {}
        self.hidden: set[str] = set()  # runs the listing does not show yet
        self.cancelable = {"ACCEPTED", "IN_PROGRESS", "NEEDS_ATTENTION"}

    def add(self, *runs, job_id=JOB):
        for r in runs:
            self.runs[r.id] = SimpleNamespace(**vars(r), job_id=job_id)

    def _maybe_fail(self, operation):
        queue = self.fail.get(operation)
        if queue:
            raise queue.pop(0)

    def list_job_runs(self, compartment_id, job_id, lifecycle_state, limit, page=None):
        self.calls.append(("ListJobRuns", {"state": lifecycle_state, "page": page}))
        self._maybe_fail("ListJobRuns")
        matching = [r for r in self.runs.values() if r.job_id == job_id
                    and r.lifecycle_state == lifecycle_state and r.id not in self.hidden]
        offset = int(page or 0)
        headers = {"opc-next-page": str(offset + limit)} if offset + limit < len(matching) else {}
        return SimpleNamespace(data=matching[offset:offset + limit], headers=headers)

    def get_job_run(self, run_id):
        self.calls.append(("GetJobRun", {"id": run_id}))
        self._maybe_fail("GetJobRun")
        return SimpleNamespace(data=self.runs[run_id])

    def cancel_job_run(self, run_id):
        self.calls.append(("CancelJobRun", {"id": run_id}))
        self._maybe_fail("CancelJobRun")
        current = self.runs[run_id]
        if current.lifecycle_state not in self.cancelable:
            raise service_error(409, "IncorrectState")
        current.lifecycle_state = "CANCELING"

    def operations(self):
        return [name for name, _ in self.calls]


@pytest.fixture
def clock():
    return Clock()


def make_cap(data_science, clock, cap=2):
    policy = RetryPolicy(rng=random.Random(1), sleep=clock.sleep)
    return ActiveRunCap(OciService(data_science, "Data Science", ERRORS, policy), JOB, cap)


def deadline(clock, seconds=30.0):
    return Deadline(at=clock.now + seconds, clock=clock)


def test_the_cap_exists_only_when_max_active_runs_is_set_and_counts_this_jobs_runs():
    clients = Clients(object_storage=None, data_science=FakeDataScience())
    assert Launcher(Settings(job_ocid=JOB), clients).cap is None
    cap = Launcher(Settings(job_ocid=JOB, max_active_runs=3), clients).cap
    assert isinstance(cap, ActiveRunCap)
    assert (cap.job_ocid, cap.cap, cap.data_science.client) == (JOB, 3, clients.data_science)


def test_the_count_lists_each_active_state_of_this_job_and_passes_below_the_cap(clock):
    ds = FakeDataScience([run(1, state="IN_PROGRESS", started=True), run(2, state="SUCCEEDED")])
    ds.add(run(3), run(4), job_id=OTHER_JOB)
    make_cap(ds, clock, cap=2).check(COMPARTMENT, deadline(clock))
    assert [args["state"] for _, args in ds.calls] == list(active_cap.ACTIVE_STATES)


def test_the_count_refuses_at_the_cap_and_stops_listing_once_it_is_reached(clock):
    ds = FakeDataScience([run(n) for n in range(250)])
    with pytest.raises(TooManyActiveRuns, match="MAX_ACTIVE_RUNS=120"):
        make_cap(ds, clock, cap=120).check(COMPARTMENT, deadline(clock))
    # The first page of every state at once; more pages only until the cap is reached
    # (the third page of ACCEPTED is never asked for).
    assert sorted((args["state"], str(args["page"])) for _, args in ds.calls) == [
        ("ACCEPTED", "100"), ("ACCEPTED", "None"), ("IN_PROGRESS", "None"),
        ("NEEDS_ATTENTION", "None")]


def test_a_count_started_ahead_also_stops_listing_once_the_cap_is_reached(clock):
    ds = FakeDataScience([run(n) for n in range(250)])
    ahead = make_cap(ds, clock, cap=120).count_ahead(deadline(clock), COMPARTMENT)
    assert ahead is not None and len(ahead.future.result()) == 200
    assert sorted((args["state"], str(args["page"])) for _, args in ds.calls) == [
        ("ACCEPTED", "100"), ("ACCEPTED", "None"), ("IN_PROGRESS", "None"),
        ("NEEDS_ATTENTION", "None")]


def test_the_count_pages_through_every_state(clock):
    ds = FakeDataScience([run(n) for n in range(101)]
                         + [run(n, state="NEEDS_ATTENTION", started=True)
                            for n in range(200, 305)])
    make_cap(ds, clock, cap=1000).check(COMPARTMENT, deadline(clock))
    assert sorted((args["state"], str(args["page"])) for _, args in ds.calls) == [
        ("ACCEPTED", "100"), ("ACCEPTED", "None"), ("IN_PROGRESS", "None"),
        ("NEEDS_ATTENTION", "100"), ("NEEDS_ATTENTION", "None")]


class ConcurrentDataScience(FakeDataScience):
    """Answers a listing only once all three active states are being listed at once."""

    def __init__(self, runs=()):
        super().__init__(runs)
        # The timeout only bounds a failing test: listed one by one, the barrier breaks.
        self.together = threading.Barrier(len(active_cap.ACTIVE_STATES), timeout=30)

    def list_job_runs(self, compartment_id, job_id, lifecycle_state, limit, page=None):
        if page is None:
            self.together.wait()
        return super().list_job_runs(compartment_id, job_id, lifecycle_state, limit, page)


def test_the_count_and_the_recount_list_the_three_states_at_the_same_time(clock):
    ds = ConcurrentDataScience([run(1, state="IN_PROGRESS", started=True), run(2)])
    cap = make_cap(ds, clock, cap=3)
    counted = cap.check(COMPARTMENT, deadline(clock))
    assert sorted(r.id for r in counted) == [run(1).id, run(2).id]
    cap.confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock), counted=counted)
    assert ds.operations() == ["ListJobRuns"] * 6  # two rounds of three, nothing else


def test_a_count_started_ahead_is_the_count_when_it_was_for_the_run_s_compartment(clock):
    ds = FakeDataScience([run(1), run(2, state="IN_PROGRESS", started=True)])
    cap = make_cap(ds, clock, cap=3)
    assert cap.count_ahead(deadline(clock)) is None  # no compartment known yet: no guess
    ahead = cap.count_ahead(deadline(clock), COMPARTMENT)
    counted = cap.check(COMPARTMENT, deadline(clock), ahead)
    assert sorted(r.id for r in counted) == [run(1).id, run(2).id]
    assert ds.operations() == ["ListJobRuns"] * 3  # counted once, ahead
    # Next time the guess is where this container counted last.
    again = cap.count_ahead(deadline(clock))
    assert again is not None and again.compartment_id == COMPARTMENT
    cap.check(COMPARTMENT, deadline(clock), again)
    assert ds.operations() == ["ListJobRuns"] * 6


def test_a_count_started_ahead_in_another_compartment_is_not_used(clock):
    ds = FakeDataScience([run(1), run(2)])
    cap = make_cap(ds, clock, cap=2)
    ahead = cap.count_ahead(deadline(clock), "ocid1.compartment.oc1..elsewhere")
    with pytest.raises(TooManyActiveRuns):
        cap.check(COMPARTMENT, deadline(clock), ahead)
    ahead.future.result()  # let it finish: it listed in the other compartment
    assert [args["state"] for _, args in ds.calls].count("ACCEPTED") == 2


def test_a_count_started_ahead_that_failed_fails_the_check(clock):
    ds = FakeDataScience([run(1)])
    ds.fail["ListJobRuns"] = [service_error(400, "InvalidParameter")]
    cap = make_cap(ds, clock, cap=2)
    ahead = cap.count_ahead(deadline(clock), COMPARTMENT)
    with pytest.raises(UpstreamError, match="400 InvalidParameter to ListJobRuns"):
        cap.check(COMPARTMENT, deadline(clock), ahead)


class MovingDataScience(FakeDataScience):
    """Run ``mover`` goes from ACCEPTED to IN_PROGRESS while the recount's first three
    listings are answered, after the IN_PROGRESS listing's snapshot and before the ACCEPTED
    one's: all three miss it."""

    def __init__(self, runs, mover):
        super().__init__(runs)
        self.mover, self.listings, self.lock = mover, 0, threading.Lock()

    def list_job_runs(self, compartment_id, job_id, lifecycle_state, limit, page=None):
        with self.lock:
            self.listings += 1
            first_round = self.listings <= len(active_cap.ACTIVE_STATES)
        self.runs[self.mover].lifecycle_state = "IN_PROGRESS"
        if first_round:
            self.hidden.add(self.mover)
        else:
            self.hidden.discard(self.mover)
        return super().list_job_runs(compartment_id, job_id, lifecycle_state, limit, page)


def test_an_earlier_run_moving_between_states_while_the_recount_lists_is_still_counted(clock):
    ds = MovingDataScience([run(1), run(2)], mover=run(1).id)
    counted = [run(1)]  # what the count saw before run 2 was created: run 1, ACCEPTED
    with pytest.raises(TooManyActiveRuns, match="1 earlier runs are active"):
        make_cap(ds, clock, cap=1).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock),
                                           counted=counted)
    # The recount's first round missed run 1, which the count had seen: it listed again.
    assert ds.operations() == ["ListJobRuns"] * 6 + ["CancelJobRun"]
    assert ds.runs[run(2).id].lifecycle_state == "CANCELING"


def test_without_what_the_count_saw_that_run_would_be_missed(clock):
    # Why confirm() takes the count's runs: the same moment, and nothing to compare with.
    ds = MovingDataScience([run(1), run(2)], mover=run(1).id)
    make_cap(ds, clock, cap=1).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock))
    assert ds.operations() == ["ListJobRuns"] * 3


def test_a_run_that_ended_between_the_counts_costs_one_more_round_and_nothing_else(clock):
    ds = FakeDataScience([run(1, state="SUCCEEDED", started=True), run(2)])
    make_cap(ds, clock, cap=1).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock),
                                       counted=[run(1)])
    assert ds.operations() == ["ListJobRuns"] * 6
    assert ds.runs[run(2).id].lifecycle_state == "ACCEPTED"


def test_a_run_within_the_cap_stands(clock):
    ds = FakeDataScience([run(1, state="IN_PROGRESS", started=True), run(2)])
    make_cap(ds, clock, cap=2).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock))
    assert "CancelJobRun" not in ds.operations()
    assert ds.runs[run(2).id].lifecycle_state == "ACCEPTED"


def test_our_run_beyond_the_cap_is_canceled_and_no_other(clock):
    ds = FakeDataScience([run(1), run(2), run(3), run(4)])
    with pytest.raises(TooManyActiveRuns, match="MAX_ACTIVE_RUNS=2") as caught:
        make_cap(ds, clock, cap=2).confirm(ds.runs[run(3).id], COMPARTMENT, deadline(clock))
    assert run(3).id in caught.value.message
    assert [r.lifecycle_state for r in ds.runs.values()] == \
        ["ACCEPTED", "ACCEPTED", "CANCELING", "ACCEPTED"]  # run 4's own call cancels it


def test_a_replayed_key_whose_run_ended_is_answered_without_a_recount(clock):
    ds = FakeDataScience([run(1, state="SUCCEEDED", started=True), run(2), run(3)])
    make_cap(ds, clock, cap=1).confirm(ds.runs[run(1).id], COMPARTMENT, deadline(clock))
    assert ds.calls == []


def test_a_replayed_key_whose_run_the_cap_canceled_is_refused_again(clock):
    ds = FakeDataScience([run(1, state="CANCELED")])
    with pytest.raises(TooManyActiveRuns) as refused:
        make_cap(ds, clock, cap=5).confirm(ds.runs[run(1).id], COMPARTMENT, deadline(clock))
    assert refused.value.message == (
        f"MAX_ACTIVE_RUNS=5 reached: this request's run {run(1).id} was canceled before it "
        "started (it was beyond the cap); try again later, with a new idempotency key if the "
        "request had one")
    assert ds.calls == []


def test_a_replayed_key_whose_run_was_canceled_after_it_started_is_answered_as_it_is(clock):
    ds = FakeDataScience([run(1, state="CANCELED", started=True)])
    make_cap(ds, clock, cap=5).confirm(ds.runs[run(1).id], COMPARTMENT, deadline(clock))
    assert ds.calls == []


def test_a_listing_that_lags_our_create_still_counts_our_run(clock):
    ds = FakeDataScience([run(1), run(2)])
    ds.hidden.add(run(2).id)
    with pytest.raises(TooManyActiveRuns):
        make_cap(ds, clock, cap=1).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock))
    assert ds.operations()[-3:] == ["ListJobRuns", "GetJobRun", "CancelJobRun"]


def test_our_run_canceled_meanwhile_by_a_call_with_the_same_key_is_refused(clock):
    created = SimpleNamespace(**vars(run(1)))  # what CreateJobRun answered: ACCEPTED
    ds = FakeDataScience([run(1, state="CANCELING")])
    with pytest.raises(TooManyActiveRuns) as refused:
        make_cap(ds, clock, cap=3).confirm(created, COMPARTMENT, deadline(clock))
    assert refused.value.message == (
        f"MAX_ACTIVE_RUNS=3 reached: this request's run {run(1).id} was canceled before it "
        "started (it was beyond the cap); try again later, with a new idempotency key if the "
        "request had one")
    assert "CancelJobRun" not in ds.operations()


def test_our_run_that_ended_before_the_recount_is_answered_as_it_is(clock):
    created = SimpleNamespace(**vars(run(2)))  # ACCEPTED when created
    ds = FakeDataScience([run(1), run(2, state="SUCCEEDED", started=True)])
    make_cap(ds, clock, cap=1).confirm(created, COMPARTMENT, deadline(clock))
    assert ds.operations() == ["ListJobRuns"] * 3 + ["GetJobRun"]


def test_a_cancel_refused_while_the_run_is_still_active_is_tried_again(clock):
    ds = FakeDataScience([run(1), run(2)])
    ds.fail["CancelJobRun"] = [service_error(409, "IncorrectState")]
    with pytest.raises(TooManyActiveRuns):
        make_cap(ds, clock, cap=1).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock))
    # 409, then GetJobRun shows the run still ACCEPTED: the cancel is tried again.
    assert ds.operations()[-3:] == ["CancelJobRun", "GetJobRun", "CancelJobRun"]
    assert ds.runs[run(2).id].lifecycle_state == "CANCELING"


def test_a_cancel_refused_because_the_run_already_ended_is_done(clock):
    ds = FakeDataScience([run(1), run(2, state="CANCELED")])
    make_cap(ds, clock, cap=1)._cancel(run(2).id, deadline(clock))
    assert ds.operations() == ["CancelJobRun", "GetJobRun"]


def test_a_cancel_that_keeps_failing_names_the_run_and_says_how_to_settle_it(clock):
    ds = FakeDataScience([run(1), run(2)])
    ds.fail["CancelJobRun"] = [service_error(429, "TooManyRequests")] * 1000
    with pytest.raises(UpstreamThrottled) as caught:
        make_cap(ds, clock, cap=1).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock, 10))
    assert run(2).id in caught.value.message
    assert "could not be canceled" in caught.value.message
    assert "same idempotency key" in caught.value.message
    assert clock.now < 1000.0 + 10 - 3  # answered before the deadline's margin


def test_a_service_that_never_cancels_an_accepted_run_ends_the_loop(clock):
    ds = FakeDataScience([run(1), run(2)])
    ds.cancelable = set()
    with pytest.raises(UpstreamError, match="would not cancel"):
        make_cap(ds, clock, cap=1).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock))
    assert ds.operations().count("CancelJobRun") <= RetryPolicy().max_attempts


def test_a_recount_that_fails_cancels_our_run_rather_than_risk_one_too_many(clock):
    ds = FakeDataScience([run(1)])
    ds.fail["ListJobRuns"] = [service_error(400, "InvalidParameter")]
    with pytest.raises(UpstreamError, match="could not be counted"):
        make_cap(ds, clock, cap=5).confirm(ds.runs[run(1).id], COMPARTMENT, deadline(clock))
    assert ds.runs[run(1).id].lifecycle_state == "CANCELING"


def test_the_count_and_create_keep_time_back_for_the_cancel(clock):
    full = deadline(clock, 30)
    reserved = ActiveRunCap.reserve(full)
    assert full.remaining() - reserved.remaining() == pytest.approx(
        active_cap.CANCEL_RESERVE_SECONDS)
    ds = FakeDataScience([run(1)])
    ds.fail["ListJobRuns"] = [service_error(503, "ServiceUnavailable")] * 1000
    with pytest.raises(UpstreamError):
        make_cap(ds, clock, cap=5).check(COMPARTMENT, reserved)
    assert full.remaining() >= active_cap.CANCEL_RESERVE_SECONDS - 0.5


def test_a_recount_and_a_cancel_that_both_fail_say_both(clock):
    ds = FakeDataScience([run(1)])
    ds.fail["ListJobRuns"] = [service_error(400, "InvalidParameter")]
    ds.fail["CancelJobRun"] = [service_error(429, "TooManyRequests")] * 1000
    with pytest.raises(UpstreamError) as caught:
        make_cap(ds, clock, cap=5).confirm(ds.runs[run(1).id], COMPARTMENT, deadline(clock, 10))
    message = caught.value.message
    assert message.startswith("Data Science answered 400 InvalidParameter to ListJobRuns")
    assert f"{run(1).id} could not be counted" in message
    assert "still throttled" in message and "same idempotency key" in message
    assert ds.runs[run(1).id].lifecycle_state == "ACCEPTED"


def test_a_cancel_refused_whose_run_cannot_then_be_read_names_the_run(clock):
    ds = FakeDataScience([run(1), run(2)])
    ds.fail["CancelJobRun"] = [service_error(409, "IncorrectState")]
    ds.fail["GetJobRun"] = [service_error(400, "InvalidParameter")]
    with pytest.raises(UpstreamError) as caught:
        make_cap(ds, clock, cap=1).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock))
    assert caught.value.message == (
        f"the new run {run(2).id} is beyond MAX_ACTIVE_RUNS=1 and could not be canceled (Data "
        "Science answered 400 InvalidParameter to GetJobRun (1 attempt, opc-request-id "
        "req-1): msg): retry with the same idempotency key, or cancel the run")


def test_a_run_that_could_be_neither_counted_nor_canceled_says_both(clock):
    ds = FakeDataScience([run(1)])
    ds.fail["ListJobRuns"] = [service_error(400, "InvalidParameter")]
    ds.cancelable = set()  # every cancel answers 409 while the run stays ACCEPTED
    with pytest.raises(UpstreamError) as caught:
        make_cap(ds, clock, cap=5).confirm(ds.runs[run(1).id], COMPARTMENT, deadline(clock, 10))
    assert caught.value.message == (
        "Data Science answered 400 InvalidParameter to ListJobRuns (1 attempt, opc-request-id "
        f"req-1): msg; the new run {run(1).id} could not be counted against MAX_ACTIVE_RUNS=5 "
        f"and could not be canceled (Data Science would not cancel {run(1).id} in its current "
        "state): retry with the same idempotency key, or cancel the run")


class TwoMoversDataScience(MovingDataScience):
    """As MovingDataScience, and run ``second``, listed by the recount's first round, moves
    while the second round is answered: that round misses it."""

    def __init__(self, runs, mover, second):
        super().__init__(runs, mover)
        self.second = second

    def list_job_runs(self, compartment_id, job_id, lifecycle_state, limit, page=None):
        with self.lock:
            second_round = self.listings >= len(active_cap.ACTIVE_STATES)
        if second_round:
            self.hidden.add(self.second)
        return super().list_job_runs(compartment_id, job_id, lifecycle_state, limit, page)


def test_a_recount_that_lists_again_keeps_what_its_first_round_saw(clock):
    ds = TwoMoversDataScience([run(0, state="IN_PROGRESS", started=True), run(1), run(2)],
                              mover=run(1).id, second=run(0).id)
    with pytest.raises(TooManyActiveRuns, match="2 earlier runs are active"):
        make_cap(ds, clock, cap=2).confirm(ds.runs[run(2).id], COMPARTMENT, deadline(clock),
                                           counted=[run(0), run(1)])
    assert ds.operations() == ["ListJobRuns"] * 6 + ["CancelJobRun"]


def test_the_count_stops_at_a_page_that_reaches_the_cap_exactly(clock):
    ds = FakeDataScience([run(n) for n in range(250)])
    with pytest.raises(TooManyActiveRuns):
        make_cap(ds, clock, cap=100).check(COMPARTMENT, deadline(clock))
    assert sorted((args["state"], str(args["page"])) for _, args in ds.calls) == [
        ("ACCEPTED", "None"), ("IN_PROGRESS", "None"), ("NEEDS_ATTENTION", "None")]


def test_a_replayed_run_the_count_saw_is_not_waited_for_as_an_earlier_one(clock):
    # The retry token answered a run the count had already seen (ACCEPTED, so recounted);
    # the listing lags and does not show it: it is our own run, not a missing earlier one.
    ds = FakeDataScience([run(1)])
    ds.hidden.add(run(1).id)
    make_cap(ds, clock, cap=1).confirm(ds.runs[run(1).id], COMPARTMENT, deadline(clock),
                                       counted=[run(1)])
    assert ds.operations() == ["ListJobRuns"] * 3 + ["GetJobRun"]


def test_a_recount_that_fails_and_a_run_that_cannot_be_read_after_a_refused_cancel(clock):
    ds = FakeDataScience([run(1)])
    ds.fail["ListJobRuns"] = [service_error(400, "InvalidParameter")]
    ds.fail["CancelJobRun"] = [service_error(409, "IncorrectState")]
    ds.fail["GetJobRun"] = [service_error(400, "InvalidParameter")]
    with pytest.raises(UpstreamError) as caught:
        make_cap(ds, clock, cap=5).confirm(ds.runs[run(1).id], COMPARTMENT, deadline(clock))
    assert caught.value.message == (
        "Data Science answered 400 InvalidParameter to ListJobRuns (1 attempt, opc-request-id "
        f"req-1): msg; the new run {run(1).id} could not be counted against MAX_ACTIVE_RUNS=5 "
        "and could not be canceled (Data Science answered 400 InvalidParameter to GetJobRun "
        "(1 attempt, opc-request-id req-1): msg): retry with the same idempotency key, or "
        "cancel the run")
