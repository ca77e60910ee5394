"""What MAX_ACTIVE_RUNS relies on from Data Science, as the emulator answers it via the SDK.

The cap lists a job's runs per active state, cancels a run while it is still
ACCEPTED, and replays a retry token whose run it canceled.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import oci
import pytest

from localoci import Emulator, Issuer, Progress, RunInfo
from tests.support.emulator import COMPARTMENT, JOB, JOB_ID, NO_RETRIES, run_details

OTHER_JOB = "ocid1.datasciencejob.oc1.phx.aaaaother"


class RecordingExecutor:
    """ACCEPTED for ``provisioning`` seconds, then IN_PROGRESS; records starts of work."""

    def __init__(self, provisioning: float) -> None:
        self.provisioning = provisioning
        self.accepted: dict[str, float] = {}
        self.canceled: list[str] = []

    def start(self, run: RunInfo, env: Any) -> None:
        self.accepted[run.id] = time.monotonic()

    def poll(self, run: RunInfo) -> Progress:
        if time.monotonic() - self.accepted[run.id] < self.provisioning:
            return Progress("ACCEPTED")
        return Progress("IN_PROGRESS", time_started=run.time_accepted)

    def cancel(self, run: RunInfo) -> None:
        self.canceled.append(run.id)


@pytest.fixture
def executor() -> RecordingExecutor:
    return RecordingExecutor(provisioning=0.6)


@pytest.fixture
def recording_emulator(issuer: Issuer, executor: RecordingExecutor) -> Iterator[Emulator]:
    jobs = [JOB, {**JOB, "id": OTHER_JOB}]
    with Emulator(issuer.public_pem, jobs=jobs, executor=executor, cancel_seconds=0.2) as running:
        yield running


@pytest.fixture
def client(recording_emulator: Emulator, signer: Any) -> oci.data_science.DataScienceClient:
    return oci.data_science.DataScienceClient(
        {}, signer=signer, service_endpoint=recording_emulator.url, **NO_RETRIES)


def active_ids(client: oci.data_science.DataScienceClient, state: str) -> list[str]:
    return [run.id for run in client.list_job_runs(COMPARTMENT, job_id=JOB_ID,
                                                   lifecycle_state=state).data]


def test_listing_by_job_and_state_shows_a_new_run_at_once_and_follows_its_state(client):
    mine = client.create_job_run(run_details()).data.id
    client.create_job_run(run_details(job_id=OTHER_JOB))
    assert active_ids(client, "ACCEPTED") == [mine]
    assert active_ids(client, "IN_PROGRESS") == []
    time.sleep(0.7)  # provisioning is over
    assert active_ids(client, "ACCEPTED") == []
    assert active_ids(client, "IN_PROGRESS") == [mine]


def test_an_accepted_run_canceled_never_starts(client, executor):
    run_id = client.create_job_run(run_details()).data.id
    client.cancel_job_run(run_id)
    assert client.get_job_run(run_id).data.lifecycle_state == "CANCELING"
    assert active_ids(client, "ACCEPTED") == []
    time.sleep(0.7)  # past provisioning and the cancel's delay
    run = client.get_job_run(run_id).data
    assert (run.lifecycle_state, run.time_started) == ("CANCELED", None)
    assert run.time_finished is not None
    assert executor.canceled == [run_id]


def test_a_retry_token_replayed_after_a_cancel_returns_the_canceled_run(client,
                                                                      recording_emulator):
    first = client.create_job_run(run_details(), opc_retry_token="cap-1").data
    client.cancel_job_run(first.id)
    replay = client.create_job_run(run_details(), opc_retry_token="cap-1").data
    assert replay.id == first.id
    assert replay.lifecycle_state in ("CANCELING", "CANCELED")
    assert replay.time_started is None
    assert len(recording_emulator.job_runs()) == 1


def test_a_second_cancel_of_a_canceling_run_is_an_incorrect_state_conflict(client):
    run_id = client.create_job_run(run_details()).data.id
    client.cancel_job_run(run_id)
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        client.cancel_job_run(run_id)
    assert (caught.value.status, caught.value.code) == (409, "IncorrectState")
