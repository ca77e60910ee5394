"""A job run's custom environment variables: names Data Science allows, values that are
strings, the ADS ``env`` forms (a list of ``{name, value}`` or a mapping) and its limits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ocirefs.envnames import ENV_NAME

from .document import Path, show
from .keys import ENV_ITEM
from .problems import Checker, type_name

MAX_ENV_TOTAL = 20000
# Set by Data Science on every run; a job run may not override them.
RESERVED_ENV = frozenset({
    "TENANCY_OCID", "PROJECT_OCID", "PROJECT_COMPARTMENT_OCID", "JOB_OCID",
    "JOB_COMPARTMENT_OCID", "JOB_ARTIFACT_FILE_NAME", "JOB_RUN_OCID",
    "JOB_RUN_COMPARTMENT_OCID", "FQDN",
})
RESERVED_ENV_PREFIXES = ("OCI_RESOURCE_PRINCIPAL_",)


def env_problem(name: Any, reserved: frozenset[str]) -> str | None:
    """Why ``name`` can't be a custom environment variable of a job run, or None."""
    if not isinstance(name, str) or not ENV_NAME.match(name):
        return "environment variable names must match [A-Za-z_][A-Za-z0-9_]*"
    if name in RESERVED_ENV or name.startswith(RESERVED_ENV_PREFIXES):
        return f"{show((name,))} is set by Data Science and can't be overridden"
    if name in reserved:
        return f"{name} is set by the launcher and can't be overridden"
    return None


def env_size(env: Iterable[tuple[str, str]]) -> int:
    return sum(len(name) + len(value) for name, value in env)


def read_env(value: Any, path: Path, check: Checker, reserved: frozenset[str]
             ) -> dict[str, tuple[Path, str]] | None:
    """``env`` as written → name → (path of the name, raw value); None if any is invalid."""
    if value is None:
        return {}
    before = check.count
    entries: list[tuple[Path, Path, Any, Any]] = []  # name path, value path, name, value
    if isinstance(value, dict):
        for name, item in value.items():
            entries.append(((*path, name), (*path, name), name, item))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            at = (*path, i)
            if not isinstance(item, dict):
                check.problem(at, f"expected a mapping with name and value, got "
                                  f"{type_name(item)}")
                continue
            fields = ENV_ITEM.read(item, at, check)
            for key in ("name", "value"):
                if key not in fields.found:
                    check.problem(fields.at(key), "is required")
            if "name" in fields.found and "value" in fields.found:
                entries.append((fields.at("name"), fields.at("value"),
                                fields.get("name"), fields.get("value")))
    else:
        check.problem(path, f"expected a list of {{name, value}} or a mapping, got "
                            f"{type_name(value)}")
        return None

    env: dict[str, tuple[Path, str]] = {}
    for name_path, value_path, name, item in entries:
        problem = env_problem(name, reserved)
        if problem:
            check.problem(name_path, problem)
            continue
        if item is None:
            check.problem(value_path, "expected a string, got null; write '' for an empty value")
            continue
        if check.typed(item, value_path, str, "string") is None:
            continue
        if name in env:
            check.problem(name_path, f"{show((name,))} is set twice")
            continue
        env[name] = (value_path, item)
    return None if check.count > before else env
