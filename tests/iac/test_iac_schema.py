"""terraform/schema.yaml (Resource Manager) agrees with variables.tf and outputs.tf."""

from __future__ import annotations

import pytest
import yaml

# Terraform type -> schema.yaml types that carry it. Lists and maps can't be edited in the
# Resource Manager console: they must sit in a hidden group, without a definition.
COMPATIBLE = {
    "string": lambda t: t in ("string", "enum", "text", "password") or t.startswith("oci:"),
    "number": lambda t: t in ("number", "integer"),
    "bool": lambda t: t == "boolean",
}


@pytest.fixture(scope="module")
def schema(iac):
    return yaml.safe_load((iac.TERRAFORM_DIR / "schema.yaml").read_text(encoding="utf-8"))


def test_schema_groups_every_variable_once(tf, schema):
    grouped = [name for group in schema["variableGroups"] for name in group["variables"]]
    assert len(grouped) == len(set(grouped)), "a variable is listed in two groups"
    assert set(grouped) == set(tf.variables), (
        f"not in schema.yaml: {sorted(set(tf.variables) - set(grouped))}; "
        f"not in variables.tf: {sorted(set(grouped) - set(tf.variables))}"
    )


def test_schema_types_match_terraform(tf, schema):
    hidden = {
        name
        for group in schema["variableGroups"]
        if group.get("visible") is False
        for name in group["variables"]
    }
    for name, body in tf.variables.items():
        tf_type = body.get("type")
        definition = schema["variables"].get(name)
        if tf_type not in COMPATIBLE:
            assert name in hidden and definition is None, (
                f"{name} ({tf_type}) can't be edited in the console: hide it, undefined"
            )
            continue
        assert definition is not None, f"schema.yaml has no definition for {name}"
        assert COMPATIBLE[tf_type](definition["type"]), (
            f"{name}: terraform {tf_type} vs schema {definition['type']}"
        )
        if "default" not in body:
            assert definition.get("required") is True, f"{name} has no default: required: true"
        if "default" in definition and "default" in body:
            assert definition["default"] == body["default"], f"{name}: defaults differ"


def test_schema_outputs_exist(iac, schema):
    outputs = {
        name
        for block in iac.load_hcl(iac.TERRAFORM_DIR / "outputs.tf").get("output", [])
        for name in iac.block_body(block)
    }
    assert set(schema.get("outputs", {})) <= outputs
    for group in schema.get("outputGroups", []):
        assert set(group["outputs"]) <= outputs
