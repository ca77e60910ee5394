"""The service in-process: the exact requests sent to OCI, the answers, and the facts."""

from __future__ import annotations

import itertools
import threading

import pytest
from oci.data_science import models

from func.errors import (
    ConfigurationError,
    Conflict,
    DeadlineExceeded,
    InvalidRequest,
    InvalidSpec,
    NotFound,
    SpecChanged,
    SpecLocationNotAllowed,
    SpecNotFound,
    SpecTooLarge,
    TooManyActiveRuns,
    UpstreamError,
)
from func.plan import retry_token
from func.request import (
    CancelRequest,
    ListRequest,
    Overrides,
    RunRequest,
    StatusRequest,
    ValidateRequest,
)
from ocirefs.locations import parse_location
from tests.support.fakes import (
    JOB_COMPARTMENT,
    JOB_OCID,
    JOB_PROJECT,
    OTHER_JOB_OCID,
    service_error,
)
from tests.support.launcher import (
    BUCKET,
    LOCATION,
    NAMESPACE,
    SPEC,
    Rig,
    answered,
    refused,
    rig,
    run,
)
from tests.support.spec_cases import LOG_GROUP, PROJECT, VALID_SCRIPTS, flat

# -- run -----------------------------------------------------------------------------------

def test_run_sends_the_exact_details_and_answers_at_once():
    r = rig()
    etag = r.put_spec(SPEC, flat())
    outcome = run(r)
    body = answered(outcome)
    [details] = r.data_science.created
    assert details == models.CreateJobRunDetails(
        project_id=JOB_PROJECT, compartment_id=JOB_COMPARTMENT, job_id=JOB_OCID,
        display_name="report",
        job_configuration_override_details=models.DefaultJobConfigurationDetails(
            environment_variables={"NOTEPAD_YAML_URL": LOCATION.uri, "JOB_SPEC_ETAG": etag}),
        freeform_tags={"trigger": "direct"})
    token = retry_token(JOB_OCID, trigger="direct", call_id="CALL-1")
    assert r.data_science.calls[-1].kwargs == {"opc_retry_token": token}
    assert r.object_storage.calls[0].kwargs == {"range": "bytes=0-65536"}
    assert r.data_science.methods() == ["get_job", "create_job_run"]
    run_id = next(iter(r.data_science.runs))
    assert body == {"operation": "run", "jobRunId": run_id, "id": run_id, "jobId": JOB_OCID,
                    "lifecycleState": "ACCEPTED", "displayName": "report",
                    "projectId": JOB_PROJECT, "compartmentId": JOB_COMPARTMENT,
                    "timeAccepted": "2026-11-27T10:00:00Z", "specLocation": LOCATION.uri,
                    "specETag": etag}
    assert outcome.facts == {"jobRunId": run_id, "retryTokenPrefix": token[:12],
                             "specLocation": LOCATION.uri}
    assert all(stream.closed for stream in r.object_storage.streams)


def test_request_overrides_idempotency_key_and_spec_settings_reach_the_details():
    r = rig()
    r.put_spec(SPEC, flat(f"projectId: {PROJECT}\ncompartmentId: {JOB_COMPARTMENT}\n"
                          f"logGroupId: {LOG_GROUP}\n"))
    overrides = Overrides(display_name="nightly", environment_variables=(("A", "1"),),
                          command_line_arguments="--fast", maximum_runtime_in_minutes=30,
                          freeform_tags=(("team", "bi"),))
    outcome = run(r, idempotency_key="key-1", overrides=overrides)
    [details] = r.data_science.created
    assert details.display_name == "nightly" and details.project_id == PROJECT
    config = details.job_configuration_override_details
    assert (config.environment_variables["A"], config.command_line_arguments,
            config.maximum_runtime_in_minutes) == ("1", "--fast", 30)
    assert details.freeform_tags == {"trigger": "direct", "team": "bi"}
    assert details.job_log_configuration_override_details == models.JobLogConfigurationDetails(
        enable_logging=True, enable_auto_log_creation=True, log_group_id=LOG_GROUP)
    # The spec names project and compartment: the job is never read.
    assert r.data_science.methods() == ["create_job_run"]
    token = retry_token(JOB_OCID, trigger="direct", idempotency_key="key-1")
    assert r.data_science.calls[-1].kwargs["opc_retry_token"] == token
    assert outcome.facts["retryTokenPrefix"] == token[:12]


