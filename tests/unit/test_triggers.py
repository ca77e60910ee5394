import json
from datetime import UTC, datetime

import pytest

from func.errors import InvalidRequest, MethodNotAllowed, NotFound, UnsupportedMediaType
from func.request import Ignored, ListRequest, Overrides
from func.triggers import ROUTE_LIST, Headers, RawCall, match_route, normalise, trigger_of
from ocirefs.locations import SpecLocation
from tests.support.events import event_bytes, load_event

RUN_ID = "ocid1.datasciencejobrun.oc1.phx.amaaaaaaexamplerun"
DAILY = SpecLocation("localns", "specs", "notebooks/daily.yaml")


def parse(call: RawCall):
    """What the edge does: the trigger once, then the request."""
    return normalise(call, trigger_of(call))


def direct(body: bytes) -> RawCall:
    return RawCall(body=body, headers=Headers({"fn-call-id": "c1", "content-type": "text/plain"}))


def gateway(name: str) -> RawCall:
    canned = load_event(name)
    body = b"" if canned["body"] is None else json.dumps(canned["body"]).encode()
    return RawCall(body=body,
                   headers=Headers({"fn-intent": "httprequest",
                                    "content-type": ["application/octet-stream",
                                                     canned["headers"].get("Content-Type", "")]}),
                   http_headers=Headers(canned["headers"]), method=canned["method"],
                   request_url=canned["requestUrl"])


def test_headers_are_case_insensitive_and_lists_read_as_the_client_value():
    headers = Headers({"Content-Type": ["application/octet-stream", "application/json"],
                       "X-A": "1"})
    assert headers["content-type"] == "application/json"
    assert headers.get("x-a") == headers["X-A"] == "1"


def test_direct_run_with_every_field():
    request, route = parse(direct(event_bytes("direct-run.json")))
    assert route is None
    assert (request.operation, request.trigger) == ("run", "direct")
    assert request.spec_location == DAILY
    assert request.idempotency_key == "di-task-run-42"
    assert request.overrides == Overrides(
        display_name="daily-report", environment_variables=(("RUN_DATE", "2026-11-24"),),
        command_line_arguments="--fast", maximum_runtime_in_minutes=120,
        freeform_tags=(("team", "bi"),))


def test_direct_plain_text_body_is_the_spec_location():
    request, _ = parse(direct(event_bytes("direct-run-plain-text.txt")))
    assert request.operation == "run" and request.spec_location == DAILY


def test_direct_json_string_body_is_the_spec_location():
    request, _ = parse(direct(b'"oci://specs@localns/notebooks/daily.yaml"'))
    assert request.spec_location == DAILY


@pytest.mark.parametrize("name, operation", [("direct-status.json", "status"),
                                             ("direct-cancel.json", "cancel")])
def test_direct_status_and_cancel(name, operation):
    request, _ = parse(direct(event_bytes(name)))
    assert (request.operation, request.job_run_id) == (operation, RUN_ID)


def test_direct_validate():
    request, _ = parse(direct(event_bytes("direct-validate.json")))
    assert request.operation == "validate" and request.spec_location == DAILY


