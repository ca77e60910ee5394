output "function_id" {
  description = "OCID of the launcher function (oci fn function invoke --function-id …)."
  value       = oci_functions_function.launcher.id
}

output "application_id" {
  description = "OCID of the Functions application (fn/oci fn commands that take an application)."
  value       = oci_functions_application.launcher.id
}

output "namespace" {
  description = "The tenancy's Object Storage namespace (oci://<bucket>@<namespace>/…, <region-key>.ocir.io/<namespace>/…)."
  value       = local.namespace
}

output "function_invoke_endpoint" {
  description = "Base invoke endpoint of the function (for SDKs and `oci fn function invoke`)."
  value       = oci_functions_function.launcher.invoke_endpoint
}

output "function_invoke_url" {
  description = "Full invoke URL for hand-built signed calls (the Data Integration REST task uses it)."
  value       = local.function_invoke_url
}

output "api_runs_url" {
  description = "POST here to start a run (API Gateway), GET to list runs; GET/DELETE <url>/{jobRunId} for status/cancel, GET <url>/{jobRunId}/logs for the run's log, POST <url>/validate to validate. null without a gateway."
  value       = local.api_gateway_enabled ? "${oci_apigateway_deployment.launcher[0].endpoint}/runs" : null
}

output "api_gateway_hostname" {
  description = "Hostname of the API gateway (a PRIVATE gateway's name resolves inside its VCN only). null without a gateway."
  value       = local.api_gateway_enabled ? oci_apigateway_gateway.launcher[0].hostname : null
}

output "api_gateway_ip_addresses" {
  description = "IP addresses of the API gateway (a PRIVATE gateway's private IP in its subnet: reach it over VPN, FastConnect, a peered VCN or a Bastion session). null without a gateway."
  value       = local.api_gateway_enabled ? [for address in oci_apigateway_gateway.launcher[0].ip_addresses : address.ip_address] : null
}

output "api_authentication" {
  description = "How the API deployment authenticates callers."
  value       = local.api_gateway_enabled ? (local.api_auth_enabled ? "JWT (issuer ${var.api_auth_issuer})" : "ANONYMOUS: restrict access with a PRIVATE endpoint and NSGs") : null
}

output "di_task_key" {
  description = "Key of the Data Integration REST task (publish it to an application to run or schedule it). null without a workspace."
  value       = local.di_enabled ? oci_dataintegration_workspace_task.run_job[0].key : null
}

output "di_conditions" {
  description = "Poll and success conditions of the REST task, to compare with (or paste into) the task in the console. null without a workspace."
  value = local.di_enabled ? {
    poll    = local.di_poll_condition
    success = local.di_success_condition
    cancel  = "POST ${local.job_run_url}/actions/cancelJobRun"
  } : null
}

output "spec_bucket" {
  description = "Upload specs (*.yaml / *.yml) and oci:// notebooks under this folder; an uploaded spec starts a run through the Events rule."
  value       = "oci://${oci_objectstorage_bucket.specs.name}@${local.namespace}/${var.spec_prefix}"
}

output "job_log_group_id" {
  description = "Log group of the job runs' logs (the job's own unless job_log_group_id is set); empty when the runs don't log (then the logs operation answers LogsNotConfigured)."
  value       = local.job_log_group_id
}

output "output_location" {
  description = "Where the job runs may write: every spec's outputFolder / outputUri must lie under it."
  value       = "oci://${var.output_bucket_name}@${local.namespace}/${var.output_prefix}"
}

output "spec_allowlist" {
  description = "SPEC_ALLOWLIST configured on the function."
  value       = local.spec_allowlist
}

output "events_rule_id" {
  description = "OCID of the Events rule (its metrics show failed deliveries)."
  value       = oci_events_rule.spec_uploaded.id
}

output "dynamic_groups" {
  description = "Dynamic groups created for the function and for the job runs."
  value = {
    function = oci_identity_dynamic_group.function.name
    job_run  = oci_identity_dynamic_group.job_run.name
  }
}

output "function_log_id" {
  description = "OCID of the function's invoke log. null when disabled."
  value       = var.enable_function_log ? oci_logging_log.function_invoke[0].id : null
}

output "schedules" {
  description = "Resource Scheduler schedules by name: OCID and the request body each firing sends. Empty without var.schedules."
  value = {
    for name, schedule in oci_resource_scheduler_schedule.launch : name => {
      id   = schedule.id
      body = local.schedule_bodies[name]
    }
  }
}

output "run_notification_topic_id" {
  description = "Notifications topic that receives job-run completion events (publish a test message to it, add subscriptions). null without run_notification_subscriptions."
  value       = local.notifications_enabled ? oci_ons_notification_topic.job_runs[0].id : null
}
