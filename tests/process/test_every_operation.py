"""Every operation end to end on every trigger that calls it: the canned call of
tests/events/, as that trigger delivers it, through the real fdk process against the
emulator. The table is checked against the registry (func.operations), so a new operation
fails here until its canned calls exist and it answers through both entry points.

The canned calls name example values (a run, a compartment); each test puts the real ones
of the emulator in their place. The details of each operation are tested in their own
files; here each answers, with its success status, on each trigger.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from func.operations import OPERATIONS
from tests.conftest import JOB_COMPARTMENT
from tests.process.conftest import SPEC, logged_run  # SPEC: where the canned calls point
from tests.support.answers import gateway_call, ok
from tests.support.events import load_event
from tests.support.spec_cases import flat

EXAMPLE_RUN = "ocid1.datasciencejobrun.oc1.phx.amaaaaaaexamplerun"
EXAMPLE_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaexamplecompartment"
# The canned list call pages on with an example token, which the emulator did not issue.
EXAMPLE_PAGE = "&page=eyJwYWdlIjogMn0%3D"

# operation -> (the Data Integration REST task's / a schedule's direct call, API Gateway's)
CANNED = {
    "run": ("direct-run.json", "apigateway-post-runs.json"),
    "list": ("direct-list.json", "apigateway-list-runs.json"),
    "validate": ("direct-validate.json", "apigateway-post-runs-validate.json"),
    "status": ("direct-status.json", "apigateway-get-run.json"),
    "cancel": ("direct-cancel.json", "apigateway-delete-run.json"),
    "logs": ("direct-logs.json", "apigateway-get-run-logs.json"),
}


def test_every_operation_has_a_canned_call_for_each_entry_point():
    assert list(CANNED) == list(OPERATIONS)


def with_real_values(canned: Any, run_id: str) -> Any:
    text = json.dumps(canned).replace(EXAMPLE_RUN, run_id)
    text = text.replace(EXAMPLE_COMPARTMENT, JOB_COMPARTMENT).replace(EXAMPLE_PAGE, "")
    return json.loads(text)


def check_answer(operation: str, body: dict[str, Any], run_id: str) -> None:
    assert body["ok"] is True and body["operation"] == operation, body
    if operation == "list":
        assert run_id in [run["jobRunId"] for run in body["runs"]]
    elif operation == "logs":
        assert [line["message"] for line in body["lines"]] == ["line 0"]
    elif operation in ("status", "cancel"):
        assert body["jobRunId"] == run_id
    elif operation == "validate":
        assert body["createJobRunDetails"]["displayName"]


@pytest.mark.parametrize("operation", list(CANNED))
def test_direct_call(fn, oci_local, operation):
    run_id = logged_run(fn, oci_local, lines=1, spec=SPEC, ended=False)
    call = with_real_values(load_event(CANNED[operation][0]), run_id)
    if operation == "list":  # the canned call lists the runs in one state: the run is in it
        oci_local.emulator.set_run_outcome(run_id, call["lifecycleState"])
    check_answer(operation, ok(fn.invoke(call)), run_id)


@pytest.mark.parametrize("operation", list(CANNED))
def test_gateway_call(fn, oci_local, operation):
    run_id = logged_run(fn, oci_local, lines=1, spec=SPEC, ended=False)
    canned = with_real_values(load_event(CANNED[operation][1]), run_id)
    if operation == "list":
        [state] = parse_qs(urlsplit(canned["requestUrl"]).query)["lifecycleState"]
        oci_local.emulator.set_run_outcome(run_id, state)
    answer = gateway_call(fn, canned["method"], canned["requestUrl"],
                          canned["body"] if canned["body"] is not None else b"",
                          **canned["headers"])
    assert answer.http_status == OPERATIONS[operation].status
    check_answer(operation, answer.json(), run_id)


def test_a_schedules_call_runs_with_the_schedule_tag(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    body = ok(fn.invoke(load_event("direct-scheduled-run.json")))
    assert body["operation"] == "run"
    [run] = oci_local.job_runs()
    assert run["id"] == body["jobRunId"]
    assert run["createBody"]["freeformTags"] == {"team": "bi", "schedule": "nightly-report",
                                                 "trigger": "direct"}


def test_an_events_upload_runs_that_version(fn, oci_local):
    etag = oci_local.put_spec(SPEC, flat())
    event = load_event("objectstorage-createobject.json")
    event["data"]["resourceName"] = SPEC
    event["data"]["additionalDetails"].update(namespace="localns", bucketName="specs",
                                              eTag=etag)
    body = ok(fn.invoke(event))
    assert (body["operation"], body["trigger"], body["specETag"]) == ("run", "event", etag)
    assert [run["id"] for run in oci_local.job_runs()] == [body["jobRunId"]]
