from pathlib import Path

import pytest

from jobspec.errors import SpecInvalid as InvalidSpec
from jobspec.errors import SpecTooLarge
from jobspec.spec import Infrastructure, parse_spec
from tests.spec_cases import COMPARTMENT, INVALID, LOG, LOG_GROUP, PROJECT, TOO_LARGE, ads, flat

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.name)
def test_invalid_specs_are_refused_with_field_and_message(case):
    with pytest.raises(InvalidSpec) as error:
        parse_spec(case.document)
    assert error.value.field == case.field
    assert case.fragment in error.value.message
    assert error.value.problems[0].field == case.field


def test_messages_never_contain_spec_text():
    secret = "s3cr3t-value-in-spec"
    for document in (f"noteBook: no\n{secret}: [1, 2\n".encode(),
                     flat(f"x: &a {secret}\ny: *a\n"),
                     ads(runtime=f"      env:\n      - name: '{secret}!'\n        value: x\n")):
        with pytest.raises(InvalidSpec) as error:
            parse_spec(document)
        assert secret not in error.value.message


def test_every_problem_is_reported_not_just_the_first():
    with pytest.raises(InvalidSpec) as error:
        parse_spec(b"noteBook: no\njobName: 012\nprojectId: x\n")
    assert [p.field for p in error.value.problems] == ["noteBook", "jobName", "projectId"]
    assert "(and 2 more)" in error.value.message


def test_size_limit_is_inclusive():
    limit = 100
    doc = flat()
    exact = doc + b"#" * (limit - len(doc) - 1) + b"\n"
    assert len(exact) == limit
    parse_spec(exact, max_bytes=limit)
    with pytest.raises(SpecTooLarge):
        parse_spec(exact + b"#", max_bytes=limit)
    with pytest.raises(SpecTooLarge):
        parse_spec(TOO_LARGE.document)


def test_flat_dialect_reads_the_launcher_fields():
    spec = parse_spec(flat(f"projectId: {PROJECT}\ncompartmentId: {COMPARTMENT}\n"
                           f"logGroupId: {LOG_GROUP}\nlogId: {LOG}\n"
                           "outputFolder: oci://out@myns/reports/\ncustomKey: [1, 2]\n"))
    assert (spec.dialect, spec.display_name) == ("flat", "report")
    assert (spec.project_id, spec.compartment_id) == (PROJECT, COMPARTMENT)
    assert (spec.log_group_id, spec.log_id) == (LOG_GROUP, LOG)
    assert spec.environment == () and spec.arguments is None and spec.infrastructure is None


def test_flat_spec_may_leave_project_and_compartment_to_the_job():
    spec = parse_spec(flat())
    assert spec.project_id is None and spec.compartment_id is None


def test_ads_documentation_notebook_example_is_accepted_as_written():
    spec = parse_spec((ROOT / "examples/specs/ads-notebook-job.yaml").read_bytes())
    assert spec.dialect == "ads" and spec.display_name == "My Job"
    assert spec.environment == (("GREETINGS", "Welcome to OCI Data Science"),)
    assert spec.infrastructure == Infrastructure(
        type="STANDALONE", shape_name="VM.Standard.E3.Flex",
        subnet_id="ocid1.subnet.oc1.phx.aaaaaaaaexamplesubnet", ocpus=1, memory_in_gbs=16,
        block_storage_size_in_gbs=50)


def test_ads_args_are_joined_with_shell_quoting():
    spec = parse_spec(ads(runtime="      args: [--date, '2026-11-24', 'two words', \"it's\"]\n"))
    assert spec.arguments == ("--date", "2026-11-24", "two words", "it's")
    assert spec.command_line_arguments == "--date 2026-11-24 'two words' 'it'\"'\"'s'"


@pytest.mark.parametrize("infra, expected_type, subnet", [
    ("      shapeName: VM.Standard.E4.Flex\n", "ME_STANDALONE", None),
    ("      shapeName: VM.Standard.E4.Flex\n      subnetId: ocid1.subnet.oc1.phx.aaaasub\n",
     "STANDALONE", "ocid1.subnet.oc1.phx.aaaasub"),
    ("      shapeName: VM.Standard.E4.Flex\n      jobInfrastructureType: ME_STANDALONE\n",
     "ME_STANDALONE", None),
])
def test_infrastructure_type_follows_the_subnet_unless_given(infra, expected_type, subnet):
    spec = parse_spec(ads(infra=infra))
    assert spec.infrastructure.type == expected_type
    assert spec.infrastructure.subnet_id == subnet
    assert spec.infrastructure.block_storage_size_in_gbs is None


def test_no_infrastructure_override_without_a_shape():
    spec = parse_spec(ads(infra="      subnetId: ocid1.subnet.oc1.phx.aaaasub\n"
                                "      shapeConfigDetails: {ocpus: 2}\n"))
    assert spec.infrastructure is None


def test_unknown_ads_keys_are_left_to_the_container():
    spec = parse_spec(ads(infra="      someFutureKey: 1\n",
                          runtime="      conda: {type: service, slug: x}\n"
                                  "      excludeTags: [a]\n      freeformTags: {a: b}\n"))
    assert spec.dialect == "ads"


def test_a_utf8_bom_is_accepted():
    assert parse_spec(b"\xef\xbb\xbf" + flat()).display_name == "report"


def test_env_total_of_exactly_the_limit_is_accepted():
    name = "V"
    spec = parse_spec(ads(runtime=f"      env:\n      - name: {name}\n"
                                  f"        value: {'x' * (20000 - len(name))}\n"))
    assert len(spec.environment[0][1]) == 19999
