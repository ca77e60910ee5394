"""The JSON edge in-process: statuses, headers, the log line, and nothing escaping."""

import json
import logging

from func.app import App
from func.clients import ClientProvider
from func.triggers import Headers, RawCall

JOB = "ocid1.datasciencejob.oc1.phx.amaaaaaajob"
RUN = b'{"specLocation": "oci://specs@localns/a.yaml"}'


def exploding_provider():
    def factory(settings):
        raise RuntimeError("boom: SECRET-IN-EXCEPTION")
    return ClientProvider(factory)


def test_an_unexpected_exception_becomes_internal_error_json(caplog):
    app = App(env={"JOB_OCID": JOB}, provider=exploding_provider())
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        reply = app.handle(RawCall(RUN), call_id="C-1")
    assert reply.status == 200
    assert json.loads(reply.body_text()) == {"ok": False, "error": {
        "code": "InternalError", "status": 500,
        "message": "the function failed unexpectedly; see its log for the call id"}}
    assert "SECRET-IN-EXCEPTION" not in caplog.text
    line = json.loads(caplog.records[-1].getMessage())
    assert (line["callId"], line["outcome"], line["exception"]) == \
        ("C-1", "InternalError", "RuntimeError")


def test_behind_the_gateway_the_status_is_the_errors():
    app = App(env={"JOB_OCID": JOB}, provider=exploding_provider())
    call = RawCall(RUN, headers=Headers({"fn-intent": "httprequest"}),
                   http_headers=Headers({"Content-Type": "application/json"}), method="POST",
                   request_url="/v1/runs")
    assert app.handle(call).status == 500
    not_allowed = app.handle(RawCall(b"", headers=Headers({"fn-intent": "httprequest"}),
                                     method="PUT", request_url="/v1/runs"))
    assert (not_allowed.status, not_allowed.headers) == (405, {"Allow": "GET, POST"})
    assert not_allowed.body["error"]["code"] == "MethodNotAllowed"


def test_error_status_502_applies_to_direct_calls_only():
    app = App(env={"JOB_OCID": JOB, "ERROR_STATUS": "502"}, provider=exploding_provider())
    assert app.handle(RawCall(b"")).status == 502
    gateway = RawCall(b"", headers=Headers({"fn-intent": "httprequest"}),
                      http_headers=Headers({"Content-Type": "application/json"}), method="POST",
                      request_url="/runs")
    assert app.handle(gateway).status == 400


def test_configuration_is_checked_before_the_request():
    reply = App(env={}, provider=exploding_provider()).handle(RawCall(b"not json {"))
    assert reply.body["error"]["code"] == "ConfigurationError"


def test_ignored_events_create_nothing_and_need_no_clients():
    event = {"eventType": "com.oraclecloud.objectstorage.deleteobject",
             "cloudEventsVersion": "0.1", "data": {}}
    reply = App(env={"JOB_OCID": JOB}, provider=exploding_provider()).handle(
        RawCall(json.dumps(event).encode()))
    assert reply.body["ignored"] is True and reply.status == 200
