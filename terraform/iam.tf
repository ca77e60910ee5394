# Identity: two dynamic groups and one policy per principal. Every statement here has a
# twin in policies/*.policy (same text with <placeholders>); tests/iac/test_iac_policies.py
# fails when one side gains a statement the other lacks. Statements only interpolate
# ${var.*} and ${local.*}, never resource attributes, for that comparison; the one
# exception is a per-schedule policy's ${each.value.id}, the schedule's own OCID
# (<schedule_id> in the text).
#
# Scoping choices (see policies/*.policy for the per-statement reasons):
# - the function's dynamic group matches this function's OCID, not every function;
# - Functions supports only the general policy variables, so invoke grants can't name one
#   function: they are scoped to the function's compartment plus a caller condition;
# - nothing is granted "in tenancy" and nothing uses data-science-family.

# ---------------------------------------------------------------------------- function

resource "oci_identity_dynamic_group" "function" {
  provider = oci.home

  compartment_id = var.tenancy_ocid
  name           = local.fn_dynamic_group_name
  description    = "The ${var.name_prefix} launcher function (one function OCID)."
  matching_rule  = "ALL {resource.type = 'fnfunc', resource.id = '${local.function_id}'}"
  freeform_tags  = local.tags
}

resource "oci_identity_policy" "function" {
  provider = oci.home

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-function"
  description    = "Launcher function: read specs, read the job and project, create and manage job runs."
  freeform_tags  = local.tags
  statements = [
    "Allow dynamic-group ${local.fn_dynamic_group_name} to read objects in compartment id ${var.compartment_ocid} where target.bucket.name = '${var.spec_bucket_name}'",
    "Allow dynamic-group ${local.fn_dynamic_group_name} to read data-science-jobs in compartment id ${local.job_compartment_id}",
    "Allow dynamic-group ${local.fn_dynamic_group_name} to read data-science-projects in compartment id ${local.job_compartment_id}",
    "Allow dynamic-group ${local.fn_dynamic_group_name} to manage data-science-job-runs in compartment id ${local.job_compartment_id}",
  ]

  depends_on = [oci_identity_dynamic_group.function]
}

# Only when specs name a log group: CreateJobRun with enableAutoLogCreation makes the
# caller (our function) create the log.
resource "oci_identity_policy" "function_job_logs" {
  provider = oci.home
  count    = var.job_log_group_id == "" ? 0 : 1

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-function-job-logs"
  description    = "Launcher function: auto-create job-run logs in the job log group's compartment."
  freeform_tags  = local.tags
  statements = [
    "Allow dynamic-group ${local.fn_dynamic_group_name} to manage log-groups in compartment id ${local.job_log_compartment_id}",
    "Allow dynamic-group ${local.fn_dynamic_group_name} to use log-content in compartment id ${local.job_log_compartment_id}",
  ]

  depends_on = [oci_identity_dynamic_group.function]
}

# ---------------------------------------------------------------------------- job runs

resource "oci_identity_dynamic_group" "job_run" {
  provider = oci.home

  compartment_id = var.tenancy_ocid
  name           = local.job_run_dynamic_group_name
  description    = "Data Science job runs in the ${var.name_prefix} job compartment (their resource principal)."
  matching_rule  = "ALL {resource.type = 'datasciencejobrun', resource.compartment.id = '${local.job_compartment_id}'}"
  freeform_tags  = local.tags
}

resource "oci_identity_policy" "job_run" {
  provider = oci.home

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-job-run"
  description    = "Job runs: pull the BYOC image, read specs, write outputs and logs."
  freeform_tags  = local.tags
  statements = [
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to read repos in compartment id ${local.repository_compartment_id}",
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to read objects in compartment id ${var.compartment_ocid} where target.bucket.name = '${var.spec_bucket_name}'",
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to read buckets in compartment id ${local.output_bucket_compartment_id} where target.bucket.name = '${var.output_bucket_name}'",
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to manage objects in compartment id ${local.output_bucket_compartment_id} where target.bucket.name = '${var.output_bucket_name}'",
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to use log-content in compartment id ${local.job_log_compartment_id}",
  ]

  depends_on = [oci_identity_dynamic_group.job_run]
}

# ---------------------------------------------------------------------------- callers

resource "oci_identity_policy" "events" {
  provider = oci.home

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-events"
  description    = "Events service: invoke functions in the launcher's compartment (object-upload rule)."
  freeform_tags  = local.tags
  statements = [
    "Allow service cloudEvents to use functions-family in compartment id ${var.compartment_ocid}",
  ]
}

resource "oci_identity_policy" "api_gateway" {
  provider = oci.home
  count    = local.api_gateway_enabled ? 1 : 0

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-api-gateway"
  description    = "API gateways of the launcher's compartment: invoke its functions."
  freeform_tags  = local.tags
  statements = [
    "Allow any-user to use fn-invocation in compartment id ${var.compartment_ocid} where ALL {request.principal.type = 'ApiGateway', request.resource.compartment.id = '${var.compartment_ocid}'}",
  ]
}

resource "oci_identity_policy" "data_integration" {
  provider = oci.home
  count    = local.di_enabled ? 1 : 0

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-data-integration"
  description    = "Data Integration workspace: invoke the launcher, poll and cancel the job runs it started."
  freeform_tags  = local.tags
  statements = [
    "Allow any-user to use fn-invocation in compartment id ${var.compartment_ocid} where ALL {request.principal.type = 'disworkspace', request.principal.id = '${var.di_workspace_id}'}",
    "Allow any-user to use data-science-job-runs in compartment id ${local.job_compartment_id} where ALL {request.principal.type = 'disworkspace', request.principal.id = '${var.di_workspace_id}'}",
  ]
}

# One policy per schedule: Functions supports only the general policy variables, so the
# grant can't name the function; it names the one schedule (principal type and OCID) and
# the launcher's compartment.
resource "oci_identity_policy" "schedule" {
  provider = oci.home
  for_each = oci_resource_scheduler_schedule.launch

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-schedule-${each.key}"
  description    = "Resource schedule ${each.key}: invoke the launcher function."
  freeform_tags  = local.tags
  statements = [
    "Allow any-user to use functions-family in compartment id ${var.compartment_ocid} where ALL {request.principal.type = 'resourceschedule', request.principal.id = '${each.value.id}'}",
  ]
}

# ---------------------------------------------------------------------------- notifications

resource "oci_identity_policy" "run_notifications" {
  provider = oci.home
  count    = local.notifications_enabled ? 1 : 0

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-run-notifications"
  description    = "Events service: publish job-run completion events to the launcher's notification topic."
  freeform_tags  = local.tags
  statements = [
    "Allow service cloudEvents to use ons-topics in compartment id ${var.compartment_ocid}",
  ]
}
