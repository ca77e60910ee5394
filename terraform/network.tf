# Routes of the existing subnets, read at plan time (the stack creates no network). The
# function reaches Object Storage, Data Science and Logging through the Oracle Services
# Network: its subnet needs a rule to a service gateway for "All <region> Services in
# Oracle Services Network" (or a NAT gateway). A PRIVATE API gateway reaches its function
# back end the same way, through a service gateway (Oracle: "Functions as HTTP back ends",
# API Gateway). Preconditions on the application and the gateway fail `plan` with a clear
# message when a rule is missing; verify_subnet_routes = false skips the check.

locals {
  # Subnet key => OCID of the subnets whose routes are checked.
  checked_subnets = merge(
    var.verify_subnet_routes ? { function = var.function_subnet_id } : {},
    var.verify_subnet_routes && local.api_gateway_enabled && var.api_gateway_endpoint_type == "PRIVATE" ? { gateway = var.api_gateway_subnet_id } : {},
  )

  # Subnet key => the rules of its route table (empty when the table was not found).
  subnet_route_rules = {
    for key, _ in local.checked_subnets :
    key => try(data.oci_core_route_tables.subnet[key].route_tables[0].route_rules, [])
  }

  # A rule to a service gateway for all the region's services (not only Object Storage).
  reaches_all_services = {
    for key, rules in local.subnet_route_rules :
    key => anytrue([for rule in rules : can(regex("^ocid1\\.servicegateway\\.", rule.network_entity_id)) && can(regex("^all-.*-services-in-oracle-services-network$", rule.destination))])
  }
  reaches_nat = {
    for key, rules in local.subnet_route_rules :
    key => anytrue([for rule in rules : can(regex("^ocid1\\.natgateway\\.", rule.network_entity_id)) && rule.destination == "0.0.0.0/0"])
  }
}

data "oci_core_subnet" "checked" {
  for_each  = local.checked_subnets
  subnet_id = each.value
}

# The subnet's route table, looked up in the subnet's compartment and VCN.
data "oci_core_route_tables" "subnet" {
  for_each = local.checked_subnets

  compartment_id = data.oci_core_subnet.checked[each.key].compartment_id
  vcn_id         = data.oci_core_subnet.checked[each.key].vcn_id

  filter {
    name   = "id"
    values = [data.oci_core_subnet.checked[each.key].route_table_id]
  }
}
