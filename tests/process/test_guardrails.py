"""validate and MAX_ACTIVE_RUNS (see the README) through the real fdk process."""

from __future__ import annotations

import oci
import pytest

from tests.conftest import JOB_COMPARTMENT, JOB_OCID, JOB_PROJECT, resource_principal_signer
from tests.support.answers import error, ok


def test_validate_creates_nothing_and_shows_the_body_run_sends(fn, oci_local, spec):
    request = spec | {"displayName": "checked", "environmentVariables": {"RUN_DATE": "x"}}
    validated = ok(fn.invoke(request | {"operation": "validate"}))
    assert oci_local.job_runs() == []
    assert "CreateJobRun" not in oci_local.operations()
    assert set(validated) == {"ok", "operation", "trigger", "specLocation", "specETag",
                              "createJobRunDetails", "notes"}
    assert validated["notes"] == []
    ok(fn.invoke(request))
    [sent] = oci_local.create_bodies()
    # The same body, but validate shows the variables' names only.
    env = sent["jobConfigurationOverrideDetails"]["environmentVariables"]
    assert env["RUN_DATE"] == "x"
    sent["jobConfigurationOverrideDetails"]["environmentVariables"] = dict.fromkeys(
        env, "<redacted>")
    assert sent == validated["createJobRunDetails"]


@pytest.mark.parametrize("document, code", [(b"noteBook: no\n", "InvalidSpec"),
                                            (None, "SpecNotFound")])
def test_validate_reports_errors_as_run_would(fn, oci_local, document, code):
    name = f"validate/{code}.yaml"
    if document is not None:
        oci_local.put_spec(name, document)
    error(fn.invoke({"operation": "validate", "specLocation": oci_local.location(name)}), code)
    assert oci_local.job_runs() == []


def hold(oci_local, run_id):
    oci_local.emulator.set_run_outcome(run_id, "IN_PROGRESS")


def test_cap_refuses_a_third_run_and_accepts_again_after_one_ends(functions, oci_local, spec):
    function = functions(MAX_ACTIVE_RUNS="2")
    first = ok(function.invoke(spec))["jobRunId"]
    second = ok(function.invoke(spec))["jobRunId"]
    hold(oci_local, first)
    hold(oci_local, second)
    err = error(function.invoke(spec), "TooManyActiveRuns")
    assert err["status"] == 429 and "MAX_ACTIVE_RUNS=2" in err["message"]
    assert len(oci_local.job_runs()) == 2
    oci_local.emulator.set_run_outcome(first, "SUCCEEDED")
    ok(function.invoke(spec))
    assert len(oci_local.job_runs()) == 3


def test_cap_behind_the_gateway_is_429(functions, oci_local, spec):
    function = functions(MAX_ACTIVE_RUNS="1")
    hold(oci_local, ok(function.invoke(spec))["jobRunId"])
    result = function.invoke(spec, gateway=("POST", "/v1/runs"),
                             client_headers={"Content-Type": "application/json"})
    assert result.http_status == 429
    assert result.json()["error"]["code"] == "TooManyActiveRuns"


def test_replayed_key_at_the_cap_is_refused_by_the_count_and_its_run_is_untouched(
        functions, oci_local, spec):
    # README, "Idempotency at the cap": the count can't tell a replay from a new request, so
    # at the cap even the replay of an active run is refused before any create.
    function = functions(MAX_ACTIVE_RUNS="2")
    keyed = spec | {"idempotencyKey": "k-1"}
    run_id = ok(function.invoke(keyed))["jobRunId"]
    hold(oci_local, run_id)
    hold(oci_local, ok(function.invoke(spec))["jobRunId"])
    creates_before = oci_local.operations().count("CreateJobRun")
    error(function.invoke(keyed), "TooManyActiveRuns")
    assert oci_local.operations().count("CreateJobRun") == creates_before
    assert len(oci_local.job_runs()) == 2
    assert {run["id"]: run["lifecycleState"] for run in oci_local.job_runs()}[run_id] == \
        "IN_PROGRESS"


def test_runs_that_need_attention_count_as_active(functions, oci_local, spec):
    function = functions(MAX_ACTIVE_RUNS="1")
    run_id = ok(function.invoke(spec))["jobRunId"]
    oci_local.emulator.set_run_outcome(run_id, "NEEDS_ATTENTION")
    error(function.invoke(spec), "TooManyActiveRuns")


def test_cap_costs_one_list_page_per_active_state_before_and_after_and_none_when_off(
        functions, fn, oci_local, spec):
    capped = functions(MAX_ACTIVE_RUNS="5")
    ok(capped.invoke(spec))
    lists = [r for r in oci_local.emulator.requests() if r["operation"] == "ListJobRuns"]
    assert {r["query"]["jobId"] for r in lists} == {JOB_OCID}
    operations = [op for op in oci_local.operations() if op != "GetJob"]
    create = operations.index("CreateJobRun")
    # The count may run while the spec is read (when the container knows the compartment).
    assert sorted(operations[:create]) == ["GetObject"] + ["ListJobRuns"] * 3
    assert operations[create:] == ["CreateJobRun"] + ["ListJobRuns"] * 3
    states = [r["query"]["lifecycleState"] for r in lists]  # each count's three at once
    assert sorted(states[:3]) == sorted(states[3:]) == \
        ["ACCEPTED", "IN_PROGRESS", "NEEDS_ATTENTION"]
    oci_local.emulator.reset()
    ok(fn.invoke(spec))
    assert "ListJobRuns" not in oci_local.operations()


def test_count_pages_through_every_active_run(functions, oci_local, spec, emulator, rp_env):
    signer = resource_principal_signer(rp_env)
    client = oci.data_science.DataScienceClient({}, signer=signer, service_endpoint=emulator.url)
    details = oci.data_science.models.CreateJobRunDetails(
        project_id=JOB_PROJECT, compartment_id=JOB_COMPARTMENT, job_id=JOB_OCID)
    for _ in range(120):
        hold(oci_local, client.create_job_run(details).data.id)
    function = functions(MAX_ACTIVE_RUNS="120")
    error(function.invoke(spec), "TooManyActiveRuns")
    lists = [r for r in emulator.requests() if r["operation"] == "ListJobRuns"]
    # The three states at once (ACCEPTED and NEEDS_ATTENTION: none), then IN_PROGRESS's
    # second page: 100 + 20 via opc-next-page.
    assert sorted((r["query"]["lifecycleState"], "page" in r["query"]) for r in lists) == [
        ("ACCEPTED", False), ("IN_PROGRESS", False), ("IN_PROGRESS", True),
        ("NEEDS_ATTENTION", False)]
    assert len(oci_local.job_runs()) == 120
