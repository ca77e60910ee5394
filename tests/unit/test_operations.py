"""func/operations.py is the one list of operations: the router, the OpenAPI document,
docs/reference.md and the Terraform gateway routes all agree with it."""

from __future__ import annotations

import re

import pytest
import yaml

from func.errors import MethodNotAllowed
from func.operations import OPERATIONS
from func.triggers import ROUTE_LIST, match_route
from tests.support.paths import ROOT

ROUTES = {(op.route.method, "/" + op.route.path): op for op in OPERATIONS.values()}


def openapi() -> dict:
    return yaml.safe_load((ROOT / "api/openapi.yaml").read_text())


def test_the_router_answers_every_route_and_lists_them_all():
    for op in OPERATIONS.values():
        path = "/v1/" + op.route.path.replace("{jobRunId}", "ocid1.datasciencejobrun.oc1..x")
        route, _ = match_route(op.route.method, path)
        assert route.operation == op.name
        assert str(op.route) in ROUTE_LIST


def test_the_allowed_methods_of_a_path_are_its_operations():
    for (_, path), _op in ROUTES.items():
        methods = {method for method, other in ROUTES if other == path}
        with pytest.raises(MethodNotAllowed) as error:
            match_route("PATCH", "/v1" + path.replace("{jobRunId}", "r"))
        assert set(error.value.allow) == methods


def test_openapi_has_exactly_the_routes_with_their_success_status():
    paths = openapi()["paths"]
    documented = {(method.upper(), path) for path, item in paths.items() for method in item
                  if method in ("get", "post", "put", "delete", "patch")}
    assert documented == set(ROUTES)
    for (method, path), op in ROUTES.items():
        responses = paths[path][method.lower()]["responses"]
        assert min(int(code) for code in responses if code.isdigit()) == op.status, op.name


def test_openapi_query_parameters_are_the_fields_each_get_route_reads():
    paths = openapi()["paths"]
    for (method, path), op in ROUTES.items():
        if method != "GET":
            continue
        item = paths[path]
        params = [*item.get("parameters", []), *item["get"].get("parameters", [])]
        query = {p["name"] for p in params if p["in"] == "query"}
        assert query == set(op.request.FIELDS) - set(op.route.parameters), op.name


def test_docs_reference_lists_every_route_with_its_operation_and_status():
    text = (ROOT / "docs/reference.md").read_text()
    section = text[text.index("| method and path | operation | success status |"):]
    rows = re.findall(r"^\| `(\w+) …(/[^`?]*)[^`]*`[^|]* \| (\w+) \| `(\d{3})`",
                      section[:section.index("\n\n")], re.MULTILINE)
    assert {(method, path): (name, int(status)) for method, path, name, status in rows} == {
        key: (op.name, op.status) for key, op in ROUTES.items()}


def test_docs_reference_lists_every_operation():
    text = (ROOT / "docs/reference.md").read_text()
    section = text[text.index("| operation | what it does | answers |"):]
    names = re.findall(r"^\| `(\w+)` \|", section[:section.index("\n\n")], re.MULTILINE)
    assert sorted(names) == sorted(OPERATIONS)


def terraform_routes() -> set[tuple[str, str]]:
    text = (ROOT / "terraform/apigateway.tf").read_text()
    block = text[text.index("api_routes = {"):]
    block = block[:block.index("\n  }")]
    routes = set()
    for path, methods in re.findall(r'path\s*=\s*"([^"]+)",\s*methods\s*=\s*\[([^\]]*)\]', block):
        routes.update((method.strip().strip('"'), path) for method in methods.split(","))
    return routes


def test_terraform_deploys_no_route_the_function_does_not_answer():
    assert terraform_routes() <= set(ROUTES)


@pytest.mark.parametrize("key", list(ROUTES), ids=lambda key: f"{key[0]} {key[1]}")
def test_terraform_deploys_every_route(key):
    assert key in terraform_routes()
