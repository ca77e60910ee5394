"""Fixtures of the emulator's own tests: resource-principal variables set in this process
(``rp_set``), a fresh emulator per test (``emulated``) and SDK clients. Named apart from the
suite's fixtures (tests/conftest.py: the session's ``emulator`` and ``rp_env``), whose
``issuer`` they share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import oci
import pytest

from localoci import Emulator, Issuer, write_resource_principal
from tests.support.emulator import BUCKET, COMPARTMENT, JOB, NAMESPACE, NO_RETRIES


@pytest.fixture
def rp_dir(tmp_path: Path) -> Path:
    return tmp_path / "oci-credentials"


@pytest.fixture
def rp_set(issuer: Issuer, rp_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = write_resource_principal(rp_dir, issuer)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def emulated(issuer: Issuer) -> Iterator[Emulator]:
    with Emulator(
        issuer.public_pem, jobs=[JOB], accepted_seconds=0.2, run_seconds=0.4, cancel_seconds=0.5
    ) as running:
        running.create_bucket(NAMESPACE, BUCKET, COMPARTMENT)
        yield running


@pytest.fixture
def signer(rp_set: dict[str, str]) -> Any:
    return oci.auth.signers.get_resource_principals_signer()


@pytest.fixture
def object_storage(emulated: Emulator, signer: Any) -> oci.object_storage.ObjectStorageClient:
    return oci.object_storage.ObjectStorageClient(
        {}, signer=signer, service_endpoint=emulated.url, **NO_RETRIES
    )


@pytest.fixture
def data_science(emulated: Emulator, signer: Any) -> oci.data_science.DataScienceClient:
    return oci.data_science.DataScienceClient(
        {}, signer=signer, service_endpoint=emulated.url, **NO_RETRIES
    )
