terraform {
  # 1.3: optional object attributes / lifecycle preconditions; Resource Manager offers 1.5.x.
  required_version = ">= 1.3.0"

  required_providers {
    oci = {
      source  = "oracle/oci"
      version = ">= 6.0"
    }
  }
}

# No credentials here. Authentication comes from the environment: the API key of the
# DEFAULT profile in ~/.oci/config for the Terraform CLI, or Resource Manager's own
# authentication when run as a stack.
provider "oci" {
  region = var.region
}

# IAM writes (dynamic groups, policies) must go to the tenancy's home region.
provider "oci" {
  alias  = "home"
  region = local.home_region
}
