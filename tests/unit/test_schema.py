"""The JSON Schema for editors says what the spec library says, for what a schema can express.

Over every spec the tests know — the ADS differential corpus, ``examples/specs``, the spec
test cases and the cases below — the schema accepts a document exactly when the library
accepts it or refuses it only for reasons a schema cannot express:

- expressed by the schema: structure, types, unknown keys (``x-`` keys allowed), enums,
  required keys, non-empty strings, the notebook URL's scheme, numeric minimums, env names;
- not expressed (only the library and the lint command check them): OCID shapes and
  ``oci://`` location syntax (the schema stays readable and editors show the description),
  encodings known to Python, rules between fields (log group with log, subnet and
  infrastructure type, one setting under two names, shape config on Flex shapes, settings
  that need a shape, duplicate env names), names reserved by Data Science or by the
  launcher's configuration, ``${VAR}`` substitution and the lengths after it, total sizes,
  parameter names and values;
- documents the library refuses before there is any data (invalid YAML, tabs, duplicate keys,
  anchors, tags, YAML 1.1 spellings such as ``012``) are not compared: an editor's YAML 1.2
  parser reads them differently anyway.

A library message this file does not classify fails the test, so a new rule is a decision.
"""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

from jobspec import schema as schema_module
from jobspec.errors import Problem, SpecInvalid, SpecTooLarge
from jobspec.keys import (
    ADS_BLOCK,
    ADS_INFRASTRUCTURE,
    ADS_JOB,
    ADS_NOTEBOOK_RUNTIME,
    ADS_PYTHON_RUNTIME,
    ADS_SCRIPT_RUNTIME,
    ADS_SHAPE_CONFIG,
    ADS_SHAPE_CONFIG_FOLDED,
    ADS_TOP,
    ENV_ITEM,
    FLAT,
    Section,
)
from jobspec.schema import SCHEMA_PATH, any_case, render, section_schema
from jobspec.spec import parse_spec
from tests.support import spec_cases
from tests.support.paths import ROOT
from tests.support.spec_cases import COMPARTMENT, NOTEBOOK, PROJECT, ads, flat

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

EXPRESSED = [
    r"^unknown key",
    r"^expected an? (string|integer|number|list|mapping)\b",
    r"^expected an https:// or oci:// URL$",
    r"^expected one of ",
    r"^expected 'job'$",
    r"^is required($| \(type: |: the https:// or oci:// URL)",
    r"^unknown (infrastructure|runtime) type",
    r"^only \w+ (infrastructure|runtime) is supported",
    r"^only [\w, ]+ runtimes are supported",
    r"^is not supported: a (container|gitPython) runtime",
    r"^is a python runtime key",
    r"^is required: the oci:// or https:// location of the code",
    r"^expected an oci:// or https:// location",
    r"^expected a relative path inside the code folder",
    r"^must stay inside the code folder",
    r"^expected a \.py file \(run with the image's Python\) or a \.sh file",
    r"^expected a list of relative folders",
    r"^more than \d+ folders$",
    r"^must not be empty$",
    r"^is longer than \d+ characters$",
    r"^must be at least \d+ \(GB\)$",
    r"^must be greater than 0$",
    r"^environment variable names must match",
    r"^belongs inside shapeConfigDetails",
    r"^the job container runs one notebook named by notebookPathURI",
    r"^unrecognised spec",
]
NOT_EXPRESSED = [
    r"expected an? \w+ OCID \(ocid1\.[^)]*\)$",
    r"expected oci://bucket@namespace/",
    r"is not a known text encoding$",
    r"needs logGroupId as well$",
    r"is required with jobInfrastructureType",
    r"is not used with jobInfrastructureType",
    r"are the same setting; give it once$",
    r"is only for Flex shapes",
    r"has no effect without shapeName",
    r"is set twice$",
    r"can't be set by a run: ",
    r"holds (a lone surrogate|the control character)",
    r"this deployment (allows|lets no run)",
    r"total more than \d+ characters$",
    r"arguments are longer than",
    r"once \$\{…\} references are substituted$",
    r"'\$\{' must be followed|more than one ':'|references nest more than",
    r"are not expanded in the output folder",
    r"^is required when scriptPathURI is a folder or an archive",
    r"^an https:// location is a \.py or \.sh file or an archive",
    r"^expected the name of a function in the entrypoint",
    r"^needs a \.py entrypoint",
    r"^needs outputUri as well",
    r"^has no effect without outputDir",
    r"parameter names must be Python identifiers",
    r"more than \d+ parameters$",
    r"infinite and NaN numbers",
    r"unsupported value",
]
BEFORE_DATA = [
    r"^is read as a YAML 1\.1 ",
    r"^invalid YAML",
    r"^a tab character in the indentation",
    r"^the spec is (empty|not valid UTF-8)",
]


