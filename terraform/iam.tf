# Identity: two dynamic groups and one policy per principal. Every statement here has a
# twin in policies/*.policy (same text with <placeholders>); tests/iac/test_iac_policies.py
# fails when one side gains a statement the other lacks. Statements only interpolate
# ${var.*} and ${local.*}, never resource attributes, for that comparison; the one
# exception is a per-schedule policy's ${each.value.id}, the schedule's own OCID
# (<schedule_id> in the text).
#
# Scoping choices (see policies/*.policy for the per-statement reasons and Oracle sources):
# - the function's dynamic group matches this function's OCID, not every function;
# - job runs can only be matched by compartment, so the job's compartment holds this job
#   alone (precondition below), and "runs of this job" means "runs in that compartment";
# - job-run rights are the permissions the work uses (request.permission), never manage;
# - objects are granted by folder (target.object.name), logs by log group
#   (target.loggroup.id);
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
  description    = "Launcher function: read specs in the spec folder, read the job and project, create, read and cancel job runs."
  freeform_tags  = local.tags
  statements = [
    "Allow dynamic-group ${local.fn_dynamic_group_name} to read objects in compartment id ${var.compartment_ocid} where all {target.bucket.name = '${var.spec_bucket_name}', target.object.name = '${var.spec_prefix}*'}",
    "Allow dynamic-group ${local.fn_dynamic_group_name} to read data-science-jobs in compartment id ${local.job_compartment_id}",
    "Allow dynamic-group ${local.fn_dynamic_group_name} to read data-science-projects in compartment id ${local.job_compartment_id}",
    "Allow dynamic-group ${local.fn_dynamic_group_name} to manage data-science-job-runs in compartment id ${local.job_compartment_id} where any {request.permission = 'DATA_SCIENCE_JOB_RUN_CREATE', request.permission = 'DATA_SCIENCE_JOB_RUN_INSPECT', request.permission = 'DATA_SCIENCE_JOB_RUN_READ', request.permission = 'DATA_SCIENCE_JOB_RUN_UPDATE'}",
  ]

  depends_on = [oci_identity_dynamic_group.function]
}

# Whenever the runs log: creating a run with enableAutoLogCreation makes the creator (the
# function) create the log, and the logs operation reads the log group and searches it.
resource "oci_identity_policy" "function_job_logs" {
  provider = oci.home
  count    = local.job_logs_enabled ? 1 : 0

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-function-job-logs"
  description    = "Launcher function: create job-run logs in the runs' log group and search them."
  freeform_tags  = local.tags
  statements = [
    "Allow dynamic-group ${local.fn_dynamic_group_name} to manage log-groups in compartment id ${local.job_log_compartment_id} where target.loggroup.id = '${local.job_log_group_id}'",
    "Allow dynamic-group ${local.fn_dynamic_group_name} to use log-content in compartment id ${local.job_log_compartment_id} where target.loggroup.id = '${local.job_log_group_id}'",
  ]

  depends_on = [oci_identity_dynamic_group.function]
}

# ---------------------------------------------------------------------------- job runs

resource "oci_identity_dynamic_group" "job_run" {
  provider = oci.home

  compartment_id = var.tenancy_ocid
  name           = local.job_run_dynamic_group_name
  description    = "Data Science job runs in the ${var.name_prefix} job's own compartment (their resource principal)."
  matching_rule  = "ALL {resource.type = 'datasciencejobrun', resource.compartment.id = '${local.job_compartment_id}'}"
  freeform_tags  = local.tags

  lifecycle {
    # A job-run dynamic group can't name a job, only a compartment: with another job in
    # it, that job's runs would get this job's grants.
    precondition {
      condition     = alltrue([for job in data.oci_datascience_jobs.in_job_compartment.jobs : job.id == var.job_ocid])
      error_message = "The job's compartment (job_compartment_id) holds other active Data Science jobs besides job_ocid. Job-run grants can only name a compartment, so give this job a compartment of its own (move the others out, or move the job with `oci data-science job change-compartment`)."
    }
  }
}

resource "oci_identity_policy" "job_run" {
  provider = oci.home

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-job-run"
  description    = "Job runs: pull the BYOC image, read specs and notebooks in the spec folder, create results in the output folder."
  freeform_tags  = local.tags
  statements = [
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to read repos in compartment id ${local.repository_compartment_id}",
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to read objects in compartment id ${var.compartment_ocid} where all {target.bucket.name = '${var.spec_bucket_name}', target.object.name = '${var.spec_prefix}*'}",
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to manage objects in compartment id ${local.output_bucket_compartment_id} where all {target.bucket.name = '${var.output_bucket_name}', target.object.name = '${var.output_prefix}*', any {request.permission = 'OBJECT_CREATE', request.permission = 'OBJECT_INSPECT'}}",
  ]

  lifecycle {
    # Job runs pull the image with `read repos` in repository_compartment_id only.
    precondition {
      condition     = local.image_repositories.job == "" || try(length(data.oci_artifacts_container_repositories.image["job"].container_repository_collection[0].items) > 0, false)
      error_message = "The job's image repository is not in repository_compartment_id, where the job runs may read repos: create the repository there before pushing (`oci artifacts container repository create --compartment-id <repository_compartment_id> --display-name <name>`), or set repository_compartment_id to its compartment."
    }
  }

  depends_on = [oci_identity_dynamic_group.job_run]
}

# The images' repositories, looked up in repository_compartment_id: the job runs may
# read repos there only, and the README creates both repositories there.
data "oci_artifacts_container_repositories" "image" {
  for_each = { for name, repository in local.image_repositories : name => repository if repository != "" }

  compartment_id = local.repository_compartment_id
  display_name   = each.value
}

# Whenever the runs log: the job run sends its stdout/stderr to its log.
resource "oci_identity_policy" "job_run_logs" {
  provider = oci.home
  count    = local.job_logs_enabled ? 1 : 0

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-job-run-logs"
  description    = "Job runs: write their log in the runs' log group."
  freeform_tags  = local.tags
  statements = [
    "Allow dynamic-group ${local.job_run_dynamic_group_name} to use log-content in compartment id ${local.job_log_compartment_id} where target.loggroup.id = '${local.job_log_group_id}'",
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
  description    = "Data Integration workspace: invoke the launcher, read and cancel the job's runs."
  freeform_tags  = local.tags
  statements = [
    "Allow any-user to use fn-invocation in compartment id ${var.compartment_ocid} where ALL {request.principal.type = 'disworkspace', request.principal.id = '${var.di_workspace_id}'}",
    "Allow any-user to use data-science-job-runs in compartment id ${local.job_compartment_id} where ALL {request.principal.type = 'disworkspace', request.principal.id = '${var.di_workspace_id}', any {request.permission = 'DATA_SCIENCE_JOB_RUN_READ', request.permission = 'DATA_SCIENCE_JOB_RUN_UPDATE'}}",
  ]
}

# One policy per schedule, in the form of Oracle's Resource Scheduler example policies
# (manage <resource-type> where the principal is that one schedule). Functions supports
# only the general policy variables, so the grant can't name the function: it names the
# launcher's compartment.
resource "oci_identity_policy" "schedule" {
  provider = oci.home
  for_each = oci_resource_scheduler_schedule.launch

  compartment_id = local.policy_compartment_ocid
  name           = "${var.name_prefix}-schedule-${each.key}"
  description    = "Resource schedule ${each.key}: invoke the launcher function."
  freeform_tags  = local.tags
  statements = [
    "Allow any-user to manage functions-family in compartment id ${var.compartment_ocid} where ALL {request.principal.type = 'resourceschedule', request.principal.id = '${each.value.id}'}",
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