def test_the_same_key_twice_gives_the_first_run():
    r = rig()
    r.put_spec(SPEC, flat())
    first, second = (answered(run(r, idempotency_key="k")) for _ in range(2))
    assert first["jobRunId"] == second["jobRunId"] and len(r.data_science.runs) == 1


def test_the_job_is_read_once_per_launcher():
    r = rig()
    r.put_spec(SPEC, flat())
    run(r)
    run(r)
    assert r.data_science.methods().count("get_job") == 1


def test_an_event_run_reads_the_version_that_fired_it():
    r = rig()
    etag = r.put_spec(SPEC, flat())
    answered(run(r, spec_etag=etag))
    assert r.object_storage.calls[0].kwargs["if_match"] == etag
    r.put_spec(SPEC, flat("# changed\n"))
    error = refused(run(r, spec_etag=etag), SpecChanged)
    assert error.field == "specLocation" and LOCATION.uri in error.message


def test_a_transient_create_failure_is_retried_with_the_same_token():
    r = rig()
    r.put_spec(SPEC, flat())
    r.data_science.fail("create_job_run", service_error(503, "ServiceUnavailable"),
                        service_error(409, "IncorrectState"))
    answered(run(r))
    tokens = {c.kwargs["opc_retry_token"] for c in r.data_science.calls
              if c.method == "create_job_run"}
    assert r.data_science.methods().count("create_job_run") == 3 and len(tokens) == 1
    assert len(r.data_science.runs) == 1


def test_a_reused_key_with_another_request_is_a_conflict():
    r = rig()
    r.put_spec(SPEC, flat())
    r.data_science.fail("create_job_run", service_error(409, "Conflict"))
    error = refused(run(r, idempotency_key="k"), Conflict)
    assert "idempotency key" in error.message
    assert r.data_science.methods().count("create_job_run") == 1


def test_a_reused_key_with_another_request_may_also_get_the_first_run():
    # Data Science may answer a reused retry token with the first run whatever the body
    # (as the fakes do): the function passes that on, and there is still one run.
    r = rig()
    r.put_spec(SPEC, flat())
    first = answered(run(r, idempotency_key="k"))
    again = answered(run(r, idempotency_key="k",
                         overrides=Overrides(display_name="something else")))
    assert again["jobRunId"] == first["jobRunId"]
    assert again["displayName"] == first["displayName"] == "report"
    assert len(r.data_science.runs) == 1


# -- validate ------------------------------------------------------------------------------

def test_validate_answers_the_details_run_would_send_and_creates_nothing():
    r = rig()
    etag = r.put_spec(SPEC, flat())
    outcome = r.execute(ValidateRequest(trigger="direct", spec_location=LOCATION),
                                 r.invocation())
    assert answered(outcome) == {
        "operation": "validate", "specLocation": LOCATION.uri, "specETag": etag,
        "createJobRunDetails": {
            "projectId": JOB_PROJECT, "compartmentId": JOB_COMPARTMENT, "jobId": JOB_OCID,
            "displayName": "report",
            "jobConfigurationOverrideDetails": {
                "jobType": "DEFAULT",
                # Names only: validate never shows a variable's value.
                "environmentVariables": {"NOTEPAD_YAML_URL": "<redacted>",
                                         "JOB_SPEC_ETAG": "<redacted>"}},
            "freeformTags": {"trigger": "direct"}},
        "notes": []}
    assert outcome.facts == {"specLocation": LOCATION.uri}
    assert "create_job_run" not in r.data_science.methods()


def test_validate_notes_what_the_spec_says_that_is_left_alone():
    r = rig()
    r.put_spec(SPEC, VALID_SCRIPTS["python-folder"])
    outcome = r.execute(ValidateRequest(trigger="direct", spec_location=LOCATION))
    assert answered(outcome)["notes"] == [
        "spec.runtime.spec.conda is accepted and not used: the job's image runs the code with "
        "its own Python environment"]


# -- refusals before any call --------------------------------------------------------------

