"""Throttling, faults, lost responses and deadlines, injected through the emulator.

Every scenario ends by counting the job runs the emulator holds: exactly one
when the function answered with a run, none when it answered with an error.
"""

from __future__ import annotations

import time

import pytest

from localoci import write_resource_principal
from tests.process.conftest import SPEC
from tests.support.answers import error, ok
from tests.support.spec_cases import flat


@pytest.mark.parametrize("key", [None, "di-run-7"])
def test_lost_create_response_ends_with_exactly_one_run(fn, oci_local, spec, key):
    oci_local.emulator.add_fault("CreateJobRun", drop_after=True, times=1)
    request = spec | ({"idempotencyKey": key} if key else {})
    body = ok(fn.invoke(request))
    runs = oci_local.job_runs()
    assert len(runs) == 1 and body["jobRunId"] == runs[0]["id"]
    creates = [r for r in oci_local.emulator.requests() if r["operation"] == "CreateJobRun"]
    assert len(creates) == 2 and creates[0]["dropped"] is True


@pytest.mark.parametrize("status, code", [(429, "TooManyRequests"), (500, "InternalServerError"),
                                          (503, "ServiceUnavailable"), (409, "IncorrectState")])
def test_transient_create_failures_are_retried(fn, oci_local, spec, status, code):
    oci_local.emulator.add_fault("CreateJobRun", status=status, code=code, times=2)
    ok(fn.invoke(spec))
    assert len(oci_local.job_runs()) == 1
    assert oci_local.operations().count("CreateJobRun") == 3


@pytest.mark.parametrize("fault", [{"status": 503}, {"drop": True}, {"status": 429}])
def test_transient_read_failures_are_retried(fn, oci_local, spec, fault):
    oci_local.emulator.add_fault("GetObject", times=2, **fault)
    ok(fn.invoke(spec))
    assert len(oci_local.job_runs()) == 1


def test_501_is_not_retried(fn, oci_local, spec):
    oci_local.emulator.add_fault("CreateJobRun", status=501, times=None)
    err = error(fn.invoke(spec), "UpstreamError")
    assert "501" in err["message"]
    assert oci_local.operations().count("CreateJobRun") == 1
    assert oci_local.job_runs() == []


@pytest.mark.parametrize("operation, status, code", [
    ("CreateJobRun", 429, "UpstreamThrottled"),
    ("GetObject", 429, "UpstreamThrottled"),
    ("CreateJobRun", 500, "UpstreamError"),
    ("GetJobRun", 503, "UpstreamError"),
])
def test_persistent_faults_are_answered_before_the_deadline(fn, oci_local, spec, operation,
                                                            status, code):
    run_id = ok(fn.invoke(spec))["jobRunId"] if operation == "GetJobRun" else None
    oci_local.emulator.add_fault(operation, status=status, times=None)
    request = {"operation": "status", "jobRunId": run_id} if run_id else spec
    result = fn.invoke(request, deadline_seconds=6)
    err = error(result, code)
    assert result.seconds < 5.0, f"answered after {result.seconds:.1f} s of a 6 s deadline"
    assert oci_local.operations().count(operation) > 1
    assert len(oci_local.job_runs()) == (0 if run_id is None else 1)
    assert str(status) in err["message"]


@pytest.mark.parametrize("operation", ["GetObject", "CreateJobRun"])
def test_a_hanging_service_is_deadline_exceeded_in_time(fn, oci_local, spec, operation):
    oci_local.emulator.add_fault(operation, delay=20, times=None)
    result = fn.invoke(spec, deadline_seconds=6)
    error(result, "DeadlineExceeded")
    assert result.seconds < 5.0, f"answered after {result.seconds:.1f} s of a 6 s deadline"


def test_latency_within_the_budget_is_fine(fn, oci_local, spec):
    oci_local.emulator.add_fault("GetObject", delay=1.0, times=1)
    oci_local.emulator.add_fault("CreateJobRun", delay=1.0, times=1)
    result = fn.invoke(spec, deadline_seconds=10)
    ok(result)
    assert len(oci_local.job_runs()) == 1


def test_expired_resource_principal_token_is_refreshed(functions, oci_local, issuer, tmp_path,
                                                       emulator):
    function = functions(**write_resource_principal(tmp_path / "rp", issuer))
    oci_local.put_spec(SPEC, flat())
    # The signer reads the files at the first call: a token that expires soon, written
    # after the process started so that a slow start does not use up its lifetime.
    write_resource_principal(tmp_path / "rp", issuer, lifetime_seconds=4)
    ok(function.invoke({"specLocation": oci_local.location(SPEC)}))
    time.sleep(4.5)  # the token has expired; the platform rotates the files
    write_resource_principal(tmp_path / "rp", issuer, lifetime_seconds=3600)
    ok(function.invoke({"specLocation": oci_local.location(SPEC)}))
    assert emulator.unauthorized_count >= 1  # the cached signer saw a 401, refreshed, went on
    assert len(oci_local.job_runs()) == 2
