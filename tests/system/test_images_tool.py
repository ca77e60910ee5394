"""``tools/images.py`` without a container engine: the base images it reads from the
Dockerfiles, the names it gives, and the inputs hash that decides when an image is reused."""

from __future__ import annotations

import re

import pytest

from localoci.containers import Engine
from tools import images


def test_base_images_are_the_dockerfiles_own_arguments():
    assert images.FUNCTION.base_args() == {"BUILD_IMAGE": "fnproject/python:3.11-dev",
                                           "RUN_IMAGE": "fnproject/python:3.11"}
    (name, job_base), = images.JOB.base_args().items()
    assert name == "BASE_IMAGE"
    assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", job_base)


@pytest.mark.parametrize(("short", "full"), [
    ("python:3.11-slim", "docker.io/library/python:3.11-slim"),
    ("python:3.11-slim@sha256:" + "a" * 64,
     "docker.io/library/python:3.11-slim@sha256:" + "a" * 64),
    ("fnproject/python:3.11", "docker.io/fnproject/python:3.11"),
    ("localhost/jobrun-standin-base:x", "localhost/jobrun-standin-base:x"),
    ("fra.ocir.io/ns/repo:1", "fra.ocir.io/ns/repo:1"),
])
def test_short_names_are_qualified_for_podman(short, full):
    assert images.qualified(short) == full


def test_images_are_tagged_with_the_func_yaml_version():
    version = next(line.split(":", 1)[1].strip()
                   for line in (images.ROOT / "func.yaml").read_text().splitlines()
                   if line.startswith("version:"))
    assert images.image_name(images.FUNCTION) == f"jobrun-launcher:{version}"
    assert images.image_name(images.JOB) == f"notebook-runner:{version}"


def test_the_context_is_what_the_ignore_files_allow():
    function = {str(p.relative_to(images.ROOT)) for p in images.context_files(images.FUNCTION)}
    job = {str(p.relative_to(images.ROOT)) for p in images.context_files(images.JOB)}
    assert {"func.yaml", "func/handler.py", "tools/build_payload.py",
            "requirements/function.lock.txt", "jobspec/__init__.py"} <= function
    assert not [path for path in function if path.startswith(("tests/", "job/", "localoci/"))]
    assert {"job/runner.py", "job/requirements.lock.txt", "jobspec/__init__.py"} <= job
    assert not [path for path in job if path.startswith(("func/", "tests/"))]
    assert not [path for path in function | job if path.endswith(".pyc")]


def test_the_inputs_hash_changes_with_a_context_file_an_argument_or_the_base(tmp_path,
                                                                            monkeypatch):
    (tmp_path / "Dockerfile").write_text("ARG BASE=b\nFROM ${BASE}\nCOPY app/ /app/\n")
    (tmp_path / ".dockerignore").write_text("*\n!app/\n**/__pycache__\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print(1)\n")
    monkeypatch.setattr(images, "ROOT", tmp_path)
    recipe = images.ImageRecipe("app", "Dockerfile", ".dockerignore")
    first = images.inputs_hash(recipe, {"BASE": "b"}, ["sha256:1"])

    assert images.inputs_hash(recipe, {"BASE": "b"}, ["sha256:1"]) == first
    (tmp_path / "app" / "__pycache__").mkdir()
    (tmp_path / "app" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"x")
    assert images.inputs_hash(recipe, {"BASE": "b"}, ["sha256:1"]) == first
    assert images.inputs_hash(recipe, {"BASE": "c"}, ["sha256:1"]) != first
    assert images.inputs_hash(recipe, {"BASE": "b"}, ["sha256:2"]) != first
    (tmp_path / "app" / "main.py").write_text("print(2)\n")
    assert images.inputs_hash(recipe, {"BASE": "b"}, ["sha256:1"]) != first


def test_the_stand_in_tag_follows_its_recipe(monkeypatch):
    tag = images.standin_tag()
    assert tag.startswith(f"{images.STANDIN_REPOSITORY}:{images.STANDIN_SUITE}-")
    monkeypatch.setattr(images, "STANDIN_PACKAGES", (*images.STANDIN_PACKAGES, "curl"))
    assert images.standin_tag() != tag


def test_podman_limits_stay_within_the_hosts(monkeypatch):
    import resource

    flags = Engine("podman", "/usr/bin/podman", "runc").limits()
    values = dict(flag.split("=", 1) for flag in flags if flag != "--ulimit")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert values["nofile"] == f"{soft}:{hard}"
    nproc_soft, nproc_hard = (int(v) for v in values["nproc"].split(":"))
    assert 0 < nproc_soft <= nproc_hard
    assert Engine("docker", "/usr/bin/docker").limits() == []
    assert Engine("podman", "/usr/bin/podman", "runc").command("info") == [
        "/usr/bin/podman", "--runtime", "runc", "info"]


def _recipe(makefile: str, target: str) -> list[str]:
    lines = makefile.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return [lines[start], *recipe]


def test_ci_and_make_test_install_the_tools_and_build_the_images_before_the_suite():
    import subprocess

    ci = (images.ROOT / ".ci/run").read_text()
    assert ci.index("bash tools/container-tools.sh") < ci.index("make test")
    makefile = (images.ROOT / "Makefile").read_text()
    test = _recipe(makefile, "test")
    assert "container-tools" in test[0].split(":", 1)[1].split()
    build = test.index("$(BIN)/python -m tools.images build --if-engine")
    assert build < test.index("$(BIN)/python -m pytest")
    assert _recipe(makefile, "images")[1:] == ["$(BIN)/python -m tools.images build"]
    assert _recipe(makefile, "container-tools")[1:] == ["@bash tools/container-tools.sh"]
    script = images.ROOT / "tools/container-tools.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    assert "apt-get install" in script.read_text()
    for package in ("podman", "runc", "debootstrap"):
        assert f"missing+=({package})" in script.read_text()
