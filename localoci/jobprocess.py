"""An executor that really runs each job run: the BYOC entrypoint as a local process.

:class:`ProcessExecutor` starts ``python -m job.runner`` (the job container's entrypoint,
without the container) for every run, with the environment Data Science would give it:
the job's variables overridden by the run's (``NOTEPAD_YAML_URL``, ``JOB_SPEC_ETAG``, …;
merged by :mod:`localoci.datascience` as Data Science merges them), Data Science's own
(``JOB_RUN_OCID``, …) and resource-principal credentials issued by the emulator's trusted
issuer. Nothing is forced over the run's variables: the job's own configuration points
the container at the emulator (:func:`local_job_configuration`: its
``OCI_OBJECT_STORAGE_ENDPOINT`` and ``OCI_LOCAL_EMULATOR=1``), as a real job's
configuration would, so tests see what production sees. A run then reads its spec and
notebook from the emulator's buckets and writes its outputs back there.

State mapping (``poll``): ACCEPTED while provisioning (``provisioning_seconds`` before the
process starts, like Data Science preparing the instance; 0 by default), then running →
ACCEPTED for ``accepted_seconds``, then IN_PROGRESS;
exit 0 → SUCCEEDED; any other exit → FAILED with ``lifecycleDetails`` =
``Job run failed: the job exited with code N. <last stderr line>`` (truncated). Real Data
Science reports only the exit code there; the last stderr line is what its log would show.
``cancel`` sends SIGTERM to the run's process group (the runner and its kernel), then
SIGKILL after ``kill_after`` seconds. Every method returns at once: a thread per run
waits for its exit. Each run's stdout and stderr are kept in ``work_dir/run-<n>/``
(see :meth:`ProcessExecutor.log`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .executors import Progress, RunInfo
from .wire import utcnow

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COMMAND = (sys.executable, "-m", "job.runner")
MAX_DETAILS = 400
_TAIL_BYTES = 8192


def local_job_configuration(endpoint: str) -> dict[str, Any]:
    """A job's ``jobConfigurationDetails`` for runs against the emulator at ``endpoint``:
    the container's Object Storage endpoint and its explicit local mode (plain http).
    Runs can't override either: the names are reserved (``jobspec.reserved``)."""
    return {"jobType": "DEFAULT", "environmentVariables": {
        "OCI_OBJECT_STORAGE_ENDPOINT": endpoint, "OCI_LOCAL_EMULATOR": "1"}}


@dataclass
class _Run:
    folder: Path
    spawned_at: datetime
    process: subprocess.Popen | None = None
    error: str | None = None
    finished_at: datetime | None = None
    returncode: int | None = None
    canceled: bool = False
    final: Progress | None = None
    timers: list[threading.Timer] = field(default_factory=list)


@dataclass(frozen=True)
class RunLog:
    """What a run printed, and its exit code (None while it runs)."""

    stdout: str
    stderr: str
    returncode: int | None


def last_line(text: str) -> str:
    for line in reversed(text.splitlines()):
        if line.strip():
            return line.strip()
    return ""


