"""Each finding of the security review against the function, reproduced in-process.

Every test here failed on the code before the fix: the gateway parsed any Content-Type as
JSON, validate echoed every env value, nothing limited shapes, storage or runtime, callers
shared idempotency keys, a request could overwrite the ``trigger`` tag, lone surrogates
broke the reply and control characters went through, a 4,300-digit integer was an
InternalError, and a run could set any name the job container, the SDK, Python or the
loader reads.
"""

from __future__ import annotations

import json
import logging

import pytest

from jobspec.errors import SpecInvalid
from jobspec.spec import parse_spec
from tests.support.spec_cases import ads, flat

from .conftest import LOCATION, NAMESPACE, make_function

pytestmark = pytest.mark.security

# --- 415: a gateway body must be application/json --------------------------------------

BODY = json.dumps({"specLocation": LOCATION}).encode()


@pytest.mark.parametrize("content_type, body", [
    ("text/plain", BODY),  # a cross-site form or fetch without preflight
    ("text/plain;charset=UTF-8", BODY),
    ("application/x-www-form-urlencoded", f"specLocation={LOCATION}".encode()),
    ("multipart/form-data; boundary=x", BODY),
    ("", BODY),
    ("application/json; charset=latin-1", BODY),
    ("application/jsonx", BODY),
])
def test_a_gateway_body_that_is_not_json_is_415_and_creates_nothing(function, content_type,
                                                                    body):
    function.put_spec(flat())
    for path in ("/v1/runs", "/v1/runs/validate"):
        reply = function.gateway(body, path=path, headers={"Content-Type": content_type})
        assert reply.status == 415, reply.body
        assert reply.body["error"]["code"] == "UnsupportedMediaType"
    assert function.science.created == []


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON;charset=\"UTF-8\""])
def test_json_bodies_are_accepted_with_or_without_a_utf8_charset(function, content_type):
    function.put_spec(flat())
    reply = function.gateway(BODY, headers={"Content-Type": content_type})
    assert reply.status == 202, reply.body


def test_the_one_line_text_form_stays_for_direct_invocation(function):
    function.put_spec(flat())
    reply = function.direct(LOCATION.encode())
    assert reply.body["ok"] is True and reply.body["jobRunId"]


# --- validate shows env names, never values; no answer or log carries one --------------

SECRET = "s3cr3t-DB-PASSWORD"


def test_validate_answers_names_with_redacted_values(function, caplog):
    function.put_spec(ads(runtime=f"      env:\n      - name: DB_PASSWORD\n"
                                  f"        value: {SECRET}\n"))
    with caplog.at_level(logging.DEBUG):
        reply = function.gateway({"specLocation": LOCATION,
                                  "environmentVariables": {"TOKEN": SECRET + "-request"}},
                                 path="/v1/runs/validate")
    assert reply.status == 200, reply.body
    env = reply.body["createJobRunDetails"]["jobConfigurationOverrideDetails"][
        "environmentVariables"]
    assert env == {"NOTEPAD_YAML_URL": "<redacted>", "JOB_SPEC_ETAG": "<redacted>",
                   "DB_PASSWORD": "<redacted>", "TOKEN": "<redacted>"}
    assert SECRET not in reply.body_text()
    assert SECRET not in caplog.text


@pytest.mark.parametrize("body_env, spec_env", [
    ({"A": SECRET + "\x00"}, None),                    # refused value: message names A only
    ({"LD_PRELOAD": SECRET}, None),                    # reserved name
    (None, f"      env:\n      - name: A\n        value: \"{SECRET}\\e\"\n"),
    (None, f"      env:\n      - name: A\n        value: \"${{{SECRET}\"\n"),  # ADS refuses
    (None, f"      env:\n      - name: A\n        value: \"{SECRET}" + "x" * 20001 + "\"\n"),
])
def test_no_refusal_or_log_carries_an_env_value(function, caplog, body_env, spec_env):
    function.put_spec(ads(runtime=spec_env or ""))
    body = {"specLocation": LOCATION}
    if body_env:
        body["environmentVariables"] = body_env
    with caplog.at_level(logging.DEBUG):
        replies = [function.gateway(body, path="/v1/runs/validate"), function.direct(body)]
    for reply in replies:
        assert reply.body["ok"] is False, reply.body
        assert SECRET not in reply.body_text()
    assert SECRET not in caplog.text
    assert function.science.created == []


