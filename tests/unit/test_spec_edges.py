"""The spec library at its edges: where a YAML refusal points, the exact limits (nesting,
tags, runtime, environment), Content-Range's total, and ADS's substitution rules that only
an edge case shows."""

from __future__ import annotations

import pytest

from jobspec import yamlsafe
from jobspec.errors import SpecInvalid
from jobspec.limits import CostLimits
from jobspec.model import Infrastructure
from jobspec.spec import MAX_ENV_TOTAL, parse_spec
from jobspec.substitution import MAX_DEPTH, SubstitutionError, substitute_env
from ociplatform.reading import content_range_total, read_bounded
from tests.support.spec_cases import ads

PURE_PYTHON = yamlsafe.strict_loader(yamlsafe.PythonEventParser)
LOADERS = pytest.mark.parametrize("loader", [None, PURE_PYTHON], ids=["libyaml", "python"])


def problems(document: bytes, **kwargs: object) -> list[tuple[str | None, str]]:
    with pytest.raises(SpecInvalid) as raised:
        parse_spec(document, **kwargs)
    return [(problem.field, problem.message) for problem in raised.value.problems]


# -- yamlsafe: where a refusal points -------------------------------------------------------

@LOADERS
@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("a: 1\nb: &x 1\n", 2, 4, "anchors and aliases are not allowed"),
    ("a: 1\nb:\n  - !!str 1\n", 3, 5,
     "explicit YAML tags are not allowed (quote a value to make it a string)"),
    ("a:\n  b: 1\n  <<: {c: 1}\n", 3, 3, "merge keys (<<) are not allowed"),
    ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'"),
    ("a: 1\n? [1]\n: x\n", 2, 3, "mapping keys must be strings"),
])
def test_each_strict_refusal_points_at_its_line_and_column(loader, text, line, column,
                                                           message):
    with pytest.raises(yamlsafe.YamlProblem) as raised:
        yamlsafe.load(text, loader)
    problem = raised.value
    assert (problem.line, problem.column) == (line, column)
    assert str(problem) == f"line {line}, column {column}: {message}"


def test_an_alias_points_at_itself():
    with pytest.raises(yamlsafe.YamlProblem) as raised:
        yamlsafe.load("a: 1\nb: *x\n")
    assert (raised.value.line, raised.value.column) == (2, 4)


def test_a_problem_without_a_place_has_no_prefix():
    problem = yamlsafe.YamlProblem("bad")
    assert (str(problem), problem.line, problem.column) == ("bad", None, None)


@LOADERS
def test_a_long_duplicate_key_is_shown_shortened(loader):
    key = "k" * 100
    with pytest.raises(yamlsafe.YamlProblem) as raised:
        yamlsafe.load(f"{key}: 1\n{key}: 2\n", loader)
    assert str(raised.value) == f"line 2, column 1: duplicate key '{'k' * 64}…'"


@LOADERS
def test_a_duplicate_key_of_exactly_64_characters_is_shown_whole(loader):
    key = "k" * 64
    with pytest.raises(yamlsafe.YamlProblem) as raised:
        yamlsafe.load(f"{key}: 1\n{key}: 2\n", loader)
    assert str(raised.value).endswith(f"duplicate key '{key}'")


@LOADERS
def test_nesting_of_exactly_max_depth_is_accepted_one_more_refused(loader):
    # the top-level sequence counts as one level
    assert yamlsafe.load("[" * yamlsafe.MAX_DEPTH + "]" * yamlsafe.MAX_DEPTH, loader) is not None
    deeper = yamlsafe.MAX_DEPTH + 1
    with pytest.raises(yamlsafe.YamlProblem) as raised:
        yamlsafe.load("[" * deeper + "]" * deeper, loader)
    assert str(raised.value) == (f"line 1, column {deeper}: nesting is deeper than "
                                 f"{yamlsafe.MAX_DEPTH} levels")


# -- reading: Content-Range -----------------------------------------------------------------

