"""The function resource carries the contract's configuration, the provider carries no
credentials, and the stack creates no network."""

from __future__ import annotations

import json
import re

import pytest
import yaml

# The README's configuration table: what Terraform sets (endpoint overrides,
# OCI_*_ENDPOINT, are left to users: the region defaults need none).
CONFIG_KEYS = {
    "JOB_OCID",
    "SPEC_ALLOWLIST",
    "SPEC_ENV_VAR",
    "MAX_SPEC_BYTES",
    "MAX_ACTIVE_RUNS",
    "ALLOWED_SHAPES",
    "MAX_BLOCK_STORAGE_GBS",
    "MAX_RUNTIME_MINUTES",
    "ERROR_STATUS",
}


def test_function_config_keys(tf):
    function = tf.resource("oci_functions_function", "launcher")
    assert function["config"] == "${local.function_config}"
    expression = tf.locals["function_config"]
    keys = set(re.findall(r"\b([A-Z][A-Z0-9_]+) += ", expression))
    assert keys == CONFIG_KEYS
    # Optional values (MAX_ACTIVE_RUNS = null, no shapes) are dropped, not sent as "null".
    assert expression.rstrip("}").endswith("if v != null")


def test_cost_guards_are_on_by_default(tf):
    # A deployment caps concurrent runs, block storage and runtime unless told otherwise,
    # and no spec may change the job's shape until shapes are allowed.
    expression = tf.locals["function_config"]
    assert re.search(r"MAX_ACTIVE_RUNS += var\.max_active_runs[,}]", expression)
    assert tf.variables["max_active_runs"]["default"] == 10
    assert re.search(r"MAX_BLOCK_STORAGE_GBS += var\.max_block_storage_gbs[,}]", expression)
    assert tf.variables["max_block_storage_gbs"]["default"] == 1024
    assert re.search(r"MAX_RUNTIME_MINUTES += var\.max_runtime_minutes[,}]", expression)
    assert tf.variables["max_runtime_minutes"]["default"] == 1440
    assert re.search(
        r'ALLOWED_SHAPES += length\(var\.allowed_shapes\) > 0 \? join\(",", var\.allowed_shapes\)'
        r" : null[,}]", expression)
    assert tf.variables["allowed_shapes"]["default"] == []


def test_spec_allowlist_is_the_spec_folder(tf):
    assert tf.locals["spec_allowlist"] == (
        "oci://${var.spec_bucket_name}@${local.namespace}/${var.spec_prefix}")
    assert "spec_allowlist" not in tf.variables, "an entry outside the folder would have no grant"


@pytest.mark.parametrize(("prefix", "valid"), [
    ("specs/", True), ("team-a/specs/", True),
    ("", False), ("specs", False), ("specs/*", False), ("team-a", False),
])
def test_the_spec_and_output_prefixes_are_folders(tf, prefix, valid):
    # "specs/team-a" would also allow "specs/team-admin/x.yaml": entries are folders.
    for name in ("spec_prefix", "output_prefix"):
        (condition,) = [v["condition"] for v in tf.variables[name]["validation"]]
        (literal,) = re.findall(r'regex\("((?:[^"\\]|\\.)*)"', condition)
        assert bool(re.search(json.loads(f'"{literal}"'), prefix)) is valid, (name, prefix)
    assert tf.variables["spec_prefix"]["default"] == "specs/"
    assert "default" not in tf.variables["output_prefix"], "the output folder is required"


def test_documented_memory_and_timeout_defaults(tf, iac):
    assert tf.variables["function_memory_in_mbs"]["default"] == 256
    assert tf.variables["function_timeout_in_seconds"]["default"] == 60
    func_yaml = iac.REPO / "func.yaml"
    if not func_yaml.is_file():
        pytest.skip("no func.yaml in the repository")
    declared = yaml.safe_load(func_yaml.read_text(encoding="utf-8"))
    assert declared.get("memory") == 256
    assert declared.get("timeout") == 60


def test_provider_takes_region_only(iac):
    versions = iac.load_hcl(iac.TERRAFORM_DIR / "versions.tf")
    terraform = versions["terraform"][0]
    oci = terraform["required_providers"][0]["oci"]
    assert oci["source"] == "oracle/oci"
    assert oci["version"] == ">= 6.0"
    for tf_file in iac.TERRAFORM_DIR.glob("*.tf"):
        for provider in iac.load_hcl(tf_file).get("provider", []):
            for name, body in iac.block_body(provider).items():
                assert set(iac.block_body(body)) <= {"region", "alias"}, (
                    f"{tf_file.name}: provider {name} sets {sorted(iac.block_body(body))}; "
                    "authentication must come from the environment"
                )


def test_no_network_is_created(tf):
    created = sorted(f"{t}.{n}" for t, n in tf.resources if t.startswith("oci_core_"))
    assert not created, f"the stack must use existing networking, but creates {created}"
