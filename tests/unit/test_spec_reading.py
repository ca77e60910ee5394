"""The spec library's reading helpers: the messages typed reads give, where a field was
written, and when an unknown key earns a suggestion."""

from __future__ import annotations

import pytest

from jobspec import yamlsafe
from jobspec.document import Document
from jobspec.errors import Problem, SpecInvalid, SpecTooLarge
from jobspec.problems import type_name
from jobspec.spec import parse_spec
from jobspec.suggestions import suggest
from tests.support.spec_cases import ads, flat

INFRA = "spec.infrastructure.spec"
FLEX = "      shapeName: VM.Standard.E4.Flex\n"


def problems(document: bytes) -> list[tuple[str | None, str]]:
    with pytest.raises(SpecInvalid) as raised:
        parse_spec(document)
    return [(problem.field, problem.message) for problem in raised.value.problems]


def document(text: str) -> Document:
    return Document.from_nodes(*yamlsafe.load_with_nodes(text))


# -- what a typed read says -----------------------------------------------------------------

@pytest.mark.parametrize(("infra", "field", "message"), [
    (FLEX + "      shapeConfigDetails: {ocpus: '1.5'}\n", f"{INFRA}.shapeConfigDetails.ocpus",
     "expected a number, got string; write it without quotes"),
    (FLEX + "      shapeConfigDetails: {ocpus: 'two'}\n", f"{INFRA}.shapeConfigDetails.ocpus",
     "expected a number, got string"),
    (FLEX + "      blockStorageSize: '100'\n", f"{INFRA}.blockStorageSize",
     "expected an integer, got string; write it without quotes"),
    # not a whole number: taking the quotes away would not make it an integer
    (FLEX + "      blockStorageSize: '100.5'\n", f"{INFRA}.blockStorageSize",
     "expected an integer, got string"),
])
def test_a_quoted_number_is_told_to_lose_its_quotes_only_when_that_makes_it_right(
        infra, field, message):
    assert problems(ads(infra=infra)) == [(field, message)]


def test_a_type_yaml_never_gives_is_named_by_its_python_name():
    assert (type_name(b"x"), type_name(1 + 2j)) == ("bytes", "complex")


def test_a_bad_log_group_or_log_of_a_flat_spec_is_reported_at_its_key():
    assert problems(flat("logGroupId: group\nlogId: log\n")) == [
        ("logGroupId", "expected a loggroup OCID (ocid1.loggroup.…)"),
        ("logId", "expected a log OCID (ocid1.log.…)")]


@pytest.mark.parametrize(("document", "key", "meant"), [
    # "output" is too far from outputFolder to be a typo: it is a known other name for it
    (b"output: oci://out@ns/x/\n", "output", "outputFolder"),
    (b"jobNme: report\n", "jobNme", "jobName"),
])
def test_a_document_with_only_a_misspelt_or_other_name_of_a_flat_key_is_a_flat_spec(
        document, key, meant):
    assert problems(document) == [
        ("noteBook", "is required: the https:// or oci:// URL of the notebook to run"),
        (key, f"unknown key; did you mean {meant}?")]


# -- where a field was written --------------------------------------------------------------

def test_a_document_keeps_the_data_it_was_read_with():
    assert document("a: [1, {b: c}]\n").data == {"a": [1, {"b": "c"}]}


def test_the_field_on_a_line_is_its_innermost_and_first():
    read = document("top:\n  env: {b: 1, a: 2}\n  list:\n  - x\n")
    assert read.field_at(1) == ("top",)
    assert read.field_at(2) == ("top", "env", "b")
    assert read.field_at(4) == ("top", "list", 0)


def test_a_line_without_a_field_has_none():
    read = document("a: 1\n\n# a comment\nb: 2\n")
    assert (read.field_at(2), read.field_at(3), read.field_at(9)) == (None, None, None)


# -- suggestions ----------------------------------------------------------------------------

def test_a_misspelling_close_to_a_key_is_suggested_a_distant_one_is_not():
    assert suggest("notbook", ["noteBook", "jobName"]) == "noteBook"
    # difflib's ratio of nbook to notebook is 0.77: below the cutoff, too far to be a typo
    assert suggest("nbook", ["noteBook", "jobName"]) is None


# -- a key of the other dialect -------------------------------------------------------------