class Stream:
    def __init__(self, data: bytes) -> None:
        self.data, self.closed = data, False

    def iter_content(self, size: int):
        yield self.data

    def close(self) -> None:
        self.closed = True


class Response:
    def __init__(self, data: bytes, content_range: str | None) -> None:
        self.data = Stream(data)
        self.headers = {"content-range": content_range} if content_range else {}


def test_content_range_total_over_the_limit_means_too_large_whatever_arrived():
    # a server that sends only the asked range: the total alone tells the object is larger
    response = Response(b"x" * 10, "bytes 0-9/1000")
    assert read_bounded(response, limit=100) == (b"x" * 10, True)
    assert response.data.closed


def test_content_range_total_at_the_limit_is_not_too_large():
    assert read_bounded(Response(b"x" * 100, "bytes 0-99/100"), limit=100) == (b"x" * 100,
                                                                                False)


def test_without_a_total_the_bytes_decide():
    assert read_bounded(Response(b"x" * 100, "bytes 0-99/*"), limit=100)[1] is False
    assert read_bounded(Response(b"x" * 101, None), limit=100) == (b"x" * 101, True)


@pytest.mark.parametrize(("value", "total"), [
    ("bytes 0-99/1234", 1234), ("bytes 0-99/ 7 ", 7), ("bytes 0-99/*", None), (None, None),
    ("", None), ("bytes 0-99", None),
])
def test_content_range_total(value, total):
    assert content_range_total(value) == total


# -- ADS runtime: exact limits --------------------------------------------------------------

RUNTIME = "spec.runtime.spec"


def test_a_maximum_runtime_of_one_minute_is_accepted_zero_refused():
    assert parse_spec(ads(runtime="      maximumRuntimeInMinutes: 1\n")
                      ).maximum_runtime_in_minutes == 1
    assert problems(ads(runtime="      maximumRuntimeInMinutes: 0\n")) == [
        (f"{RUNTIME}.maximumRuntimeInMinutes", "must be at least 1")]


def test_tag_names_of_one_to_100_characters_and_values_up_to_256_are_accepted():
    name, value = "t" * 100, "v" * 256
    spec = parse_spec(ads(runtime=f"      freeformTags:\n        {name}: {value}\n"
                                  "        a: ''\n"))
    assert dict(spec.freeform_tags) == {name: value, "a": ""}


def test_a_tag_name_over_100_characters_or_empty_is_refused():
    name = "t" * 101
    assert problems(ads(runtime=f"      freeformTags:\n        {name}: v\n        '': v\n")) == [
        (f"{RUNTIME}.freeformTags.{'t' * 64}…", "tag names are 1 to 100 characters"),
        (f"{RUNTIME}.freeformTags.", "tag names are 1 to 100 characters")]


def test_a_tag_value_over_256_characters_is_refused():
    assert problems(ads(runtime=f"      freeformTags:\n        t: {'v' * 257}\n")) == [
        (f"{RUNTIME}.freeformTags.t", "is longer than 256 characters")]


def test_an_env_item_without_a_value_is_one_problem_at_the_missing_key():
    assert problems(ads(runtime="      env:\n      - name: A\n")) == [
        (f"{RUNTIME}.env[0].value", "is required")]


def test_the_launchers_own_variables_count_toward_the_env_limit():
    value = "v" * (MAX_ENV_TOTAL - 1 - 100)
    document = ads(runtime=f"      env:\n      - name: A\n        value: {value}\n")
    assert dict(parse_spec(document).environment)["A"] == value
    launcher = {"NOTEPAD_YAML_URL": "u" * 101}  # 16 + 101 characters: one too many
    assert problems(document, launcher_env=launcher) == [
        (f"{RUNTIME}.env", f"environment variables total more than {MAX_ENV_TOTAL} characters "
                           "with the launcher's own")]
    assert dict(parse_spec(document, launcher_env={"X": "u" * 99}).environment)["A"] == value


def test_an_ads_document_is_recognised_by_its_spec_key_alone():
    document = ads().replace(b"kind: job\n", b"")
    assert problems(document) == [("kind", "expected 'job'")]