@pytest.mark.parametrize("body, field, fragment", [
    (b"", None, "empty"),
    (b"   \n ", None, "empty"),
    (b"\xff\xfe\x00", None, "UTF-8"),
    (b"{\"specLocation\": ", None, "not valid JSON"),
    (b"[1, 2]", None, "must be a JSON object"),
    (b"42", "specLocation", "must be oci://"),
    (b"{\"a\": 1}\n{\"b\": 2}", None, "not valid JSON"),
    (b"oci://specs@localns/a.yaml\noci://specs@localns/b.yaml", None, "single-line"),
    (b"{}", "specLocation", "required"),
    (b'{"specLocation": "oci://specs@localns/a.yaml", "specLocaton": "x"}', "specLocaton",
     "unknown field"),
    (b'{"specLocation": 5}', "specLocation", "must be a string"),
    (b'{"specLocation": "oci://s@n/a.yaml", "operation": "delete"}', "operation", "one of"),
    (b'{"specLocation": "oci://s@n/a.yaml", "operation": ["run"]}', "operation", "one of"),
    (b'{"operation": "status"}', "jobRunId", "required"),
    (b'{"operation": "status", "jobRunId": "ocid1.datasciencejob.oc1.phx.aaaa"}', "jobRunId",
     "job run OCID"),
    (b'{"operation": "cancel", "jobRunId": "' + RUN_ID.encode() + b'", "specLocation": "x"}',
     "specLocation", "not used by cancel"),
    (b'{"specLocation": "oci://s@n/a.yaml", "jobRunId": "' + RUN_ID.encode() + b'"}',
     "jobRunId", "not used by run"),
    (b'{"specLocation": "oci://s@n/a.yaml", "idempotencyKey": ""}', "idempotencyKey",
     "1 to 255"),
    (b'{"specLocation": "oci://s@n/a.yaml", "idempotencyKey": "a\\nb"}', "idempotencyKey",
     "printable"),
    (b'{"specLocation": "oci://s@n/a.yaml", "idempotencyKey": 7}', "idempotencyKey", "1 to 255"),
    (b'{"specLocation": "oci://s@n/a.yaml", "displayName": ""}', "displayName", "1 to 255"),
    (b'{"specLocation": "oci://s@n/a.yaml", "environmentVariables": {"A": 1}}',
     "environmentVariables", "string values"),
    (b'{"specLocation": "oci://s@n/a.yaml", "environmentVariables": ["A"]}',
     "environmentVariables", "string values"),
    (b'{"specLocation": "oci://s@n/a.yaml", "environmentVariables": {"JOB_OCID": "x"}}',
     "environmentVariables", "set by Data Science"),
    (b'{"specLocation": "oci://s@n/a.yaml", "environmentVariables": {"1A": "x"}}',
     "environmentVariables", "must match"),
    (b'{"specLocation": "oci://s@n/a.yaml", "commandLineArguments": ["a"]}',
     "commandLineArguments", "string of at most 4000"),
    (b'{"specLocation": "oci://s@n/a.yaml", "maximumRuntimeInMinutes": true}',
     "maximumRuntimeInMinutes", "whole number"),
    (b'{"specLocation": "oci://s@n/a.yaml", "maximumRuntimeInMinutes": 1.5}',
     "maximumRuntimeInMinutes", "whole number"),
    (b'{"specLocation": "oci://s@n/a.yaml", "maximumRuntimeInMinutes": 0}',
     "maximumRuntimeInMinutes", "at least 1"),
    (b'{"specLocation": "oci://s@n/a.yaml", "freeformTags": {"": "x"}}', "freeformTags",
     "1 to 100"),
])
def test_bad_direct_bodies(body, field, fragment):
    with pytest.raises(InvalidRequest) as error:
        parse(direct(body))
    assert error.value.field == field
    assert fragment in error.value.message


@pytest.mark.parametrize(("field", "message"), [
    ("specLocaton", "unknown field 'specLocaton'; did you mean specLocation?"),
    ("idempotencykey", "unknown field 'idempotencykey'; did you mean idempotencyKey?"),
    ("environment_variables", "unknown field 'environment_variables'; did you mean "
                              "environmentVariables?"),
    ("colour", "unknown field 'colour'"),
])
def test_an_unknown_field_is_named_with_the_field_it_was_likely_meant_to_be(field, message):
    body = {"specLocation": "oci://s@n/a.yaml", field: "x"}
    with pytest.raises(InvalidRequest) as error:
        parse(direct(json.dumps(body).encode()))
    assert (error.value.field, error.value.message) == (field, message)


def test_oversized_and_deeply_nested_bodies_are_refused_quickly():
    with pytest.raises(InvalidRequest, match="larger than"):
        parse(direct(b"{" + b" " * (6 * 1024 * 1024) + b"}"))
    with pytest.raises(InvalidRequest, match=r"nested too deeply|not valid JSON"):
        parse(direct(b"[" * 100000 + b"]" * 100000))


