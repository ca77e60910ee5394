# The Functions application and the launcher function (README "Configuration"). The
# image's repository is created before the first push (README "Deploy"), not here: the
# function can't be created before its image exists.

resource "oci_functions_application" "launcher" {
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-app"
  subnet_ids                 = [var.function_subnet_id]
  network_security_group_ids = var.function_nsg_ids
  shape                      = var.function_shape
  freeform_tags              = local.tags

  lifecycle {
    # network.tf: the function's subnet must route to the Oracle Services Network.
    precondition {
      condition     = lookup(local.reaches_all_services, "function", true) || lookup(local.reaches_nat, "function", true)
      error_message = "function_subnet_id has no route to the Oracle Services Network: its route table needs a rule to a service gateway for \"All <region> Services in Oracle Services Network\" (or a NAT gateway for 0.0.0.0/0); without it the function can't reach Object Storage, Data Science or Logging. Add the rule, or set verify_subnet_routes = false if the route table lives where this stack can't read it."
    }
  }
}

locals {
  # Function config (= environment). Optional values left null (MAX_ACTIVE_RUNS = null,
  # no ALLOWED_SHAPES) are left out, so the function's own default applies.
  function_config = {
    for k, v in {
      JOB_OCID              = var.job_ocid
      SPEC_ALLOWLIST        = local.spec_allowlist
      SPEC_ENV_VAR          = var.spec_env_var
      MAX_SPEC_BYTES        = var.max_spec_bytes
      MAX_ACTIVE_RUNS       = var.max_active_runs
      ALLOWED_SHAPES        = length(var.allowed_shapes) > 0 ? join(",", var.allowed_shapes) : null
      MAX_BLOCK_STORAGE_GBS = var.max_block_storage_gbs
      MAX_RUNTIME_MINUTES   = var.max_runtime_minutes
      ERROR_STATUS          = var.error_status
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

  lifecycle {
    precondition {
      condition     = try(length(data.oci_artifacts_container_repositories.image["function"].container_repository_collection[0].items) > 0, false)
      error_message = "The repository of function_image is not in repository_compartment_id: create it there before pushing (`oci artifacts container repository create --compartment-id <repository_compartment_id> --display-name <name>`; a push that creates a repository puts it in the root compartment), or set repository_compartment_id to its compartment."
    }
  }
}
