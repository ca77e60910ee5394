"""Function configuration (CONTRACT.md §2), read once from the environment.

``ctx.Config()`` is ``os.environ`` itself, so configuration, platform variables
and credentials share one namespace: only the names below are read, and values
are never logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from jobspec.limits import (
    DEFAULT_MAX_SPEC_BYTES,
    DEFAULT_SPEC_ENV_VAR,
    ENV_NAME,
    MAX_SPEC_BYTES_CEILING,
)
from jobspec.locations import SpecLocation, parse_allow_entry
from jobspec.ocids import is_ocid

from .errors import ConfigurationError

_ENDPOINT = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?\Z")


@dataclass(frozen=True)
class Settings:
    job_ocid: str
    spec_allowlist: tuple[SpecLocation, ...] = ()
    spec_env_var: str = DEFAULT_SPEC_ENV_VAR
    max_spec_bytes: int = DEFAULT_MAX_SPEC_BYTES
    data_science_endpoint: str | None = None
    object_storage_endpoint: str | None = None
    max_active_runs: int | None = None
    error_status: int = 200

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Validate every variable; the first problem raises ConfigurationError."""

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value is not None and value.strip() else None

        job_ocid = get("JOB_OCID")
        if job_ocid is None:
            raise ConfigurationError("JOB_OCID is not set", field="JOB_OCID")
        if not is_ocid(job_ocid, "datasciencejob"):
            raise ConfigurationError(
                "JOB_OCID must be a Data Science job OCID (ocid1.datasciencejob.…)",
                field="JOB_OCID",
            )

        allowlist: list[SpecLocation] = []
        raw_allow = get("SPEC_ALLOWLIST")
        if raw_allow is not None:
            for entry in raw_allow.split(","):
                if not entry.strip():
                    continue
                try:
                    allowlist.append(parse_allow_entry(entry.strip()))
                except ValueError as exc:
                    raise ConfigurationError(
                        f"SPEC_ALLOWLIST entry is invalid: {exc}", field="SPEC_ALLOWLIST"
                    ) from None
            if not allowlist:
                raise ConfigurationError("SPEC_ALLOWLIST is empty", field="SPEC_ALLOWLIST")

        spec_env_var = get("SPEC_ENV_VAR") or DEFAULT_SPEC_ENV_VAR
        if not ENV_NAME.match(spec_env_var):
            raise ConfigurationError(
                "SPEC_ENV_VAR must be an environment variable name", field="SPEC_ENV_VAR"
            )

        max_spec_bytes = _int(get("MAX_SPEC_BYTES"), "MAX_SPEC_BYTES", DEFAULT_MAX_SPEC_BYTES,
                              1, MAX_SPEC_BYTES_CEILING)
        max_active = get("MAX_ACTIVE_RUNS")
        max_active_runs = None if max_active in (None, "0", "off") else _int(
            max_active, "MAX_ACTIVE_RUNS", 0, 1, 10000)

        error_status = _int(get("ERROR_STATUS"), "ERROR_STATUS", 200, 200, 502)
        if error_status not in (200, 502):
            raise ConfigurationError("ERROR_STATUS must be 200 or 502", field="ERROR_STATUS")

        endpoints = {}
        for name in ("OCI_DATA_SCIENCE_ENDPOINT", "OCI_OBJECT_STORAGE_ENDPOINT"):
            value = get(name)
            if value is not None and not _ENDPOINT.match(value):
                raise ConfigurationError(f"{name} must be an http(s) URL", field=name)
            endpoints[name] = value.rstrip("/") if value else None

        return cls(
            job_ocid=job_ocid,
            spec_allowlist=tuple(allowlist),
            spec_env_var=spec_env_var,
            max_spec_bytes=max_spec_bytes,
            data_science_endpoint=endpoints["OCI_DATA_SCIENCE_ENDPOINT"],
            object_storage_endpoint=endpoints["OCI_OBJECT_STORAGE_ENDPOINT"],
            max_active_runs=max_active_runs,
            error_status=error_status,
        )


def _int(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise ConfigurationError(f"{name} must be a whole number", field=name)
    value = int(raw)
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}", field=name)
    return value
