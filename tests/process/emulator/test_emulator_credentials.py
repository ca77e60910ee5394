"""Test resource-principal credentials and the SDK signer built from them."""

from __future__ import annotations

import stat
from pathlib import Path

import jwt
import oci
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from localoci import Emulator, Issuer, write_resource_principal
from localoci.credentials import jwk_to_public_key
from tests.support.emulator import NO_RETRIES


def test_issuer_round_trips_through_a_pem_file(tmp_path: Path, issuer: Issuer) -> None:
    path = tmp_path / "issuer.pem"
    issuer.save(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Issuer.load(path).public_pem == issuer.public_pem


def test_rpst_carries_the_session_key_and_resource_claims(issuer: Issuer) -> None:
    session_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    token = issuer.issue_rpst(session_key, lifetime_seconds=600, now=1_000_000)

    claims = jwt.decode(
        token, issuer.public_pem, algorithms=["RS256"], options={"verify_exp": False}
    )

    assert claims["iat"] == 1_000_000
    assert claims["exp"] == 1_000_600
    assert claims["res_type"] == "fnfunc"
    assert claims["res_tenant"] == "ocid1.tenancy.oc1..localtenancy"
    assert claims["res_compartment"] == "ocid1.compartment.oc1..localcompartment"
    assert claims["jwk"]["kid"]
    assert jwk_to_public_key(claims["jwk"]).public_numbers() == session_key.public_numbers()


def test_write_resource_principal_writes_path_mode_files(tmp_path: Path, issuer: Issuer) -> None:
    env = write_resource_principal(tmp_path / "creds", issuer, region="us-ashburn-1")

    assert env["OCI_RESOURCE_PRINCIPAL_VERSION"] == "2.2"
    assert env["OCI_RESOURCE_PRINCIPAL_REGION"] == "us-ashburn-1"
    rpst = Path(env["OCI_RESOURCE_PRINCIPAL_RPST"])
    pem = Path(env["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"])
    assert rpst.is_absolute() and pem.is_absolute()
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
    claims = jwt.decode(rpst.read_text(), issuer.public_pem, algorithms=["RS256"])
    assert jwk_to_public_key(claims["jwk"]).public_numbers() == key.public_key().public_numbers()


def test_writing_again_rotates_key_and_token(tmp_path: Path, issuer: Issuer) -> None:
    env = write_resource_principal(tmp_path, issuer)
    first = (
        Path(env["OCI_RESOURCE_PRINCIPAL_RPST"]).read_text(),
        Path(env["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"]).read_text(),
    )

    assert write_resource_principal(tmp_path, issuer) == env
    second = (
        Path(env["OCI_RESOURCE_PRINCIPAL_RPST"]).read_text(),
        Path(env["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"]).read_text(),
    )
    assert first[0] != second[0]
    assert first[1] != second[1]


def test_sdk_resource_principal_signer_is_accepted(
    emulated: Emulator, rp_set: dict[str, str]
) -> None:
    signer = oci.auth.signers.get_resource_principals_signer()
    client = oci.object_storage.ObjectStorageClient(
        {}, signer=signer, service_endpoint=emulated.url, **NO_RETRIES
    )

    assert isinstance(signer, oci.auth.signers.EphemeralResourcePrincipalSigner)
    assert signer.tenancy_id == "ocid1.tenancy.oc1..localtenancy"
    assert client.get_namespace().data == "localns"
    assert emulated.unauthorized_count == 0


def test_a_token_from_another_issuer_is_rejected(
    emulated: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in write_resource_principal(tmp_path, Issuer.generate()).items():
        monkeypatch.setenv(name, value)
    client = oci.object_storage.ObjectStorageClient(
        {},
        signer=oci.auth.signers.get_resource_principals_signer(),
        service_endpoint=emulated.url,
        **NO_RETRIES,
    )

    with pytest.raises(oci.exceptions.ServiceError) as caught:
        client.get_namespace()

    assert (caught.value.status, caught.value.code) == (401, "NotAuthenticated")
    assert emulated.unauthorized_count == 2  # the SDK refreshes and retries once after a 401
