"""The call wrapper's retries: what is retried, the backoff, and the deadline."""

import random
from datetime import UTC, datetime

import pytest
from oci import exceptions

from func.errors import DeadlineExceeded, UpstreamError, UpstreamThrottled
from func.upstream import ERRORS
from ociplatform.calls import OciService
from ociplatform.retry import Deadline, RetryPolicy
from tests.support.fakes import Clock, ScriptedClient, service_error

NOW = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)


def service(clock: Clock, client: ScriptedClient, seed: int = 1) -> OciService:
    return OciService(client, "S", ERRORS,
                      RetryPolicy(rng=random.Random(seed), sleep=clock.sleep))


@pytest.mark.parametrize("header, seconds", [
    ("2026-11-27T10:00:30Z", 30), ("2026-11-27T10:00:06.500Z", 6.5),
    ("2026-11-27T10:00:30+00:00", 30), ("2026-11-27T11:00:30+01:00", 30),
    ("2026-11-27T10:00:30", 30), (None, 30), ("garbage", 30), ("2026-11-27T11:00:00Z", 300),
])
def test_deadline_header_parsing(header, seconds):
    clock = Clock()
    deadline = Deadline.from_header(header, clock=clock, now=NOW)
    assert deadline.at - clock.now == pytest.approx(seconds)
    assert deadline.remaining() == pytest.approx(seconds - 3)


@pytest.mark.parametrize("error, attempts", [
    (service_error(429, "TooManyRequests"), 2),
    (service_error(500, "InternalServerError"), 2),
    (service_error(503, "ServiceUnavailable"), 2),
    (service_error(501, "NotImplemented"), 1),
    (service_error(409, "IncorrectState"), 2),
    (service_error(409, "LockConflict"), 2),
    (service_error(400, "InvalidParameter"), 1),
    (exceptions.RequestException("connection dropped"), 2),
    (exceptions.ConnectTimeout("slow"), 2),
])
def test_what_is_retried(error, attempts):
    clock = Clock()
    client = ScriptedClient(clock, {"get_thing": [error, "ok"]})
    deadline = Deadline(at=clock.now + 30, clock=clock)
    if attempts == 2:
        assert service(clock, client).call("get_thing", deadline=deadline) == "ok"
    else:
        with pytest.raises(UpstreamError):
            service(clock, client).call("get_thing", deadline=deadline)
    assert len(client.calls) == attempts


def test_a_bug_is_not_retried_and_not_mapped():
    clock = Clock()
    client = ScriptedClient(clock, {"get_thing": [ValueError("bug")]})
    with pytest.raises(ValueError):
        service(clock, client).call("get_thing", deadline=Deadline(at=clock.now + 30,
                                                                    clock=clock))
    assert len(client.calls) == 1


def test_succeeds_after_transient_failures_and_caps_timeouts():
    clock = Clock()
    deadline = Deadline(at=clock.now + 10, clock=clock)
    client = ScriptedClient(clock, {"get_thing": [
        service_error(503, "x"), exceptions.RequestException("drop"), "ok"]})
    assert service(clock, client).call("get_thing", deadline=deadline) == "ok"
    timeouts = [call.timeout for call in client.calls]
    assert len(timeouts) == 3
    assert all(read <= 7 and connect <= 5 for connect, read in timeouts)


def test_persistent_throttling_is_upstream_throttled_before_the_deadline():
    clock = Clock()
    deadline = Deadline(at=clock.now + 8, clock=clock)
    client = ScriptedClient(clock, {"get_thing": [service_error(429, "TooManyRequests")]},
                            cost=0.05)
    with pytest.raises(UpstreamThrottled, match="429 TooManyRequests"):
        service(clock, client).call("get_thing", deadline=deadline)
    assert len(client.calls) > 1
    assert clock.now <= deadline.at - deadline.margin


def test_persistent_5xx_is_upstream_error():
    clock = Clock()
    client = ScriptedClient(clock, {"get_thing": [service_error(500, "InternalServerError")]},
                            cost=0.01)
    with pytest.raises(UpstreamError,
                       match=r"S answered 500 InternalServerError to GetThing "
                             r"\(10 attempts, opc-request-id req-1\): msg"):
        service(clock, client).call("get_thing",
                                    deadline=Deadline(at=clock.now + 60, clock=clock))
    assert len(client.calls) == RetryPolicy().max_attempts


def test_timeouts_until_the_deadline_are_deadline_exceeded():
    clock = Clock()
    deadline = Deadline(at=clock.now + 6, clock=clock)
    client = ScriptedClient(clock, {"get_thing": [exceptions.RequestException("timed out")]},
                            cost=1.0)
    with pytest.raises(DeadlineExceeded, match="S timed out on GetThing"):
        service(clock, client).call("get_thing", deadline=deadline)
    assert clock.now <= deadline.at - deadline.margin + 1.0


def test_no_time_left_means_no_call():
    clock = Clock()
    client = ScriptedClient(clock, {"get_thing": ["ok"]})
    with pytest.raises(DeadlineExceeded, match="no time left to call GetThing on S"):
        service(clock, client).call("get_thing",
                                    deadline=Deadline(at=clock.now + 3.2, clock=clock))
    assert client.calls == []


def test_retry_after_header_is_honoured():
    clock = Clock()
    client = ScriptedClient(clock, {"get_thing": [
        service_error(429, "x", {"retry-after": "2"}), "ok"]})
    start = clock.now
    service(clock, client).call("get_thing", deadline=Deadline(at=clock.now + 30, clock=clock))
    assert clock.now - start == pytest.approx(2)


def test_backoff_is_jittered_and_capped():
    p = RetryPolicy(base_delay=0.2, max_delay=4.0)
    delays = [p.backoff(n) for n in range(12) for _ in range(20)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert len(set(delays)) > 100