def category(problem: Problem) -> str:
    if problem.field == "spec.name" and problem.message.startswith("is longer than"):
        return "not expressed"  # the limit applies after substitution
    for name, patterns in (("before data", BEFORE_DATA), ("not expressed", NOT_EXPRESSED),
                           ("expressed", EXPRESSED)):
        if any(re.search(pattern, problem.message) for pattern in patterns):
            return name
    if problem.field is None and "mapping at the top level" in problem.message:
        return "expressed"
    raise AssertionError(f"classify this library message for the schema test: {problem}")


def library_verdict(document: bytes) -> list[Problem] | None:
    """The library's problems (empty: valid); None when there is nothing to compare."""
    try:
        parse_spec(document)
    except SpecTooLarge:
        return None
    except SpecInvalid as invalid:
        if any(category(problem) == "before data" for problem in invalid.problems):
            return None
        return list(invalid.problems)
    return []


def schema_errors(document: bytes) -> list[str]:
    data = yaml.safe_load(document)
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in VALIDATOR.iter_errors(data)]


# Cases aimed at the schema's own features (aliases, case folding, x- keys, nulls, levels).
OWN_CASES: dict[str, bytes] = {
    "flat-minimal": flat(),
    "flat-nulls": flat("projectId: null\nlogGroupId:\noutputFolder: null\n"),
    "flat-x-keys": flat("x-owner: bi\nx-notes: [1, 2]\n"),
    "flat-parameters": flat("parameters: {country: 'NO', days: 3, nested: {a: [1, 2]}}\n"),
    "flat-exclude-tags": flat("excludeTags: [skip, slow]\n"),
    "flat-unknown-key": flat("outputFoldr: oci://out@ns/x/\n"),
    "flat-jobname-list": flat("jobName: [a]\n").replace(b"jobName: report\n", b""),
    "flat-blank-jobname": flat().replace(b"jobName: report", b"jobName: '  '"),
    "flat-notebook-ftp": b"noteBook: ftp://example.com/x.ipynb\n",
    "flat-top-level-x-only": b"x-owner: bi\n",
    "ads-minimal": ads(),
    "ads-snake-infrastructure": ads(infra="      shape_name: VM.Standard.E4.Flex\n"
                                          "      job_shape_config_details: {OCPUS: 2}\n"
                                          "      BLOCK_STORAGE_SIZE_IN_GBS: 60\n"),
    "ads-folded-inner-under-camel": ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                              "      shapeConfigDetails: {Memory_In_GBs: 2}\n"),
    "ads-snake-inner-under-camel": ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                             "      shapeConfigDetails: {memory_in_gbs: 2}\n"),
    "ads-case-folded-camel": ads(infra="      SHAPENAME: VM.Standard2.1\n"),
    "ads-null-sections": ads(infra="      shapeConfigDetails:\n"),
    "ads-null-infrastructure-spec": (
        b"kind: job\nspec:\n  infrastructure:\n    type: dataScienceJob\n    spec:\n"
        b"  runtime:\n    type: notebook\n    spec:\n      notebookPathURI: " + NOTEBOOK.encode()
        + b"\n"),
    "ads-null-runtime-spec": (
        b"kind: job\nspec:\n  infrastructure:\n    type: dataScienceJob\n"
        b"  runtime:\n    type: notebook\n    spec:\n"),
    "ads-runtime-snake": ads(runtime="      notebook_encoding: utf-8\n"
                                     "      outputURI: oci://out@ns/x/\n"
                                     "      exclude_tags: [a]\n").replace(
        b"notebookPathURI", b"notebook_path_uri"),
    "ads-runtime-unknown-case": ads(runtime="      NOTEBOOK_ENCODING: utf-8\n"),
    "ads-env-mapping": ads(runtime="      env: {A: x, B_2: ''}\n"),
    "ads-env-mapping-bad-name": ads(runtime="      env: {A-B: x}\n"),
    "ads-env-mapping-number": ads(runtime="      env: {A: 1}\n"),
    "ads-env-item-x-key": ads(runtime="      env: [{name: A, value: x, x-why: test}]\n"),
    "ads-env-item-missing-value": ads(runtime="      env: [{name: A}]\n"),
    "ads-env-string": ads(runtime="      env: A=x\n"),
    "ads-args-null": ads(runtime="      args:\n"),
    "ads-args-mapping": ads(runtime="      args: {a: b}\n"),
    "ads-x-keys-everywhere": (
        "x-a: 1\nkind: job\nspec:\n  x-b: 2\n  infrastructure:\n    x-c: 3\n"
        "    type: dataScienceJob\n    spec:\n      x-d: 4\n      shapeName: VM.Standard2.1\n"
        "  runtime:\n    type: notebook\n    spec:\n      x-e: 5\n"
        f"      notebookPathURI: {NOTEBOOK}\n").encode(),
    "ads-no-kind": b"spec:\n  name: x\n",
    "ads-kind-other": ads().replace(b"kind: job", b"kind: Job"),
    "ads-no-infrastructure": (
        f"kind: job\nspec:\n  runtime:\n    type: notebook\n    spec:\n"
        f"      notebookPathURI: {NOTEBOOK}\n").encode(),
    "ads-block-unknown-key": ads().replace(b"    kind: infrastructure\n",
                                           b"    kind: infrastructure\n    name: x\n"),
    "ads-shape-config-unknown": ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                          "      shapeConfigDetails: {cpus: 2}\n"),
    "ads-shape-config-zero": ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                       "      shapeConfigDetails: {ocpus: 0}\n"),
    "ads-block-storage-small": ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                         "      blockStorageSize: 49\n"),
    "ads-infra-type-lowercase": ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                          "      jobInfrastructureType: standalone\n"),
    "ads-ignored-keys": ads(
        infra="      jobType: DEFAULT\n      displayName: 7\n      freeformTags: {a: b}\n"
              "      storageMount: [{src: a, dest: b}]\n",
        runtime="      conda: {type: service, slug: x}\n      maximumRuntimeInMinutes: 60\n"),
    "ads-api-version": ads().replace(b"kind: job\n", b"kind: job\napiVersion: v1\n"),
    "ads-project-and-compartment": ads(infra=f"      compartment_id: {COMPARTMENT}\n"),
    "ads-project-number": ads().replace(PROJECT.encode(), b"12"),
}


