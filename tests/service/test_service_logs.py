"""``logs`` in-process with the fake of OCI: the calls made, the window searched, ``since``,
``tail``, paging past 1,000, a too-large answer, a run without a log, another job's run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from func import runlogs
from func.errors import ConfigurationError, LogsNotConfigured, NotFound
from func.request import LogsRequest
from tests.support.fakes import (
    ACCEPTED_AT,
    LOG_COMPARTMENT,
    LOG_GROUP_OCID,
    LOG_OCID,
    OTHER_JOB_OCID,
    service_error,
)
from tests.support.launcher import Rig, rig

FINISHED_AT = ACCEPTED_AT + timedelta(hours=1)


def logs(r: Rig, run_id: str, **fields):
    return r.execute(LogsRequest(trigger="direct", job_run_id=run_id, **fields))


def finished_run(r: Rig, lines: int = 0, state: str = "FAILED", step=timedelta(seconds=1)):
    run = r.data_science.add_run(state, logged=True)
    run.time_finished = FINISHED_AT
    for i in range(lines):
        r.logging.write(run.id, ACCEPTED_AT + step * (i + 1), f"line {i}")
    return run


def body_of(outcome) -> dict:
    assert outcome.error is None, outcome.error
    return outcome.body


def messages(body: dict) -> list[str]:
    return [line["message"] for line in body["lines"]]


def searches(r: Rig):
    return [call for call in r.logging.calls if call.method == "search_logs"]


def test_the_newest_lines_oldest_first_with_the_query_ads_uses():
    r = rig()
    run = finished_run(r, lines=3)
    r.logging.write("ocid1.datasciencejobrun.oc1.phx.amaaaaaaother", ACCEPTED_AT, "not mine")
    body = body_of(logs(r, run.id))
    assert body == {"operation": "logs", "jobRunId": run.id, "more": False, "terminal": True,
                    "lines": [{"time": "2026-11-27T10:00:01Z", "message": "line 0"},
                              {"time": "2026-11-27T10:00:02Z", "message": "line 1"},
                              {"time": "2026-11-27T10:00:03Z", "message": "line 2"}]}
    assert r.logging.methods() == ["get_log_group", "search_logs"]
    [search] = searches(r)
    details = search.args[0]
    assert details.search_query == (f'search "{LOG_COMPARTMENT}/{LOG_GROUP_OCID}/{LOG_OCID}" '
                                    f"| where source = '*{run.id}' | sort by datetime desc")
    assert (details.time_start, details.time_end) == (ACCEPTED_AT, FINISHED_AT)
    assert search.kwargs == {"limit": 1000}


def test_tail_keeps_the_newest_and_says_there_is_more():
    r = rig()
    run = finished_run(r, lines=5)
    body = body_of(logs(r, run.id, tail=2))
    assert messages(body) == ["line 3", "line 4"] and body["more"] is True


def test_since_keeps_only_later_lines_and_narrows_the_search():
    r = rig()
    run = finished_run(r, lines=5)
    since = ACCEPTED_AT + timedelta(seconds=3)  # the time of "line 2"
    body = body_of(logs(r, run.id, since=since))
    assert messages(body) == ["line 3", "line 4"] and body["more"] is False
    assert searches(r)[0].args[0].time_start == since


def test_a_running_run_is_searched_up_to_now(monkeypatch):
    r = rig()
    run = r.data_science.add_run("IN_PROGRESS", logged=True)
    now = ACCEPTED_AT + timedelta(minutes=5)
    monkeypatch.setattr(runlogs, "utc_now", lambda: now)
    r.logging.write(run.id, ACCEPTED_AT + timedelta(minutes=1), "working")
    body = body_of(logs(r, run.id))
    assert messages(body) == ["working"] and body["terminal"] is False
    assert searches(r)[0].args[0].time_end == now


def test_paging_past_1000_results():
    r = rig()
    run = finished_run(r, lines=1500, step=timedelta(milliseconds=100))
    body = body_of(logs(r, run.id, tail=1000))
    assert len(body["lines"]) == 1000 and body["more"] is True
    assert body["lines"][-1]["message"] == "line 1499"
    assert body["lines"][0]["message"] == "line 500"
    assert [call.kwargs for call in searches(r)] == [{"limit": 1000},
                                                     {"limit": 1000, "page": "1000"}]


def test_paging_stops_once_enough_lines_are_read():
    r = rig()
    run = finished_run(r, lines=1500, step=timedelta(milliseconds=100))
    body = body_of(logs(r, run.id, tail=999))
    assert (len(body["lines"]), body["more"]) == (999, True)
    assert [call.kwargs for call in searches(r)] == [{"limit": 1000}]  # 1,000 = tail + 1


def test_a_window_of_more_than_14_days_is_searched_in_slices_newest_first():
    r = rig()
    run = r.data_science.add_run("SUCCEEDED", logged=True)
    run.time_finished = ACCEPTED_AT + timedelta(days=30)
    r.logging.write(run.id, ACCEPTED_AT + timedelta(days=1), "early")
    r.logging.write(run.id, ACCEPTED_AT + timedelta(days=29), "late")
    body = body_of(logs(r, run.id))
    assert messages(body) == ["early", "late"]
    windows = [(c.args[0].time_start, c.args[0].time_end) for c in searches(r)]
    assert all(end - start <= timedelta(days=14) for start, end in windows)
    assert windows[0][1] == run.time_finished and windows[-1][0] == ACCEPTED_AT
    # Only as far back as needed: the newest slice holds enough lines (tail + 1, for "more").
    r.logging.write(run.id, ACCEPTED_AT + timedelta(days=28), "later")
    r.logging.calls.clear()
    body = body_of(logs(r, run.id, tail=1))
    assert (messages(body), body["more"]) == (["late"], True)
    assert len(searches(r)) == 1


def test_an_older_slice_is_asked_only_for_the_lines_still_missing():
    r = rig()
    run = r.data_science.add_run("SUCCEEDED", logged=True)
    run.time_finished = ACCEPTED_AT + timedelta(days=20)
    for i in range(1500):
        r.logging.write(run.id, ACCEPTED_AT + timedelta(seconds=i + 1), f"old {i}")
    r.logging.write(run.id, ACCEPTED_AT + timedelta(days=19), "new")
    body = body_of(logs(r, run.id, tail=999))
    assert (len(body["lines"]), body["lines"][-1]["message"], body["more"]) == (999, "new", True)
    # The newest slice had 1 line: the older one is asked for 999 more (tail + 1 - 1), which
    # its first page of 1,000 holds.
    assert [call.kwargs for call in searches(r)] == [{"limit": 1000}, {"limit": 1000}]


def test_a_too_large_answer_is_searched_in_halves():
    r = rig()
    run = finished_run(r, lines=40)
    r.logging.too_large = 15
    body = body_of(logs(r, run.id, tail=30))
    assert messages(body) == [f"line {i}" for i in range(10, 40)] and body["more"] is True
    windows = [(c.args[0].time_start, c.args[0].time_end) for c in searches(r)]
    assert len(windows) > 2
    # The whole run, too large; then its newer half first.
    assert windows[:2] == [(ACCEPTED_AT, FINISHED_AT),
                           (ACCEPTED_AT + timedelta(minutes=30), FINISHED_AT)]


def test_a_window_too_large_even_at_a_millisecond_is_an_upstream_error():
    r = rig()
    run = finished_run(r)
    for _ in range(5):
        r.logging.write(run.id, ACCEPTED_AT + timedelta(seconds=1), "same instant")
    r.logging.too_large = 2
    assert logs(r, run.id).error.to_dict() == {
        "code": "UpstreamError", "status": 502,
        "message": "Logging Search finds the run's log too large to search even over a "
                   "millisecond"}


def test_a_run_without_a_log_says_what_to_set_and_searches_nothing():
    r = rig()
    run = r.data_science.add_run("FAILED")
    assert logs(r, run.id).error.to_dict() == {
        "code": "LogsNotConfigured", "status": 404,
        "message": "the job run has no log: set logGroupId (and logId, or leave it out for "
                   "Data Science to create one) in the spec, or enable logging in the job's "
                   "log configuration", "field": "jobRunId"}
    assert r.logging.calls == []


def test_another_jobs_run_is_not_found_and_its_log_is_not_read():
    r = rig()
    other = r.data_science.add_run("FAILED", job_id=OTHER_JOB_OCID, logged=True)
    error = logs(r, other.id).error
    assert type(error) is NotFound and error.field == "jobRunId"
    assert r.logging.calls == []


@pytest.mark.parametrize("method, field, message", [
    ("get_log_group", "logGroupId",
     "the function may not read the run's log group, or it no longer exists (404 "
     "NotAuthorizedOrNotFound): grant it read log-groups in the log group's compartment"),
    ("search_logs", "logId",
     "the function may not search the run's log (404 NotAuthorizedOrNotFound): grant it read "
     "log-content in the log group's compartment")])
def test_a_log_the_function_may_not_read_names_the_grant(method, field, message):
    r = rig()
    run = finished_run(r, lines=1)
    r.logging.fail(method, service_error(404, "NotAuthorizedOrNotFound"))
    error = logs(r, run.id).error
    assert type(error) is ConfigurationError
    assert error.to_dict() == {"code": "ConfigurationError", "status": 500,
                               "message": message, "field": field}


def test_the_log_line_reports_the_run():
    r = rig()
    run = finished_run(r, lines=1)
    assert logs(r, run.id).facts == {"jobRunId": run.id}


def test_a_record_without_a_time_is_skipped():
    assert runlogs._line(type("R", (), {"data": {"logContent": {"data": {}}}})()) is None
    line = runlogs._line(type("R", (), {"data": {"logContent": {
        "time": "2026-12-05T06:15:22.123Z", "data": {"message": 7}}}})())
    assert line is not None and line.text == "7"
    no_message = runlogs._line(type("R", (), {"data": {"logContent": {
        "time": "2026-12-05T06:15:22Z", "data": {"message": None}}}})())
    assert no_message is not None and no_message.text == ""
    assert runlogs._line(type("R", (), {"data": None})()) is None
    naive = runlogs._line(type("R", (), {"data": {"logContent": {
        "time": "2026-12-05T06:15:22", "data": {"message": "m"}}}})())
    assert naive is not None and naive.time == datetime(2026, 12, 5, 6, 15, 22, tzinfo=UTC)
    assert line.time == datetime(2026, 12, 5, 6, 15, 22, 123000, tzinfo=UTC)


def test_a_search_the_service_refuses_names_logging_search():
    r = rig()
    run = finished_run(r, lines=1)
    r.logging.fail("search_logs", service_error(400, "InvalidParameter", message="bad query"))
    assert logs(r, run.id).error.to_dict() == {
        "code": "UpstreamError", "status": 502,
        "message": "Logging Search answered 400 InvalidParameter to SearchLogs (1 attempt, "
                   "opc-request-id req-1): bad query"}


def test_a_log_named_with_something_that_is_not_an_ocid_is_not_searched():
    r = rig()
    run = finished_run(r, lines=1)
    run.log_details.log_id = "not-an-ocid"
    assert logs(r, run.id).error.to_dict() == {
        "code": "UpstreamError", "status": 502,
        "message": "OCI named the run's log with something that is not an OCID"}
    assert searches(r) == []


def test_a_log_group_without_a_log_is_not_configured():
    r = rig()
    run = finished_run(r, lines=1)
    run.log_details.log_id = None
    assert type(logs(r, run.id).error) is LogsNotConfigured
    assert r.logging.calls == []


def test_a_function_built_without_logging_clients_says_so():
    import random

    from func.clients import ClientProvider, Clients
    from func.service import Invocation, Service
    from ociplatform.retry import Deadline, RetryPolicy
    from tests.support.fakes import JOB_OCID, Clock, FakeDataScience, FakeObjectStorage

    science = FakeDataScience()
    run = science.add_run("FAILED", logged=True)
    clock = Clock()
    service = Service({"JOB_OCID": JOB_OCID},
                      ClientProvider(lambda settings: Clients(FakeObjectStorage(), science,
                                                              "us-phoenix-1")),
                      RetryPolicy(rng=random.Random(1), sleep=clock.sleep))
    request = LogsRequest(trigger="direct", job_run_id=run.id)
    outcome = service.serve(request, "direct",
                            Invocation("C-1", Deadline(at=clock.now + 30, clock=clock)))
    assert outcome.error.to_dict() == {
        "code": "ConfigurationError", "status": 500,
        "message": "the function was built without Logging clients"}


def test_now_is_utc_aware():
    assert runlogs.utc_now().utcoffset() == timedelta(0)


def test_a_log_group_the_service_refuses_to_read_names_logging():
    r = rig()
    run = finished_run(r, lines=1)
    r.logging.fail("get_log_group", service_error(400, "InvalidParameter"))
    assert logs(r, run.id).error.to_dict() == {
        "code": "UpstreamError", "status": 502,
        "message": "Logging answered 400 InvalidParameter to GetLogGroup (1 attempt, "
                   "opc-request-id req-1): msg"}