# -- the deployment's cost limits -----------------------------------------------------------

INFRA = "spec.infrastructure.spec"
LIMITS = CostLimits(frozenset({"VM.B.Flex", "VM.A.Flex"}), max_block_storage_gbs=100,
                    max_runtime_minutes=60)


def test_a_spec_exactly_at_the_deployments_limits_is_accepted():
    spec = parse_spec(ads(infra="      shapeName: VM.A.Flex\n      blockStorageSize: 100\n",
                          runtime="      maximumRuntimeInMinutes: 60\n"), limits=LIMITS)
    assert spec.infrastructure == Infrastructure("ME_STANDALONE", "VM.A.Flex", None, None, None,
                                                 100)
    assert spec.maximum_runtime_in_minutes == 60


def test_storage_and_runtime_over_the_deployments_limits_are_refused_with_the_limit():
    assert problems(ads(infra="      shapeName: VM.A.Flex\n      blockStorageSize: 101\n",
                        runtime="      maximumRuntimeInMinutes: 61\n"), limits=LIMITS) == [
        (f"{INFRA}.blockStorageSize",
         "is more than this deployment allows (100 GB, MAX_BLOCK_STORAGE_GBS)"),
        (f"{RUNTIME}.maximumRuntimeInMinutes",
         "is more than this deployment allows (60 minutes, MAX_RUNTIME_MINUTES)")]


def test_a_shape_the_deployment_does_not_allow_is_refused_naming_the_allowed_ones():
    document = ads(infra="      shapeName: VM.Standard.E4.Flex\n")
    assert problems(document, limits=LIMITS) == [
        (f"{INFRA}.shapeName", "is not one of the shapes this deployment allows "
                               "(ALLOWED_SHAPES: VM.A.Flex, VM.B.Flex)")]
    assert problems(document, limits=CostLimits()) == [
        (f"{INFRA}.shapeName", "names a shape, but this deployment lets no run override the "
                               "job's shape (ALLOWED_SHAPES is empty)")]


# -- substitution: ADS's edge cases ---------------------------------------------------------

def chain(length: int) -> dict[str, str]:
    """V0 refers to V1, … V<length-1> refers to V<length>, which is plain."""
    env = {f"V{i}": f"${{V{i + 1}}}" for i in range(length)}
    env[f"V{length}"] = "end"
    return env


def test_references_resolve_up_to_ads_depth_limit():
    assert substitute_env(chain(MAX_DEPTH))["V0"] == "end"


def test_references_one_level_deeper_than_ads_allows_are_refused():
    with pytest.raises(SubstitutionError) as raised:
        substitute_env(chain(MAX_DEPTH + 1))
    assert raised.value.name == "V0"
    assert str(raised.value) == raised.value.message == (
        f"references nest more than {MAX_DEPTH} levels deep (does a variable refer to itself?)")


def test_a_reference_to_another_section_stays_as_written():
    env = substitute_env({"A": "x", "B": "${other:A} and $$", "C": "${envs:A}"})
    assert env == {"A": "x", "B": "${other:A} and $$", "C": "x"}


@pytest.mark.parametrize(("value", "message"), [
    ("${a:b:c}", "a ${…} reference has more than one ':'"),
    ("${}", "'${' must be followed by a name and '}' (write $$ for a literal $)"),
    ("${A", "'${' must be followed by a name and '}' (write $$ for a literal $)"),
])
def test_references_ads_refuses_say_why(value, message):
    with pytest.raises(SubstitutionError) as raised:
        substitute_env({"A": "x", "B": value})
    assert (raised.value.name, str(raised.value)) == ("B", message)


# -- where ADS problems point, and the unrecognised spec ------------------------------------

INFRA = "spec.infrastructure.spec"


def test_a_non_text_infrastructure_type_points_at_its_key():
    [(field, _)] = problems(ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                      "      jobInfrastructureType: [ME_STANDALONE]\n"))
    assert field == f"{INFRA}.jobInfrastructureType"