# --- cost guards ------------------------------------------------------------------------

def shape(name: str = "BM.GPU.H100.8", extra: str = "") -> bytes:
    return ads(infra=f"      shapeName: {name}\n{extra}")


def test_a_shape_override_is_refused_unless_allowed(function):
    function.put_spec(shape())
    reply = function.direct({"specLocation": LOCATION})
    error = reply.body["error"]
    assert error["code"] == "InvalidSpec"
    assert error["field"] == "spec.infrastructure.spec.shapeName"
    assert "ALLOWED_SHAPES" in error["message"] and "BM.GPU" not in error["message"]
    assert function.science.created == []


def test_an_allowed_shape_launches_and_another_names_the_list():
    function = make_function(ALLOWED_SHAPES="VM.Standard.E4.Flex, VM.Standard3.Flex")
    function.put_spec(shape("VM.Standard.E4.Flex"))
    assert function.direct({"specLocation": LOCATION}).body["ok"] is True
    function.put_spec(shape())
    error = function.direct({"specLocation": LOCATION}).body["error"]
    assert error["code"] == "InvalidSpec"
    assert "(ALLOWED_SHAPES: VM.Standard.E4.Flex, VM.Standard3.Flex)" in error["message"]


def test_block_storage_is_capped_by_max_block_storage_gbs():
    function = make_function(ALLOWED_SHAPES="VM.Standard.E4.Flex")
    function.put_spec(shape("VM.Standard.E4.Flex", "      blockStorageSize: 100000\n"))
    error = function.direct({"specLocation": LOCATION}).body["error"]
    assert (error["code"], error["field"]) == ("InvalidSpec",
                                               "spec.infrastructure.spec.blockStorageSize")
    assert "1024 GB, MAX_BLOCK_STORAGE_GBS" in error["message"]
    roomy = make_function(ALLOWED_SHAPES="VM.Standard.E4.Flex", MAX_BLOCK_STORAGE_GBS="100000")
    roomy.put_spec(shape("VM.Standard.E4.Flex", "      blockStorageSize: 100000\n"))
    assert roomy.direct({"specLocation": LOCATION}).body["ok"] is True


def test_runtime_is_capped_by_max_runtime_minutes_in_spec_and_request(function):
    ten_years = 10 * 365 * 24 * 60
    function.put_spec(ads(runtime=f"      maximumRuntimeInMinutes: {ten_years}\n"))
    error = function.direct({"specLocation": LOCATION}).body["error"]
    assert (error["code"], error["field"]) == (
        "InvalidSpec", "spec.runtime.spec.maximumRuntimeInMinutes")
    assert "1440 minutes, MAX_RUNTIME_MINUTES" in error["message"]

    function.put_spec(ads())
    error = function.direct({"specLocation": LOCATION,
                             "maximumRuntimeInMinutes": 1441}).body["error"]
    assert (error["code"], error["field"]) == ("InvalidRequest", "maximumRuntimeInMinutes")
    assert "MAX_RUNTIME_MINUTES" in error["message"]
    assert function.direct({"specLocation": LOCATION,
                            "maximumRuntimeInMinutes": 1440}).body["ok"] is True
    assert len(function.science.created) == 1


@pytest.mark.parametrize("name, value", [("ALLOWED_SHAPES", "VM Standard"),
                                         ("MAX_BLOCK_STORAGE_GBS", "10"),
                                         ("MAX_RUNTIME_MINUTES", "0")])
def test_malformed_cost_limits_are_configuration_errors(name, value):
    function = make_function(**{name: value})
    error = function.direct({"specLocation": LOCATION}).body["error"]
    assert (error["code"], error["field"]) == ("ConfigurationError", name)


