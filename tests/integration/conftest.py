"""Fixtures for the fdk-process tests: job runs made straight in the emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import JOB_COMPARTMENT, JOB_OCID, JOB_PROJECT, resource_principal_signer

MakeRuns = Callable[..., list[str]]


@pytest.fixture
def make_runs(emulator, rp_env, oci_local) -> MakeRuns:
    """``make_runs(n, job_id=…, compartment_id=…)`` → the new runs' OCIDs, oldest first.

    Runs are created with the SDK as another caller would, not through the function,
    so that list tests see runs of other jobs and other compartments too.
    """
    import oci

    client = oci.data_science.DataScienceClient(
        {}, signer=resource_principal_signer(rp_env), service_endpoint=emulator.url)

    def make(count: int, *, job_id: str = JOB_OCID,
             compartment_id: str = JOB_COMPARTMENT) -> list[str]:
        details = oci.data_science.models.CreateJobRunDetails(
            project_id=JOB_PROJECT, compartment_id=compartment_id, job_id=job_id)
        return [client.create_job_run(details).data.id for _ in range(count)]

    return make
