"""The one in-process fake of OCI (Object Storage, Data Science, Logging and Logging Search,
as the SDK clients answer), and a fake clock.

They answer like the SDK does (``oci.response.Response`` holding the SDK's own models, or
``oci.exceptions.ServiceError``), record every call with its arguments and the HTTP
timeouts in force, and can be told to fail the next calls of an operation. The state they
keep is what the service relies on: objects with eTags, the job, runs, retry tokens.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from oci import exceptions
from oci.data_science import models
from oci.logging import models as logging_models
from oci.loggingsearch import models as search_models
from oci.object_storage import models as storage_models
from oci.response import Response

JOB_OCID = "ocid1.datasciencejob.oc1.phx.amaaaaaafakejob"
JOB_PROJECT = "ocid1.datascienceproject.oc1.phx.amaaaaaafakeproject"
JOB_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaafakecompartment"
OTHER_JOB_OCID = "ocid1.datasciencejob.oc1.phx.amaaaaaaotherjob"
LOG_GROUP_OCID = "ocid1.loggroup.oc1.phx.amaaaaaafakeloggroup"
LOG_OCID = "ocid1.log.oc1.phx.amaaaaaafakelog"
LOG_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaafakelogcompartment"
ACCEPTED_AT = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)


class Clock:
    """A monotonic clock that only moves when something sleeps or a call costs time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def service_error(status: int, code: str, headers: dict[str, str] | None = None,
                  message: str = "msg") -> exceptions.ServiceError:
    return exceptions.ServiceError(status, code, headers or {"opc-request-id": "req-1"},
                                   message)


@dataclass
class Call:
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    timeout: Any


class _BaseClient:
    """Where the SDK keeps a client's (connect, read) timeouts."""

    def __init__(self) -> None:
        self.timeout: Any = (10, 60)


class RecordingClient:
    """Records calls; ``fail(method, *errors)`` makes the next calls of ``method`` raise."""

    def __init__(self, clock: Clock | None = None, cost: float = 0.0) -> None:
        self.base_client = _BaseClient()
        self.calls: list[Call] = []
        self.clock = clock
        self.cost = cost
        self._failures: dict[str, list[BaseException]] = {}

    def fail(self, method: str, *errors: BaseException) -> None:
        self._failures.setdefault(method, []).extend(errors)

    def _record(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.calls.append(Call(method, args, kwargs, self.base_client.timeout))
        if self.clock is not None:
            self.clock.now += self.cost
        pending = self._failures.get(method)
        if pending:
            raise pending.pop(0)

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]


class ScriptedClient(RecordingClient):
    """Any method; each call takes the next scripted outcome (the last one repeats):
    an exception is raised, anything else is returned."""

    def __init__(self, clock: Clock | None = None,
                 scripts: dict[str, list[Any]] | None = None, cost: float = 0.0) -> None:
        super().__init__(clock, cost)
        self._scripts = scripts or {}

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._record(method, args, kwargs)
            outcomes = self._scripts[method]
            seen = sum(1 for c in self.calls if c.method == method)
            outcome = outcomes[min(seen, len(outcomes)) - 1]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return call


