"""The ADS dialect's own rules, each refusal with its exact field and message: supported
types, the job name after substitution, arguments, tags, and the infrastructure a run may
override (type, subnet, block storage, shape config)."""

from __future__ import annotations

import pytest

from jobspec.errors import SpecInvalid
from jobspec.model import Infrastructure
from jobspec.spec import parse_spec
from tests.support.spec_cases import SUBNET, ads, script

INFRA, RUNTIME = "spec.infrastructure.spec", "spec.runtime.spec"
FLEX = "      shapeName: VM.Standard.E4.Flex\n"


def problems(document: bytes) -> list[tuple[str | None, str]]:
    with pytest.raises(SpecInvalid) as raised:
        parse_spec(document)
    return [(problem.field, problem.message) for problem in raised.value.problems]


def env(name: str, value: str) -> str:
    return f"      env:\n      - name: {name}\n        value: \"{value}\"\n"


def test_a_type_ads_knows_but_a_run_cannot_be_says_what_is_supported_and_why():
    assert problems(ads().replace(b"type: notebook", b"type: pyTorchDistributed")) == [
        ("spec.runtime.type", "only notebook, python and script runtimes are supported (the "
                              "job container runs notebooks, Python and shell scripts)")]
    assert problems(ads().replace(b"type: dataScienceJob", b"type: dataFlow")) == [
        ("spec.infrastructure.type", "only dataScienceJob infrastructure is supported (the runs "
                                     "are Data Science job runs)")]


@pytest.mark.parametrize(("runtime", "name", "message"), [
    (env("EMPTY", ""), "'${EMPTY}'", "is empty once ${…} references are substituted"),
    (env("T", "a\\tb"), "'x${T}'",
     "holds the control character U+0009 once ${…} references are substituted"),
])
def test_a_job_name_is_checked_once_substituted(runtime, name, message):
    document = ads(runtime=runtime).replace(b"name: report", f"name: {name}".encode())
    assert problems(document) == [("spec.name", message)]


@pytest.mark.parametrize(("args", "field", "message"), [
    ("--x", "args", "expected a list of strings, got one string: write each argument as a list "
                    "item ([--date, '2026-11-24'])"),
    ("5", "args", "expected a list of strings, got integer"),
    ('["a\\u0007"]', "args[0]", "holds the control character U+0007 (tab and newline are "
                                "allowed)"),
])
def test_arguments_are_a_list_of_strings_without_control_characters(args, field, message):
    assert problems(ads(runtime=f"      args: {args}\n")) == [(f"{RUNTIME}.{field}", message)]


def test_each_bad_tag_is_named_with_what_is_wrong():
    tags = '      freeformTags:\n        "a\\u0007": v\n        b: "x\\u0007"\n        c: 5\n'
    assert problems(ads(runtime=tags)) == [
        (f"{RUNTIME}.freeformTags.a\x07", "the tag name holds the control character U+0007"),
        (f"{RUNTIME}.freeformTags.b", "holds the control character U+0007"),
        (f"{RUNTIME}.freeformTags.c", "expected a string, got integer; quote it")]
    assert problems(ads(runtime="      freeformTags: [a]\n")) == [
        (f"{RUNTIME}.freeformTags", "expected a mapping, got list")]


def test_block_storage_of_50_gb_is_accepted_49_refused():
    spec = parse_spec(ads(infra=FLEX + "      blockStorageSize: 50\n"))
    assert spec.infrastructure == Infrastructure("ME_STANDALONE", "VM.Standard.E4.Flex", None,
                                                 None, None, 50)
    assert problems(ads(infra=FLEX + "      blockStorageSize: 49\n")) == [
        (f"{INFRA}.blockStorageSize", "must be at least 50 (GB)")]


@pytest.mark.parametrize(("infra", "field", "message"), [
    ("      jobInfrastructureType: OTHER\n", "jobInfrastructureType",
     "expected one of STANDALONE, ME_STANDALONE"),
    ("      jobInfrastructureType: STANDALONE\n", "subnetId",
     "is required with jobInfrastructureType STANDALONE"),
    (f"      jobInfrastructureType: ME_STANDALONE\n      subnetId: {SUBNET}\n", "subnetId",
     "is not used with jobInfrastructureType ME_STANDALONE"),
])
def test_the_infrastructure_type_and_the_subnet_agree(infra, field, message):
    assert problems(ads(infra=FLEX + infra)) == [(f"{INFRA}.{field}", message)]


def test_a_subnet_makes_the_run_standalone_on_it():
    spec = parse_spec(ads(infra=FLEX + f"      subnetId: {SUBNET}\n"))
    assert spec.infrastructure == Infrastructure("STANDALONE", "VM.Standard.E4.Flex", SUBNET,
                                                 None, None, None)


