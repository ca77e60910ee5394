"""The service: one call in (a raw call, or a request already typed), one :class:`Outcome` out.

:meth:`Service.serve` reads the configuration, lets the router type the call, and runs the
operation's handler from :mod:`func.operations` with the container's :class:`Launcher`. It
is the one place a :class:`~func.errors.LauncherError` becomes an outcome; anything else
raised is a bug, for the edge (:mod:`func.app`) to report. Every OCI call goes through
:class:`ociplatform.calls.OciService` with the function's one error table
(:mod:`func.upstream`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from jobspec.limits import ETAG_ENV_VAR
from ociplatform.calls import OciService
from ociplatform.retry import Deadline, RetryPolicy

from .clients import ClientProvider, Clients
from .config import Settings
from .errors import LauncherError
from .operations import OPERATIONS
from .plan import JobInfo
from .request import Ignored, Request, Trigger
from .triggers import RawCall, normalise
from .upstream import ERRORS

if TYPE_CHECKING:
    from .active_cap import ActiveRunCap

Body = dict[str, Any]


@dataclass(frozen=True)
class Invocation:
    """The platform's facts about one call: its id (retry tokens) and its deadline.

    ``facts`` collects what the call's log line reports beyond the request (the run's id,
    the retry token's prefix) as handlers learn it, so a failure still reports them.
    """

    call_id: str
    deadline: Deadline
    facts: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What one call came to: the answer's fields (``body``) or the ``error``, the HTTP
    status and headers it has behind the gateway, and the facts for its log line."""

    trigger: Trigger
    operation: str | None = None
    body: Body | None = None
    error: LauncherError | None = None
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    facts: Mapping[str, str | None] = field(default_factory=dict)


class Launcher:
    """What every operation's handler works with, built once per container: the settings,
    the OCI services, the active-run cap and the configured job (read once, cached)."""

    def __init__(self, settings: Settings, clients: Clients,
                 policy: RetryPolicy | None = None):
        self.settings = settings
        self.clients = clients
        self.region = clients.region
        self.policy = policy or RetryPolicy()
        self.object_storage = OciService(clients.object_storage, "Object Storage", ERRORS,
                                         self.policy)
        self.data_science = OciService(clients.data_science, "Data Science", ERRORS,
                                       self.policy)
        self.cap = _cap(settings, self.data_science)
        self._job_info: JobInfo | None = None

    @property
    def known_compartment(self) -> str | None:
        """The job's compartment once :meth:`job` has read it, else None."""
        return self._job_info.compartment_id if self._job_info else None

    def job(self, deadline: Deadline) -> JobInfo:
        if self._job_info is None:
            job = self.data_science.call("get_job", self.settings.job_ocid,
                                         deadline=deadline).data
            infra = job.job_infrastructure_configuration_details
            self._job_info = JobInfo(
                project_id=job.project_id, compartment_id=job.compartment_id,
                block_storage_size_in_gbs=getattr(infra, "block_storage_size_in_gbs", None))
        return self._job_info


def _cap(settings: Settings, data_science: OciService) -> ActiveRunCap | None:
    """MAX_ACTIVE_RUNS's cap; None when it is off, and then func/active_cap.py is not even
    imported, so an uncapped function's cold start does not pay for it."""
    if settings.max_active_runs is None:
        return None
    from .active_cap import ActiveRunCap

    return ActiveRunCap(data_science, settings.job_ocid, settings.max_active_runs)


class Service:
    """Turns calls into outcomes; built once per container (settings, clients, launcher)."""

    def __init__(self, env: Mapping[str, str] | None = None,
                 provider: ClientProvider | None = None,
                 policy: RetryPolicy | None = None):
        self._env = os.environ if env is None else env
        self._provider = provider or ClientProvider()
        self._policy = policy
        self._settings: Settings | None = None
        self._launcher: Launcher | None = None

    @property
    def settings(self) -> Settings | None:
        """The configuration once it has been read and found valid."""
        return self._settings

    def serve(self, call: RawCall | Request, trigger: Trigger,
              invocation: Invocation) -> Outcome:
        """The outcome of ``call`` (raw, from ``trigger``; or a typed request)."""
        outcome = Outcome(trigger=trigger)
        try:
            if self._settings is None:
                self._settings = Settings.from_env(self._env)
            settings = self._settings
            route = None
            if isinstance(call, RawCall):
                origin_env = frozenset({settings.spec_env_var, ETAG_ENV_VAR})
                parsed, route = normalise(call, trigger, launcher_env=origin_env)
            else:
                parsed = call
            outcome = replace(outcome, trigger=parsed.trigger, operation=parsed.operation)
            if isinstance(parsed, Ignored):
                return replace(outcome, body={"ignored": True, "reason": parsed.reason})
            invocation.facts.update(_request_facts(parsed))
            operation = OPERATIONS[parsed.operation]
            body = operation.handler(self._launcher_for(settings), parsed, invocation)
            if body.get("jobRunId"):
                invocation.facts["jobRunId"] = body["jobRunId"]
            headers = {}
            if route is not None and operation.location is not None:
                headers["Location"] = f"{route.prefix}/" + operation.location.format(**body)
            return replace(outcome, body=body, status=operation.status, headers=headers,
                           facts=dict(invocation.facts))
        except LauncherError as error:
            return replace(outcome, error=error, status=error.status,
                           facts=dict(invocation.facts))

    def _launcher_for(self, settings: Settings) -> Launcher:
        if self._launcher is None:
            self._launcher = Launcher(settings, self._provider.get(settings), self._policy)
        return self._launcher


def _request_facts(request: Request) -> dict[str, str | None]:
    """What the log line reports of the request itself: the run it names, the spec's place."""
    facts: dict[str, str | None] = {}
    job_run_id = getattr(request, "job_run_id", None)
    if isinstance(job_run_id, str):
        facts["jobRunId"] = job_run_id
    location = getattr(request, "spec_location", None)
    if location is not None:
        facts["specLocation"] = location.uri
    return facts

