"""What a valid spec means: the launcher's part (the job run to create) and the job
container's part (the notebook to run), in one value."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from .container_keys import ContainerKeys
from .script_keys import ScriptKeys

MAX_DISPLAY_NAME = 255


@dataclass(frozen=True)
class Infrastructure:
    """Infrastructure override: only built when the spec names a shape."""

    type: str
    shape_name: str
    subnet_id: str | None = None
    ocpus: float | None = None
    memory_in_gbs: float | None = None
    block_storage_size_in_gbs: int | None = None


@dataclass(frozen=True)
class JobSpec:
    """A valid spec, in either dialect: what a run of the job takes from it."""

    dialect: str
    display_name: str | None = None
    project_id: str | None = None
    compartment_id: str | None = None
    log_group_id: str | None = None
    log_id: str | None = None
    environment: tuple[tuple[str, str], ...] = ()
    arguments: tuple[str, ...] | None = None
    infrastructure: Infrastructure | None = None
    # From the ADS runtime: ADS puts them on the job and on each of its runs.
    maximum_runtime_in_minutes: int | None = None
    freeform_tags: tuple[tuple[str, str], ...] = ()
    # What the job container runs; a spec parse_spec returns has exactly one of them: the
    # notebook (flat dialect, ADS notebook runtime) or the code (ADS python, script runtime).
    container: ContainerKeys | None = None
    script: ScriptKeys | None = None
    # What the spec says that the launcher accepts and leaves alone (shown by validate).
    notes: tuple[str, ...] = ()

    @property
    def command_line_arguments(self) -> str | None:
        """Joined as ADS joins them: each argument shell-quoted, separated by spaces."""
        return None if not self.arguments else shlex.join(self.arguments)
