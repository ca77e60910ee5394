"""Constants and helpers of the emulator tests: the test job, SDK clients without retries,
and requests signed by hand."""

from __future__ import annotations

from typing import Any

import oci
import requests

NAMESPACE = "localns"
BUCKET = "specs"
COMPARTMENT = "ocid1.compartment.oc1..aaaacompartment"
PROJECT = "ocid1.datascienceproject.oc1.phx.aaaaproject"
JOB_ID = "ocid1.datasciencejob.oc1.phx.aaaajob"
JOB = {
    "id": JOB_ID,
    "projectId": PROJECT,
    "compartmentId": COMPARTMENT,
    "displayName": "notebook-runner",
}
NO_RETRIES: dict[str, Any] = {
    "retry_strategy": oci.retry.NoneRetryStrategy(),
    "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
}


def run_details(**overrides: Any) -> oci.data_science.models.CreateJobRunDetails:
    """CreateJobRunDetails for the test job, with a DEFAULT configuration override."""
    models = oci.data_science.models
    fields: dict[str, Any] = {
        "project_id": PROJECT,
        "compartment_id": COMPARTMENT,
        "job_id": JOB_ID,
        "display_name": "daily-report",
        "job_configuration_override_details": models.DefaultJobConfigurationDetails(
            environment_variables={"NOTEPAD_YAML_URL": "oci://specs@localns/daily.yaml"},
        ),
        "freeform_tags": {"trigger": "direct"},
    }
    fields.update(overrides)
    return models.CreateJobRunDetails(**fields)


def signed(
    signer: Any,
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    content_headers: bool = True,
) -> requests.PreparedRequest:
    """A request built by hand and signed by the SDK signer, ready to tamper with and send."""
    request = requests.Request(method, url, data=body, headers=headers or {}).prepare()
    signer(request, enforce_content_headers=content_headers)
    return request


def send(request: requests.PreparedRequest) -> requests.Response:
    with requests.Session() as session:
        return session.send(request, timeout=10)
