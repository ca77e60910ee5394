"""The launch path's answers through the service on the in-memory fake of OCI, compared
exactly: each refusal's code, message and field, the name a run gets when neither the
request nor the spec names it, the run fields status and cancel answer, and the reply text
and log line of the edge."""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime, timedelta

import pytest

import func.app
import func.runs
import func.runstates
from func.app import App, Reply
from func.clients import ClientProvider, Clients
from func.plan import retry_token
from func.request import (
    CancelRequest,
    ListRequest,
    Overrides,
    RunRequest,
    StatusRequest,
    ValidateRequest,
)
from func.service import Outcome
from func.triggers import Headers, RawCall
from ociplatform.retry import RetryPolicy
from ocirefs.locations import parse_location
from tests.support.fakes import (
    ACCEPTED_AT,
    JOB_COMPARTMENT,
    JOB_OCID,
    FakeDataScience,
    FakeObjectStorage,
    service_error,
)
from tests.support.launcher import BUCKET, NAMESPACE, SPEC, rig, run
from tests.support.spec_cases import NOTEBOOK, ads, flat

OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaothercompartment"
URI = f"oci://{BUCKET}@{NAMESPACE}/{SPEC}"


def error_of(outcome: Outcome) -> dict:
    assert outcome.body is None and outcome.error is not None, outcome
    return outcome.error.to_dict()


def test_a_spec_outside_the_allowlist_is_refused_at_its_location():
    r = rig({"SPEC_ALLOWLIST": "oci://other@ns/"})
    assert error_of(run(r)) == {
        "code": "SpecLocationNotAllowed", "status": 403,
        "message": f"{URI} is outside SPEC_ALLOWLIST", "field": "specLocation"}
    assert r.object_storage.calls == []


def test_a_spec_over_max_spec_bytes_is_refused_at_its_location():
    r = rig({"MAX_SPEC_BYTES": "10"})
    r.put_spec(SPEC, flat())
    assert error_of(run(r)) == {
        "code": "SpecTooLarge", "status": 413,
        "message": f"{URI} is larger than MAX_SPEC_BYTES (10 bytes)", "field": "specLocation"}


def test_a_missing_spec_says_object_storage_answers_404_for_both():
    assert error_of(run(rig())) == {
        "code": "SpecNotFound", "status": 404,
        "message": f"{URI} does not exist or the function may not read it (Object Storage "
                   "answers 404 for both)", "field": "specLocation"}


def test_a_requested_runtime_over_max_runtime_minutes_is_refused():
    r = rig({"MAX_RUNTIME_MINUTES": "60"})
    r.put_spec(SPEC, flat())
    assert error_of(run(r, overrides=Overrides(maximum_runtime_in_minutes=61))) == {
        "code": "InvalidRequest", "status": 400,
        "message": "maximumRuntimeInMinutes is more than this deployment allows (60 minutes, "
                   "MAX_RUNTIME_MINUTES)", "field": "maximumRuntimeInMinutes"}
    assert r.object_storage.calls == []


def test_a_shape_outside_allowed_shapes_is_a_spec_problem():
    r = rig({"ALLOWED_SHAPES": "VM.Standard.E4.Flex"})
    r.put_spec(SPEC, ads(infra="      shapeName: VM.Standard.E3.Flex\n"))
    field = "spec.infrastructure.spec.shapeName"
    message = "is not one of the shapes this deployment allows (ALLOWED_SHAPES: " \
              "VM.Standard.E4.Flex)"
    assert error_of(run(r)) == {
        "code": "InvalidSpec", "status": 422, "message": f"{field}: {message}", "field": field,
        "problems": [{"field": field, "message": message}]}
    assert r.data_science.created == []


def test_a_job_the_function_cannot_read_is_a_configuration_error():
    r = rig()
    r.put_spec(SPEC, flat())  # no project or compartment: the job's are needed
    r.data_science.fail("get_job", service_error(404, "NotAuthorizedOrNotFound"))
    assert error_of(run(r)) == {
        "code": "ConfigurationError", "status": 500,
        "message": "JOB_OCID does not exist or the function may not read it (404 "
                   "NotAuthorizedOrNotFound)", "field": "JOB_OCID"}


