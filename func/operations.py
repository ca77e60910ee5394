"""Every operation, declared once: its name, request type, API Gateway route, success status
and handler.

The router (:mod:`func.triggers`) reads the routes from here, so the unknown-route message,
the ``Allow`` header of a 405 and the fields each operation may carry all follow this table;
the service (:mod:`func.service`) runs the handler and answers with the status. A direct
call names its operation in the body (``{"operation": "<name>"}``; ``run`` when left out).
``api/openapi.yaml``, ``docs/reference.md`` and the Terraform gateway routes are tested
against it (tests/unit/test_operations.py).

A new operation is one entry here, its request type in :mod:`func.request` and its handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from . import runs, runstates
from .request import (
    CancelRequest,
    ListRequest,
    LogsRequest,
    Origin,
    RunRequest,
    StatusRequest,
    ValidateRequest,
)

if TYPE_CHECKING:
    from .service import Invocation, Launcher

Handler = Callable[["Launcher", Any, "Invocation"], dict[str, Any]]


def _logs(launcher: Launcher, request: LogsRequest, invocation: Invocation) -> dict[str, Any]:
    # func/runlogs.py loads with the first logs call, as the Logging SDK does, so the
    # other operations' cold start pays for neither (tests/process/test_cold_start.py).
    from . import runlogs

    return runlogs.logs(launcher, request, invocation)


class RequestType(Protocol):
    """A request type: the fields it reads, and how it reads them."""

    operation: ClassVar[str]
    FIELDS: ClassVar[tuple[str, ...]]

    @classmethod
    def parse(cls, fields: Mapping[str, Any], origin: Origin) -> Any: ...


@dataclass(frozen=True)
class Route:
    """An API Gateway route: the method and the path's tail after the deployment's prefix;
    ``{name}`` segments are path parameters, given to the request as fields."""

    method: str
    path: str

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(s[1:-1] for s in self.segments if s.startswith("{") and s.endswith("}"))

    def __str__(self) -> str:
        return f"{self.method} …/{self.path}"


@dataclass(frozen=True)
class Operation:
    """One operation. ``status`` is its success status behind the gateway; ``location``,
    when set, is the route (filled from the answer) of what it created: a Location header."""

    name: str
    request: type[RequestType]
    route: Route
    handler: Handler
    status: int = 200
    location: str | None = None

    @property
    def reads_body(self) -> bool:
        """Behind the gateway, a POST carries the fields in its body; the other methods
        in the path and the query string."""
        return self.route.method == "POST"


OPERATIONS: dict[str, Operation] = {op.name: op for op in (
    Operation("run", RunRequest, Route("POST", "runs"), runs.run, status=202,
              location="runs/{jobRunId}"),
    Operation("list", ListRequest, Route("GET", "runs"), runstates.list_runs),
    Operation("validate", ValidateRequest, Route("POST", "runs/validate"), runs.validate),
    Operation("status", StatusRequest, Route("GET", "runs/{jobRunId}"), runstates.status),
    Operation("cancel", CancelRequest, Route("DELETE", "runs/{jobRunId}"), runstates.cancel,
              status=202),
    Operation("logs", LogsRequest, Route("GET", "runs/{jobRunId}/logs"), _logs),
)}
"""In the order the unknown-route message lists their routes."""

DEFAULT_OPERATION = "run"
# Every field any operation reads: a field outside it is unknown ("did you mean …?").
ALL_FIELDS = ("operation", *dict.fromkeys(
    name for op in OPERATIONS.values() for name in op.request.FIELDS))
