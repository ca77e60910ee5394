# Shared values and the spec bucket. Every policy statement and dynamic-group rule is
# written with ${var.x} / ${local.y} only, so that policies/*.policy (which uses <x> / <y>
# placeholders) can be compared with it mechanically (tests/iac/test_iac_policies.py).

data "oci_objectstorage_namespace" "this" {
  compartment_id = var.tenancy_ocid
}

# The job itself: its compartment, its log configuration and its image are the defaults
# of the grants below (the stack follows the job instead of repeating it in variables).
data "oci_datascience_job" "this" {
  job_id = var.job_ocid
}

# Every active job of the job's compartment: the job runs' dynamic group can only name a
# compartment, so it must hold this job alone (precondition in iam.tf).
data "oci_datascience_jobs" "in_job_compartment" {
  compartment_id = local.job_compartment_id
  state          = "ACTIVE"
}

# Compartment of the job-run log group, looked up only when the runs log.
data "oci_logging_log_group" "job" {
  count        = local.job_logs_enabled ? 1 : 0
  log_group_id = local.job_log_group_id
}

locals {
  home_region = var.home_region == "" ? var.region : var.home_region

  # Resolved "empty means default" inputs.
  policy_compartment_ocid      = var.policy_compartment_ocid == "" ? var.compartment_ocid : var.policy_compartment_ocid
  job_compartment_id           = var.job_compartment_id == "" ? data.oci_datascience_job.this.compartment_id : var.job_compartment_id
  repository_compartment_id    = var.repository_compartment_id == "" ? var.compartment_ocid : var.repository_compartment_id
  output_bucket_compartment_id = var.output_bucket_compartment_id == "" ? var.compartment_ocid : var.output_bucket_compartment_id

  # The runs' log group: the variable, else the job's own when its logging is on. The
  # log-group grants (iam.tf) exist exactly when there is one.
  job_logging            = try(data.oci_datascience_job.this.job_log_configuration_details[0], null)
  job_own_log_group_id   = try(local.job_logging.enable_logging, false) ? try(coalesce(local.job_logging.log_group_id, ""), "") : ""
  job_log_group_id       = var.job_log_group_id != "" ? var.job_log_group_id : local.job_own_log_group_id
  job_logs_enabled       = local.job_log_group_id != ""
  job_log_compartment_id = local.job_logs_enabled ? data.oci_logging_log_group.job[0].compartment_id : local.job_compartment_id

  # The repositories of both images (<registry>/<namespace>/<repository>:<tag>), for the
  # checks that they live in repository_compartment_id (iam.tf, function.tf).
  job_image = try(data.oci_datascience_job.this.job_environment_configuration_details[0].image, "")
  image_repositories = {
    function = try(regex("^[^/]+/[^/]+/([^:@]+)", var.function_image)[0], "")
    job      = try(regex("^[^/]+/[^/]+/([^:@]+)", local.job_image)[0], "")
  }

  namespace = data.oci_objectstorage_namespace.this.namespace

  # SPEC_ALLOWLIST: the spec folder, always a folder (spec_prefix ends with '/'); the read
  # grants of the function and the job runs name the same folder.
  spec_allowlist = "oci://${var.spec_bucket_name}@${local.namespace}/${var.spec_prefix}"

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