def test_env_total_over_the_limit_is_refused():
    body = json.dumps({"specLocation": "oci://s@n/a.yaml",
                       "environmentVariables": {"A": "x" * 20000}}).encode()
    with pytest.raises(InvalidRequest, match="more than 20000"):
        parse(direct(body))


# --- API Gateway --------------------------------------------------------------------

def test_gateway_post_runs():
    request, route = parse(gateway("apigateway-post-runs.json"))
    assert (request.operation, request.trigger) == ("run", "apigateway")
    assert request.idempotency_key == "gw-key-1"
    assert route.prefix == "/v1" and route.operation == "run"


def test_gateway_validate_get_and_delete():
    request, route = parse(gateway("apigateway-post-runs-validate.json"))
    assert request.operation == "validate" and route.prefix == "/v1"
    request, route = parse(gateway("apigateway-get-run.json"))
    assert (request.operation, request.job_run_id) == ("status", RUN_ID)
    request, _ = parse(gateway("apigateway-delete-run.json"))
    assert (request.operation, request.job_run_id) == ("cancel", RUN_ID)


@pytest.mark.parametrize("method, url, operation, prefix, run_id", [
    ("POST", "/runs", "run", "", None),
    ("GET", "/v1/runs?limit=5", "list", "/v1", None),
    ("get", "/v1/runs/", "list", "/v1", None),
    ("POST", "/a/b/c/runs/?x=1", "run", "/a/b/c", None),
    ("post", "/v1/runs/validate", "validate", "/v1", None),
    ("GET", f"/deep/prefix/runs/{RUN_ID}?q=runs", "status", "/deep/prefix", RUN_ID),
    ("DELETE", f"/v1/runs/{RUN_ID}", "cancel", "/v1", RUN_ID),
])
def test_routes_match_on_the_tail_whatever_the_prefix(method, url, operation, prefix, run_id):
    route, params = match_route(method, url)
    assert (route.operation, route.prefix, params.get("jobRunId")) == (operation, prefix, run_id)


@pytest.mark.parametrize("method, url, allow", [
    ("PUT", "/v1/runs", ("GET", "POST")),
    ("DELETE", "/v1/runs/", ("GET", "POST")),
    ("GET", "/v1/runs/validate", ("POST",)),
    ("POST", f"/v1/runs/{RUN_ID}", ("GET", "DELETE")),
    ("PATCH", f"/v1/runs/{RUN_ID}", ("GET", "DELETE")),
])
def test_known_paths_with_other_methods_are_405_with_allow(method, url, allow):
    with pytest.raises(MethodNotAllowed) as error:
        match_route(method, url)
    assert error.value.allow == allow


@pytest.mark.parametrize("url", ["/", "/v1/run", "/v1/jobs/x", "/v1/runs/a/b", "/v1/runsx"])
def test_other_paths_are_404_naming_every_route(url):
    with pytest.raises(NotFound) as error:
        match_route("GET", url)
    assert ROUTE_LIST in error.value.message
    assert ROUTE_LIST == ("POST …/runs, GET …/runs, POST …/runs/validate, "
                          "GET …/runs/{jobRunId}, DELETE …/runs/{jobRunId}, "
                          "GET …/runs/{jobRunId}/logs")


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize("run_id", ["not-an-ocid", "ocid1.datasciencejob.oc1.phx.aaaa"])
def test_gateway_run_id_that_is_not_a_run_ocid_is_invalid_request(method, run_id):
    call = RawCall(b"", headers=Headers({"fn-intent": "httprequest"}), method=method,
                   request_url=f"/v1/runs/{run_id}")
    with pytest.raises(InvalidRequest) as error:
        parse(call)
    assert error.value.field == "jobRunId"
    assert "ocid1.datasciencejobrun.…" in error.value.message


def test_gateway_body_may_not_carry_the_operation():
    call = RawCall(b'{"specLocation": "oci://s@n/a.yaml", "operation": "cancel"}',
                   headers=Headers({"fn-intent": "httprequest"}),
                   http_headers=Headers({"Content-Type": "application/json"}), method="POST",
                   request_url="/v1/runs")
    with pytest.raises(InvalidRequest, match="given by the route"):
        parse(call)


