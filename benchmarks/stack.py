"""What every figure runs against: the emulator as its own process, RP credentials, a spec.

The emulator runs as its own process (``python -m localoci serve``) so that its CPU
work (signature checks, JSON) never shares a GIL with whatever is being measured: the
function process and the baseline process both talk to it over TCP, on equal terms. Runs stay
IN_PROGRESS for ever (``--run-seconds none``) so the lifecycle costs nothing, and
:meth:`Stack.reset` empties the run table and request log between phases.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from localoci import Issuer, write_resource_principal
from localoci.fdkrunner import ROOT, terminate

NAMESPACE = "localns"
BUCKET = "specs"
OBJECT = "bench/daily-report.yaml"
JOB_OCID = "ocid1.datasciencejob.oc1.phx.amaaaaaabenchjob"
PROJECT = "ocid1.datascienceproject.oc1.phx.amaaaaaabenchproject"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaabenchcompartment"
DISPLAY_NAME = "daily-report"
# projectId and compartmentId are in the spec, so a run is exactly GetObject + CreateJobRun
# (no GetJob), the same two calls the baseline makes.
SPEC = f"""\
noteBook: https://example.com/notebooks/daily-report.ipynb
jobName: {DISPLAY_NAME}
projectId: {PROJECT}
compartmentId: {COMPARTMENT}
outputFolder: oci://notebook-output@{NAMESPACE}/daily-report/
""".encode()
RUN_BODY = {"specLocation": f"oci://{BUCKET}@{NAMESPACE}/{OBJECT}"}
BASELINE_SCRIPT = Path(__file__).resolve().parent / "baseline.py"
FLOOR_HANDLER = Path(__file__).resolve().parent / "floor_handler.py"


class BenchError(RuntimeError):
    """The set-up or a call failed: the figures would be meaningless."""


@dataclass
class Stack:
    """Emulator process + credentials + the spec object, in a private temp dir."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-")))
    url: str = ""
    rp_env: dict[str, str] = field(default_factory=dict)
    latency_s: float = 0.0
    _emulator: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> Stack:
        issuer = Issuer.generate()
        public = self.workdir / "issuer.pub"
        public.write_bytes(issuer.public_pem)
        self.rp_env = write_resource_principal(self.workdir / "rp", issuer)
        ready = self.workdir / "url.txt"
        job = {"id": JOB_OCID, "projectId": PROJECT, "compartmentId": COMPARTMENT,
               "displayName": "bench-job"}
        self._log = open(self.workdir / "emulator.log", "ab")  # closed in stop()
        self._emulator = subprocess.Popen(
            [sys.executable, "-m", "localoci", "serve",
             "--issuer-public-key", str(public), "--port", "0", "--ready-file", str(ready),
             "--job", json.dumps(job), "--bucket", BUCKET, "--namespace", NAMESPACE,
             "--accepted-seconds", "0", "--run-seconds", "none"],
            cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=self._log)
        end = time.monotonic() + timeout
        while not ready.exists():
            if self._emulator.poll() is not None or time.monotonic() > end:
                self.stop()
                raise BenchError("the emulator did not start; see its log")
            time.sleep(0.02)
        self.url = ready.read_text().strip()
        self.control("PUT", f"objects/{BUCKET}/{OBJECT}", SPEC, "application/x-yaml")
        return self

    def stop(self) -> None:
        terminate(self._emulator, timeout=10)
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the emulator's unsigned control API --------------------------------------------

    def control(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/json"):
        request = urllib.request.Request(f"{self.url}/_localoci/{path}", data=body,
                                         method=method, headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
        return json.loads(data) if data else None

    def reset(self) -> None:
        """Forget runs, retry tokens and the request log (the spec object stays).

        The service latency set with :meth:`set_latency` stays too.
        """
        self.control("POST", "reset")
        if self.latency_s:
            rules = [{"operation": op, "delay": self.latency_s, "times": None}
                     for op in ("GetObject", "CreateJobRun")]
            self.control("POST", "faults", json.dumps(rules).encode())

    def set_latency(self, seconds: float) -> None:
        """Make every GetObject and CreateJobRun take ``seconds`` longer, as a real
        service's network and processing time would."""
        self.latency_s = seconds
        self.reset()

    def state(self) -> dict:
        return self.control("GET", "state")

    # -- what the function and the baseline are started with ---------------------------

    def function_env(self) -> dict[str, str]:
        """The function's configuration, as tests/conftest.py gives it."""
        return {"JOB_OCID": JOB_OCID, "OCI_DATA_SCIENCE_ENDPOINT": self.url,
                "OCI_OBJECT_STORAGE_ENDPOINT": self.url, **self.rp_env}

    def baseline_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The same variables the fdk process gets, plus what the baseline reads."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPATH": str(ROOT),
            **self.function_env(),
            "BENCH_NAMESPACE": NAMESPACE, "BENCH_BUCKET": BUCKET, "BENCH_OBJECT": OBJECT,
            "BENCH_PROJECT": PROJECT, "BENCH_COMPARTMENT": COMPARTMENT,
            "BENCH_DISPLAY_NAME": DISPLAY_NAME,
            **(extra or {}),
        }

    def baseline_command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "benchmarks.baseline", *args]

    def floor_root(self) -> Path:
        """A function directory whose handler is :mod:`benchmarks.floor_handler`."""
        root = self.workdir / "floor"
        (root / "func").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "func.yaml", root / "func.yaml")
        shutil.copyfile(FLOOR_HANDLER, root / "func" / "handler.py")
        return root

    def floor_env(self) -> dict[str, str]:
        env = self.baseline_env({"BENCH_BASELINE": str(BASELINE_SCRIPT)})
        for name in ("PATH", "HOME", "PYTHONPATH"):  # FunctionProcess sets these
            env.pop(name)
        return env


def status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (``VmRSS``, ``VmHWM``: peak RSS)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def check_run(invocation) -> str:
    """The job run id of a successful ``run`` answer; BenchError otherwise."""
    try:
        body = invocation.json()
    except ValueError:
        body = {}
    if invocation.status != 200 or not body.get("ok") or body.get("operation") != "run":
        raise BenchError(f"the function did not launch a run: HTTP {invocation.status} "
                         f"{invocation.body[:300]!r}")
    return body["jobRunId"]