def documents() -> list[tuple[str, bytes]]:
    found = [(f"ads-corpus/{path.stem}", path.read_bytes())
             for path in sorted((ROOT / "tests/unit/ads/corpus").glob("*.yaml"))]
    found += [(f"examples/{path.stem}", path.read_bytes())
              for path in sorted((ROOT / "examples/specs").glob("*.yaml"))]
    found += [(f"spec-cases/{case.name}", case.document) for case in spec_cases.INVALID]
    found += [(f"spec-cases/{name}", document)
              for name, document in spec_cases.VALID_SCRIPTS.items()]
    found += [(f"schema/{name}", document) for name, document in OWN_CASES.items()]
    return found


DOCUMENTS = documents()


@pytest.mark.parametrize("document", [d for _, d in DOCUMENTS], ids=[n for n, _ in DOCUMENTS])
def test_the_schema_agrees_with_the_library(document: bytes) -> None:
    problems = library_verdict(document)
    if problems is None:
        pytest.skip("refused before there is data to validate (YAML level or size)")
    expressed = [str(p) for p in problems if category(p) == "expressed"]
    errors = schema_errors(document)
    if expressed:
        assert errors, f"the library refuses ({expressed}) but the schema accepts"
    else:
        assert not errors, f"the library says {[str(p) for p in problems] or 'valid'}, " \
                           f"the schema refuses: {errors}"


