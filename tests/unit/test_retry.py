from datetime import UTC, datetime

import pytest
from oci import exceptions

from func.errors import DeadlineExceeded, UpstreamError, UpstreamThrottled
from func.retry import Deadline, RetryPolicy, call, is_retryable

NOW = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeClient:
    class base_client:
        timeout = (10, 60)


def service_error(status, code, headers=None):
    return exceptions.ServiceError(status, code, headers or {"opc-request-id": "req-1"}, "msg")


def scripted(clock, outcomes, cost=0.0):
    calls = []

    def fn():
        calls.append(FakeClient.base_client.timeout)
        clock.now += cost
        outcome = outcomes[min(len(calls), len(outcomes)) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
    return fn, calls


def policy(clock, seed=1):
    import random
    return RetryPolicy(rng=random.Random(seed), sleep=clock.sleep)


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


@pytest.mark.parametrize("error, retryable", [
    (service_error(429, "TooManyRequests"), True),
    (service_error(500, "InternalServerError"), True),
    (service_error(503, "ServiceUnavailable"), True),
    (service_error(501, "NotImplemented"), False),
    (service_error(409, "IncorrectState"), True),
    (service_error(409, "Conflict"), False),
    (service_error(404, "NotFound"), False),
    (service_error(400, "InvalidParameter"), False),
    (exceptions.RequestException("connection dropped"), True),
    (exceptions.ConnectTimeout("slow"), True),
    (ValueError("bug"), False),
])
def test_what_is_retried(error, retryable):
    assert is_retryable(error) is retryable


def test_409_incorrect_state_not_retried_when_asked():
    assert not is_retryable(service_error(409, "IncorrectState"), retry_409=False)


def test_succeeds_after_transient_failures_and_caps_timeouts():
    clock = Clock()
    deadline = Deadline(at=clock.now + 10, clock=clock)
    fn, calls = scripted(clock, [service_error(503, "x"), exceptions.RequestException("drop"),
                                 "ok"])
    assert call(fn, client=FakeClient, deadline=deadline, policy=policy(clock),
                service="S", operation="Op") == "ok"
    assert len(calls) == 3
    assert all(read <= 7 and connect <= 5 for connect, read in calls)


def test_non_retryable_errors_are_raised_unchanged():
    clock = Clock()
    fn, calls = scripted(clock, [service_error(404, "NotFound")])
    with pytest.raises(exceptions.ServiceError):
        call(fn, client=FakeClient, deadline=Deadline(at=clock.now + 30, clock=clock),
             policy=policy(clock), service="S", operation="Op")
    assert len(calls) == 1


def test_persistent_throttling_is_upstream_throttled_before_the_deadline():
    clock = Clock()
    deadline = Deadline(at=clock.now + 8, clock=clock)
    fn, calls = scripted(clock, [service_error(429, "TooManyRequests")], cost=0.05)
    with pytest.raises(UpstreamThrottled, match="429 TooManyRequests"):
        call(fn, client=FakeClient, deadline=deadline, policy=policy(clock), service="S",
             operation="Op")
    assert len(calls) > 1
    assert clock.now <= deadline.at - deadline.margin


def test_persistent_5xx_is_upstream_error():
    clock = Clock()
    fn, calls = scripted(clock, [service_error(500, "InternalServerError")], cost=0.01)
    with pytest.raises(UpstreamError, match=r"500 InternalServerError.*opc-request-id req-1"):
        call(fn, client=FakeClient, deadline=Deadline(at=clock.now + 60, clock=clock),
             policy=policy(clock), service="S", operation="Op")
    assert len(calls) == RetryPolicy().max_attempts


def test_timeouts_until_the_deadline_are_deadline_exceeded():
    clock = Clock()
    deadline = Deadline(at=clock.now + 6, clock=clock)
    fn, _calls = scripted(clock, [exceptions.RequestException("read timed out")], cost=1.0)
    with pytest.raises(DeadlineExceeded):
        call(fn, client=FakeClient, deadline=deadline, policy=policy(clock), service="S",
             operation="Op")
    assert clock.now <= deadline.at - deadline.margin + 1.0


def test_no_time_left_means_no_call():
    clock = Clock()
    fn, calls = scripted(clock, ["ok"])
    with pytest.raises(DeadlineExceeded):
        call(fn, client=FakeClient, deadline=Deadline(at=clock.now + 3.2, clock=clock),
             policy=policy(clock), service="S", operation="Op")
    assert calls == []


def test_retry_after_header_is_honoured():
    clock = Clock()
    fn, _calls = scripted(clock, [service_error(429, "x", {"retry-after": "2"}), "ok"])
    start = clock.now
    call(fn, client=FakeClient, deadline=Deadline(at=clock.now + 30, clock=clock),
         policy=policy(clock), service="S", operation="Op")
    assert clock.now - start == pytest.approx(2)


def test_backoff_is_jittered_and_capped():
    p = RetryPolicy(base_delay=0.2, max_delay=4.0)
    delays = [p.backoff(n) for n in range(12) for _ in range(20)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert len(set(delays)) > 100
