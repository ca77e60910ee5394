"""oci-cli against the emulator, as a user would type it, with failures said in one line."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

OCI = str(Path(sys.executable).parent / "oci")


class OciCliFailed(Exception):
    """oci-cli exited non-zero; ``status``/``code`` come from its ServiceError, if any."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class OciCli:
    """``OciCli(endpoint, env).run([...])``: the parsed JSON answer, or OciCliFailed.

    ``shown`` maps values to shell variables in the echoed command (the run OCID to
    ``$JOB_RUN_ID``) so what is printed stays short and can still be pasted after an
    ``export``.
    """

    def __init__(self, endpoint: str, env: dict[str, str]) -> None:
        self.endpoint = endpoint
        self.env = env
        self.shown: dict[str, str] = {}

    def run(self, args: list[str], *, echo: bool = True, timeout: float = 120) -> Any:
        tail = ["--endpoint", self.endpoint, "--auth", "resource_principal"]
        if echo:
            print("   $ " + " ".join(self._shown(part) for part in ["oci", *args, *tail]),
                  flush=True)
        try:
            result = subprocess.run([OCI, *args, *tail], env=self.env, capture_output=True,
                                    text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise OciCliFailed(f"oci {' '.join(args[:3])} did not answer in {timeout:.0f} s"
                               ) from None
        if result.returncode != 0:
            raise failure(args, result.stderr)
        return json.loads(result.stdout) if result.stdout.strip() else None


    def _shown(self, part: str) -> str:
        replaced = part
        for value, variable in self.shown.items():
            replaced = replaced.replace(value, variable)
        if replaced == part:
            return shlex.quote(part)
        return '"' + replaced + '"'  # double quotes: the shell expands the variable


def failure(args: list[str], stderr: str) -> OciCliFailed:
    """One line from oci-cli's stderr: a ServiceError's status, code and message, or the
    last line it printed (never the whole dump: it holds request ids and endpoints)."""
    command = "oci " + " ".join(part for part in args[:3] if not part.startswith("-"))
    start = stderr.find("{")
    if stderr.lstrip().startswith("ServiceError") and start >= 0:
        try:
            error = json.loads(stderr[start:])
        except ValueError:
            error = None
        if isinstance(error, dict):
            status, code = error.get("status"), error.get("code")
            message = str(error.get("message") or "").strip()
            return OciCliFailed(f"{command}: {status} {code}" + (f" — {message}" if message
                                                                  else ""),
                                status if isinstance(status, int) else None,
                                str(code) if code else None)
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return OciCliFailed(f"{command} failed: {lines[-1] if lines else 'no message'}")
