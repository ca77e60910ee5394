"""``${VAR}`` substitution exactly as oracle-ads 2.16 does it.

Environment values (``ads.jobs.env_var_parser``: a ``configparser`` interpolation over the
runtime's own variables, never the process environment):

- ``$$`` is one ``$``; a ``$`` followed by anything but ``$`` or ``{`` stays as it is;
- ``${NAME}`` is NAME's value, itself substituted (at most 10 levels deep);
- ``${envs:NAME}`` is the same (ADS keeps the variables in a section named ``envs``);
- an unknown ``${NAME}`` leaves the REST of the value untouched, ``$$`` included;
- ``${`` without a closing ``}``, ``${}``, or more than one ``:`` is an error in ADS.

The job name (``Template(name).safe_substitute(envs)`` in ``DataScienceJob.create``): Python's
``string.Template`` over the substituted variables: ``$NAME`` and ``${NAME}`` are replaced
when NAME is defined, ``$$`` is ``$``, anything else is left as written.
"""

from __future__ import annotations

import re

# configparser.MAX_INTERPOLATION_DEPTH
MAX_DEPTH = 10
_SECTION = "envs"
_REFERENCE = re.compile(r"\$\{([^}]+)\}")  # configparser.ExtendedInterpolation._KEYCRE


class SubstitutionError(ValueError):
    """A value ADS refuses to substitute: ``name`` is its variable's; the message is safe to
    show (no value text)."""

    def __init__(self, message: str, name: str):
        super().__init__(message)
        self.message, self.name = message, name


class _Refused(ValueError):
    """Why ADS refuses a value, raised while it is substituted (the caller adds the name)."""


def substitute_env(env: dict[str, str]) -> dict[str, str]:
    """Every variable's value with references substituted; raise SubstitutionError naming the
    first variable ADS would fail on."""
    result = {}
    for name, value in env.items():
        parts: list[str] = []
        try:
            _interpolate(value, env, parts, depth=1)
        except _Refused as exc:
            raise SubstitutionError(str(exc), name) from None
        result[name] = "".join(parts)
    return result


def substitute_name(name: str, env: dict[str, str]) -> str:
    if "$" not in name:
        return name
    from string import Template  # only a name with a reference pays for it

    return Template(name).safe_substitute(env)


def _interpolate(rest: str, env: dict[str, str], parts: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _Refused(f"references nest more than {MAX_DEPTH} levels deep "
                       "(does a variable refer to itself?)")
    while rest:
        at = rest.find("$")
        if at < 0:
            parts.append(rest)
            return
        parts.append(rest[:at])
        rest = rest[at:]
        following = rest[1:2]
        if following == "$":
            parts.append("$")
            rest = rest[2:]
        elif following == "{":
            match = _REFERENCE.match(rest)
            if match is None:
                raise _Refused("'${' must be followed by a name and '}' "
                               "(write $$ for a literal $)")
            reference = match.group(1).split(":")
            if len(reference) > 2:
                raise _Refused("a ${…} reference has more than one ':'")
            if len(reference) == 2 and reference[0] != _SECTION:
                target = None  # another configparser section: there is none
            else:
                target = env.get(reference[-1])
            if target is None:
                parts.append(rest)  # ADS leaves everything from here on as written
                return
            rest = rest[match.end():]
            if "$" in target:
                _interpolate(target, env, parts, depth + 1)
            else:
                parts.append(target)
        else:
            parts.append("$")
            rest = rest[1:]
