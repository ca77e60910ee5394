# Data Integration REST task (optional: only with di_workspace_id).
#
#   execute  POST <function invoke endpoint>/20181201/functions/<fn>/actions/invoke
#            {"specLocation": "${SPEC_LOCATION}", "idempotencyKey": "${IDEMPOTENCY_KEY}"}
#            -> 200 {"ok": true, "jobRunId": …, "id": …} or {"ok": false, "error": {…}}
#   extract  JOB_RUN_ID = json_path(SYS.RESPONSE_PAYLOAD_JSON, '$.jobRunId')
#   poll     GET  https://datascience.<region>.oci.oraclecloud.com/20190101/jobRuns/#{JOB_RUN_ID}
#            until the state is terminal as `status` defines it: SUCCEEDED, FAILED,
#            CANCELED, DELETED (NEEDS_ATTENTION keeps polling; a 429/5xx polls again)
#   success  lifecycleState == 'SUCCEEDED'
#   cancel   POST …/jobRuns/#{JOB_RUN_ID}/actions/cancelJobRun   (not DELETE = DeleteJobRun);
#            Data Science cancels runs in ACCEPTED, IN_PROGRESS and NEEDS_ATTENTION
#
# All calls are signed with the workspace's resource principal (policy in iam.tf).
# In Terraform strings "$${X}" is the literal text "${X}" (a DI task parameter) and
# "#{X}" is a DI expression reference.

locals {
  function_invoke_url = "${oci_functions_function.launcher.invoke_endpoint}/20181201/functions/${oci_functions_function.launcher.id}/actions/invoke"
  data_science_url    = "${var.data_science_endpoint != "" ? var.data_science_endpoint : "https://datascience.${var.region}.oci.oraclecloud.com"}/20190101"
  job_run_url         = "${local.data_science_url}/jobRuns/#{JOB_RUN_ID}"

  di_default_spec_location = var.di_default_spec_location != "" ? var.di_default_spec_location : "oci://${var.spec_bucket_name}@${local.namespace}/${var.spec_prefix}job.yaml"

  di_request_payload = jsonencode({
    specLocation   = "$${SPEC_LOCATION}"
    idempotencyKey = "$${IDEMPOTENCY_KEY}"
  })

  # Keep polling until the run is terminal in the function's own sense (`status` answers
  # terminal: true for SUCCEEDED, FAILED, CANCELED and DELETED). NEEDS_ATTENTION is not
  # terminal: the run still counts against MAX_ACTIVE_RUNS and can still be cancelled
  # ("Only job runs that are in ACCEPTED, IN_PROGRESS, or NEEDS_ATTENTION states can be
  # canceled", Data Science documentation, managing job runs), so the task keeps waiting
  # and, when it is terminated or reaches pollMaxDuration, its cancel step cancels the run
  # instead of leaving it holding a slot. A missing state (function answered ok:false, so
  # no JOB_RUN_ID) ends the poll; a throttled or failing poll (429/5xx) is retried at the
  # next interval. (The published sample stopped only on SUCCEEDED/FAILED and polled
  # CANCELED runs until pollMaxDuration.)
  di_poll_while_running = [
    "CAST(json_path(SYS.RESPONSE_PAYLOAD, '$.lifecycleState') AS String) IS NOT NULL",
    "CAST(json_path(SYS.RESPONSE_PAYLOAD, '$.lifecycleState') AS String) != 'SUCCEEDED'",
    "CAST(json_path(SYS.RESPONSE_PAYLOAD, '$.lifecycleState') AS String) != 'FAILED'",
    "CAST(json_path(SYS.RESPONSE_PAYLOAD, '$.lifecycleState') AS String) != 'CANCELED'",
    "CAST(json_path(SYS.RESPONSE_PAYLOAD, '$.lifecycleState') AS String) != 'DELETED'",
  ]
  di_poll_retry_statuses = "SYS.RESPONSE_STATUS == 429 OR SYS.RESPONSE_STATUS >= 500"
  di_poll_condition      = "${local.di_poll_retry_statuses} OR (${join(" AND ", local.di_poll_while_running)})"

  di_success_condition = "SYS.RESPONSE_STATUS >= 200 AND SYS.RESPONSE_STATUS < 300 AND CAST(json_path(SYS.RESPONSE_PAYLOAD, '$.lifecycleState') AS String) == 'SUCCEEDED'"

  di_json_headers = { "Content-Type" = "application/json" }

  # Input parameters of the task: name => default value.
  di_parameters = {
    SPEC_LOCATION   = local.di_default_spec_location
    IDEMPOTENCY_KEY = var.di_idempotency_key_default
  }
}

