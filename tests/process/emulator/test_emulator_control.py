"""The unsigned control API under /_localoci/."""

from __future__ import annotations

import oci
import pytest
import requests

from localoci import Emulator
from tests.support.emulator import BUCKET, JOB, NAMESPACE, run_details

DataScienceClient = oci.data_science.DataScienceClient


def control(emulated: Emulator, method: str, path: str, **kwargs: object) -> requests.Response:
    return requests.request(method, f"{emulated.url}/_localoci/{path}", timeout=5, **kwargs)


def test_state_shows_runs_requests_and_401s(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    run_id = data_science.create_job_run(run_details(), opc_retry_token="key-1").data.id
    requests.get(f"{emulated.url}/n", timeout=5)

    state = control(emulated, "GET", "state").json()

    [run] = state["jobRuns"]
    assert run["id"] == run_id
    assert run["retryToken"] == "key-1"
    assert run["createBody"]["displayName"] == "daily-report"
    assert run["lifecycleState"] in ("ACCEPTED", "IN_PROGRESS", "SUCCEEDED")
    assert state["requests"] == [
        {
            "operation": "CreateJobRun",
            "method": "POST",
            "path": "/20190101/jobRuns",
            "query": {},
            "status": 200,
            "dropped": False,
            "range": None,
            "responseBytes": state["requests"][0]["responseBytes"],
        },
        {
            "operation": "GetNamespace",
            "method": "GET",
            "path": "/n",
            "query": {},
            "status": 401,
            "dropped": False,
            "range": None,
            "responseBytes": state["requests"][1]["responseBytes"],
        },
    ]
    assert state["requests"][0]["responseBytes"] > 100
    assert state["unauthorizedCount"] == 1
    assert state["namespace"] == NAMESPACE
    assert [job["id"] for job in state["jobs"]] == [JOB["id"]]
    assert "daily-report" not in str(state["requests"])


def test_faults_through_the_control_api(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    added = control(
        emulated,
        "POST",
        "faults",
        json=[
            {"operation": "CreateJobRun", "dropAfter": True},
            {"operation": "GetJobRun", "status": 429, "times": None},
        ],
    ).json()
    assert [rule["operation"] for rule in added] == ["CreateJobRun", "GetJobRun"]
    assert added[1]["code"] == "TooManyRequests"
    invalid = control(emulated, "POST", "faults", json={"operation": "Nope", "status": 500})
    assert invalid.status_code == 400

    with pytest.raises(oci.exceptions.RequestException):
        data_science.create_job_run(run_details())
    [run] = emulated.job_runs()
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        data_science.get_job_run(run["id"])
    assert caught.value.status == 429

    assert control(emulated, "DELETE", "faults").status_code == 204
    assert emulated.faults() == []
    assert data_science.get_job_run(run["id"]).status == 200


def test_jobs_buckets_objects_and_outcomes(
    data_science: DataScienceClient,
    object_storage: oci.object_storage.ObjectStorageClient,
    emulated: Emulator,
) -> None:
    other = {**JOB, "id": "ocid1.datasciencejob.oc1.phx.added"}
    [job] = control(emulated, "POST", "jobs", json=other).json()
    assert job["lifecycleState"] == "ACTIVE"
    assert data_science.get_job(other["id"]).data.id == other["id"]

    assert control(emulated, "POST", "buckets", json={"name": "more"}).json()["name"] == "more"
    etag = control(
        emulated,
        "PUT",
        "objects/more/dir%2Fa%20b.yaml",
        data=b"x: 1\n",
        headers={"content-type": "application/yaml"},
    ).json()["etag"]
    got = object_storage.get_object(NAMESPACE, "more", "dir/a b.yaml")
    assert (got.data.content, got.headers["etag"]) == (b"x: 1\n", etag)
    assert got.headers["content-type"] == "application/yaml"

    run_id = data_science.create_job_run(run_details(job_id=other["id"])).data.id
    forced = control(
        emulated,
        "POST",
        f"jobruns/{run_id}/outcome",
        json={"lifecycleState": "FAILED", "lifecycleDetails": "boom"},
    ).json()
    assert (forced["lifecycleState"], forced["lifecycleDetails"]) == ("FAILED", "boom")
    assert data_science.get_job_run(run_id).data.lifecycle_state == "FAILED"
    missing = control(
        emulated,
        "POST",
        "jobruns/ocid1.datasciencejobrun.oc1.phx.x/outcome",
        json={"lifecycleState": "FAILED"},
    )
    assert missing.status_code == 404


def test_reset_keeps_jobs_and_objects(data_science: DataScienceClient, emulated: Emulator) -> None:
    emulated.put_object(NAMESPACE, BUCKET, "spec.yaml", b"x")
    data_science.create_job_run(run_details())
    emulated.add_fault("GetJob", status=500)
    requests.get(f"{emulated.url}/n", timeout=5)

    assert control(emulated, "POST", "reset").status_code == 204

    state = control(emulated, "GET", "state").json()
    assert (state["jobRuns"], state["requests"], state["faults"]) == ([], [], [])
    assert state["unauthorizedCount"] == 0
    assert [job["id"] for job in state["jobs"]] == [JOB["id"]]
    assert state["buckets"][0]["objects"][0]["name"] == "spec.yaml"


def test_unknown_control_routes(emulated: Emulator) -> None:
    response = control(emulated, "GET", "nothing")

    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"