def test_a_location_outside_the_allowlist_is_refused_before_reading():
    r = rig({"SPEC_ALLOWLIST": "oci://specs@ns/other/"})
    refused(run(r), SpecLocationNotAllowed)
    assert r.object_storage.calls == []


def test_a_url_of_another_region_is_refused_before_reading():
    r = rig(region="eu-frankfurt-1")
    location = parse_location("https://objectstorage.us-phoenix-1.oraclecloud.com"
                              f"/n/{NAMESPACE}/b/{BUCKET}/o/a.yaml")
    error = refused(run(r, spec_location=location), InvalidRequest)
    assert (error.field, error.message) == (
        "specLocation", "the spec URL is in us-phoenix-1, but the function runs in eu-frankfurt-1")
    assert r.object_storage.calls == []


# -- the spec ------------------------------------------------------------------------------

def test_a_missing_spec_is_spec_not_found():
    error = refused(run(rig()), SpecNotFound)
    assert error.field == "specLocation"


def test_an_invalid_spec_is_invalid_spec_with_its_problems():
    r = rig()
    r.put_spec(SPEC, b"noteBook: yes\n")
    error = refused(run(r), InvalidSpec)
    assert error.field == "noteBook" and r.data_science.calls == []


def test_an_invalid_spec_answers_its_first_50_problems_in_file_order():
    r = rig()
    keys = "".join(f"unknown{i:02d}: x\n" for i in range(60))
    r.put_spec(SPEC, f"noteBook: https://x/a.ipynb\n{keys}".encode())
    answer = refused(run(r), InvalidSpec).to_dict()
    assert [p["field"] for p in answer["problems"]] == [f"unknown{i:02d}" for i in range(50)]
    assert answer["message"] == "unknown00: unknown key (and 59 more)"


@pytest.mark.parametrize("env, size", [({}, 65537), ({"MAX_SPEC_BYTES": "100"}, 101)])
def test_a_spec_over_the_limit_is_too_large_and_read_only_that_far(env, size):
    r = rig(env)
    r.put_spec(SPEC, b"#" * (size + 500_000))
    error = refused(run(r), SpecTooLarge)
    assert str(size - 1) in error.message
    assert r.object_storage.calls[0].kwargs["range"] == f"bytes=0-{size - 1}"


def test_an_empty_spec_is_read_as_no_bytes():
    r = rig()
    r.put_spec(SPEC, b"")
    refused(run(r), InvalidSpec)
    assert r.object_storage.methods() == ["get_object"]


def test_a_connection_dropped_while_streaming_is_an_upstream_error():
    r = rig()
    r.put_spec(SPEC, b"#" * 200_000)
    r.object_storage.break_streams_after = 64 * 1024
    error = refused(run(r), UpstreamError)
    assert error.message == ("Object Storage could not be reached on GetObject (1 attempt, "
                             "RequestException): the connection dropped while streaming the "
                             "object")
    assert all(stream.closed for stream in r.object_storage.streams)


def test_when_the_deadline_leaves_no_time_nothing_is_called():
    r = rig()
    outcome = r.execute(RunRequest(trigger="direct", spec_location=LOCATION),
                                 r.invocation(seconds=3.2))
    assert "no time left to call GetObject" in refused(outcome, DeadlineExceeded).message
    assert r.object_storage.calls == []


def test_an_unreadable_job_is_a_configuration_error():
    r = rig()
    r.put_spec(SPEC, flat())
    r.data_science.fail("get_job", service_error(404, "NotAuthorizedOrNotFound"))
    error = refused(run(r), ConfigurationError)
    assert error.field == "JOB_OCID"


# -- MAX_ACTIVE_RUNS -----------------------------------------------------------------------

def test_at_the_cap_nothing_is_created():
    r = rig({"MAX_ACTIVE_RUNS": "2"})
    r.put_spec(SPEC, flat())
    for state in ("IN_PROGRESS", "SUCCEEDED", "FAILED", "ACCEPTED"):
        r.data_science.add_run(state)
    error = refused(run(r), TooManyActiveRuns)
    assert "MAX_ACTIVE_RUNS=2" in error.message
    states = [c.kwargs["lifecycle_state"] for c in r.data_science.calls
              if c.method == "list_job_runs"]
    assert sorted(states) == ["ACCEPTED", "IN_PROGRESS", "NEEDS_ATTENTION"]  # listed at once
    assert "create_job_run" not in r.data_science.methods()