# --- callers never share idempotency keys ----------------------------------------------

SUBJECT = "X-Authenticated-Subject"


def test_two_gateway_callers_with_the_same_key_get_two_runs(function):
    function.put_spec(flat())
    body = {"specLocation": LOCATION, "idempotencyKey": "nightly"}
    alice = function.gateway(body, headers={SUBJECT: "alice@example.com"}, call_id="A")
    bob = function.gateway(body, headers={SUBJECT: "bob@example.com"}, call_id="B")
    alice_again = function.gateway(body, headers={SUBJECT: "alice@example.com"}, call_id="C")
    assert alice.status == bob.status == 202
    assert alice.body["jobRunId"] != bob.body["jobRunId"]
    assert alice_again.body["jobRunId"] == alice.body["jobRunId"]
    assert len(set(function.tokens())) == 2


def test_an_events_key_claimed_by_another_trigger_does_not_block_the_event(function):
    etag = function.put_spec(flat())
    event_key = f"{NAMESPACE}/specs/team/daily.yaml@{etag}"
    squatter = function.direct({"specLocation": LOCATION, "idempotencyKey": event_key,
                                "displayName": "not the event's"})
    event = {"eventType": "com.oraclecloud.objectstorage.createobject",
             "cloudEventsVersion": "0.1", "eventID": "e1",
             "data": {"resourceName": "team/daily.yaml", "additionalDetails": {
                 "namespace": NAMESPACE, "bucketName": "specs", "eTag": etag}}}
    answer = function.direct(event)
    assert answer.body["ok"] is True and answer.body["trigger"] == "event"
    assert answer.body["jobRunId"] != squatter.body["jobRunId"]
    gateway = function.gateway({"specLocation": LOCATION, "idempotencyKey": event_key})
    assert gateway.body["jobRunId"] not in (answer.body["jobRunId"], squatter.body["jobRunId"])


def test_the_subject_header_counts_only_behind_the_gateway(function):
    """A direct call has no gateway to vouch for a subject: a header there changes nothing."""
    function.put_spec(flat())
    body = json.dumps({"specLocation": LOCATION, "idempotencyKey": "k"}).encode()
    from func.triggers import Headers, RawCall

    plain = function.app.handle(RawCall(body), call_id="1")
    claimed = function.app.handle(RawCall(body, headers=Headers({SUBJECT: "alice"}),
                                          http_headers=Headers({SUBJECT: "alice"})),
                                  call_id="2")
    assert plain.body["jobRunId"] == claimed.body["jobRunId"]


# --- the launcher's own tag is applied last ----------------------------------------------

def test_neither_spec_nor_request_can_set_the_trigger_tag(function):
    function.put_spec(ads(runtime="      freeformTags: {trigger: event}\n"))
    reply = function.gateway({"specLocation": LOCATION, "freeformTags": {"trigger": "direct"}})
    assert reply.status == 202
    [details] = function.science.created
    assert details.freeform_tags["trigger"] == "apigateway"


# --- strings that can't be carried ---------------------------------------------------------

@pytest.mark.parametrize("fields", [
    {"displayName": "\ud800"},
    {"environmentVariables": {"A": "x\udfff"}},
    {"freeformTags": {"team": "\ud83d"}},
    {"idempotencyKey": "k\ud800"},
    {"specLocation": "oci://specs@ns/\ud800.yaml"},
    {"unknown\ud800": 1},
])
def test_a_lone_surrogate_is_refused_and_the_reply_is_still_utf8(function, fields):
    function.put_spec(flat())
    body = {"specLocation": LOCATION, **fields}
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as \ud800
    for reply in (function.direct(raw), function.gateway(raw)):
        assert reply.body["error"]["code"] == "InvalidRequest"
        reply.body_text().encode("utf-8")  # what the fdk does: must not raise
    assert function.science.created == []


