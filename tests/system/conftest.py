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

The function image without a container engine: its ``/python`` tree built by the Dockerfile's own
script (once per test run), its ``/function`` tree from the Dockerfile's COPY lines, and
fdk processes that see nothing else.

``payload_functions(**config)`` is ``functions`` (tests/conftest.py) for that image: the fdk
runs as ``python -S /python/bin/fdk …`` with ``PYTHONPATH=/function:/python`` as the image
sets it. ``-S`` keeps the interpreter's own site-packages (this machine's venv or base
install) off the path, so a module missing from the payload fails here as it would there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from localoci import write_resource_principal
from localoci.containers import ContainerExecutor, Engine, FunctionContainer, NoEngine, find_engine
from localoci.fdkrunner import FunctionProcess, site_less_fdk
from tests.conftest import JOB_OCID
from tests.process.job.conftest import JobOci, emulator_running_jobs, fresh_job_oci
from tests.system.dockerfile import DOCKERFILE, image_layout, parse_dockerfile
from tools import build_payload
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


@pytest.fixture(scope="session")
def payload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``/python`` as the image has it (pip installs from the lock: ~20 s with a warm cache)."""
    return build_payload.build(tmp_path_factory.mktemp("image") / "python")


@pytest.fixture(scope="session")
def function_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``/function`` as the Dockerfile's COPY lines build it, byte-compiled like the image."""
    _, stages = parse_dockerfile(DOCKERFILE.read_text())
    tree = image_layout(tmp_path_factory.mktemp("image"), stages)
    build_payload.byte_compile(tree)
    return tree


@pytest.fixture(scope="session")
def payload_fdk(payload: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """What ``/python/bin/fdk`` becomes here: the payload's script on a site-less Python."""
    return site_less_fdk(payload, tmp_path_factory.mktemp("bin"))


def image_env(payload: Path, function_tree: Path) -> dict[str, str]:
    """The runtime stage's ENV, with the image paths mapped onto this machine."""
    return {"PYTHONPATH": f"{function_tree}:{payload}", "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(scope="session")
def payload_functions(emulator, rp_env, payload: Path, function_tree: Path,
                      payload_fdk: str) -> Iterator[Callable[..., FunctionProcess]]:
    """``payload_functions(**config)`` → a running fdk process of the image's trees."""
    started: dict[tuple, FunctionProcess] = {}

    def get(**config: str | None) -> FunctionProcess:
        env: dict[str, str | None] = {
            "JOB_OCID": JOB_OCID, "OCI_DATA_SCIENCE_ENDPOINT": emulator.url,
            "OCI_OBJECT_STORAGE_ENDPOINT": emulator.url, **rp_env,
            **image_env(payload, function_tree), **config}
        clean = {k: v for k, v in env.items() if v is not None}
        key = tuple(sorted(clean.items()))
        if key not in started:
            started[key] = FunctionProcess(clean, root=function_tree, fdk=payload_fdk).start()
        return started[key]

    yield get
    for process in started.values():
        process.stop()


def imported_modules(stderr: str) -> list[str]:
    """Module names from ``-X importtime`` lines (PYTHONPROFILEIMPORTTIME=1)."""
    return [line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and line.split("|")[0][12:].strip().isdigit()]


def module_file(name: str, trees: list[Path]) -> Path | None:
    """Where ``name`` is in one of ``trees`` (source, package or extension), if it is."""
    relative = Path(*name.split("."))
    for tree in trees:
        for candidate in (tree / relative.with_suffix(".py"), tree / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
        parent = (tree / relative).parent
        if parent.is_dir():
            for extension in parent.glob(f"{relative.name}.*.so"):
                return extension
    return None

