"""The stack's subnets must reach the Oracle Services Network: network.tf reads their route
tables and the function's application and the (private) API gateway refuse to plan when
no rule gets there. The checks are evaluated here against sample route tables."""

from __future__ import annotations

import json
import re

import pytest


def first(blocks):
    assert isinstance(blocks, list) and len(blocks) == 1, blocks
    return blocks[0]


def rule_check(tf, name: str):
    """local.<name> as a Python predicate over a list of route rules."""
    expression = tf.locals[name]
    match = re.fullmatch(
        r"\$\{\{for key, rules in local\.subnet_route_rules : key => anytrue\(\[for rule in rules"
        r" : (?P<body>.*)\]\)\}\}", expression)
    assert match, expression
    body = match.group("body")
    tests = []
    for pattern, field in re.findall(r'can\(regex\("((?:[^"\\]|\\.)*)", rule\.([a-z_]+)\)\)', body):
        tests.append((field, "regex", json.loads(f'"{pattern}"')))
    for field, literal in re.findall(r'rule\.([a-z_]+) == "([^"]*)"', body):
        tests.append((field, "eq", literal))
    assert len(tests) == body.count("&&") + 1, f"unparsed terms in {body}"

    def check(rules):
        return any(all(re.search(value, rule[field]) if kind == "regex" else rule[field] == value
                       for field, kind, value in tests) for rule in rules)
    return check


SGW = "ocid1.servicegateway.oc1.eu-frankfurt-1.aaaa"
NAT = "ocid1.natgateway.oc1.eu-frankfurt-1.aaaa"
IGW = "ocid1.internetgateway.oc1.eu-frankfurt-1.aaaa"
ALL = "all-fra-services-in-oracle-services-network"
OBJECT_STORAGE_ONLY = "oci-fra-objectstorage"


@pytest.mark.parametrize(("rules", "services", "nat"), [
    ([{"network_entity_id": SGW, "destination": ALL}], True, False),
    ([{"network_entity_id": SGW, "destination": OBJECT_STORAGE_ONLY}], False, False),
    ([{"network_entity_id": NAT, "destination": "0.0.0.0/0"}], False, True),
    ([{"network_entity_id": NAT, "destination": "10.0.0.0/8"}], False, False),
    ([{"network_entity_id": IGW, "destination": "0.0.0.0/0"}], False, False),
    ([], False, False),
])
def test_which_routes_reach_the_oracle_services_network(tf, rules, services, nat):
    assert rule_check(tf, "reaches_all_services")(rules) is services
    assert rule_check(tf, "reaches_nat")(rules) is nat


def test_the_function_subnet_needs_a_service_or_nat_gateway(tf):
    application = tf.resource("oci_functions_application", "launcher")
    (check,) = first(application["lifecycle"])["precondition"]
    assert check["condition"] == (
        '${lookup(local.reaches_all_services, "function", true) || '
        'lookup(local.reaches_nat, "function", true)}')
    assert "service gateway" in check["error_message"]
    assert "verify_subnet_routes" in check["error_message"]


def test_a_private_gateway_subnet_needs_a_service_gateway(tf):
    gateway = tf.resource("oci_apigateway_gateway", "launcher")
    (check,) = first(gateway["lifecycle"])["precondition"]
    assert check["condition"] == '${lookup(local.reaches_all_services, "gateway", true)}'
    assert "PRIVATE API gateway" in check["error_message"]
    subnets = tf.locals["checked_subnets"]
    assert 'var.api_gateway_endpoint_type == "PRIVATE"' in subnets
    assert "gateway = var.api_gateway_subnet_id" in subnets
    assert "function = var.function_subnet_id" in subnets


def test_the_check_is_on_by_default_and_creates_nothing(tf):
    assert tf.variables["verify_subnet_routes"]["default"] is True
    assert tf.locals["checked_subnets"].count("var.verify_subnet_routes") == 2
    assert not [key for key in tf.resources if key[0].startswith("oci_core_")]
