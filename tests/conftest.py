"""Fixtures that run the function the way OCI does, against the local emulator.

- ``emulator``: local Object Storage + Data Science (one per session), verifying
  every request's signature against a test identity issuer;
- ``rp_env``: the resource-principal environment (RPST + private key files) that
  the real ``oci`` signer reads inside the function process;
- ``functions(**config)``: fdk processes started from ``func.yaml``'s entrypoint,
  one per distinct configuration, kept for the session;
- ``oci_local``: a clean emulator per test with the spec bucket ready.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from localoci import Emulator, Issuer, write_resource_principal
from localoci.fdkrunner import FunctionProcess
from localoci.wire import ApiError

NAMESPACE = "localns"
BUCKET = "specs"
JOB_OCID = "ocid1.datasciencejob.oc1.phx.amaaaaaalocaljob"
JOB_PROJECT = "ocid1.datascienceproject.oc1.phx.amaaaaaalocalproject"
JOB_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaalocalcompartment"
OTHER_JOB_OCID = "ocid1.datasciencejob.oc1.phx.amaaaaaaotherjob"
JOBS = [
    {"id": JOB_OCID, "projectId": JOB_PROJECT, "compartmentId": JOB_COMPARTMENT,
     "displayName": "notebook-runner"},
    {"id": OTHER_JOB_OCID, "projectId": JOB_PROJECT, "compartmentId": JOB_COMPARTMENT,
     "displayName": "someone-elses-job"},
]


def resource_principal_signer(rp_env: dict[str, str]):
    """A real RP v2.2 signer built from ``rp_env`` (for tests acting as another caller)."""
    import oci

    saved = {key: os.environ.get(key) for key in rp_env}
    os.environ.update(rp_env)
    try:
        return oci.auth.signers.get_resource_principals_signer()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def issuer() -> Issuer:
    return Issuer.generate()


@pytest.fixture(scope="session")
def rp_env(issuer, tmp_path_factory) -> dict[str, str]:
    return write_resource_principal(tmp_path_factory.mktemp("rp"), issuer)


@pytest.fixture(scope="session")
def emulator(issuer):
    with Emulator(issuer.public_pem, namespace=NAMESPACE, jobs=JOBS) as running:
        yield running


class LocalOci:
    """The emulator, reset for one test, with helpers for specs and runs."""

    def __init__(self, emulator: Emulator):
        self.emulator = emulator

    def put_spec(self, name: str, data: bytes, bucket: str = BUCKET) -> str:
        return self.emulator.put_object(NAMESPACE, bucket, name, data)

    def location(self, name: str, bucket: str = BUCKET) -> str:
        return f"oci://{bucket}@{NAMESPACE}/{name}"

    def job_runs(self) -> list[dict]:
        return self.emulator.job_runs()

    def create_bodies(self) -> list[dict]:
        return [run["createBody"] for run in self.emulator.job_runs()]

    def operations(self) -> list[str]:
        return [entry["operation"] for entry in self.emulator.requests()]


@pytest.fixture
def oci_local(emulator) -> LocalOci:
    emulator.reset()
    for bucket in (BUCKET, "other-specs"):
        try:
            emulator.create_bucket(NAMESPACE, bucket)
        except ApiError as exc:  # already there from an earlier test (reset keeps buckets)
            if exc.code != "BucketAlreadyExists":
                raise
    return LocalOci(emulator)


@pytest.fixture(scope="session")
def functions(emulator, rp_env):
    """``functions(**config)`` → a running FunctionProcess with that function config."""
    started: dict[tuple, FunctionProcess] = {}

    def get(**config: str) -> FunctionProcess:
        env = {"JOB_OCID": JOB_OCID, "OCI_DATA_SCIENCE_ENDPOINT": emulator.url,
               "OCI_OBJECT_STORAGE_ENDPOINT": emulator.url,
               "OCI_LOGGING_ENDPOINT": emulator.url, "OCI_LOGGING_SEARCH_ENDPOINT": emulator.url,
               **rp_env}
        env.update(config)
        env = {k: v for k, v in env.items() if v is not None}
        key = tuple(sorted(env.items()))
        if key not in started:
            started[key] = FunctionProcess(env).start()
        return started[key]

    yield get
    for process in started.values():
        process.stop()


@pytest.fixture
def fn(functions, oci_local) -> FunctionProcess:
    """The function with the default configuration, against a clean emulator."""
    return functions()


MakeRuns = Callable[..., list[str]]


@pytest.fixture
def make_runs(emulator, rp_env, oci_local) -> MakeRuns:
    """``make_runs(n, job_id=…, compartment_id=…)`` → the new runs' OCIDs, oldest first
    (for the list tests, in the fdk-process suite and its copy run from the payload).

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
