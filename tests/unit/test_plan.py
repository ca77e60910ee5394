import hashlib
import json

import pytest

from func.config import Settings
from func.errors import InvalidRequest, InvalidSpec
from func.plan import (
    JobInfo,
    environment_problem,
    needs_job_info,
    plan_job_run,
    retry_token,
    to_wire,
)
from func.request import Origin, Overrides, RunRequest
from jobspec.errors import SpecError
from jobspec.spec import MAX_ENV_TOTAL, parse_spec
from tests.support.paths import ROOT
from tests.support.spec_cases import COMPARTMENT, LOG, LOG_GROUP, PROJECT, SUBNET, ads, flat
from tests.unit.test_triggers import DAILY

JOB = "ocid1.datasciencejob.oc1.phx.amaaaaaajob"
SETTINGS = Settings(job_ocid=JOB)
JOB_INFO = JobInfo(project_id="ocid1.datascienceproject.oc1.phx.amaaaaaajobproject",
                   compartment_id="ocid1.compartment.oc1..aaaaaaaajobcompartment",
                   block_storage_size_in_gbs=100)
ETAG = "etag-1"


def run(**overrides) -> RunRequest:
    return RunRequest(trigger="direct", spec_location=DAILY, overrides=Overrides(**overrides))


def plan(document: bytes, request: RunRequest | None = None, settings=SETTINGS, job=JOB_INFO):
    return to_wire(plan_job_run(settings, request or run(), parse_spec(document), ETAG, job))


def test_retry_token_is_a_stable_versioned_sha256():
    # Frozen values: a change here would let a replayed key create a second run.
    assert retry_token(JOB, trigger="direct", idempotency_key="di-task-run-42") == \
        "3acc8b21c4daf5296e3468622cdd5d1d924b04720d6a3c55e2698c3fad4d4938"
    assert retry_token(JOB, trigger="direct", call_id="01CALL") == \
        "81024bee7aa8f173f0dcf75aa91a6f4dd7b5a06b63720be8165cffe5db806f2b"
    material = json.dumps(["oci-jobrun-launcher/retry-token/v2", "key", JOB, "direct", None,
                           "di-task-run-42"])
    assert retry_token(JOB, trigger="direct", idempotency_key="di-task-run-42") == \
        hashlib.sha256(material.encode()).hexdigest()


def test_retry_token_separates_jobs_keys_call_ids_triggers_and_callers():
    tokens = {retry_token(JOB, trigger="direct", idempotency_key="k"),
              retry_token(JOB + "x", trigger="direct", idempotency_key="k"),
              retry_token(JOB, trigger="direct", idempotency_key="k2"),
              retry_token(JOB, trigger="direct", call_id="k"),
              retry_token(JOB, trigger="event", idempotency_key="k"),
              retry_token(JOB, trigger="apigateway", idempotency_key="k"),
              retry_token(JOB, trigger="apigateway", caller="alice", idempotency_key="k"),
              retry_token(JOB, trigger="apigateway", caller="bob", idempotency_key="k")}
    assert len(tokens) == 8
    assert all(len(t) == 64 for t in tokens)
    # the key wins over the call id: a retried invocation with a key gets the same token
    assert retry_token(JOB, trigger="direct", idempotency_key="k", call_id="a") == \
        retry_token(JOB, trigger="direct", idempotency_key="k", call_id="b")
    with pytest.raises(ValueError):
        retry_token(JOB, trigger="direct")


def test_flat_spec_minimal_body_uses_the_jobs_project_and_compartment():
    assert plan(flat()) == {
        "projectId": JOB_INFO.project_id,
        "compartmentId": JOB_INFO.compartment_id,
        "displayName": "report",
        "jobId": JOB,
        "jobConfigurationOverrideDetails": {
            "jobType": "DEFAULT",
            "environmentVariables": {"NOTEPAD_YAML_URL": DAILY.uri, "JOB_SPEC_ETAG": ETAG},
        },
        "freeformTags": {"trigger": "direct"},
    }


