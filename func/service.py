"""The operations: run, validate, status, cancel (I/O through injected clients).

Every OCI call goes through :func:`func.retry.call`; service errors that are not
retried are mapped here, per operation, to the contract's error codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from oci import exceptions as oci_exceptions

from jobspec import errors as spec_errors
from jobspec.limits import ETAG_ENV_VAR
from jobspec.reading import range_header, read_bounded
from jobspec.spec import parse_spec

from . import retry
from .clients import Clients
from .config import Settings
from .errors import (
    ConfigurationError,
    Conflict,
    InvalidRequest,
    InvalidSpec,
    NotFound,
    SpecChanged,
    SpecLocationNotAllowed,
    SpecNotFound,
    SpecTooLarge,
    TooManyActiveRuns,
    UpstreamError,
)
from .plan import (
    JobInfo,
    check_overrides,
    needs_job_info,
    plan_job_run,
    retry_token,
    to_wire,
)
from .request import LaunchRequest

TERMINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELED", "DELETED"})
ACTIVE_STATES = ("ACCEPTED", "IN_PROGRESS", "NEEDS_ATTENTION")


@dataclass
class CallInfo:
    """Per-invocation facts, and what the structured log line reports."""

    call_id: str
    deadline: retry.Deadline
    job_run_id: str | None = None
    token_prefix: str | None = None


class Launcher:
    def __init__(self, settings: Settings, clients: Clients,
                 policy: retry.RetryPolicy | None = None):
        self.settings = settings
        self.clients = clients
        self.policy = policy or retry.RetryPolicy()
        self._job_info: JobInfo | None = None

    # -- entry point ----------------------------------------------------------------

    def execute(self, request: LaunchRequest, info: CallInfo) -> dict:
        if request.operation in ("run", "validate"):
            return self._run(request, info)
        if request.operation == "status":
            return self._status(request, info)
        return self._cancel(request, info)

    # -- run / validate -------------------------------------------------------------

    def _run(self, request: LaunchRequest, info: CallInfo) -> dict:
        location = request.spec_location
        allow = self.settings.spec_allowlist
        if allow and not any(location.within(prefix) for prefix in allow):
            raise SpecLocationNotAllowed(f"{location.uri} is outside SPEC_ALLOWLIST",
                                         field="specLocation")
        if location.region and self.clients.region and location.region != self.clients.region:
            raise InvalidRequest(f"the spec URL is in {location.region}, but the function runs "
                                 f"in {self.clients.region}", field="specLocation")
        check_overrides(self.settings, request)
        data, etag = self._read_spec(request, info)
        try:
            spec = parse_spec(data, max_bytes=self.settings.max_spec_bytes,
                              spec_env_var=self.settings.spec_env_var,
                              launcher_env={self.settings.spec_env_var: location.uri,
                                            ETAG_ENV_VAR: etag})
        except spec_errors.SpecInvalid as exc:
            raise InvalidSpec.from_spec_error(exc) from None
        except spec_errors.SpecTooLarge as exc:
            raise SpecTooLarge(exc.message, field="specLocation") from None
        job = self._job(info) if needs_job_info(spec) else None
        details = plan_job_run(self.settings, request, spec, etag, job)
        common = {"specLocation": location.uri, "specETag": etag}
        if request.operation == "validate":
            return {"operation": "validate", **common, "createJobRunDetails": to_wire(details)}

        if self.settings.max_active_runs is not None:
            self._check_active_runs(details.compartment_id, info)
        token = retry_token(self.settings.job_ocid, idempotency_key=request.idempotency_key,
                            call_id=info.call_id)
        info.token_prefix = token[:12]
        try:
            run = self._call(self.clients.data_science.create_job_run, details, info=info,
                             service="Data Science", operation="CreateJobRun",
                             opc_retry_token=token).data
        except oci_exceptions.ServiceError as exc:
            if exc.status == 409:
                raise Conflict("Data Science refused the run: the idempotency key was already "
                               f"used for a different request ({exc.code})") from None
            raise _upstream("Data Science", "CreateJobRun", exc) from None
        info.job_run_id = run.id
        return {"operation": "run", **run_fields(run), **common}

    def _read_spec(self, request: LaunchRequest, info: CallInfo) -> tuple[bytes, str]:
        location = request.spec_location
        limit = self.settings.max_spec_bytes
        kwargs = {"range": range_header(limit)}
        if request.spec_etag:
            kwargs["if_match"] = request.spec_etag
        try:
            response = self._call(self.clients.object_storage.get_object, location.namespace,
                                  location.bucket, location.object, info=info,
                                  service="Object Storage", operation="GetObject", **kwargs)
        except oci_exceptions.ServiceError as exc:
            if exc.status in (403, 404):
                raise SpecNotFound(f"{location.uri} does not exist or the function may not read "
                                   "it (Object Storage answers 404 for both)",
                                   field="specLocation") from None
            if exc.status == 412:
                raise SpecChanged(f"{location.uri} changed after the event was sent "
                                  "(eTag no longer matches); the newer upload fires its own "
                                  "event", field="specLocation") from None
            if exc.status == 416:  # a range on an empty object
                return b"", request.spec_etag or ""
            raise _upstream("Object Storage", "GetObject", exc) from None
        try:
            data, too_large = read_bounded(response, limit)
        except oci_exceptions.RequestException:
            raise UpstreamError(f"Object Storage dropped the connection while sending "
                                f"{location.uri}") from None
        if too_large:
            raise SpecTooLarge(f"{location.uri} is larger than MAX_SPEC_BYTES ({limit} bytes)",
                               field="specLocation")
        return data, response.headers.get("etag", "")

    def _job(self, info: CallInfo) -> JobInfo:
        if self._job_info is None:
            try:
                job = self._call(self.clients.data_science.get_job, self.settings.job_ocid,
                                 info=info, service="Data Science", operation="GetJob").data
            except oci_exceptions.ServiceError as exc:
                if exc.status in (401, 403, 404):
                    raise ConfigurationError(
                        "JOB_OCID does not exist or the function may not read it "
                        f"({exc.status} {exc.code})", field="JOB_OCID") from None
                raise _upstream("Data Science", "GetJob", exc) from None
            infra = job.job_infrastructure_configuration_details
            self._job_info = JobInfo(
                project_id=job.project_id, compartment_id=job.compartment_id,
                block_storage_size_in_gbs=getattr(infra, "block_storage_size_in_gbs", None))
        return self._job_info

    def _check_active_runs(self, compartment_id: str, info: CallInfo) -> None:
        cap = self.settings.max_active_runs
        active = 0
        page = None
        while True:
            kwargs = {"job_id": self.settings.job_ocid, "limit": 100}
            if page:
                kwargs["page"] = page
            try:
                response = self._call(self.clients.data_science.list_job_runs, compartment_id,
                                      info=info, service="Data Science",
                                      operation="ListJobRuns", **kwargs)
            except oci_exceptions.ServiceError as exc:
                raise _upstream("Data Science", "ListJobRuns", exc) from None
            active += sum(1 for run in response.data if run.lifecycle_state in ACTIVE_STATES)
            if active >= cap:
                raise TooManyActiveRuns(f"the job already has {active} active runs "
                                        f"(MAX_ACTIVE_RUNS={cap}); try again later")
            page = response.headers.get("opc-next-page")
            if not page:
                return

    # -- status / cancel ------------------------------------------------------------

    def _get_run(self, run_id: str, info: CallInfo):
        try:
            run = self._call(self.clients.data_science.get_job_run, run_id, info=info,
                             service="Data Science", operation="GetJobRun").data
        except oci_exceptions.ServiceError as exc:
            if exc.status == 404:
                raise NotFound("no such job run", field="jobRunId") from None
            raise _upstream("Data Science", "GetJobRun", exc) from None
        if run.job_id != self.settings.job_ocid:
            raise NotFound("no such job run", field="jobRunId")
        return run

    def _status(self, request: LaunchRequest, info: CallInfo) -> dict:
        info.job_run_id = request.job_run_id
        run = self._get_run(request.job_run_id, info)
        return {"operation": "status", **self._status_fields(run)}

    def _cancel(self, request: LaunchRequest, info: CallInfo) -> dict:
        info.job_run_id = request.job_run_id
        run = self._get_run(request.job_run_id, info)
        if run.lifecycle_state in TERMINAL_STATES:
            raise Conflict(f"the job run is already {run.lifecycle_state}")
        try:
            self._call(self.clients.data_science.cancel_job_run, run.id, info=info,
                       service="Data Science", operation="CancelJobRun", retry_409=False)
        except oci_exceptions.ServiceError as exc:
            if exc.status == 409:
                raise Conflict(f"Data Science refused to cancel the run ({exc.code})") from None
            if exc.status == 404:
                raise NotFound("no such job run", field="jobRunId") from None
            raise _upstream("Data Science", "CancelJobRun", exc) from None
        return {"operation": "cancel", **self._status_fields(self._get_run(run.id, info))}

    def _status_fields(self, run) -> dict:
        body = run_fields(run)
        body.update(lifecycleDetails=run.lifecycle_details,
                    timeStarted=_time(run.time_started), timeFinished=_time(run.time_finished),
                    terminal=run.lifecycle_state in TERMINAL_STATES)
        env = getattr(run.job_configuration_override_details, "environment_variables", None) or {}
        if self.settings.spec_env_var in env:
            body["specLocation"] = env[self.settings.spec_env_var]
        if ETAG_ENV_VAR in env:
            body["specETag"] = env[ETAG_ENV_VAR]
        return body

    # -- plumbing -------------------------------------------------------------------

    def _call(self, fn, *args, info: CallInfo, service: str, operation: str,
              retry_409: bool = True, **kwargs):
        client = fn.__self__
        return retry.call(fn, *args, client=client, deadline=info.deadline, policy=self.policy,
                          service=service, operation=operation, retry_409=retry_409, **kwargs)


def run_fields(run) -> dict:
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


def _time(value) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def _upstream(service: str, operation: str, exc: oci_exceptions.ServiceError) -> UpstreamError:
    request_id = f", opc-request-id {exc.request_id}" if exc.request_id else ""
    message = (exc.message or "")[:300]
    return UpstreamError(f"{service} answered {exc.status} {exc.code} to {operation}"
                         f"{request_id}: {message}")