class _Stream:
    """The body of a GetObject answer, as ``read_bounded`` reads it."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        self._data = data
        self._fail_after = fail_after
        self.closed = False

    def iter_content(self, size: int) -> Iterable[bytes]:
        for start in range(0, len(self._data), size):
            if self._fail_after is not None and start >= self._fail_after:
                raise exceptions.RequestException("connection reset while streaming")
            yield self._data[start:start + size]

    def close(self) -> None:
        self.closed = True


@dataclass
class StoredObject:
    data: bytes
    etag: str


class FakeObjectStorage(RecordingClient):
    """Objects by (namespace, bucket, name); ranges and if-match as Object Storage does, and
    ListObjects for the job container's code folders."""

    def __init__(self, clock: Clock | None = None, cost: float = 0.0) -> None:
        super().__init__(clock, cost)
        self.objects: dict[tuple[str, str, str], StoredObject] = {}
        self.listed_sizes: dict[str, int] = {}  # a size ListObjects gives that is not the object's
        self.streams: list[_Stream] = []
        self.break_streams_after: int | None = None
        self._etags = itertools.count(1)

    def put(self, namespace: str, bucket: str, name: str, data: bytes) -> str:
        etag = f"etag-{next(self._etags)}"
        self.objects[(namespace, bucket, name)] = StoredObject(data, etag)
        return etag

    def get_object(self, namespace: str, bucket: str, name: str, **kwargs: Any) -> Response:
        self._record("get_object", (namespace, bucket, name), kwargs)
        stored = self.objects.get((namespace, bucket, name))
        if stored is None:
            raise service_error(404, "ObjectNotFound")
        if kwargs.get("if_match") not in (None, stored.etag):
            raise service_error(412, "IfMatchFailed")
        data, headers = stored.data, {"etag": stored.etag}
        if "range" in kwargs:
            if not data:
                raise service_error(416, "InvalidRange")
            last = int(kwargs["range"].split("-")[1])
            headers["content-range"] = f"bytes 0-{min(last, len(data) - 1)}/{len(data)}"
            data = data[:last + 1]
        stream = _Stream(data, self.break_streams_after)
        self.streams.append(stream)
        return Response(200, headers, stream, None)

    def put_object(self, namespace: str, bucket: str, name: str, data: bytes,
                   **kwargs: Any) -> Response:
        self._record("put_object", (namespace, bucket, name, data), kwargs)
        etag = self.put(namespace, bucket, name, data)
        return Response(200, {"etag": etag}, None, None)

    def list_objects(self, namespace: str, bucket: str, **kwargs: Any) -> Response:
        """Names in order from ``start``, at most ``limit``, the size only when ``fields``
        asks for it, the next name when more remain."""
        self._record("list_objects", (namespace, bucket), kwargs)
        names = sorted(name for (ns, b, name) in self.objects
                       if (ns, b) == (namespace, bucket) and name.startswith(kwargs["prefix"])
                       and name >= kwargs.get("start", ""))
        page, rest = names[:kwargs["limit"]], names[kwargs["limit"]:]
        sized = "size" in kwargs.get("fields", "").split(",")
        listing = storage_models.ListObjects(objects=[storage_models.ObjectSummary(
            name=name,
            size=self.listed_sizes.get(name, len(self.objects[namespace, bucket, name].data))
            if sized else None) for name in page], next_start_with=rest[0] if rest else None)
        return Response(200, {}, listing, None)


@dataclass
class FakeDataScience(RecordingClient):
    """One job (and another's), its runs, and retry tokens that return the first run."""

    clock: Clock | None = None
    cost: float = 0.0
    job: models.Job = field(default_factory=lambda: models.Job(
        id=JOB_OCID, project_id=JOB_PROJECT, compartment_id=JOB_COMPARTMENT,
        job_infrastructure_configuration_details=(
            models.StandaloneJobInfrastructureConfigurationDetails(
                shape_name="VM.Standard2.1", block_storage_size_in_gbs=100))))
    runs: dict[str, models.JobRun] = field(default_factory=dict)
    created: list[models.CreateJobRunDetails] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    page_size: int = 2

    def __post_init__(self) -> None:
        RecordingClient.__init__(self, self.clock, self.cost)
        self._ids = itertools.count(1)

    def add_run(self, state: str, job_id: str = JOB_OCID,
                env: dict[str, str] | None = None, logged: bool = False) -> models.JobRun:
        """A run; ``logged``: its output goes to the fake's one log (LOG_GROUP_OCID)."""
        run = models.JobRun(
            id=f"ocid1.datasciencejobrun.oc1.phx.amaaaaaarun{next(self._ids)}",
            job_id=job_id, project_id=JOB_PROJECT, compartment_id=JOB_COMPARTMENT,
            display_name="run", lifecycle_state=state, lifecycle_details=None,
            time_accepted=ACCEPTED_AT, time_started=None, time_finished=None,
            job_configuration_override_details=models.DefaultJobConfigurationDetails(
                environment_variables=env))
        if logged:
            run.log_details = models.JobRunLogDetails(log_group_id=LOG_GROUP_OCID,
                                                      log_id=LOG_OCID)
        self.runs[run.id] = run
        return run

    def get_job(self, job_id: str, **kwargs: Any) -> Response:
        self._record("get_job", (job_id,), kwargs)
        if job_id != self.job.id:
            raise service_error(404, "NotAuthorizedOrNotFound")
        return Response(200, {}, self.job, None)

    def create_job_run(self, details: models.CreateJobRunDetails, **kwargs: Any) -> Response:
        self._record("create_job_run", (details,), kwargs)
        token = kwargs.get("opc_retry_token")
        if token in self.tokens:
            return Response(200, {}, self.runs[self.tokens[token]], None)
        env = details.job_configuration_override_details.environment_variables
        run = self.add_run("ACCEPTED", env=env)
        run.display_name = details.display_name
        run.project_id, run.compartment_id = details.project_id, details.compartment_id
        self.created.append(details)
        if token:
            self.tokens[token] = run.id
        return Response(200, {}, run, None)

    def get_job_run(self, run_id: str, **kwargs: Any) -> Response:
        self._record("get_job_run", (run_id,), kwargs)
        if run_id not in self.runs:
            raise service_error(404, "NotAuthorizedOrNotFound")
        return Response(200, {}, self.runs[run_id], None)

    def cancel_job_run(self, run_id: str, **kwargs: Any) -> Response:
        self._record("cancel_job_run", (run_id,), kwargs)
        run = self.runs.get(run_id)
        if run is None:
            raise service_error(404, "NotAuthorizedOrNotFound")
        if run.lifecycle_state in ("SUCCEEDED", "FAILED", "CANCELED", "DELETED"):
            raise service_error(409, "IncorrectState")
        run.lifecycle_state = "CANCELING"
        return Response(200, {}, None, None)

    def list_job_runs(self, compartment_id: str, **kwargs: Any) -> Response:
        """Newest first, ``page_size`` at a time (page tokens are offsets)."""
        self._record("list_job_runs", (compartment_id,), kwargs)
        runs = [run for run in reversed(list(self.runs.values()))
                if run.compartment_id == compartment_id
                and kwargs.get("job_id") in (None, run.job_id)
                and kwargs.get("lifecycle_state") in (None, run.lifecycle_state)]
        page = kwargs.get("page")
        if page is not None and not page.isdigit():
            raise service_error(400, "InvalidParameter")
        start = int(page or 0)
        size = min(self.page_size, kwargs.get("limit") or self.page_size)
        headers = {}
        if start + size < len(runs):
            headers["opc-next-page"] = str(start + size)
        return Response(200, headers, runs[start:start + size], None)


