"""Data Science jobs and job runs through the real SDK."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import oci
import pytest

from localoci import Emulator, Issuer, Progress, RunInfo
from tests.support.emulator import (
    COMPARTMENT,
    JOB,
    JOB_ID,
    NO_RETRIES,
    PROJECT,
    run_details,
    send,
    signed,
)

DataScienceClient = oci.data_science.DataScienceClient
REQUIRED_JOB_RUN_FIELDS = (
    "id",
    "time_accepted",
    "created_by",
    "project_id",
    "compartment_id",
    "job_id",
    "job_configuration_override_details",
    "job_infrastructure_configuration_details",
    "lifecycle_state",
)


def service_error(call: Any, *args: Any, **kwargs: Any) -> oci.exceptions.ServiceError:
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value


def wait_for_state(client: DataScienceClient, run_id: str, state: str, timeout: float = 5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get_job_run(run_id).data
        if run.lifecycle_state == state or time.monotonic() > deadline:
            return run
        time.sleep(0.05)


def test_get_job_fills_the_fields_the_sdk_needs(data_science: DataScienceClient) -> None:
    job = data_science.get_job(JOB_ID).data

    assert (job.id, job.project_id, job.compartment_id) == (JOB_ID, PROJECT, COMPARTMENT)
    assert job.display_name == "notebook-runner"
    assert job.lifecycle_state == "ACTIVE"
    assert job.time_created is not None and job.created_by
    assert job.job_configuration_details.job_type == "DEFAULT"
    infrastructure = job.job_infrastructure_configuration_details
    assert infrastructure.job_infrastructure_type == "ME_STANDALONE"
    assert infrastructure.block_storage_size_in_gbs == 50
    error = service_error(data_science.get_job, "ocid1.datasciencejob.oc1.phx.unknown")
    assert (error.status, error.code) == (404, "NotAuthorizedOrNotFound")


def test_create_job_run_answers_a_full_job_run_and_keeps_the_body(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    response = data_science.create_job_run(run_details(), opc_retry_token="token-1")
    run = response.data

    assert response.status == 200
    assert response.headers["etag"] and response.headers["opc-request-id"]
    assert run.id.startswith("ocid1.datasciencejobrun.oc1.phx.")
    for field in REQUIRED_JOB_RUN_FIELDS:
        assert getattr(run, field) is not None, field
    assert run.lifecycle_state == "ACCEPTED"
    assert run.display_name == "daily-report"
    assert run.created_by == "ocid1.fnfunc.oc1.phx.localfunction"
    assert run.freeform_tags == {"trigger": "direct"}
    assert run.job_configuration_override_details.environment_variables == {
        "NOTEPAD_YAML_URL": "oci://specs@localns/daily.yaml"
    }
    [stored] = emulated.job_runs()
    assert stored["id"] == run.id
    assert stored["retryToken"] == "token-1"
    assert stored["lifecycleState"] == "ACCEPTED"
    assert stored["createBody"] == {
        "projectId": PROJECT,
        "compartmentId": COMPARTMENT,
        "jobId": JOB_ID,
        "displayName": "daily-report",
        "jobConfigurationOverrideDetails": {
            "jobType": "DEFAULT",
            "environmentVariables": {"NOTEPAD_YAML_URL": "oci://specs@localns/daily.yaml"},
        },
        "freeformTags": {"trigger": "direct"},
    }


def test_create_job_run_validates(
    data_science: DataScienceClient, emulated: Emulator, signer: Any
) -> None:
    unknown = service_error(
        data_science.create_job_run, run_details(job_id="ocid1.datasciencejob.oc1.phx.unknown")
    )
    assert (unknown.status, unknown.code) == (404, "NotAuthorizedOrNotFound")
    too_long = service_error(data_science.create_job_run, run_details(display_name="x" * 256))
    assert (too_long.status, too_long.code) == (400, "InvalidParameter")

    url = f"{emulated.url}/20190101/jobRuns"
    missing = send(
        signed(
            signer,
            "POST",
            url,
            b'{"projectId": "p", "jobId": "j"}',
            {"content-type": "application/json"},
        )
    )
    assert missing.status_code == 400
    assert missing.json()["code"] == "MissingParameter"
    garbage = send(signed(signer, "POST", url, b"{not json", {"content-type": "application/json"}))
    assert garbage.json()["code"] == "CannotParseRequest"
    assert emulated.job_runs() == []


def test_lifecycle_progresses_with_time(data_science: DataScienceClient) -> None:
    run_id = data_science.create_job_run(run_details()).data.id

    running = wait_for_state(data_science, run_id, "IN_PROGRESS")
    assert running.lifecycle_state == "IN_PROGRESS"
    assert running.time_started is not None and running.time_finished is None
    done = wait_for_state(data_science, run_id, "SUCCEEDED")
    assert done.lifecycle_state == "SUCCEEDED"
    assert done.time_accepted < done.time_started < done.time_finished


def test_failed_outcome_and_held_runs(issuer: Issuer, signer: Any) -> None:
    with Emulator(
        issuer.public_pem, jobs=[JOB], accepted_seconds=0, run_seconds=0, outcome="FAILED"
    ) as failing:
        client = DataScienceClient({}, signer=signer, service_endpoint=failing.url, **NO_RETRIES)
        failed = client.get_job_run(client.create_job_run(run_details()).data.id).data
        assert failed.lifecycle_state == "FAILED"
        assert failed.lifecycle_details
    with Emulator(issuer.public_pem, jobs=[JOB], accepted_seconds=0, run_seconds=None) as holding:
        client = DataScienceClient({}, signer=signer, service_endpoint=holding.url, **NO_RETRIES)
        run_id = client.create_job_run(run_details()).data.id
        time.sleep(0.1)
        assert client.get_job_run(run_id).data.lifecycle_state == "IN_PROGRESS"


def test_outcome_can_be_forced_per_run(data_science: DataScienceClient, emulated: Emulator) -> None:
    held = data_science.create_job_run(run_details()).data.id
    failed = data_science.create_job_run(run_details()).data.id

    emulated.set_run_outcome(held, "IN_PROGRESS")
    emulated.set_run_outcome(failed, "FAILED", "Out of memory")
    time.sleep(0.7)

    assert data_science.get_job_run(held).data.lifecycle_state == "IN_PROGRESS"
    run = data_science.get_job_run(failed).data
    assert (run.lifecycle_state, run.lifecycle_details) == ("FAILED", "Out of memory")
    assert run.time_finished is not None


def test_cancel(data_science: DataScienceClient, emulated: Emulator) -> None:
    run_id = data_science.create_job_run(run_details()).data.id

    assert data_science.cancel_job_run(run_id).status == 200
    assert data_science.get_job_run(run_id).data.lifecycle_state == "CANCELING"
    canceled = wait_for_state(data_science, run_id, "CANCELED")
    assert canceled.lifecycle_state == "CANCELED"
    assert canceled.time_finished is not None

    again = service_error(data_science.cancel_job_run, run_id)
    assert (again.status, again.code) == (409, "IncorrectState")
    unknown = service_error(data_science.cancel_job_run, "ocid1.datasciencejobrun.oc1.phx.unknown")
    assert (unknown.status, unknown.code) == (404, "NotAuthorizedOrNotFound")


def test_cancel_of_a_finished_run_is_refused(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    run_id = data_science.create_job_run(run_details()).data.id
    emulated.set_run_outcome(run_id, "SUCCEEDED")

    error = service_error(data_science.cancel_job_run, run_id)

    assert (error.status, error.code) == (409, "IncorrectState")
    assert "SUCCEEDED" in error.message


def test_delete(data_science: DataScienceClient) -> None:
    run_id = data_science.create_job_run(run_details()).data.id

    assert data_science.delete_job_run(run_id).status == 204
    assert data_science.get_job_run(run_id).data.lifecycle_state == "DELETED"


def test_list_job_runs_filters_and_pages(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    emulated.add_job({**JOB, "id": "ocid1.datasciencejob.oc1.phx.other"})
    ids = [
        data_science.create_job_run(run_details(display_name=f"run-{i}")).data.id for i in range(5)
    ]
    data_science.create_job_run(run_details(job_id="ocid1.datasciencejob.oc1.phx.other"))
    emulated.set_run_outcome(ids[0], "FAILED")

    first = data_science.list_job_runs(compartment_id=COMPARTMENT, job_id=JOB_ID, limit=2)
    assert len(first.data) == 2
    assert first.next_page
    everything = oci.pagination.list_call_get_all_results(
        data_science.list_job_runs,
        compartment_id=COMPARTMENT,
        job_id=JOB_ID,
        limit=2,
        sort_by="displayName",
        sort_order="ASC",
    ).data
    assert [run.display_name for run in everything] == [f"run-{i}" for i in range(5)]
    assert [run.id for run in everything] == ids
    newest_first = data_science.list_job_runs(compartment_id=COMPARTMENT, job_id=JOB_ID).data
    assert [run.id for run in newest_first] == ids[::-1]
    failed = data_science.list_job_runs(
        compartment_id=COMPARTMENT, job_id=JOB_ID, lifecycle_state="FAILED"
    ).data
    assert [run.id for run in failed] == [ids[0]]
    assert data_science.list_job_runs(compartment_id=COMPARTMENT, id=ids[2]).data[0].id == ids[2]
    assert data_science.list_job_runs(compartment_id="ocid1.compartment.oc1..other").data == []


def test_list_job_runs_requires_a_compartment(emulated: Emulator, signer: Any) -> None:
    response = send(signed(signer, "GET", f"{emulated.url}/20190101/jobRuns?jobId={JOB_ID}"))

    assert response.status_code == 400
    assert response.json()["code"] == "MissingParameter"


def test_retry_token_replay_returns_the_same_run(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    first = data_science.create_job_run(run_details(), opc_retry_token="key-1")
    replay = data_science.create_job_run(run_details(), opc_retry_token="key-1")

    assert replay.status == 200
    assert replay.data.id == first.data.id
    assert len(emulated.job_runs()) == 1


def test_retry_token_with_another_body_conflicts(
    data_science: DataScienceClient, emulated: Emulator
) -> None:
    data_science.create_job_run(run_details(), opc_retry_token="key-1")

    error = service_error(
        data_science.create_job_run, run_details(display_name="other"), opc_retry_token="key-1"
    )

    assert (error.status, error.code) == (409, "Conflict")
    assert len(emulated.job_runs()) == 1


def test_retry_token_with_another_body_can_return_the_first_run(
    issuer: Issuer, signer: Any
) -> None:
    with Emulator(issuer.public_pem, jobs=[JOB], retry_token_mismatch="return_first") as emulated:
        client = DataScienceClient({}, signer=signer, service_endpoint=emulated.url, **NO_RETRIES)
        first = client.create_job_run(run_details(), opc_retry_token="key-1").data
        other = client.create_job_run(
            run_details(display_name="other"), opc_retry_token="key-1"
        ).data

        assert other.id == first.id
        assert other.display_name == "daily-report"
        assert len(emulated.job_runs()) == 1


def test_retry_token_of_a_deleted_run_is_invalidated(data_science: DataScienceClient) -> None:
    run_id = data_science.create_job_run(run_details(), opc_retry_token="key-1").data.id
    data_science.delete_job_run(run_id)

    error = service_error(data_science.create_job_run, run_details(), opc_retry_token="key-1")

    assert (error.status, error.code) == (409, "InvalidatedRetryToken")


def test_the_sdk_adds_a_retry_token_only_when_it_may_retry(
    data_science: DataScienceClient, emulated: Emulator, signer: Any
) -> None:
    retrying = DataScienceClient({}, signer=signer, service_endpoint=emulated.url)
    retrying.create_job_run(run_details())
    retrying.create_job_run(run_details())
    data_science.create_job_run(run_details())

    tokens = [run["retryToken"] for run in emulated.job_runs()]
    assert tokens[0] and tokens[1] and tokens[0] != tokens[1]
    assert tokens[2] is None


class RecordingExecutor:
    """Runs finish as soon as they start; records what the emulator hands over."""

    def __init__(self) -> None:
        self.started: dict[str, Mapping[str, str]] = {}
        self.canceled: list[str] = []

    def start(self, run: RunInfo, env: Mapping[str, str]) -> None:
        self.started[run.id] = env

    def poll(self, run: RunInfo) -> Progress:
        return Progress("IN_PROGRESS", time_started=run.time_accepted)

    def cancel(self, run: RunInfo) -> None:
        self.canceled.append(run.id)


def test_a_custom_executor_drives_the_runs(issuer: Issuer, signer: Any) -> None:
    executor = RecordingExecutor()
    with Emulator(issuer.public_pem, jobs=[JOB], executor=executor) as emulated:
        client = DataScienceClient({}, signer=signer, service_endpoint=emulated.url, **NO_RETRIES)
        run_id = client.create_job_run(run_details()).data.id

        assert client.get_job_run(run_id).data.lifecycle_state == "IN_PROGRESS"
        client.cancel_job_run(run_id)

    assert executor.started[run_id]["NOTEPAD_YAML_URL"] == "oci://specs@localns/daily.yaml"
    assert executor.started[run_id]["JOB_RUN_OCID"] == run_id
    assert executor.started[run_id]["JOB_OCID"] == JOB_ID
    assert executor.canceled == [run_id]


def test_list_job_runs_pages_stay_stable_when_runs_are_created_between_pages(
    data_science: DataScienceClient,
) -> None:
    ids = [data_science.create_job_run(run_details()).data.id for _ in range(5)]

    first = data_science.list_job_runs(compartment_id=COMPARTMENT, job_id=JOB_ID, limit=2)
    newer = data_science.create_job_run(run_details()).data.id
    second = data_science.list_job_runs(
        compartment_id=COMPARTMENT, job_id=JOB_ID, limit=2, page=first.next_page
    )
    third = data_science.list_job_runs(
        compartment_id=COMPARTMENT, job_id=JOB_ID, limit=2, page=second.next_page
    )

    seen = [run.id for page in (first, second, third) for run in page.data]
    assert seen == ids[::-1]  # newest first, none repeated, the newer run not slipped in
    assert third.next_page is None
    fresh = data_science.list_job_runs(compartment_id=COMPARTMENT, job_id=JOB_ID, limit=1)
    assert fresh.data[0].id == newer


def test_list_job_runs_sort_orders_and_the_last_page(data_science: DataScienceClient) -> None:
    for name in ("b", "A", "a"):
        data_science.create_job_run(run_details(display_name=name))

    def names(**kwargs: Any) -> list[str]:
        return [
            run.display_name
            for run in oci.pagination.list_call_get_all_results(
                data_science.list_job_runs, compartment_id=COMPARTMENT, limit=1, **kwargs
            ).data
        ]

    assert names(sort_by="displayName") == ["A", "a", "b"]  # case-sensitive, ASC by default
    assert names(sort_by="displayName", sort_order="DESC") == ["b", "a", "A"]
    assert names(sort_by="timeCreated", sort_order="ASC") == ["b", "A", "a"]
    assert names() == ["a", "A", "b"]
    exact = data_science.list_job_runs(compartment_id=COMPARTMENT, limit=3)
    assert len(exact.data) == 3 and exact.next_page is None


@pytest.mark.parametrize(
    "query",
    [
        "lifecycleState=RUNNING",
        "sortBy=timeAccepted",
        "sortOrder=down",
        "limit=0",
        "limit=101",
        "page=not-a-token",
        "page=" + "A" * 2000,
    ],
)
def test_list_job_runs_refuses_bad_parameters(emulated: Emulator, signer: Any, query: str) -> None:
    url = f"{emulated.url}/20190101/jobRuns?compartmentId={COMPARTMENT}&{query}"
    response = send(signed(signer, "GET", url))

    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameter"


def test_list_job_runs_page_token_belongs_to_its_sort(data_science: DataScienceClient) -> None:
    for _ in range(3):
        data_science.create_job_run(run_details())
    first = data_science.list_job_runs(compartment_id=COMPARTMENT, limit=1)

    error = service_error(
        data_science.list_job_runs,
        compartment_id=COMPARTMENT,
        limit=1,
        sort_by="displayName",
        page=first.next_page,
    )
    assert (error.status, error.code) == (400, "InvalidParameter")