def test_gateway_idempotency_key_from_opc_retry_token_and_conflicts():
    def call(body, headers):
        return RawCall(json.dumps(body).encode(), headers=Headers({"fn-intent": "httprequest"}),
                       http_headers=Headers({"Content-Type": "application/json", **headers}),
                       method="POST", request_url="/runs")
    base = {"specLocation": "oci://s@n/a.yaml"}
    assert parse(call(base, {"OPC-Retry-Token": "t1"}))[0].idempotency_key == "t1"
    assert parse(call({**base, "idempotencyKey": "k"}, {"Idempotency-Key": "k"}))[0] \
        .idempotency_key == "k"
    with pytest.raises(InvalidRequest, match="differ"):
        parse(call({**base, "idempotencyKey": "k"}, {"Idempotency-Key": "other"}))


def test_gateway_json_content_type_requires_json():
    call = RawCall(b"oci://s@n/a.yaml", headers=Headers({"fn-intent": "httprequest"}),
                   http_headers=Headers({"Content-Type": "application/json; charset=utf-8"}),
                   method="POST", request_url="/runs")
    with pytest.raises(InvalidRequest, match="not valid JSON"):
        parse(call)
    # The one-line text form is for direct invocation only (tests/service/test_security.py: 415).
    text = RawCall(b"oci://s@n/a.yaml", headers=Headers({"fn-intent": "httprequest"}),
                   http_headers=Headers({"Content-Type": "text/plain"}), method="POST",
                   request_url="/runs")
    with pytest.raises(UnsupportedMediaType):
        parse(text)


def test_trigger_recognition():
    assert trigger_of(RawCall(b"", Headers({"Fn-Intent": "httprequest"}))) == "apigateway"
    assert trigger_of(RawCall(b"", Headers({"fn-intent": "cloudevent"}))) == "event"
    assert trigger_of(RawCall(b"", Headers({}))) == "direct"


# --- Events -------------------------------------------------------------------------

@pytest.mark.parametrize("name, location, etag", [
    ("objectstorage-createobject.json", DAILY, "199f8dbf-0b8c-41b6-9596-4d2a6792d7e5"),
    ("objectstorage-updateobject.json", DAILY, "2b6f0cc9-3a1f-4d7e-8f43-3c2a9f1e7a55"),
    ("cloudevents-1.0-createobject.json", DAILY, "199f8dbf-0b8c-41b6-9596-4d2a6792d7e5"),
    ("objectstorage-createobject-console-example.json",
     SpecLocation("example_namespace", "my_bucket", "my_object.yaml"), None),
    ("objectstorage-createobject-special-name.json",
     SpecLocation("localns", "specs", "team a/run+1/räport ü.yml"),
     "199f8dbf-0b8c-41b6-9596-4d2a6792d7e5"),
])
def test_object_events_become_runs_keyed_by_object_and_etag(name, location, etag):
    request, route = parse(direct(event_bytes(name)))
    assert route is None
    assert (request.operation, request.trigger) == ("run", "event")
    assert request.spec_location == location
    expected_etag = etag or load_event(name)["data"]["additionalDetails"]["eTag"]
    assert request.spec_etag == expected_etag
    assert request.idempotency_key == (f"{location.namespace}/{location.bucket}/"
                                       f"{location.object}@{expected_etag}")


@pytest.mark.parametrize("name, reason", [
    ("objectstorage-deleteobject.json", "does not start a run"),
    ("objectstorage-createobject-not-yaml.json", "not a .yaml or .yml"),
])
def test_other_events_are_ignored(name, reason):
    request, _ = parse(direct(event_bytes(name)))
    assert isinstance(request, Ignored) and reason in request.reason


def test_the_location_never_comes_from_resource_id():
    event = load_event("objectstorage-createobject.json")
    event["data"]["resourceId"] = "/n/evil/b/other/o/x.yaml"
    request, _ = parse(direct(json.dumps(event).encode()))
    assert request.spec_location == DAILY


