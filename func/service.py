"""The operations: run, validate, status, cancel, list (I/O through injected clients).

Every OCI call goes through :class:`ociplatform.calls.OciService` with the function's one
error table (:mod:`func.upstream`), so nothing here maps OCI statuses by hand.
:meth:`Launcher.execute` returns an :data:`Outcome`: the answer or the contract error,
with the facts the edge's log line reports; it raises only for bugs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from jobspec import errors as spec_errors
from jobspec.limits import ETAG_ENV_VAR
from jobspec.spec import JobSpec, parse_spec
from ociplatform.calls import OciService
from ociplatform.objects import read_object
from ociplatform.retry import Deadline, RetryPolicy

from . import active_cap
from .clients import Clients
from .config import Settings
from .errors import (
    Conflict,
    InvalidRequest,
    InvalidSpec,
    LauncherError,
    NotFound,
    SpecLocationNotAllowed,
    SpecTooLarge,
)
from .plan import JobInfo, check_overrides, needs_job_info, plan_job_run, retry_token, to_wire
from .request import (
    CancelRequest,
    ListRequest,
    Request,
    RunRequest,
    StatusRequest,
    ValidateRequest,
)
from .upstream import COMPARTMENT_GIVEN, ERRORS, PAGE_GIVEN

TERMINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELED", "DELETED"})
TOKEN_PREFIX_LENGTH = 12  # enough to find the run's create request; the token stays private

Body = dict[str, Any]


@dataclass(frozen=True)
class Invocation:
    """The platform's facts about one call: its id (retry tokens) and its deadline."""

    call_id: str
    deadline: Deadline


@dataclass(frozen=True)
class Facts:
    """What the call's log line reports beyond the request itself."""

    job_run_id: str | None = None
    retry_token_prefix: str | None = None


@dataclass(frozen=True)
class Answered:
    body: Body
    facts: Facts


@dataclass(frozen=True)
class Refused:
    error: LauncherError
    facts: Facts


Outcome = Answered | Refused