def test_shape_config_values_are_greater_than_zero_on_flex_shapes_only():
    def config(values: str) -> bytes:
        return ads(infra=FLEX + f"      shapeConfigDetails: {{{values}}}\n")

    spec = parse_spec(config("ocpus: 0.1, memoryInGBs: 0.5"))
    assert spec.infrastructure == Infrastructure("ME_STANDALONE", "VM.Standard.E4.Flex", None,
                                                 0.1, 0.5, None)
    assert problems(config("ocpus: 0, memoryInGBs: -1")) == [
        (f"{INFRA}.shapeConfigDetails.ocpus", "must be greater than 0"),
        (f"{INFRA}.shapeConfigDetails.memoryInGBs", "must be greater than 0")]
    assert problems(ads(infra="      shapeName: VM.Standard2.1\n"
                              "      shapeConfigDetails: {ocpus: 1}\n")) == [
        (f"{INFRA}.shapeConfigDetails", "is only for Flex shapes (a shapeName ending in Flex)")]


def test_a_log_needs_its_log_group():
    assert problems(ads(infra="      logId: ocid1.log.oc1.phx.amaaaaaaspeclog\n")) == [
        (f"{INFRA}.logId", "needs logGroupId as well")]


def test_a_conda_section_is_accepted_with_a_note_that_it_is_not_used():
    assert parse_spec(ads(runtime="      conda: {type: service}\n")).notes == (
        "spec.runtime.spec.conda is accepted and not used: the job's image runs the code with "
        "its own Python environment",)
    assert parse_spec(ads()).notes == ()


def without_runtime() -> str:
    document = ads().decode()
    return document[:document.index("  runtime:")]


@pytest.mark.parametrize(("document", "field", "message"), [
    (without_runtime(), "spec.runtime", "is required (type: notebook or python or script)"),
    (ads().decode().replace("    type: notebook\n", ""), "spec.runtime.type",
     "is required (type: notebook or python or script)"),
    (ads().decode().replace("    type: dataScienceJob\n", ""), "spec.infrastructure.type",
     "is required (type: dataScienceJob)"),
    (without_runtime() + "  runtime: 5\n", "spec.runtime", "expected a mapping, got integer"),
])
def test_a_runtime_or_infrastructure_block_needs_a_type_and_a_mapping(document, field, message):
    assert problems(document.encode()) == [(field, message)]


def test_a_refused_infrastructure_types_settings_are_not_read():
    document = ads(infra="      shapeName: VM.Standard.E4.Flex\n      logId: x\n")
    assert problems(document.replace(b"type: dataScienceJob", b"type: dataFlow")) == [
        ("spec.infrastructure.type", "only dataScienceJob infrastructure is supported (the runs "
                                     "are Data Science job runs)")]


def test_a_bad_compartment_or_env_item_is_reported_at_its_place():
    assert problems(ads(infra="      compartmentId: x\n")) == [
        (f"{INFRA}.compartmentId",
         "expected a compartment OCID (ocid1.compartment.… or ocid1.tenancy.…)")]
    assert problems(ads(runtime="      env: [5]\n")) == [
        (f"{RUNTIME}.env[0]", "expected a mapping with name and value, got integer")]


def test_a_job_name_of_255_characters_is_accepted_and_must_be_text():
    assert parse_spec(ads().replace(b"name: report", b"name: " + b"n" * 255)
                      ).display_name == "n" * 255
    assert problems(ads().replace(b"name: report", b"name: 5")) == [
        ("spec.name", "expected a string, got integer; quote it")]


def test_an_oci_code_location_that_names_no_object_is_refused_with_the_reason():
    assert problems(script("python", "scriptPathURI: oci://code@ns/")) == [
        (f"{RUNTIME}.scriptPathURI",
         "expected oci://bucket@namespace/object-or-folder (the location names no object)")]


def args(*values: str) -> bytes:
    return ads(runtime="      args: [" + ", ".join(f'"{value}"' for value in values) + "]\n")


def test_arguments_of_4000_characters_as_a_shell_joins_them_are_accepted_one_more_refused():
    # 'a b' is quoted when joined: 5 characters, a space, and 3994
    assert parse_spec(args("a b", "a" * 3994)).arguments == ("a b", "a" * 3994)
    assert parse_spec(args("a" * 4000)).arguments == ("a" * 4000,)
    assert problems(args("a" * 4001)) == [
        (f"{RUNTIME}.args", "arguments are longer than 4000 characters")]


def test_an_argument_that_is_not_a_string_is_named():
    assert problems(ads(runtime="      args: [1, x]\n")) == [
        (f"{RUNTIME}.args[0]", "expected a string, got integer; quote it")]


def test_a_shape_name_over_255_characters_is_refused():
    assert problems(ads(infra="      shapeName: " + "S" * 256 + "\n")) == [
        (f"{INFRA}.shapeName", "is longer than 255 characters")]


@pytest.mark.parametrize(("runtime", "field"), [
    ("      env:\n      - name: A\n        value: x\n      - name: B\n        value: '${'\n",
     "env[1].value"),
    ("      env: {A: x, B: '${A'}\n", "env.B"),
])
def test_a_value_ads_cannot_substitute_is_reported_at_that_value(runtime, field):
    assert problems(ads(runtime=runtime)) == [
        (f"{RUNTIME}.{field}",
         "'${' must be followed by a name and '}' (write $$ for a literal $)")]