def test_an_idempotency_key_reused_for_another_request_is_a_conflict():
    r = rig()
    r.put_spec(SPEC, flat())
    r.data_science.fail("create_job_run", service_error(409, "Conflict"))
    assert error_of(run(r, idempotency_key="k-1")) == {
        "code": "Conflict", "status": 409,
        "message": "Data Science refused the run: the idempotency key was already used for a "
                   "different request (Conflict)"}


@pytest.mark.parametrize("name, display_name", [
    ("team/daily.yml", "daily"),
    ("team/Daily.YAML", "Daily"),
    ("team/daily.txt", "daily.txt"),
    ("team/.yaml", ".yaml"),
])
def test_an_unnamed_run_is_named_after_the_spec_file_without_its_yaml_suffix(name,
                                                                             display_name):
    r = rig()
    r.put_spec(name, f"noteBook: {NOTEBOOK}\n".encode())
    outcome = run(r, name)
    assert outcome.error is None, outcome
    [details] = r.data_science.created
    assert details.display_name == display_name


def test_validate_plans_without_creating_and_redacts_the_values():
    r = rig()
    etag = r.put_spec(SPEC, flat())
    outcome = r.execute(ValidateRequest(trigger="direct", spec_location=parse_location(URI)))
    assert outcome.body == {
        "operation": "validate", "specLocation": URI, "specETag": etag,
        "createJobRunDetails": {
            "projectId": "ocid1.datascienceproject.oc1.phx.amaaaaaafakeproject",
            "compartmentId": "ocid1.compartment.oc1..aaaaaaaafakecompartment",
            "displayName": "report", "jobId": JOB_OCID,
            "jobConfigurationOverrideDetails": {
                "jobType": "DEFAULT",
                "environmentVariables": {"NOTEPAD_YAML_URL": "<redacted>",
                                         "JOB_SPEC_ETAG": "<redacted>"}},
            "freeformTags": {"trigger": "direct"}},
        "notes": []}
    assert r.data_science.created == []


def test_status_answers_every_field_of_the_run():
    r = rig()
    job_run = r.data_science.add_run("SUCCEEDED", env={"NOTEPAD_YAML_URL": URI,
                                                       "JOB_SPEC_ETAG": "etag-7"})
    job_run.time_started = ACCEPTED_AT.replace(minute=5)
    job_run.time_finished = ACCEPTED_AT.replace(minute=9, microsecond=250000)
    outcome = r.execute(StatusRequest(trigger="direct", job_run_id=job_run.id))
    assert outcome.body == {
        "operation": "status", "jobRunId": job_run.id, "id": job_run.id, "jobId": JOB_OCID,
        "lifecycleState": "SUCCEEDED", "displayName": "run",
        "projectId": job_run.project_id, "compartmentId": job_run.compartment_id,
        "timeAccepted": "2026-11-27T10:00:00Z", "lifecycleDetails": None,
        "timeStarted": "2026-11-27T10:05:00Z", "timeFinished": "2026-11-27T10:09:00.250000Z",
        "terminal": True, "specLocation": URI, "specETag": "etag-7"}


def test_a_run_without_override_details_answers_without_a_spec_location():
    r = rig()
    job_run = r.data_science.add_run("IN_PROGRESS")
    job_run.job_configuration_override_details = None
    outcome = r.execute(StatusRequest(trigger="direct", job_run_id=job_run.id))
    assert outcome.error is None, outcome
    assert "specLocation" not in outcome.body and "specETag" not in outcome.body


def test_cancel_answers_the_run_as_it_is_after_the_cancel():
    r = rig()
    job_run = r.data_science.add_run("IN_PROGRESS")
    outcome = r.execute(CancelRequest(trigger="direct", job_run_id=job_run.id))
    assert (outcome.body["operation"], outcome.body["lifecycleState"],
            outcome.body["terminal"]) == ("cancel", "CANCELING", False)


def test_a_retry_token_needs_a_key_or_a_call_id():
    with pytest.raises(ValueError) as caught:
        retry_token(JOB_OCID, trigger="direct")
    assert str(caught.value) == "a retry token needs an idempotency key or a call id"


# -- the edge -------------------------------------------------------------------------