def test_the_comparison_covers_both_verdicts_and_both_dialects() -> None:
    verdicts = [library_verdict(document) for _, document in DOCUMENTS]
    compared = [v for v in verdicts if v is not None]
    assert len(compared) >= 100
    assert sum(1 for v in compared if not v) >= 30
    assert sum(1 for v in compared if any(category(p) == "expressed" for p in v)) >= 30
    assert sum(1 for v in compared if v and all(category(p) != "expressed" for p in v)) >= 10


def test_the_schema_file_is_generated_from_the_key_tables() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), \
        "the key tables changed: regenerate with python -m jobspec.schema"


@pytest.mark.parametrize("table", ["VALUES", "DESCRIPTIONS"])
def test_a_key_without_a_value_schema_or_a_description_is_named(table, monkeypatch) -> None:
    entries = dict(getattr(schema_module, table)["adsJob"])
    del entries["name"]
    monkeypatch.setitem(getattr(schema_module, table), "adsJob", entries)
    with pytest.raises(KeyError) as raised:
        section_schema("adsJob")
    assert raised.value.args == (
        "adsJob.name: give it a value schema and a description in jobspec/schema",)


SECTIONS: dict[str, Section] = {
    "flat": FLAT, "adsJobYaml": ADS_TOP, "adsJob": ADS_JOB, "adsInfrastructure": ADS_BLOCK,
    "adsRuntime": ADS_BLOCK, "adsInfrastructureSpec": ADS_INFRASTRUCTURE,
    "adsShapeConfig": ADS_SHAPE_CONFIG, "adsShapeConfigFolded": ADS_SHAPE_CONFIG_FOLDED,
    "adsNotebookRuntimeSpec": ADS_NOTEBOOK_RUNTIME, "adsPythonRuntimeSpec": ADS_PYTHON_RUNTIME,
    "adsScriptRuntimeSpec": ADS_SCRIPT_RUNTIME, "envItem": ENV_ITEM,
}


@pytest.mark.parametrize("name", SECTIONS)
def test_each_level_allows_exactly_the_names_the_library_accepts(name: str) -> None:
    section, schema = SECTIONS[name], SCHEMA["$defs"][name]
    accepted = {spelling for key in section.keys if key.name not in section.refused
                for spelling in (key.name, *key.aliases)}
    folded = {any_case(alias) for key in section.keys
              if key.fold_case and key.name not in section.refused for alias in key.aliases}
    assert set(schema["properties"]) == accepted
    assert set(schema["patternProperties"]) == {"^x-"} | folded
    assert schema["additionalProperties"] is False
    for key in section.refused:
        assert key not in schema["properties"]


def test_every_key_has_hover_text() -> None:
    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.get("properties", {}).items():
                assert isinstance(value, dict) and value.get("description"), f"{path}.{key}"
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(SCHEMA, "$")
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_case_folded_names_match_as_ads_matches_them() -> None:
    pattern = re.compile(any_case("block_storage_size_in_gbs"))
    assert pattern.match("BLOCK_STORAGE_SIZE_IN_GBS") and pattern.match("Block_Storage_Size_In_GBs")
    assert not pattern.match("blockStorageSizeInGBs")


def test_draft_07_validators_give_the_same_verdicts() -> None:
    # The VS Code YAML extension validates with draft-07 semantics (README).
    draft_07 = jsonschema.Draft7Validator(SCHEMA)
    verdicts = set()
    for name, document in DOCUMENTS:
        if library_verdict(document) is None:
            continue
        data = yaml.safe_load(document)
        verdicts.add(draft_07.is_valid(data))
        assert draft_07.is_valid(data) == VALIDATOR.is_valid(data), name
    assert verdicts == {True, False}


def test_the_schema_command_writes_the_file_and_checks_it(tmp_path, monkeypatch, capsys) -> None:
    from jobspec.schema import __main__ as command

    path = tmp_path / "jobspec.schema.json"
    monkeypatch.setattr(command, "SCHEMA_PATH", path)
    assert command.main(["--check"]) == 1  # no file yet
    assert capsys.readouterr().err == (f"{path} is out of date: run python -m jobspec.schema\n")
    assert command.main([]) == 0
    assert path.read_text(encoding="utf-8") == render()
    assert capsys.readouterr().out == f"wrote {path}\n"
    assert command.main(["--check"]) == 0
    assert capsys.readouterr() == ("", "")
    path.write_text(render() + " ", encoding="utf-8")
    assert command.main(["--check"]) == 1
