"""What the router makes of an API Gateway call or an event at its edges: the authenticated
caller, the configured launcher variables, the media type, the idempotency headers, a URL's
fragment and trailing slash, and an event that lacks a field; refusals compared exactly."""

from __future__ import annotations

import copy
import json

import pytest

from func.errors import LauncherError
from func.request import Ignored, ListRequest, RunRequest, StatusRequest, ValidateRequest
from func.triggers import MAX_SUBJECT, Headers, RawCall, Route, normalise
from ocirefs.locations import parse_location
from tests.support.events import load_event

LOC = "oci://specs@ns/team/daily.yaml"
RUN_ID = "ocid1.datasciencejobrun.oc1.phx.amaaaaaaexamplerun"
LAUNCHER_ENV = frozenset({"MY_SPEC", "JOB_SPEC_ETAG"})
JSON = {"Content-Type": "application/json"}


def gateway(method: str, url: str, body: dict | None = None,
            headers: dict[str, str] | None = None):
    call = RawCall(body=b"" if body is None else json.dumps(body).encode(),
                   headers=Headers({"fn-intent": "httprequest"}),
                   http_headers=Headers(JSON if headers is None else headers),
                   method=method, request_url=url)
    return normalise(call, "apigateway", launcher_env=LAUNCHER_ENV)


def gateway_refusal(*args, **kwargs) -> dict:
    with pytest.raises(LauncherError) as caught:
        gateway(*args, **kwargs)
    return caught.value.to_dict()


def invalid(message: str, field: str | None = None) -> dict:
    body = {"code": "InvalidRequest", "status": 400, "message": message}
    return body if field is None else {**body, "field": field}


def test_the_gateways_authenticated_subject_is_the_runs_caller():
    request, route = gateway("POST", "/v1/runs", {"specLocation": LOC},
                             {**JSON, "X-Authenticated-Subject": " alice "})
    assert (type(request), request.caller, route) == (RunRequest, "alice", Route("/v1", "run"))


def test_without_an_authenticated_subject_a_run_has_no_caller():
    request, _ = gateway("POST", "/v1/runs", {"specLocation": LOC})
    assert request.caller is None


@pytest.mark.parametrize("subject", ["a\x07", "s" * (MAX_SUBJECT + 1)])
def test_an_unusable_authenticated_subject_is_refused(subject):
    assert gateway_refusal("POST", "/v1/runs", {"specLocation": LOC},
                           {**JSON, "X-Authenticated-Subject": subject}) == invalid(
        "the gateway's authenticated subject is not usable")


def test_an_authenticated_subject_up_to_the_limit_is_the_caller():
    request, _ = gateway("POST", "/v1/runs", {"specLocation": LOC},
                         {**JSON, "X-Authenticated-Subject": "s" * MAX_SUBJECT})
    assert request.caller == "s" * MAX_SUBJECT


def test_a_gateway_run_may_not_set_the_configured_launcher_variable():
    assert gateway_refusal("POST", "/v1/runs", {
        "specLocation": LOC, "environmentVariables": {"MY_SPEC": "x"}}) == invalid(
        "environmentVariables: MY_SPEC can't be set by a run: it is set by the launcher to the "
        "spec the run was created from", "environmentVariables")


def test_a_gateway_body_without_a_content_type_is_refused_as_not_json():
    assert gateway_refusal("POST", "/v1/runs", {"specLocation": LOC}, headers={}) == {
        "code": "UnsupportedMediaType", "status": 415,
        "message": "the request body must be JSON sent with Content-Type: application/json "
                   "(UTF-8)"}


def test_another_method_on_a_known_path_lists_every_method_it_allows():
    with pytest.raises(LauncherError) as caught:
        gateway("PUT", "/v1/runs", {"specLocation": LOC})
    assert (caught.value.to_dict(), caught.value.allow) == ({
        "code": "MethodNotAllowed", "status": 405,
        "message": "PUT is not allowed on …/runs; allowed: GET, POST"}, ("GET", "POST"))


def test_a_gateway_body_naming_the_operation_is_refused():
    assert gateway_refusal("POST", "/v1/runs", {"specLocation": LOC, "operation": "run"}) == \
        invalid("operation is given by the route, not the body", "operation")


@pytest.mark.parametrize("body, headers, expected", [
    ({}, {"Idempotency-Key": "a", "opc-retry-token": "b"},
     invalid("the Idempotency-Key and opc-retry-token headers differ", "idempotencyKey")),
    ({}, {"Idempotency-Key": ""},
     invalid("idempotencyKey must be 1 to 255 printable characters", "idempotencyKey")),
    ({"idempotencyKey": "a"}, {"Idempotency-Key": "b"},
     invalid("the idempotency key in the body and the header differ", "idempotencyKey")),
], ids=["two headers differ", "an empty header", "body and header differ"])
def test_idempotency_headers_that_cannot_be_one_key_are_refused(body, headers, expected):
    assert gateway_refusal("POST", "/v1/runs", {"specLocation": LOC, **body},
                           {**JSON, **headers}) == expected


