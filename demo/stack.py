"""The local stack behind the demo and ``make serve``: emulator, credentials, function.

Everything it makes lives in one temporary folder (``jobrun-demo-*``: resource-principal
keys, the job runs' logs and working folders) or belongs to a process it started; ``close()``
stops the processes and removes the folder, and runs on every way out, Ctrl-C and SIGTERM
included (see :func:`stop_on_signals`).
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from localoci.containers import ContainerExecutor, Engine, FunctionContainer
from localoci.credentials import Issuer, write_resource_principal
from localoci.fdkrunner import ROOT, FunctionProcess
from localoci.jobprocess import ProcessExecutor, local_job_configuration
from localoci.server import Emulator

NAMESPACE = "localns"
BUCKET = "specs"
OUTPUT_BUCKET = "notebook-output"
NOTEBOOK = ROOT / "examples/notebooks/hello.ipynb"
NOTEBOOK_OBJECT = f"notebooks/{NOTEBOOK.name}"
SPEC_PREFIX = "notebooks/"
JOB = {
    "id": "ocid1.datasciencejob.oc1.phx.amaaaaaademojob",
    "projectId": "ocid1.datascienceproject.oc1.phx.amaaaaaademoproject",
    "compartmentId": "ocid1.compartment.oc1..aaaaaaaademocompartment",
    "displayName": "notebook-runner (BYOC)",
    # Every run logs (Data Science creates a log per run in this group), so that a failed
    # run's output can be read back with the function's logs operation.
    "jobLogConfigurationDetails": {
        "enableLogging": True, "enableAutoLogCreation": True,
        "logGroupId": "ocid1.loggroup.oc1.phx.amaaaaaademologgroup"},
}
WORK_PREFIX = "jobrun-demo-"


@dataclass(frozen=True)
class Images:
    """The two built images and the engine that runs them (``make demo DEMO_ARGS=--images``)."""

    engine: Engine
    function: str
    job: str


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: a BaseException, like KeyboardInterrupt, so no ``except
    Exception`` swallows it on the way to the clean-up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _signal_handler(handler: Any) -> Iterator[None]:
    """``handler`` for SIGINT and SIGTERM while inside; the previous handlers after."""
    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread while inside."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    with _signal_handler(interrupt):
        yield


@contextmanager
def signals_ignored() -> Iterator[None]:
    """A second Ctrl-C must not cut the clean-up short and leave keys or processes behind."""
    if threading.current_thread() is not threading.main_thread():  # only it gets signals
        yield
        return
    with _signal_handler(signal.SIG_IGN):
        yield


class LocalStack:
    """``with LocalStack(execute=True) as stack:`` → ``stack.emulator``, ``stack.start_function()``.

    ``execute``: job runs are ``python -m job.runner`` processes (the job container's
    entrypoint) reading from and writing to the emulator; otherwise the emulator only moves
    each run's state in time and ends it with ``outcome`` after ``run_seconds``.
    ``images``: the function and the job runs are containers of the built images instead.
    """

    def __init__(self, *, execute: bool, outcome: str = "SUCCEEDED", run_seconds: float = 3.0,
                 provisioning_seconds: float = 2.0, images: Images | None = None) -> None:
        self.execute = execute
        self.images = images
        self.outcome = outcome
        self.run_seconds = run_seconds
        self.provisioning_seconds = provisioning_seconds
        self.work: Path | None = None
        self.rp_env: dict[str, str] = {}
        self.executor: ProcessExecutor | None = None
        self._emulator: Emulator | None = None
        self._functions: list[FunctionProcess] = []

    @property
    def emulator(self) -> Emulator:
        if self._emulator is None:
            raise RuntimeError("the local stack is not started")
        return self._emulator

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX))
        issuer = Issuer.generate()
        self.rp_env = write_resource_principal(self.work / "rp", issuer)
        if self.execute:
            jobrun_rp = write_resource_principal(self.work / "jobrun-rp", issuer)
            if self.images is not None:
                self.executor = ContainerExecutor(
                    self.images.engine, self.images.job, jobrun_rp, work_dir=self.work / "runs",
                    provisioning_seconds=self.provisioning_seconds)
            else:
                self.executor = ProcessExecutor(
                    jobrun_rp, work_dir=self.work / "runs",
                    provisioning_seconds=self.provisioning_seconds)
            self._emulator = Emulator(issuer.public_pem, namespace=NAMESPACE, jobs=[JOB],
                                      executor=self.executor)
        else:
            self._emulator = Emulator(issuer.public_pem, namespace=NAMESPACE, jobs=[JOB],
                                      accepted_seconds=1.0, run_seconds=self.run_seconds,
                                      outcome=self.outcome)
        self._emulator.start()
        if self.executor is not None:
            # The job's own configuration points its container at the emulator, as a real
            # job's would at Object Storage; runs can't override it (reserved names).
            self._emulator.add_job(
                {**JOB, "jobConfigurationDetails": local_job_configuration(self._emulator.url)})
        for bucket in (BUCKET, OUTPUT_BUCKET):
            self._emulator.create_bucket(NAMESPACE, bucket)

    def function_env(self, **extra: str) -> dict[str, str]:
        """The function's configuration: the demo job, the emulator's endpoints, specs
        allowed only under ``oci://specs@localns/notebooks/``, and its resource principal."""
        return {"JOB_OCID": JOB["id"], "OCI_DATA_SCIENCE_ENDPOINT": self.emulator.url,
                "OCI_OBJECT_STORAGE_ENDPOINT": self.emulator.url,
                "OCI_LOGGING_ENDPOINT": self.emulator.url,
                "OCI_LOGGING_SEARCH_ENDPOINT": self.emulator.url,
                "SPEC_ALLOWLIST": f"oci://{BUCKET}@{NAMESPACE}/{SPEC_PREFIX}",
                **self.rp_env, **extra}

    def start_function(self, **extra_env: str) -> FunctionProcess:
        """The fdk process from ``func.yaml`` (or the function image's container), stopped
        by ``close()``."""
        function = (FunctionProcess(self.function_env(**extra_env)) if self.images is None
                    else FunctionContainer(self.images.engine, self.images.function,
                                           self.function_env(**extra_env)))
        self._functions.append(function)
        return function.start()

    def close(self) -> None:
        """Stop the function(s), the job runs and the emulator; remove the folder. Idempotent."""
        with signals_ignored():
            while self._functions:
                self._functions.pop().stop()
            if self.executor is not None:
                self.executor.close()
            if self._emulator is not None:
                self._emulator.stop()
            if self.work is not None:
                shutil.rmtree(self.work, ignore_errors=True)
                self.work = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
