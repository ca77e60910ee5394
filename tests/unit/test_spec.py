from dataclasses import replace

import pytest

from jobspec.errors import SpecInvalid as InvalidSpec
from jobspec.errors import SpecTooLarge
from jobspec.spec import Infrastructure, parse_spec
from tests.support.paths import ROOT
from tests.support.spec_cases import (
    COMPARTMENT,
    INVALID,
    LOG,
    LOG_GROUP,
    NOTEBOOK,
    PROJECT,
    SUBNET,
    TOO_LARGE,
    ads,
    flat,
)


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
                           "outputFolder: oci://out@myns/reports/\nx-team: [1, 2]\n"))
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
    spec = parse_spec(ads(infra="      jobType: DEFAULT\n"))
    assert spec.infrastructure is None


@pytest.mark.parametrize("key", ["subnetId: " + SUBNET, "shapeConfigDetails: {ocpus: 2}",
                                 "blockStorageSize: 100", "jobInfrastructureType: STANDALONE"])
def test_infrastructure_settings_without_a_shape_are_refused_not_dropped(key):
    with pytest.raises(InvalidSpec) as error:
        parse_spec(ads(infra=f"      {key}\n"))
    assert error.value.message.startswith(
        f"spec.infrastructure.spec.{key.split(':')[0]}: has no effect without shapeName")


def test_keys_ads_knows_but_nothing_uses_are_accepted_and_ignored():
    spec = parse_spec(ads(infra="      jobType: DEFAULT\n      displayName: ignored\n"
                                "      freeform_tags: {a: b}\n      definedTags: {}\n"
                                "      storageMount: []\n",
                          runtime="      conda: {type: service, slug: x}\n"
                                  "      definedTags: {}\n"))
    # Only a note says conda is left alone: the image's own environment runs the code.
    assert spec.notes == ("spec.runtime.spec.conda is accepted and not used: the job's image "
                          "runs the code with its own Python environment",)
    assert replace(spec, notes=()) == parse_spec(ads())


def test_the_runtime_limit_and_tags_are_read_as_ads_puts_them_on_runs():
    spec = parse_spec(ads(runtime="      maximumRuntimeInMinutes: 90\n"
                                  "      freeform_tags: {team: bi, cost-centre: '1234'}\n"))
    assert spec.maximum_runtime_in_minutes == 90
    assert spec.freeform_tags == (("team", "bi"), ("cost-centre", "1234"))


@pytest.mark.parametrize("runtime, field, message", [
    ("maximumRuntimeInMinutes: 0", "maximumRuntimeInMinutes", "must be at least 1"),
    ("maximumRuntimeInMinutes: '90'", "maximumRuntimeInMinutes",
     "expected an integer, got string"),
    ("freeformTags: {team: 12}", "freeformTags.team", "expected a string, got integer"),
    ("freeformTags: [team]", "freeformTags", "expected a mapping, got list"),
])
def test_the_runtime_limit_and_tags_are_checked(runtime, field, message):
    with pytest.raises(InvalidSpec) as error:
        parse_spec(ads(runtime=f"      {runtime}\n"))
    assert error.value.message.startswith(f"spec.runtime.spec.{field}: {message}")


@pytest.mark.parametrize("outer, inner, accepted", [
    ("shapeConfigDetails", "OCPUS", False), ("shapeConfigDetails", "memory_in_gbs", True),
    ("shape_config_details", "OCPUS", True), ("SHAPE_CONFIG_DETAILS", "Memory_In_GBs", True),
])
def test_shape_config_names_fold_case_only_under_a_snake_case_outer_key(outer, inner,
                                                                          accepted):
    document = ads(infra=f"      shapeName: {FLEX}\n      {outer}: {{{inner}: 8}}\n")
    if accepted:
        infrastructure = parse_spec(document).infrastructure
        assert 8 in (infrastructure.ocpus, infrastructure.memory_in_gbs)
        return
    with pytest.raises(InvalidSpec) as error:
        parse_spec(document)
    assert error.value.field == f"spec.infrastructure.spec.{outer}.{inner}"
    assert "did you mean ocpus?" in error.value.message


def test_author_keys_are_ignored_at_every_level():
    document = ads(infra="      x-owner: data-team\n", runtime="      x-note: {any: [thing]}\n")
    document = b"x-top: 1\n" + document.replace(b"  name: report\n",
                                                 b"  name: report\n  x-level: 2\n")
    assert parse_spec(document) == parse_spec(ads())
    assert parse_spec(flat("x-anything: no\n")) == parse_spec(flat())


def test_a_utf8_bom_is_accepted():
    assert parse_spec(b"\xef\xbb\xbf" + flat()).display_name == "report"


def test_env_total_of_exactly_the_limit_is_accepted():
    name = "V"
    spec = parse_spec(ads(runtime=f"      env:\n      - name: {name}\n"
                                  f"        value: {'x' * (20000 - len(name))}\n"))
    assert len(spec.environment[0][1]) == 19999


