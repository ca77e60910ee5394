"""Function configuration (README: "Configuration"), read once from the environment.

``ctx.Config()`` is ``os.environ`` itself, so configuration, platform variables
and credentials share one namespace: only the names below are read, and values
are never logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from jobspec.limits import (
    DEFAULT_MAX_BLOCK_STORAGE_GBS,
    DEFAULT_MAX_RUNTIME_MINUTES,
    DEFAULT_MAX_SPEC_BYTES,
    DEFAULT_SPEC_ENV_VAR,
    MAX_SPEC_BYTES_CEILING,
    CostLimits,
)
from ociplatform.env import Env, EnvProblem
from ocirefs.locations import SpecLocation, parse_allow_entry
from ocirefs.ocids import is_ocid

from .errors import ConfigurationError

# Data Science's shape names: VM.Standard.E4.Flex, BM.GPU.H100.8, …
_SHAPE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}\Z")
# Bounds of the cost limits themselves: block storage starts at Data Science's 50 GB; the
# ceilings only catch a misplaced digit.
MIN_BLOCK_STORAGE_GBS, MAX_BLOCK_STORAGE_CEILING = 50, 100_000
MAX_RUNTIME_CEILING = 10 * 365 * 24 * 60


@dataclass(frozen=True)
class Settings:
    """The function's configuration, parsed and checked once from its environment."""

    job_ocid: str
    spec_allowlist: tuple[SpecLocation, ...] = ()
    spec_env_var: str = DEFAULT_SPEC_ENV_VAR
    max_spec_bytes: int = DEFAULT_MAX_SPEC_BYTES
    data_science_endpoint: str | None = None
    object_storage_endpoint: str | None = None
    logging_search_endpoint: str | None = None
    logging_endpoint: str | None = None
    max_active_runs: int | None = None
    error_status: int = 200
    cost_limits: CostLimits = field(default_factory=CostLimits)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Validate every variable; the first problem raises ConfigurationError."""
        try:
            return cls._read(Env(environ))
        except EnvProblem as problem:
            raise ConfigurationError(problem.message, field=problem.name) from None

    @classmethod
    def _read(cls, env: Env) -> Settings:
        job_ocid = env.required("JOB_OCID")
        if not is_ocid(job_ocid, "datasciencejob"):
            raise EnvProblem("JOB_OCID",
                             "JOB_OCID must be a Data Science job OCID (ocid1.datasciencejob.…)")

        allowlist: list[SpecLocation] = []
        raw_allow = env.text("SPEC_ALLOWLIST")
        if raw_allow is not None:
            for entry in raw_allow.split(","):
                if not entry.strip():
                    continue
                try:
                    allowlist.append(parse_allow_entry(entry.strip()))
                except ValueError as exc:
                    raise EnvProblem("SPEC_ALLOWLIST",
                                     f"SPEC_ALLOWLIST entry is invalid: {exc}") from None
            if not allowlist:
                raise EnvProblem("SPEC_ALLOWLIST", "SPEC_ALLOWLIST is empty")

        # "0" and "off" say so explicitly; unset is off too.
        max_active_runs = None
        if env.text("MAX_ACTIVE_RUNS") not in (None, "0", "off"):
            max_active_runs = env.whole_number("MAX_ACTIVE_RUNS", None, 1, 10000)

        error_status = env.whole_number("ERROR_STATUS", 200, 200, 502)
        if error_status not in (200, 502):
            raise EnvProblem("ERROR_STATUS", "ERROR_STATUS must be 200 or 502")

        shapes = []
        for shape in (env.text("ALLOWED_SHAPES") or "").split(","):
            if not shape.strip():
                continue
            if not _SHAPE_NAME.match(shape.strip()):
                raise EnvProblem("ALLOWED_SHAPES", "ALLOWED_SHAPES must be comma-separated "
                                 "shape names (VM.Standard.E4.Flex, …)")
            shapes.append(shape.strip())
        cost_limits = CostLimits(
            allowed_shapes=frozenset(shapes),
            max_block_storage_gbs=env.whole_number(
                "MAX_BLOCK_STORAGE_GBS", DEFAULT_MAX_BLOCK_STORAGE_GBS, MIN_BLOCK_STORAGE_GBS,
                MAX_BLOCK_STORAGE_CEILING),
            max_runtime_minutes=env.whole_number(
                "MAX_RUNTIME_MINUTES", DEFAULT_MAX_RUNTIME_MINUTES, 1, MAX_RUNTIME_CEILING),
        )

        return cls(
            job_ocid=job_ocid,
            spec_allowlist=tuple(allowlist),
            spec_env_var=env.variable_name("SPEC_ENV_VAR", DEFAULT_SPEC_ENV_VAR),
            max_spec_bytes=env.whole_number("MAX_SPEC_BYTES", DEFAULT_MAX_SPEC_BYTES, 1,
                                            MAX_SPEC_BYTES_CEILING),
            data_science_endpoint=env.endpoint("OCI_DATA_SCIENCE_ENDPOINT"),
            object_storage_endpoint=env.endpoint("OCI_OBJECT_STORAGE_ENDPOINT"),
            logging_search_endpoint=env.endpoint("OCI_LOGGING_SEARCH_ENDPOINT"),
            logging_endpoint=env.endpoint("OCI_LOGGING_ENDPOINT"),
            max_active_runs=max_active_runs,
            error_status=error_status,
            cost_limits=cost_limits,
        )
