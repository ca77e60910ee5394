"""API Gateway calls (``Fn-Intent: httprequest``) through the real fdk process."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from func.plan import retry_token
from tests.conftest import JOB_OCID, OTHER_JOB_OCID
from tests.support.answers import gateway_call as call
from tests.support.events import load_event
from tests.support.spec_cases import flat

SPEC = "notebooks/daily.yaml"


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
    assert run["retryToken"] == retry_token(JOB_OCID, trigger="apigateway",
                                            idempotency_key="gw-key-1")


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


@pytest.mark.parametrize("method, url, allow", [("PUT", "/v1/runs", "GET, POST"),
                                                ("DELETE", "/v1/runs", "GET, POST"),
                                                ("PUT", "/v1/runs/validate", "POST"),
                                                ("POST", "/v1/runs/ocid1.datasciencejobrun.oc1."
                                                         "phx.amaaaaaax", "GET, DELETE")])
def test_method_not_allowed_lists_allowed_methods(fn, oci_local, method, url, allow):
    result = call(fn, method, url)
    assert result.http_status == 405
    assert result.headers["fn-http-h-allow"] == allow
    assert result.json()["error"]["code"] == "MethodNotAllowed"


def test_put_runs_is_405_allowing_get_and_post(fn, oci_local):
    canned = load_event("apigateway-put-runs.json")
    result = call(fn, canned["method"], canned["requestUrl"], canned["body"],
                  **canned["headers"])
    assert result.http_status == 405
    assert result.headers["fn-http-h-allow"] == "GET, POST"
    assert oci_local.operations() == []


@pytest.mark.parametrize("url", ["/v1/nothing", "/v1/runs/a/b"])
def test_unknown_route_is_404_listing_every_route(fn, oci_local, url):
    result = call(fn, "GET", url)
    assert result.http_status == 404
    error = result.json()["error"]
    assert error["code"] == "NotFound"
    for route in ("POST …/runs", "GET …/runs", "POST …/runs/validate",
                  "GET …/runs/{jobRunId}", "DELETE …/runs/{jobRunId}"):
        assert route in error["message"]


def test_unknown_job_run_is_404(fn, oci_local):
    result = call(fn, "GET", "/v1/runs/ocid1.datasciencejobrun.oc1.phx.amaaaaaaunknown")
    assert result.http_status == 404
    assert result.json()["error"]["code"] == "NotFound"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_run_id_that_is_not_a_job_run_ocid_is_400_naming_the_form(fn, oci_local, method):
    result = call(fn, method, "/v1/runs/not-a-run-ocid")
    assert result.http_status == 400
    error = result.json()["error"]
    assert (error["code"], error["field"]) == ("InvalidRequest", "jobRunId")
    assert "ocid1.datasciencejobrun.…" in error["message"]
    assert oci_local.operations() == []


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


# --- list ---------------------------------------------------------------------------

def test_get_runs_pages_through_this_jobs_runs_newest_first(fn, oci_local, make_runs):
    ours = make_runs(3)
    make_runs(2, job_id=OTHER_JOB_OCID)
    ours += make_runs(2)

    seen, url = [], "/v1/runs?limit=3"
    while True:
        result = call(fn, "GET", url)
        assert result.http_status == 200
        body = result.json()
        assert (body["ok"], body["operation"], body["trigger"]) == (True, "list", "apigateway")
        assert "fn-http-h-location" not in result.headers
        seen.append([run["jobRunId"] for run in body["runs"]])
        if body["nextPage"] is None:
            break
        url = f"/v1/runs?limit=3&page={quote(body['nextPage'], safe='')}"

    assert [len(page) for page in seen] == [3, 2]
    assert [run_id for page in seen for run_id in page] == ours[::-1]
