"""job/Dockerfile without a Docker engine: what it copies exists, it installs the hashed
lock of the job requirements, runs as non-root and starts the runner."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex

from tests.support.paths import ROOT

DOCKERFILE = ROOT / "job/Dockerfile"
REQUIREMENTS = ROOT / "job/requirements.txt"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def pins(path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            found[name.lower().replace("_", "-")] = version
    return found


def test_the_base_image_is_python_3_11_slim_pinned_by_digest():
    steps = instructions()
    assert steps[1] == ("FROM", "${BASE_IMAGE}")
    keyword, arg = steps[0]
    name, _, default = arg.partition("=")
    assert (keyword, name) == ("ARG", "BASE_IMAGE")
    assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", default), default


def test_every_copied_path_exists_in_the_build_context():
    copies = [shlex.split(args) for keyword, args in instructions() if keyword == "COPY"]
    assert copies, "the Dockerfile copies nothing"
    sources = [source for *all_sources, _ in copies for source in all_sources]
    for source in sources:
        assert (ROOT / source).exists(), source
    assert {"jobspec/", "job/", "job/requirements.lock.txt"} <= set(sources)
    assert "func/" not in sources, "the job image does not ship the function"


def test_the_pinned_job_requirements_are_installed_before_the_code_is_copied():
    steps = instructions()
    install = next(i for i, (keyword, args) in enumerate(steps)
                   if keyword == "RUN" and "pip install" in args)
    assert "--require-hashes -r job/requirements.lock.txt" in steps[install][1]
    copy_requirements = steps.index(("COPY", "job/requirements.lock.txt job/requirements.lock.txt"))
    copy_code = steps.index(("COPY", "job/ job/"))
    assert copy_requirements < install < copy_code


def test_requirements_are_pinned_exactly_and_share_the_functions_pins():
    job = pins(REQUIREMENTS)
    lines = [line for line in REQUIREMENTS.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.]*", line) for line in lines)
    assert {"oci", "pyyaml", "nbclient", "nbformat", "ipykernel"} <= set(job)
    function = pins(ROOT / "requirements.txt")
    assert job["oci"] == function["oci"] and job["pyyaml"] == function["pyyaml"]
    assert "fdk" not in job


def test_the_function_image_does_not_get_the_notebook_dependencies():
    function = pins(ROOT / "requirements.txt")
    assert not {"nbclient", "nbformat", "ipykernel", "jupyter-client"} & set(function)


def test_it_runs_as_a_non_root_user():
    users = [args for keyword, args in instructions() if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_the_entrypoint_is_the_runner_module():
    entrypoint = [args for keyword, args in instructions() if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoint[-1]) == ["python", "-m", "job.runner"]
    assert (ROOT / "job/runner.py").is_file()
    env = " ".join(args for keyword, args in instructions() if keyword == "ENV")
    workdir = [args for keyword, args in instructions() if keyword == "WORKDIR"][-1]
    assert f"PYTHONPATH={workdir}" in env


def matches(pattern: str, path: str) -> bool:
    """Docker's rule: ``*`` stays within a path segment, ``**/`` spans any leading segments,
    and a pattern matching a parent directory matches everything under it."""
    parts = path.strip("/").split("/")
    wanted = pattern.strip("/").split("/")
    any_depth = wanted[0] == "**"
    wanted = wanted[1:] if any_depth else wanted
    for end in range(1, len(parts) + 1):
        prefix = parts[:end]
        starts = range(len(prefix) - len(wanted) + 1) if any_depth else [0]
        for start in starts:
            segment = prefix[start:]
            if len(segment) == len(wanted) and all(
                    fnmatch.fnmatchcase(part, want) for part, want in zip(segment, wanted,
                                                                           strict=True)):
                return True
    return False


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether the build context leaves ``path`` out (the last matching pattern wins)."""
    result = False
    for pattern in patterns:
        if matches(pattern.lstrip("!"), path):
            result = not pattern.startswith("!")
    return result


def test_the_build_context_holds_what_the_image_copies_and_nothing_else():
    patterns = [line.strip() for line in (ROOT / "job/Dockerfile.dockerignore").read_text()
                .splitlines() if line.strip() and not line.startswith("#")]
    copies = [shlex.split(args) for keyword, args in instructions() if keyword == "COPY"]
    for *sources, _ in copies:
        for source in sources:
            assert not ignored(source, patterns), source
    for left_out in ("tests", "localoci", ".venv", ".git", "terraform", "func/__pycache__",
                     "job/__pycache__/runner.cpython-311.pyc"):
        assert ignored(left_out, patterns), left_out
