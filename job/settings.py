"""The job run's environment, read once and validated before anything is fetched.

Data Science sets ``JOB_RUN_OCID`` and the ``OCI_RESOURCE_PRINCIPAL_*`` variables on every
run; the launcher function adds the spec location (``$SPEC_ENV_VAR``, default
``NOTEPAD_YAML_URL``) and ``JOB_SPEC_ETAG``. The rest are optional knobs set on the job
(or per run). Problems name the variable, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from jobspec.limits import DEFAULT_MAX_SPEC_BYTES, DEFAULT_SPEC_ENV_VAR, ENV_NAME, ETAG_ENV_VAR
from jobspec.locations import LocationError, SpecLocation, parse_location
from jobspec.ocids import is_ocid

from .errors import ConfigurationProblem

DEFAULT_MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
DEFAULT_KERNEL = "python3"
DEFAULT_DOWNLOAD_TIMEOUT = 60
_ENDPOINT = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?\Z")
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
    def from_env(cls, env: Mapping[str, str]) -> RunnerSettings:
        """Validate the variables; the first problem raises :class:`ConfigurationProblem`."""

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value is not None and value.strip() else None

        spec_env_var = get("SPEC_ENV_VAR") or DEFAULT_SPEC_ENV_VAR
        if not ENV_NAME.match(spec_env_var):
            raise ConfigurationProblem("SPEC_ENV_VAR must be an environment variable name")
        raw_location = get(spec_env_var)
        if raw_location is None:
            raise ConfigurationProblem(
                f"{spec_env_var} is not set: start this job through the launcher function, "
                "or set it to the spec's oci://bucket@namespace/object")
        try:
            location = parse_location(raw_location)
        except LocationError as exc:
            raise ConfigurationProblem(f"{spec_env_var} is not a spec location: {exc}") from None

        run_ocid = get("JOB_RUN_OCID")
        if run_ocid is None:
            raise ConfigurationProblem("JOB_RUN_OCID is not set (Data Science sets it on "
                                       "every job run)")
        if not is_ocid(run_ocid, "datasciencejobrun"):
            raise ConfigurationProblem("JOB_RUN_OCID is not a job run OCID "
                                       "(ocid1.datasciencejobrun.…)")

        endpoint = get("OCI_OBJECT_STORAGE_ENDPOINT")
        if endpoint is not None and not _ENDPOINT.match(endpoint):
            raise ConfigurationProblem("OCI_OBJECT_STORAGE_ENDPOINT must be an http(s) URL")
        kernel = get("NOTEBOOK_KERNEL") or DEFAULT_KERNEL
        if not _KERNEL_NAME.match(kernel):
            raise ConfigurationProblem("NOTEBOOK_KERNEL must be a kernel name such as python3")

        return cls(
            spec_env_var=spec_env_var,
            spec_location=location,
            spec_etag=get(ETAG_ENV_VAR),
            job_run_ocid=run_ocid,
            max_spec_bytes=_int(get("MAX_SPEC_BYTES"), "MAX_SPEC_BYTES",
                                DEFAULT_MAX_SPEC_BYTES, 1, 1024 * 1024),
            max_notebook_bytes=_int(get("MAX_NOTEBOOK_BYTES"), "MAX_NOTEBOOK_BYTES",
                                    DEFAULT_MAX_NOTEBOOK_BYTES, 1, 1024 * 1024 * 1024),
            object_storage_endpoint=endpoint.rstrip("/") if endpoint else None,
            kernel_name=kernel,
            cell_timeout_seconds=_int(get("NOTEBOOK_CELL_TIMEOUT_SECONDS"),
                                      "NOTEBOOK_CELL_TIMEOUT_SECONDS", None, 1, 7 * 24 * 3600),
            download_timeout_seconds=_int(get("NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS"),
                                          "NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS",
                                          DEFAULT_DOWNLOAD_TIMEOUT, 1, 3600),
        )


def _int(raw: str | None, name: str, default, low: int, high: int):
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,10}", raw) or not low <= int(raw) <= high:
        raise ConfigurationProblem(f"{name} must be a whole number between {low} and {high}")
    return int(raw)