def app_with(storage: FakeObjectStorage, science: FakeDataScience,
             sleeps: list[float] | None = None) -> App:
    provider = ClientProvider(lambda settings: Clients(storage, science, "us-phoenix-1"))
    sleep = (sleeps.append if sleeps is not None else lambda seconds: None)
    return App(env={"JOB_OCID": JOB_OCID}, provider=provider,
               policy=RetryPolicy(rng=random.Random(1), sleep=sleep))


def test_a_reply_is_compact_json_that_keeps_non_ascii_text():
    reply = Reply(200, {"ok": True, "name": "Wochenbericht für März"})
    assert reply.body_text() == '{"ok":true,"name":"Wochenbericht für März"}'


def test_a_status_reply_leads_with_ok_operation_and_trigger():
    science = FakeDataScience()
    job_run = science.add_run("ACCEPTED")
    body = json.dumps({"operation": "status", "jobRunId": job_run.id}).encode()
    reply = app_with(FakeObjectStorage(), science).handle(RawCall(body), call_id="C-1")
    assert list(reply.body)[:4] == ["ok", "operation", "trigger", "jobRunId"]
    assert reply.body_text().startswith(
        f'{{"ok":true,"operation":"status","trigger":"direct","jobRunId":"{job_run.id}"')


def test_the_apps_retry_policy_is_the_one_it_was_given():
    science = FakeDataScience()
    job_run = science.add_run("ACCEPTED")
    science.fail("get_job_run", service_error(503, "ServiceUnavailable"))
    sleeps: list[float] = []
    body = json.dumps({"operation": "status", "jobRunId": job_run.id}).encode()
    reply = app_with(FakeObjectStorage(), science, sleeps).handle(RawCall(body))
    assert reply.body["ok"] is True
    assert len(sleeps) == 1  # the given policy's sleep waited before the retry


def test_the_log_line_is_compact_json_with_the_calls_duration(monkeypatch, caplog):
    ticks = iter([100.0, 100.12345])
    monkeypatch.setattr(func.app.time, "monotonic", lambda: next(ticks))
    science = FakeDataScience()
    job_run = science.add_run("ACCEPTED")
    body = json.dumps({"operation": "status", "jobRunId": job_run.id}).encode()
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        app_with(FakeObjectStorage(), science).handle(RawCall(body), call_id="C-7")
    [record] = [r for r in caplog.records if r.name == "jobrun_launcher"]
    assert record.getMessage() == (
        '{"callId":"C-7","trigger":"direct","operation":"status","outcome":"ok",'
        f'"jobRunId":"{job_run.id}","durationMs":123.5}}')


def test_a_capped_run_counts_ahead_in_the_jobs_compartment_once_it_is_known():
    """The count started while the spec is read is in the job's compartment once the job
    has been read, even when the last count was elsewhere (a spec naming its compartment)."""
    r = rig({"MAX_ACTIVE_RUNS": "5"})
    r.put_spec("team/elsewhere.yaml", flat(f"compartmentId: {OTHER_COMPARTMENT}\n"))
    r.put_spec(SPEC, flat())
    assert run(r, "team/elsewhere.yaml").error is None  # reads the job: project
    r.data_science.calls.clear()
    assert run(r).error is None
    listed_in = [call.args[0] for call in r.data_science.calls
                 if call.method == "list_job_runs"]
    # Ahead (three states) is the check, then the recount: six listings, none elsewhere.
    assert listed_in == [JOB_COMPARTMENT] * 6


@pytest.mark.parametrize("config, shape_config", [
    ("        ocpus: 2\n", {"ocpus": 2}),
    ("        memoryInGBs: 32\n", {"memoryInGBs": 32}),
])
def test_a_shape_config_with_only_ocpus_or_only_memory_is_sent(config, shape_config):
    r = rig({"ALLOWED_SHAPES": "VM.Standard.E4.Flex"})
    r.put_spec(SPEC, ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                               "      shapeConfigDetails:\n" + config))
    outcome = r.execute(ValidateRequest(trigger="direct", spec_location=parse_location(URI)))
    assert outcome.error is None, outcome
    infra = outcome.body["createJobRunDetails"]["jobInfrastructureConfigurationOverrideDetails"]
    assert infra == {"jobInfrastructureType": "ME_STANDALONE", "shapeName": "VM.Standard.E4.Flex",
                     "blockStorageSizeInGBs": 100, "jobShapeConfigDetails": shape_config}


