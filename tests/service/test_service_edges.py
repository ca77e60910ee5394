"""The launch path at its edges, through the service's entry point: what the job lends a
spec that leaves a setting out, the launcher's own variable, the exact size limit, and what
status and list answers carry over from Data Science."""

from __future__ import annotations

from func.errors import InvalidRequest, InvalidSpec
from func.request import ListRequest, Overrides, StatusRequest
from func.service import Outcome
from jobspec.spec import MAX_ENV_TOTAL
from tests.support.fakes import JOB_COMPARTMENT
from tests.support.launcher import LOCATION, SPEC, Rig, answered, refused, rig, run
from tests.support.spec_cases import PROJECT, ads, flat

FLEX = "      shapeName: VM.Standard.E4.Flex\n"


def created(r: Rig, outcome: Outcome):
    answered(outcome)
    [details] = r.data_science.created
    return details


def test_a_spec_with_a_project_but_no_compartment_takes_the_jobs_compartment():
    r = rig()
    r.put_spec(SPEC, ads())  # projectId in the spec, no compartmentId
    details = created(r, run(r))
    assert (details.project_id, details.compartment_id) == (PROJECT, JOB_COMPARTMENT)
    assert r.data_science.methods() == ["get_job", "create_job_run"]


def test_infrastructure_without_a_block_size_keeps_the_jobs_block_size():
    r = rig({"ALLOWED_SHAPES": "VM.Standard.E4.Flex"})  # the fake job has 100 GB, not 50
    r.put_spec(SPEC, ads(infra=FLEX))
    details = created(r, run(r))
    infra = details.job_infrastructure_configuration_override_details
    assert infra.block_storage_size_in_gbs == 100


def test_a_spec_setting_a_renamed_launcher_variable_is_refused_not_overwritten():
    r = rig({"SPEC_ENV_VAR": "MY_SPEC_URL"})
    r.put_spec(SPEC, ads(runtime="      env:\n      - name: MY_SPEC_URL\n"
                                 "        value: oci://elsewhere@ns/x.yaml\n"))
    outcome = run(r)
    refused(outcome, InvalidSpec)
    assert outcome.error.message == (
        "spec.runtime.spec.env[0].name: MY_SPEC_URL can't be set by a run: it is set by the "
        "launcher to the spec the run was created from")
    assert r.data_science.created == []


def _launcher_env_size(r: Rig, etag: str) -> int:
    return (len("MY_SPEC_URL") + len(LOCATION.uri) + len("JOB_SPEC_ETAG") + len(etag))


def test_request_variables_up_to_exactly_the_total_limit_are_sent():
    r = rig({"SPEC_ENV_VAR": "MY_SPEC_URL"})
    etag = r.put_spec(SPEC, flat())
    room = MAX_ENV_TOTAL - _launcher_env_size(r, etag) - len("BIG")
    details = created(r, run(r, overrides=Overrides(
        environment_variables=(("BIG", "v" * room),))))
    assert details.job_configuration_override_details.environment_variables["BIG"] == "v" * room


def test_request_variables_one_character_over_the_total_limit_are_refused():
    r = rig({"SPEC_ENV_VAR": "MY_SPEC_URL"})
    etag = r.put_spec(SPEC, flat())
    room = MAX_ENV_TOTAL - _launcher_env_size(r, etag) - len("BIG")
    outcome = run(r, overrides=Overrides(environment_variables=(("BIG", "v" * (room + 1)),)))
    refused(outcome, InvalidRequest)
    assert outcome.error.field == "environmentVariables"
    assert r.data_science.created == []


def test_status_and_list_answers_carry_the_runs_lifecycle_details():
    r = rig()
    job_run = r.data_science.add_run("FAILED")
    job_run.lifecycle_details = "Job run failed: exit code 1"
    status = r.execute(StatusRequest(trigger="direct", job_run_id=job_run.id))
    answered(status)
    assert status.body["lifecycleDetails"] == "Job run failed: exit code 1"
    listing = r.execute(ListRequest(trigger="direct"))
    answered(listing)
    assert [item["lifecycleDetails"] for item in listing.body["runs"]] == [
        "Job run failed: exit code 1"]


def test_a_page_token_data_science_refuses_is_an_invalid_request_about_the_page():
    r = rig()
    outcome = r.execute(ListRequest(trigger="direct", page="not-a-token"))
    refused(outcome, InvalidRequest)
    assert (outcome.error.field, outcome.error.message) == (
        "page", "page is not a nextPage Data Science recognises (InvalidParameter)")


def test_a_cancel_data_science_refuses_says_with_which_code():
    from func.errors import Conflict
    from func.request import CancelRequest
    from tests.support.fakes import service_error

    r = rig()
    job_run = r.data_science.add_run("IN_PROGRESS")
    r.data_science.fail("cancel_job_run", service_error(409, "IncorrectState"))
    outcome = r.execute(CancelRequest(trigger="direct", job_run_id=job_run.id))
    refused(outcome, Conflict)
    assert outcome.error.message == "Data Science refused to cancel the run (IncorrectState)"
