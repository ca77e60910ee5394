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
from ociplatform.env import Env, EnvProblem
from ociplatform.objects import OBJECT_ROWS, ObjectRead, read_object
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
    storage = service(client, OBJECT_ROWS)
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


def test_a_connection_failure_keeps_the_subject_it_was_about():
    from oci.exceptions import RequestException

    from ociplatform.calls import describe_failure

    failure = describe_failure(RequestException("reset"), "Object Storage", "GetObject",
                               "the spec oci://b@ns/x", attempts=2)
    assert failure == Failure("Object Storage", "GetObject", "the spec oci://b@ns/x",
                              CONNECTION, "", "RequestException", attempts=2)


def test_the_first_retry_waits_the_first_backoff():
    clock = Clock()
    sleeps: list[float] = []
    client = ScriptedClient(clock, {"get_job": [service_error(500, "InternalServerError"),
                                                "answer"]})
    table = ErrorTable({**transient(error), (ANY, ANY, ANY): Rule(error)}, no_time=error)
    policy = RetryPolicy(rng=random.Random(5), sleep=sleeps.append)
    answer = OciService(client, "Data Science", table, policy).call(
        "get_job", "ocid", deadline=Deadline(at=clock.now + 60, clock=clock))
    assert answer == "answer"
    expected = random.Random(5).uniform(0, min(policy.max_delay, policy.base_delay))
    assert sleeps == [expected]


def test_a_client_is_built_for_the_signers_region():
    from ociplatform.clients import build_client

    class Signer:
        region = "us-phoenix-1"

    built: list[dict] = []

    def client_class(config: dict, **kwargs: object) -> str:
        built.append(config)
        return "client"

    assert build_client(client_class, Signer()) == "client"
    assert build_client(client_class, object()) == "client"
    assert built == [{"region": "us-phoenix-1"}, {}]


def test_a_missing_variable_is_named_without_a_hint_by_default():
    from ociplatform.env import EnvProblem

    with pytest.raises(EnvProblem) as raised:
        Env({}).required("JOB_OCID")
    assert raised.value.message == "JOB_OCID is not set"


def test_backoff_doubles_up_to_its_cap():
    class Top:
        """An rng that always draws the top of the range."""

        def uniform(self, low: float, high: float) -> float:
            return high

    policy = RetryPolicy(rng=Top(), base_delay=1.0, max_delay=5.0)
    assert [policy.backoff(n) for n in range(4)] == [1.0, 2.0, 4.0, 5.0]


def test_an_answer_without_a_code_has_an_empty_code():
    from oci.exceptions import ServiceError

    from ociplatform.calls import describe_failure

    failure = describe_failure(ServiceError(500, None, {}, None), "Data Science", "GetJob",
                               "", attempts=1)
    assert (failure.status, failure.code, failure.message) == (500, "", "")


def test_an_object_answered_without_an_etag_reads_with_an_empty_one():
    from oci.response import Response

    class Body:
        def iter_content(self, size: int):
            yield b"data"

        def close(self) -> None:
            pass

    clock = Clock()
    client = ScriptedClient(clock, {"get_object": [Response(200, {}, Body(), None)]})
    read = read_object(service(client), "ns", "b", "o", limit=10, subject="the spec",
                       deadline=Deadline(at=clock.now + 30, clock=clock))
    assert read == ObjectRead(b"data", "", False)


def test_an_https_only_endpoint_takes_an_https_url_and_refuses_http():
    env = Env({"A": "https://objectstorage.example.com/", "B": "http://127.0.0.1:8080"})
    assert env.endpoint("A", https_only=True) == "https://objectstorage.example.com"
    with pytest.raises(EnvProblem) as refused:
        env.endpoint("B", https_only=True, hint=" (set X for http)")
    assert refused.value.message == "B must be an https URL (set X for http)"
