# The Functions application and the launcher function (README "Configuration").

resource "oci_artifacts_container_repository" "launcher" {
  count = var.create_container_repository ? 1 : 0

  compartment_id = var.compartment_ocid
  display_name   = local.container_repository_name
  is_public      = false
  is_immutable   = false
  freeform_tags  = local.tags
}

resource "oci_functions_application" "launcher" {
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-app"
  subnet_ids                 = [var.function_subnet_id]
  network_security_group_ids = var.function_nsg_ids
  shape                      = var.function_shape
  freeform_tags              = local.tags
}

locals {
  # Function config (= environment). MAX_ACTIVE_RUNS is left out entirely when not given,
  # so the function's own default ("off") applies.
  function_config = {
    for k, v in {
      JOB_OCID        = var.job_ocid
      SPEC_ALLOWLIST  = local.spec_allowlist
      SPEC_ENV_VAR    = var.spec_env_var
      MAX_SPEC_BYTES  = var.max_spec_bytes
      MAX_ACTIVE_RUNS = var.max_active_runs
      ERROR_STATUS    = var.error_status
    } : k => tostring(v) if v != null
  }
}

resource "oci_functions_function" "launcher" {
  application_id     = oci_functions_application.launcher.id
  display_name       = "${var.name_prefix}-fn"
  image              = var.function_image
  memory_in_mbs      = var.function_memory_in_mbs
  timeout_in_seconds = var.function_timeout_in_seconds
  config             = local.function_config
  freeform_tags      = local.tags

  depends_on = [oci_artifacts_container_repository.launcher]
}
