"""Fault injection rules, matched on the OCI operation name after signature verification."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

from .wire import default_error_code

OPERATIONS = frozenset(
    {
        "GetNamespace",
        "CreateBucket",
        "GetBucket",
        "HeadBucket",
        "PutObject",
        "GetObject",
        "HeadObject",
        "DeleteObject",
        "ListObjects",
        "GetJob",
        "CreateJobRun",
        "GetJobRun",
        "ListJobRuns",
        "CancelJobRun",
        "DeleteJobRun",
    }
)

_ids = itertools.count(1)


@dataclass
class FaultRule:
    """What to do to the next ``times`` requests of ``operation`` (``"*"`` = any operation).

    ``delay`` (seconds) is waited first and combines with any one action:
    ``status`` answers that HTTP status with a JSON error (``code``/``message`` optional);
    ``drop`` closes the connection without an answer before the request is processed;
    ``drop_after`` processes the request fully, then closes the connection without an answer.
    ``times=None`` applies forever.
    """

    operation: str = "*"
    status: int | None = None
    code: str | None = None
    message: str | None = None
    delay: float | None = None
    drop: bool = False
    drop_after: bool = False
    times: int | None = 1
    id: int = 0

    def __post_init__(self) -> None:
        if self.operation != "*" and self.operation not in OPERATIONS:
            raise ValueError(
                f"unknown operation {self.operation!r}; expected one of {sorted(OPERATIONS)} or '*'"
            )
        actions = (self.status is not None) + self.drop + self.drop_after
        if actions > 1:
            raise ValueError("a fault rule takes at most one of status, drop, drop_after")
        if actions == 0 and not self.delay:
            raise ValueError("a fault rule needs status, delay, drop or drop_after")
        if self.status is not None:
            if self.status < 400 or self.status not in set(HTTPStatus):
                raise ValueError(f"status must be an HTTP error status, got {self.status}")
            self.code = self.code or default_error_code(self.status)
        if self.delay is not None and self.delay < 0:
            raise ValueError("delay must not be negative")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 or None")
        if not self.id:
            self.id = next(_ids)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        """Build from control-API JSON (camelCase ``dropAfter`` is accepted too)."""
        fields = dict(data)
        if "dropAfter" in fields:
            fields["drop_after"] = fields.pop("dropAfter")
        unknown = set(fields) - {
            "operation",
            "status",
            "code",
            "message",
            "delay",
            "drop",
            "drop_after",
            "times",
        }
        if unknown:
            raise ValueError(f"unknown fault rule fields: {sorted(unknown)}")
        return cls(**fields)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    """Ordered fault rules; the first rule matching an operation is consumed. Not thread-safe."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        self._rules.append(rule)
        return rule

    def clear(self) -> None:
        self._rules.clear()

    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def take(self, operation: str) -> FaultRule | None:
        for rule in self._rules:
            if rule.operation in ("*", operation):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        self._rules.remove(rule)
                return rule
        return None
