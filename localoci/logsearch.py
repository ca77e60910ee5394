"""Emulated OCI Logging: ``GetLogGroup`` (management, API 20200531) and ``SearchLogs``
(Logging Search, API 20190909), over the records job runs write.

A run whose create request (or job) configures logging writes its output here: what an
executor that runs the job as a process prints becomes records of the run's log, one a
line, ``source`` the run's OCID and ``type`` ``…jobrun.stdout``/``…jobrun.stderr``, stamped
when the emulator first sees the line (it looks on every request), and never later than the
run's finish: a line first seen after it is stamped just before it. Tests may also
:meth:`Logging.write` records. ``SearchLogs`` understands the one query form the function
sends, ``search "<compartment>/<logGroup>/<log>" | where source = '*<OCID>' | sort by
datetime desc``, refuses windows of more than 14 days, and pages with ``opc-next-page``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from .wire import ApiError, Request, Response, Route, new_request_id, rfc3339, utcnow

MANAGEMENT_PREFIX = "/20200531"
SEARCH_PREFIX = "/20190909"
MAX_WINDOW = timedelta(days=14)
MAX_LIMIT, DEFAULT_LIMIT = 1000, 100
_QUERY = re.compile(
    r"""search\s+"(?P<compartment>[^"/]+)/(?P<group>[^"/]+)/(?P<log>[^"/]+)"\s*"""
    r"""\|\s*where\s+source\s*=\s*'\*(?P<source>[^'*]+)'\s*"""
    r"""\|\s*sort\s+by\s+datetime\s+desc\s*\Z""", re.IGNORECASE)


@dataclass(frozen=True)
class Record:
    log_id: str
    source: str
    time: datetime
    message: str
    stream: str = "stdout"


@dataclass(frozen=True)
class RunOutput:
    """What a run printed so far, and where its log goes (from the run's log details)."""

    run_id: str
    compartment_id: str
    log_group_id: str
    log_id: str
    stdout: str
    stderr: str
    finished: datetime | None = None


@dataclass
class _Seen:
    stdout: int = 0  # complete lines already turned into records
    stderr: int = 0


@dataclass
class Logging:
    """Log groups (id → compartment) and the records of their logs.

    ``outputs`` lists the runs whose output is logged (the emulator wires it to the Data
    Science runs and their executor).
    """

    outputs: Callable[[], Iterable[RunOutput]] = lambda: ()
    log_groups: dict[str, str] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    _seen: dict[str, _Seen] = field(default_factory=dict)

    def add_log_group(self, log_group_id: str, compartment_id: str) -> None:
        self.log_groups[log_group_id] = compartment_id

    def write(self, log_id: str, source: str, message: str, time: datetime | None = None,
              stream: str = "stdout") -> None:
        self.records.append(Record(log_id, source, time or utcnow(), message, stream))

    def collect(self) -> None:
        """Turn the complete lines runs printed since the last look into records."""
        for output in self.outputs():
            self.log_groups.setdefault(output.log_group_id, output.compartment_id)
            seen = self._seen.setdefault(output.run_id, _Seen())
            for stream in ("stdout", "stderr"):
                lines = getattr(output, stream).split("\n")[:-1]  # the last one is partial
                done = getattr(seen, stream)
                stamp = utcnow()
                if output.finished is not None:
                    stamp = min(stamp, output.finished - timedelta(milliseconds=1))
                for offset, line in enumerate(lines[done:]):
                    self.write(output.log_id, output.run_id, line.rstrip("\r"),
                               stamp + timedelta(microseconds=min(offset, 999)), stream)
                setattr(seen, stream, len(lines))

    # routes ------------------------------------------------------------------------------

    def resolve(self, method: str, path: str) -> Route | None:
        if path.startswith(MANAGEMENT_PREFIX + "/logGroups/") and method == "GET":
            group_id = unquote(path[len(MANAGEMENT_PREFIX + "/logGroups/"):])
            if group_id and "/" not in group_id:
                return Route("GetLogGroup", lambda request: self._get_log_group(group_id))
        if path == SEARCH_PREFIX + "/search" and method == "POST":
            return Route("SearchLogs", self._search_logs)
        return None

    def _get_log_group(self, group_id: str) -> Response:
        self.collect()
        compartment = self.log_groups.get(group_id)
        if compartment is None:
            raise ApiError(404, "NotAuthorizedOrNotFound",
                           "Authorization failed or requested resource not found.")
        return Response.json(200, {
            "id": group_id, "compartmentId": compartment, "displayName": "localoci-log-group",
            "description": None, "lifecycleState": "ACTIVE", "timeCreated": None,
            "timeLastModified": None, "freeformTags": {}, "definedTags": {}})

    def _search_logs(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "InvalidParameter", "The request body must be an object.")
        start, end = _time(body, "timeStart"), _time(body, "timeEnd")
        if end < start or end - start > MAX_WINDOW:
            raise ApiError(400, "InvalidParameter",
                           "timeStart must be before timeEnd, at most 14 days apart.")
        query = _QUERY.match(str(body.get("searchQuery") or ""))
        if query is None:
            raise ApiError(400, "InvalidParameter", "The emulator understands only "
                           "search \"<compartment>/<logGroup>/<log>\" | where source = "
                           "'*<OCID>' | sort by datetime desc.")
        limit = _limit(request.query.get("limit"))
        offset = _page(request.query.get("page"))
        self.collect()
        if self.log_groups.get(query["group"]) != query["compartment"]:
            raise ApiError(404, "NotAuthorizedOrNotFound",
                           "Authorization failed or requested resource not found.")
        found = sorted((r for r in self.records if r.log_id == query["log"]
                        and r.source.endswith(query["source"]) and start <= r.time < end),
                       key=lambda r: r.time, reverse=True)
        page = found[offset:offset + limit]
        headers = {}
        if offset + limit < len(found):
            headers["opc-next-page"] = str(offset + limit)
        results = [{"data": _data(record, query["compartment"], query["group"])}
                   for record in page]
        return Response.json(200, {"results": results, "fields": None,
                                   "summary": {"resultCount": len(results), "fieldCount": 0}},
                             headers)


def _data(record: Record, compartment_id: str, group_id: str) -> dict[str, Any]:
    return {
        "datetime": int(record.time.timestamp() * 1000),
        "logContent": {
            "data": {"message": record.message},
            "id": new_request_id().lower(),
            "oracle": {"compartmentid": compartment_id, "loggroupid": group_id,
                       "logid": record.log_id, "tenantid": "ocid1.tenancy.oc1..localoci"},
            "source": record.source,
            "specversion": "1.0",
            "subject": "",
            "time": rfc3339(record.time),
            "type": f"com.oraclecloud.datascience.jobrun.{record.stream}",
        },
    }


def _time(body: dict[str, Any], name: str) -> datetime:
    value = body.get(name)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ApiError(400, "InvalidParameter", f"{name} must be an RFC 3339 time.")
    return moment


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ApiError(400, "InvalidParameter", f"limit must be 1 to {MAX_LIMIT}.")
    return int(value)


def _page(value: str | None) -> int:
    if value is None:
        return 0
    if not value.isdigit():
        raise ApiError(400, "InvalidParameter", "page is not a page token of this search.")
    return int(value)
