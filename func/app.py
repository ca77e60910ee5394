"""The edge: one raw call in, one JSON reply out, one log line written.

:class:`App` owns what lives as long as the container (settings, clients, the
launcher with its cached job) and is the only place errors become JSON
(README: "Answers"). Nothing raised below it reaches the fdk.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ociplatform.retry import Deadline, RetryPolicy

from .clients import ClientProvider
from .config import Settings
from .errors import InternalError, LauncherError, MethodNotAllowed
from .logs import call_line, where_raised
from .request import Ignored, RunRequest, ValidateRequest
from .service import Answered, Invocation, Launcher, Refused
from .triggers import RawCall, Route, normalise, trigger_of

SUCCESS_STATUS = {"run": 202, "cancel": 202, "status": 200, "validate": 200, "list": 200}


@dataclass(frozen=True)
class Reply:
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
        self._env = os.environ if env is None else env
        self._provider = provider or ClientProvider()
        self._policy = policy
        self._launcher: Launcher | None = None
        self._settings: Settings | None = None

    def _launcher_for(self, settings: Settings) -> Launcher:
        if self._launcher is None:
            self._launcher = Launcher(settings, self._provider.get(settings), self._policy)
        return self._launcher

    def handle(self, call: RawCall, call_id: str | None = None,
               deadline: str | None = None) -> Reply:
        started = time.monotonic()
        trigger = trigger_of(call)
        fields: dict[str, Any] = {"callId": call_id, "trigger": trigger}
        route: Route | None = None
        settings = self._settings
        try:
            if settings is None:
                settings = self._settings = Settings.from_env(self._env)
            request, route = normalise(call, trigger)
            fields["trigger"] = request.trigger
            fields["operation"] = request.operation
            match request:
                case Ignored():
                    fields["outcome"] = "ignored"
                    return Reply(200, {"ok": True, "ignored": True, "trigger": request.trigger,
                                       "reason": request.reason})
                case RunRequest() | ValidateRequest():
                    fields["specLocation"] = request.spec_location.uri
            invocation = Invocation(call_id=call_id or uuid.uuid4().hex,
                                    deadline=Deadline.from_header(deadline))
            outcome = self._launcher_for(settings).execute(request, invocation)
            fields["jobRunId"] = outcome.facts.job_run_id
            fields["retryTokenPrefix"] = outcome.facts.retry_token_prefix
            match outcome:
                case Answered(body=body):
                    fields["outcome"] = "ok"
                    return self._success(body, request.trigger, route)
                case Refused(error=refusal):
                    fields["outcome"] = refusal.code
                    return self._failure(refusal, trigger, route, settings)
        except LauncherError as error:
            fields["outcome"] = error.code
            return self._failure(error, trigger, route, settings)
        except Exception as exc:  # noqa: BLE001 - the contract: nothing escapes to the fdk
            # Type, file and line of the bug: never the message, which may hold input.
            fields["outcome"] = InternalError.code
            fields["exception"] = type(exc).__name__
            fields["exceptionAt"] = where_raised(exc)
            internal = InternalError("the function failed unexpectedly; see its log for the "
                                     "call id")
            return self._failure(internal, trigger, route, settings)
        finally:
            fields["durationMs"] = round((time.monotonic() - started) * 1000, 1)
            call_line(fields)

    @staticmethod
    def _success(body: dict[str, Any], trigger: str, route: Route | None) -> Reply:
        body = {"ok": True, "operation": body["operation"], "trigger": trigger, **body}
        if route is None:
            return Reply(200, body)
        headers = {}
        if body["operation"] == "run":
            headers["Location"] = f"{route.prefix}/runs/{body['jobRunId']}"
        return Reply(SUCCESS_STATUS[body["operation"]], body, headers)

    @staticmethod
    def _failure(error: LauncherError, trigger: str, route: Route | None,
                 settings: Settings | None) -> Reply:
        body = {"ok": False, "error": error.to_dict()}
        if trigger == "apigateway":
            headers = {}
            if isinstance(error, MethodNotAllowed):
                headers["Allow"] = ", ".join(error.allow)
            return Reply(error.status, body, headers)
        return Reply(settings.error_status if settings else 200, body)