def test_an_ads_key_in_a_flat_spec_is_named_with_its_ads_path():
    assert problems(flat("apiVersion: v1\nname: x\nSHAPE_NAME: x\nocpus: 2\nsource: a\n")) == [
        ("apiVersion", "unknown key; apiVersion is a key of the ADS dialect (apiVersion)"),
        ("name", "unknown key; did you mean jobName? name is a key of the ADS dialect "
                 "(spec.name)"),
        ("SHAPE_NAME", "unknown key; shapeName is a key of the ADS dialect "
                       "(spec.infrastructure.spec.shapeName)"),
        # keys ADS knows but a spec may not use there are not offered as the ADS spelling
        ("ocpus", "unknown key"),
        ("source", "unknown key"),
    ]


# -- environment values ---------------------------------------------------------------------

def test_an_env_value_keeps_tabs_and_newlines_and_refuses_other_control_characters():
    def env(value: str) -> bytes:
        return ads(runtime=f"      env:\n      - name: A\n        value: \"{value}\"\n")

    assert parse_spec(env("a\\tb\\nc")).environment == (("A", "a\tb\nc"),)
    assert problems(env("a\\u0007")) == [
        ("spec.runtime.spec.env[0].value",
         "holds the control character U+0007 (tab and newline are allowed)")]


# -- the errors the library raises ----------------------------------------------------------

def test_an_invalid_spec_is_told_by_its_first_problem_and_how_many_more():
    one = SpecInvalid([Problem("a.b", "is required")])
    assert (one.message, one.field, str(one)) == ("a.b: is required", "a.b", "a.b: is required")
    three = SpecInvalid([Problem(None, "the spec is empty"), Problem("x", "bad"),
                         Problem("y", "bad")])
    assert (three.message, three.field) == ("the spec is empty (and 2 more)", None)
    assert three.problems == (Problem(None, "the spec is empty"), Problem("x", "bad"),
                              Problem("y", "bad"))


def test_an_invalid_spec_needs_a_problem():
    with pytest.raises(ValueError) as raised:
        SpecInvalid([])
    assert str(raised.value) == "SpecInvalid needs at least one problem"


def test_a_spec_too_large_has_no_field():
    error = SpecTooLarge("the spec is larger than 10 bytes")
    assert (error.message, error.field, str(error)) == (
        "the spec is larger than 10 bytes", None, "the spec is larger than 10 bytes")


# -- a file that is no spec at all ----------------------------------------------------------

TAB = "a tab character in the indentation: YAML indents with spaces only"


@pytest.mark.parametrize(("document", "message"), [
    (b"", "the spec is empty"),
    (b"# only a comment\n", "the spec is empty"),
    (b"- noteBook: x\n", "expected a mapping at the top level, got list"),
    (b"\xff\xfe", "the spec is not valid UTF-8"),
    # a tab: the file read with spaces is a list, or still not YAML: only the tab is told
    (b"\t- x\n", f"invalid YAML: line 1, column 1: {TAB}"),
    (b"a:\n\t- [\n", f"invalid YAML: line 2, column 1: {TAB}"),
    (b"a: 1\n---\nb: 2\n", "invalid YAML: line 2, column 1: expected a single document in "
                           "the stream: but found another document"),
])
def test_a_file_that_is_not_a_mapping_has_one_problem_of_the_whole_file(document, message):
    assert problems(document) == [(None, message)]


FLEX_INFRA = "      shapeName: VM.Standard.E4.Flex\n"


@pytest.mark.parametrize(("infra", "field", "message"), [
    ("      blockStorageSize: true\n", "blockStorageSize", "expected an integer, got boolean"),
    ("      blockStorageSize: 0100\n", "blockStorageSize",
     "is read as a YAML 1.1 int but is ambiguous; write a plain decimal number"),
    ("      shapeConfigDetails: {ocpus: 1_0}\n", "shapeConfigDetails.ocpus",
     "is read as a YAML 1.1 int but is ambiguous; write a plain decimal number"),
    ("      shape_name: x\n", "shape_name",
     "shapeName and shape_name are the same setting; give it once"),
])
def test_a_number_must_be_a_plain_decimal_and_a_setting_given_once(infra, field, message):
    assert problems(ads(infra=FLEX_INFRA + infra)) == [(f"{INFRA}.{field}", message)]


def test_the_keys_after_a_setting_given_twice_are_still_read():
    infra = FLEX_INFRA + "      shape_name: x\n      blockStorageSize: 10\n"
    assert problems(ads(infra=infra)) == [
        (f"{INFRA}.shape_name", "shapeName and shape_name are the same setting; give it once"),
        (f"{INFRA}.blockStorageSize", "must be at least 50 (GB)")]


def test_a_text_setting_of_its_maximum_length_is_accepted():
    infra = parse_spec(ads(infra="      shapeName: " + "S" * 255 + "\n")).infrastructure
    assert infra is not None and infra.shape_name == "S" * 255
