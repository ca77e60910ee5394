import re

import pytest

from jobspec.errors import SpecInvalid
from jobspec.spec import parse_spec
from tests.support.lintcli import lint
from tests.support.paths import ROOT
from tests.support.spec_cases import INVALID, TOO_LARGE, ads, flat


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
    if case.field:
        assert lines[0].startswith(f"{paths[case.name]}: {case.field}: ")
    else:  # a problem of the whole file: no field, and no placeholder for one
        assert not lines[0].startswith(f"{paths[case.name]}: -")
    assert case.fragment in lines[0]


def test_lint_reports_unreadable_files(tmp_path):
    result = lint(tmp_path / "missing.yaml")
    assert result.returncode == 1
    assert f"{tmp_path / 'missing.yaml'}: cannot read (No such file or directory)" \
        in result.stdout


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


def problems_of(document: bytes) -> list[tuple[str | None, str]]:
    with pytest.raises(SpecInvalid) as error:
        parse_spec(document)
    return [(problem.field, problem.message) for problem in error.value.problems]


def test_a_tab_in_the_indentation_is_named_and_the_rest_of_the_file_still_checked():
    document = (b"noteBook: https://example.com/a.ipynb\njobName: no\nparameters:\n"
                b"\tcountry: NO\n\ttop: 10\noutputFoldr: oci://out@ns/x/\n")

    assert problems_of(document) == [
        ("jobName", "expected a string, got boolean (YAML 1.1 reads yes/no/on/off/true/false "
                    "as booleans); quote it"),
        ("parameters.country", "a tab character in the indentation: YAML indents with spaces "
                               "only (line 4, column 1)"),
        ("parameters.country", "is read as a YAML 1.1 bool but is ambiguous; quote it for a "
                               "string, or write it plainly (true/false, 10, 1.5)"),
        ("outputFoldr", "unknown key; did you mean outputFolder?"),
    ]


def test_a_tab_alone_still_refuses_the_spec():
    assert problems_of(flat("parameters:\n\ttop: 10\n")) == [
        ("parameters.top", "a tab character in the indentation: YAML indents with spaces only "
                           "(line 4, column 1)")]


@pytest.mark.parametrize(("line", "field", "message"), [
    ("excludeTags: 3", "excludeTags", "expected a list, got integer; write a list of quoted "
     "items: ['1', '2'], or one item per line as - '1'"),
    ("excludeTags: slow", "excludeTags", "expected a list, got string; write a list: [a, b], "
     "or one item per line as - a"),
    ("notebookEncoding: 2026-11-24", "notebookEncoding", "expected a string, got date; quote it"),
])
def test_a_value_of_the_wrong_type_says_what_to_write(line, field, message):
    assert problems_of(flat(line + "\n")) == [(field, message)]


@pytest.mark.parametrize(("runtime", "field", "message"), [
    ("      maximumRuntimeInMinutes: '60'\n", "spec.runtime.spec.maximumRuntimeInMinutes",
     "expected an integer, got string; write it without quotes"),
    ("      maximumRuntimeInMinutes: 1.5\n", "spec.runtime.spec.maximumRuntimeInMinutes",
     "expected an integer, got number; write a whole number"),
    ("      maximumRuntimeInMinutes: sixty\n", "spec.runtime.spec.maximumRuntimeInMinutes",
     "expected an integer, got string"),  # no fix to offer: no suggestion
])
def test_a_number_of_the_wrong_type_says_what_to_write(runtime, field, message):
    assert problems_of(ads(runtime=runtime)) == [(field, message)]


@pytest.mark.parametrize(("document", "field", "message"), [
    (flat("maximumRuntimeInMinutes: 60\n"), "maximumRuntimeInMinutes",
     "unknown key; maximumRuntimeInMinutes is a key of the ADS dialect "
     "(spec.runtime.spec.maximumRuntimeInMinutes)"),
    (flat("shape_name: VM.Standard.E4.Flex\n"), "shape_name",
     "unknown key; shapeName is a key of the ADS dialect (spec.infrastructure.spec.shapeName)"),
    (flat("outputUri: oci://out@ns/x/\n"), "outputUri",
     "unknown key; did you mean outputFolder? outputUri is a key of the ADS dialect "
     "(spec.runtime.spec.outputUri)"),
    (ads().replace(b"kind: job\n", b"kind: job\nnoteBook: x\n"), "noteBook",
     "unknown key; noteBook is a key of the flat dialect (in this one: "
     "spec.runtime.spec.notebookPathURI)"),
])
def test_a_key_of_the_other_dialect_is_named_as_such(document, field, message):
    assert problems_of(document) == [(field, message)]


def test_help_describes_every_argument():
    result = lint("--help")
    assert result.returncode == 0
    for argument in ("FILE", "--max-spec-bytes N", "--spec-env-var NAME"):
        assert re.search(rf"^  {re.escape(argument)}\s+\S", result.stdout, re.MULTILINE), \
            f"{argument} has no description:\n{result.stdout}"
