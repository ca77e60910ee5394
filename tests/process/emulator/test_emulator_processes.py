"""The oci CLI against the emulator, and the emulator run as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import oci
import pytest
import requests

import localoci
from localoci import Emulator
from tests.support.emulator import BUCKET, COMPARTMENT, JOB, NAMESPACE, NO_RETRIES, run_details

OCI_CLI = Path(sys.executable).parent / "oci"
REPO_ROOT = Path(localoci.__file__).resolve().parent.parent


def oci_cli(emulator_url: str, env: dict[str, str], *args: str) -> Any:
    completed = subprocess.run(
        [str(OCI_CLI), *args, "--endpoint", emulator_url, "--auth", "resource_principal"],
        env={**os.environ, **env, "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout) if completed.stdout.strip() else None


def test_oci_cli_round_trip(
    emulated: Emulator,
    rp_set: dict[str, str],
    data_science: oci.data_science.DataScienceClient,
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.yaml"
    source.write_bytes("noteBook: ü.ipynb\n".encode())
    target = tmp_path / "out.yaml"
    name = "nested dir/daily+1.yaml"

    created = oci_cli(
        emulated.url,
        rp_set,
        "os",
        "bucket",
        "create",
        "--namespace",
        NAMESPACE,
        "--name",
        "cli-bucket",
        "--compartment-id",
        COMPARTMENT,
    )
    put = oci_cli(
        emulated.url,
        rp_set,
        "os",
        "object",
        "put",
        "--namespace",
        NAMESPACE,
        "--bucket-name",
        BUCKET,
        "--file",
        str(source),
        "--name",
        name,
        "--force",
    )
    oci_cli(
        emulated.url,
        rp_set,
        "os",
        "object",
        "get",
        "--namespace",
        NAMESPACE,
        "--bucket-name",
        BUCKET,
        "--name",
        name,
        "--file",
        str(target),
    )
    run_id = data_science.create_job_run(run_details()).data.id
    run = oci_cli(emulated.url, rp_set, "data-science", "job-run", "get", "--job-run-id", run_id)

    assert created["data"]["name"] == "cli-bucket"
    assert put["etag"]
    assert target.read_bytes() == source.read_bytes()
    assert run["data"]["id"] == run_id
    assert run["data"]["lifecycle-state"] in ("ACCEPTED", "IN_PROGRESS", "SUCCEEDED")
    assert emulated.unauthorized_count == 0
    operations = [entry["operation"] for entry in emulated.requests()]
    assert operations[:2] == ["CreateBucket", "PutObject"]
    assert "GetObject" in operations and operations[-1] == "GetJobRun"


def wait_for(path: Path, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)
    return path.read_text().strip()


def test_serve_as_a_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "localoci"]
    credentials = subprocess.run(
        [
            *command,
            "credentials",
            "--issuer-key",
            str(tmp_path / "issuer.pem"),
            "--public-key-out",
            str(tmp_path / "issuer.pub"),
            "--dir",
            str(tmp_path / "rp"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    rp_set = dict(line.split("=", 1) for line in credentials.stdout.splitlines())
    for name, value in rp_set.items():
        monkeypatch.setenv(name, value)
    ready = tmp_path / "ready"
    server = subprocess.Popen(
        [
            *command,
            "serve",
            "--port",
            "0",
            "--issuer-public-key",
            str(tmp_path / "issuer.pub"),
            "--ready-file",
            str(ready),
            "--job",
            json.dumps(JOB),
            "--bucket",
            BUCKET,
            "--run-seconds",
            "none",
            "--retry-token-mismatch",
            "return_first",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = wait_for(ready)
        assert url.startswith("http://127.0.0.1:")
        signer = oci.auth.signers.get_resource_principals_signer()
        storage = oci.object_storage.ObjectStorageClient(
            {}, signer=signer, service_endpoint=url, **NO_RETRIES
        )
        science = oci.data_science.DataScienceClient(
            {}, signer=signer, service_endpoint=url, **NO_RETRIES
        )

        storage.put_object(NAMESPACE, BUCKET, "spec.yaml", b"jobName: x\n")
        assert storage.get_object(NAMESPACE, BUCKET, "spec.yaml").data.content == b"jobName: x\n"
        first = science.create_job_run(run_details(), opc_retry_token="k").data.id
        other = science.create_job_run(run_details(display_name="y"), opc_retry_token="k").data.id
        assert other == first
        state = requests.get(f"{url}/_localoci/state", timeout=5).json()
        assert [run["id"] for run in state["jobRuns"]] == [first]
        assert state["unauthorizedCount"] == 0
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=10)
    assert server.returncode == 0, stderr
    assert stdout.strip() == url
