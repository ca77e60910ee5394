"""Fixtures for the job side: an emulator whose job runs really execute ``python -m job.runner``.

- ``job_rp_env``: the job runs' resource principal (RPST + key files), from the session issuer;
- ``job_executor`` / ``job_emulator``: a second emulator (the session ``emulator`` uses the
  timed executor) whose runs are local processes of the job container's entrypoint;
- ``job_oci``: that emulator, reset, with the spec and output buckets, the demo notebook
  uploaded, and helpers to upload specs, wait for runs and read outputs;
- ``job_fn``: the function (fdk process from ``func.yaml``) pointed at that emulator;
- ``runner_env``: the environment of an in-process ``job.runner.run()`` against it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import oci
import pytest

from localoci import Emulator, write_resource_principal
from localoci.jobprocess import ProcessExecutor, local_job_configuration
from tests.conftest import BUCKET, JOBS, NAMESPACE
from tests.support.paths import ROOT

NOTEBOOK = ROOT / "examples/notebooks/hello.ipynb"
NOTEBOOK_OBJECT = "notebooks/hello.ipynb"
OUTPUT_BUCKET = "notebook-output"
TERMINAL = {"SUCCEEDED", "FAILED", "CANCELED", "DELETED"}
RUN_OCID = "ocid1.datasciencejobrun.oc1.phx.amaaaaaalocalrun"


@pytest.fixture(scope="session")
def job_rp_env(issuer, tmp_path_factory) -> dict[str, str]:
    return write_resource_principal(tmp_path_factory.mktemp("jobrun-rp"), issuer)


@pytest.fixture(scope="session")
def job_executor(job_rp_env, tmp_path_factory):
    with ProcessExecutor(job_rp_env, work_dir=tmp_path_factory.mktemp("runs"),
                         accepted_seconds=0.1) as executor:
        yield executor


@contextmanager
def emulator_running_jobs(issuer, executor) -> Iterator[Emulator]:
    """An emulator whose runs ``executor`` executes, with the spec and output buckets."""
    with Emulator(issuer.public_pem, namespace=NAMESPACE, jobs=JOBS,
                  executor=executor) as running:
        # The job's own configuration points the container at the emulator (plain http in
        # the explicit local mode), as in production; runs can't override either name.
        running.add_job({**JOBS[0], "jobConfigurationDetails": local_job_configuration(
            running.url)})
        for bucket in (BUCKET, OUTPUT_BUCKET):
            running.create_bucket(NAMESPACE, bucket)
        yield running


@pytest.fixture(scope="session")
def job_emulator(issuer, job_executor):
    with emulator_running_jobs(issuer, job_executor) as running:
        yield running


class JobOci:
    """The job emulator for one test: upload specs, wait for runs, read outputs."""

    def __init__(self, emulator: Emulator, executor: ProcessExecutor, client):
        self.emulator = emulator
        self.executor = executor
        self.client = client

    def put(self, name: str, data: bytes, bucket: str = BUCKET) -> str:
        return self.emulator.put_object(NAMESPACE, bucket, name, data)

    def location(self, name: str, bucket: str = BUCKET) -> str:
        return f"oci://{bucket}@{NAMESPACE}/{name}"

    def run(self, run_id: str) -> dict:
        return next(run for run in self.emulator.job_runs() if run["id"] == run_id)

    def wait(self, run_id: str, timeout: float = 45.0) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            run = self.run(run_id)
            if run["lifecycleState"] in TERMINAL:
                return run
            time.sleep(0.1)
        raise AssertionError(f"run still {self.run(run_id)['lifecycleState']} after {timeout} s:"
                             f"\n{self.executor.log(run_id)}")

    def wait_state(self, run_id: str, state: str, timeout: float = 20.0) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            run = self.run(run_id)
            if run["lifecycleState"] == state:
                return run
            time.sleep(0.05)
        raise AssertionError(f"run never reached {state}")

    def wait_output(self, run_id: str, text: str, timeout: float = 20.0) -> None:
        """Wait until the run's process printed ``text`` on stdout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.executor.log(run_id).stdout:
                return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared: {self.executor.log(run_id)}")

    def objects(self, bucket: str = OUTPUT_BUCKET) -> list[str]:
        for entry in self.emulator.state()["buckets"]:
            if entry["name"] == bucket:
                return [item["name"] for item in entry["objects"]]
        return []

    def read(self, name: str, bucket: str = OUTPUT_BUCKET) -> tuple[bytes, str]:
        """An object's bytes and content type, read with a signed GetObject."""
        response = self.client.get_object(NAMESPACE, bucket, name)
        return response.data.content, response.headers.get("content-type")


def fresh_job_oci(emulator, executor, rp_env: dict[str, str], monkeypatch) -> JobOci:
    """``emulator`` reset to empty buckets holding the demo notebook, with a client signed
    by the runs' resource principal (``rp_env``, set for the test)."""
    emulator.reset()
    for name, value in rp_env.items():
        monkeypatch.setenv(name, value)
    signer = oci.auth.signers.get_resource_principals_signer()
    client = oci.object_storage.ObjectStorageClient(
        {}, signer=signer, service_endpoint=emulator.url,
        retry_strategy=oci.retry.NoneRetryStrategy())
    oci_local = JobOci(emulator, executor, client)
    for bucket in (BUCKET, OUTPUT_BUCKET):
        for name in oci_local.objects(bucket):
            client.delete_object(NAMESPACE, bucket, name)
    emulator.put_object(NAMESPACE, BUCKET, NOTEBOOK_OBJECT, NOTEBOOK.read_bytes())
    return oci_local


@pytest.fixture
def job_oci(job_emulator, job_executor, job_rp_env, monkeypatch) -> JobOci:
    return fresh_job_oci(job_emulator, job_executor, job_rp_env, monkeypatch)


@pytest.fixture
def job_fn(functions, job_emulator):
    """The function with its default configuration, against the job emulator."""
    return functions(OCI_DATA_SCIENCE_ENDPOINT=job_emulator.url,
                     OCI_OBJECT_STORAGE_ENDPOINT=job_emulator.url)


@pytest.fixture
def runner_env(job_oci, job_emulator) -> dict[str, str]:
    """What Data Science and the function would set, for ``job.runner.run(env)`` in-process
    (the resource principal variables are in ``os.environ`` through ``job_oci``)."""
    return {"JOB_RUN_OCID": RUN_OCID, "OCI_OBJECT_STORAGE_ENDPOINT": job_emulator.url,
            "OCI_LOCAL_EMULATOR": "1"}
