"""Names and limits every reader of a spec agrees on (function, lint, job container)."""

from __future__ import annotations

from dataclasses import dataclass

# The env var through which a job run receives its spec's location, unless SPEC_ENV_VAR says.
DEFAULT_SPEC_ENV_VAR = "NOTEPAD_YAML_URL"
# The eTag of the spec version the launcher read; the container reads exactly that version.
ETAG_ENV_VAR = "JOB_SPEC_ETAG"
DEFAULT_MAX_SPEC_BYTES = 65536
# A spec is a small text file; more than this is a misconfiguration, not a spec.
MAX_SPEC_BYTES_CEILING = 1024 * 1024
# Cost limits' defaults (the function's MAX_BLOCK_STORAGE_GBS and MAX_RUNTIME_MINUTES).
DEFAULT_MAX_BLOCK_STORAGE_GBS = 1024
DEFAULT_MAX_RUNTIME_MINUTES = 24 * 60


@dataclass(frozen=True)
class CostLimits:
    """What a run may cost, as the function's configuration allows (``ALLOWED_SHAPES``,
    ``MAX_BLOCK_STORAGE_GBS``, ``MAX_RUNTIME_MINUTES``). The function checks specs and
    requests against them; the lint command and the job container don't know them."""

    allowed_shapes: frozenset[str] = frozenset()
    max_block_storage_gbs: int = DEFAULT_MAX_BLOCK_STORAGE_GBS
    max_runtime_minutes: int = DEFAULT_MAX_RUNTIME_MINUTES

    def shape_problem(self) -> str:
        """Why a shape not in ``allowed_shapes`` is refused (the shape is not quoted)."""
        if not self.allowed_shapes:
            return ("names a shape, but this deployment lets no run override the job's shape "
                    "(ALLOWED_SHAPES is empty)")
        return ("is not one of the shapes this deployment allows (ALLOWED_SHAPES: "
                + ", ".join(sorted(self.allowed_shapes)) + ")")

    def block_storage_problem(self) -> str:
        return (f"is more than this deployment allows ({self.max_block_storage_gbs} GB, "
                "MAX_BLOCK_STORAGE_GBS)")

    def runtime_problem(self) -> str:
        return (f"is more than this deployment allows ({self.max_runtime_minutes} minutes, "
                "MAX_RUNTIME_MINUTES)")
