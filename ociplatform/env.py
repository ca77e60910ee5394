"""Configuration from environment variables, read the same way by the function and the job.

The function's ``ctx.Config()`` is ``os.environ`` itself, and a job run's environment holds
the resource principal's variables too, so only named variables are read and problems name
the variable, never its value. Callers map :class:`EnvProblem` to their own error once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import overload

from ocirefs.envnames import ENV_NAME

_ENDPOINT = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?\Z")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}\Z")


class EnvProblem(ValueError):
    """A variable is malformed or missing; ``message`` names it and is safe to show."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


class Env:
    """Typed, validated reads of one environment mapping."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ

    def text(self, name: str) -> str | None:
        """The value without surrounding blanks; None when unset or blank."""
        value = self._environ.get(name)
        if value is None or not value.strip():
            return None
        return value.strip()

    def required(self, name: str, hint: str = "") -> str:
        value = self.text(name)
        if value is None:
            raise EnvProblem(name, f"{name} is not set{hint}")
        return value

    @overload
    def whole_number(self, name: str, default: int, low: int, high: int) -> int: ...

    @overload
    def whole_number(self, name: str, default: None, low: int, high: int) -> int | None: ...

    def whole_number(self, name: str, default: int | None, low: int, high: int) -> int | None:
        """A decimal whole number in [low, high]; ``default`` when unset."""
        raw = self.text(name)
        if raw is None:
            return default
        if not _WHOLE_NUMBER.match(raw) or not low <= int(raw) <= high:
            raise EnvProblem(name, f"{name} must be a whole number between {low} and {high}")
        return int(raw)

    def endpoint(self, name: str, *, https_only: bool = False, hint: str = "") -> str | None:
        """An http(s) service endpoint override, without a trailing slash; ``https_only``
        refuses plain http (``hint`` says when it is allowed)."""
        value = self.text(name)
        if value is None:
            return None
        if not _ENDPOINT.match(value):
            raise EnvProblem(name, f"{name} must be an http(s) URL")
        if https_only and not value.lower().startswith("https://"):
            raise EnvProblem(name, f"{name} must be an https URL{hint}")
        return value.rstrip("/")

    def flag(self, name: str) -> bool:
        """``1`` (on) or ``0`` (off); unset is off."""
        value = self.text(name)
        if value is None or value == "0":
            return False
        if value != "1":
            raise EnvProblem(name, f"{name} must be 1 or 0")
        return True

    def variable_name(self, name: str, default: str) -> str:
        """The name of another environment variable (e.g. ``SPEC_ENV_VAR``)."""
        value = self.text(name) or default
        if not ENV_NAME.match(value):
            raise EnvProblem(name, f"{name} must be an environment variable name")
        return value
