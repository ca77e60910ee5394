"""OCI clients, built once per container and handed to the launcher.

The resource-principal signer costs ~30 ms to build and the SDK modules ~200 ms
to import, so both happen once, on first use, and are reused by every warm call.
The v2.2 signer re-reads the token file after a 401, so a cached signer survives
token rotation. Tests hand in their own :class:`Clients` instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ociplatform.clients import (
    SignerUnavailable,
    build_client,
    load_signer,
    resource_principal_signer,
)

from .config import Settings
from .errors import ConfigurationError


@dataclass(frozen=True)
class Clients:
    object_storage: Any
    data_science: Any
    region: str | None = None


def build_clients(settings: Settings,
                  signer_factory: Callable[[], Any] = resource_principal_signer) -> Clients:
    import oci.data_science
    import oci.object_storage

    try:
        signer = load_signer(signer_factory)
    except SignerUnavailable as problem:
        raise ConfigurationError(f"the function's {problem.message}") from None
    return Clients(
        object_storage=build_client(oci.object_storage.ObjectStorageClient, signer,
                                    settings.object_storage_endpoint),
        data_science=build_client(oci.data_science.DataScienceClient, signer,
                                  settings.data_science_endpoint),
        region=getattr(signer, "region", None),
    )


class ClientProvider:
    """Lazily builds :class:`Clients` once and returns the same instance after."""

    def __init__(self, factory: Callable[[Settings], Clients] = build_clients) -> None:
        self._factory = factory
        self._clients: Clients | None = None
        self._lock = threading.Lock()

    def get(self, settings: Settings) -> Clients:
        if self._clients is None:
            with self._lock:
                if self._clients is None:
                    self._clients = self._factory(settings)
        return self._clients
