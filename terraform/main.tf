# Shared values and the spec bucket. Every policy statement and dynamic-group rule is
# written with ${var.x} / ${local.y} only, so that policies/*.policy (which uses <x> / <y>
# placeholders) can be compared with it mechanically (tests/iac/test_iac_policies.py).

data "oci_objectstorage_namespace" "this" {
  compartment_id = var.tenancy_ocid
}

# Compartment of the job-run log group, looked up only when one is given.
data "oci_logging_log_group" "job" {
  count        = var.job_log_group_id == "" ? 0 : 1
  log_group_id = var.job_log_group_id
}

locals {
  home_region = var.home_region == "" ? var.region : var.home_region

  # Resolved "empty means default" inputs.
  policy_compartment_ocid      = var.policy_compartment_ocid == "" ? var.compartment_ocid : var.policy_compartment_ocid
  job_compartment_id           = var.job_compartment_id == "" ? var.compartment_ocid : var.job_compartment_id
  repository_compartment_id    = var.repository_compartment_id == "" ? var.compartment_ocid : var.repository_compartment_id
  output_bucket_compartment_id = var.output_bucket_compartment_id == "" ? var.compartment_ocid : var.output_bucket_compartment_id
  job_log_compartment_id       = var.job_log_group_id == "" ? local.job_compartment_id : data.oci_logging_log_group.job[0].compartment_id
  container_repository_name    = var.container_repository_name == "" ? "${var.name_prefix}/launcher" : var.container_repository_name

  namespace = data.oci_objectstorage_namespace.this.namespace

  # SPEC_ALLOWLIST: only specs from this stack's bucket (and prefix) unless overridden.
  spec_allowlist = var.spec_allowlist != "" ? var.spec_allowlist : "oci://${var.spec_bucket_name}@${local.namespace}/${var.spec_prefix}"

  # Identity names used inside policy statements.
  fn_dynamic_group_name      = "${var.name_prefix}-fn"
  job_run_dynamic_group_name = "${var.name_prefix}-jobrun"
  function_id                = oci_functions_function.launcher.id

  # Optional parts.
  api_gateway_enabled = var.api_gateway_subnet_id != ""
  api_auth_enabled    = var.api_auth_issuer != "" && var.api_auth_audience != "" && var.api_auth_jwks_uri != ""
  di_enabled          = var.di_workspace_id != ""
  create_log_group    = var.enable_function_log && var.function_log_group_id == ""

  tags = merge({ "app" = var.name_prefix }, var.freeform_tags)
}

resource "oci_objectstorage_bucket" "specs" {
  compartment_id        = var.compartment_ocid
  namespace             = local.namespace
  name                  = var.spec_bucket_name
  access_type           = "NoPublicAccess"
  storage_tier          = "Standard"
  object_events_enabled = true # the Events rule only sees uploads when this is on (off by default)
  versioning            = var.spec_bucket_versioning ? "Enabled" : "Disabled"
  kms_key_id            = var.spec_bucket_kms_key_id == "" ? null : var.spec_bucket_kms_key_id
  freeform_tags         = local.tags
}
