"""Test resource-principal credentials: an issuer standing in for OCI identity, and RPST files.

A resource principal session token (RPST) is a JWT signed by the issuer that carries the
session public key in its ``jwk`` claim. The function signs requests with the session private
key; the emulator trusts the issuer's public key, checks the token, and verifies the request
signature with the key from the token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_TENANCY = "ocid1.tenancy.oc1..localtenancy"
DEFAULT_COMPARTMENT = "ocid1.compartment.oc1..localcompartment"
DEFAULT_PRINCIPAL = "ocid1.fnfunc.oc1.phx.localfunction"
ISSUER_NAME = "localoci"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_to_int(text: str) -> int:
    padded = text + "=" * (-len(text) % 4)
    return int.from_bytes(base64.urlsafe_b64decode(padded), "big")


def public_key_to_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """RSA public key as a JWK; ``kid`` is its RFC 7638 thumbprint."""
    numbers = public_key.public_numbers()
    members = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("ascii")
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode("ascii")
    return {**members, "kid": kid, "alg": "RS256", "use": "sig"}


def jwk_to_public_key(jwk: dict[str, Any]) -> rsa.RSAPublicKey:
    if jwk.get("kty") != "RSA":
        raise ValueError("jwk is not an RSA key")
    return rsa.RSAPublicNumbers(_b64url_to_int(jwk["e"]), _b64url_to_int(jwk["n"])).public_key()


def load_public_key(pem: bytes | str) -> rsa.RSAPublicKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the issuer public key must be an RSA key")
    return key


def _write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with a 0600 file holding ``data``."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(staging, path)


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class Issuer:
    """Signs resource principal session tokens with its own RSA key."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._key = private_key

    @classmethod
    def generate(cls) -> Issuer:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Issuer:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        return cls(key)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the private key as unencrypted PKCS8 PEM, mode 0600."""
        _write_private(Path(path), _private_pem(self._key))

    @property
    def public_pem(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def issue_rpst(
        self,
        session_public_key: rsa.RSAPublicKey,
        lifetime_seconds: int = 3600,
        tenancy: str = DEFAULT_TENANCY,
        compartment: str = DEFAULT_COMPARTMENT,
        now: float | None = None,
        principal: str = DEFAULT_PRINCIPAL,
    ) -> str:
        """An RS256 JWT binding ``session_public_key`` to a function resource principal."""
        issued_at = int(time.time() if now is None else now)
        claims = {
            "iss": ISSUER_NAME,
            "sub": principal,
            "iat": issued_at,
            "exp": issued_at + lifetime_seconds,
            "res_tenant": tenancy,
            "res_compartment": compartment,
            "res_type": "fnfunc",
            "ptype": "resource",
            "jwk": public_key_to_jwk(session_public_key),
        }
        return jwt.encode(claims, self._key, algorithm="RS256")


def write_resource_principal(
    directory: str | os.PathLike[str],
    issuer: Issuer,
    lifetime_seconds: int = 3600,
    region: str = "us-phoenix-1",
) -> dict[str, str]:
    """Write ``rpst`` and ``private.pem`` into ``directory`` and return the RP v2.2 environment.

    Every call makes a new session key and token, replacing the files as the Functions
    platform does when it rotates credentials.
    """
    folder = Path(directory).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    session_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rpst_path = folder / "rpst"
    pem_path = folder / "private.pem"
    token = issuer.issue_rpst(session_key.public_key(), lifetime_seconds=lifetime_seconds)
    _write_private(pem_path, _private_pem(session_key))
    _write_private(rpst_path, token.encode("ascii"))
    return {
        "OCI_RESOURCE_PRINCIPAL_VERSION": "2.2",
        "OCI_RESOURCE_PRINCIPAL_RPST": str(rpst_path),
        "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM": str(pem_path),
        "OCI_RESOURCE_PRINCIPAL_REGION": region,
    }
