"""A job run's custom environment variables: names Data Science allows and no one else
reserves (:mod:`jobspec.reserved`), values that are strings, the ADS ``env`` forms (a list of
``{name, value}`` or a mapping) and its limits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ocirefs.envnames import ENV_NAME

from .chars import character_problem
from .document import Path, show
from .keys import ENV_ITEM
from .problems import Checker, type_name
from .reserved import reserved_reason

MAX_ENV_TOTAL = 20000


def env_problem(name: Any, launcher: Iterable[str] = ()) -> str | None:
    """Why ``name`` can't be a custom environment variable of a job run, or None.

    ``launcher``: the variables the launcher sets under configured names (its
    ``SPEC_ENV_VAR``); the defaults are reserved whatever the configuration.
    """
    if not isinstance(name, str) or not ENV_NAME.match(name):
        return "environment variable names must match [A-Za-z_][A-Za-z0-9_]*"
    reason = reserved_reason(name, launcher)
    if reason is not None:
        return f"{show((name,))} can't be set by a run: {reason}"
    return None


def env_value_problem(value: str) -> str | None:
    """Why a variable's value can't be carried (tab and newline are fine), or None."""
    return character_problem(value, keep_tab_newline=True)


def env_size(env: Iterable[tuple[str, str]]) -> int:
    return sum(len(name) + len(value) for name, value in env)


def read_env(value: Any, path: Path, check: Checker, reserved: frozenset[str]
             ) -> dict[str, tuple[Path, str]] | None:
    """``env`` as written → name → (path of the value, raw value); None if any is invalid."""
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
        value_problem = env_value_problem(item)
        if value_problem:
            check.problem(value_path, value_problem)
            continue
        if name in env:
            check.problem(name_path, f"{show((name,))} is set twice")
            continue
        env[name] = (value_path, item)
    return None if check.count > before else env
