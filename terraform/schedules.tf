# Schedules: one OCI Resource Scheduler schedule per entry of var.schedules, each invoking
# the launcher with a direct-invocation body (README "After launch" → "Schedules").
# Nothing is created while the map is empty (the default).
#
# The body is the same request a Data Integration task or `fn invoke` sends, so a
# scheduled run gets exactly the spec semantics of any other run. It never carries an
# idempotencyKey: without one the function derives the retry token from the invocation's
# call id, so every firing starts a fresh run while retries inside one invocation don't.
# The Resource Scheduler invokes functions in detached mode: the answer is discarded, and
# a refused spec shows up only in the function's log (and as a missing run).

locals {
  # Request body per schedule: fields left null in the entry are dropped, so the function
  # sees only what was configured. tests/iac evaluates this expression and sends the
  # result through the real function: keep it a plain object of `s.<field>` references.
  schedule_bodies = {
    for name, s in var.schedules : name => {
      for field, value in {
        operation               = "run"
        specLocation            = s.spec_location
        displayName             = s.display_name
        environmentVariables    = s.environment_variables
        commandLineArguments    = s.command_line_arguments
        maximumRuntimeInMinutes = s.maximum_runtime_in_minutes
        freeformTags            = merge(s.freeform_tags, { schedule = name })
      } : field => value if value != null
    }
  }
}

resource "oci_resource_scheduler_schedule" "launch" {
  for_each = var.schedules

  compartment_id     = var.compartment_ocid
  display_name       = "${var.name_prefix}-${each.key}"
  description        = "Run the spec ${each.value.spec_location} through ${var.name_prefix}-fn."
  action             = "START_RESOURCE" # for a function: invoke it
  recurrence_type    = each.value.recurrence_type
  recurrence_details = each.value.recurrence
  state              = each.value.enabled ? "ACTIVE" : "INACTIVE"
  freeform_tags      = merge(local.tags, { schedule = each.key })

  resources {
    id = oci_functions_function.launcher.id

    # The invocation body. The provider takes the value as a list holding one JSON
    # document (the form of the provider's own Resource Scheduler example).
    parameters {
      parameter_type = "BODY"
      value          = [jsonencode(local.schedule_bodies[each.key])]
    }
  }

  lifecycle {
    # The function refuses specs outside SPEC_ALLOWLIST, and a schedule's refusal is seen
    # only in the function log: catch it at plan time.
    precondition {
      condition     = !startswith(each.value.spec_location, "oci://") || startswith(each.value.spec_location, local.spec_allowlist)
      error_message = "schedules: spec_location must lie under the spec folder ${local.spec_allowlist} (SPEC_ALLOWLIST); the function refuses any other spec."
    }
  }
}
