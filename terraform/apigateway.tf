# API Gateway in front of the launcher (README "API Gateway"). Created only when
# api_gateway_subnet_id is given. Without api_auth_* the deployment is ANONYMOUS: keep the
# gateway PRIVATE and/or restrict it with NSGs (api_gateway_nsg_ids).
#
# Oracle sources: route authorization ANY_OF with allowedScope ("a user whose scope
# includes any of these access ranges is allowed on this route", API Gateway API,
# AnyOfRouteAuthorizationPolicy); header transformations with context variables such as
# ${request.auth[sub]} ("Adding Header Transformation Request Policies",
# docs.oracle.com/iaas/Content/APIGateway/Tasks/apigatewaymodifyingresponsesrequests-addingheadertransformrequestpolicies.htm),
# which API Gateway fills only on routes that are not ANONYMOUS.

locals {
  # Route key => path, methods and the scope a token needs for it when JWT is on (route
  # authorization ANY_OF: the token's scope must include it). Only these routes reach the
  # function.
  api_routes = {
    run      = { path = "/runs", methods = ["POST"], scope = "runs:launch" }
    validate = { path = "/runs/validate", methods = ["POST"], scope = "runs:launch" }
    list     = { path = "/runs", methods = ["GET"], scope = "runs:read" }
    status   = { path = "/runs/{jobRunId}", methods = ["GET"], scope = "runs:read" }
    logs     = { path = "/runs/{jobRunId}/logs", methods = ["GET"], scope = "runs:read" }
    cancel   = { path = "/runs/{jobRunId}", methods = ["DELETE"], scope = "runs:cancel" }
  }

  # The caller's identity as the function sees it (it goes into the retry token, so callers
  # never share idempotency keys). With JWT on, the gateway sets it from the validated
  # token's subject, overwriting whatever the client sent; without JWT nothing
  # authenticates the caller, so the header is removed.
  api_subject_header = "X-Authenticated-Subject"

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

  lifecycle {
    # network.tf: a PRIVATE gateway reaches its function back end through a service gateway.
    precondition {
      condition     = lookup(local.reaches_all_services, "gateway", true)
      error_message = "api_gateway_subnet_id has no route to a service gateway: a PRIVATE API gateway reaches its function back end through a service gateway for \"All <region> Services in Oracle Services Network\" in its subnet's route table. Add the rule, or set verify_subnet_routes = false if the route table lives where this stack can't read it."
    }
  }
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

        request_policies {
          # With JWT on, a valid token whose scope includes the route's scope.
          dynamic "authorization" {
            for_each = local.api_auth_enabled ? [routes.value.scope] : []
            content {
              type          = "ANY_OF"
              allowed_scope = [authorization.value]
            }
          }

          header_transformations {
            dynamic "set_headers" {
              for_each = local.api_auth_enabled ? [1] : []
              content {
                items {
                  name      = local.api_subject_header
                  values    = ["$${request.auth[sub]}"]
                  if_exists = "OVERWRITE"
                }
              }
            }

            dynamic "filter_headers" {
              for_each = local.api_auth_enabled ? [] : [1]
              content {
                type = "BLOCK"
                items {
                  name = local.api_subject_header
                }
              }
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
