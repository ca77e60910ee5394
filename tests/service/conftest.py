"""The function in-process with fake OCI clients (what a caller sends and what comes back),
and the job side's fixtures (an emulator whose runs are ``python -m job.runner`` processes)."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from func.app import App, Reply
from func.clients import ClientProvider, Clients
from func.triggers import Headers, RawCall
from ociplatform.retry import RetryPolicy
from tests.process.job.conftest import (  # noqa: F401 - the job side's fixtures, for the end-to-end tests
    job_emulator,
    job_executor,
    job_fn,
    job_oci,
    job_rp_env,
    runner_env,
)
from tests.support.fakes import JOB_OCID, FakeDataScience, FakeObjectStorage

NAMESPACE, BUCKET = "ns", "specs"
SPEC = "team/daily.yaml"
LOCATION = f"oci://{BUCKET}@{NAMESPACE}/{SPEC}"


@dataclass
class Function:
    """One function container (App) over fake Object Storage and Data Science."""

    storage: FakeObjectStorage
    science: FakeDataScience
    app: App

    def put_spec(self, data: bytes, name: str = SPEC) -> str:
        return self.storage.put(NAMESPACE, BUCKET, name, data)

    def direct(self, body: Any, call_id: str = "CALL-1") -> Reply:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.app.handle(RawCall(data), call_id=call_id)

    def gateway(self, body: Any, *, path: str = "/v1/runs", call_id: str = "CALL-1",
                headers: Mapping[str, str] | None = None) -> Reply:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        client_headers = {"Content-Type": "application/json", **(headers or {})}
        call = RawCall(data, headers=Headers({"fn-intent": "httprequest"}),
                       http_headers=Headers(client_headers), method="POST", request_url=path)
        return self.app.handle(call, call_id=call_id)

    def tokens(self) -> list[str]:
        return [call.kwargs["opc_retry_token"] for call in self.science.calls
                if call.method == "create_job_run"]


def make_function(**env: str) -> Function:
    storage, science = FakeObjectStorage(), FakeDataScience()
    provider = ClientProvider(lambda settings: Clients(storage, science, "us-phoenix-1"))
    app = App(env={"JOB_OCID": JOB_OCID, **env}, provider=provider,
              policy=RetryPolicy(rng=random.Random(1), sleep=lambda seconds: None))
    return Function(storage, science, app)


@pytest.fixture
def function() -> Function:
    return make_function()
