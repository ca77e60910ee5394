"""The function resource carries the contract's configuration, the provider carries no
credentials, and the stack creates no network."""

from __future__ import annotations

import re

import pytest
import yaml

# The README's configuration table: what Terraform sets (endpoint overrides are left to users).
CONFIG_KEYS = {
    "JOB_OCID",
    "SPEC_ALLOWLIST",
    "SPEC_ENV_VAR",
    "MAX_SPEC_BYTES",
    "MAX_ACTIVE_RUNS",
    "ERROR_STATUS",
}


def test_function_config_keys(tf):
    function = tf.resource("oci_functions_function", "launcher")
    assert function["config"] == "${local.function_config}"
    expression = tf.locals["function_config"]
    keys = set(re.findall(r"\b([A-Z][A-Z0-9_]+) = ", expression))
    assert keys == CONFIG_KEYS
    # Optional values (MAX_ACTIVE_RUNS = null) are dropped, not sent as "null".
    assert expression.rstrip("}").endswith("if v != null")
    assert "MAX_ACTIVE_RUNS = var.max_active_runs" in expression
    assert tf.variables["max_active_runs"]["default"] is None


def test_spec_allowlist_defaults_to_the_spec_bucket(tf):
    derived = "oci://${var.spec_bucket_name}@${local.namespace}/${var.spec_prefix}"
    assert derived in tf.locals["spec_allowlist"]


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
