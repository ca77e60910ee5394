"""The edge in-process with the service and fake clients: replies, and the one log line."""

from __future__ import annotations

import json
import logging
import random

import pytest

import func.runs
from func.app import App
from func.clients import ClientProvider, Clients
from func.plan import retry_token
from func.triggers import Headers, RawCall
from ociplatform.retry import RetryPolicy
from tests.support.fakes import JOB_OCID, FakeDataScience, FakeObjectStorage
from tests.support.spec_cases import flat

LOCATION = "oci://specs@ns/daily.yaml"
SECRET = "SECRET-VALUE-123"


@pytest.fixture
def oci():
    storage, science = FakeObjectStorage(), FakeDataScience()
    storage.put("ns", "specs", "daily.yaml", flat())
    return storage, science


def app_for(oci, **env: str) -> App:
    storage, science = oci
    provider = ClientProvider(lambda settings: Clients(storage, science, "us-phoenix-1"))
    return App(env={"JOB_OCID": JOB_OCID, **env}, provider=provider,
               policy=RetryPolicy(rng=random.Random(1), sleep=lambda seconds: None))


def log_line(caplog) -> dict:
    [record] = [r for r in caplog.records if r.name == "jobrun_launcher"]
    return dict(json.loads(record.getMessage()), level=record.levelname)


def test_a_run_is_answered_and_logged_with_its_facts(oci, caplog):
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        reply = app_for(oci).handle(RawCall(json.dumps({"specLocation": LOCATION}).encode()),
                                    call_id="CALL-9")
    assert reply.status == 200 and reply.body["ok"] is True
    run_id = reply.body["jobRunId"]
    line = log_line(caplog)
    assert line.pop("durationMs") >= 0
    assert line == {"callId": "CALL-9", "trigger": "direct", "operation": "run",
                    "specLocation": LOCATION, "jobRunId": run_id,
                    "retryTokenPrefix": retry_token(JOB_OCID, trigger="direct",
                                                    call_id="CALL-9")[:12],
                    "outcome": "ok", "level": "INFO"}


def test_behind_the_gateway_a_run_is_202_with_its_location(oci):
    call = RawCall(json.dumps({"specLocation": LOCATION}).encode(),
                   headers=Headers({"fn-intent": "httprequest"}),
                   http_headers=Headers({"content-type": "application/json"}),
                   method="POST", request_url="/v1/runs")
    reply = app_for(oci).handle(call, call_id="C")
    assert reply.status == 202
    assert reply.headers == {"Location": f"/v1/runs/{reply.body['jobRunId']}"}


def test_a_refusal_is_logged_with_the_facts_known_before_it(oci, caplog):
    storage, _ = oci
    storage.objects.clear()
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        reply = app_for(oci, ERROR_STATUS="502").handle(
            RawCall(json.dumps({"specLocation": LOCATION}).encode()), call_id="C-2")
    assert reply.status == 502 and reply.body["error"]["code"] == "SpecNotFound"
    line = log_line(caplog)
    assert (line["outcome"], line["retryTokenPrefix"]) == (
        "SpecNotFound", retry_token(JOB_OCID, trigger="direct", call_id="C-2")[:12])
    assert "jobRunId" not in line


def test_an_internal_error_logs_type_file_and_line_but_no_input(oci, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError(f"spec text {SECRET}")

    monkeypatch.setattr(func.runs, "plan_job_run", broken)
    body = json.dumps({"specLocation": LOCATION, "idempotencyKey": SECRET,
                       "environmentVariables": {"TOKEN": SECRET}}).encode()
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        reply = app_for(oci).handle(RawCall(body), call_id="C-3")
    assert reply.body["error"] == {
        "code": "InternalError", "status": 500,
        "message": "the function failed unexpectedly; see its log for the call id"}
    line = log_line(caplog)
    assert (line["outcome"], line["exception"], line["level"]) == (
        "InternalError", "KeyError", "ERROR")
    # The innermost frame inside the project: here, the stand-in that raised.
    raised_at = broken.__code__.co_firstlineno + 1
    assert line["exceptionAt"] == f"tests/service/test_service_app.py:{raised_at}"
    assert SECRET not in caplog.text and "spec text" not in caplog.text


def test_an_internal_error_in_the_function_names_the_functions_file(oci, caplog, monkeypatch):
    storage, _ = oci
    storage.put("ns", "specs", "daily.yaml", flat())
    monkeypatch.setattr(storage, "get_object", lambda *a, **k: object())  # no .data
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        app_for(oci).handle(RawCall(json.dumps({"specLocation": LOCATION}).encode()))
    file, line_number = log_line(caplog)["exceptionAt"].rsplit(":", 1)
    assert file == "ociplatform/reading.py" and int(line_number) > 0


@pytest.mark.parametrize("env, field", [({"JOB_OCID": ""}, "JOB_OCID"),
                                        ({"JOB_OCID": "not-an-ocid"}, "JOB_OCID"),
                                        ({"MAX_SPEC_BYTES": "big"}, "MAX_SPEC_BYTES")])
def test_a_misconfiguration_answers_every_call_and_calls_nothing(oci, env, field):
    storage, science = oci
    app = app_for(oci, **env)
    for body in (json.dumps({"specLocation": LOCATION}).encode(), b'{"bad": 1}', b"",
                 b'{"operation": "status", "jobRunId": "x"}'):
        error = app.handle(RawCall(body)).body["error"]
        assert (error["code"], error["field"], error["status"]) == (
            "ConfigurationError", field, 500)
    assert storage.calls == [] and science.calls == []


def test_an_allowlist_refusal_calls_nothing_and_an_allowed_spec_runs(oci):
    storage, science = oci
    storage.put("ns", "specs", "team/a.yaml", flat())
    app = app_for(oci, SPEC_ALLOWLIST="oci://specs@ns/team/")
    refused = app.handle(RawCall(json.dumps({"specLocation": LOCATION}).encode()))
    assert refused.body["error"]["code"] == "SpecLocationNotAllowed"
    assert refused.body["error"]["status"] == 403
    assert storage.calls == [] and science.calls == []
    allowed = app.handle(RawCall(b'{"specLocation": "oci://specs@ns/team/a.yaml"}'))
    assert allowed.body["ok"] is True
