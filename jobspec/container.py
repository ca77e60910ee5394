"""What the job container reads from a spec: a view of :func:`jobspec.spec.parse_spec`'s
result, so the container refuses exactly the specs the function and the lint command refuse,
with the same messages. The keys themselves are described in :mod:`jobspec.container_keys`
(a notebook) and :mod:`jobspec.script_keys` (python and script runtimes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from .container_keys import ContainerKeys
from .limits import DEFAULT_MAX_SPEC_BYTES, DEFAULT_SPEC_ENV_VAR
from .script_keys import ScriptKeys
from .spec import parse_spec


@dataclass(frozen=True, kw_only=True)
class ContainerSpec(ContainerKeys):
    """The container's keys of a valid spec, and which dialect it was written in."""

    dialect: str


@dataclass(frozen=True, kw_only=True)
class ScriptSpec(ScriptKeys):
    """The code a valid python or script runtime runs, its arguments (the spec's ``args``),
    and which dialect it was written in."""

    dialect: str
    arguments: tuple[str, ...] = ()


def read_container_spec(data: bytes, *, max_bytes: int = DEFAULT_MAX_SPEC_BYTES,
                        spec_env_var: str = DEFAULT_SPEC_ENV_VAR,
                        launcher_env: Mapping[str, str] | None = None
                        ) -> ContainerSpec | ScriptSpec:
    """Validate ``data`` as the function does and return what the container runs.

    Raises :class:`~jobspec.errors.SpecInvalid` (every problem found) or ``SpecTooLarge``.
    """
    spec = parse_spec(data, max_bytes=max_bytes, spec_env_var=spec_env_var,
                      launcher_env=launcher_env)
    if spec.script is not None:
        return ScriptSpec(dialect=spec.dialect, arguments=spec.arguments or (),
                          **{f.name: getattr(spec.script, f.name) for f in fields(spec.script)})
    keys = spec.container
    if keys is None:  # parse_spec raises before returning a spec without either
        raise AssertionError("a valid spec always has the container's keys")
    return ContainerSpec(dialect=spec.dialect,
                         **{f.name: getattr(keys, f.name) for f in fields(keys)})