def failure_details(returncode: int, stderr_tail: str, limit: int = MAX_DETAILS) -> str:
    """``lifecycleDetails`` of a run that exited with ``returncode`` (non-zero)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        text = f"Job run failed: the job was killed by {name}."
    else:
        text = f"Job run failed: the job exited with code {returncode}."
    line = last_line(stderr_tail)
    if line:
        text = f"{text} {line}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ProcessExecutor:
    """Runs every job run as a local process (see the module docstring).

    ``credentials`` are the ``OCI_RESOURCE_PRINCIPAL_*`` variables of the runs (what
    :func:`localoci.credentials.write_resource_principal` returns).
    """

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        command: Sequence[str] = DEFAULT_COMMAND,
        cwd: Path = ROOT,
        work_dir: Path | None = None,
        accepted_seconds: float = 0.3,
        provisioning_seconds: float = 0.0,
        kill_after: float = 5.0,
    ) -> None:
        self.credentials = dict(credentials)
        self.command = list(command)
        self.cwd = Path(cwd)
        self._own_work_dir = work_dir is None
        self._work_dir = None if work_dir is None else Path(work_dir)
        self.accepted = timedelta(seconds=accepted_seconds)
        self.provisioning_seconds = provisioning_seconds
        self.kill_after = kill_after
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()

    @property
    def work_dir(self) -> Path:
        """Where runs keep their logs: ``work_dir`` or, made on first use, a temporary folder."""
        if self._work_dir is None:
            self._work_dir = Path(tempfile.mkdtemp(prefix="localoci-runs-"))
        return self._work_dir

    # Executor protocol ---------------------------------------------------------------------

    def start(self, run: RunInfo, env: Mapping[str, str]) -> None:
        with self._lock:
            folder = self.work_dir / f"run-{len(self._runs) + 1}"
            record = _Run(folder=folder, spawned_at=utcnow())
            self._runs[run.id] = record
        if not self.provisioning_seconds:
            self._spawn(record, env)
            return
        timer = threading.Timer(self.provisioning_seconds, self._spawn, (record, dict(env)))
        timer.daemon = True
        with self._lock:
            record.timers.append(timer)
        timer.start()

    def _spawn(self, record: _Run, env: Mapping[str, str]) -> None:
        """Start the run's process (after ``provisioning_seconds``, unless canceled by then)."""
        folder = record.folder
        with self._lock:
            if record.canceled:
                return
            record.spawned_at = utcnow()
        try:
            (folder / "home").mkdir(parents=True, exist_ok=True)
            (folder / "tmp").mkdir(exist_ok=True)
            argv, process_env = self.spawn_args(folder, env)
            with open(folder / "stdout.log", "wb") as stdout, \
                    open(folder / "stderr.log", "wb") as stderr:
                record.process = subprocess.Popen(
                    argv, cwd=str(self.cwd), env=process_env,
                    stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                    start_new_session=True)
        except OSError as exc:
            record.error = f"the job could not be started ({type(exc).__name__})"
            return
        threading.Thread(target=self._wait, args=(record,), name=f"jobrun-{folder.name}",
                         daemon=True).start()

    def spawn_args(self, folder: Path, run_env: Mapping[str, str]
                   ) -> tuple[list[str], dict[str, str]]:
        """The command and environment of one run (a container runner overrides this:
        :class:`localoci.containers.ContainerExecutor`)."""
        return self.command, self._environment(folder, run_env)

    def poll(self, run: RunInfo) -> Progress:
        now = utcnow()
        with self._lock:
            record = self._runs.get(run.id)
            if record is None:
                return Progress("FAILED", "Job run failed: it was never started.", None, now)
            if record.final is not None:
                return record.final
            started = record.spawned_at + self.accepted
            if record.error is not None:
                record.final = Progress("FAILED", f"Job run failed: {record.error}.",
                                        record.spawned_at, record.spawned_at)
                return record.final
            if record.process is None:  # still provisioning
                return Progress("ACCEPTED")
            if record.finished_at is None:
                if now < started:
                    return Progress("ACCEPTED")
                return Progress("IN_PROGRESS", time_started=started)
            finished = record.finished_at
            started = min(started, finished)
            returncode = record.returncode
        if returncode == 0:
            final = Progress("SUCCEEDED", None, started, finished)
        else:
            final = Progress("FAILED", failure_details(returncode, self._tail(record)),
                             started, finished)
        with self._lock:
            record.final = record.final or final
            return record.final

    def cancel(self, run: RunInfo) -> None:
        with self._lock:
            record = self._runs.get(run.id)
            if record is None or record.finished_at is not None:
                return
            record.canceled = True
            if record.process is None:  # canceled while provisioning: never start it
                for pending in record.timers:
                    pending.cancel()
                return
            self._signal(record, signal.SIGTERM)
            timer = threading.Timer(self.kill_after, self._signal, (record, signal.SIGKILL))
            timer.daemon = True
            record.timers.append(timer)
        timer.start()

    # inspection and clean-up ---------------------------------------------------------------

    def log(self, run_id: str) -> RunLog:
        with self._lock:
            record = self._runs[run_id]
            returncode = record.returncode
        return RunLog(_read(record.folder / "stdout.log"), _read(record.folder / "stderr.log"),
                      returncode)

    def wait(self, run_id: str, timeout: float | None = None) -> int | None:
        """Wait for a run's process to end; its exit code (None if it did not start)."""
        with self._lock:
            process = self._runs[run_id].process
        return None if process is None else process.wait(timeout)

    def close(self) -> None:
        """Stop every process still running and remove the work folder if it is ours."""
        with self._lock:
            records = list(self._runs.values())
        for record in records:
            for timer in record.timers:
                timer.cancel()
            process = record.process
            if process is None or process.poll() is not None:
                continue
            self._signal(record, signal.SIGTERM)
            try:
                process.wait(self.kill_after)
            except subprocess.TimeoutExpired:
                self._signal(record, signal.SIGKILL)
                process.wait()
        if self._own_work_dir and self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # internals -----------------------------------------------------------------------------

    def _environment(self, folder: Path, run_env: Mapping[str, str]) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": str(folder / "home"),
            "TMPDIR": str(folder / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(self.cwd),
            "PYTHONUNBUFFERED": "1",
            **{name: str(value) for name, value in run_env.items()},
        }
        env.update(self.credentials)
        return env

    def _wait(self, record: _Run) -> None:
        assert record.process is not None
        returncode = record.process.wait()
        with self._lock:
            record.returncode = returncode
            record.finished_at = utcnow()
            for timer in record.timers:
                timer.cancel()

    def _signal(self, record: _Run, signum: int) -> None:
        process = record.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def _tail(self, record: _Run) -> str:
        path = record.folder / "stderr.log"
        try:
            with open(path, "rb") as handle:
                handle.seek(max(0, path.stat().st_size - _TAIL_BYTES))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
