"""The fdk entry point (``func/handler.py``) in-process, with fdk's own InvokeContext: what it
copies out of the context (body, headers, method, URL, call id, deadline) and the response
it hands back (JSON, the reply's status and headers). The app behind it is wired to the
in-memory fake of OCI."""

from __future__ import annotations

import io
import json
import logging
import random
from datetime import UTC, datetime, timedelta

import pytest
from fdk.context import InvokeContext

import func.handler as entry
from func.app import App
from func.clients import ClientProvider, Clients
from ociplatform.retry import RetryPolicy
from tests.support.fakes import JOB_OCID, FakeDataScience, FakeObjectStorage

FDK_HEADERS = {"fn-fdk-version", "fn-fdk-runtime"}


@pytest.fixture
def science(monkeypatch) -> FakeDataScience:
    science = FakeDataScience()
    provider = ClientProvider(lambda settings: Clients(FakeObjectStorage(), science,
                                                       "us-phoenix-1"))
    monkeypatch.setattr(entry, "_app", App(
        env={"JOB_OCID": JOB_OCID}, provider=provider,
        policy=RetryPolicy(rng=random.Random(1), sleep=lambda seconds: None)))
    return science


def deadline_in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def test_a_direct_call_is_answered_with_json(science, caplog):
    job_run = science.add_run("IN_PROGRESS")
    ctx = InvokeContext("app", "app", "fn", "fn", "CALL-1", deadline=deadline_in(30),
                        headers={"Fn-Call-Id": "CALL-1"})
    body = json.dumps({"operation": "status", "jobRunId": job_run.id})
    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        response = entry.handler(ctx, io.BytesIO(body.encode()))
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "jobrun_launcher"]
    assert line["callId"] == "CALL-1"
    assert response.status() == 200
    answer = json.loads(response.body())
    assert (answer["ok"], answer["operation"], answer["trigger"], answer["jobRunId"]) == (
        True, "status", "direct", job_run.id)
    headers = ctx.GetResponseHeaders()
    assert headers["content-type"] == "application/json"
    assert set(headers) == {"content-type", *FDK_HEADERS}


@pytest.mark.parametrize("data", [
    json.dumps({"operation": "list"}),  # a str, as fdk hands some bodies over
    json.dumps({"operation": "list"}).encode(),
])
def test_a_body_given_as_text_or_bytes_is_read_alike(science, data):
    ctx = InvokeContext("app", "app", "fn", "fn", "CALL-2", deadline=deadline_in(30))
    answer = json.loads(entry.handler(ctx, data).body())
    assert (answer["ok"], answer["operation"], answer["runs"]) == (True, "list", [])


def test_no_body_is_answered_as_an_empty_request(science):
    ctx = InvokeContext("app", "app", "fn", "fn", "CALL-3", deadline=deadline_in(30))
    answer = json.loads(entry.handler(ctx).body())
    assert answer == {"ok": False, "error": {
        "code": "InvalidRequest", "status": 400,
        "message": "the request body is empty: send a JSON object with specLocation"}}


def test_behind_the_gateway_the_route_status_and_headers_come_from_the_call(science):
    ctx = InvokeContext(
        "app", "app", "fn", "fn", "CALL-4", deadline=deadline_in(30),
        headers={"fn-intent": "httprequest", "fn-http-h-accept": "application/json"},
        request_url="/v1/runs/validate", method="PUT")
    response = entry.handler(ctx, io.BytesIO(b""))
    assert response.status() == 405
    assert json.loads(response.body())["error"] == {
        "code": "MethodNotAllowed", "status": 405,
        "message": "PUT is not allowed on …/runs/validate; allowed: POST"}
    headers = ctx.GetResponseHeaders()
    # fdk passes the gateway's headers and status on as Fn-Http-H-* and Fn-Http-Status.
    assert {k: v for k, v in headers.items() if k not in FDK_HEADERS} == {
        "content-type": "application/json", "fn-http-h-allow": "POST", "fn-http-status": "405"}


def test_behind_the_gateway_the_clients_headers_are_read(science):
    ctx = InvokeContext(
        "app", "app", "fn", "fn", "CALL-5", deadline=deadline_in(30),
        headers={"fn-intent": "httprequest", "fn-http-h-content-type": "application/json"},
        request_url="/v1/runs/validate", method="POST")
    response = entry.handler(ctx, io.BytesIO(b'{"specLocation": "oci://specs@ns/a.yaml"}'))
    assert (response.status(), json.loads(response.body())["error"]["code"]) == (
        404, "SpecNotFound")


def test_logging_is_set_up_to_keep_the_sdks_request_lines_out():
    from func import logs

    names = ("jobrun_launcher", *logs.QUIET_LOGGERS, "")
    before = {name: logging.getLogger(name).level for name in names}
    try:
        for name in names:
            logging.getLogger(name).setLevel(logging.NOTSET)
        logs.setup()
        assert {name: logging.getLogger(name).level for name in names} == {
            "jobrun_launcher": logging.INFO, "oci": logging.WARNING,
            "urllib3": logging.WARNING, "requests": logging.WARNING, "": logging.NOTSET}
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


def test_the_contexts_deadline_bounds_the_calls(science):
    job_run = science.add_run("ACCEPTED")
    ctx = InvokeContext("app", "app", "fn", "fn", "CALL-6", deadline=deadline_in(-1))
    body = json.dumps({"operation": "status", "jobRunId": job_run.id}).encode()
    answer = json.loads(entry.handler(ctx, io.BytesIO(body)).body())
    assert answer["error"] == {"code": "DeadlineExceeded", "status": 504,
                               "message": "no time left to call GetJobRun on Data Science"}
    assert science.calls == []
