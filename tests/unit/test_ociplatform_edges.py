"""The OCI call wrapper's edges: what every caller retries, a call the deadline leaves no
time for, an empty object read at an eTag, and the texts a failure is described with."""

from __future__ import annotations

import random

import pytest

from ociplatform.calls import (
    ANY,
    CONNECTION,
    ErrorTable,
    Failure,
    OciService,
    Rule,
    transient,
)
from ociplatform.env import Env
from ociplatform.objects import ObjectRead, read_object
from ociplatform.retry import Deadline, RetryPolicy
from tests.support.fakes import Clock, ScriptedClient, service_error


class Raised(Exception):
    def __init__(self, kind: str, failure: Failure) -> None:
        super().__init__(kind)
        self.kind, self.failure = kind, failure


def error(failure: Failure) -> Exception:
    return Raised("error", failure)


def throttled(failure: Failure) -> Exception:
    return Raised("throttled", failure)


def test_every_caller_retries_throttling_server_errors_no_answer_and_busy_resources():
    rows = transient(error, throttled=throttled, operation="GetJob")
    assert rows[("GetJob", 429, ANY)] == Rule(throttled, retry=True)
    assert rows[("GetJob", "5xx", ANY)] == Rule(error, retry=True)
    assert rows[("GetJob", 501, ANY)] == Rule(error, retry=False)
    assert rows[("GetJob", CONNECTION, ANY)] == Rule(error, retry=True)
    assert rows[("GetJob", 409, "IncorrectState")] == Rule(error, retry=True)
    assert rows[("GetJob", 409, "LockConflict")] == Rule(error, retry=True)
    assert len(rows) == 6


def test_throttling_is_the_callers_error_when_it_has_no_throttled_one():
    assert transient(error)[(ANY, 429, ANY)] == Rule(error, retry=True)


def test_an_error_table_must_end_in_a_catch_all_row():
    with pytest.raises(ValueError) as raised:
        ErrorTable({("GetJob", 404, ANY): Rule(error)}, no_time=error)
    assert str(raised.value) == "an error table needs an (ANY, ANY, ANY) row"


def service(client: ScriptedClient, rows: dict | None = None) -> OciService:
    table = ErrorTable({**(rows or {}), (ANY, ANY, ANY): Rule(error)},
                       no_time=lambda failure: Raised("no time", failure))
    clock = client.clock or Clock()
    return OciService(client, "Object Storage", table,
                      RetryPolicy(rng=random.Random(1), sleep=clock.sleep))


def test_a_call_the_deadline_leaves_no_time_for_is_never_sent():
    clock = Clock()
    client = ScriptedClient(clock, {"get_object": [object()]})
    with pytest.raises(Raised) as raised:
        service(client).call("get_object", "ns", "b", "o", subject="the spec",
                             deadline=Deadline(at=clock.now, clock=clock),
                             context=frozenset({"given"}))
    assert raised.value.kind == "no time"
    assert raised.value.failure == Failure(
        "Object Storage", "GetObject", "the spec", CONNECTION, "", "NoTimeLeft", attempts=0,
        out_of_time=True, context=frozenset({"given"}))
    assert client.calls == []
    assert raised.value.failure.describe() == (
        "Object Storage timed out on GetObject (0 attempts, NoTimeLeft)")


def test_an_empty_object_read_at_an_etag_answers_that_etag():
    clock = Clock()
    client = ScriptedClient(clock, {"get_object": [service_error(416, "InvalidRange")]})
    storage = service(client, {("GetObject", 416, ANY): Rule(None)})
    read = read_object(storage, "ns", "b", "o", limit=10, subject="the spec",
                       deadline=Deadline(at=clock.now + 30, clock=clock), if_match="etag-7")
    assert read == ObjectRead(b"", "etag-7", False)
    assert client.calls[0].kwargs == {"range": "bytes=0-10", "if_match": "etag-7"}


@pytest.mark.parametrize(("message", "described"), [
    ("", "Data Science answered 500 InternalServerError to CreateJobRun (1 attempt)"),
    ("x" * 301, "Data Science answered 500 InternalServerError to CreateJobRun (1 attempt): "
                + "x" * 300),
])
def test_an_answer_is_described_with_at_most_300_characters_of_its_message(message, described):
    failure = Failure("Data Science", "CreateJobRun", "", 500, "InternalServerError",
                      "ServiceError", message=message)
    assert failure.describe() == described


def test_an_endpoint_override_loses_its_trailing_slash():
    env = Env({"OCI_OBJECT_STORAGE_ENDPOINT": "http://127.0.0.1:8080/"})
    assert env.endpoint("OCI_OBJECT_STORAGE_ENDPOINT") == "http://127.0.0.1:8080"
