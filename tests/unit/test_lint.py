import subprocess
import sys
from pathlib import Path

import pytest

from tests.spec_cases import INVALID, TOO_LARGE, flat

ROOT = Path(__file__).resolve().parents[2]


def lint(*paths, env=None):
    return subprocess.run([sys.executable, "-m", "jobspec", *map(str, paths)], cwd=ROOT,
                          capture_output=True, text=True, env=env)


def test_lint_passes_the_shipped_examples():
    examples = sorted((ROOT / "examples/specs").glob("*.yaml"))
    result = lint(*examples)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"{len(examples)} files OK, 0 with problems\n"


@pytest.fixture(scope="module")
def linted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("specs")
    paths = {}
    for case in [*INVALID, TOO_LARGE]:
        paths[case.name] = folder / f"{case.name}.yaml"
        paths[case.name].write_bytes(case.document)
    result = lint(*paths.values())
    return paths, result


def test_lint_fails_when_any_file_is_bad(linted):
    paths, result = linted
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == f"0 files OK, {len(paths)} with problems"


@pytest.mark.parametrize("case", [*INVALID, TOO_LARGE], ids=lambda c: c.name)
def test_lint_reports_every_case_the_function_refuses(linted, case):
    paths, result = linted
    lines = [line for line in result.stdout.splitlines()
             if line.startswith(f"{paths[case.name]}: ")]
    assert lines, f"no line for {case.name}"
    _file, field, message = lines[0].split(": ", 2)
    assert field == (case.field or "-")
    assert case.fragment in message


def test_lint_reports_unreadable_files(tmp_path):
    result = lint(tmp_path / "missing.yaml")
    assert result.returncode == 1
    assert "missing.yaml: -: cannot read" in result.stdout


def test_lint_prints_every_problem_of_a_file_and_counts_files(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_bytes(flat())
    bad.write_bytes(b"noteBook: no\njobname: report\nparameters: {country: NO}\n")
    result = lint(good, bad)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{bad}: noteBook: expected a string, got boolean (YAML 1.1 reads "
        "yes/no/on/off/true/false as booleans); quote it",
        f"{bad}: jobname: unknown key; did you mean jobName?",
        f"{bad}: parameters.country: is read as a YAML 1.1 bool but is ambiguous; quote it "
        "for a string, or write it plainly (true/false, 10, 1.5)",
        "1 files OK, 1 with problems",
    ]
