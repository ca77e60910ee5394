# Events rule: a spec uploaded (created or overwritten) under <spec_prefix> as *.yaml or
# *.yml invokes the launcher (README "Events rule"). The function checks event type and suffix
# again and ignores anything else, so the rule's filter is an optimisation, not the guard.

locals {
  spec_event_types = [
    "com.oraclecloud.objectstorage.createobject",
    "com.oraclecloud.objectstorage.updateobject",
  ]

  # Lists are OR-ed, nested keys must match the event's nesting, '*' is a wildcard.
  events_condition = {
    eventType = local.spec_event_types
    data = {
      additionalDetails = {
        bucketName = [var.spec_bucket_name]
        namespace  = [local.namespace]
      }
      resourceName = ["${var.spec_prefix}*.yaml", "${var.spec_prefix}*.yml"]
    }
  }
}

resource "oci_events_rule" "spec_uploaded" {
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-spec-uploaded"
  description    = "Start a Data Science job run when a spec is uploaded to ${var.spec_bucket_name}."
  is_enabled     = true
  condition      = jsonencode(local.events_condition)
  freeform_tags  = local.tags

  actions {
    actions {
      action_type = "FAAS"
      is_enabled  = true
      function_id = oci_functions_function.launcher.id
      description = "Invoke the job-run launcher with the object event."
    }
  }

  # The bucket must emit events before the rule is useful; the Events service must be
  # allowed to invoke the function, or deliveries fail with a 403 visible only in metrics.
  depends_on = [oci_objectstorage_bucket.specs, oci_identity_policy.events]
}
