"""Emulated Data Science jobs and job runs (API version 20190101)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from ocirefs import jobruns

from .executors import ACTIVE_STATES, TERMINAL_STATES, Executor, Progress, RunInfo
from .wire import ApiError, Request, Response, Route, new_ocid, rfc3339, utcnow

API_PREFIX = "/20190101"
RETRY_TOKEN_WINDOW = timedelta(hours=24)
MAX_RETRY_TOKEN_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 255
MAX_ENVIRONMENT_CHARACTERS = 20_000
MAX_ARGUMENT_CHARACTERS = 4_000
DEFAULT_PAGE_LIMIT = 100
MAX_PAGE_TOKEN_LENGTH = 1024
SORT_FIELDS = ("timeCreated", "displayName")
JOB_RUN_STATES = jobruns.STATES
MISMATCH_MODES = ("conflict", "return_first")
FORCIBLE_STATES = frozenset(
    {"ACCEPTED", "IN_PROGRESS", "NEEDS_ATTENTION", "SUCCEEDED", "FAILED", "CANCELED"}
)
SUMMARY_FIELDS = (
    "id",
    "timeAccepted",
    "timeStarted",
    "timeFinished",
    "createdBy",
    "projectId",
    "compartmentId",
    "jobId",
    "displayName",
    "lifecycleState",
    "lifecycleDetails",
    "freeformTags",
    "definedTags",
)


def complete_job(job: Mapping[str, Any]) -> dict[str, Any]:
    """A full Job resource from ``job``, which needs ``id``, ``projectId`` and ``compartmentId``."""
    for name in ("id", "projectId", "compartmentId"):
        if not isinstance(job.get(name), str) or not job[name]:
            raise ValueError(f"a job needs a string {name!r}")
    defaults: dict[str, Any] = {
        "displayName": "localoci-job",
        "description": None,
        "lifecycleState": "ACTIVE",
        "lifecycleDetails": None,
        "timeCreated": rfc3339(utcnow()),
        "createdBy": "ocid1.user.oc1..localuser",
        "jobConfigurationDetails": {"jobType": "DEFAULT", "environmentVariables": {}},
        "jobInfrastructureConfigurationDetails": {
            "jobInfrastructureType": "ME_STANDALONE",
            "shapeName": "VM.Standard.E4.Flex",
            "blockStorageSizeInGBs": 50,
            "jobShapeConfigDetails": {"ocpus": 1.0, "memoryInGBs": 16.0},
        },
        "jobEnvironmentConfigurationDetails": {
            "jobEnvironmentType": "OCIR_CONTAINER",
            "image": "phx.ocir.io/localns/notebook-runner:latest",
        },
        "jobStorageMountConfigurationDetailsList": [],
        "freeformTags": {},
        "definedTags": {},
    }
    return {**defaults, **job}


@dataclass
class JobRunRecord:
    info: RunInfo
    created_by: str
    display_name: str
    retry_token: str | None
    log_details: dict[str, str] | None
    forced: Progress | None = None
    stopped: Progress | None = None
    cancel_requested_at: datetime | None = None
    deleted_at: datetime | None = None
    # Creation order: breaks ties between runs accepted in the same millisecond.
    sequence: int = 0


@dataclass(frozen=True)
class RetryEntry:
    run_id: str
    body: Any
    time: datetime


def _require_string(body: Mapping[str, Any], name: str) -> None:
    value = body.get(name)
    if value is None:
        raise ApiError(400, "MissingParameter", f"{name} is required.")
    if not isinstance(value, str) or not value:
        raise ApiError(400, "InvalidParameter", f"{name} must be a non-empty string.")


def _check_string_map(value: Any, name: str) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ApiError(400, "InvalidParameter", f"{name} must map strings to strings.")


def _validate_create(body: Any) -> None:
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidParameter", "The request body must be a JSON object.")
    for name in ("projectId", "compartmentId", "jobId"):
        _require_string(body, name)
    name = body.get("displayName")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_DISPLAY_NAME_LENGTH):
        raise ApiError(
            400, "InvalidParameter", "displayName must be a string of at most 255 characters."
        )
    config = body.get("jobConfigurationOverrideDetails")
    if config is not None:
        if not isinstance(config, dict) or config.get("jobType") not in ("DEFAULT", "EMPTY"):
            raise ApiError(
                400,
                "InvalidParameter",
                "jobConfigurationOverrideDetails.jobType must be DEFAULT or EMPTY.",
            )
        env = config.get("environmentVariables")
        if env is not None:
            _check_string_map(env, "jobConfigurationOverrideDetails.environmentVariables")
            if sum(len(k) + len(v) for k, v in env.items()) > MAX_ENVIRONMENT_CHARACTERS:
                raise ApiError(
                    400, "InvalidParameter", "Environment variables exceed 20,000 characters."
                )
        arguments = config.get("commandLineArguments")
        if arguments is not None and (
            not isinstance(arguments, str) or len(arguments) > MAX_ARGUMENT_CHARACTERS
        ):
            raise ApiError(
                400,
                "InvalidParameter",
                "commandLineArguments must be a string of at most 4,000 characters.",
            )
    if body.get("freeformTags") is not None:
        _check_string_map(body["freeformTags"], "freeformTags")


def _log_details(config: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not config or not config.get("enableLogging") or not config.get("logGroupId"):
        return None
    log_id = config.get("logId") or (
        new_ocid("log") if config.get("enableAutoLogCreation") else None
    )
    if log_id is None:
        return None
    return {"logGroupId": config["logGroupId"], "logId": log_id}


def _run_environment(
    run_id: str, job: Mapping[str, Any], body: Mapping[str, Any]
) -> dict[str, str]:
    env = dict(job.get("jobConfigurationDetails", {}).get("environmentVariables") or {})
    env.update(
        (body.get("jobConfigurationOverrideDetails") or {}).get("environmentVariables") or {}
    )
    env.update(
        {
            "JOB_RUN_OCID": run_id,
            "JOB_OCID": job["id"],
            "PROJECT_OCID": body["projectId"],
            "JOB_RUN_COMPARTMENT_OCID": body["compartmentId"],
            "JOB_COMPARTMENT_OCID": job["compartmentId"],
        }
    )
    return env


def _not_found(kind: str, identifier: str) -> ApiError:
    return ApiError(
        404, "NotAuthorizedOrNotFound", f"{kind} {identifier} not found or not authorized."
    )


class DataScience:
    """Jobs, job runs and retry tokens. Not thread-safe: the emulator serialises every call."""

    def __init__(
        self,
        executor: Executor,
        retry_token_mismatch: str = "conflict",
        cancel_seconds: float = 0.2,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if retry_token_mismatch not in MISMATCH_MODES:
            raise ValueError(f"retry_token_mismatch must be one of {MISMATCH_MODES}")
        self.executor = executor
        self.retry_token_mismatch = retry_token_mismatch
        self.cancel_delay = timedelta(seconds=cancel_seconds)
        self._clock = clock
        self.jobs: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, JobRunRecord] = {}
        self.retry_tokens: dict[str, RetryEntry] = {}
        self._sequence = itertools.count(1)

    def add_job(self, job: Mapping[str, Any]) -> dict[str, Any]:
        full = complete_job(job)
        self.jobs[full["id"]] = full
        return full

    def reset(self) -> None:
        """Forget runs and retry tokens, stopping the work of active runs; jobs stay."""
        now = self._clock()
        for record in self.runs.values():
            if self._progress(record, now).state in ACTIVE_STATES:
                self.executor.cancel(record.info)
        self.runs.clear()
        self.retry_tokens.clear()

    def job_runs(self) -> list[dict[str, Any]]:
        now = self._clock()
        return [
            {
                **self._run_json(record, now),
                "createBody": record.info.create_body,
                "retryToken": record.retry_token,
            }
            for record in self.runs.values()
        ]

    def force(self, run_id: str, state: str, details: str | None = None) -> dict[str, Any]:
        """Put a run into ``state`` now, overriding the executor (and a pending cancel)."""
        if state not in FORCIBLE_STATES:
            raise ApiError(
                400, "InvalidParameter", f"lifecycleState must be one of {sorted(FORCIBLE_STATES)}."
            )
        record = self._record(run_id)
        if record.deleted_at is not None:
            raise ApiError(409, "IncorrectState", "The job run is deleted.")
        now = self._clock()
        current = self._progress(record, now)
        started = current.time_started or (None if state == "ACCEPTED" else now)
        finished = now if state in TERMINAL_STATES else None
        if state in TERMINAL_STATES and current.state in ACTIVE_STATES:
            self.executor.cancel(record.info)
        record.cancel_requested_at = None
        record.forced = Progress(state, details, started, finished)
        return self._run_json(record, now)

    def resolve(self, method: str, path: str) -> Route | None:
        if not path.startswith(API_PREFIX + "/"):
            return None
        parts = [unquote(part) for part in path[len(API_PREFIX) + 1 :].split("/")]
        match parts, method:
            case ["jobs", job_id], "GET":
                return Route("GetJob", lambda request: self._get_job(job_id))
            case ["jobRuns"], "POST":
                return Route("CreateJobRun", self._create_job_run)
            case ["jobRuns"], "GET":
                return Route("ListJobRuns", self._list_job_runs)
            case ["jobRuns", run_id], "GET":
                return Route("GetJobRun", lambda request: self._get_job_run(run_id))
            case ["jobRuns", run_id], "DELETE":
                return Route("DeleteJobRun", lambda request: self._delete_job_run(request, run_id))
            case ["jobRuns", run_id, "actions", "cancelJobRun"], "POST":
                return Route("CancelJobRun", lambda request: self._cancel_job_run(request, run_id))
        return None

    def _record(self, run_id: str) -> JobRunRecord:
        record = self.runs.get(run_id)
        if record is None:
            raise _not_found("Job run", run_id)
        return record

    def _progress(self, record: JobRunRecord, now: datetime) -> Progress:
        stopped = record.stopped or Progress("ACCEPTED")
        if record.deleted_at is not None:
            return Progress(
                "DELETED",
                stopped.details,
                stopped.time_started,
                stopped.time_finished or record.deleted_at,
            )
        if record.cancel_requested_at is not None:
            canceled_at = record.cancel_requested_at + self.cancel_delay
            if now >= canceled_at:
                return Progress("CANCELED", None, stopped.time_started, canceled_at)
            return Progress("CANCELING", None, stopped.time_started)
        if record.forced is not None:
            return record.forced
        return self.executor.poll(record.info)

    def _run_json(self, record: JobRunRecord, now: datetime) -> dict[str, Any]:
        progress = self._progress(record, now)
        body, job = record.info.create_body, record.info.job
        infrastructure_override = body.get("jobInfrastructureConfigurationOverrideDetails")
        data = {
            "id": record.info.id,
            "timeAccepted": rfc3339(record.info.time_accepted),
            "timeStarted": rfc3339(progress.time_started),
            "timeFinished": rfc3339(progress.time_finished),
            "createdBy": record.created_by,
            "projectId": body["projectId"],
            "compartmentId": body["compartmentId"],
            "jobId": body["jobId"],
            "displayName": record.display_name,
            "jobConfigurationOverrideDetails": body.get("jobConfigurationOverrideDetails")
            or job["jobConfigurationDetails"],
            "jobInfrastructureConfigurationDetails": infrastructure_override
            or job["jobInfrastructureConfigurationDetails"],
            "jobInfrastructureConfigurationOverrideDetails": infrastructure_override,
            "jobEnvironmentConfigurationOverrideDetails": body.get(
                "jobEnvironmentConfigurationOverrideDetails"
            ),
            "jobLogConfigurationOverrideDetails": body.get("jobLogConfigurationOverrideDetails")
            or job.get("jobLogConfigurationDetails"),
            "jobNodeConfigurationOverrideDetails": body.get("jobNodeConfigurationOverrideDetails"),
            "jobStorageMountConfigurationDetailsList": job.get(
                "jobStorageMountConfigurationDetailsList"
            )
            or [],
            "jobStorageMountConfigurationOverrideDetailsList": body.get(
                "jobStorageMountConfigurationOverrideDetailsList"
            ),
            "logDetails": record.log_details,
            "lifecycleState": progress.state,
            "lifecycleDetails": progress.details,
            "freeformTags": body.get("freeformTags") or {},
            "definedTags": body.get("definedTags") or {},
        }
        return {name: value for name, value in data.items() if value is not None}

    def _run_response(self, record: JobRunRecord, status: int = 200) -> Response:
        data = self._run_json(record, self._clock())
        return Response.json(status, data, {"etag": _etag(data)})

    def _get_job(self, job_id: str) -> Response:
        job = self.jobs.get(job_id)
        if job is None:
            raise _not_found("Job", job_id)
        return Response.json(200, job, {"etag": _etag(job)})

    def _get_job_run(self, run_id: str) -> Response:
        return self._run_response(self._record(run_id))

    def _create_job_run(self, request: Request) -> Response:
        body = request.json()
        _validate_create(body)
        token = request.header("opc-retry-token")
        now = self._clock()
        if token is not None:
            replay = self._replay(token, body, now)
            if replay is not None:
                return replay
        job = self.jobs.get(body["jobId"])
        if job is None:
            raise _not_found("Job", body["jobId"])
        run_id = new_ocid("datasciencejobrun")
        info = RunInfo(id=run_id, job=job, create_body=body, time_accepted=now)
        record = JobRunRecord(
            info=info,
            created_by=request.principal or "",
            display_name=body.get("displayName") or f"jobrun-{now:%Y%m%d-%H%M%S}",
            retry_token=token,
            log_details=_log_details(
                body.get("jobLogConfigurationOverrideDetails")
                or job.get("jobLogConfigurationDetails")
            ),
            sequence=next(self._sequence),
        )
        self.runs[run_id] = record
        if token is not None:
            self.retry_tokens[token] = RetryEntry(run_id, body, now)
        self.executor.start(info, _run_environment(run_id, job, body))
        return self._run_response(record)

    def _replay(self, token: str, body: Any, now: datetime) -> Response | None:
        if len(token) > MAX_RETRY_TOKEN_LENGTH:
            raise ApiError(
                400, "InvalidParameter", "opc-retry-token must be at most 64 characters."
            )
        entry = self.retry_tokens.get(token)
        if entry is None or now - entry.time > RETRY_TOKEN_WINDOW:
            return None
        record = self.runs[entry.run_id]
        if record.deleted_at is not None:
            raise ApiError(
                409,
                "InvalidatedRetryToken",
                "The retry token was used by a request whose result has since been invalidated.",
            )
        if entry.body != body and self.retry_token_mismatch == "conflict":
            raise ApiError(
                409, "Conflict", "The retry token was already used with a different request."
            )
        return self._run_response(record)

    def _list_job_runs(self, request: Request) -> Response:
        """Like the service: filters, a sort, and opaque ``opc-next-page`` tokens.

        A token holds the sort position of the page's last run, so the next page
        starts after it even when newer runs were created in between (an offset
        would repeat runs then). A token is only valid for the sort it came from.
        """
        query = request.query
        compartment = query.get("compartmentId")
        if not compartment:
            raise ApiError(400, "MissingParameter", "compartmentId is required.")
        limit = _int_parameter(query, "limit", DEFAULT_PAGE_LIMIT, 1, DEFAULT_PAGE_LIMIT)
        sort_by = query.get("sortBy", "timeCreated")
        if sort_by not in SORT_FIELDS:
            raise ApiError(400, "InvalidParameter", "sortBy must be timeCreated or displayName.")
        # The service's documented defaults: newest first by time, A→Z by name.
        default_order = "DESC" if sort_by == "timeCreated" else "ASC"
        order = query.get("sortOrder", default_order)
        if order not in ("ASC", "DESC"):
            raise ApiError(400, "InvalidParameter", "sortOrder must be ASC or DESC.")
        state = query.get("lifecycleState")
        if state and state not in JOB_RUN_STATES:
            raise ApiError(400, "InvalidParameter",
                           f"lifecycleState must be one of {', '.join(JOB_RUN_STATES)}.")
        after = _decode_page(query["page"], sort_by, order) if "page" in query else None

        now = self._clock()
        filters = {
            name: query[name]
            for name in ("id", "jobId", "displayName", "lifecycleState", "createdBy")
            if query.get(name)
        }
        matching: list[tuple[list[Any], dict[str, Any]]] = []
        for record in self.runs.values():
            data = self._run_json(record, now)
            if data["compartmentId"] == compartment and all(
                data.get(k) == v for k, v in filters.items()
            ):
                summary = {name: data[name] for name in SUMMARY_FIELDS if name in data}
                matching.append((_sort_key(record, sort_by), summary))
        descending = order == "DESC"
        matching.sort(key=lambda item: item[0], reverse=descending)
        if after is not None:
            matching = [
                item for item in matching
                if (item[0] < after if descending else item[0] > after)
            ]

        page = matching[:limit]
        headers = {}
        if len(matching) > limit:
            headers["opc-next-page"] = _encode_page(page[-1][0], sort_by, order)
        return Response.json(200, [summary for _, summary in page], headers)

    def _cancel_job_run(self, request: Request, run_id: str) -> Response:
        record = self._record(run_id)
        now = self._clock()
        _check_if_match(request, self._run_json(record, now))
        current = self._progress(record, now)
        if current.state not in ACTIVE_STATES:
            raise ApiError(
                409,
                "IncorrectState",
                f"The job run is in state {current.state}; only ACCEPTED, IN_PROGRESS or "
                "NEEDS_ATTENTION runs can be canceled.",
            )
        record.stopped = current
        record.forced = None
        record.cancel_requested_at = now
        self.executor.cancel(record.info)
        return Response(200)

    def _delete_job_run(self, request: Request, run_id: str) -> Response:
        record = self._record(run_id)
        if record.deleted_at is not None:
            raise _not_found("Job run", run_id)
        now = self._clock()
        _check_if_match(request, self._run_json(record, now))
        current = self._progress(record, now)
        if current.state in ACTIVE_STATES:
            self.executor.cancel(record.info)
        record.stopped = current
        record.deleted_at = now
        return Response(204)


def _sort_key(record: JobRunRecord, sort_by: str) -> list[Any]:
    """Total order for listing: the sort field, then creation order (lists, to round-trip
    through the JSON page token). Names compare case-sensitively, as the service does."""
    if sort_by == "timeCreated":
        return [rfc3339(record.info.time_accepted), record.sequence]
    return [record.display_name, record.sequence]


def _encode_page(key: list[Any], sort_by: str, order: str) -> str:
    raw = json.dumps({"sortBy": sort_by, "sortOrder": order, "after": key}).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_page(token: str, sort_by: str, order: str) -> list[Any]:
    invalid = ApiError(400, "InvalidParameter", "page is not a valid page token for this list.")
    if not token or len(token) > MAX_PAGE_TOKEN_LENGTH:
        raise invalid
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid from None
    if not (
        isinstance(value, dict)
        and value.get("sortBy") == sort_by
        and value.get("sortOrder") == order
        and isinstance(value.get("after"), list)
        and len(value["after"]) == 2
        and isinstance(value["after"][0], str)
        and isinstance(value["after"][1], int)
    ):
        raise invalid
    return value["after"]


def _etag(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def _check_if_match(request: Request, data: Mapping[str, Any]) -> None:
    expected = request.header("if-match")
    if expected is not None and expected not in ("*", _etag(data)):
        raise ApiError(
            412, "PreconditionFailed", "The if-match etag does not match the job run's etag."
        )


def _int_parameter(
    query: Mapping[str, str], name: str, default: int, low: int, high: int | None
) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        raise ApiError(400, "InvalidParameter", f"{name} is out of range.")
    return value