def test_flat_spec_with_everything_and_request_overrides():
    document = flat(f"projectId: {PROJECT}\ncompartmentId: {COMPARTMENT}\n"
                    f"logGroupId: {LOG_GROUP}\nlogId: {LOG}\n")
    request = run(display_name="override", environment_variables=(("RUN_DATE", "2026-11-24"),),
                  command_line_arguments="--fast", maximum_runtime_in_minutes=120,
                  freeform_tags=(("team", "bi"), ("trigger", "mine")))
    assert plan(document, request, job=None) == {
        "projectId": PROJECT,
        "compartmentId": COMPARTMENT,
        "displayName": "override",
        "jobId": JOB,
        "jobConfigurationOverrideDetails": {
            "jobType": "DEFAULT",
            "environmentVariables": {"NOTEPAD_YAML_URL": DAILY.uri, "JOB_SPEC_ETAG": ETAG,
                                     "RUN_DATE": "2026-11-24"},
            "commandLineArguments": "--fast",
            "maximumRuntimeInMinutes": 120,
        },
        "jobLogConfigurationOverrideDetails": {
            "enableLogging": True, "enableAutoLogCreation": False,
            "logGroupId": LOG_GROUP, "logId": LOG,
        },
        # the launcher's own tag is applied last: a caller can't say who triggered the run
        "freeformTags": {"team": "bi", "trigger": "direct"},
    }


def test_log_group_without_log_enables_auto_creation():
    body = plan(flat(f"logGroupId: {LOG_GROUP}\n"))
    assert body["jobLogConfigurationOverrideDetails"] == {
        "enableLogging": True, "enableAutoLogCreation": True, "logGroupId": LOG_GROUP}


def test_ads_spec_env_args_and_standalone_infrastructure():
    document = ads(infra=f"      shapeName: VM.Standard.E4.Flex\n      subnetId: {SUBNET}\n"
                         "      shapeConfigDetails: {ocpus: 2, memoryInGBs: 32}\n",
                   runtime="      env:\n      - name: GREETING\n        value: hi\n"
                           "      args: [--date, 'two words']\n")
    body = plan(document, run(environment_variables=(("GREETING", "override"),)))
    assert body["projectId"] == PROJECT
    assert body["compartmentId"] == JOB_INFO.compartment_id
    assert body["jobConfigurationOverrideDetails"] == {
        "jobType": "DEFAULT",
        "environmentVariables": {"NOTEPAD_YAML_URL": DAILY.uri, "JOB_SPEC_ETAG": ETAG,
                                 "GREETING": "override"},
        "commandLineArguments": "--date 'two words'",
    }
    assert body["jobInfrastructureConfigurationOverrideDetails"] == {
        "jobInfrastructureType": "STANDALONE", "shapeName": "VM.Standard.E4.Flex",
        "subnetId": SUBNET, "blockStorageSizeInGBs": 100,
        "jobShapeConfigDetails": {"ocpus": 2, "memoryInGBs": 32},
    }


def test_request_arguments_replace_spec_arguments():
    body = plan(ads(runtime="      args: [a, b]\n"), run(command_line_arguments="--only"))
    assert body["jobConfigurationOverrideDetails"]["commandLineArguments"] == "--only"


def test_managed_egress_infrastructure_with_spec_block_storage():
    document = ads(infra="      shapeName: VM.Standard.E4.Flex\n      blockStorageSize: 60\n")
    body = plan(document)
    assert body["jobInfrastructureConfigurationOverrideDetails"] == {
        "jobInfrastructureType": "ME_STANDALONE", "shapeName": "VM.Standard.E4.Flex",
        "blockStorageSizeInGBs": 60}


def test_spec_env_var_name_is_configurable():
    body = plan(flat(), settings=Settings(job_ocid=JOB, spec_env_var="SPEC_URI"))
    assert body["jobConfigurationOverrideDetails"]["environmentVariables"] == {
        "SPEC_URI": DAILY.uri, "JOB_SPEC_ETAG": ETAG}


def test_default_display_name_is_the_object_name_without_extension():
    body = plan(b"noteBook: https://x/y.ipynb\n")
    assert body["displayName"] == "daily"


@pytest.mark.parametrize("name", ["NOTEPAD_YAML_URL", "JOB_SPEC_ETAG", "MY_SPEC"])
def test_request_may_not_override_the_launchers_variables(name):
    origin = Origin("direct", launcher_env=frozenset({"MY_SPEC", "NOTEPAD_YAML_URL",
                                                      "JOB_SPEC_ETAG"}))
    fields = {"specLocation": DAILY.uri, "environmentVariables": {name: "x"}}
    with pytest.raises(InvalidRequest, match="set by the launcher") as error:
        RunRequest.parse(fields, origin)
    assert error.value.field == "environmentVariables"
    fields["environmentVariables"] = {"RUN_DATE": "x"}
    assert RunRequest.parse(fields, origin).overrides.environment_variables == (
        ("RUN_DATE", "x"),)  # others pass


