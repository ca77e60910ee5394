"""The ``logs`` handler: a run's log lines from OCI Logging, read with Logging Search.

Data Science ships a job run's stdout and stderr to the log its ``log_details`` name (from
the spec's ``logGroupId``/``logId`` or the job's log configuration), each record's
``source`` being the run's OCID. Three calls read them, as oracle-ads does
(``ads/common/oci_logging.py``):

1. ``GetJobRun``: the run (another job's run is NotFound) and its log group and log;
2. ``GetLogGroup`` (Logging management): the compartment the search must name;
3. ``SearchLogs`` (Logging Search): ``search "<compartment>/<logGroup>/<log>" | where
   source = '*<run>' | sort by datetime desc`` (``source = '<run>'`` is refused by the
   service, ``'*<run>'`` works), over the run's window (accepted → finished, or now) in
   slices of at most 14 days, newest first, 1,000 results a page (following
   ``opc-next-page``), and a slice the service calls "too large" searched in halves.

The SDK modules of both Logging clients are imported on this operation's first call only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ociplatform.calls import OciService
from ociplatform.retry import Deadline
from ocirefs import jobruns
from ocirefs.ocids import is_ocid

from .errors import ConfigurationError, LogsNotConfigured, UpstreamError
from .request import LogsRequest
from .runstates import get_run
from .upstream import ERRORS, SearchTooLarge

if TYPE_CHECKING:
    from .service import Invocation, Launcher

Body = dict[str, Any]

WINDOW = timedelta(days=14)  # Logging Search: a request's window is at most 14 days
PAGE = 1000  # Logging Search: at most 1,000 results a request
# Times travel as RFC 3339 with milliseconds: a narrower window cannot be halved.
MIN_SPAN = timedelta(milliseconds=1)
NOT_CONFIGURED = (
    "the job run has no log: set logGroupId (and logId, or leave it out for Data Science "
    "to create one) in the spec, or enable logging in the job's log configuration")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Line:
    """One log line: its time (parsed, and as OCI wrote it, which the answer shows) and text."""

    time: datetime
    text: str
    shown_time: str

    def to_dict(self) -> Body:
        return {"time": self.shown_time, "message": self.text}


@dataclass(frozen=True)
class Search:
    """One run's records in one log, through Logging Search with the function's table."""

    service: OciService
    query: str
    deadline: Deadline

    def newest(self, start: datetime, end: datetime, want: int) -> list[Line]:
        """Up to ``want`` newest lines of [start, end), newest first, slice by slice."""
        lines: list[Line] = []
        slice_end = end
        while slice_end > start and len(lines) < want:
            slice_start = max(start, slice_end - WINDOW)
            lines += self._window(slice_start, slice_end, want - len(lines))
            slice_end = slice_start
        return lines

    def _window(self, start: datetime, end: datetime, want: int) -> list[Line]:
        try:
            return self._pages(start, end, want)
        except SearchTooLarge:
            if end - start <= MIN_SPAN:
                raise UpstreamError("Logging Search finds the run's log too large to search "
                                    "even over a millisecond") from None
            middle = start + (end - start) / 2
            newer = self._window(middle, end, want)
            if len(newer) >= want:
                return newer
            return newer + self._window(start, middle, want - len(newer))

    def _pages(self, start: datetime, end: datetime, want: int) -> list[Line]:
        from oci.loggingsearch.models import SearchLogsDetails

        details = SearchLogsDetails(time_start=start, time_end=end, search_query=self.query)
        lines: list[Line] = []
        page = None
        while len(lines) < want:
            kwargs: dict[str, Any] = {"limit": PAGE}
            if page is not None:
                kwargs["page"] = page
            response = self.service.call("search_logs", details, deadline=self.deadline,
                                         **kwargs)
            results = response.data.results or []
            lines += [line for line in map(_line, results) if line is not None]
            page = response.headers.get("opc-next-page")
            if not page or not results:
                break
        return lines[:want]


def logs(launcher: Launcher, request: LogsRequest, invocation: Invocation) -> Body:
    deadline = invocation.deadline
    run = get_run(launcher, request.job_run_id, deadline)
    details = run.log_details  # None when the run has no log
    group_id = getattr(details, "log_group_id", None)
    log_id = getattr(details, "log_id", None)
    if not group_id or not log_id:
        raise LogsNotConfigured(NOT_CONFIGURED, field="jobRunId")
    if launcher.clients.logging is None:
        raise ConfigurationError("the function was built without Logging clients")
    clients = launcher.clients.logging.get()
    management = OciService(clients.management, "Logging", ERRORS, launcher.policy)
    group = management.call("get_log_group", group_id, deadline=deadline).data
    compartment_id = group.compartment_id
    if not (is_ocid(compartment_id, "compartment") and is_ocid(group_id, "loggroup")
            and is_ocid(log_id, "log")):
        raise UpstreamError("OCI named the run's log with something that is not an OCID")
    query = (f'search "{compartment_id}/{group_id}/{log_id}" '
             f"| where source = '*{run.id}' | sort by datetime desc")
    search = Search(OciService(clients.search, "Logging Search", ERRORS, launcher.policy),
                    query, deadline)

    start = run.time_accepted
    end = run.time_finished or utc_now()
    if request.since is not None:
        start = max(start, request.since)
    found = [line for line in search.newest(start, end, request.tail + 1)
             if request.since is None or line.time > request.since]
    more = len(found) > request.tail
    lines = sorted(found[:request.tail], key=lambda line: line.time)
    return {"operation": "logs", "jobRunId": run.id,
            "lines": [line.to_dict() for line in lines], "more": more,
            "terminal": run.lifecycle_state in jobruns.TERMINAL}


def _line(result: Any) -> Line | None:
    """A SearchResult's ``logContent.time`` and ``logContent.data.message``; None for a
    record without a usable time."""
    data = result.data if isinstance(result.data, dict) else {}
    content = data.get("logContent") or {}
    shown = content.get("time")
    if not isinstance(shown, str):
        return None
    try:
        time = datetime.fromisoformat(shown)  # Python 3.11 reads a trailing Z itself
    except ValueError:
        return None
    if time.tzinfo is None:
        time = time.replace(tzinfo=UTC)
    message = (content.get("data") or {}).get("message")
    return Line(time, str(message or ""), shown)