@pytest.mark.parametrize("path", [("data",), ("data", "resourceName"),
                                  ("data", "additionalDetails", "eTag"),
                                  ("data", "additionalDetails", "namespace")])
def test_events_missing_core_fields_are_invalid(path):
    event = load_event("objectstorage-createobject.json")
    target = event
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    with pytest.raises(InvalidRequest):
        parse(direct(json.dumps(event).encode()))


def test_event_with_dot_dot_object_name_is_invalid():
    event = load_event("objectstorage-createobject.json")
    event["data"]["resourceName"] = "a/../b.yaml"
    with pytest.raises(InvalidRequest, match=r"'\.\.'"):
        parse(direct(json.dumps(event).encode()))


# --- list ---------------------------------------------------------------------------

COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaexamplecompartment"


def gateway_get(url: str) -> RawCall:
    return RawCall(b"", headers=Headers({"fn-intent": "httprequest"}), method="GET",
                   request_url=url)


def test_direct_list_with_every_field():
    request, route = parse(direct(event_bytes("direct-list.json")))
    assert route is None
    assert request == ListRequest(trigger="direct", lifecycle_state="SUCCEEDED", limit=10,
                                  page=None, compartment_id=COMPARTMENT)
    assert request.operation == "list"


def test_direct_list_defaults():
    request, _ = parse(direct(b'{"operation": "list"}'))
    assert request == ListRequest(trigger="direct", lifecycle_state=None, limit=20, page=None,
                                  compartment_id=None)


def test_direct_list_nulls_are_the_defaults():
    body = b'{"operation": "list", "lifecycleState": null, "limit": null, "page": null, ' \
           b'"compartmentId": null}'
    assert parse(direct(body))[0] == ListRequest(trigger="direct")


def test_gateway_list_reads_the_query():
    request, route = parse(gateway("apigateway-list-runs.json"))
    assert (route.operation, route.prefix) == ("list", "/v1")
    assert request == ListRequest(trigger="apigateway", lifecycle_state="IN_PROGRESS", limit=5,
                                  page="eyJwYWdlIjogMn0=", compartment_id=None)


def test_gateway_list_without_a_query_and_with_a_tenancy_compartment():
    assert parse(gateway_get("/runs"))[0] == ListRequest(trigger="apigateway")
    tenancy = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy"
    request, _ = parse(gateway_get(f"/v1/runs/?compartmentId={tenancy}&limit=100"))
    assert (request.compartment_id, request.limit) == (tenancy, 100)


def test_gateway_put_runs_is_405_allowing_get_and_post():
    with pytest.raises(MethodNotAllowed) as error:
        parse(gateway("apigateway-put-runs.json"))
    assert error.value.allow == ("GET", "POST")


@pytest.mark.parametrize("body, field, fragment", [
    ({"limit": 0}, "limit", "from 1 to 100"),
    ({"limit": 101}, "limit", "from 1 to 100"),
    ({"limit": "5"}, "limit", "whole number"),
    ({"limit": 2.5}, "limit", "whole number"),
    ({"limit": True}, "limit", "whole number"),
    ({"lifecycleState": "RUNNING"}, "lifecycleState", "NEEDS_ATTENTION"),
    ({"lifecycleState": "succeeded"}, "lifecycleState", "one of"),
    ({"compartmentId": "ocid1.datasciencejob.oc1.phx.aaaa"}, "compartmentId",
     "compartment or tenancy OCID"),
    ({"compartmentId": 5}, "compartmentId", "compartment or tenancy OCID"),
    ({"page": ""}, "page", "nextPage"),
    ({"page": "x" * 2049}, "page", "at most 2048"),
    ({"page": "a\nb"}, "page", "printable"),
    ({"page": 3}, "page", "nextPage"),
    ({"jobRunId": RUN_ID}, "jobRunId", "not used by list"),
    ({"specLocation": "oci://s@n/a.yaml"}, "specLocation", "not used by list"),
    ({"sortBy": "displayName"}, "sortBy", "unknown field"),
])
def test_bad_direct_list_bodies(body, field, fragment):
    with pytest.raises(InvalidRequest) as error:
        parse(direct(json.dumps({"operation": "list", **body}).encode()))
    assert error.value.field == field
    assert fragment in error.value.message


