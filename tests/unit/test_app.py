"""The JSON edge in-process: statuses, headers, the log line, and nothing escaping."""

import json
import logging
from datetime import UTC, datetime
from types import SimpleNamespace

from oci.data_science.models import Job, JobRunSummary
from oci.exceptions import ServiceError
from oci.response import Response

from func.app import App
from func.clients import ClientProvider, Clients
from func.triggers import Headers, RawCall

JOB = "ocid1.datasciencejob.oc1.phx.amaaaaaajob"
RUN = b'{"specLocation": "oci://specs@localns/a.yaml"}'


def exploding_provider():
    def factory(settings):
        raise RuntimeError("boom: SECRET-IN-EXCEPTION")
    return ClientProvider(factory)


def test_an_unexpected_exception_becomes_internal_error_json(caplog):
    app = App(env={"JOB_OCID": JOB}, provider=exploding_provider())
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        reply = app.handle(RawCall(RUN), call_id="C-1")
    assert reply.status == 200
    assert json.loads(reply.body_text()) == {"ok": False, "error": {
        "code": "InternalError", "status": 500,
        "message": "the function failed unexpectedly; see its log for the call id"}}
    assert "SECRET-IN-EXCEPTION" not in caplog.text
    line = json.loads(caplog.records[-1].getMessage())
    assert (line["callId"], line["outcome"], line["exception"]) == \
        ("C-1", "InternalError", "RuntimeError")


def test_behind_the_gateway_the_status_is_the_errors():
    app = App(env={"JOB_OCID": JOB}, provider=exploding_provider())
    call = RawCall(RUN, headers=Headers({"fn-intent": "httprequest"}),
                   http_headers=Headers({"Content-Type": "application/json"}), method="POST",
                   request_url="/v1/runs")
    assert app.handle(call).status == 500
    not_allowed = app.handle(RawCall(b"", headers=Headers({"fn-intent": "httprequest"}),
                                     method="PUT", request_url="/v1/runs"))
    assert (not_allowed.status, not_allowed.headers) == (405, {"Allow": "GET, POST"})
    assert not_allowed.body["error"]["code"] == "MethodNotAllowed"


def test_error_status_502_applies_to_direct_calls_only():
    app = App(env={"JOB_OCID": JOB, "ERROR_STATUS": "502"}, provider=exploding_provider())
    assert app.handle(RawCall(b"")).status == 502
    gateway = RawCall(b"", headers=Headers({"fn-intent": "httprequest"}),
                      http_headers=Headers({"Content-Type": "application/json"}), method="POST",
                      request_url="/runs")
    assert app.handle(gateway).status == 400


def test_configuration_is_checked_before_the_request():
    reply = App(env={}, provider=exploding_provider()).handle(RawCall(b"not json {"))
    assert reply.body["error"]["code"] == "ConfigurationError"


def test_ignored_events_create_nothing_and_need_no_clients():
    event = {"eventType": "com.oraclecloud.objectstorage.deleteobject",
             "cloudEventsVersion": "0.1", "data": {}}
    reply = App(env={"JOB_OCID": JOB}, provider=exploding_provider()).handle(
        RawCall(json.dumps(event).encode()))
    assert reply.body["ignored"] is True and reply.status == 200


# --- list, in-process: the exact ListJobRuns call ----------------------------------

COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaajobcompartment"
OTHER = "ocid1.compartment.oc1..aaaaaaaaothercompartment"


class RecordingDataScience:
    """Answers GetJob and ListJobRuns like the SDK and records every call's arguments."""

    def __init__(self, runs: list, next_page: str | None = None,
                 refusal: tuple[int, str] | None = None):
        self.base_client = SimpleNamespace(timeout=None)  # the SDK's timeout knob
        self.calls: list[tuple] = []
        self._runs = runs
        self._next_page = next_page
        self._refusal = refusal  # (status, code) ListJobRuns answers instead

    def get_job(self, job_id, **kwargs):
        self.calls.append(("get_job", job_id, kwargs))
        job = Job(id=job_id, project_id="ocid1.datascienceproject.oc1.phx.aaaa",
                  compartment_id=COMPARTMENT)
        return Response(200, {}, job, None)

    def list_job_runs(self, compartment_id, **kwargs):
        self.calls.append(("list_job_runs", compartment_id, kwargs))
        if self._refusal is not None:
            status, code = self._refusal
            raise ServiceError(status, code, {"opc-request-id": "req-1"}, "refused")
        headers = {"opc-next-page": self._next_page} if self._next_page else {}
        return Response(200, headers, self._runs, None)


