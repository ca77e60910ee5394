"""Direct invocation (Data Integration REST task, ``fn invoke``) through the real fdk process."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from func.plan import retry_token
from tests.conftest import (
    JOB_COMPARTMENT,
    JOB_OCID,
    JOB_PROJECT,
    OTHER_JOB_OCID,
    resource_principal_signer,
)
from tests.support.answers import error, ok
from tests.support.events import load_event
from tests.support.paths import ROOT
from tests.support.spec_cases import COMPARTMENT, LOG_GROUP, PROJECT, flat

SPEC = "notebooks/daily.yaml"


def test_run_returns_the_run_at_once_and_sends_the_exact_details(fn, oci_local):
    etag = oci_local.put_spec(SPEC, flat())
    body = ok(fn.invoke({"specLocation": oci_local.location(SPEC)}, call_id="CALL-1"))
    runs = oci_local.job_runs()
    assert len(runs) == 1
    assert body == {
        "ok": True, "operation": "run", "trigger": "direct",
        "jobRunId": runs[0]["id"], "id": runs[0]["id"], "jobId": JOB_OCID,
        "lifecycleState": "ACCEPTED", "displayName": "report", "projectId": JOB_PROJECT,
        "compartmentId": JOB_COMPARTMENT, "timeAccepted": body["timeAccepted"],
        "specLocation": "oci://specs@localns/notebooks/daily.yaml", "specETag": etag,
    }
    assert body["timeAccepted"].endswith("Z")
    assert runs[0]["createBody"] == {
        "projectId": JOB_PROJECT, "compartmentId": JOB_COMPARTMENT, "displayName": "report",
        "jobId": JOB_OCID,
        "jobConfigurationOverrideDetails": {
            "jobType": "DEFAULT",
            "environmentVariables": {"NOTEPAD_YAML_URL": "oci://specs@localns/" + SPEC,
                                     "JOB_SPEC_ETAG": etag},
        },
        "freeformTags": {"trigger": "direct"},
    }
    assert runs[0]["retryToken"] == retry_token(JOB_OCID, trigger="direct", call_id="CALL-1")


@pytest.mark.parametrize("form", ["oci", "classic", "classic-encoded", "dedicated", "text"])
def test_every_location_form_reads_the_same_object(fn, oci_local, form):
    name = "team a/run+1/räport.yaml"
    oci_local.put_spec(name, flat())
    encoded = quote(name, safe="/")
    body = {
        "oci": {"specLocation": f"oci://specs@localns/{name}"},
        "classic": {"specLocation": "https://objectstorage.us-phoenix-1.oraclecloud.com"
                                    f"/n/localns/b/specs/o/{encoded}"},
        "classic-encoded": {"specLocation": "https://objectstorage.us-phoenix-1.oraclecloud.com"
                                            f"/n/localns/b/specs/o/{quote(name, safe='')}"},
        "dedicated": {"specLocation": "https://localns.objectstorage.us-phoenix-1.oci."
                                      f"customer-oci.com/n/localns/b/specs/o/{encoded}"},
        "text": f"oci://specs@localns/{name}\n",
    }[form]
    result = ok(fn.invoke(body, content_type="text/plain" if form == "text" else
                          "application/json"))
    assert result["specLocation"] == f"oci://specs@localns/{name}"
    env = oci_local.create_bodies()[0]["jobConfigurationOverrideDetails"]["environmentVariables"]
    assert env["NOTEPAD_YAML_URL"] == f"oci://specs@localns/{name}"


def test_url_of_another_region_is_refused(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    url = f"https://objectstorage.eu-frankfurt-1.oraclecloud.com/n/localns/b/specs/o/{SPEC}"
    err = error(fn.invoke({"specLocation": url}), "InvalidRequest")
    assert "eu-frankfurt-1" in err["message"] and err["field"] == "specLocation"
    assert oci_local.job_runs() == []


def test_par_url_is_refused_and_its_token_never_logged(fn, oci_local):
    token = "PaRsEcReTtOkEn123"
    url = f"https://objectstorage.us-phoenix-1.oraclecloud.com/p/{token}/n/localns/b/specs/o/a.yaml"
    result = fn.invoke({"specLocation": url})
    err = error(result, "InvalidRequest")
    assert token not in result.body.decode()
    assert "pre-authenticated" in err["message"]
    assert token not in fn.stderr()
    assert oci_local.operations() == []


def test_ads_documentation_example_launches_as_written(functions, oci_local):
    spec = (ROOT / "examples/specs/ads-notebook-job.yaml").read_bytes()
    etag = oci_local.put_spec("ads/notebook.yaml", spec)
    # The example names a shape: a deployment must allow it (ALLOWED_SHAPES, a cost guard).
    fn = functions(ALLOWED_SHAPES="VM.Standard.E3.Flex")
    ok(fn.invoke({"specLocation": oci_local.location("ads/notebook.yaml")}))
    sent = oci_local.create_bodies()[0]
    assert sent == {
        "projectId": "ocid1.datascienceproject.oc1.phx.amaaaaaaexampleproject",
        "compartmentId": "ocid1.compartment.oc1..aaaaaaaaexamplecompartment",
        "displayName": "My Job", "jobId": JOB_OCID,
        "jobConfigurationOverrideDetails": {
            "jobType": "DEFAULT",
            "environmentVariables": {
                "NOTEPAD_YAML_URL": "oci://specs@localns/ads/notebook.yaml",
                "JOB_SPEC_ETAG": etag, "GREETINGS": "Welcome to OCI Data Science"},
        },
        "jobLogConfigurationOverrideDetails": {
            "enableLogging": True, "enableAutoLogCreation": False,
            "logGroupId": "ocid1.loggroup.oc1.phx.amaaaaaaexampleloggroup",
            "logId": "ocid1.log.oc1.phx.amaaaaaaexamplelog"},
        "jobInfrastructureConfigurationOverrideDetails": {
            "jobInfrastructureType": "STANDALONE", "shapeName": "VM.Standard.E3.Flex",
            "subnetId": "ocid1.subnet.oc1.phx.aaaaaaaaexamplesubnet",
            "blockStorageSizeInGBs": 50,
            "jobShapeConfigDetails": {"ocpus": 1, "memoryInGBs": 16}},
        "freeformTags": {"trigger": "direct"},
    }


def test_request_overrides_win_over_the_spec(fn, oci_local):
    oci_local.put_spec(SPEC, flat(f"projectId: {PROJECT}\ncompartmentId: {COMPARTMENT}\n"
                                  f"logGroupId: {LOG_GROUP}\n"))
    ok(fn.invoke(load_event("direct-run.json") | {"specLocation": oci_local.location(SPEC)}))
    sent = oci_local.create_bodies()[0]
    assert (sent["projectId"], sent["compartmentId"], sent["displayName"]) == \
        (PROJECT, COMPARTMENT, "daily-report")
    config = sent["jobConfigurationOverrideDetails"]
    assert config["environmentVariables"]["RUN_DATE"] == "2026-11-24"
    assert (config["commandLineArguments"], config["maximumRuntimeInMinutes"]) == ("--fast", 120)
    assert sent["freeformTags"] == {"trigger": "direct", "team": "bi"}
    assert sent["jobLogConfigurationOverrideDetails"]["enableAutoLogCreation"] is True


def test_same_idempotency_key_gives_the_same_run(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    request = {"specLocation": oci_local.location(SPEC), "idempotencyKey": "di-task-run-42"}
    first = ok(fn.invoke(request))
    second = ok(fn.invoke(request))
    assert first["jobRunId"] == second["jobRunId"]
    assert len(oci_local.job_runs()) == 1
    assert oci_local.job_runs()[0]["retryToken"] == retry_token(
        JOB_OCID, trigger="direct", idempotency_key="di-task-run-42")


def test_without_a_key_each_call_creates_a_run(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    first = ok(fn.invoke({"specLocation": oci_local.location(SPEC)}))
    second = ok(fn.invoke({"specLocation": oci_local.location(SPEC)}))
    assert first["jobRunId"] != second["jobRunId"]
    assert len(oci_local.job_runs()) == 2


def test_reused_key_with_another_request_is_a_conflict(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    request = {"specLocation": oci_local.location(SPEC), "idempotencyKey": "reused"}
    ok(fn.invoke(request))
    err = error(fn.invoke(request | {"displayName": "something else"}), "Conflict")
    assert "idempotency key" in err["message"]
    assert len(oci_local.job_runs()) == 1


def test_the_jobs_project_is_read_once_per_container(functions, oci_local):
    function = functions(SPEC_ENV_VAR="SPEC_URI")  # a fresh container for this test
    oci_local.put_spec(SPEC, flat())
    for _ in range(3):
        ok(function.invoke({"specLocation": oci_local.location(SPEC)}))
    assert oci_local.operations().count("GetJob") <= 1
    env = oci_local.create_bodies()[0]["jobConfigurationOverrideDetails"]["environmentVariables"]
    assert env["SPEC_URI"] == oci_local.location(SPEC) and "NOTEPAD_YAML_URL" not in env


def test_status_and_cancel(fn, oci_local, emulator):
    oci_local.put_spec(SPEC, flat())
    run_id = ok(fn.invoke({"specLocation": oci_local.location(SPEC)}))["jobRunId"]
    status = ok(fn.invoke({"operation": "status", "jobRunId": run_id}))
    assert status["operation"] == "status" and status["jobRunId"] == run_id
    assert status["lifecycleState"] in ("ACCEPTED", "IN_PROGRESS")
    assert status["terminal"] is False
    assert status["specLocation"] == oci_local.location(SPEC)
    assert set(status) >= {"lifecycleDetails", "timeStarted", "timeFinished", "specETag"}
    cancel = ok(fn.invoke({"operation": "cancel", "jobRunId": run_id}))
    assert cancel["operation"] == "cancel"
    assert cancel["lifecycleState"] in ("CANCELING", "CANCELED")
    emulator.set_run_outcome(run_id, "CANCELED")
    final = ok(fn.invoke({"operation": "status", "jobRunId": run_id}))
    assert final["lifecycleState"] == "CANCELED" and final["terminal"] is True
    err = error(fn.invoke({"operation": "cancel", "jobRunId": run_id}), "Conflict")
    assert "CANCELED" in err["message"]


def test_status_of_a_run_of_another_job_is_not_found(fn, oci_local, emulator, rp_env):
    import oci

    signer = resource_principal_signer(rp_env)
    client = oci.data_science.DataScienceClient({}, signer=signer, service_endpoint=emulator.url)
    other = client.create_job_run(oci.data_science.models.CreateJobRunDetails(
        project_id=JOB_PROJECT, compartment_id=JOB_COMPARTMENT, job_id=OTHER_JOB_OCID)).data
    for operation in ("status", "cancel"):
        err = error(fn.invoke({"operation": operation, "jobRunId": other.id}), "NotFound")
        assert err["field"] == "jobRunId"
    unknown = "ocid1.datasciencejobrun.oc1.phx.amaaaaaadoesnotexist"
    error(fn.invoke({"operation": "status", "jobRunId": unknown}), "NotFound")
    assert "CancelJobRun" not in oci_local.operations()


# --- errors -------------------------------------------------------------------------

def test_invalid_request(fn, oci_local):
    err = error(fn.invoke({"specLocation": oci_local.location(SPEC), "specLocaton": "x"}),
                "InvalidRequest")
    assert err == {"code": "InvalidRequest", "status": 400,
                   "message": "unknown field 'specLocaton'; did you mean specLocation?",
                   "field": "specLocaton"}
    assert oci_local.operations() == []


def test_spec_not_found_for_missing_object_and_bucket(fn, oci_local):
    error(fn.invoke({"specLocation": oci_local.location("missing.yaml")}), "SpecNotFound")
    err = error(fn.invoke({"specLocation": "oci://nobucket@localns/a.yaml"}), "SpecNotFound")
    assert err["status"] == 404 and err["field"] == "specLocation"
    assert oci_local.job_runs() == []


def test_spec_too_large_is_read_with_a_bounded_range(functions, oci_local):
    function = functions(MAX_SPEC_BYTES="1000")
    document = flat()
    exact = document + b"#" * (1000 - len(document) - 1) + b"\n"
    oci_local.put_spec("exact.yaml", exact)
    oci_local.put_spec("big.yaml", exact + b"#" * 5_000_000)
    ok(function.invoke({"specLocation": oci_local.location("exact.yaml")}))
    err = error(function.invoke({"specLocation": oci_local.location("big.yaml")}),
                "SpecTooLarge")
    assert err["status"] == 413 and "1000 bytes" in err["message"]
    assert len(oci_local.job_runs()) == 1
    reads = [r for r in oci_local.emulator.requests() if r["operation"] == "GetObject"]
    assert [r["range"] for r in reads] == ["bytes=0-1000", "bytes=0-1000"]
    assert [r["responseBytes"] for r in reads] == [1000, 1001]  # never the 5 MB object


def test_invalid_spec_is_refused_with_its_field(fn, oci_local):
    oci_local.put_spec(SPEC, b"noteBook: no\n")
    err = error(fn.invoke({"specLocation": oci_local.location(SPEC)}), "InvalidSpec")
    message = ("expected a string, got boolean (YAML 1.1 reads yes/no/on/off/true/false as "
               "booleans); quote it")
    assert err == {"code": "InvalidSpec", "status": 422,
                   "message": f"noteBook: {message}", "field": "noteBook",
                   "problems": [{"field": "noteBook", "message": message}]}
    assert oci_local.job_runs() == []


def test_invalid_spec_answers_every_problem_in_file_order(fn, oci_local):
    oci_local.put_spec(SPEC, b"jobname: report\nnoteBook: https://x/a.ipynb\n"
                             b"parameters: {country: NO}\noutputFoldr: oci://out@ns/r/\n")
    for operation in ("run", "validate"):
        err = error(fn.invoke({"specLocation": oci_local.location(SPEC),
                               "operation": operation}), "InvalidSpec")
        assert err["problems"] == [
            {"field": "jobname", "message": "unknown key; did you mean jobName?"},
            {"field": "parameters.country", "message": "is read as a YAML 1.1 bool but is "
             "ambiguous; quote it for a string, or write it plainly (true/false, 10, 1.5)"},
            {"field": "outputFoldr", "message": "unknown key; did you mean outputFolder?"},
        ]
        assert err["field"] == "jobname"
        assert err["message"] == "jobname: unknown key; did you mean jobName? (and 2 more)"
    assert oci_local.job_runs() == []


def test_responses_are_always_json_never_a_repr(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    for body in (b"", b"\xff", b"[]", b"{}", json.dumps({"specLocation": 1}).encode(),
                 {"specLocation": oci_local.location(SPEC)}):
        result = fn.invoke(body)
        assert result.headers["content-type"] == "application/json"
        parsed = json.loads(result.body)
        assert isinstance(parsed, dict) and "ok" in parsed
        assert not result.body.startswith(b"{'")


def test_logs_hold_one_line_per_call_and_no_secrets(functions, oci_local, rp_env):
    function = functions(FN_LOG_PROBE="1")  # its own container, so its own stderr
    secret_value = "TOP-SECRET-SPEC-VALUE"
    oci_local.put_spec(SPEC, flat(f"x-notes: {secret_value}\n"))
    key = "caller-key-7"
    result = ok(function.invoke({"specLocation": oci_local.location(SPEC),
                                 "idempotencyKey": key}, call_id="LOGCALL1"))
    stderr = function.stderr()
    lines = [line for line in stderr.splitlines() if "jobrun_launcher" in line]
    assert len(lines) == 1
    fields = json.loads(lines[0].split(" - INFO - ", 1)[1])
    token = retry_token(JOB_OCID, trigger="direct", idempotency_key=key)
    assert fields == {"callId": "LOGCALL1", "trigger": "direct", "operation": "run",
                      "specLocation": oci_local.location(SPEC), "jobRunId": result["jobRunId"],
                      "retryTokenPrefix": token[:12], "outcome": "ok",
                      "durationMs": fields["durationMs"]}
    rpst = Path(rp_env["OCI_RESOURCE_PRINCIPAL_RPST"]).read_text()
    private_key = Path(rp_env["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"]).read_text()
    for secret in (secret_value, token, rpst, private_key.splitlines()[1], key,
                   "/n/localns/b/specs/o/", "noteBook"):
        assert secret not in stderr, secret


# --- list ---------------------------------------------------------------------------

LISTED_RUN_FIELDS = {"jobRunId", "id", "jobId", "lifecycleState", "displayName", "projectId",
                     "compartmentId", "timeAccepted", "lifecycleDetails", "timeStarted",
                     "timeFinished", "terminal"}


def list_pages(fn, **params) -> list[dict]:
    """Every page of a direct list, following nextPage."""
    pages: list[dict] = []
    page = None
    while True:
        body = ok(fn.invoke({"operation": "list", **params,
                             **({"page": page} if page else {})}))
        pages.append(body)
        page = body["nextPage"]
        if page is None:
            return pages


def test_list_pages_through_this_jobs_runs_newest_first(fn, oci_local, make_runs):
    ours: list[str] = []
    for _ in range(3):  # interleaved with another job's runs, which must never show
        ours += make_runs(2)
        make_runs(1, job_id=OTHER_JOB_OCID)

    pages = list_pages(fn, limit=4)

    assert [len(page["runs"]) for page in pages] == [4, 2]
    assert [run["jobRunId"] for page in pages for run in page["runs"]] == ours[::-1]
    first = pages[0]
    assert (first["ok"], first["operation"], first["trigger"]) == (True, "list", "direct")
    assert set(first) == {"ok", "operation", "trigger", "runs", "nextPage"}
    for run in first["runs"]:
        assert set(run) == LISTED_RUN_FIELDS
        assert (run["jobId"], run["compartmentId"]) == (JOB_OCID, JOB_COMPARTMENT)
        assert run["id"] == run["jobRunId"] and run["timeAccepted"].endswith("Z")