@pytest.mark.parametrize("query, field, fragment", [
    ("limit=0", "limit", "from 1 to 100"),
    ("limit=1000", "limit", "from 1 to 100"),
    ("limit=ten", "limit", "whole number"),
    ("limit=-1", "limit", "whole number"),
    ("limit=", "limit", "whole number"),
    ("limit=%EF%BC%95", "limit", "whole number"),  # a full-width digit five
    ("lifecycleState=RUNNING", "lifecycleState", "one of"),
    ("lifecycleState=", "lifecycleState", "one of"),
    ("compartmentId=ocid1.user.oc1..aaaa", "compartmentId", "compartment or tenancy"),
    ("page=" + "x" * 2049, "page", "at most 2048"),
    ("page=", "page", "nextPage"),
    ("sortBy=displayName", "sortBy", "unknown query parameter"),
    ("limit=5&limit=6", "limit", "more than once"),
])
def test_bad_gateway_list_queries(query, field, fragment):
    with pytest.raises(InvalidRequest) as error:
        parse(gateway_get(f"/v1/runs?{query}"))
    assert error.value.field == field
    assert fragment in error.value.message


# --- logs ---------------------------------------------------------------------------

def test_direct_logs_with_defaults_and_with_every_field():
    request, _ = parse(direct(json.dumps({"operation": "logs", "jobRunId": RUN_ID}).encode()))
    assert (request.operation, request.job_run_id, request.tail, request.since) == (
        "logs", RUN_ID, 100, None)
    request, _ = parse(direct(json.dumps({"operation": "logs", "jobRunId": RUN_ID, "tail": 1000,
                                          "since": "2026-12-05T06:15:22.123Z"}).encode()))
    assert request.tail == 1000
    assert request.since == datetime(2026, 12, 5, 6, 15, 22, 123000, tzinfo=UTC)


def test_gateway_logs_reads_the_path_and_the_query():
    call = RawCall(b"", headers=Headers({"fn-intent": "httprequest"}), method="GET",
                   request_url=f"/v1/runs/{RUN_ID}/logs?tail=5&since=2026-12-05T07:00:00%2B01:00")
    request, route = parse(call)
    assert (route.operation, route.prefix, request.job_run_id, request.tail) == (
        "logs", "/v1", RUN_ID, 5)
    assert request.since == datetime(2026, 12, 5, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("fields, field, fragment", [
    ({"tail": 0}, "tail", "from 1 to 1000"),
    ({"tail": 1001}, "tail", "from 1 to 1000"),
    ({"tail": "5"}, "tail", "whole number"),
    ({"tail": True}, "tail", "whole number"),
    ({"since": "2026-12-05"}, "since", "RFC 3339"),
    ({"since": "2026-12-05T06:15:22"}, "since", "with an offset"),
    ({"since": 1733380522}, "since", "RFC 3339"),
    ({"specLocation": "oci://s@n/a.yaml"}, "specLocation", "not used by logs"),
])
def test_bad_direct_logs_bodies(fields, field, fragment):
    body = {"operation": "logs", "jobRunId": RUN_ID, **fields}
    with pytest.raises(InvalidRequest) as error:
        parse(direct(json.dumps(body).encode()))
    assert error.value.field == field and fragment in error.value.message


@pytest.mark.parametrize("query, field, fragment", [
    ("tail=", "tail", "whole number"),
    ("tail=-1", "tail", "whole number"),
    ("tail=1&tail=2", "tail", "more than once"),
    ("since=yesterday", "since", "RFC 3339"),
    ("limit=5", "limit", "takes tail, since"),
])
def test_bad_gateway_logs_queries(query, field, fragment):
    call = RawCall(b"", headers=Headers({"fn-intent": "httprequest"}), method="GET",
                   request_url=f"/v1/runs/{RUN_ID}/logs?{query}")
    with pytest.raises(InvalidRequest) as error:
        parse(call)
    assert error.value.field == field and fragment in error.value.message
