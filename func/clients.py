"""OCI clients, built once per container and handed to the launcher.

The resource-principal signer costs ~30 ms to build and the SDK modules ~200 ms
to import, so both happen once, on first use, and are reused by every warm call.
The v2.2 signer re-reads the token file after a 401, so a cached signer survives
token rotation. The Logging clients only ``logs`` uses are built (and their SDK modules
imported) on its first call, so the other operations' cold start does not pay for them.
Tests hand in their own :class:`Clients` instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ociplatform.clients import (
    SignerUnavailable,
    build_client,
    load_signer,
    resource_principal_signer,
)

from .config import Settings
from .errors import ConfigurationError

T = TypeVar("T")


@dataclass(frozen=True)
class LoggingClients:
    """Logging Search (SearchLogs) and Logging management (GetLogGroup)."""

    search: Any
    management: Any


class Lazy(Generic[T]):
    """A value built by ``factory`` on first :meth:`get`, once, then shared."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._factory()
        return self._value


@dataclass(frozen=True)
class Clients:
    """The OCI clients one container shares across calls (Logging's built on its first use)."""

    object_storage: Any
    data_science: Any
    region: str | None = None
    logging: Lazy[LoggingClients] | None = None


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
        logging=Lazy(lambda: build_logging_clients(settings, signer)),
    )


def build_logging_clients(settings: Settings, signer: Any) -> LoggingClients:
    import oci.logging
    import oci.loggingsearch

    return LoggingClients(
        search=build_client(oci.loggingsearch.LogSearchClient, signer,
                            settings.logging_search_endpoint),
        management=build_client(oci.logging.LoggingManagementClient, signer,
                                settings.logging_endpoint),
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
