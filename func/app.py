"""The edge: one raw call in, one JSON reply out, one log line written.

:class:`App` asks the :class:`~func.service.Service` for the call's
:class:`~func.service.Outcome` and turns it into the reply and the log line, once
(README: "Answers"). The service returns contract errors as outcomes; anything it raises is
a bug, answered as ``InternalError``. Nothing raised below the edge reaches the fdk.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ociplatform.retry import Deadline, RetryPolicy

from .clients import ClientProvider
from .errors import InternalError, MethodNotAllowed
from .logs import call_line, where_raised
from .service import Invocation, Outcome, Service
from .triggers import RawCall, carries_http_status, trigger_of


@dataclass(frozen=True)
class Reply:
    """The answer the edge gives: its HTTP status, JSON body and headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def body_text(self) -> str:
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))


class App:
    """Turns raw calls into replies; built once per container."""

    def __init__(self, env: Mapping[str, str] | None = None,
                 provider: ClientProvider | None = None,
                 policy: RetryPolicy | None = None):
        self.service = Service(env, provider, policy)

    def handle(self, call: RawCall, call_id: str | None = None,
               deadline: str | None = None) -> Reply:
        started = time.monotonic()
        trigger = trigger_of(call)
        invocation = Invocation(call_id=call_id or uuid.uuid4().hex,
                                deadline=Deadline.from_header(deadline))
        bug: dict[str, Any] = {}
        try:
            outcome = self.service.serve(call, trigger, invocation)
        except Exception as exc:  # noqa: BLE001 - the contract: nothing escapes to the fdk
            # Type, file and line of the bug: never the message, which may hold input.
            bug = {"exception": type(exc).__name__, "exceptionAt": where_raised(exc)}
            error = InternalError("the function failed unexpectedly; see its log for the "
                                  "call id")
            outcome = Outcome(trigger=trigger, error=error, status=error.status,
                              facts=dict(invocation.facts))
        reply = self._reply(outcome)
        call_line({"callId": call_id, "trigger": outcome.trigger,
                   "operation": outcome.operation, "outcome": _outcome_name(outcome),
                   **outcome.facts, **bug,
                   "durationMs": round((time.monotonic() - started) * 1000, 1)})
        return reply

    def _reply(self, outcome: Outcome) -> Reply:
        gateway = carries_http_status(outcome.trigger)
        if outcome.error is not None:
            error = outcome.error
            body = {"ok": False, "error": error.to_dict()}
            if gateway:
                headers = {}
                if isinstance(error, MethodNotAllowed):
                    headers["Allow"] = ", ".join(error.allow)
                return Reply(outcome.status, body, headers)
            settings = self.service.settings
            return Reply(settings.error_status if settings else 200, body)
        answer = outcome.body or {}
        head: dict[str, Any] = {"ok": True}
        if "operation" in answer:  # an ignored event names no operation
            head["operation"] = answer["operation"]
        success = {**head, "trigger": outcome.trigger, **answer}
        if not gateway:
            return Reply(200, success)
        return Reply(outcome.status, success, dict(outcome.headers))


def _outcome_name(outcome: Outcome) -> str:
    if outcome.error is not None:
        return outcome.error.code
    return "ignored" if outcome.operation == "ignored" else "ok"
