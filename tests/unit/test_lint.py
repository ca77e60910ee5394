import io
import re
import sys

import pytest

from jobspec import __main__ as jobspec_command
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
        assert re.search(rf"^  {re.escape(argument)} +\S", result.stdout, re.MULTILINE), \
            f"{argument} has no description:\n{result.stdout}"


# -- the command in-process: its output, its options and their environment defaults ---------

def test_lint_writes_each_files_problems_and_the_count_to_the_stream_given(tmp_path):
    good, bad, large = tmp_path / "good.yaml", tmp_path / "bad.yaml", tmp_path / "large.yaml"
    good.write_bytes(flat())
    bad.write_bytes(b"noteBook: no\njobname: report\n")
    large.write_bytes(flat("x-pad: " + "p" * 100 + "\n"))
    missing = tmp_path / "missing.yaml"
    out = io.StringIO()
    bad_files = jobspec_command.lint([str(good), str(bad), str(missing), str(large)],
                                     max_bytes=100, spec_env_var="NOTEPAD_YAML_URL", out=out)
    assert bad_files == 3
    assert out.getvalue().splitlines() == [
        f"{bad}: noteBook: expected a string, got boolean (YAML 1.1 reads "
        "yes/no/on/off/true/false as booleans); quote it",
        f"{bad}: jobname: unknown key; did you mean jobName?",
        f"{missing}: cannot read (No such file or directory)",
        f"{large}: the spec is larger than 100 bytes",
        "1 files OK, 3 with problems",
    ]


def test_lint_prints_to_stdout_when_given_no_stream(tmp_path, capsys):
    spec = tmp_path / "a.yaml"
    spec.write_bytes(b"jobName: report\n")
    assert jobspec_command.lint([str(spec)], max_bytes=1000, spec_env_var="X") == 1
    assert capsys.readouterr().out == (f"{spec}: noteBook: is required: the https:// or oci:// "
                                       "URL of the notebook to run\n0 files OK, 1 with problems\n")


def test_the_launchers_variable_is_refused_under_the_name_given(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "a.yaml"
    spec.write_bytes(ads(runtime="      env:\n      - name: MY_SPEC_URL\n        value: x\n"))
    refused = (f"{spec}: spec.runtime.spec.env[0].name: MY_SPEC_URL can't be set by a run: it "
               "is set by the launcher to the spec the run was created from")
    assert jobspec_command.main([str(spec), "--spec-env-var", "MY_SPEC_URL"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == refused
    monkeypatch.setenv("SPEC_ENV_VAR", "MY_SPEC_URL")  # the option's default, as the function's
    assert jobspec_command.main([str(spec)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == refused
    monkeypatch.delenv("SPEC_ENV_VAR")
    assert jobspec_command.main([str(spec)]) == 0
    assert capsys.readouterr().out == "1 files OK, 0 with problems\n"


def test_the_size_limit_defaults_to_the_functions_variable(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "a.yaml"
    spec.write_bytes(flat())
    monkeypatch.setenv("MAX_SPEC_BYTES", "20")
    assert jobspec_command.main([str(spec)]) == 1
    assert capsys.readouterr().out == (f"{spec}: the spec is larger than 20 bytes\n"
                                       "0 files OK, 1 with problems\n")
    assert jobspec_command.main([str(spec), "--max-spec-bytes", "1000"]) == 0


@pytest.mark.parametrize(("argv0", "prog"), [
    ("/venv/bin/jobspec", "jobspec"),
    ("/repo/jobspec/__main__.py", "python -m jobspec"),
])
def test_the_usage_names_the_command_as_it_was_run(argv0, prog, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [argv0, "--help"])
    with pytest.raises(SystemExit) as exited:
        jobspec_command.main(["--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: {prog} [-h] ")


def test_without_pyyaml_the_command_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml fails as when not installed
    assert jobspec_command.main([str(tmp_path / "a.yaml")]) == 2
    assert capsys.readouterr() == ("", jobspec_command.MISSING_YAML.format(
        python=sys.executable) + "\n")


def test_the_help_says_what_the_command_does_and_describes_each_argument(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["/venv/bin/jobspec", "--help"])
    with pytest.raises(SystemExit):
        jobspec_command.main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())  # as read, whatever the wrapping
    for described in [
        "Check job spec files (flat or ADS job YAML) with the launcher's own validation, "
        "offline: one line per problem (file: field: message), in the order the fields "
        "appear, then the count of files. Exit status: 0 when every file is valid, 1 when any "
        "has a problem, 2 on a usage error.",
        "positional arguments: FILE spec files to check (YAML, as uploaded to Object Storage)",
        "--max-spec-bytes N refuse files larger than N bytes, as the function does (default: "
        "the MAX_SPEC_BYTES environment variable, else 65536)",
        "--spec-env-var NAME the environment variable the launcher passes the spec's location "
        "in, which a spec may not set itself (default: the SPEC_ENV_VAR environment variable, "
        "else NOTEPAD_YAML_URL)",
    ]:
        assert described in shown