def test_list_answers_the_page_of_runs_and_the_next_page():
    r = rig()
    job_run = r.data_science.add_run("SUCCEEDED")
    outcome = r.execute(ListRequest(trigger="direct"))
    assert outcome.body == {"operation": "list", "nextPage": None, "runs": [{
        "jobRunId": job_run.id, "id": job_run.id, "jobId": JOB_OCID,
        "lifecycleState": "SUCCEEDED", "displayName": "run", "projectId": job_run.project_id,
        "compartmentId": job_run.compartment_id, "timeAccepted": "2026-11-27T10:00:00Z",
        "lifecycleDetails": None, "timeStarted": None, "timeFinished": None,
        "terminal": True}]}


def test_a_compartment_the_function_may_not_list_is_not_found_at_the_field():
    r = rig()
    r.data_science.fail("list_job_runs", service_error(404, "NotAuthorizedOrNotFound"))
    outcome = r.execute(ListRequest(trigger="direct", compartment_id=OTHER_COMPARTMENT))
    assert error_of(outcome) == {
        "code": "NotFound", "status": 404,
        "message": "the compartment does not exist or the function may not list job runs in "
                   "it (404 NotAuthorizedOrNotFound)", "field": "compartmentId"}


def test_planning_a_spec_without_its_project_needs_the_job():
    from func.config import Settings
    from func.plan import plan_job_run
    from jobspec.spec import parse_spec

    request = RunRequest(trigger="direct", spec_location=parse_location(URI))
    with pytest.raises(ValueError) as caught:
        plan_job_run(Settings(job_ocid=JOB_OCID), request, parse_spec(flat()), "e", None)
    assert str(caught.value) == "job info is needed for this spec"


def test_the_log_line_keeps_non_ascii_text_as_it_is(caplog):
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        app_with(FakeObjectStorage(), FakeDataScience()).handle(
            RawCall(b'{"operation": "list"}'), call_id="Lauf-Ä")
    [record] = [r for r in caplog.records if r.name == "jobrun_launcher"]
    assert record.getMessage().startswith('{"callId":"Lauf-Ä",')


def test_a_run_of_another_job_is_not_found():
    r = rig()
    other = r.data_science.add_run("FAILED", job_id="ocid1.datasciencejob.oc1.phx.amaaaaaaother")
    assert error_of(r.execute(StatusRequest(trigger="direct", job_run_id=other.id))) == {
        "code": "NotFound", "status": 404, "message": "no such job run", "field": "jobRunId"}


def test_a_data_science_failure_names_the_service_the_call_and_the_request_id():
    r = rig()
    job_run = r.data_science.add_run("FAILED")
    r.data_science.fail("get_job_run", service_error(400, "InvalidParameter"))
    assert error_of(r.execute(StatusRequest(trigger="direct", job_run_id=job_run.id))) == {
        "code": "UpstreamError", "status": 502,
        "message": "Data Science answered 400 InvalidParameter to GetJobRun (1 attempt, "
                   "opc-request-id req-1): msg"}


def test_a_call_past_its_deadline_makes_no_oci_call():
    science = FakeDataScience()
    job_run = science.add_run("ACCEPTED")
    body = json.dumps({"operation": "status", "jobRunId": job_run.id}).encode()
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    reply = app_with(FakeObjectStorage(), science).handle(RawCall(body), deadline=past)
    assert reply.body["error"] == {
        "code": "DeadlineExceeded", "status": 504,
        "message": "no time left to call GetJobRun on Data Science"}
    assert science.calls == []


def test_a_direct_call_may_not_set_the_configured_launcher_variable():
    science = FakeDataScience()
    provider = ClientProvider(lambda settings: Clients(FakeObjectStorage(), science,
                                                       "us-phoenix-1"))
    app = App(env={"JOB_OCID": JOB_OCID, "SPEC_ENV_VAR": "MY_SPEC"}, provider=provider)
    body = json.dumps({"specLocation": URI, "environmentVariables": {"MY_SPEC": "x"}})
    assert app.handle(RawCall(body.encode())).body["error"] == {
        "code": "InvalidRequest", "status": 400,
        "message": "environmentVariables: MY_SPEC can't be set by a run: it is set by the "
                   "launcher to the spec the run was created from",
        "field": "environmentVariables"}


