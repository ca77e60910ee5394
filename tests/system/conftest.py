"""The images as they are deployed, run by this machine's container engine against the
local emulator (OCI over ``--network host``).

- ``engine``: podman or Docker (:func:`localoci.containers.find_engine`); every test here
  skips, with the reason, only where no container engine can run;
- ``images``: both images, built by ``tools/images.py`` or reused when built from the same
  inputs (``make test`` builds them before the suite, so this is a check);
- ``fn_image``: the function image as OCI Functions starts it
  (:class:`~localoci.containers.FunctionContainer`) against the session emulator;
- ``image_job_oci``: an emulator whose job runs are containers of the job image
  (:class:`~localoci.containers.ContainerExecutor`), reset, with the spec and output buckets
  and the demo notebook uploaded; ``image_job_fn``: the function image pointed at it.
"""

from __future__ import annotations

import pytest

from localoci import write_resource_principal
from localoci.containers import ContainerExecutor, Engine, FunctionContainer, NoEngine, find_engine
from tests.conftest import JOB_OCID
from tests.job.conftest import JobOci, emulator_running_jobs, fresh_job_oci
from tools.images import build_all

# http endpoints (the emulator) are accepted only in this explicit local mode.
LOCAL_MODE = {"OCI_LOCAL_EMULATOR": "1"}


@pytest.fixture(scope="session")
def engine() -> Engine:
    try:
        return find_engine()
    except NoEngine as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def images(engine: Engine) -> dict[str, str]:
    """``{"function": "jobrun-launcher:<version>", "job": "notebook-runner:<version>"}``."""
    return {kind: built.name for kind, built in build_all(engine, say=print).items()}


def secrets_of(rp_env: dict[str, str]) -> list[str]:
    """What must never appear in an output: the RPST, and each line of the private key."""
    from pathlib import Path

    texts = [Path(rp_env["OCI_RESOURCE_PRINCIPAL_RPST"]).read_text().strip()]
    pem = Path(rp_env["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"]).read_text()
    texts += [line for line in pem.splitlines() if line and not line.startswith("-----")]
    # a part of the token is as bad as the whole: its signature is the last segment
    texts.append(texts[0].rsplit(".", 1)[-1])
    return texts


@pytest.fixture(scope="session")
def fn_images(engine, images, emulator, rp_env):
    """``fn_images(**config)`` → a running function container, one per configuration."""
    started: dict[tuple, FunctionContainer] = {}

    def get(**config: str) -> FunctionContainer:
        env = {"JOB_OCID": JOB_OCID, "OCI_DATA_SCIENCE_ENDPOINT": emulator.url,
               "OCI_OBJECT_STORAGE_ENDPOINT": emulator.url, **LOCAL_MODE, **rp_env, **config}
        key = tuple(sorted(env.items()))
        if key not in started:
            started[key] = FunctionContainer(engine, images["function"], env).start()
        return started[key]

    yield get
    for container in started.values():
        container.stop()


@pytest.fixture
def fn_image(fn_images, oci_local) -> FunctionContainer:
    return fn_images()


@pytest.fixture(scope="session")
def image_job_rp_env(issuer, tmp_path_factory) -> dict[str, str]:
    return write_resource_principal(tmp_path_factory.mktemp("image-jobrun-rp"), issuer)


@pytest.fixture(scope="session")
def image_job_executor(engine, images, image_job_rp_env, tmp_path_factory):
    with ContainerExecutor(engine, images["job"], image_job_rp_env,
                           work_dir=tmp_path_factory.mktemp("image-runs"),
                           accepted_seconds=0.1) as executor:
        yield executor


@pytest.fixture(scope="session")
def image_job_emulator(issuer, image_job_executor):
    with emulator_running_jobs(issuer, image_job_executor) as running:
        yield running


@pytest.fixture
def image_job_oci(image_job_emulator, image_job_executor, image_job_rp_env,
                  monkeypatch) -> JobOci:
    return fresh_job_oci(image_job_emulator, image_job_executor, image_job_rp_env, monkeypatch)


@pytest.fixture
def image_job_fn(fn_images, image_job_emulator) -> FunctionContainer:
    return fn_images(OCI_DATA_SCIENCE_ENDPOINT=image_job_emulator.url,
                     OCI_OBJECT_STORAGE_ENDPOINT=image_job_emulator.url)
