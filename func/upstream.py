"""What each OCI answer means to the function: one table, read by every call.

A row is (operation, HTTP status, service code) → retry or not, and the contract's error
(README: "Answers"). Transient failures are retried while ``Fn-Deadline`` allows; when time
or attempts run out, 429 becomes ``UpstreamThrottled``, no answer ``DeadlineExceeded`` (or
``UpstreamError`` if the service could not be reached at all) and the rest ``UpstreamError``.
"""

from __future__ import annotations

from ociplatform.calls import ANY, ErrorTable, Failure, Rule, transient
from ociplatform.objects import OBJECT_ROWS

from .errors import (
    ConfigurationError,
    Conflict,
    DeadlineExceeded,
    InvalidRequest,
    NotFound,
    SpecChanged,
    SpecNotFound,
    UpstreamError,
    UpstreamThrottled,
)

# Facts about a call (not visible in OCI's answer) that some rows depend on.
PAGE_GIVEN = "page given by the caller"
COMPARTMENT_GIVEN = "compartment given by the caller"


def upstream(failure: Failure) -> UpstreamError | DeadlineExceeded:
    if failure.out_of_time and failure.status < 0:
        return DeadlineExceeded(failure.describe())
    return UpstreamError(failure.describe())


def throttled(failure: Failure) -> UpstreamThrottled:
    return UpstreamThrottled(f"{failure.describe()}: still throttled as the deadline nears")


def no_time(failure: Failure) -> DeadlineExceeded:
    return DeadlineExceeded(f"no time left to call {failure.operation} on {failure.service}")


def spec_not_found(failure: Failure) -> SpecNotFound:
    return SpecNotFound(f"{failure.subject} does not exist or the function may not read it "
                        "(Object Storage answers 404 for both)", field="specLocation")


def spec_changed(failure: Failure) -> SpecChanged:
    return SpecChanged(f"{failure.subject} changed after the event was sent (eTag no longer "
                       "matches); the newer upload fires its own event", field="specLocation")


def job_not_readable(failure: Failure) -> ConfigurationError:
    return ConfigurationError("JOB_OCID does not exist or the function may not read it "
                              f"({failure.status} {failure.code})", field="JOB_OCID")


def no_such_run(failure: Failure) -> NotFound:
    return NotFound("no such job run", field="jobRunId")


def key_reused(failure: Failure) -> Conflict:
    return Conflict("Data Science refused the run: the idempotency key was already used for "
                    f"a different request ({failure.code})")


def cancel_refused(failure: Failure) -> Conflict:
    return Conflict(f"Data Science refused to cancel the run ({failure.code})")


class SearchTooLarge(Exception):
    """Logging Search refused a window as too large: the caller searches it in halves."""


def search_refused(failure: Failure) -> SearchTooLarge | UpstreamError | DeadlineExceeded:
    if "search result is too large" in failure.message.lower():
        return SearchTooLarge()  # a signal to search in halves: never answered
    return upstream(failure)


def log_group_not_readable(failure: Failure) -> ConfigurationError:
    return ConfigurationError("the function may not read the run's log group, or it no longer "
                              f"exists ({failure.status} {failure.code}): grant it read "
                              "log-groups in the log group's compartment",
                              field="logGroupId")


def log_not_searchable(failure: Failure) -> ConfigurationError:
    return ConfigurationError("the function may not search the run's log "
                              f"({failure.status} {failure.code}): grant it read log-content "
                              "in the log group's compartment", field="logId")


def listing_refused(failure: Failure) -> InvalidRequest | UpstreamError | DeadlineExceeded:
    # Every other list parameter is checked before the call: a 400 is about the page token.
    if PAGE_GIVEN in failure.context:
        return InvalidRequest("page is not a nextPage Data Science recognises "
                              f"({failure.code})", field="page")
    return upstream(failure)


def compartment_not_listable(failure: Failure) -> NotFound | UpstreamError | DeadlineExceeded:
    if COMPARTMENT_GIVEN in failure.context:
        return NotFound("the compartment does not exist or the function may not list job "
                        f"runs in it ({failure.status} {failure.code})", field="compartmentId")
    return upstream(failure)


ERRORS = ErrorTable({
    **transient(upstream, throttled=throttled),
    **OBJECT_ROWS,
    ("GetObject", 403, ANY): Rule(spec_not_found),
    ("GetObject", 404, ANY): Rule(spec_not_found),
    ("GetObject", 412, ANY): Rule(spec_changed),
    ("GetJob", 401, ANY): Rule(job_not_readable),
    ("GetJob", 403, ANY): Rule(job_not_readable),
    ("GetJob", 404, ANY): Rule(job_not_readable),
    ("GetJobRun", 404, ANY): Rule(no_such_run),
    # A reused retry token: with another body (Conflict), or after a conflicting change
    # (InvalidatedRetryToken). Other 409s to a create are the busy ones transient() retries.
    ("CreateJobRun", 409, "Conflict"): Rule(key_reused),
    ("CreateJobRun", 409, "InvalidatedRetryToken"): Rule(key_reused),
    # A run that is already terminal answers 409 (IncorrectState): that is final, not busy.
    ("CancelJobRun", 409, ANY): Rule(cancel_refused),
    ("CancelJobRun", 404, ANY): Rule(no_such_run),
    ("ListJobRuns", 400, ANY): Rule(listing_refused),
    ("ListJobRuns", 401, ANY): Rule(compartment_not_listable),
    ("ListJobRuns", 403, ANY): Rule(compartment_not_listable),
    ("ListJobRuns", 404, ANY): Rule(compartment_not_listable),
    ("GetLogGroup", 401, ANY): Rule(log_group_not_readable),
    ("GetLogGroup", 403, ANY): Rule(log_group_not_readable),
    ("GetLogGroup", 404, ANY): Rule(log_group_not_readable),
    ("SearchLogs", 400, ANY): Rule(search_refused),
    ("SearchLogs", 401, ANY): Rule(log_not_searchable),
    ("SearchLogs", 403, ANY): Rule(log_not_searchable),
    ("SearchLogs", 404, ANY): Rule(log_not_searchable),
    (ANY, ANY, ANY): Rule(upstream),
}, no_time=no_time)