# -- ADS parity: every name ADS accepts for a setting means the same ---------------------------

FLEX = "VM.Standard.E4.Flex"
SHAPE = f"shapeName: {FLEX}"
INFRASTRUCTURE_ALIASES = [  # (camelCase, another name ADS accepts, value, other lines, read)
    ("projectId", "project_id", PROJECT, [], lambda s: s.project_id),
    ("compartmentId", "compartment_id", COMPARTMENT, [], lambda s: s.compartment_id),
    ("logGroupId", "log_group_id", LOG_GROUP, [], lambda s: s.log_group_id),
    ("logId", "log_id", LOG, [f"logGroupId: {LOG_GROUP}"], lambda s: s.log_id),
    ("shapeName", "shape_name", FLEX, [], lambda s: s.infrastructure.shape_name),
    ("shapeName", "SHAPE_NAME", FLEX, [], lambda s: s.infrastructure.shape_name),
    ("subnetId", "subnet_id", SUBNET, [SHAPE], lambda s: s.infrastructure.subnet_id),
    ("jobInfrastructureType", "job_infrastructure_type", "ME_STANDALONE", [SHAPE],
     lambda s: s.infrastructure.type),
    ("blockStorageSize", "block_storage_size", 120, [SHAPE],
     lambda s: s.infrastructure.block_storage_size_in_gbs),
    ("blockStorageSize", "block_storage_size_in_gbs", 120, [SHAPE],
     lambda s: s.infrastructure.block_storage_size_in_gbs),
]


@pytest.mark.parametrize("camel, alias, value, other, read", INFRASTRUCTURE_ALIASES,
                         ids=[f"{c[0]}-{c[1]}" for c in INFRASTRUCTURE_ALIASES])
def test_every_ads_name_of_an_infrastructure_setting_means_the_same(camel, alias, value,
                                                                     other, read):
    for key in (camel, alias):
        lines = "".join(f"      {line}\n" for line in [f"{key}: {value}", *other])
        document = ads(infra=lines).replace(f"      projectId: {PROJECT}\n".encode(), b"", 1)
        assert read(parse_spec(document)) == value, key


@pytest.mark.parametrize("key", ["shapeConfigDetails", "shape_config_details",
                                 "job_shape_config_details"])
@pytest.mark.parametrize("memory", ["memoryInGBs", "memory_in_gbs"])
def test_every_ads_name_of_the_shape_config_means_the_same(key, memory):
    spec = parse_spec(ads(infra=f"      shapeName: {FLEX}\n      {key}: {{ocpus: 2, "
                                f"{memory}: 32}}\n"))
    assert (spec.infrastructure.ocpus, spec.infrastructure.memory_in_gbs) == (2, 32)


@pytest.mark.parametrize("camel, alias, read", [
    ("notebookPathURI", "notebook_path_uri", lambda s: s.container.notebook),
    ("outputUri", "output_uri", lambda s: s.container.output_field),
    ("outputUri", "outputURI", lambda s: s.container.output_field),
    ("excludeTags", "exclude_tags", lambda s: s.container.exclude_tags),
    ("notebookEncoding", "notebook_encoding", lambda s: s.container.encoding),
])
def test_every_ads_name_of_a_runtime_setting_means_the_same(camel, alias, read):
    values = {"notebookPathURI": NOTEBOOK, "outputUri": "oci://out@ns/reports/",
              "excludeTags": "[skip, slow]", "notebookEncoding": "latin-1"}
    results = []
    for key in (camel, alias):
        document = ads(runtime=f"      {key}: {values[camel]}\n" if camel != "notebookPathURI"
                       else "")
        if camel == "notebookPathURI":
            document = document.replace(b"notebookPathURI", key.encode())
        results.append(read(parse_spec(document)))
    assert results[0] is not None
    if camel == "outputUri":
        assert results == ["spec.runtime.spec.outputUri", f"spec.runtime.spec.{alias}"]
    else:
        assert results[0] == results[1]


def test_env_as_a_mapping_means_the_same_as_the_list():
    as_list = parse_spec(ads(runtime="      env:\n      - {name: A, value: x}\n"
                                     "      - {name: B, value: 'y z'}\n"))
    as_mapping = parse_spec(ads(runtime="      env: {A: x, B: 'y z'}\n"))
    assert as_list.environment == as_mapping.environment == (("A", "x"), ("B", "y z"))


def test_empty_args_send_no_command_line_like_ads():
    assert parse_spec(ads(runtime="      args: []\n")).command_line_arguments is None


# -- ${VAR} substitution, as ADS does it --------------------------------------------------------

