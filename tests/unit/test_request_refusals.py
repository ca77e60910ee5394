"""Every way a direct call's fields are refused, with the exact error a caller gets (code,
status, message, field path), and the values just inside each limit, which are accepted.

The messages and field paths are contract (README: "Answers"): a caller's tooling points at
the field, a person reads the message."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from func.errors import LauncherError
from func.request import (
    MAX_IDEMPOTENCY_KEY,
    MAX_PAGE_TOKEN,
    MAX_RUNTIME_MINUTES,
    LogsRequest,
    RunRequest,
    StatusRequest,
    ValidateRequest,
)
from func.triggers import RawCall, normalise
from jobspec.ads import MAX_TAG_KEY, MAX_TAG_VALUE
from jobspec.spec import MAX_ARGUMENTS, MAX_DISPLAY_NAME, MAX_ENV_TOTAL

LOC = "oci://specs@ns/team/daily.yaml"
RUN_ID = "ocid1.datasciencejobrun.oc1.phx.amaaaaaaexamplerun"


def parsed(body: dict | bytes, *, launcher_env: frozenset[str] | None = None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request, route = normalise(RawCall(data), "direct", launcher_env=launcher_env)
    assert route is None
    return request


def refusal(body: dict | bytes, **kwargs) -> dict:
    with pytest.raises(LauncherError) as caught:
        parsed(body, **kwargs)
    return caught.value.to_dict()


def invalid(message: str, field: str | None = None) -> dict:
    body = {"code": "InvalidRequest", "status": 400, "message": message}
    return body if field is None else {**body, "field": field}


NAME_RULE = f"displayName must be a string of 1 to {MAX_DISPLAY_NAME} characters"
TAG_RULE = (f"freeformTags keys must be 1 to {MAX_TAG_KEY} characters and values at most "
            f"{MAX_TAG_VALUE}")
KEY_RULE = f"idempotencyKey must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters"
ENV_TOTAL = f"environmentVariables total more than {MAX_ENV_TOTAL} characters"

REFUSED = {
    "display name too long": ({"displayName": "n" * (MAX_DISPLAY_NAME + 1)},
                              invalid(NAME_RULE, "displayName")),
    "display name blank": ({"displayName": "  "}, invalid(NAME_RULE, "displayName")),
    "display name with a control character": (
        {"displayName": "a\x07b"},
        invalid("displayName holds the control character U+0007", "displayName")),
    "a launcher variable": (
        {"environmentVariables": {"NOTEPAD_YAML_URL": "oci://other@ns/x.yaml"}},
        invalid("environmentVariables: NOTEPAD_YAML_URL can't be set by a run: it is set by "
                "the launcher to the spec the run was created from", "environmentVariables")),
    "a variable value with a NUL": (
        {"environmentVariables": {"A": "a\x00"}},
        invalid("environmentVariables: the value of A holds the control character U+0000 "
                "(tab and newline are allowed)", "environmentVariables")),
    "variables over the total": (
        {"environmentVariables": {"A": "v" * MAX_ENV_TOTAL}},
        invalid(ENV_TOTAL, "environmentVariables")),
    "variables not strings": (
        {"environmentVariables": {"A": 1}},
        invalid("environmentVariables must be an object of string values",
                "environmentVariables")),
    "arguments too long": (
        {"commandLineArguments": "a" * (MAX_ARGUMENTS + 1)},
        invalid(f"commandLineArguments must be a string of at most {MAX_ARGUMENTS} characters",
                "commandLineArguments")),
    "arguments with a control character": (
        {"commandLineArguments": "a\x07"},
        invalid("commandLineArguments holds the control character U+0007 (tab and newline "
                "are allowed)", "commandLineArguments")),
    "a runtime of 0 minutes": (
        {"maximumRuntimeInMinutes": 0},
        invalid("maximumRuntimeInMinutes must be a whole number of minutes, at least 1",
                "maximumRuntimeInMinutes")),
    "a tag value too long": ({"freeformTags": {"t": "v" * (MAX_TAG_VALUE + 1)}},
                             invalid(TAG_RULE, "freeformTags")),
    "a tag key too long": ({"freeformTags": {"t" * (MAX_TAG_KEY + 1): "v"}},
                           invalid(TAG_RULE, "freeformTags")),
    "an empty tag key": ({"freeformTags": {"": "v"}}, invalid(TAG_RULE, "freeformTags")),
    "a tag value with a control character": (
        {"freeformTags": {"t": "a\x07"}},
        invalid("freeformTags: a tag's name or value holds the control character U+0007",
                "freeformTags")),
    "a tag name with a control character": (
        {"freeformTags": {"t\x07": "a"}},
        invalid("freeformTags: a tag's name or value holds the control character U+0007",
                "freeformTags")),
    "tags not a map": ({"freeformTags": ["a"]},
                       invalid("freeformTags must be an object of string values",
                               "freeformTags")),
    "an idempotency key too long": ({"idempotencyKey": "k" * (MAX_IDEMPOTENCY_KEY + 1)},
                                    invalid(KEY_RULE, "idempotencyKey")),
    "an empty idempotency key": ({"idempotencyKey": ""}, invalid(KEY_RULE, "idempotencyKey")),
    "a validate with an empty idempotency key": (
        {"operation": "validate", "idempotencyKey": ""}, invalid(KEY_RULE, "idempotencyKey")),
}


@pytest.mark.parametrize("fields, expected", REFUSED.values(), ids=REFUSED.keys())
def test_a_run_field_out_of_its_rule_is_refused_with_the_exact_error(fields, expected):
    assert refusal({"specLocation": LOC, **fields}) == expected


SINCE_RULE = "since must be an RFC 3339 time with an offset, e.g. 2026-12-05T06:15:22.123Z"

OTHER_REFUSED = {
    "a run without a spec location": ({"operation": "run"},
                                      invalid("specLocation is required", "specLocation")),
    # An event's field in a direct body that is not an event envelope (no cloudEventsVersion).
    "an eventType without an envelope": ({"specLocation": LOC, "eventType": "x"},
                                         invalid("unknown field 'eventType'", "eventType")),
    "a field of a CloudEvents 1.0 envelope alone": (
        {"specLocation": LOC, "type": "x"}, invalid("unknown field 'type'", "type")),
    # Text that does not open like JSON is read as a spec location.
    "a line of text that is no location": (
        b"Xbucket", invalid("specLocation must be oci://bucket@namespace/object or an Object "
                            "Storage https URL", "specLocation")),
    "two lines of text": (
        b"oci://specs@ns/a.yaml\nmore",
        invalid("the request body is neither JSON nor a single-line spec location")),
    "a compartment that is not an OCID": (
        {"operation": "list", "compartmentId": "x"},
        invalid("compartmentId must be a compartment or tenancy OCID (ocid1.compartment.… or "
                "ocid1.tenancy.…)", "compartmentId")),
    "a since that is no date": (
        {"operation": "logs", "jobRunId": RUN_ID, "since": "2026-02-30T00:00:00Z"},
        invalid(SINCE_RULE, "since")),
    "status without a run": ({"operation": "status"},
                             invalid("jobRunId is required for status", "jobRunId")),
    "cancel without a run": ({"operation": "cancel"},
                             invalid("jobRunId is required for cancel", "jobRunId")),
    "logs without a run": ({"operation": "logs"},
                           invalid("jobRunId is required for logs", "jobRunId")),
    "a page token too long": (
        {"operation": "list", "page": "p" * (MAX_PAGE_TOKEN + 1)},
        invalid(f"page must be the nextPage of an earlier answer (at most {MAX_PAGE_TOKEN} "
                "printable characters)", "page")),
    "an unknown operation": (
        {"operation": "launch"},
        invalid("operation must be one of run, list, validate, status, cancel, logs",
                "operation")),
    "an unknown field of 70 characters": (
        {"specLocation": LOC, "x" * 70: 1},
        invalid(f"unknown field {'x' * 64!r}", "x" * 64)),
    "a lone surrogate": (
        b'{"specLocation": "\\ud800"}',
        invalid("the request body holds a lone surrogate (a \\ud800-\\udfff escape), which "
                "UTF-8 can't carry")),
    "a list holding a lone surrogate": (
        b'{"specLocation": "' + LOC.encode() + b'", "x": ["\\udfff"]}',
        invalid("the request body holds a lone surrogate (a \\ud800-\\udfff escape), which "
                "UTF-8 can't carry")),
    # json raises a plain ValueError (not a JSONDecodeError, so no position) for an integer
    # beyond Python's digit limit.
    "an integer of 5,000 digits": (b"[" + b"1" * 5000 + b"]",
                                   invalid("the request body is not valid JSON")),
    "bytes that are not UTF-8": (b'\xff\xfe{', invalid("the request body is not valid UTF-8")),
}


@pytest.mark.parametrize("body, expected", OTHER_REFUSED.values(), ids=OTHER_REFUSED.keys())
def test_a_call_out_of_its_rule_is_refused_with_the_exact_error(body, expected):
    assert refusal(body) == expected


def test_a_variable_set_by_a_renamed_launcher_variable_is_refused():
    assert refusal({"specLocation": LOC, "environmentVariables": {"MY_SPEC": "x"}},
                   launcher_env=frozenset({"MY_SPEC", "JOB_SPEC_ETAG"})) == invalid(
        "environmentVariables: MY_SPEC can't be set by a run: it is set by the launcher to the "
        "spec the run was created from", "environmentVariables")


def test_values_just_inside_each_limit_are_accepted():
    request = parsed({
        "specLocation": LOC, "idempotencyKey": "k" * MAX_IDEMPOTENCY_KEY,
        "displayName": "n" * MAX_DISPLAY_NAME,
        "commandLineArguments": "a" * (MAX_ARGUMENTS - 4) + "\tb\nc",
        "maximumRuntimeInMinutes": 1,
        "freeformTags": {"t": "v" * MAX_TAG_VALUE, "k" * MAX_TAG_KEY: ""},
    })
    assert isinstance(request, RunRequest)
    assert request.idempotency_key == "k" * MAX_IDEMPOTENCY_KEY
    overrides = request.overrides
    assert overrides.display_name == "n" * MAX_DISPLAY_NAME
    assert overrides.command_line_arguments == "a" * (MAX_ARGUMENTS - 4) + "\tb\nc"
    assert overrides.maximum_runtime_in_minutes == 1
    assert overrides.freeform_tags == (("t", "v" * MAX_TAG_VALUE), ("k" * MAX_TAG_KEY, ""))


@pytest.mark.parametrize("minutes, accepted", [(MAX_RUNTIME_MINUTES, True),
                                              (MAX_RUNTIME_MINUTES + 1, False)])
def test_a_requests_runtime_is_bounded_at_ten_years(minutes, accepted):
    # The deployment's own MAX_RUNTIME_MINUTES is checked when the run is planned; this
    # bound keeps absurd numbers out of the request.
    assert MAX_RUNTIME_MINUTES == 10 * 365 * 24 * 60
    body = {"specLocation": LOC, "maximumRuntimeInMinutes": minutes}
    if accepted:
        assert parsed(body).overrides.maximum_runtime_in_minutes == minutes
    else:
        assert refusal(body) == invalid(
            "maximumRuntimeInMinutes must be a whole number of minutes, at least 1",
            "maximumRuntimeInMinutes")


@pytest.mark.parametrize("limit", [1, 100])
def test_a_list_limit_from_1_to_100_is_accepted(limit):
    assert parsed({"operation": "list", "limit": limit}).limit == limit


@pytest.mark.parametrize("page", ["p", "p" * MAX_PAGE_TOKEN])
def test_a_page_token_of_one_character_up_to_the_limit_is_accepted(page):
    assert parsed({"operation": "list", "page": page}).page == page


@pytest.mark.parametrize("since", ["2026-12-05t06:15:22z", "2026-12-05 06:15:22Z",
                                   "2026-12-05T07:15:22+01:00"])
def test_a_since_in_any_rfc_3339_spelling_is_the_same_utc_instant(since):
    request = parsed({"operation": "logs", "jobRunId": RUN_ID, "since": since})
    assert request.since == datetime(2026, 12, 5, 6, 15, 22, tzinfo=UTC)


@pytest.mark.parametrize("body, kind", [
    ({"operation": "validate", "specLocation": LOC}, ValidateRequest),
    ({"operation": "status", "jobRunId": RUN_ID}, StatusRequest),
    ({"operation": "logs", "jobRunId": RUN_ID}, LogsRequest),
])
def test_each_request_carries_the_trigger_it_came_from(body, kind):
    request = parsed(body)
    assert type(request) is kind and request.trigger == "direct"
