"""What the function and the job container share: signer loading, clients, environment."""

from __future__ import annotations

import os

import oci
import pytest

from func.clients import build_clients
from func.config import Settings
from func.errors import ConfigurationError
from job.errors import ConfigurationProblem
from job.storage import resource_principal_store
from ociplatform.clients import SignerUnavailable, build_client, load_signer
from ociplatform.env import Env, EnvProblem

SECRET_PATH = "/secret/path/to/token"


def rp_like_signer() -> oci.auth.signers.SecurityTokenSigner:
    """A signer like the resource principal's: self-sufficient, and knows its region."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    signer = oci.auth.signers.SecurityTokenSigner(
        "token", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    signer.region = "us-phoenix-1"
    return signer


def broken_factory():
    raise FileNotFoundError(SECRET_PATH)


def test_a_signer_that_cannot_load_names_only_the_error_type():
    with pytest.raises(SignerUnavailable) as caught:
        load_signer(broken_factory)
    assert caught.value.message == ("resource principal could not be loaded from the "
                                    "OCI_RESOURCE_PRINCIPAL_* variables (FileNotFoundError)")
    with pytest.raises(ConfigurationError, match=r"^the function's resource principal") as error:
        build_clients(Settings(job_ocid="ocid1.datasciencejob.oc1..x"), broken_factory)
    assert SECRET_PATH not in error.value.message


def test_the_job_maps_a_missing_resource_principal_to_its_configuration_exit(monkeypatch):
    for name in list(os.environ):
        if name.startswith("OCI_RESOURCE_PRINCIPAL"):
            monkeypatch.delenv(name)
    with pytest.raises(ConfigurationProblem, match=r"^the job run's resource principal"):
        resource_principal_store(None)


@pytest.mark.parametrize("endpoint, expected", [
    ("http://127.0.0.1:9", "http://127.0.0.1:9"),
    (None, "https://objectstorage.us-phoenix-1."),
])
def test_clients_use_the_signers_region_or_the_endpoint_and_no_sdk_retries(endpoint, expected):
    client = build_client(oci.object_storage.ObjectStorageClient, rp_like_signer(), endpoint)
    assert client.base_client.endpoint.startswith(expected)
    assert isinstance(client.retry_strategy, oci.retry.NoneRetryStrategy)
    assert isinstance(client.base_client.circuit_breaker_strategy,
                      oci.circuit_breaker.NoCircuitBreakerStrategy)


def test_the_function_builds_both_clients_for_the_signers_region():
    clients = build_clients(Settings(job_ocid="ocid1.datasciencejob.oc1..x",
                                     data_science_endpoint="http://127.0.0.1:7"), rp_like_signer)
    assert clients.region == "us-phoenix-1"
    assert clients.data_science.base_client.endpoint.startswith("http://127.0.0.1:7")
    assert "objectstorage.us-phoenix-1" in clients.object_storage.base_client.endpoint


@pytest.mark.parametrize("environ, read, expected", [
    ({"N": " 12 "}, lambda env: env.whole_number("N", 5, 1, 20), 12),
    ({}, lambda env: env.whole_number("N", 5, 1, 20), 5),
    ({"N": " "}, lambda env: env.whole_number("N", None, 1, 20), None),
    ({"E": "https://h.example/x/"}, lambda env: env.endpoint("E"), "https://h.example/x"),
    ({"V": "MY_VAR"}, lambda env: env.variable_name("V", "DEFAULT"), "MY_VAR"),
    ({}, lambda env: env.variable_name("V", "DEFAULT"), "DEFAULT"),
])
def test_environment_reads(environ, read, expected):
    assert read(Env(environ)) == expected


@pytest.mark.parametrize("environ, read, message", [
    ({"N": "21"}, lambda env: env.whole_number("N", 5, 1, 20),
     "N must be a whole number between 1 and 20"),
    ({"N": "-1"}, lambda env: env.whole_number("N", 5, 1, 20),
     "N must be a whole number between 1 and 20"),
    ({"N": "٣"}, lambda env: env.whole_number("N", 5, 1, 20),
     "N must be a whole number between 1 and 20"),
    ({"E": "ftp://h"}, lambda env: env.endpoint("E"), "E must be an http(s) URL"),
    ({"V": "1X"}, lambda env: env.variable_name("V", "D"),
     "V must be an environment variable name"),
    ({}, lambda env: env.required("R", " (hint)"), "R is not set (hint)"),
])
def test_environment_problems_name_the_variable_not_the_value(environ, read, message):
    with pytest.raises(EnvProblem) as caught:
        read(Env(environ))
    assert (caught.value.message, caught.value.name) == (message, message.split()[0])
