"""API Gateway calls (``Fn-Intent: httprequest``) through the real fdk process."""

from __future__ import annotations

import pytest

from func.plan import retry_token
from tests.conftest import JOB_OCID
from tests.helpers import load_event
from tests.spec_cases import flat

SPEC = "notebooks/daily.yaml"


def call(fn, method, url, body=b"", **headers):
    result = fn.invoke(body, gateway=(method, url), client_headers=headers,
                       content_type=headers.get("Content-Type", "application/json"))
    assert result.status == 200  # the socket status; the client's is in Fn-Http-Status
    assert result.headers["content-type"] == "application/json"
    return result


def test_post_runs_is_202_with_location(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    canned = load_event("apigateway-post-runs.json")
    result = call(fn, "POST", "/v1/runs?source=test", canned["body"], **canned["headers"])
    body = result.json()
    assert result.http_status == 202
    assert result.headers["fn-http-h-location"] == f"/v1/runs/{body['jobRunId']}"
    assert body["ok"] is True and body["trigger"] == "apigateway"
    run = oci_local.job_runs()[0]
    assert run["createBody"]["freeformTags"] == {"trigger": "apigateway"}
    assert run["retryToken"] == retry_token(JOB_OCID, idempotency_key="gw-key-1")


@pytest.mark.parametrize("header", ["Idempotency-Key", "opc-retry-token", "IDEMPOTENCY-KEY"])
def test_idempotency_key_headers(fn, oci_local, header):
    oci_local.put_spec(SPEC, flat())
    body = {"specLocation": oci_local.location(SPEC)}
    first = call(fn, "POST", "/jobruns/runs", body, **{header: "k-1"}).json()
    second = call(fn, "POST", "/jobruns/runs", body, **{header: "k-1"}).json()
    assert first["jobRunId"] == second["jobRunId"]
    assert len(oci_local.job_runs()) == 1


def test_get_and_delete_run(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    run_id = call(fn, "POST", "/v1/runs", {"specLocation": oci_local.location(SPEC)}).json()[
        "jobRunId"]
    status = call(fn, "GET", f"/v1/runs/{run_id}?verbose=1")
    assert status.http_status == 200 and status.json()["jobRunId"] == run_id
    cancel = call(fn, "DELETE", f"/v1/runs/{run_id}")
    assert cancel.http_status == 202
    assert cancel.json()["lifecycleState"] in ("CANCELING", "CANCELED")
    oci_local.emulator.set_run_outcome(run_id, "CANCELED")
    again = call(fn, "DELETE", f"/v1/runs/{run_id}")
    assert again.http_status == 409 and again.json()["error"]["code"] == "Conflict"


def test_validate_route(fn, oci_local):
    oci_local.put_spec(SPEC, flat())
    result = call(fn, "POST", "/v1/runs/validate", {"specLocation": oci_local.location(SPEC)})
    assert result.http_status == 200
    assert result.json()["createJobRunDetails"]["jobId"] == JOB_OCID
    assert oci_local.job_runs() == []


@pytest.mark.parametrize("method, url, allow", [("GET", "/v1/runs", "POST"),
                                                ("PUT", "/v1/runs/validate", "POST"),
                                                ("POST", "/v1/runs/ocid1.datasciencejobrun.oc1."
                                                         "phx.amaaaaaax", "GET, DELETE")])
def test_method_not_allowed_lists_allowed_methods(fn, oci_local, method, url, allow):
    result = call(fn, method, url)
    assert result.http_status == 405
    assert result.headers["fn-http-h-allow"] == allow
    assert result.json()["error"]["code"] == "MethodNotAllowed"


@pytest.mark.parametrize("url", ["/v1/nothing", "/v1/runs/not-a-run-ocid",
                                 "/v1/runs/ocid1.datasciencejobrun.oc1.phx.amaaaaaaunknown"])
def test_not_found(fn, oci_local, url):
    result = call(fn, "GET", url)
    assert result.http_status == 404
    assert result.json()["error"]["code"] == "NotFound"


def test_content_type_merged_into_a_list_is_read_from_the_client(fn, oci_local):
    # The platform's own Content-Type is octet-stream; the client's is JSON. The fdk
    # merges both into a list; a JSON body that is not JSON must then be refused.
    result = fn.invoke(b"oci://specs@localns/notebooks/daily.yaml", gateway=("POST", "/v1/runs"),
                       client_headers={"Content-Type": "application/json"},
                       content_type="application/octet-stream")
    assert result.http_status == 400
    assert result.json()["error"]["code"] == "InvalidRequest"


@pytest.mark.parametrize("code, status, setup", [
    ("InvalidRequest", 400, lambda o: {"specLocation": 5}),
    ("SpecNotFound", 404, lambda o: {"specLocation": o.location("missing.yaml")}),
    ("InvalidSpec", 422, lambda o: (o.put_spec("bad.yaml", b"noteBook: no\n"),
                                    {"specLocation": o.location("bad.yaml")})[1]),
])
def test_error_status_reaches_the_client(fn, oci_local, code, status, setup):
    result = call(fn, "POST", "/v1/runs", setup(oci_local))
    assert result.http_status == status
    assert result.json()["error"] == result.json()["error"] | {"code": code, "status": status}