@pytest.mark.parametrize("fields, field", [
    ({"displayName": "report\x1b[2J"}, "displayName"),
    ({"freeformTags": {"team\x00": "bi"}}, "freeformTags"),
    ({"freeformTags": {"team": "b\x1bi"}}, "freeformTags"),
    ({"environmentVariables": {"A": "x\x00y"}}, "environmentVariables"),
    ({"commandLineArguments": "--a\x07"}, "commandLineArguments"),
])
def test_control_characters_are_refused_where_they_cant_be_carried(function, fields, field):
    function.put_spec(flat())
    error = function.direct({"specLocation": LOCATION, **fields}).body["error"]
    assert (error["code"], error["field"]) == ("InvalidRequest", field)


def test_env_values_and_arguments_keep_tab_and_newline(function):
    function.put_spec(ads(runtime="      env:\n      - name: SQL\n        value: \"a\\tb\\nc\"\n"))
    reply = function.direct({"specLocation": LOCATION,
                             "environmentVariables": {"NOTE": "line 1\nline\t2"},
                             "commandLineArguments": "--text 'a\tb\nc'"})
    assert reply.body["ok"] is True, reply.body
    env = function.science.created[0].job_configuration_override_details.environment_variables
    assert (env["SQL"], env["NOTE"]) == ("a\tb\nc", "line 1\nline\t2")


@pytest.mark.parametrize("runtime, field", [
    ("      freeformTags: {\"te\\0am\": bi}\n", "spec.runtime.spec.freeformTags.te\x00am"),
    ("      freeformTags: {team: \"b\\ei\"}\n", "spec.runtime.spec.freeformTags.team"),
    ("      env:\n      - name: A\n        value: \"x\\0\"\n", "spec.runtime.spec.env[0].value"),
    ("      args: [\"--a\\e\"]\n", "spec.runtime.spec.args[0]"),
])
def test_control_characters_in_spec_strings_are_refused(runtime, field):
    with pytest.raises(SpecInvalid) as caught:
        parse_spec(ads(runtime=runtime))
    assert caught.value.field == field


def test_a_newline_substituted_into_the_name_is_refused():
    document = ads(runtime="      env:\n      - name: SUFFIX\n        value: \"a\\nb\"\n")
    document = document.replace(b"name: report", b"name: report-${SUFFIX}")
    with pytest.raises(SpecInvalid) as caught:
        parse_spec(document)
    assert caught.value.field == "spec.name"
    assert "once ${…} references are substituted" in caught.value.message


def test_control_characters_in_a_spec_name_are_refused():
    with pytest.raises(SpecInvalid) as caught:
        parse_spec(flat().replace(b"jobName: report", b'jobName: "re\\eport"'))
    assert caught.value.field == "jobName"


# --- allow-list entries are folders ---------------------------------------------------------

def test_an_allow_list_entry_without_a_slash_does_not_allow_its_neighbours():
    function = make_function(SPEC_ALLOWLIST="oci://specs@ns/team-a")
    function.put_spec(flat(), "team-admin/x.yaml")
    function.put_spec(flat(), "team-a/x.yaml")
    neighbour = function.direct({"specLocation": "oci://specs@ns/team-admin/x.yaml"})
    assert neighbour.body["error"]["code"] == "SpecLocationNotAllowed"
    assert function.direct({"specLocation": "oci://specs@ns/team-a/x.yaml"}).body["ok"] is True


# --- every parser error is InvalidSpec -----------------------------------------------------

@pytest.mark.parametrize("document", [
    flat("parameters:\n  n: " + "1" * 4301 + "\n"),
    flat("parameters:\n  day: 2026-02-30\n"),
], ids=["4301-digit integer", "February 30th"])
def test_a_value_python_cant_build_is_invalid_spec_not_internal_error(function, document):
    function.put_spec(document)
    error = function.gateway({"specLocation": LOCATION}, path="/v1/runs/validate").body["error"]
    assert error["code"] == "InvalidSpec", error
    assert error["message"].startswith("invalid YAML: line 4")