def summary(run_id: str, job_id: str = JOB, state: str = "SUCCEEDED"):
    moment = datetime(2026, 11, 24, 6, 0, 2, 123000, tzinfo=UTC)
    return JobRunSummary(id=run_id, job_id=job_id, lifecycle_state=state, display_name="daily",
                         project_id="ocid1.datascienceproject.oc1.phx.aaaa",
                         compartment_id=COMPARTMENT, time_accepted=moment,
                         time_started=moment, time_finished=moment, lifecycle_details=None)


def list_app(data_science: RecordingDataScience) -> App:
    return App(env={"JOB_OCID": JOB},
               provider=ClientProvider(lambda settings: Clients(object_storage=None,
                                                                data_science=data_science)))


def test_list_asks_for_this_jobs_runs_newest_first_in_the_jobs_compartment():
    run = "ocid1.datasciencejobrun.oc1.phx.aaaarun"
    data_science = RecordingDataScience([summary(run)], next_page="p-2")
    body = b'{"operation": "list", "lifecycleState": "SUCCEEDED", "limit": 5, "page": "p-1"}'

    reply = list_app(data_science).handle(RawCall(body))

    assert data_science.calls == [
        ("get_job", JOB, {}),
        ("list_job_runs", COMPARTMENT, {"job_id": JOB, "limit": 5, "sort_by": "timeCreated",
                                        "sort_order": "DESC", "lifecycle_state": "SUCCEEDED",
                                        "page": "p-1"}),
    ]
    assert reply.status == 200
    assert reply.body == {
        "ok": True, "operation": "list", "trigger": "direct", "nextPage": "p-2",
        "runs": [{"jobRunId": run, "id": run, "jobId": JOB, "lifecycleState": "SUCCEEDED",
                  "displayName": "daily", "projectId": "ocid1.datascienceproject.oc1.phx.aaaa",
                  "compartmentId": COMPARTMENT, "timeAccepted": "2026-11-24T06:00:02.123000Z",
                  "lifecycleDetails": None, "timeStarted": "2026-11-24T06:00:02.123000Z",
                  "timeFinished": "2026-11-24T06:00:02.123000Z", "terminal": True}],
    }


def test_list_in_a_given_compartment_needs_no_job_and_never_shows_other_jobs_runs():
    ours = "ocid1.datasciencejobrun.oc1.phx.aaaaours"
    data_science = RecordingDataScience(
        [summary(ours), summary("ocid1.datasciencejobrun.oc1.phx.aaaatheirs",
                                job_id="ocid1.datasciencejob.oc1.phx.other")])
    call = RawCall(b"", headers=Headers({"fn-intent": "httprequest"}), method="GET",
                   request_url=f"/v1/runs?compartmentId={OTHER}")

    reply = list_app(data_science).handle(call)

    assert data_science.calls == [
        ("list_job_runs", OTHER, {"job_id": JOB, "limit": 20, "sort_by": "timeCreated",
                                  "sort_order": "DESC"}),
    ]
    assert reply.status == 200 and "Location" not in reply.headers
    assert [run["jobRunId"] for run in reply.body["runs"]] == [ours]
    assert reply.body["nextPage"] is None and reply.body["trigger"] == "apigateway"


def test_the_log_line_names_the_list_operation(caplog):
    data_science = RecordingDataScience([])
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        list_app(data_science).handle(RawCall(b'{"operation": "list"}'), call_id="C-2")
    line = json.loads(caplog.records[-1].getMessage())
    assert (line["callId"], line["trigger"], line["operation"], line["outcome"]) == \
        ("C-2", "direct", "list", "ok")


def test_list_refusals_name_the_parameter_the_caller_gave():
    def answer(refusal, body):
        data_science = RecordingDataScience([], refusal=refusal)
        return list_app(data_science).handle(RawCall(json.dumps(body).encode())).body["error"]

    page = answer((400, "InvalidParameter"), {"operation": "list", "page": "stale"})
    assert (page["code"], page["field"]) == ("InvalidRequest", "page")
    compartment = answer((404, "NotAuthorizedOrNotFound"),
                         {"operation": "list", "compartmentId": OTHER})
    assert (compartment["code"], compartment["field"]) == ("NotFound", "compartmentId")
    # Without a caller's page or compartment the same answers are OCI's fault, not the caller's.
    assert answer((400, "InvalidParameter"), {"operation": "list"})["code"] == "UpstreamError"
    assert answer((404, "NotAuthorizedOrNotFound"), {"operation": "list"})["code"] == \
        "UpstreamError"
