"""The job container's keys as a valid spec gives them, and the exact problems of the
notebook location, the parameters' names and count."""

from __future__ import annotations

import pytest

from jobspec.container_keys import MAX_PARAMETER_NAME, MAX_PARAMETERS, ContainerKeys
from jobspec.errors import SpecInvalid
from jobspec.spec import parse_spec
from ocirefs.locations import parse_allow_entry
from tests.support.spec_cases import NOTEBOOK, flat

NAME_PROBLEM = "parameter names must be Python identifiers (letters, digits, _; not a keyword)"


def problems(document: bytes) -> list[tuple[str | None, str]]:
    with pytest.raises(SpecInvalid) as raised:
        parse_spec(document)
    return [(problem.field, problem.message) for problem in raised.value.problems]


def keys(document: bytes) -> ContainerKeys:
    container = parse_spec(document).container
    assert container is not None
    return container


def parameters(names: list[str]) -> str:
    return "parameters:\n" + "".join(f"  {name}: 1\n" for name in names)


def test_without_optional_keys_the_container_gets_their_defaults():
    assert keys(flat()) == ContainerKeys(notebook=NOTEBOOK, notebook_field="noteBook")
    assert keys(flat()).encoding == "utf-8" and keys(flat()).output_field is None


def test_the_encoding_and_output_folder_are_passed_on():
    read = keys(flat("notebookEncoding: latin-1\noutputFolder: oci://out@ns/reports\n"))
    assert read.encoding == "latin-1"
    assert (read.output, read.output_field) == (parse_allow_entry("oci://out@ns/reports/"),
                                                "outputFolder")


def test_a_bad_oci_notebook_location_says_why():
    document = flat().replace(NOTEBOOK.encode(), b"oci://bucket@ns/")
    assert problems(document) == [
        ("noteBook", "expected oci://bucket@namespace/object (the location names no object)")]


def test_up_to_1000_parameters_with_names_up_to_255_characters_are_accepted():
    names = [f"p{i}" for i in range(MAX_PARAMETERS - 1)] + ["n" * MAX_PARAMETER_NAME]
    assert len(keys(flat(parameters(names))).parameters) == 1000


def test_one_parameter_too_many_is_refused():
    names = [f"p{i}" for i in range(MAX_PARAMETERS + 1)]
    assert problems(flat(parameters(names))) == [("parameters", "more than 1000 parameters")]


def test_every_bad_parameter_name_is_reported():
    long_name = "n" * (MAX_PARAMETER_NAME + 1)
    assert problems(flat(parameters(["class", "ok", long_name, "'1x'"]))) == [
        ("parameters.class", NAME_PROBLEM),
        (f"parameters.{'n' * 64}…", NAME_PROBLEM),
        ("parameters.1x", NAME_PROBLEM)]


@pytest.mark.parametrize("folder", ["oci://out@ns/x/${JOB_RUN_OCID}",
                                    "oci://out@ns/x/$JOB_RUN_OCID/"])
def test_an_output_folder_may_end_in_the_run_variable_which_the_container_adds_anyway(folder):
    assert keys(flat(f"outputFolder: {folder}\n")).output == parse_allow_entry("oci://out@ns/x/")


def test_any_other_variable_in_the_output_folder_is_refused():
    assert problems(flat("outputFolder: oci://out@ns/$HOME/x\n")) == [
        ("outputFolder", "variables ($NAME, ${NAME}) are not expanded in the output folder, "
                         "except a last /${JOB_RUN_OCID}: each run writes to "
                         "<folder>/<JOB_RUN_OCID>/")]


@pytest.mark.parametrize(("encoding", "message"), [
    ("5", "expected a string, got integer; quote it"),
    ("klingon", "is not a known text encoding"),
])
def test_a_notebook_encoding_is_a_codec_python_knows(encoding, message):
    assert problems(flat(f"notebookEncoding: {encoding}\n")) == [("notebookEncoding", message)]


def test_a_quoted_value_is_a_string_whatever_it_looks_like():
    parameters = "parameters:\n  count: '012'\n  flag: \"true\"\n  big: '1e3'\n"
    assert keys(flat(parameters)).parameters == {"count": "012", "flag": "true", "big": "1e3"}


def test_infinite_and_nan_parameters_are_refused_as_such_in_every_spelling():
    # YAML 1.2 spells them the same: signed or not, any case, they are not ambiguous
    refused = "infinite and NaN numbers can't be parameters"
    assert problems(flat("parameters:\n  low: -.inf\n  high: +.INF\n  none: .NaN\n")) == [
        ("parameters.low", refused), ("parameters.high", refused), ("parameters.none", refused)]
