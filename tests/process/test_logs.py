"""``logs`` through the real fdk process against the emulator, direct and behind the
gateway: GetJobRun, GetLogGroup and SearchLogs, signed by the function's resource
principal."""

from __future__ import annotations

from tests.conftest import JOB_COMPARTMENT
from tests.process.conftest import LOGGED_SPEC as SPEC
from tests.process.conftest import logged_run
from tests.support.answers import gateway_call as call
from tests.support.spec_cases import flat


def test_direct_logs_reads_the_runs_log_through_logging_search(fn, oci_local):
    run_id = logged_run(fn, oci_local, lines=3)
    body = fn.invoke({"operation": "logs", "jobRunId": run_id, "tail": 2}).json()
    assert body["ok"] is True, body
    assert [line["message"] for line in body["lines"]] == ["line 1", "line 2"]
    assert body["more"] is True and body["operation"] == "logs"
    assert oci_local.operations()[-3:] == ["GetJobRun", "GetLogGroup", "SearchLogs"]
    assert oci_local.job_runs()[0]["compartmentId"] == JOB_COMPARTMENT


def test_gateway_logs_route_with_tail_and_since(fn, oci_local):
    run_id = logged_run(fn, oci_local, lines=3)
    first = call(fn, "GET", f"/v1/runs/{run_id}/logs?tail=1")
    assert first.http_status == 200
    [newest] = first.json()["lines"]
    assert newest["message"] == "line 2"
    everything = call(fn, "GET", f"/v1/runs/{run_id}/logs").json()["lines"]
    since = everything[0]["time"]
    later = call(fn, "GET", f"/v1/runs/{run_id}/logs?since={since}").json()
    assert [line["message"] for line in later["lines"]] == ["line 1", "line 2"]
    assert later["more"] is False


def test_a_run_without_a_log_is_logs_not_configured_behind_the_gateway(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    run_id = fn.invoke({"specLocation": oci_local.location(SPEC)}).json()["jobRunId"]
    result = call(fn, "GET", f"/v1/runs/{run_id}/logs")
    assert result.http_status == 404
    assert result.json()["error"]["code"] == "LogsNotConfigured"
    assert "SearchLogs" not in oci_local.operations()