def test_a_bad_project_ocid_points_at_its_key():
    [(field, message)] = problems(ads().replace(b"ocid1.datascienceproject.", b"ocid1.bogus."))
    assert field == f"{INFRA}.projectId" and "ocid1.datascienceproject." in message


def test_a_document_of_neither_dialect_says_what_was_expected():
    assert problems(b"hello: world\n") == [(None, (
        "unrecognised spec: expected the flat keys (noteBook, jobName, …) or an ADS job YAML "
        "(kind: job)"))]


def test_the_lint_commands_size_limit_option_is_a_number_of_bytes(tmp_path, capsys):
    from jobspec.__main__ import main

    spec = tmp_path / "big.yaml"
    spec.write_bytes(b"noteBook: https://example.com/a.ipynb\njobName: " + b"x" * 100 + b"\n")
    assert main(["--max-spec-bytes", "50", str(spec)]) == 1
    assert "50" in capsys.readouterr().out
    assert main(["--max-spec-bytes", "500", str(spec)]) == 0


def test_bad_subnet_and_log_ocids_point_at_their_keys():
    found = problems(ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                               "      subnetId: ocid1.bogus.oc1..x\n"
                               "      logGroupId: ocid1.loggroup.oc1.phx.x\n"
                               "      logId: ocid1.bogus.oc1..y\n"))
    assert [field for field, _ in found] == [f"{INFRA}.subnetId", f"{INFRA}.logId"]


def test_a_section_that_is_not_a_mapping_says_what_it_got():
    assert problems(b"kind: job\nspec: 5\n")[0] == ("spec", "expected a mapping, got integer")


def test_a_document_with_only_a_misspelled_flat_key_is_read_as_flat():
    [(field, message)] = problems(b"noteBok: https://example.com/a.ipynb\n")
    assert field == "noteBok" and "noteBook" in message


@pytest.mark.parametrize(("block", "why"), [
    ("infrastructure", "the runs are Data Science job runs"),
    ("runtime", "every run of this job runs the job's own image"),
])
def test_a_supported_but_other_ads_type_says_why_it_is_refused(block, why):
    other = {"infrastructure": (b"type: dataScienceJob", b"type: dataFlow"),
             "runtime": (b"type: notebook", b"type: container")}[block]
    found = problems(ads().replace(*other))
    assert any(why in message for _, message in found), found


def test_every_bad_env_item_is_reported_not_only_the_first():
    found = problems(ads(runtime="      env:\n"
                                  "      - name: 1BAD\n        value: x\n"
                                  "      - name: A\n        value: null\n"
                                  "      - name: B\n        value: 5\n"
                                  "      - name: C\n        value: x\n"
                                  "      - name: C\n        value: y\n"
                                  "      - name: D\n        value: x\n"))
    assert [field for field, _ in found] == [
        f"{RUNTIME}.env[0].name", f"{RUNTIME}.env[1].value", f"{RUNTIME}.env[2].value",
        f"{RUNTIME}.env[4].name"]


def test_a_character_yaml_does_not_allow_is_named_with_its_position():
    with pytest.raises(yamlsafe.YamlProblem) as raised:
        yamlsafe.load("a: \x07\n")
    assert str(raised.value) == "control characters are not allowed (character 3)"


def test_an_ads_document_needs_its_spec_section():
    assert problems(b"kind: job\n")[0] == ("spec", "is required")


def test_an_output_folder_that_is_not_text_says_what_it_is():
    assert problems(b"noteBook: https://e.com/a.ipynb\noutputFolder: 5\n") == [
        ("outputFolder", "expected a string, got integer; quote it")]


def test_a_job_name_too_long_says_so_and_whether_substitution_made_it_so():
    long_name = "n" * 300
    assert problems(ads().replace(b"name: report", f"name: {long_name}".encode())) == [
        ("spec.name", "is longer than 255 characters")]
    grown = ads(runtime="      env:\n      - name: X\n        value: " + "x" * 300 + "\n"
                ).replace(b"name: report", b"name: a${X}")
    assert problems(grown) == [
        ("spec.name", "is longer than 255 characters once ${…} references are substituted")]
