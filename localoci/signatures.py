"""Verification of OCI request signatures made with a resource principal session token."""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import re
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .credentials import jwk_to_public_key
from .wire import Request, utcnow

GENERIC_HEADERS = ("date", "(request-target)", "host")
BODY_HEADERS = ("content-length", "content-type", "x-content-sha256")
MAX_CLOCK_SKEW = timedelta(minutes=5)
TOKEN_PREFIX = "ST$"

_PARAMETER = re.compile(r'(\w+)="([^"]*)"')


class SignatureError(Exception):
    """The request is not authenticated; the message says why (never echoes the token)."""


def _parse_authorization(value: str | None) -> dict[str, str]:
    if not value:
        raise SignatureError(
            "The required information to complete authentication was not provided."
        )
    scheme, _, rest = value.partition(" ")
    if scheme != "Signature":
        raise SignatureError("The Authorization header does not use the Signature scheme.")
    parameters = dict(_PARAMETER.findall(rest))
    for name in ("algorithm", "headers", "keyId", "signature"):
        if name not in parameters:
            raise SignatureError(f"The Authorization header has no {name}.")
    if parameters["algorithm"] != "rsa-sha256":
        raise SignatureError("Only the rsa-sha256 signature algorithm is supported.")
    if parameters.get("version", "1") != "1":
        raise SignatureError("Only signature version 1 is supported.")
    return parameters


def _verify_token(key_id: str, issuer_key: rsa.RSAPublicKey) -> dict[str, Any]:
    if not key_id.startswith(TOKEN_PREFIX):
        raise SignatureError("The keyId is not a security token (ST$...).")
    try:
        return jwt.decode(
            key_id[len(TOKEN_PREFIX) :],
            issuer_key,
            algorithms=["RS256"],
            options={"require": ["exp", "iat", "jwk"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise SignatureError("The security token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise SignatureError(f"The security token is not valid: {exc.__class__.__name__}.") from exc


def _signing_string(request: Request, names: list[str]) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {request.method.lower()} {request.target}")
            continue
        value = request.header(name)
        if value is None:
            raise SignatureError(f"The signed header '{name}' is missing from the request.")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _check_date(request: Request, now: datetime) -> None:
    try:
        signed_at = email.utils.parsedate_to_datetime(request.header("date") or "")
    except (TypeError, ValueError) as exc:
        raise SignatureError("The date header is not a valid HTTP date.") from exc
    if signed_at.tzinfo is None or abs(now - signed_at) > MAX_CLOCK_SKEW:
        raise SignatureError("The date header is more than 5 minutes away from the server time.")


def _check_body_digest(request: Request) -> None:
    expected = base64.b64encode(hashlib.sha256(request.body).digest()).decode("ascii")
    if request.header("x-content-sha256") != expected:
        raise SignatureError("The x-content-sha256 header does not match the request body.")


def verify_request(
    request: Request,
    issuer_key: rsa.RSAPublicKey,
    signs_body: bool = True,
) -> str:
    """Verify ``request`` as the OCI SDK signs it and answer the signer's OCID (token ``sub``).

    Raises :class:`SignatureError` when the request is not authenticated.
    ``signs_body`` is False for operations the SDK signs without content headers (PutObject).
    """
    parameters = _parse_authorization(request.header("authorization"))
    claims = _verify_token(parameters["keyId"], issuer_key)
    try:
        session_key = jwk_to_public_key(claims["jwk"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SignatureError("The security token carries no usable session key.") from exc

    names = parameters["headers"].lower().split()
    required = list(GENERIC_HEADERS)
    if signs_body and request.method in ("POST", "PUT", "PATCH"):
        required.extend(BODY_HEADERS)
    missing = [name for name in required if name not in names]
    if missing:
        raise SignatureError(
            f"The signature does not cover the required headers: {' '.join(missing)}."
        )

    try:
        signature = base64.b64decode(parameters["signature"], validate=True)
    except binascii.Error as exc:
        raise SignatureError("The signature is not valid base64.") from exc
    message = _signing_string(request, names).encode("latin-1")
    try:
        session_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureError("The request signature does not verify.") from exc

    _check_date(request, utcnow())
    if "x-content-sha256" in names:
        _check_body_digest(request)
    return str(claims.get("sub", ""))