def test_an_unknown_query_parameter_is_named_up_to_64_characters_with_what_the_route_takes():
    name = "q" * 70
    assert gateway_refusal("GET", f"/v1/runs?{name}=1") == invalid(
        f"unknown query parameter {'q' * 64!r}; GET …/runs takes lifecycleState, limit, page, "
        "compartmentId", "q" * 64)


@pytest.mark.parametrize("content_type", [
    "application/json; charset=utf-8=x",  # the value is all after the first =
    "application/json;foo=bar;charset=latin-1",  # every parameter is read
    "application/json; charset=Xutf-8",
])
def test_a_charset_other_than_utf_8_is_not_json(content_type):
    assert gateway_refusal("POST", "/v1/runs", {"specLocation": LOC},
                           {"Content-Type": content_type}) == {
        "code": "UnsupportedMediaType", "status": 415,
        "message": "the request body must be JSON sent with Content-Type: application/json "
                   "(UTF-8)"}


def test_gateway_headers_read_as_a_mapping_of_lowercase_names():
    headers = Headers({"Content-Type": "application/json", "X-Trace": ["a", "b", "c"],
                       "X-None": []})
    assert dict(headers) == {"content-type": "application/json", "x-trace": "c", "x-none": ""}
    assert len(headers) == 3


def test_a_quoted_utf_8_charset_is_json():
    request, _ = gateway("POST", "/v1/runs", {"specLocation": LOC},
                         {"Content-Type": 'application/json; charset="UTF-8"'})
    assert type(request) is RunRequest


def test_a_gateway_call_without_a_method_is_a_get():
    call = RawCall(body=b"", headers=Headers({"fn-intent": "httprequest"}),
                   http_headers=Headers({}), request_url="/v1/runs")
    request, route = normalise(call, "apigateway")
    assert (request, route) == (ListRequest(trigger="apigateway"), Route("/v1", "list"))


def test_the_idempotency_header_alone_is_the_key():
    request, _ = gateway("POST", "/v1/runs", {"specLocation": LOC},
                         {**JSON, "opc-retry-token": "nightly-7"})
    assert request.idempotency_key == "nightly-7"


@pytest.mark.parametrize("method, url, body, expected", [
    ("GET", "/v1/runs?limit=5#part#more", None,
     ListRequest(trigger="apigateway", limit=5)),
    ("GET", "/v1/runs/#part", None, ListRequest(trigger="apigateway")),
    ("POST", "/v1/runs/validate#part", {"specLocation": LOC},
     ValidateRequest(trigger="apigateway", spec_location=parse_location(LOC))),
    ("GET", f"/v1/runs/{RUN_ID}/", None, StatusRequest(trigger="apigateway", job_run_id=RUN_ID)),
], ids=["query before a fragment", "trailing slash and fragment", "validate with a fragment",
        "run id with a trailing slash"])
def test_a_url_is_routed_without_its_fragment_and_trailing_slash(method, url, body, expected):
    request, route = gateway(method, url, body)
    assert (request, route) == (expected, Route("/v1", expected.operation))


EVENT = load_event("objectstorage-createobject.json")


def event_call(event: dict, trigger: str = "direct"):
    return normalise(RawCall(json.dumps(event).encode()), trigger)  # type: ignore[arg-type]


def without(path: str) -> dict:
    event = copy.deepcopy(EVENT)
    *parents, last = path.split(".")
    node = event
    for key in parents:
        node = node[key]
    del node[last]
    return event


def test_an_event_without_an_etag_names_the_missing_field():
    with pytest.raises(LauncherError) as caught:
        event_call(without("data.additionalDetails.eTag"))
    assert caught.value.to_dict() == invalid("the event has no data.additionalDetails.eTag",
                                             "data.additionalDetails.eTag")


def test_an_event_for_an_object_name_no_location_can_hold_is_refused_at_the_name():
    event = copy.deepcopy(EVENT)
    event["data"]["resourceName"] = "bad\x07name.yaml"
    with pytest.raises(LauncherError) as caught:
        event_call(event)
    assert caught.value.to_dict() == invalid(
        "the event names an unusable object: the object name contains control characters",
        "data.resourceName")


def test_an_event_of_another_type_is_ignored_naming_up_to_120_characters_of_it():
    event_type = "e" * 130
    request, _ = event_call({"eventType": event_type, "cloudEventsVersion": "0.1"})
    assert request == Ignored("event", f"event type {'e' * 120} does not start a run")


def test_a_call_of_the_event_trigger_is_read_as_an_event_whatever_its_envelope():
    # No cloudEventsVersion: only the trigger says it is an event.
    body = {"eventType": "com.oraclecloud.objectstorage.deleteobject"}
    request, route = event_call(body, trigger="event")
    assert (request, route) == (Ignored(
        "event", "event type com.oraclecloud.objectstorage.deleteobject does not start a run"),
        None)