def test_a_bug_behind_the_gateway_is_answered_500(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("bug")

    monkeypatch.setattr(func.runstates, "get_run", broken)
    science = FakeDataScience()
    job_run = science.add_run("ACCEPTED")
    call = RawCall(body=b"", headers=Headers({"fn-intent": "httprequest"}), method="GET",
                   request_url=f"/v1/runs/{job_run.id}")
    reply = app_with(FakeObjectStorage(), science).handle(call)
    assert (reply.status, reply.body["error"]["code"]) == (500, "InternalError")


def test_the_clients_are_built_for_the_settings_read_once():
    seen: list[object] = []

    def factory(settings):
        seen.append(settings)
        return Clients(FakeObjectStorage(), FakeDataScience(), "us-phoenix-1")

    app = App(env={"JOB_OCID": JOB_OCID}, provider=ClientProvider(factory))
    for _ in range(2):
        app.handle(RawCall(b'{"operation": "list"}'))
    assert seen == [app.service.settings]


def test_a_spec_whose_variables_pass_the_total_only_with_the_launchers_is_refused_at_env():
    from jobspec.spec import MAX_ENV_TOTAL

    r = rig()
    r.put_spec(SPEC, ads(runtime="      env:\n      - name: A\n        value: "
                         + "v" * (MAX_ENV_TOTAL - 60) + "\n"))
    message = "environment variables total more than 20000 characters with the launcher's own"
    assert error_of(run(r)) == {
        "code": "InvalidSpec", "status": 422, "message": f"spec.runtime.spec.env: {message}",
        "field": "spec.runtime.spec.env",
        "problems": [{"field": "spec.runtime.spec.env", "message": message}]}


def test_a_bug_is_logged_with_the_facts_known_before_it(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise KeyError("bug")

    monkeypatch.setattr(func.runs, "plan_job_run", broken)
    storage = FakeObjectStorage()
    storage.put(NAMESPACE, BUCKET, SPEC, flat())
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        app_with(storage, FakeDataScience()).handle(
            RawCall(json.dumps({"specLocation": URI}).encode()), call_id="C-9")
    [record] = [r for r in caplog.records if r.name == "jobrun_launcher"]
    line = json.loads(record.getMessage())
    assert (line["outcome"], line["specLocation"], line["retryTokenPrefix"]) == (
        "InternalError", URI, retry_token(JOB_OCID, trigger="direct", call_id="C-9")[:12])


def test_where_a_bug_was_raised_is_named_from_the_project_root_wherever_the_process_runs(
        monkeypatch, tmp_path):
    from func.logs import where_raised

    def fails():
        raise KeyError("bug")

    try:
        fails()
    except KeyError as exc:
        caught = exc
    monkeypatch.chdir(tmp_path)
    assert where_raised(caught) == \
        f"tests/service/test_launch_answers.py:{fails.__code__.co_firstlineno + 1}"


def test_a_spec_changed_since_its_event_is_refused_at_its_location():
    r = rig()
    r.put_spec(SPEC, flat())
    assert error_of(run(r, spec_etag="etag-of-the-event")) == {
        "code": "SpecChanged", "status": 409,
        "message": f"{URI} changed after the event was sent (eTag no longer matches); the "
                   "newer upload fires its own event", "field": "specLocation"}
    assert r.data_science.created == []


def test_a_job_whose_infrastructure_has_no_block_size_lends_the_default_50_gb():
    from oci.data_science import models

    r = rig({"ALLOWED_SHAPES": "VM.Standard.E4.Flex"})
    r.data_science.job.job_infrastructure_configuration_details = \
        models.EmptyJobInfrastructureConfigurationDetails()
    r.put_spec(SPEC, ads(infra="      shapeName: VM.Standard.E4.Flex\n"))
    assert run(r).error is None
    [details] = r.data_science.created
    assert details.job_infrastructure_configuration_override_details \
        .block_storage_size_in_gbs == 50


def test_an_exception_raised_outside_the_project_has_no_place_in_it():
    from func.logs import where_raised

    assert where_raised(KeyError("made, never raised")) is None
