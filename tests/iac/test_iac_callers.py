"""The callers' wiring read from terraform/: the Data Integration REST task (execute, poll,
success, cancel) and the Events rule condition, plus the API routes.

The DI conditions are evaluated, not just grepped: they are translated to Python for the
few operators they use and run against every job-run lifecycle state.
"""

from __future__ import annotations

import ast
import json
import re

import pytest

from ocirefs.jobruns import ACTIVE as ACTIVE_STATES
from ocirefs.jobruns import TERMINAL as FUNCTION_TERMINAL_STATES

# One meaning of "terminal" everywhere: the task stops polling exactly when the function's
# `status` answers terminal: true. NEEDS_ATTENTION is not terminal: the run holds a
# MAX_ACTIVE_RUNS slot and can still be cancelled, so the task keeps polling it.
TERMINAL_STATES = sorted(FUNCTION_TERMINAL_STATES)
RUNNING_STATES = ["ACCEPTED", "IN_PROGRESS", "CANCELING", "NEEDS_ATTENTION"]
STATE_EXPR = "CAST(json_path(SYS.RESPONSE_PAYLOAD, '$.lifecycleState') AS String)"


def first(blocks):
    assert isinstance(blocks, list) and len(blocks) == 1, blocks
    return blocks[0]


def param(config_block, name):
    """config_values { config_param_values { <name> { … } } } of a REST call config."""
    params = first(first(config_block["config_values"])["config_param_values"])
    return first(params[name])


@pytest.fixture(scope="module")
def task(tf):
    return tf.resource("oci_dataintegration_workspace_task", "run_job")


# ------------------------------------------------------------------------------ DI conditions


_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.UnaryOp,
    ast.Not,
    ast.Name,
    ast.Constant,
    ast.Load,
)


def evaluate(condition: str, state: str | None, status: int) -> bool:
    """Evaluate a DI success/poll condition over (lifecycleState, HTTP status)."""
    python = condition.replace(f"{STATE_EXPR} IS NOT NULL", "present")
    python = python.replace(f"{STATE_EXPR} IS NULL", "(not present)")
    python = python.replace(STATE_EXPR, "state").replace("SYS.RESPONSE_STATUS", "status")
    assert "NULL" not in python, f"unsupported null test in {condition!r}"
    python = re.sub(r"\bAND\b", "and", python)
    python = re.sub(r"\bOR\b", "or", python)
    tree = ast.parse(python, mode="eval")
    for node in ast.walk(tree):
        assert isinstance(node, _ALLOWED_NODES), f"unexpected construct in {condition!r}: {node}"
        if isinstance(node, ast.Name):
            assert node.id in {"state", "status", "present"}, f"unknown {node.id} in {condition!r}"
    # Comparisons with a missing state are false in DI (SQL-like null semantics).
    names = {
        "state": state if state is not None else _Null(),
        "status": status,
        "present": state is not None,
    }
    return bool(eval(compile(tree, "<condition>", "eval"), {"__builtins__": {}}, names))


class _Null:
    """A null that fails every equality test and only matches IS NULL."""

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return False

    __hash__ = None


def test_terminal_states_are_the_functions_own():
    assert set(TERMINAL_STATES) == {"SUCCEEDED", "FAILED", "CANCELED", "DELETED"}
    assert not set(ACTIVE_STATES) & set(TERMINAL_STATES), "an active run is never terminal"
    assert set(ACTIVE_STATES) <= set(RUNNING_STATES), "the task polls every state the cap counts"


def test_poll_condition_names_every_terminal_state(tf):
    terms = tf.locals["di_poll_while_running"]
    for state in TERMINAL_STATES:
        assert f"{STATE_EXPR} != '{state}'" in terms, f"the poll does not stop on {state}"
    for state in RUNNING_STATES:
        assert all(f"'{state}'" not in term for term in terms), f"the poll stops on {state}"


def poll_condition(tf, task):
    poll = first(task["poll_rest_call_config"])
    ref = first(param(poll, "poll_condition")["ref_value"])
    assert ref["model_type"] == "EXPRESSION"
    return tf.resolve(ref["expr_string"])


@pytest.mark.parametrize("state", TERMINAL_STATES)
def test_poll_ends_on_terminal_state(tf, task, state):
    assert evaluate(poll_condition(tf, task), state, 200) is False


@pytest.mark.parametrize("state", RUNNING_STATES)
def test_poll_continues_while_running(tf, task, state):
    assert evaluate(poll_condition(tf, task), state, 200) is True


def test_poll_ends_without_a_job_run(tf, task):
    # The function answered ok:false: no JOB_RUN_ID, the poll GET is a 404 without state.
    assert evaluate(poll_condition(tf, task), None, 404) is False


@pytest.mark.parametrize("status", [429, 500, 503])
def test_poll_rides_out_throttling_and_outages(tf, task, status):
    assert evaluate(poll_condition(tf, task), None, status) is True


