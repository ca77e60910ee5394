"""Request signature verification: tampering, missing signatures, expiry and token rotation."""

from __future__ import annotations

import email.utils
import json
import time
from pathlib import Path
from typing import Any

import oci
import pytest
import requests

from localoci import Emulator, Issuer, write_resource_principal
from tests.support.emulator import COMPARTMENT, JOB_ID, NO_RETRIES, PROJECT, send, signed

CREATE_BODY = json.dumps(
    {"projectId": PROJECT, "compartmentId": COMPARTMENT, "jobId": JOB_ID}
).encode()
JSON = {"content-type": "application/json"}


def assert_not_authenticated(response: requests.Response) -> None:
    assert response.status_code == 401
    assert response.json()["code"] == "NotAuthenticated"
    assert response.headers["opc-request-id"]


def test_a_signed_request_built_by_hand_is_accepted(emulated: Emulator, signer: Any) -> None:
    response = send(signed(signer, "POST", f"{emulated.url}/20190101/jobRuns", CREATE_BODY, JSON))

    assert response.status_code == 200
    assert emulated.unauthorized_count == 0


def test_an_unsigned_request_is_rejected(emulated: Emulator) -> None:
    assert_not_authenticated(requests.get(f"{emulated.url}/20190101/jobs/{JOB_ID}", timeout=5))
    assert emulated.unauthorized_count == 1


def test_a_modified_signature_is_rejected(emulated: Emulator, signer: Any) -> None:
    request = signed(signer, "GET", f"{emulated.url}/20190101/jobs/{JOB_ID}")
    authorization = request.headers["authorization"]
    position = authorization.index('signature="') + len('signature="')
    flipped = "B" if authorization[position] == "A" else "A"
    request.headers["authorization"] = (
        authorization[:position] + flipped + authorization[position + 1 :]
    )

    assert_not_authenticated(send(request))


def test_a_body_changed_after_signing_is_rejected(emulated: Emulator, signer: Any) -> None:
    request = signed(signer, "POST", f"{emulated.url}/20190101/jobRuns", CREATE_BODY, JSON)
    request.body = CREATE_BODY.replace(b"aaaajob", b"bbbbjob")

    response = send(request)

    assert_not_authenticated(response)
    assert "x-content-sha256" in response.json()["message"]
    assert emulated.job_runs() == []


def test_a_path_changed_after_signing_is_rejected(emulated: Emulator, signer: Any) -> None:
    request = signed(signer, "GET", f"{emulated.url}/20190101/jobs/{JOB_ID}")
    request.url = f"{emulated.url}/20190101/jobs/ocid1.datasciencejob.oc1.phx.other"

    assert_not_authenticated(send(request))


def test_a_post_must_sign_its_content_headers(emulated: Emulator, signer: Any) -> None:
    request = signed(
        signer, "POST", f"{emulated.url}/20190101/jobRuns", CREATE_BODY, JSON, content_headers=False
    )

    response = send(request)

    assert_not_authenticated(response)
    assert "x-content-sha256" in response.json()["message"]


def test_put_object_may_leave_content_headers_unsigned(emulated: Emulator, signer: Any) -> None:
    url = f"{emulated.url}/n/localns/b/specs/o/raw.yaml"
    request = signed(signer, "PUT", url, b"a: 1\n", content_headers=False)

    assert send(request).status_code == 200


def test_a_stale_date_is_rejected(emulated: Emulator, signer: Any) -> None:
    stale = email.utils.formatdate(time.time() - 600, usegmt=True)
    request = signed(
        signer, "GET", f"{emulated.url}/20190101/jobs/{JOB_ID}", headers={"date": stale}
    )

    response = send(request)

    assert_not_authenticated(response)
    assert "5 minutes" in response.json()["message"]


def test_an_expired_token_is_rejected_then_rotation_heals_the_cached_client(
    emulated: Emulator, issuer: Issuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in write_resource_principal(tmp_path, issuer, lifetime_seconds=-60).items():
        monkeypatch.setenv(name, value)
    client = oci.data_science.DataScienceClient(
        {},
        signer=oci.auth.signers.get_resource_principals_signer(),
        service_endpoint=emulated.url,
        **NO_RETRIES,
    )

    with pytest.raises(oci.exceptions.ServiceError) as caught:
        client.get_job(JOB_ID)
    assert (caught.value.status, caught.value.code) == (401, "NotAuthenticated")
    assert "expired" in caught.value.message
    assert emulated.unauthorized_count == 2  # first try and the SDK's one retry after refresh

    write_resource_principal(tmp_path, issuer)

    assert client.get_job(JOB_ID).data.id == JOB_ID
    assert emulated.unauthorized_count == 3  # the cached expired token, then a refresh
    statuses = [entry["status"] for entry in emulated.requests()]
    assert statuses == [401, 401, 401, 200]
