"""What the spec library raises. Callers map these once, at their own edge: the function to
its ``InvalidSpec`` / ``SpecTooLarge`` answers, the job container to its exit code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: the field's path as written in the YAML, and why."""

    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class SpecError(ValueError):
    """Base class; ``message`` is safe to show (never spec text)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class SpecInvalid(SpecError):
    """The spec is not valid; ``problems`` lists every problem found, in document order."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        if not problems:
            raise ValueError("SpecInvalid needs at least one problem")
        self.problems = tuple(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(str(first) + more, field=first.field)


class SpecTooLarge(SpecError):
    """The spec is larger than the configured limit."""