def test_success_only_when_succeeded(tf, task):
    op = first(first(task["op_config_values"])["config_param_values"])
    assert op["key"] == "successCondition"
    success = tf.resolve(first(op["config_param_value"])["string_value"])
    assert f"{STATE_EXPR} == 'SUCCEEDED'" in success
    assert evaluate(success, "SUCCEEDED", 200) is True
    for state in [s for s in TERMINAL_STATES + RUNNING_STATES if s != "SUCCEEDED"]:
        assert evaluate(success, state, 200) is False, state
    assert evaluate(success, None, 404) is False


# ------------------------------------------------------------------------------ DI calls


def test_task_is_an_async_rest_task_with_workspace_principal(tf, task):
    assert task["model_type"] == "REST_TASK"
    assert task["api_call_mode"] == "ASYNC_GENERIC"
    auth = first(task["auth_config"])
    assert auth["model_type"] == "OCI_RESOURCE_AUTH_CONFIG"
    assert auth["resource_principal_source"] == "WORKSPACE"
    assert task["count"] == "${local.di_enabled ? 1 : 0}"
    assert tf.locals["di_enabled"] == '${var.di_workspace_id != ""}'


def test_execute_invokes_the_function(tf, iac, task):
    execute = first(task["execute_rest_call_config"])
    assert execute["method_type"] == "POST"
    url = tf.resolve(param(execute, "request_url")["string_value"])
    assert url == (
        "${oci_functions_function.launcher.invoke_endpoint}/20181201/functions/"
        "${oci_functions_function.launcher.id}/actions/invoke"
    )
    data = first(
        first(first(param(execute, "request_payload")["ref_value"])["config_values"])[
            "config_param_values"
        ]
    )
    payload_expr = tf.resolve(first(data["data_param"])["string_value"])
    match = re.fullmatch(r"\$\{jsonencode\((.*)\)\}", payload_expr, re.S)
    assert match, payload_expr
    body = iac.hcl_object_to_json(match.group(1))
    assert body == {"specLocation": "${SPEC_LOCATION}", "idempotencyKey": "${IDEMPOTENCY_KEY}"}
    # Both DI parameters the body references are declared as task inputs.
    declared = set(tf.locals["di_parameters"])
    assert {"SPEC_LOCATION", "IDEMPOTENCY_KEY"} <= declared


def test_the_default_spec_location_lies_in_the_spec_folder(tf, task):
    checks = [c["condition"] for c in task["lifecycle"][0]["precondition"]]
    assert ('${var.di_default_spec_location == "" || '
            "startswith(var.di_default_spec_location, local.spec_allowlist)}") in checks
    assert tf.locals["di_default_spec_location"].endswith('"oci://${var.spec_bucket_name}@'
                                                          '${local.namespace}/${var.spec_prefix}job.yaml"}')


def test_job_run_id_comes_from_the_function_answer(task):
    expr = first(task["typed_expressions"])
    assert expr["name"] == "JOB_RUN_ID"
    assert expr["expression"] == "json_path(SYS.RESPONSE_PAYLOAD_JSON, '$.jobRunId')"


DATA_SCIENCE_BASE = (
    '${var.data_science_endpoint != "" ? var.data_science_endpoint : '
    '"https://datascience.${var.region}.oci.oraclecloud.com"}/20190101'
)


def test_data_science_endpoint_defaults_to_the_region_and_can_be_set(tf):
    # The commercial realm's host by default; other realms (government, dedicated) set it.
    assert tf.locals["data_science_url"] == DATA_SCIENCE_BASE
    assert tf.variables["data_science_endpoint"]["default"] == ""


def test_poll_gets_the_job_run(tf, task):
    poll = first(task["poll_rest_call_config"])
    assert poll["method_type"] == "GET"
    url = param(poll, "request_url")["string_value"]
    assert url == "${local.job_run_url}"
    assert tf.locals["job_run_url"] == "${local.data_science_url}/jobRuns/#{JOB_RUN_ID}"


def test_cancel_is_the_cancel_action_not_delete(tf, task):
    cancel = first(task["cancel_rest_call_config"])
    assert cancel["method_type"] == "POST", "DELETE /jobRuns/{id} is DeleteJobRun, not a cancel"
    url = param(cancel, "request_url")["string_value"]
    assert url == "${local.job_run_url}/actions/cancelJobRun"


# ------------------------------------------------------------------------------ Events


def test_events_condition_is_json_with_both_event_types_and_the_bucket(tf):
    rule = tf.resource("oci_events_rule", "spec_uploaded")
    assert rule["condition"] == "${jsonencode(local.events_condition)}"
    condition = json.loads(json.dumps(tf.resolve(tf.locals["events_condition"])))
    assert sorted(condition["eventType"]) == [
        "com.oraclecloud.objectstorage.createobject",
        "com.oraclecloud.objectstorage.updateobject",
    ]
    details = condition["data"]["additionalDetails"]
    assert details["bucketName"] == ["<spec_bucket_name>"]
    names = sorted(condition["data"]["resourceName"])
    assert names == ["<spec_prefix>*.yaml", "<spec_prefix>*.yml"]


