"""Every row of the function's and the job container's error tables, through the wrapper:
what an OCI answer becomes and whether it is retried."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from oci import exceptions

from func import errors
from func.upstream import COMPARTMENT_GIVEN, ERRORS, PAGE_GIVEN, SearchTooLarge
from job import errors as job_errors
from job.storage import ERRORS as JOB_ERRORS
from ociplatform.calls import ANY, CONNECTION, ErrorTable, Failure, OciService, Rule
from ociplatform.objects import EmptyObject
from ociplatform.retry import Deadline, RetryPolicy
from tests.support.fakes import Clock, ScriptedClient, service_error

# (operation, status, code) → (error the caller gets, retried?). EmptyObject is read_object's
# answer of no bytes (tests/unit/test_ociplatform.py).
FUNCTION_ROWS = {
    (ANY, 429, ANY): (errors.UpstreamThrottled, True),
    (ANY, "5xx", ANY): (errors.UpstreamError, True),
    (ANY, 501, ANY): (errors.UpstreamError, False),
    (ANY, CONNECTION, ANY): (errors.UpstreamError, True),
    (ANY, 409, "IncorrectState"): (errors.UpstreamError, True),
    (ANY, 409, "LockConflict"): (errors.UpstreamError, True),
    ("GetObject", 403, ANY): (errors.SpecNotFound, False),
    ("GetObject", 404, ANY): (errors.SpecNotFound, False),
    ("GetObject", 412, ANY): (errors.SpecChanged, False),
    ("GetObject", 416, ANY): (EmptyObject, False),
    ("GetJob", 401, ANY): (errors.ConfigurationError, False),
    ("GetJob", 403, ANY): (errors.ConfigurationError, False),
    ("GetJob", 404, ANY): (errors.ConfigurationError, False),
    ("GetJobRun", 404, ANY): (errors.NotFound, False),
    ("CreateJobRun", 409, "Conflict"): (errors.Conflict, False),
    ("CreateJobRun", 409, "InvalidatedRetryToken"): (errors.Conflict, False),
    ("CancelJobRun", 409, ANY): (errors.Conflict, False),
    ("CancelJobRun", 404, ANY): (errors.NotFound, False),
    ("ListJobRuns", 400, ANY): (errors.UpstreamError, False),
    ("ListJobRuns", 401, ANY): (errors.UpstreamError, False),
    ("ListJobRuns", 403, ANY): (errors.UpstreamError, False),
    ("ListJobRuns", 404, ANY): (errors.UpstreamError, False),
    ("GetLogGroup", 401, ANY): (errors.ConfigurationError, False),
    ("GetLogGroup", 403, ANY): (errors.ConfigurationError, False),
    ("GetLogGroup", 404, ANY): (errors.ConfigurationError, False),
    ("SearchLogs", 400, ANY): (errors.UpstreamError, False),
    ("SearchLogs", 401, ANY): (errors.ConfigurationError, False),
    ("SearchLogs", 403, ANY): (errors.ConfigurationError, False),
    ("SearchLogs", 404, ANY): (errors.ConfigurationError, False),
    (ANY, ANY, ANY): (errors.UpstreamError, False),
}
JOB_ROWS = {
    ("GetObject", 429, ANY): (job_errors.NotReadable, True),
    ("GetObject", "5xx", ANY): (job_errors.NotReadable, True),
    ("GetObject", 501, ANY): (job_errors.NotReadable, False),
    ("GetObject", CONNECTION, ANY): (job_errors.NotReadable, True),
    ("GetObject", 409, "IncorrectState"): (job_errors.NotReadable, True),
    ("GetObject", 409, "LockConflict"): (job_errors.NotReadable, True),
    ("GetObject", 401, ANY): (job_errors.NotReadable, False),
    ("GetObject", 403, ANY): (job_errors.NotReadable, False),
    ("GetObject", 404, ANY): (job_errors.NotReadable, False),
    ("GetObject", 412, ANY): (job_errors.NotReadable, False),
    ("GetObject", 416, ANY): (EmptyObject, False),
    ("GetObject", ANY, ANY): (job_errors.NotReadable, False),
    ("PutObject", 429, ANY): (job_errors.UploadFailed, True),
    ("PutObject", "5xx", ANY): (job_errors.UploadFailed, True),
    ("PutObject", 501, ANY): (job_errors.UploadFailed, False),
    ("PutObject", CONNECTION, ANY): (job_errors.UploadFailed, True),
    ("PutObject", 409, "IncorrectState"): (job_errors.UploadFailed, True),
    ("PutObject", 409, "LockConflict"): (job_errors.UploadFailed, True),
    (ANY, ANY, ANY): (job_errors.UploadFailed, False),
}


def example(key: tuple) -> tuple[str, int, str]:
    """A concrete answer that the row ``key`` is the most specific match for."""
    operation, status, code = key
    operation = "PutObject" if operation == ANY else operation
    status = {"5xx": 503, ANY: 418}.get(status, status)
    return operation, status, "SomeCode" if code == ANY else code


def raised(status: int, code: str) -> BaseException:
    if status == CONNECTION:
        return exceptions.RequestException("connection reset")
    return service_error(status, code)


def outcome_of(table: ErrorTable, key: tuple, context=frozenset()):
    operation, status, code = example(key)
    clock = Clock()
    method = "_".join(part.lower() for part in re.findall("[A-Z][a-z]*", operation))
    client = ScriptedClient(clock, {method: [raised(status, code), "answer"]})
    service = OciService(client, "Svc", table, RetryPolicy(rng=random.Random(3),
                                                           sleep=clock.sleep))
    try:
        result = service.call(method, deadline=Deadline(at=clock.now + 30, clock=clock),
                              subject="the thing", context=context)
    except Exception as exc:  # noqa: BLE001 - the error is what is checked
        return type(exc), len(client.calls)
    return result, len(client.calls)


@pytest.mark.parametrize("table, rows", [(ERRORS, FUNCTION_ROWS), (JOB_ERRORS, JOB_ROWS)],
                         ids=["function", "job"])
def test_every_row_is_tested(table, rows):
    assert set(table.rows) == set(rows)


@pytest.mark.parametrize("key", list(FUNCTION_ROWS), ids=str)
def test_function_rows(key):
    expected, retried = FUNCTION_ROWS[key]
    assert ERRORS.rule(*example(key)) is ERRORS.rows[key]
    result, calls = outcome_of(ERRORS, key)
    if retried:
        assert (result, calls) == ("answer", 2)  # (when it never succeeds: the test below)
    else:
        assert (result, calls) == (expected, 1)


@pytest.mark.parametrize("key", list(JOB_ROWS), ids=str)
def test_job_rows(key):
    expected, retried = JOB_ROWS[key]
    assert JOB_ERRORS.rule(*example(key)) is JOB_ERRORS.rows[key]
    result, calls = outcome_of(JOB_ERRORS, key)
    if retried:
        assert (result, calls) == ("answer", 2)
    else:
        assert (result, calls) == (expected, 1)


@pytest.mark.parametrize("table, rows", [(ERRORS, FUNCTION_ROWS), (JOB_ERRORS, JOB_ROWS)],
                         ids=["function", "job"])
def test_retried_rows_raise_their_error_when_retries_run_out(table, rows):
    for key, (expected, retried) in rows.items():
        if not retried:
            continue
        operation, status, code = example(key)
        rule = table.rows[key]
        assert rule.retry and rule.error is not None
        clock = Clock()
        method = "get_object" if operation == "GetObject" else "put_object"
        client = ScriptedClient(clock, {method: [raised(status, code)]}, cost=0.1)
        service = OciService(client, "Svc", table, RetryPolicy(rng=random.Random(3),
                                                               sleep=clock.sleep))
        with pytest.raises(expected):
            service.call(method, deadline=Deadline(at=clock.now + 60, clock=clock))
        assert len(client.calls) == RetryPolicy().max_attempts


@pytest.mark.parametrize("key, context, expected", [
    (("ListJobRuns", 400, ANY), {PAGE_GIVEN}, errors.InvalidRequest),
    (("ListJobRuns", 404, ANY), {COMPARTMENT_GIVEN}, errors.NotFound),
    (("ListJobRuns", 403, ANY), {COMPARTMENT_GIVEN}, errors.NotFound),
    (("ListJobRuns", 401, ANY), {COMPARTMENT_GIVEN}, errors.NotFound),
])
def test_list_rows_depend_on_what_the_caller_gave(key, context, expected):
    assert outcome_of(ERRORS, key, frozenset(context)) == (expected, 1)


def test_a_search_result_too_large_is_told_apart_for_the_caller_to_halve():
    rule = ERRORS.rule("SearchLogs", 400, "InvalidParameter")
    failure = Failure("Logging Search", "SearchLogs", "", 400, "InvalidParameter", "E",
                      message="Search result is too large, narrow the time range")
    assert type(rule.error(failure)) is SearchTooLarge
    assert type(rule.error(replace(failure, message="bad query"))) is errors.UpstreamError


def test_the_most_specific_row_wins():
    table = ErrorTable({
        ("Op", 409, ANY): Rule(lambda f: KeyError("op-409")),
        (ANY, 409, "Busy"): Rule(lambda f: KeyError("any-409-busy"), retry=True),
        (ANY, "4xx", ANY): Rule(lambda f: KeyError("4xx")),
        (ANY, ANY, ANY): Rule(lambda f: KeyError("any")),
    }, no_time=lambda f: KeyError("no time"))

    def name(operation: str, status: int, code: str) -> str:
        rule = table.rule(operation, status, code)
        assert rule.error is not None
        return str(rule.error(None).args[0])  # type: ignore[arg-type]

    assert name("Op", 409, "Busy") == "op-409"  # the operation's own row beats a generic one
    assert name("Other", 409, "Busy") == "any-409-busy"
    assert name("Op", 409, "Other") == "op-409"
    assert name("Other", 409, "Other") == "4xx"
    assert name("Other", 503, "X") == "any"
    assert name("Other", CONNECTION, "") == "any"


def test_a_row_that_repeats_a_more_general_row_is_refused():
    def refused(failure):
        return KeyError("refused")
    with pytest.raises(ValueError, match="repeats"):
        ErrorTable({("Op", 409, ANY): Rule(refused), ("Op", 409, "Busy"): Rule(refused),
                    (ANY, ANY, ANY): Rule(refused, retry=True)}, no_time=refused)
    with pytest.raises(ValueError, match="repeats"):
        ErrorTable({("Op", 404, ANY): Rule(refused), (ANY, ANY, ANY): Rule(refused)},
                   no_time=refused)


def test_every_rule_names_an_error():
    with pytest.raises(TypeError):
        Rule()  # type: ignore[call-arg]


def test_a_table_must_say_what_anything_else_means():
    with pytest.raises(ValueError, match="ANY, ANY, ANY"):
        ErrorTable({}, no_time=lambda f: KeyError())