def test_env_values_are_substituted_as_ads_documents():
    spec = parse_spec(ads(runtime="""      env:
      - {name: HOST, value: 10.0.0.1}
      - {name: PORT, value: '443'}
      - {name: URL, value: 'http://${HOST}:${PORT}/path/'}
      - {name: ESCAPED_URL, value: 'http://$${HOST}:$${PORT}/path/'}
      - {name: MISSING_VAR, value: 'This is ${UNDEFINED} $$'}
      - {name: VAR_WITH_DOLLAR, value: $10}
      - {name: DOUBLE_DOLLAR, value: $$10}
      - {name: SECTION, value: '${envs:HOST}'}
"""))
    assert dict(spec.environment) == {
        "HOST": "10.0.0.1", "PORT": "443", "URL": "http://10.0.0.1:443/path/",
        "ESCAPED_URL": "http://${HOST}:${PORT}/path/",
        "MISSING_VAR": "This is ${UNDEFINED} $$",  # ADS leaves the rest as written
        "VAR_WITH_DOLLAR": "$10", "DOUBLE_DOLLAR": "$10", "SECTION": "10.0.0.1"}


def test_the_name_is_substituted_with_the_substituted_env():
    spec = parse_spec(ads(runtime="      env: {WHO: 'team-${TEAM}', TEAM: bi}\n").replace(
        b"name: report", b"name: 'report-${WHO}-$WHO-$$-${NOPE}'"))
    assert spec.display_name == "report-team-bi-team-bi-$-${NOPE}"


def test_a_name_empty_after_substitution_is_refused():
    with pytest.raises(InvalidSpec) as error:
        parse_spec(ads(runtime="      env: {E: ''}\n").replace(b"name: report", b"name: $E"))
    assert error.value.field == "spec.name" and "empty once" in error.value.message


# -- problems: all of them, paths as written, in file order ---------------------------------------

def test_problems_are_in_file_order_with_paths_as_written():
    document = ads(infra=f"      shape_name: {FLEX}\n      log_id: {LOG}\n",
                   runtime="      env: {A: 1}\n      args: x\n").replace(
        b"kind: job", b"kind: job\napiVersion: 1")
    with pytest.raises(InvalidSpec) as error:
        parse_spec(document)
    assert [str(p) for p in error.value.problems] == [
        "apiVersion: expected a string, got integer; quote it",
        "spec.infrastructure.spec.log_id: needs logGroupId as well",
        "spec.runtime.spec.env.A: expected a string, got integer; quote it",
        "spec.runtime.spec.args: expected a list of strings, got one string: write each "
        "argument as a list item ([--date, '2026-11-24'])",
    ]
    assert error.value.message == ("apiVersion: expected a string, got integer; quote it "
                                   "(and 3 more)")


def test_a_misspelt_required_key_is_reported_once():
    with pytest.raises(InvalidSpec) as error:
        parse_spec(ads().replace(b"notebookPathURI", b"notebookPathUri"))
    assert [p.field for p in error.value.problems] == ["spec.runtime.spec.notebookPathUri"]


# -- the README's examples are specs that launch --------------------------------------------------

def readme_examples() -> list[bytes]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## The spec\n"):text.index("### Editor completion")]
    examples = section[section.index("### Examples"):]
    return [block.split("```", 1)[0].encode() for block in examples.split("```yaml\n")[1:]]


def test_the_readme_has_five_complete_examples_that_validate():
    examples = readme_examples()
    assert len(examples) == 5
    flat_example, ads_example, docs_example, python_example, script_example = (
        parse_spec(example) for example in examples)
    assert flat_example.container.parameters == {"country": "NO", "top": 10}
    assert ads_example.display_name == "report-NO"
    assert dict(ads_example.environment)["DATA_URL"] == "oci://data@mytenancy/NO/latest.csv"
    assert ads_example.command_line_arguments == "--date 2026-11-24"
    assert docs_example == parse_spec((ROOT / "examples/specs/ads-notebook-job.yaml")
                                      .read_bytes())
    assert python_example.display_name == "etl-emea"
    assert python_example.infrastructure is None and python_example.script is not None
    assert (python_example.script.source_kind, python_example.script.working_dir,
            python_example.script.entry_function) == ("folder", "etl", "run")
    assert script_example.script is not None
    assert (script_example.script.runtime, script_example.script.source_kind,
            script_example.script.entrypoint) == ("script", "archive", "tools/nightly.sh")


@pytest.mark.parametrize("written", ["oci://out@ns/reports/${JOB_RUN_OCID}",
                                     "oci://out@ns/reports/$JOB_RUN_OCID/"])
def test_an_output_folder_ending_in_the_run_ocid_means_the_runs_folder_as_in_ads(written):
    spec = parse_spec(ads(runtime=f"      outputUri: {written}\n"))
    assert spec.container.output.uri == "oci://out@ns/reports/"


def test_long_env_names_are_cut_in_messages_as_in_paths():
    name = "A" * 300
    with pytest.raises(InvalidSpec) as error:
        parse_spec(ads(runtime=f"      env: [{{name: {name}, value: x}}, "
                               f"{{name: {name}, value: y}}]\n"))
    assert error.value.message == f"spec.runtime.spec.env[1].name: {'A' * 64}… is set twice"
