"""The OCI clients the function builds: each for the configured endpoint when one is set, all
signed by the one signer (the resource principal's in the function)."""

from __future__ import annotations

import oci.auth.signers
from cryptography.hazmat.primitives.asymmetric import rsa

from func.clients import build_clients
from func.config import Settings

JOB = "ocid1.datasciencejob.oc1.phx.amaaaaaajob"


def signer() -> oci.auth.signers.SecurityTokenSigner:
    made = oci.auth.signers.SecurityTokenSigner(
        "token", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    made.region = "us-phoenix-1"  # type: ignore[attr-defined]
    return made


def test_every_client_uses_its_configured_endpoint_and_the_one_signer():
    settings = Settings.from_env({
        "JOB_OCID": JOB, "OCI_OBJECT_STORAGE_ENDPOINT": "https://os.example.com",
        "OCI_DATA_SCIENCE_ENDPOINT": "https://ds.example.com",
        "OCI_LOGGING_SEARCH_ENDPOINT": "https://search.example.com",
        "OCI_LOGGING_ENDPOINT": "https://logging.example.com"})
    the_signer = signer()
    clients = build_clients(settings, signer_factory=lambda: the_signer)
    assert clients.logging is not None
    logging = clients.logging.get()
    built = {"object_storage": clients.object_storage, "data_science": clients.data_science,
             "search": logging.search, "management": logging.management}
    # The SDK adds each service's API version to the endpoint's path.
    assert {name: client.base_client.endpoint for name, client in built.items()} == {
        "object_storage": "https://os.example.com",
        "data_science": "https://ds.example.com/20190101",
        "search": "https://search.example.com/20190909",
        "management": "https://logging.example.com/20200531"}
    assert all(client.base_client.signer is the_signer for client in built.values())
    assert clients.region == "us-phoenix-1"
