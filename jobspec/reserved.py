"""Every environment variable name a job run may not set, each with its reason.

A run's variables (a spec's ``env``, a request's ``environmentVariables``) are inputs of the
author's code. They must never reconfigure the job: Data Science's own variables, the
launcher's, the job container's settings, and what the OCI SDK, Python, the dynamic loader,
the C library, shells, proxies and TLS read from the environment. Any of those would let
whoever starts a run change where the container reads its spec and notebook, which code the
process loads, or where the run's resource-principal token is sent.

This is the one list: the spec library (function, lint, container) and the function's
request checks refuse the same names with the same reason (:func:`reserved_reason`). A test
reads every environment lookup in ``job/`` and ``ociplatform/`` and fails when a name read
there is not reserved here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .limits import DEFAULT_SPEC_ENV_VAR, ETAG_ENV_VAR

_DATA_SCIENCE = "it is set by Data Science on every job run"
_LAUNCHER = "it is set by the launcher to the spec the run was created from"
_CONTAINER = "the job container reads it from the job's own configuration"
_LOCAL_MODE = ("the job container reads it from the job's own configuration (local "
               "emulator mode: plain-http endpoints)")
_SHELL = "the process's search path and home are the image's"
_LIBC = "the C library reads it (name resolution, character sets, memory allocation)"
_SHELL_STARTUP = "shells run the file it names"

# Exact names → reason.
NAMES: dict[str, str] = {
    # Data Science, on every job run.
    "TENANCY_OCID": _DATA_SCIENCE,
    "PROJECT_OCID": _DATA_SCIENCE,
    "PROJECT_COMPARTMENT_OCID": _DATA_SCIENCE,
    "JOB_OCID": _DATA_SCIENCE,
    "JOB_COMPARTMENT_OCID": _DATA_SCIENCE,
    "JOB_ARTIFACT_FILE_NAME": _DATA_SCIENCE,
    "JOB_RUN_OCID": _DATA_SCIENCE,
    "JOB_RUN_COMPARTMENT_OCID": _DATA_SCIENCE,
    "FQDN": _DATA_SCIENCE,
    # The launcher: the spec's location (default name) and the eTag it read.
    DEFAULT_SPEC_ENV_VAR: _LAUNCHER,
    ETAG_ENV_VAR: "it is set by the launcher to the eTag of the spec version it read",
    # The job container's own settings (job/settings.py).
    "SPEC_ENV_VAR": _CONTAINER,
    "MAX_SPEC_BYTES": _CONTAINER,
    "MAX_NOTEBOOK_BYTES": _CONTAINER,
    "NOTEBOOK_KERNEL": _CONTAINER,
    "NOTEBOOK_CELL_TIMEOUT_SECONDS": _CONTAINER,
    "NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS": _CONTAINER,
    "OCI_LOCAL_EMULATOR": _LOCAL_MODE,
    # The process: search path, home, temporary files (where the container works).
    "PATH": _SHELL,
    "HOME": _SHELL,
    "TMPDIR": "the job container keeps its working files there",
    # Jupyter and IPython load kernels and startup files from the folders these name.
    "IPYTHONDIR": "IPython runs the startup files of the folder it names",
    # TLS: the certificates every https connection trusts.
    "REQUESTS_CA_BUNDLE": "the OCI SDK (requests) trusts the certificates it names",
    "CURL_CA_BUNDLE": "the OCI SDK (requests) trusts the certificates it names",
    # The C library: name resolution and modules it loads.
    "GCONV_PATH": _LIBC,
    "GLIBC_TUNABLES": _LIBC,
    "HOSTALIASES": _LIBC,
    "LOCALDOMAIN": _LIBC,
    "RES_OPTIONS": _LIBC,
    "LOCPATH": _LIBC,
    "NLSPATH": _LIBC,
    "BASH_ENV": _SHELL_STARTUP,
    "ENV": _SHELL_STARTUP,
}


@dataclass(frozen=True)
class Pattern:
    """Names starting with ``prefix`` (or, with ``suffix``, ending with it)."""

    text: str
    reason: str
    suffix: bool = False
    any_case: bool = False

    @property
    def shown(self) -> str:
        return f"*{self.text}" if self.suffix else f"{self.text}*"

    def matches(self, name: str) -> bool:
        subject, text = (name.upper(), self.text.upper()) if self.any_case else (name, self.text)
        return subject.endswith(text) if self.suffix else subject.startswith(text)


PATTERNS: tuple[Pattern, ...] = (
    Pattern("OCI_", "the OCI SDK and the job container read OCI_* (credentials, endpoints, "
                    "region)"),
    Pattern("PYTHON", "Python reads PYTHON* (module path, startup file, warnings)"),
    Pattern("LD_", "the dynamic loader reads LD_* (libraries loaded into every process)"),
    Pattern("_PROXY", "HTTP clients send every request through the proxy it names "
                      "(any case: http_proxy too)", suffix=True, any_case=True),
    Pattern("SSL_", "TLS reads SSL_* (the certificates every https connection trusts)"),
    Pattern("OPENSSL_", "OpenSSL reads OPENSSL_* (its configuration loads modules)"),
    Pattern("JUPYTER_", "Jupyter finds kernels and configuration where JUPYTER_* points"),
    Pattern("MALLOC_", "the C library's allocator reads MALLOC_*"),
)


def reserved_reason(name: str, launcher: Iterable[str] = ()) -> str | None:
    """Why ``name`` is reserved, or None when a run may set it. ``launcher``: the names the
    launcher sets besides the defaults (its configured ``SPEC_ENV_VAR``)."""
    reason = NAMES.get(name)
    if reason is not None:
        return reason
    if name in launcher:
        return _LAUNCHER
    for pattern in PATTERNS:
        if pattern.matches(name):
            return pattern.reason
    return None


def is_reserved(name: str) -> bool:
    return reserved_reason(name) is not None


def described() -> list[tuple[str, str]]:
    """Every reserved name and pattern with its reason, in the order above (for docs)."""
    return [(name, reason) for name, reason in NAMES.items()] + [
        (pattern.shown, pattern.reason) for pattern in PATTERNS]
