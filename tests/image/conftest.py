"""The function image without Docker: its ``/python`` tree built by the Dockerfile's own
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

from localoci.fdkrunner import FunctionProcess, site_less_fdk
from tests.conftest import JOB_OCID
from tests.image.dockerfile import DOCKERFILE, image_layout, parse_dockerfile
from tools import build_payload


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