@dataclass
class LogRecord:
    source: str
    time: datetime
    message: str


class FakeLogging(RecordingClient):
    """Logging management (GetLogGroup) and Logging Search (SearchLogs) over one log group.

    SearchLogs reads the query's stream and ``source = '*<OCID>'`` filter, keeps the records
    in [timeStart, timeEnd), newest first, ``limit`` a page (``opc-next-page`` an offset),
    and, like the service, refuses a window of more than 14 days (400) and one holding more
    than ``too_large`` records ("search result is too large").
    """

    def __init__(self, clock: Clock | None = None, cost: float = 0.0) -> None:
        super().__init__(clock, cost)
        self.records: list[LogRecord] = []
        self.too_large: int | None = None

    def write(self, source: str, time: datetime, message: str) -> None:
        self.records.append(LogRecord(source, time, message))

    def get_log_group(self, log_group_id: str, **kwargs: Any) -> Response:
        self._record("get_log_group", (log_group_id,), kwargs)
        if log_group_id != LOG_GROUP_OCID:
            raise service_error(404, "NotAuthorizedOrNotFound")
        return Response(200, {}, logging_models.LogGroup(
            id=LOG_GROUP_OCID, compartment_id=LOG_COMPARTMENT, display_name="jobs"), None)

    def search_logs(self, details: search_models.SearchLogsDetails, **kwargs: Any) -> Response:
        self._record("search_logs", (details,), kwargs)
        stream = f'search "{LOG_COMPARTMENT}/{LOG_GROUP_OCID}/{LOG_OCID}" '
        if not details.search_query.startswith(stream):
            raise service_error(404, "NotAuthorizedOrNotFound")
        source = details.search_query.split("source = '*", 1)[1].split("'", 1)[0]
        if details.time_end - details.time_start > timedelta(days=14):
            raise service_error(400, "InvalidParameter", message="the time range is too wide")
        found = sorted((r for r in self.records if r.source == source
                        and details.time_start <= r.time < details.time_end),
                       key=lambda r: r.time, reverse=True)
        if self.too_large is not None and len(found) > self.too_large:
            raise service_error(400, "InvalidParameter",
                                message="Search result is too large, narrow the time range")
        start = int(kwargs.get("page") or 0)
        limit = kwargs.get("limit", 100)
        headers = {}
        if start + limit < len(found):
            headers["opc-next-page"] = str(start + limit)
        results = [search_models.SearchResult(data={
            "datetime": int(r.time.timestamp() * 1000),
            "logContent": {"data": {"message": r.message}, "id": f"id-{i}",
                           "source": r.source, "time": r.time.isoformat().replace("+00:00", "Z"),
                           "type": "com.oraclecloud.datascience.jobrun.stdout"}})
            for i, r in enumerate(found[start:start + limit], start)]
        return Response(200, headers, search_models.SearchResponse(
            results=results, summary=search_models.SearchResultSummary(
                result_count=len(results))), None)
