"""Fault injection: injected statuses, delays and dropped connections, with SDK retries off."""

from __future__ import annotations

import time
from typing import Any

import oci
import pytest
import requests

from localoci import Emulator, FaultRule
from tests.support.emulator import BUCKET, JOB_ID, NAMESPACE, NO_RETRIES, run_details

DataScienceClient = oci.data_science.DataScienceClient


@pytest.mark.parametrize(
    ("status", "code", "expected_code"),
    [
        (429, None, "TooManyRequests"),
        (500, None, "InternalServerError"),
        (503, None, "ServiceUnavailable"),
        (409, None, "IncorrectState"),
        (409, "Conflict", "Conflict"),
    ],
)
def test_status_faults_answer_json_errors(
    data_science: DataScienceClient,
    emulated: Emulator,
    status: int,
    code: str | None,
    expected_code: str,
) -> None:
    emulated.add_fault("CreateJobRun", status=status, code=code)

    with pytest.raises(oci.exceptions.ServiceError) as caught:
        data_science.create_job_run(run_details())

    assert (caught.value.status, caught.value.code) == (status, expected_code)
    assert caught.value.request_id
    assert emulated.job_runs() == []
    assert data_science.create_job_run(run_details()).status == 200  # times=1 by default


def test_faults_match_their_operation_only(
    data_science: DataScienceClient, object_storage: Any, emulated: Emulator
) -> None:
    emulated.put_object(NAMESPACE, BUCKET, "spec.yaml", b"x")
    emulated.add_fault("GetObject", status=503, times=None)

    assert data_science.get_job(JOB_ID).status == 200
    assert object_storage.head_object(NAMESPACE, BUCKET, "spec.yaml").status == 200
    for _ in range(3):
        with pytest.raises(oci.exceptions.ServiceError):
            object_storage.get_object(NAMESPACE, BUCKET, "spec.yaml")
    emulated.clear_faults()
    assert object_storage.get_object(NAMESPACE, BUCKET, "spec.yaml").status == 200


def test_times_counts_matching_requests(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    emulated.add_fault("*", status=500, times=2)

    statuses = []
    for _ in range(3):
        try:
            statuses.append(data_science.get_job(JOB_ID).status)
        except oci.exceptions.ServiceError as error:
            statuses.append(error.status)

    assert statuses == [500, 500, 200]
    assert emulated.faults() == []


def test_delay_slows_the_answer(data_science: DataScienceClient, emulated: Emulator) -> None:
    emulated.add_fault("GetJob", delay=0.5)

    started = time.monotonic()
    assert data_science.get_job(JOB_ID).status == 200
    assert time.monotonic() - started >= 0.5


def test_delay_beyond_the_client_read_timeout(emulated: Emulator, signer: Any) -> None:
    client = DataScienceClient(
        {}, signer=signer, service_endpoint=emulated.url, timeout=(2, 0.3), **NO_RETRIES
    )
    emulated.add_fault("CreateJobRun", delay=0.8)

    with pytest.raises(oci.exceptions.RequestException) as caught:
        client.create_job_run(run_details())

    assert isinstance(caught.value.args[0], oci._vendor.requests.exceptions.ReadTimeout)
    deadline = time.monotonic() + 5
    while not emulated.job_runs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(emulated.job_runs()) == 1  # the server went on and created the run


def test_reset_drops_a_request_still_in_its_delay(emulated: Emulator, signer: Any) -> None:
    client = DataScienceClient(
        {}, signer=signer, service_endpoint=emulated.url, timeout=(2, 0.3), **NO_RETRIES
    )
    emulated.add_fault("CreateJobRun", delay=0.8)

    with pytest.raises(oci.exceptions.RequestException):
        client.create_job_run(run_details())
    emulated.reset()  # the next test starts while the request still waits

    time.sleep(1.0)
    assert emulated.job_runs() == []
    assert emulated.requests() == []


def test_drop_closes_the_connection_before_processing(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    emulated.add_fault("CreateJobRun", drop=True)

    with pytest.raises(oci.exceptions.RequestException) as caught:
        data_science.create_job_run(run_details())

    assert isinstance(caught.value.args[0], oci._vendor.requests.exceptions.ConnectionError)
    assert "RemoteDisconnected" in str(caught.value.args[0])
    assert emulated.job_runs() == []
    assert emulated.requests()[-1] == {
        "operation": "CreateJobRun",
        "method": "POST",
        "path": "/20190101/jobRuns",
        "query": {},
        "status": None,
        "dropped": True,
        "range": None,
        "responseBytes": None,
    }
    assert data_science.create_job_run(run_details()).status == 200


def test_drop_after_loses_the_response_of_a_created_run(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    emulated.add_fault("CreateJobRun", drop_after=True)

    with pytest.raises(oci.exceptions.RequestException):
        data_science.create_job_run(run_details(), opc_retry_token="lost-response")

    [run] = emulated.job_runs()
    assert run["retryToken"] == "lost-response"
    assert emulated.requests()[-1]["status"] == 200
    assert emulated.requests()[-1]["dropped"] is True
    replay = data_science.create_job_run(run_details(), opc_retry_token="lost-response")
    assert replay.data.id == run["id"]
    assert len(emulated.job_runs()) == 1


def test_faults_apply_after_signature_verification(emulated: Emulator) -> None:
    emulated.add_fault("*", status=500)

    response = requests.get(f"{emulated.url}/20190101/jobs/{JOB_ID}", timeout=5)

    assert response.status_code == 401
    assert len(emulated.faults()) == 1


def test_fault_rules_are_validated() -> None:
    with pytest.raises(ValueError):
        FaultRule("GetEverything", status=500)
    with pytest.raises(ValueError):
        FaultRule("GetJob")
    with pytest.raises(ValueError):
        FaultRule("GetJob", status=500, drop=True)
    with pytest.raises(ValueError):
        FaultRule("GetJob", status=200)
