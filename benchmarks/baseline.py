"""The baseline: the bare SDK doing the function's two calls, nothing else.

Run as ``python -m benchmarks.baseline cold|warm`` (``benchmarks/__init__.py`` imports
nothing, and ``-m`` uses the cached byte-code as the fdk does for ``handler.py``), it
imports only what a minimal launcher must: ``oci.data_science``,
``oci.object_storage``, ``yaml`` and ``fdk``. It builds the
resource-principal signer and clients exactly as ``func/clients.py`` does (RP v2.2
from the environment, ``NoneRetryStrategy``, ``NoCircuitBreakerStrategy``,
``service_endpoint``) and makes the function's two calls: ``get_object`` with the
same ``range`` (read in 16 KiB chunks) and ``create_job_run`` with a body of the same
shape and a fresh ``opc_retry_token``.

- ``cold``: one iteration, then ``done <job run id>`` on stdout; the parent times
  spawn → that line.
- ``warm WARMUP``: WARMUP untimed iterations, then one line per request on stdin:
  ``N`` runs N timed iterations and answers one JSON line with their seconds and
  VmRSS after them; an empty line or EOF ends the process. The parent interleaves
  these batches with the function's, so both see the same machine state.

Inputs come from ``BENCH_*`` variables (see :func:`_settings`).
"""

import json
import logging
import os
import sys
import time
import uuid

import fdk  # noqa: F401 - the baseline pays for the fdk import like the function does
import oci.auth.signers
import oci.circuit_breaker
import oci.data_science
import oci.object_storage
import oci.retry
import yaml  # noqa: F401 - and for PyYAML, which parses the spec
from oci.data_science import models

READ_CHUNK = 16 * 1024
# Importing fdk sets the root logger to DEBUG with a stderr handler; like func/logs.py,
# keep the SDK's and urllib3's per-request DEBUG lines out (they cost ~0.1 ms a call).
for _name in ("oci", "urllib3", "requests"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def _settings() -> dict:
    env = os.environ
    return {
        "namespace": env["BENCH_NAMESPACE"],
        "bucket": env["BENCH_BUCKET"],
        "object": env["BENCH_OBJECT"],
        "max_bytes": int(env.get("BENCH_MAX_SPEC_BYTES", "65536")),
        "job": env["JOB_OCID"],
        "project": env["BENCH_PROJECT"],
        "compartment": env["BENCH_COMPARTMENT"],
        "display_name": env["BENCH_DISPLAY_NAME"],
        "spec_env_var": env.get("BENCH_SPEC_ENV_VAR", "NOTEPAD_YAML_URL"),
        "object_storage": env["OCI_OBJECT_STORAGE_ENDPOINT"],
        "data_science": env["OCI_DATA_SCIENCE_ENDPOINT"],
    }


def _clients(settings: dict):
    signer = oci.auth.signers.get_resource_principals_signer()
    common = dict(
        signer=signer,
        retry_strategy=oci.retry.NoneRetryStrategy(),
        circuit_breaker_strategy=oci.circuit_breaker.NoCircuitBreakerStrategy(),
    )
    config = {"region": signer.region}
    return (
        oci.object_storage.ObjectStorageClient(
            config, **common, service_endpoint=settings["object_storage"]),
        oci.data_science.DataScienceClient(
            config, **common, service_endpoint=settings["data_science"]),
    )


def _iteration(settings: dict, object_storage, data_science) -> str:
    response = object_storage.get_object(
        settings["namespace"], settings["bucket"], settings["object"],
        range=f"bytes=0-{settings['max_bytes']}")
    try:
        data = bytearray()
        for chunk in response.data.iter_content(READ_CHUNK):
            data += chunk
    finally:
        response.data.close()
    uri = f"oci://{settings['bucket']}@{settings['namespace']}/{settings['object']}"
    details = models.CreateJobRunDetails(
        project_id=settings["project"],
        compartment_id=settings["compartment"],
        job_id=settings["job"],
        display_name=settings["display_name"],
        job_configuration_override_details=models.DefaultJobConfigurationDetails(
            environment_variables={settings["spec_env_var"]: uri,
                                   "JOB_SPEC_ETAG": response.headers.get("etag", "")},
        ),
        freeform_tags={"trigger": "direct"},
    )
    run = data_science.create_job_run(details, opc_retry_token=uuid.uuid4().hex).data
    return run.id


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "cold"
    settings = _settings()
    object_storage, data_science = _clients(settings)
    if mode == "cold":
        run_id = _iteration(settings, object_storage, data_science)
        print(f"done {run_id}", flush=True)
        return 0
    for _ in range(int(argv[2]) if len(argv) > 2 else 10):
        _iteration(settings, object_storage, data_science)
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        seconds = []
        for _ in range(int(line)):
            started = time.perf_counter()
            _iteration(settings, object_storage, data_science)
            seconds.append(time.perf_counter() - started)
        print(json.dumps({"seconds": seconds, "rss_kib": _rss_kib()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
