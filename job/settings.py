"""The job run's environment, read once and validated before anything is fetched.

Data Science sets ``JOB_RUN_OCID`` and the ``OCI_RESOURCE_PRINCIPAL_*`` variables on every
run; the launcher function adds the spec location (``$SPEC_ENV_VAR``, default
``NOTEPAD_YAML_URL``) and ``JOB_SPEC_ETAG``. The rest are optional knobs of the job's own
configuration: every name read here is reserved (:mod:`jobspec.reserved`), so a run's
variables can't change them. Service endpoints must be https unless the job's
configuration says ``OCI_LOCAL_EMULATOR=1`` (the local emulator speaks plain http): the
run's resource-principal token goes to whatever endpoint is configured. Problems name the
variable, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from jobspec.limits import (
    DEFAULT_MAX_SPEC_BYTES,
    DEFAULT_SPEC_ENV_VAR,
    ETAG_ENV_VAR,
    MAX_SPEC_BYTES_CEILING,
)
from ociplatform.env import Env, EnvProblem
from ocirefs.locations import LocationError, SpecLocation, parse_location
from ocirefs.ocids import is_ocid

from .errors import ConfigurationProblem

DEFAULT_MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
DEFAULT_KERNEL = "python3"
DEFAULT_DOWNLOAD_TIMEOUT = 60
_KERNEL_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}\Z")


@dataclass(frozen=True)
class RunnerSettings:
    spec_env_var: str
    spec_location: SpecLocation
    spec_etag: str | None
    job_run_ocid: str
    max_spec_bytes: int = DEFAULT_MAX_SPEC_BYTES
    max_notebook_bytes: int = DEFAULT_MAX_NOTEBOOK_BYTES
    object_storage_endpoint: str | None = None
    kernel_name: str = DEFAULT_KERNEL
    cell_timeout_seconds: int | None = None
    download_timeout_seconds: int = DEFAULT_DOWNLOAD_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RunnerSettings:
        """Validate the variables; the first problem raises :class:`ConfigurationProblem`."""
        try:
            return cls._read(Env(environ))
        except EnvProblem as problem:
            raise ConfigurationProblem(problem.message) from None

    @classmethod
    def _read(cls, env: Env) -> RunnerSettings:
        spec_env_var = env.variable_name("SPEC_ENV_VAR", DEFAULT_SPEC_ENV_VAR)
        raw_location = env.required(
            spec_env_var, ": start this job through the launcher function, or set it to the "
            "spec's oci://bucket@namespace/object")
        try:
            location = parse_location(raw_location)
        except LocationError as exc:
            raise EnvProblem(spec_env_var,
                             f"{spec_env_var} is not a spec location: {exc}") from None

        run_ocid = env.required("JOB_RUN_OCID", " (Data Science sets it on every job run)")
        if not is_ocid(run_ocid, "datasciencejobrun"):
            raise EnvProblem("JOB_RUN_OCID",
                             "JOB_RUN_OCID is not a job run OCID (ocid1.datasciencejobrun.…)")

        local_emulator = env.flag("OCI_LOCAL_EMULATOR")
        endpoint = env.endpoint("OCI_OBJECT_STORAGE_ENDPOINT", https_only=not local_emulator,
                                hint=" (plain http only with OCI_LOCAL_EMULATOR=1 in the "
                                     "job's configuration, for the local emulator)")
        kernel = env.text("NOTEBOOK_KERNEL") or DEFAULT_KERNEL
        if not _KERNEL_NAME.match(kernel):
            raise EnvProblem("NOTEBOOK_KERNEL",
                             "NOTEBOOK_KERNEL must be a kernel name such as python3")

        return cls(
            spec_env_var=spec_env_var,
            spec_location=location,
            spec_etag=env.text(ETAG_ENV_VAR),
            job_run_ocid=run_ocid,
            max_spec_bytes=env.whole_number("MAX_SPEC_BYTES", DEFAULT_MAX_SPEC_BYTES, 1,
                                            MAX_SPEC_BYTES_CEILING),
            max_notebook_bytes=env.whole_number("MAX_NOTEBOOK_BYTES",
                                                DEFAULT_MAX_NOTEBOOK_BYTES, 1, 1024 ** 3),
            object_storage_endpoint=endpoint,
            kernel_name=kernel,
            cell_timeout_seconds=env.whole_number("NOTEBOOK_CELL_TIMEOUT_SECONDS", None, 1,
                                                  7 * 24 * 3600),
            download_timeout_seconds=env.whole_number("NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS",
                                                      DEFAULT_DOWNLOAD_TIMEOUT, 1, 3600),
        )