def test_events_rule_invokes_the_function_from_an_event_emitting_bucket(tf):
    rule = tf.resource("oci_events_rule", "spec_uploaded")
    action = first(first(rule["actions"])["actions"])
    assert action["action_type"] == "FAAS"
    assert action["function_id"] == "${oci_functions_function.launcher.id}"
    assert rule["is_enabled"] is True
    bucket = tf.resource("oci_objectstorage_bucket", "specs")
    assert bucket["object_events_enabled"] is True
    assert bucket["name"] == "${var.spec_bucket_name}"
    assert bucket["access_type"] == "NoPublicAccess"


# ------------------------------------------------------------------------------ API Gateway


ROUTES = {
    ("/runs", "POST"): "runs:launch",
    ("/runs/validate", "POST"): "runs:launch",
    ("/runs", "GET"): "runs:read",
    ("/runs/{jobRunId}", "GET"): "runs:read",
    ("/runs/{jobRunId}/logs", "GET"): "runs:read",
    ("/runs/{jobRunId}", "DELETE"): "runs:cancel",
}


@pytest.fixture(scope="module")
def route(tf):
    """The body of the deployment's dynamic routes block."""
    deployment = tf.resource("oci_apigateway_deployment", "launcher")
    spec = first(deployment["specification"])
    dynamic_routes = first(spec["dynamic"])["routes"]
    assert dynamic_routes["for_each"] == "${local.api_routes}"
    return first(dynamic_routes["content"])


def test_api_routes_and_their_scopes(tf):
    routes = {
        (entry["path"], method): entry["scope"]
        for entry in tf.locals["api_routes"].values()
        for method in entry["methods"]
    }
    assert routes == ROUTES


def test_every_route_of_the_api_contract_is_deployed(iac):
    # api/openapi.yaml is the contract the function answers; the gateway routes each of its
    # operations to the function (and nothing else).
    import yaml

    spec = yaml.safe_load((iac.REPO / "api" / "openapi.yaml").read_text(encoding="utf-8"))
    contract = {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "delete", "patch"}
    }
    assert contract <= set(ROUTES), f"not deployed: {sorted(contract - set(ROUTES))}"


def test_api_routes_reach_the_function(tf, route):
    backend = first(route["backend"])
    assert backend == {
        "type": "ORACLE_FUNCTIONS_BACKEND",
        "function_id": "${oci_functions_function.launcher.id}",
        "__is_block__": True,
    }
    deployment = tf.resource("oci_apigateway_deployment", "launcher")
    spec = first(deployment["specification"])
    limits = first(first(spec["request_policies"])["rate_limiting"])
    assert limits["rate_in_requests_per_second"] == "${var.api_rate_limit_per_second}"


def test_with_jwt_each_route_requires_its_scope(tf, route):
    policies = first(route["request_policies"])
    authorization = first(policies["dynamic"])["authorization"]
    assert authorization["for_each"] == "${local.api_auth_enabled ? [routes.value.scope] : []}"
    content = first(authorization["content"])
    assert content["type"] == "ANY_OF"
    assert content["allowed_scope"] == ["${authorization.value}"]
    assert tf.locals["api_auth_enabled"] == (
        '${var.api_auth_issuer != "" && var.api_auth_audience != "" && var.api_auth_jwks_uri != ""}'
    )


def header_blocks(route):
    policies = first(route["request_policies"])
    transformations = first(policies["header_transformations"])
    return {name: body for block in transformations["dynamic"] for name, body in block.items()}


def test_with_jwt_the_subject_header_comes_from_the_token(tf, route):
    # The function puts X-Authenticated-Subject into the retry token: a client must never
    # choose it. With JWT on the gateway overwrites it with the token's sub.
    assert tf.locals["api_subject_header"] == "X-Authenticated-Subject"
    setter = header_blocks(route)["set_headers"]
    assert setter["for_each"] == "${local.api_auth_enabled ? [1] : []}"
    item = first(first(setter["content"])["items"])
    assert item["name"] == "${local.api_subject_header}"
    assert item["values"] == ["$${request.auth[sub]}"]  # the literal ${request.auth[sub]}
    assert item["if_exists"] == "OVERWRITE"


def test_without_jwt_the_subject_header_is_removed(tf, route):
    blocker = header_blocks(route)["filter_headers"]
    assert blocker["for_each"] == "${local.api_auth_enabled ? [] : [1]}"
    content = first(blocker["content"])
    assert content["type"] == "BLOCK"
    assert first(content["items"])["name"] == "${local.api_subject_header}"
