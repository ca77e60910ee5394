"""Shared words are written once: job-run states in ocirefs/jobruns.py, error codes in
func/errors.py. Any other module of the product that spells one as a string fails here, and
the OpenAPI document's enums are theirs."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from func.errors import ALL_ERRORS
from ocirefs import jobruns
from tests.support.paths import ROOT
from tests.support.sources import nodes

PACKAGES = ("func", "jobspec", "ociplatform", "ocirefs", "job")
STATES = set(jobruns.STATES)
CODES = {error.code for error in ALL_ERRORS}
OWNERS = {"ocirefs/jobruns.py": STATES, "func/errors.py": CODES}
# OCI's own service codes that happen to equal one of ours (a row of an error table).
OCI_CODES = {("func/upstream.py", "Conflict")}


def literals(path: Path) -> set[str]:
    return {node.value for node in nodes(path)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def spelled_outside_their_module(root: Path) -> dict[str, set[str]]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = str(path.relative_to(root))
            words = literals(path) & (STATES | CODES)
            words -= OWNERS.get(name, set())
            words -= {word for owner, word in OCI_CODES if owner == name}
            if words:
                found[name] = words
    return found


def test_states_and_codes_are_spelled_only_in_their_module():
    assert spelled_outside_their_module(ROOT) == {}


def test_the_check_sees_a_copied_state(tmp_path):
    (tmp_path / "func").mkdir()
    (tmp_path / "func" / "copy.py").write_text('DONE = {"SUCCEEDED", "FAILED"}\n')
    (tmp_path / "func" / "coded.py").write_text('CODE = "NotFound"\n')
    assert spelled_outside_their_module(tmp_path) == {
        "func/copy.py": {"SUCCEEDED", "FAILED"}, "func/coded.py": {"NotFound"}}


def test_the_openapi_enums_are_the_modules():
    schemas = yaml.safe_load((ROOT / "api/openapi.yaml").read_text())["components"]["schemas"]
    assert schemas["LifecycleState"]["enum"] == list(jobruns.STATES)
    assert set(schemas["ErrorCode"]["enum"]) == CODES