class Launcher:
    """The operations on the one configured job; built once per container (it caches the
    job's project and compartment)."""

    def __init__(self, settings: Settings, clients: Clients,
                 policy: RetryPolicy | None = None):
        self.settings = settings
        self.region = clients.region
        policy = policy or RetryPolicy()
        self.object_storage = OciService(clients.object_storage, "Object Storage", ERRORS,
                                         policy)
        self.data_science = OciService(clients.data_science, "Data Science", ERRORS, policy)
        self.cap = active_cap.for_settings(settings.max_active_runs, settings.job_ocid,
                                           self.data_science)
        self._job_info: JobInfo | None = None

    # -- entry point ----------------------------------------------------------------

    def execute(self, request: Request, invocation: Invocation) -> Outcome:
        facts = self._facts(request, invocation)
        try:
            body = self._dispatch(request, invocation)
        except LauncherError as error:
            return Refused(error, facts)
        return Answered(body, replace(facts, job_run_id=body.get("jobRunId",
                                                                 facts.job_run_id)))

    def _facts(self, request: Request, invocation: Invocation) -> Facts:
        """What is known before any OCI call (logged even when the call fails)."""
        match request:
            case RunRequest():
                token = self._retry_token(request, invocation)
                return Facts(retry_token_prefix=token[:TOKEN_PREFIX_LENGTH])
            case StatusRequest() | CancelRequest():
                return Facts(job_run_id=request.job_run_id)
            case _:
                return Facts()

    def _dispatch(self, request: Request, invocation: Invocation) -> Body:
        deadline = invocation.deadline
        match request:
            case RunRequest() | ValidateRequest():
                return self._run(request, invocation)
            case StatusRequest():
                return {"operation": "status",
                        **self._status_fields(self._get_run(request.job_run_id, deadline))}
            case CancelRequest():
                return self._cancel(request, deadline)
            case ListRequest():
                return self._list(request, deadline)

    def _retry_token(self, request: RunRequest, invocation: Invocation) -> str:
        return retry_token(self.settings.job_ocid, trigger=request.trigger,
                           caller=request.caller, idempotency_key=request.idempotency_key,
                           call_id=invocation.call_id)

    # -- run / validate -------------------------------------------------------------

    def _run(self, request: RunRequest | ValidateRequest, invocation: Invocation) -> Body:
        location = request.spec_location
        allow = self.settings.spec_allowlist
        if allow and not any(location.within(prefix) for prefix in allow):
            raise SpecLocationNotAllowed(f"{location.uri} is outside SPEC_ALLOWLIST",
                                         field="specLocation")
        if location.region and self.region and location.region != self.region:
            raise InvalidRequest(f"the spec URL is in {location.region}, but the function runs "
                                 f"in {self.region}", field="specLocation")
        check_overrides(self.settings, request)
        # Only an event's run pins the version that fired it.
        pinned = request.spec_etag if isinstance(request, RunRequest) else None
        data, etag = self._read_spec(request, pinned, invocation.deadline)
        spec = self._parse(data, location.uri, etag)
        job = self._job(invocation.deadline) if needs_job_info(spec) else None
        details = plan_job_run(self.settings, request, spec, etag, job)
        common = {"specLocation": location.uri, "specETag": etag}
        if isinstance(request, ValidateRequest):
            return {"operation": "validate", **common,
                    "createJobRunDetails": redacted(to_wire(details))}

        # MAX_ACTIVE_RUNS: count before the create, recount after it (func/active_cap.py).
        deadline = invocation.deadline
        if self.cap is not None:
            deadline = self.cap.reserve(invocation.deadline)
            self.cap.check(details.compartment_id, deadline)
        run = self.data_science.call(
            "create_job_run", details, deadline=deadline,
            opc_retry_token=self._retry_token(request, invocation)).data
        if self.cap is not None:
            self.cap.confirm(run, details.compartment_id, invocation.deadline)
        return {"operation": "run", **run_fields(run), **common}

    def _read_spec(self, request: RunRequest | ValidateRequest, pinned: str | None,
                   deadline: Deadline) -> tuple[bytes, str]:
        location = request.spec_location
        limit = self.settings.max_spec_bytes
        read = read_object(self.object_storage, location.namespace, location.bucket,
                           location.object, limit=limit, if_match=pinned, deadline=deadline,
                           subject=location.uri)
        if read.too_large:
            raise SpecTooLarge(f"{location.uri} is larger than MAX_SPEC_BYTES ({limit} bytes)",
                               field="specLocation")
        return read.data, read.etag

    def _parse(self, data: bytes, location: str, etag: str) -> JobSpec:
        try:
            return parse_spec(data, max_bytes=self.settings.max_spec_bytes,
                              spec_env_var=self.settings.spec_env_var,
                              launcher_env={self.settings.spec_env_var: location,
                                            ETAG_ENV_VAR: etag},
                              limits=self.settings.cost_limits)
        except spec_errors.SpecInvalid as exc:
            raise InvalidSpec.from_spec_error(exc) from None
        except spec_errors.SpecTooLarge as exc:
            raise SpecTooLarge(exc.message, field="specLocation") from None

    def _job(self, deadline: Deadline) -> JobInfo:
        if self._job_info is None:
            job = self.data_science.call("get_job", self.settings.job_ocid,
                                         deadline=deadline).data
            infra = job.job_infrastructure_configuration_details
            self._job_info = JobInfo(
                project_id=job.project_id, compartment_id=job.compartment_id,
                block_storage_size_in_gbs=getattr(infra, "block_storage_size_in_gbs", None))
        return self._job_info

    # -- status / cancel / list -----------------------------------------------------

    def _get_run(self, run_id: str, deadline: Deadline) -> Any:
        run = self.data_science.call("get_job_run", run_id, deadline=deadline).data
        if run.job_id != self.settings.job_ocid:
            raise NotFound("no such job run", field="jobRunId")
        return run

    def _cancel(self, request: CancelRequest, deadline: Deadline) -> Body:
        run = self._get_run(request.job_run_id, deadline)
        if run.lifecycle_state in TERMINAL_STATES:
            raise Conflict(f"the job run is already {run.lifecycle_state}")
        self.data_science.call("cancel_job_run", run.id, deadline=deadline)
        return {"operation": "cancel", **self._status_fields(self._get_run(run.id, deadline))}

    def _list(self, request: ListRequest, deadline: Deadline) -> Body:
        """One page of this job's runs, newest first (the job_id filter keeps other
        jobs' runs out; the compartment defaults to the job's own)."""
        compartment_id = request.compartment_id or self._job(deadline).compartment_id
        kwargs: dict[str, Any] = {"job_id": self.settings.job_ocid, "limit": request.limit,
                                  "sort_by": "timeCreated", "sort_order": "DESC"}
        context: set[str] = set()
        if request.lifecycle_state is not None:
            kwargs["lifecycle_state"] = request.lifecycle_state
        if request.page is not None:
            kwargs["page"] = request.page
            context.add(PAGE_GIVEN)
        if request.compartment_id is not None:
            context.add(COMPARTMENT_GIVEN)
        response = self.data_science.call("list_job_runs", compartment_id, deadline=deadline,
                                          context=frozenset(context), **kwargs)
        runs = [run for run in response.data if run.job_id == self.settings.job_ocid]
        return {"operation": "list", "runs": [self._status_fields(run) for run in runs],
                "nextPage": response.headers.get("opc-next-page")}

    def _status_fields(self, run: Any) -> Body:
        body = run_fields(run)
        body.update(lifecycleDetails=run.lifecycle_details,
                    timeStarted=_time(run.time_started), timeFinished=_time(run.time_finished),
                    terminal=run.lifecycle_state in TERMINAL_STATES)
        # A listed run (JobRunSummary) has no override details, so no spec location.
        overrides = getattr(run, "job_configuration_override_details", None)
        env = getattr(overrides, "environment_variables", None) or {}
        if self.settings.spec_env_var in env:
            body["specLocation"] = env[self.settings.spec_env_var]
        if ETAG_ENV_VAR in env:
            body["specETag"] = env[ETAG_ENV_VAR]
        return body


REDACTED = "<redacted>"


def redacted(wire: Body) -> Body:
    """A CreateJobRunDetails body (camelCase) with every environment value replaced by
    ``<redacted>``: validate answers anyone who may call it, and a value may be a secret."""
    overrides = wire.get("jobConfigurationOverrideDetails")
    if isinstance(overrides, dict) and isinstance(overrides.get("environmentVariables"), dict):
        overrides["environmentVariables"] = dict.fromkeys(overrides["environmentVariables"],
                                                          REDACTED)
    return wire


def run_fields(run: Any) -> Body:
    return {
        "jobRunId": run.id,
        "id": run.id,
        "jobId": run.job_id,
        "lifecycleState": run.lifecycle_state,
        "displayName": run.display_name,
        "projectId": run.project_id,
        "compartmentId": run.compartment_id,
        "timeAccepted": _time(run.time_accepted),
    }


def _time(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.isoformat()).replace("+00:00", "Z")
