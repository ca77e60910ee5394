# API Gateway in front of the launcher (README: "API Gateway"). Created only when
# api_gateway_subnet_id is given. Without api_auth_* the deployment is ANONYMOUS: keep the
# gateway PRIVATE and/or restrict it with NSGs (api_gateway_nsg_ids).

locals {
  # Route key => path and methods. Only these five reach the function.
  api_routes = {
    run      = { path = "/runs", methods = ["POST"] }
    list     = { path = "/runs", methods = ["GET"] }
    validate = { path = "/runs/validate", methods = ["POST"] }
    status   = { path = "/runs/{jobRunId}", methods = ["GET"] }
    cancel   = { path = "/runs/{jobRunId}", methods = ["DELETE"] }
  }

  api_auth_vars_given = length(compact([var.api_auth_issuer, var.api_auth_audience, var.api_auth_jwks_uri]))
}

resource "oci_apigateway_gateway" "launcher" {
  count = local.api_gateway_enabled ? 1 : 0

  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-gw"
  endpoint_type              = var.api_gateway_endpoint_type
  subnet_id                  = var.api_gateway_subnet_id
  network_security_group_ids = var.api_gateway_nsg_ids
  freeform_tags              = local.tags
}

resource "oci_apigateway_deployment" "launcher" {
  count = local.api_gateway_enabled ? 1 : 0

  compartment_id = var.compartment_ocid
  gateway_id     = oci_apigateway_gateway.launcher[0].id
  display_name   = "${var.name_prefix}-api"
  path_prefix    = var.api_path_prefix
  freeform_tags  = local.tags

  specification {
    request_policies {
      rate_limiting {
        rate_in_requests_per_second = var.api_rate_limit_per_second
        rate_key                    = var.api_rate_limit_key
      }

      # JWT / OIDC bearer tokens checked against the issuer's JWKS.
      dynamic "authentication" {
        for_each = local.api_auth_enabled ? [1] : []
        content {
          type                        = "TOKEN_AUTHENTICATION"
          token_header                = "Authorization"
          token_auth_scheme           = "Bearer"
          is_anonymous_access_allowed = false
          max_clock_skew_in_seconds   = 60

          validation_policy {
            type                        = "REMOTE_JWKS"
            uri                         = var.api_auth_jwks_uri
            max_cache_duration_in_hours = 1

            additional_validation_policy {
              issuers   = [var.api_auth_issuer]
              audiences = [var.api_auth_audience]
            }
          }
        }
      }
    }

    dynamic "routes" {
      for_each = local.api_routes
      content {
        path    = routes.value.path
        methods = routes.value.methods

        backend {
          type        = "ORACLE_FUNCTIONS_BACKEND"
          function_id = oci_functions_function.launcher.id
        }

        # With an authentication policy every route requires a valid token.
        dynamic "request_policies" {
          for_each = local.api_auth_enabled ? [1] : []
          content {
            authorization {
              type = "AUTHENTICATION_ONLY"
            }
          }
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = local.api_auth_vars_given == 0 || local.api_auth_vars_given == 3
      error_message = "Set api_auth_issuer, api_auth_audience and api_auth_jwks_uri together (or none for an anonymous deployment)."
    }
  }

  depends_on = [oci_identity_policy.api_gateway]
}