resource "oci_dataintegration_workspace_task" "run_job" {
  count = local.di_enabled ? 1 : 0

  workspace_id  = var.di_workspace_id
  model_type    = "REST_TASK"
  name          = var.di_task_name
  identifier    = var.di_task_identifier
  description   = "Launch a run of ${var.job_ocid} from the spec at SPEC_LOCATION through ${var.name_prefix}-fn and wait for it."
  api_call_mode = "ASYNC_GENERIC"

  registry_metadata {
    aggregator_key = var.di_project_key
  }

  auth_config {
    model_type                = "OCI_RESOURCE_AUTH_CONFIG"
    resource_principal_source = "WORKSPACE"
  }

  dynamic "parameters" {
    for_each = local.di_parameters
    content {
      model_type    = "PARAMETER"
      name          = parameters.key
      type          = "Seeded:/typeSystems/PLATFORM/dataTypes/STRING"
      type_name     = "STRING"
      default_value = parameters.value
      is_input      = true
      is_output     = false

      config_values {
        config_param_values {
          key = "length"
          config_param_value {
            int_value = 2048
          }
        }
      }
    }
  }

  execute_rest_call_config {
    model_type      = "REST_CALL_CONFIG"
    method_type     = "POST"
    request_headers = local.di_json_headers

    config_values {
      config_param_values {
        request_url {
          string_value = local.function_invoke_url
        }
        request_payload {
          ref_value {
            model_type = "JSON_TEXT"
            config_values {
              config_param_values {
                data_param {
                  string_value = local.di_request_payload
                }
              }
            }
          }
        }
      }
    }
  }

  typed_expressions {
    model_type = "TYPED_EXPRESSION"
    name       = "JOB_RUN_ID"
    type       = "Seeded:/typeSystems/PLATFORM/dataTypes/VARCHAR"
    expression = "json_path(SYS.RESPONSE_PAYLOAD_JSON, '$.jobRunId')"

    config_values {
      config_param_values {
        length {
          int_value = 2000
        }
      }
    }
  }

  poll_rest_call_config {
    model_type      = "POLL_REST_CALL_CONFIG"
    method_type     = "GET"
    request_headers = local.di_json_headers

    config_values {
      config_param_values {
        request_url {
          string_value = local.job_run_url
        }
        poll_condition {
          ref_value {
            model_type  = "EXPRESSION"
            expr_string = local.di_poll_condition
          }
        }
        poll_interval {
          object_value = tostring(var.di_poll_interval_seconds)
        }
        poll_interval_unit {
          string_value = "SECONDS"
        }
        poll_max_duration {
          object_value = tostring(var.di_poll_max_duration_seconds)
        }
        poll_max_duration_unit {
          string_value = "SECONDS"
        }
      }
    }
  }

  cancel_rest_call_config {
    model_type      = "CANCEL_REST_CALL_CONFIG"
    method_type     = "POST"
    request_headers = local.di_json_headers

    config_values {
      config_param_values {
        request_url {
          string_value = "${local.job_run_url}/actions/cancelJobRun"
        }
      }
    }
  }

  # The provider sends op_config_values only as plain values (string_value), not as an
  # EXPRESSION reference; see README "Data Integration" for checking it after apply.
  op_config_values {
    config_param_values {
      key = "successCondition"
      config_param_value {
        string_value = local.di_success_condition
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.di_default_spec_location == "" || startswith(var.di_default_spec_location, local.spec_allowlist)
      error_message = "di_default_spec_location must lie under the spec folder ${local.spec_allowlist} (SPEC_ALLOWLIST); the function refuses any other spec."
    }

    precondition {
      condition     = var.di_project_key != ""
      error_message = "di_project_key (the Data Integration project or folder key) is required with di_workspace_id."
    }
  }

  depends_on = [oci_identity_policy.data_integration]
}
