"""Inputs: every variable is documented and validated where it has a shape, and
terraform.tfvars.example sets every required input to a value its validation accepts."""

from __future__ import annotations

import json
import re

import pytest

REGEX_CALL = re.compile(r'regex\("((?:[^"\\]|\\.)*)",\s*(?:trimspace\()?(var\.[a-z0-9_]+|[a-z]+)\)')
CONTAINS_CALL = re.compile(r"contains\((\[[^\]]*\]),\s*var\.([a-z0-9_]+)\)")

# Variables whose value has a shape (OCID, enum, range) and so must carry a validation.
UNVALIDATED_BY_DESIGN = {
    "freeform_tags",  # any tags
    "verify_subnet_routes",
    "spec_bucket_versioning",
    "enable_function_log",  # booleans
    "api_auth_audience",  # free-form audience string
    "di_project_key",  # a DI key (UUID-like, format undocumented)
    "di_task_name",  # free text
}


def validations(body) -> list[str]:
    return [block["condition"] for block in body.get("validation", [])]


def hcl_string(literal: str) -> str:
    return json.loads(f'"{literal}"')


@pytest.fixture(scope="module")
def example(iac):
    return iac.load_hcl(iac.TERRAFORM_DIR / "terraform.tfvars.example")


def test_every_variable_is_described_and_typed(tf):
    for name, body in tf.variables.items():
        assert len(str(body.get("description", "")).split()) >= 3, f"{name}: describe it"
        assert body.get("type"), f"{name}: give it a type"


def test_shaped_variables_are_validated(tf):
    missing = [
        name
        for name, body in tf.variables.items()
        if name not in UNVALIDATED_BY_DESIGN and not validations(body)
    ]
    assert not missing, f"variables without a validation block: {missing}"


def test_validation_regexes_compile(tf):
    patterns = [
        hcl_string(literal)
        for body in tf.variables.values()
        for condition in validations(body)
        for literal, _ in REGEX_CALL.findall(condition)
    ]
    assert len(patterns) >= 20, "the regex extraction found too little: pattern changed?"
    for pattern in patterns:
        re.compile(pattern)  # the RE2 patterns used here are Python-compatible


def test_example_sets_every_required_variable(tf, example):
    unknown = set(example) - set(tf.variables)
    assert not unknown, f"terraform.tfvars.example sets unknown variables: {sorted(unknown)}"
    required = {name for name, body in tf.variables.items() if "default" not in body}
    assert required <= set(example), f"example lacks {sorted(required - set(example))}"


def test_example_values_pass_validation(tf, example):
    checked = 0
    for name, value in example.items():
        for condition in validations(tf.variables[name]):
            for literal, subject in REGEX_CALL.findall(condition):
                if subject == f"var.{name}" and isinstance(value, str):
                    assert re.search(hcl_string(literal), value), f"{name} = {value!r}"
                    checked += 1
            for options, var in CONTAINS_CALL.findall(condition):
                if var == name:
                    assert value in json.loads(options), f"{name} = {value!r}"
                    checked += 1
    assert checked >= 10, f"only {checked} example values were checked"


def test_readme_documents_every_input_and_output(iac, tf):
    readme = (iac.TERRAFORM_DIR / "README.md").read_text(encoding="utf-8")
    outputs = {
        name
        for block in iac.load_hcl(iac.TERRAFORM_DIR / "outputs.tf").get("output", [])
        for name in iac.block_body(block)
    }
    missing = [name for name in [*tf.variables, *outputs] if f"`{name}`" not in readme]
    assert not missing, f"terraform/README.md does not document {missing}"


@pytest.mark.parametrize(("region", "valid"), [
    ("eu-frankfurt-1", True), ("us-ashburn-1", True), ("sa-saopaulo-1", True),
    ("us-gov-ashburn-1", True), ("uk-gov-london-1", True), ("eu-dcc-milan-1", True),
    ("us-langley-1", True), ("Frankfurt", False), ("eu-frankfurt", False), ("fra", False),
])
def test_region_names_of_every_realm(tf, region, valid):
    for name in ("region", "home_region"):
        (condition,) = [v["condition"] for v in tf.variables[name]["validation"]]
        (literal, _), = REGEX_CALL.findall(condition)
        assert bool(re.search(hcl_string(literal), region)) is valid, (name, region)