def test_the_recount_is_given_the_runs_the_count_saw():
    # An earlier run moves from ACCEPTED to IN_PROGRESS while the recount's three listings
    # (4 to 6; 1 to 3 are the count's) are answered, so none of them shows it. Because the
    # count saw it, the recount lists again and counts it: our run is the third, beyond 2.
    r = rig({"MAX_ACTIVE_RUNS": "2"})
    r.put_spec(SPEC, flat())
    mover = r.data_science.add_run("ACCEPTED")
    listing_number = itertools.count(1)
    real_list, real_create = r.data_science.list_job_runs, r.data_science.create_job_run

    def create_job_run(details, **kwargs):
        r.data_science.add_run("IN_PROGRESS")  # another container's, meanwhile
        return real_create(details, **kwargs)

    def list_job_runs(compartment_id, **kwargs):
        number = next(listing_number)
        if number >= 4:
            mover.lifecycle_state = "IN_PROGRESS"
        response = real_list(compartment_id, **kwargs)
        if 4 <= number <= 6:
            response.data = [run for run in response.data if run.id != mover.id]
        return response

    r.data_science.list_job_runs = list_job_runs
    r.data_science.create_job_run = create_job_run
    error = refused(run(r), TooManyActiveRuns)
    assert "2 earlier runs are active" in error.message
    assert r.data_science.methods().count("list_job_runs") == 9


def test_once_the_compartment_is_known_the_count_runs_while_the_spec_is_read():
    r = rig({"MAX_ACTIVE_RUNS": "2"})
    r.put_spec(SPEC, flat())
    answered(run(r))  # the first call learns the job's compartment
    listing = threading.Event()
    real_list, real_get = r.data_science.list_job_runs, r.object_storage.get_object

    def list_job_runs(compartment_id, **kwargs):
        listing.set()
        return real_list(compartment_id, **kwargs)

    def get_object(*args, **kwargs):
        # Read one after the other, the count would only start after this: the wait's
        # timeout only bounds a failing test.
        assert listing.wait(timeout=30), "the count did not start before the spec was read"
        return real_get(*args, **kwargs)

    r.data_science.list_job_runs = list_job_runs
    r.object_storage.get_object = get_object
    answered(run(r, idempotency_key="second"))


def test_below_the_cap_the_run_is_created_and_recounted():
    r = rig({"MAX_ACTIVE_RUNS": "2"})
    r.put_spec(SPEC, flat())
    r.data_science.add_run("IN_PROGRESS")
    r.data_science.add_run("IN_PROGRESS", job_id=OTHER_JOB_OCID)
    answered(run(r))
    listings = [c for c in r.data_science.calls if c.method == "list_job_runs"]
    assert {c.args for c in listings} == {(JOB_COMPARTMENT,)}
    assert {(c.kwargs["job_id"], c.kwargs["limit"]) for c in listings} == {(JOB_OCID, 100)}
    methods = r.data_science.methods()
    first_create = methods.index("create_job_run")
    assert "list_job_runs" in methods[:first_create]  # the count
    assert "list_job_runs" in methods[first_create:]  # the recount
    assert "cancel_job_run" not in methods


# -- status / cancel -----------------------------------------------------------------------

def status(r: Rig, run_id: str) -> object:
    return r.execute(StatusRequest(trigger="direct", job_run_id=run_id),
                              r.invocation())


def cancel(r: Rig, run_id: str) -> object:
    return r.execute(CancelRequest(trigger="direct", job_run_id=run_id),
                              r.invocation())


def test_status_reports_the_run_and_the_spec_it_was_started_with():
    r = rig()
    job_run = r.data_science.add_run("SUCCEEDED", env={"NOTEPAD_YAML_URL": LOCATION.uri,
                                                       "JOB_SPEC_ETAG": "e1"})
    outcome = status(r, job_run.id)
    body = answered(outcome)
    assert body["terminal"] is True and body["lifecycleState"] == "SUCCEEDED"
    assert (body["specLocation"], body["specETag"]) == (LOCATION.uri, "e1")
    assert (body["timeStarted"], body["timeFinished"], body["lifecycleDetails"]) == (
        None, None, None)
    assert outcome.facts == {"jobRunId": job_run.id}


