# Function log: the application's invoke log (stdout/stderr of the function).

resource "oci_logging_log_group" "launcher" {
  count = local.create_log_group ? 1 : 0

  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-logs"
  description    = "Logs of the ${var.name_prefix} job-run launcher."
  freeform_tags  = local.tags
}

resource "oci_logging_log" "function_invoke" {
  count = var.enable_function_log ? 1 : 0

  display_name       = "${var.name_prefix}-fn-invoke"
  log_group_id       = local.create_log_group ? oci_logging_log_group.launcher[0].id : var.function_log_group_id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.function_log_retention_days
  freeform_tags      = local.tags

  configuration {
    compartment_id = var.compartment_ocid

    source {
      source_type = "OCISERVICE"
      service     = "functions"
      category    = "invoke"
      resource    = oci_functions_application.launcher.id
    }
  }
}
