"""docs/reference.md agrees with the code and the README, and the repository's documents
point only at files inside it."""

from __future__ import annotations

import re

import pytest

from func.errors import ALL_ERRORS
from tests.support.paths import ROOT

REFERENCE = ROOT / "docs/reference.md"
# Where the repository's own text lives; func/ and jobspec/ are checked the same way by
# widening this list (a test may name the sibling checker folder: see tests/iac).
SWEPT = ["README.md", "docs", "demo", "localoci", "job", "benchmarks", "tests", "examples",
         "func", "jobspec", "ociplatform", "ocirefs", "terraform", "policies", "api", "tools",
         "Makefile", "Dockerfile"]
# Written split, so that this file does not match itself.
OUTSIDE = ("CONTRACT" + ".md", "../" + "shared")
ALLOWED = {"tests/iac/test_iac_tfcheck.py"}


def table(text: str, first_column: str) -> dict[str, str]:
    """``| `name` | second | …`` rows of the table whose header starts with ``first_column``."""
    start = text.index(f"| {first_column} |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1]
    return rows


def test_every_error_code_is_listed_with_its_status_and_meaning():
    text = REFERENCE.read_text()
    section = text[text.index("| code | status | when |"):]
    rows = re.findall(r"^\| `(\w+)` \| (\d{3}) \| (.*) \|$",
                      section[:section.index("\n\n")], re.MULTILINE)
    assert {code: (int(status), when) for code, status, when in rows} == {
        error.code: (error.status, error.meaning) for error in ALL_ERRORS}


def test_the_configuration_is_the_readmes():
    readme_config = table((ROOT / "README.md").read_text(), "name")
    assert table(REFERENCE.read_text(), "name").keys() == readme_config.keys()


def test_the_readme_links_to_the_reference():
    assert "(docs/reference.md)" in (ROOT / "README.md").read_text()


def test_relative_links_in_the_reference_exist():
    for target in re.findall(r"\]\((\.\./[^)#]+)", REFERENCE.read_text()):
        assert (REFERENCE.parent / target).exists(), target


@pytest.mark.parametrize("top", SWEPT)
def test_no_file_points_outside_the_repository(top):
    paths = [ROOT / top] if (ROOT / top).is_file() else sorted((ROOT / top).rglob("*"))
    offenders = []
    for path in paths:
        relative = path.relative_to(ROOT).as_posix()
        if not path.is_file() or relative in ALLOWED or "__pycache__" in path.parts:
            continue
        text = path.read_text(errors="replace")
        if any(pointer in text for pointer in OUTSIDE):
            offenders.append(relative)
    assert offenders == []
