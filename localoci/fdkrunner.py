"""Run the function the way OCI Functions does: the fdk process from ``func.yaml``.

The Fn agent starts the container's entrypoint with ``FN_FORMAT=http-stream`` and
``FN_LISTENER=unix:/…/lsnr.sock``, waits for the fdk's symlink to appear, then
sends one ``POST /call`` at a time over that socket with ``Fn-Call-Id`` and
``Fn-Deadline``. API Gateway calls carry ``Fn-Intent: httprequest``,
``Fn-Http-Method``, ``Fn-Http-Request-Url`` and ``Fn-Http-H-*`` headers.
:class:`FunctionProcess` does exactly that, mapping ``/function`` to the
repository and ``/python/bin/fdk`` to the installed fdk script.
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def entrypoint(root: Path = ROOT, fdk: str | None = None) -> list[str]:
    """``func.yaml``'s entrypoint with the image paths mapped onto this machine."""
    fdk = fdk or str(Path(sys.executable).parent / "fdk")
    line = None
    for raw in (root / "func.yaml").read_text().splitlines():
        if raw.startswith("entrypoint:"):
            line = raw.split(":", 1)[1].strip()
    if not line:
        raise RuntimeError("func.yaml has no entrypoint")
    args = shlex.split(line)
    mapped = []
    for arg in args:
        if arg == "/python/bin/fdk":
            arg = fdk
        elif arg.startswith("/function/"):
            arg = str(root / arg[len("/function/"):])
        mapped.append(arg)
    return mapped


def site_less_fdk(python_tree: Path, directory: Path) -> str:
    """An executable standing for the image's ``/python/bin/fdk`` when ``python_tree`` is a
    copy of ``/python`` (``tools/build_payload.py``): its fdk script run by this machine's
    base interpreter with ``-S``, so only the standard library and ``PYTHONPATH`` are on
    the path (no venv, no site-packages), and a module missing from the tree fails here as
    it would in the image. Pass it as ``FunctionProcess(fdk=…)``."""
    python = getattr(sys, "_base_executable", sys.executable)
    wrapper = directory / "fdk"
    wrapper.write_text(f'#!/bin/sh\nexec "{python}" -S "{python_tree / "bin" / "fdk"}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


@dataclass
class Invocation:
    """What the Fn agent got back over the socket."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)

    @property
    def http_status(self) -> int:
        """The status API Gateway would send its client."""
        return int(self.headers.get("fn-http-status", self.status))


def terminate(process: subprocess.Popen | None, timeout: float) -> None:
    """SIGTERM a process still running, SIGKILL it if it outlives ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def deadline_header(seconds: float) -> str:
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FunctionProcess:
    """One function container: start, invoke over the unix socket, stop."""

    def __init__(self, env: dict[str, str], root: Path = ROOT, stderr_path: Path | None = None,
                 fdk: str | None = None):
        self.root = root
        self.fdk = fdk  # what /python/bin/fdk maps to; None: the fdk installed with this Python
        self.env = env
        self._dir = Path(tempfile.mkdtemp(prefix="fn-", dir="/tmp"))
        self.socket_path = str(self._dir / "lsnr.sock")
        self.stderr_path = stderr_path or self._dir / "stderr.log"
        self.process: subprocess.Popen | None = None
        self.spawned_at = self.listening_at = 0.0  # perf_counter() of spawn and of listen

    def start(self, timeout: float = 15.0, poll_interval: float = 0.01) -> FunctionProcess:
        """Spawn the fdk and wait until its socket accepts connections."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPATH": str(self.root),
            "FN_FORMAT": "http-stream",
            "FN_LISTENER": f"unix:{self.socket_path}",
            "FN_APP_ID": "ocid1.fnapp.oc1.phx.localapp",
            "FN_FN_ID": "ocid1.fnfunc.oc1.phx.localfunc",
            "FN_APP_NAME": "local",
            "FN_FN_NAME": "jobrun-launcher",
            "FN_MEMORY": "256",
            "FN_TYPE": "sync",
            **self.env,
        }
        for stale in (self.socket_path, str(self._dir / "phonylsnr.sock")):
            if os.path.lexists(stale):
                os.unlink(stale)
        argv, env = self.spawn_args(env)
        self._stderr = open(self.stderr_path, "ab")  # closed in stop()
        self.spawned_at = time.perf_counter()
        self.process = subprocess.Popen(argv, env=env, cwd=str(self.root),
                                        stdout=self._stderr, stderr=self._stderr)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"fdk exited with {self.process.returncode}: {self.stderr()}")
            if os.path.islink(self.socket_path):  # the fdk links it once it listens
                self.listening_at = time.perf_counter()
                return self
            time.sleep(poll_interval)
        self.stop()
        raise RuntimeError("the fdk did not listen in time")

    def spawn_args(self, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """The command and environment that start the function (a container runner
        overrides this: :class:`localoci.containers.FunctionContainer`)."""
        return entrypoint(self.root, self.fdk), env

    def invoke(self, body: bytes | str | dict = b"", *, call_id: str | None = None,
               deadline_seconds: float = 30.0, headers: dict[str, str] | None = None,
               gateway: tuple[str, str] | None = None,
               client_headers: dict[str, str] | None = None,
               content_type: str = "application/json", timeout: float = 120.0) -> Invocation:
        """POST /call like the Fn agent; ``gateway=(method, url)`` simulates API Gateway."""
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        sent = {
            "Fn-Call-Id": call_id or uuid.uuid4().hex.upper(),
            "Fn-Deadline": deadline_header(deadline_seconds),
            "Content-Type": content_type,
            **(headers or {}),
        }
        if gateway is not None:
            method, url = gateway
            sent.update({"Fn-Intent": "httprequest", "Fn-Http-Method": method,
                         "Fn-Http-Request-Url": url})
            for name, value in (client_headers or {}).items():
                sent[f"Fn-Http-H-{name}"] = value
        conn = _UnixConnection(self.socket_path, timeout)
        started = time.monotonic()
        try:
            conn.request("POST", "/call", body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            return Invocation(response.status, {k.lower(): v for k, v in response.getheaders()},
                              data, time.monotonic() - started)
        finally:
            conn.close()

    def stderr(self) -> str:
        try:
            return Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""

    def rss_kib(self) -> int:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self) -> None:
        terminate(self.process, timeout=5)
        if getattr(self, "_stderr", None):
            self._stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> FunctionProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