@pytest.mark.parametrize("operation", [status, cancel])
def test_runs_of_other_jobs_and_unknown_runs_are_not_found(operation):
    r = rig()
    other = r.data_science.add_run("IN_PROGRESS", job_id=OTHER_JOB_OCID)
    refused(operation(r, other.id), NotFound)
    outcome = operation(r, "ocid1.datasciencejobrun.oc1.phx.amaaaaaanone")
    assert refused(outcome, NotFound).field == "jobRunId"
    assert outcome.facts["jobRunId"] == "ocid1.datasciencejobrun.oc1.phx.amaaaaaanone"
    assert "cancel_job_run" not in r.data_science.methods()


def test_cancel_answers_the_new_state():
    r = rig()
    job_run = r.data_science.add_run("IN_PROGRESS")
    body = answered(cancel(r, job_run.id))
    assert body["lifecycleState"] == "CANCELING" and body["terminal"] is False
    assert r.data_science.methods() == ["get_job_run", "cancel_job_run", "get_job_run"]


def test_cancelling_a_terminal_run_is_a_conflict_without_a_cancel_call():
    r = rig()
    job_run = r.data_science.add_run("FAILED")
    assert "FAILED" in refused(cancel(r, job_run.id), Conflict).message
    assert r.data_science.methods() == ["get_job_run"]


def test_a_cancel_refused_as_incorrect_state_is_a_conflict_at_once():
    r = rig()
    job_run = r.data_science.add_run("IN_PROGRESS")
    r.data_science.fail("cancel_job_run", service_error(409, "IncorrectState"))
    refused(cancel(r, job_run.id), Conflict)
    assert r.data_science.methods().count("cancel_job_run") == 1


# -- list ----------------------------------------------------------------------------------

def listing(r: Rig, **fields) -> object:
    return r.execute(ListRequest(trigger="direct", **fields), r.invocation())


def test_list_pages_through_this_jobs_runs_newest_first():
    r = rig()
    runs = [r.data_science.add_run("SUCCEEDED") for _ in range(3)]
    r.data_science.add_run("ACCEPTED", job_id=OTHER_JOB_OCID)
    first = answered(listing(r, limit=2))
    assert [item["jobRunId"] for item in first["runs"]] == [runs[2].id, runs[1].id]
    second = answered(listing(r, limit=2, page=first["nextPage"]))
    assert [item["jobRunId"] for item in second["runs"]] == [runs[0].id]
    assert second["nextPage"] is None
    call = next(c for c in r.data_science.calls if c.method == "list_job_runs")
    assert call.args == (JOB_COMPARTMENT,)
    assert call.kwargs == {"job_id": JOB_OCID, "limit": 2, "sort_by": "timeCreated",
                           "sort_order": "DESC"}


def test_list_filters_by_state_in_the_given_compartment():
    r = rig()
    r.data_science.add_run("ACCEPTED")
    body = answered(listing(r, lifecycle_state="FAILED", compartment_id=JOB_COMPARTMENT))
    assert body["runs"] == []
    call = r.data_science.calls[-1]
    assert call.kwargs["lifecycle_state"] == "FAILED" and "get_job" not in \
        r.data_science.methods()


def test_a_page_token_data_science_refuses_is_an_invalid_request():
    error = refused(listing(rig(), page="not-a-token"), InvalidRequest)
    assert error.field == "page"


@pytest.mark.parametrize("compartment_id, error_type", [
    ("ocid1.compartment.oc1..aaaaaaaaelsewhere", NotFound), (None, UpstreamError)])
def test_a_compartment_that_cannot_be_listed(compartment_id, error_type):
    r = rig()
    r.data_science.fail("list_job_runs", service_error(404, "NotAuthorizedOrNotFound"))
    error = refused(listing(r, compartment_id=compartment_id), error_type)
    assert error_type is UpstreamError or error.field == "compartmentId"
