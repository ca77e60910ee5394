"""The two images run as OCI runs them, on this machine's container engine (podman or Docker).

- :func:`find_engine` → an :class:`Engine` (podman preferred, then Docker, whichever can
  answer ``info``), or the reason there is none;
- :class:`FunctionContainer`: the function image started as OCI Functions starts it: its own
  ENTRYPOINT, a read-only root file system with a writable ``/tmp``, uid 1000, 256 MiB where
  the engine can limit memory, ``FN_FORMAT=http-stream`` and ``FN_LISTENER`` on a socket in a
  mounted folder (``/tmp/iofs``, as the Fn agent mounts it), the resource-principal files
  mounted read-only. It is a :class:`~localoci.fdkrunner.FunctionProcess`: invoked the same
  way, over the same socket;
- :class:`ContainerExecutor`: a :class:`~localoci.jobprocess.ProcessExecutor` whose runs are
  containers of the job image, with the environment the process executor would give the
  process (the host's own ``PATH``, ``HOME``, ``TMPDIR`` and ``PYTHONPATH`` left out: the
  image has its own) and the credentials mounted read-only.

Both reach the emulator on the host's loopback (``--network host``). What these hosts need
(``--runtime runc``, ulimits no higher than the host's) is in :meth:`Engine.command`.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fdkrunner import FunctionProcess
from .jobprocess import ProcessExecutor

ENGINES = ("podman", "docker")
FN_UID = "1000:1000"  # OCI Functions runs the container as fn (uid/gid 1000)
FN_MEMORY = "256m"  # func.yaml's memory
SOCKET_DIR = "/tmp/iofs"  # where the Fn agent mounts the folder of FN_LISTENER's socket
CREDENTIALS_DIR = "/oci-rp"  # where the containers see the resource-principal files
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# Host-only variables ProcessExecutor sets for a local process; the image has its own.
HOST_ONLY = frozenset({"PATH", "HOME", "TMPDIR", "PYTHONPATH"})
# The resource-principal variables that name files (the others are values).
CREDENTIAL_FILES = ("OCI_RESOURCE_PRINCIPAL_RPST", "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM")


class NoEngine(RuntimeError):
    """No container engine can run here (the message says what was tried)."""


def _limit(value: int) -> str:
    return "-1" if value == resource.RLIM_INFINITY else str(value)


def _pid_max() -> int:
    try:
        return int(Path("/proc/sys/kernel/pid_max").read_text())
    except (OSError, ValueError):
        return 32768  # the kernel's default


def _within(value: int, ceiling: int) -> int:
    return ceiling if value == resource.RLIM_INFINITY else min(value, ceiling)


@dataclass(frozen=True)
class Engine:
    """A container engine's command line, with what this host needs."""

    name: str
    path: str
    runtime: str | None = None  # podman: --runtime (runc where crun can't run)

    def command(self, *args: str) -> list[str]:
        """``podman [--runtime runc] <args>`` or ``docker <args>``."""
        head = [self.path]
        if self.runtime:
            head += ["--runtime", self.runtime]
        return head + list(args)

    def limits(self) -> list[str]:
        """podman's ``--ulimit`` no higher than this process's own limits: its defaults
        (nofile 1048576) are refused where the host's hard limit is lower ("error setting
        rlimit … operation not permitted"). nproc is also kept within the kernel's pid_max:
        more processes than PIDs buys nothing, and such hosts refuse it too."""
        if self.name != "podman":
            return []
        flags = []
        for name, which in (("nofile", resource.RLIMIT_NOFILE), ("nproc", resource.RLIMIT_NPROC)):
            soft, hard = resource.getrlimit(which)
            if which == resource.RLIMIT_NPROC:
                soft, hard = (_within(value, _pid_max()) for value in (soft, hard))
            flags += ["--ulimit", f"{name}={_limit(soft)}:{_limit(hard)}"]
        return flags

    def run(self, *args: str, timeout: float = 120.0, check: bool = True,
            input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(self.command(*args), capture_output=True, timeout=timeout,
                              check=check, input=input)

    def image_exists(self, image: str) -> bool:
        done = self.run("image", "inspect", "--format", "{{.Id}}", image, check=False)
        return done.returncode == 0

    def inspect(self, image: str, template: str) -> str:
        return self.run("image", "inspect", "--format", template, image).stdout.decode().strip()

    def remove_container(self, name: str) -> None:
        self.run("rm", "--force", name, check=False, timeout=60)

    def can_limit_memory(self, image: str) -> bool:
        """Whether ``--memory`` works here (cgroup memory controller), tried once."""
        key = (self, image)
        if key not in _MEMORY_PROBES:
            done = self.run("run", "--rm", "--network", "host", *self.limits(),
                            "--memory", FN_MEMORY, "--entrypoint", "true", image,
                            check=False)
            _MEMORY_PROBES[key] = done.returncode == 0
        return _MEMORY_PROBES[key]


_MEMORY_PROBES: dict[tuple[Engine, str], bool] = {}


def _works(argv: list[str]) -> str | None:
    """None when ``argv`` succeeds, else the reason (its last line of output)."""
    try:
        done = subprocess.run(argv, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit {done.returncode}"


def find_engine() -> Engine:
    """The first engine of ``CONTAINER_ENGINE`` (or podman, docker) that answers ``info``.
    podman runs with runc when it is installed: crun refuses hosts whose cgroups are in
    hybrid mode, runc does not. Raises :class:`NoEngine` with what was tried."""
    wanted = os.environ.get("CONTAINER_ENGINE")
    tried = []
    for name in ([wanted] if wanted else ENGINES):
        path = shutil.which(name)
        if path is None:
            tried.append(f"{name}: not installed")
            continue
        runtime = None
        if name == "podman":
            runtime = os.environ.get("CONTAINER_RUNTIME") or (
                "runc" if shutil.which("runc") or os.path.exists("/usr/sbin/runc") else None)
        engine = Engine(name, path, runtime)
        problem = _works(engine.command("info"))
        if problem is None:
            return engine
        tried.append(f"{name}: `{name} info` failed ({problem})")
    raise NoEngine("no container engine can run here: " + "; ".join(tried))


def readable_credentials(rp_env: Mapping[str, str], folder: Path) -> tuple[dict[str, str], Path]:
    """Copies of the resource-principal files readable by the container's uid, and the
    environment naming them where the containers see them (:data:`CREDENTIALS_DIR`)."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    env = dict(rp_env)
    for name in CREDENTIAL_FILES:
        source = Path(rp_env.get(name) or "")
        try:
            if not source.is_absolute() or not source.is_file():
                continue  # absent, or a value rather than a file (the RPST may be inline)
        except OSError:  # e.g. an inline token longer than a file name may be
            continue
        target = folder / source.name
        shutil.copyfile(source, target)
        target.chmod(0o644)  # test credentials; OCI mounts its own for the fn user
        env[name] = f"{CREDENTIALS_DIR}/{source.name}"
    return env, folder


class FunctionContainer(FunctionProcess):
    """The function image as OCI Functions runs it (see the module docstring).

    ``env`` is the function's configuration and resource principal, as for
    :class:`FunctionProcess`; ``stderr()`` is what the container printed.
    """

    def __init__(self, engine: Engine, image: str, env: dict[str, str],
                 memory_limit: bool = True):
        super().__init__(env)
        self.engine = engine
        self.image = image
        self.name = f"jobrun-fn-{uuid.uuid4().hex[:12]}"
        self.memory_limit = memory_limit and engine.can_limit_memory(image)
        # the mounted folder holds only the socket: uid 1000 creates it there
        self._socket_dir = self._dir / "iofs"
        self._socket_dir.mkdir(mode=0o777)
        self._socket_dir.chmod(0o777)
        self.socket_path = str(self._socket_dir / "lsnr.sock")

    def start(self, timeout: float = 60.0, poll_interval: float = 0.01) -> FunctionContainer:
        super().start(timeout=timeout, poll_interval=poll_interval)
        return self

    def spawn_args(self, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        credentials, folder = readable_credentials(self.env, self._dir / "rp")
        fn_env = {name: value for name, value in env.items() if name not in HOST_ONLY}
        fn_env.update({name: value for name, value in credentials.items()
                       if name not in HOST_ONLY})
        fn_env["FN_LISTENER"] = f"unix:{SOCKET_DIR}/{Path(self.socket_path).name}"
        argv = self.engine.command(
            "run", "--rm", "--name", self.name, "--network", "host", *self.engine.limits(),
            "--read-only", "--tmpfs", "/tmp:rw,mode=1777", "--user", FN_UID,
            *(["--memory", FN_MEMORY] if self.memory_limit else []),
            "--volume", f"{self._socket_dir}:{SOCKET_DIR}",
            "--volume", f"{folder}:{CREDENTIALS_DIR}:ro",
            *[arg for name in sorted(fn_env) for arg in ("--env", name)],
            self.image)
        # `--env NAME` takes the value from the engine's own environment: no value on the
        # command line, where any local user could read it.
        return argv, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **fn_env}

    def stop(self) -> None:
        super().stop()  # removes the folder, credentials included
        self.engine.remove_container(self.name)


class ContainerExecutor(ProcessExecutor):
    """Job runs as containers of ``image`` (see the module docstring)."""

    def __init__(self, engine: Engine, image: str, credentials: Mapping[str, str],
                 **options: Any) -> None:
        super().__init__(credentials, **options)
        self.engine = engine
        self.image = image
        self._names: list[str] = []

    def spawn_args(self, folder: Path, run_env: Mapping[str, str]
                   ) -> tuple[list[str], dict[str, str]]:
        full = self._environment(folder, run_env)
        readable, mounted = readable_credentials(
            {name: full[name] for name in CREDENTIAL_FILES if name in full},
            folder / "credentials")
        job_env = {name: value for name, value in full.items() if name not in HOST_ONLY}
        job_env.update(readable)
        name = f"jobrun-job-{uuid.uuid4().hex[:12]}"
        self._names.append(name)
        argv = self.engine.command(
            "run", "--rm", "--name", name, "--network", "host", *self.engine.limits(),
            "--volume", f"{mounted}:{CREDENTIALS_DIR}:ro",
            *[arg for key in sorted(job_env) for arg in ("--env", key)],
            self.image)
        return argv, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **job_env}

    def close(self) -> None:
        super().close()
        for name in self._names:
            self.engine.remove_container(name)
        self._names.clear()
