"""The function image, checked without building it (this machine has no Docker engine).

- The Dockerfile's COPY sources exist and are in the build context (``.dockerignore``);
- it builds ``/python`` with ``tools/build_payload.py`` from the hashed function lock (what
  that script builds is checked in ``test_payload.py``), and installs nothing else;
- its ENTRYPOINT is ``func.yaml``'s entrypoint; it runs as a non-root user;
- it byte-compiles ``/function``;
- the ``/function`` layout its COPY lines produce starts from that entrypoint with its
  ``PYTHONPATH``, byte-compiled and without writing byte-code.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from localoci.fdkrunner import FunctionProcess
from tests.system.dockerfile import (
    DOCKERFILE,
    ROOT,
    Instruction,
    Stage,
    context_copies,
    dockerignore_patterns,
    ignored,
    image_layout,
    parse_dockerfile,
)

SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
OCI_UID = "1000"  # OCI Functions starts containers as fn, uid/gid 1000
PAYLOAD_SCRIPT = "tools/build_payload.py"
FUNCTION_LOCK = "requirements/function.lock.txt"


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse_dockerfile(DOCKERFILE.read_text())


def _func_yaml(key: str) -> str:
    for line in (ROOT / "func.yaml").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"func.yaml has no {key}")


def _compile_step(stages: list[Stage]) -> Instruction:
    steps = [i for s in stages for i in s.all("RUN") if "compileall" in i.args]
    assert len(steps) == 1, "exactly one RUN must byte-compile /function"
    return steps[0]


# -- the Dockerfile ------------------------------------------------------------------------


def test_base_images_are_func_yaml_build_and_run_images(dockerfile):
    _, stages = dockerfile
    assert [stage.base for stage in stages] == [_func_yaml("build_image"), _func_yaml("run_image")]


def test_copy_sources_exist_and_are_in_the_build_context(dockerfile):
    _, stages = dockerfile
    copies = context_copies(stages)
    assert copies, "the Dockerfile copies nothing from the context"
    patterns = dockerignore_patterns()
    for sources, _ in copies:
        for source in sources:
            path = ROOT / source
            assert path.exists(), f"COPY source {source} does not exist"
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            kept = [f for f in files if not ignored(str(f.relative_to(ROOT)), patterns)]
            assert kept, f"{source} is excluded from the build context by .dockerignore"
            if path.is_dir():
                assert {f.name for f in kept} >= {p.name for p in path.glob("*.py")}


def test_python_is_the_payload_script_run_on_the_hashed_lock(dockerfile):
    _, stages = dockerfile
    build = stages[0]
    runs = [i for i in build.all("RUN") if PAYLOAD_SCRIPT.rsplit("/", 1)[1] in i.args]
    assert len(runs) == 1, "one RUN builds /python with the payload script"
    words = shlex.split(runs[0].args.split("&&")[0])
    assert "PIP_NO_CACHE_DIR=1" in words  # no pip cache left in the layer
    script = next(w for w in words if w.endswith(PAYLOAD_SCRIPT.rsplit("/", 1)[1]))
    assert words[words.index(script) + 1:] == ["/python"], "built into /python, default lock"
    copied = {dest: sources for sources, dest in context_copies(stages)}
    assert copied.get(script) == [PAYLOAD_SCRIPT]
    # The script reads ../requirements/function.lock.txt from its own directory.
    lock_in_image = str(Path(script).parent.parent / FUNCTION_LOCK)
    assert copied.get(lock_in_image) == [FUNCTION_LOCK]
    installs = [i for s in stages for i in s.all("RUN")
                if re.search(r"\bpip3?\b.*\binstall\b", i.args)]
    assert installs == [], "everything in /python comes from the payload script"
    assert not [i for s in stages for i in s.instructions
                if "requirements-dev" in i.args or "requirements.txt" in i.args]


def test_entrypoint_is_func_yaml_entrypoint(dockerfile):
    _, stages = dockerfile
    entrypoints = stages[-1].all("ENTRYPOINT")
    assert entrypoints, "the runtime stage has no ENTRYPOINT"
    assert json.loads(entrypoints[-1].args) == shlex.split(_func_yaml("entrypoint"))


def test_runs_as_a_non_root_user(dockerfile):
    _, stages = dockerfile
    users = stages[-1].all("USER")
    assert users, "the runtime stage sets no USER (it would run as root)"
    user = users[-1].args.split(":")[0]
    assert user not in ("root", "0")
    assert user in (OCI_UID, "fn")


def test_byte_compiles_the_function(dockerfile):
    _, stages = dockerfile
    words = _compile_step(stages).words()
    assert "/function" in words
    # Used without checking source mtimes, so a COPY that changes them costs nothing.
    assert words[words.index("--invalidation-mode") + 1] == "unchecked-hash"
    runtime = stages[-1]
    copied = {i.flags_and_operands()[1][-1] for i in runtime.all("COPY")}
    assert {"/python", "/function"} <= copied
    assert any("PYTHONPATH=/function:/python" in i.args for i in runtime.all("ENV"))


def test_dockerignore_keeps_the_context_to_the_function():
    for path in ("tests/conftest.py", ".venv/bin/python", ".venv-checkov/bin/checkov",
                 ".git/HEAD", "benchmarks/suite.py", "localoci/server.py",
                 "terraform/main.tf", "requirements-dev.txt", "requirements.txt",
                 "requirements/dev.lock.txt", "tools/lock.py", "examples/specs/hello.yaml",
                 "func/__pycache__/app.cpython-311.pyc", ".pytest_cache/README.md",
                 ".hypothesis/x", "README.md", "Dockerfile"):
        assert ignored(path), f"{path} would be sent to the build"
    for path in ("func/handler.py", "func/app.py", "func.yaml", FUNCTION_LOCK, PAYLOAD_SCRIPT):
        assert not ignored(path), f"{path} is needed by the build"


# -- the image layout ----------------------------------------------------------------------


@pytest.mark.slow
def test_entrypoint_starts_from_the_image_layout(dockerfile, tmp_path):
    _, stages = dockerfile
    function_dir = image_layout(tmp_path, stages)
    assert (function_dir / "func.yaml").is_file()
    assert (function_dir / "func" / "handler.py").is_file()
    assert not list(function_dir.rglob("__pycache__"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", "--invalidation-mode",
                    "unchecked-hash", str(function_dir)], check=True)
    env_line = next(i.args for i in stages[-1].all("ENV") if "PYTHONPATH=" in i.args)
    image_dirs = {"/function": str(function_dir), "/python": str(SITE_PACKAGES)}
    entries = re.search(r"PYTHONPATH=(\S+)", env_line).group(1).split(":")
    env = {"PYTHONPATH": ":".join(image_dirs[entry] for entry in entries),
           "PYTHONDONTWRITEBYTECODE": "1"}

    where = subprocess.run([sys.executable, "-c", "import func; print(func.__file__)"],
                           env={**env, "PATH": os.environ.get("PATH", "")},
                           cwd=str(function_dir), capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(function_dir)

    with FunctionProcess(env, root=function_dir) as fn:  # no JOB_OCID in its environment
        invocation = fn.invoke({"specLocation": "oci://specs@localns/a.yaml"})
        log = fn.stderr()
    assert invocation.status == 200, log
    assert invocation.headers["content-type"] == "application/json"
    body = invocation.json()
    assert body["ok"] is False and body["error"]["code"] == "ConfigurationError", body
    assert "JOB_OCID" in body["error"]["message"]


def test_dockerignore_matcher():
    patterns = [(False, "*"), (True, "func"), (False, "**/__pycache__")]
    assert ignored("tests/x.py", patterns)
    assert not ignored("func/app.py", patterns)
    assert ignored("func/__pycache__/app.pyc", patterns)
    assert not ignored("func", patterns)
