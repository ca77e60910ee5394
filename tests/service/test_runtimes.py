"""The four runtimes' verdicts, the same in the function's validate, the lint command and the
job container's pre-flight: notebook, python and script run; container and gitPython are
refused, each with its reason and what to do instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from func.request import ValidateRequest
from jobspec.container import ContainerSpec, ScriptSpec, read_container_spec
from jobspec.errors import SpecInvalid
from ocirefs.locations import parse_location
from tests.support.launcher import BUCKET, NAMESPACE, rig
from tests.support.lintcli import lint as run_lint
from tests.support.spec_cases import INVALID, VALID_SCRIPTS, ads

LOCATION = parse_location(f"oci://{BUCKET}@{NAMESPACE}/team/runtime.yaml")

RUNS = {"notebook": ads(), "python": VALID_SCRIPTS["python-folder"],
        "script": VALID_SCRIPTS["script-archive"]}
REFUSED = {case.name.removeprefix("ads-").removesuffix("-runtime"): case for case in INVALID
           if case.name in ("ads-container-runtime", "ads-git-python-runtime")}


def validate(document: bytes) -> list[str]:
    """The function's validate in-process: [] when it answers ok, else its problems."""
    r = rig()
    r.put_spec(LOCATION.object, document)
    outcome = r.execute(ValidateRequest(trigger="direct", spec_location=LOCATION))
    if outcome.error is None:
        return []
    return [f"{p['field']}: {p['message']}" for p in outcome.error.to_dict()["problems"]]


def lint(path: Path) -> list[str]:
    result = run_lint(path)
    return [line.removeprefix(f"{path}: ") for line in result.stdout.splitlines()[:-1]]


def container(document: bytes) -> list[str]:
    try:
        read_container_spec(document)
    except SpecInvalid as invalid:
        return [str(problem) for problem in invalid.problems]
    return []


@pytest.mark.parametrize("runtime", RUNS)
def test_notebook_python_and_script_runtimes_run(runtime, tmp_path):
    document = RUNS[runtime]
    path = tmp_path / f"{runtime}.yaml"
    path.write_bytes(document)
    assert validate(document) == lint(path) == container(document) == []
    kind = ContainerSpec if runtime == "notebook" else ScriptSpec
    assert isinstance(read_container_spec(document), kind)


@pytest.mark.parametrize("runtime, reason, instead", [
    ("container", "runs another image", "put the code in a python or script runtime"),
    ("git-python", "clones a repository at run time",
     "upload the code (a folder or a .zip/.tar.gz archive) to Object Storage"),
])
def test_container_and_git_python_runtimes_are_refused_with_the_reason_and_the_way(
        runtime, reason, instead, tmp_path):
    document = REFUSED[runtime].document
    path = tmp_path / f"{runtime}.yaml"
    path.write_bytes(document)
    [problem] = validate(document)
    assert lint(path) == container(document) == [problem]
    assert problem.startswith("spec.runtime.type: is not supported: ")
    assert reason in problem and instead in problem


def test_the_container_reads_what_the_python_runtime_says():
    spec = read_container_spec(VALID_SCRIPTS["python-folder"])
    assert isinstance(spec, ScriptSpec)
    assert (spec.runtime, spec.source_kind, spec.working_dir, spec.entrypoint,
            spec.entry_function, spec.python_path, spec.output_dir) == \
        ("python", "folder", "code_dir", "app/main.py", "main", ("lib",), "out")
    assert spec.output is not None and spec.output.uri == "oci://out@ns/results/"
    file_spec = read_container_spec(VALID_SCRIPTS["python-file"])
    assert isinstance(file_spec, ScriptSpec)
    assert (file_spec.source_kind, file_spec.entrypoint, file_spec.arguments) == \
        ("file", "main.py", ("--day", "1"))
