"""oracle-ads, offline: a throwaway API key and OCI config, and no network at all.

ADS is imported once per session (it takes seconds) with its auth pointed at a config file
written here. Every test in this folder runs with socket connects and name lookups replaced:
an attempt raises inside ADS and, even if ADS swallows the error, fails the test afterwards.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class NetworkAttempted(OSError):
    """A test of ADS tried to reach the network."""


@contextmanager
def no_network(attempts: list[str]) -> Iterator[None]:
    def refuse(name: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{name}{args[1:] if name == 'connect' else args[:2]}")
            raise NetworkAttempted(f"network access attempted: {name}")
        return refused

    saved = (socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo,
             socket.create_connection)
    socket.socket.connect = refuse("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse("connect")  # type: ignore[method-assign]
    socket.getaddrinfo = refuse("getaddrinfo")
    socket.create_connection = refuse("create_connection")
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = saved[0], saved[1]  # type: ignore[method-assign]
        socket.getaddrinfo, socket.create_connection = saved[2], saved[3]


def write_api_key_config(folder: Path) -> Path:
    """An OCI config file with a fresh RSA key; nothing it names exists."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = folder / "throwaway_key.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    config = folder / "config"
    config.write_text(
        "[DEFAULT]\n"
        "user=ocid1.user.oc1..aaaaaaaathrowawayuser\n"
        "fingerprint=00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n"
        "tenancy=ocid1.tenancy.oc1..aaaaaaaathrowawaytenancy\n"
        "region=us-phoenix-1\n"
        f"key_file={key_file}\n")
    return config


@pytest.fixture(scope="session")
def ads_auth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Import ADS (offline) and point its API-key auth at a throwaway config."""
    attempts: list[str] = []
    config = write_api_key_config(tmp_path_factory.mktemp("oci-config"))
    with no_network(attempts):
        import ads

        ads.set_auth("api_key", oci_config_location=str(config))
    assert not attempts, f"importing ADS tried the network: {attempts}"
    return config


@pytest.fixture(autouse=True)
def offline() -> Iterator[list[str]]:
    attempts: list[str] = []
    with no_network(attempts):
        yield attempts
    assert not attempts, f"the test tried the network: {attempts}"
