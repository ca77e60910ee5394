"""Time-dependent behaviour with a fake clock: run progression, cancel, retry-token expiry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from localoci import TimedExecutor
from localoci.datascience import DataScience
from localoci.wire import Request
from tests.support.emulator import COMPARTMENT, JOB, JOB_ID, PROJECT

BODY = {"projectId": PROJECT, "compartmentId": COMPARTMENT, "jobId": JOB_ID}


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def call(service: DataScience, method: str, path: str, body: Any = None, **headers: str) -> Any:
    route = service.resolve(method, path)
    assert route is not None
    data = b"" if body is None else json.dumps(body).encode()
    response = route.handler(Request(method, path, headers, data, principal="ocid1.fnfunc.oc1..f"))
    return json.loads(response.body) if response.body else response.status


def science(clock: FakeClock, **executor: Any) -> DataScience:
    service = DataScience(TimedExecutor(clock=clock, **executor), cancel_seconds=2, clock=clock)
    service.add_job(JOB)
    return service


def test_timed_runs_progress_at_exact_times() -> None:
    clock = FakeClock()
    service = science(clock, accepted_seconds=10, run_seconds=60, outcome="FAILED")
    run_id = call(service, "POST", "/20190101/jobRuns", BODY)["id"]
    path = f"/20190101/jobRuns/{run_id}"

    clock.advance(9.9)
    assert call(service, "GET", path)["lifecycleState"] == "ACCEPTED"
    clock.advance(0.1)
    running = call(service, "GET", path)
    assert (running["lifecycleState"], running["timeStarted"]) == (
        "IN_PROGRESS",
        "2026-11-24T08:00:10.000Z",
    )
    clock.advance(60)
    failed = call(service, "GET", path)
    assert failed["lifecycleState"] == "FAILED"
    assert failed["lifecycleDetails"]
    assert failed["timeFinished"] == "2026-11-24T08:01:10.000Z"


def test_cancel_takes_cancel_seconds() -> None:
    clock = FakeClock()
    service = science(clock, accepted_seconds=1, run_seconds=None)
    run_id = call(service, "POST", "/20190101/jobRuns", BODY)["id"]
    clock.advance(5)

    assert call(service, "POST", f"/20190101/jobRuns/{run_id}/actions/cancelJobRun") == 200
    clock.advance(1.9)
    assert call(service, "GET", f"/20190101/jobRuns/{run_id}")["lifecycleState"] == "CANCELING"
    clock.advance(0.1)
    canceled = call(service, "GET", f"/20190101/jobRuns/{run_id}")
    assert canceled["lifecycleState"] == "CANCELED"
    assert canceled["timeStarted"] == "2026-11-24T08:00:01.000Z"
    assert canceled["timeFinished"] == "2026-11-24T08:00:07.000Z"


def test_retry_tokens_expire_after_24_hours() -> None:
    clock = FakeClock()
    service = science(clock)
    first = call(service, "POST", "/20190101/jobRuns", BODY, **{"opc-retry-token": "k"})["id"]

    clock.advance(24 * 3600)
    same = call(service, "POST", "/20190101/jobRuns", BODY, **{"opc-retry-token": "k"})["id"]
    clock.advance(1)
    fresh = call(service, "POST", "/20190101/jobRuns", BODY, **{"opc-retry-token": "k"})["id"]

    assert same == first
    assert fresh != first
    assert len(service.job_runs()) == 2
