"""SDK clients as both the function and the job container build them.

Auth is the resource principal (``OCI_RESOURCE_PRINCIPAL_*`` variables, set by OCI Functions
and by Data Science job runs). The SDK's own retries and circuit breaker are off: every
call is retried by :class:`~ociplatform.calls.OciService`, bounded by the caller's deadline,
instead of the SDK's 8 attempts and ~93 s of backoff. The SDK is imported here, on first
use, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class SignerUnavailable(RuntimeError):
    """The resource principal could not be loaded; ``message`` names only the error's type
    (the SDK's message may quote the token or key files)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def resource_principal_signer() -> Any:
    """The v2.2 resource-principal signer (re-reads its token after a 401, so one signer
    survives token rotation); raises whatever the SDK raises when the variables are wrong."""
    import oci.auth.signers

    return oci.auth.signers.get_resource_principals_signer()


def load_signer(factory: Callable[[], Any] = resource_principal_signer) -> Any:
    """``factory()``, any failure of which is the caller's configuration problem."""
    try:
        return factory()
    except Exception as exc:  # noqa: BLE001 - any failure here is a configuration problem
        raise SignerUnavailable(
            "resource principal could not be loaded from the OCI_RESOURCE_PRINCIPAL_* "
            f"variables ({type(exc).__name__})") from None


def build_client(client_class: Any, signer: Any, endpoint: str | None = None) -> Any:
    """``client_class`` (e.g. ``oci.object_storage.ObjectStorageClient``) for the signer's
    region, or for ``endpoint`` when given (private endpoints, the local emulator)."""
    import oci.circuit_breaker
    import oci.retry

    region = getattr(signer, "region", None)
    kwargs: dict[str, Any] = {
        "signer": signer,
        "retry_strategy": oci.retry.NoneRetryStrategy(),
        "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
    }
    if endpoint:
        kwargs["service_endpoint"] = endpoint
    return client_class({"region": region} if region else {}, **kwargs)