def env_problem_of(document: bytes, request: RunRequest | None = None):
    return environment_problem(SETTINGS, request or run(), parse_spec(document), ETAG)


def test_env_total_over_limit_after_merging_blames_the_request_when_it_adds_any():
    spec_env = "      env:\n      - name: A\n        value: " + "x" * 19900 + "\n"
    problem = env_problem_of(ads(runtime=spec_env), run(environment_variables=(("B", "y" * 200),)))
    assert type(problem) is InvalidRequest and problem.field == "environmentVariables"
    problem = env_problem_of(ads(runtime="      env:\n      - name: A\n        value: "
                                         + "x" * 19990 + "\n"))
    assert (type(problem), problem.message, problem.field) == (
        InvalidSpec, f"environment variables total more than {MAX_ENV_TOTAL} characters", None)
    assert env_problem_of(ads(runtime=spec_env)) is None


@pytest.mark.parametrize("job", [JOB_INFO, None])
def test_planning_is_total_on_valid_input(job):
    """Every spec of the ADS corpus and the examples that parses, with and without request
    overrides: a plan, never a request or spec error (those are found before planning)."""
    request = run(display_name="n", environment_variables=(("RUN_DATE", "x"),),
                  command_line_arguments="-v", maximum_runtime_in_minutes=5,
                  freeform_tags=(("team", "bi"),))
    planned = 0
    for path in sorted([*ROOT.glob("tests/unit/ads/corpus/*.yaml"),
                        *ROOT.glob("examples/specs/*")]):
        try:
            spec = parse_spec(path.read_bytes())
        except SpecError:
            continue
        if job is None and needs_job_info(spec):
            continue
        for each in (run(), request):
            assert environment_problem(SETTINGS, each, spec, ETAG) is None
            assert plan_job_run(SETTINGS, each, spec, ETAG, job).job_id == JOB
            planned += 1
    assert planned >= 10


def test_body_is_deterministic():
    document = ads(runtime="      env:\n      - name: A\n        value: x\n")
    assert plan(document) == plan(document)


def test_needs_job_info_only_when_something_is_missing():
    assert needs_job_info(parse_spec(flat()))
    full = flat(f"projectId: {PROJECT}\ncompartmentId: {COMPARTMENT}\n")
    assert not needs_job_info(parse_spec(full))
    infra = ads(infra=f"      compartmentId: {COMPARTMENT}\n      shapeName: S\n")
    assert needs_job_info(parse_spec(infra))


def test_the_launchers_variables_win_even_over_an_unparsed_request():
    body = plan(flat(), run(environment_variables=(("NOTEPAD_YAML_URL", "oci://evil@ns/x.yaml"),
                                                   ("JOB_SPEC_ETAG", "forged"))))
    env = body["jobConfigurationOverrideDetails"]["environmentVariables"]
    assert env["NOTEPAD_YAML_URL"] == "oci://specs@localns/notebooks/daily.yaml"
    assert env["JOB_SPEC_ETAG"] == ETAG
    assert list(env)[:2] == ["NOTEPAD_YAML_URL", "JOB_SPEC_ETAG"]


def test_the_spec_runtime_limit_and_tags_go_on_the_run_under_the_request():
    document = ads(runtime="      maximumRuntimeInMinutes: 90\n"
                           "      freeformTags: {team: bi, trigger: spec}\n")
    config = plan(document)
    assert config["jobConfigurationOverrideDetails"]["maximumRuntimeInMinutes"] == 90
    # The launcher's own tag goes last: a spec can't say who triggered the run.
    assert config["freeformTags"] == {"trigger": "direct", "team": "bi"}
    overridden = plan(document, run(maximum_runtime_in_minutes=15,
                                    freeform_tags=(("team", "ops"),)))
    assert overridden["jobConfigurationOverrideDetails"]["maximumRuntimeInMinutes"] == 15
    assert overridden["freeformTags"] == {"trigger": "direct", "team": "ops"}
