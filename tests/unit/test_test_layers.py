"""The test suite's own layout (README, "Tests by layer"): every test module sits in a
layer; the in-process layers (unit, service: ``make test-fast``) start no process and use
none of the emulator's fixtures; a fixture is defined once."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.sources import nodes

TESTS = ROOT / "tests"
LAYERS = ("unit", "service", "process", "system", "iac")
IN_PROCESS = ("unit", "service")
# What only the process layers may use: processes, the emulator and its fixtures.
PROCESS_MODULES = ("subprocess", "multiprocessing", "localoci", "tests.conftest")
PROCESS_FIXTURES = {"emulator", "issuer", "rp_env", "functions", "fn", "oci_local",
                    "make_runs", "job_oci", "job_fn", "job_emulator", "runner_env"}
# A fixture defined again on purpose, in the module that overrides it -> why.
OVERRIDES = {
    ("functions", "tests/system/test_payload_direct.py"):
        "the direct-invocation tests again, by an fdk process of the image's trees only",
}


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "corpus" not in p.parts)


# What makes a test a service test: the service itself, or the rig that wires it to the fake.
SERVICE_MODULES = ("func.service", "func.app", "func.handler", "tests.support.launcher")


def test_every_test_module_is_in_a_layer():
    misplaced = [p.relative_to(TESTS).as_posix() for p in TESTS.rglob("test_*.py")
                 if p.relative_to(TESTS).parts[0] not in LAYERS]
    assert misplaced == []


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in nodes(path):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def is_fixture(node: ast.FunctionDef) -> bool:
    return any(ast.unparse(d).startswith(("pytest.fixture", "fixture"))
               for d in node.decorator_list)


def requested_fixtures(path: Path) -> set[str]:
    """The arguments of tests and fixtures: the fixtures they ask pytest for."""
    return {arg.arg for node in nodes(path) if isinstance(node, ast.FunctionDef)
            and (node.name.startswith("test") or is_fixture(node)) for arg in node.args.args}


def process_use(path: Path) -> list[str]:
    found = [f"imports {name}" for name in sorted(imported(path))
             if name.split(".")[0] in PROCESS_MODULES or name in PROCESS_MODULES]
    found += [f"asks for the fixture {name}"
              for name in sorted(requested_fixtures(path) & PROCESS_FIXTURES)]
    return found


@pytest.mark.parametrize("layer", IN_PROCESS)
def test_the_in_process_layers_start_no_process_and_use_no_emulator(layer):
    offenders = {p.relative_to(ROOT).as_posix(): use for p in modules(TESTS / layer)
                 if (use := process_use(p))}
    assert offenders == {}


def test_the_unit_layer_runs_no_service():
    offenders = {p.relative_to(ROOT).as_posix(): sorted(names) for p in modules(TESTS / "unit")
                 if (names := imported(p) & set(SERVICE_MODULES))}
    assert offenders == {}


@pytest.mark.parametrize("source, finding", [
    ("import subprocess\n", "imports subprocess"),
    ("from localoci.fdkrunner import FunctionProcess\n", "imports localoci.fdkrunner"),
    ("from tests.conftest import JOB_OCID\n", "imports tests.conftest"),
    ("def test_x(fn, oci_local):\n    pass\n", "asks for the fixture fn"),
    ("@pytest.fixture\ndef spec(oci_local):\n    pass\n", "asks for the fixture oci_local"),
])
def test_the_layer_check_sees_a_process(tmp_path, source, finding):
    planted = tmp_path / "test_planted.py"
    planted.write_text(source)
    assert finding in process_use(planted)


def fixtures_by_name() -> dict[str, list[str]]:
    defined: dict[str, list[str]] = defaultdict(list)
    for path in modules(TESTS):
        for node in nodes(path):
            if isinstance(node, ast.FunctionDef) and is_fixture(node):
                defined[node.name].append(path.relative_to(ROOT).as_posix())
    return defined


def test_each_fixture_is_defined_once():
    twice = {name: where for name, where in fixtures_by_name().items()
             if len([w for w in where if (name, w) not in OVERRIDES]) > 1}
    assert twice == {}


def test_each_declared_override_still_overrides():
    defined = fixtures_by_name()
    assert all(path in defined[name] and len(defined[name]) > 1 for name, path in OVERRIDES)
