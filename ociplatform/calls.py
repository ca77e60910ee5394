"""One thin wrapper around the SDK calls the project makes, and one table for their failures.

Every call goes through :meth:`OciService.call`, which looks up what OCI answered in the
caller's :class:`ErrorTable` — rows keyed by (operation, HTTP status, service code), like the
SDK's own ``{status: [codes]}`` retry-checker tables — and either retries (jittered backoff
while the :class:`~ociplatform.retry.Deadline` allows) or raises the caller's own error. Every
row names an error: a call either answers or raises.

Only public SDK surface is used: the client's operation by name, ``oci.exceptions``, and the
client's ``base_client.timeout``, which Oracle documents as the way to change a built
client's connection and read timeouts ("Setting connection and read timeouts" in the Python
SDK guide). The operations take no per-call timeout argument (their ``expected_kwargs``
refuse one), so each attempt's timeouts are set there, capped to the time left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .retry import MIN_ATTEMPT_SECONDS, Deadline, RetryPolicy

ANY = "*"
# No HTTP answer at all (refused, reset, timed out): -1, as in the SDK's checker tables.
CONNECTION = -1
# A status class: "5xx" matches every 5xx status that has no row of its own.
Status = int | str
Key = tuple[str, Status, str]


@dataclass(frozen=True)
class Failure:
    """What went wrong with one call, for the caller's error message (never a secret)."""

    service: str
    operation: str
    subject: str
    status: int
    code: str
    error_type: str
    request_id: str | None = None
    message: str = ""
    attempts: int = 1
    out_of_time: bool = False
    # Facts about the call that OCI's answer does not show (e.g. "the caller gave a page"),
    # for rows whose meaning depends on them.
    context: frozenset[str] = frozenset()

    def describe(self) -> str:
        """``Data Science answered 500 InternalServerError to CreateJobRun (2 attempts, …)``."""
        attempts = f"{self.attempts} attempt{'s' * (self.attempts != 1)}"
        request_id = f", opc-request-id {self.request_id}" if self.request_id else ""
        if self.status == CONNECTION:
            kind = ("timed out" if self.out_of_time or "timeout" in self.error_type.lower()
                    else "could not be reached")
            detail = f": {self.message}" if self.message else ""
            return (f"{self.service} {kind} on {self.operation} ({attempts}, "
                    f"{self.error_type}){detail}")
        text = f": {self.message[:300]}" if self.message else ""
        return (f"{self.service} answered {self.status} {self.code} to {self.operation} "
                f"({attempts}{request_id}){text}")


ErrorFactory = Callable[[Failure], Exception]


@dataclass(frozen=True)
class Rule:
    """What to do with one kind of failure.

    ``retry``: try again while time remains; ``error`` is raised when it runs out (or at
    once when not retried).
    """

    error: ErrorFactory
    retry: bool = False


def transient(error: ErrorFactory, *, throttled: ErrorFactory | None = None,
              operation: str = ANY) -> dict[Key, Rule]:
    """The rows every caller retries: 429, 5xx but 501, no answer, and a 409 that says the
    resource is briefly busy (``IncorrectState``, ``LockConflict``)."""
    return {
        (operation, 429, ANY): Rule(throttled or error, retry=True),
        (operation, "5xx", ANY): Rule(error, retry=True),
        (operation, 501, ANY): Rule(error),
        (operation, CONNECTION, ANY): Rule(error, retry=True),
        (operation, 409, "IncorrectState"): Rule(error, retry=True),
        (operation, 409, "LockConflict"): Rule(error, retry=True),
    }


class ErrorTable:
    """(operation, status, code) → :class:`Rule`; ``ANY`` matches every value.

    The most specific row wins: an operation's own rows before the rows for any operation,
    and within each, status + code, then status, then the status's class (``5xx``), then
    any status. So ``("CancelJobRun", 409, ANY)`` wins over ``(ANY, 409, "IncorrectState")``.
    Every table ends in an ``(ANY, ANY, ANY)`` row, and a row that says what the table would
    say without it is refused (a repeated row hides which one matters). ``no_time`` is the
    error for a call that the deadline left no time to start.
    """

    def __init__(self, rows: Mapping[Key, Rule], *, no_time: ErrorFactory):
        if (ANY, ANY, ANY) not in rows:
            raise ValueError("an error table needs an (ANY, ANY, ANY) row")
        self.rows = dict(rows)
        self.no_time = no_time
        for key, rule in self.rows.items():
            if key != (ANY, ANY, ANY) and self._rule(_example(key), skip=key) == rule:
                raise ValueError(f"the row {key} repeats what a more general row says")

    def rule(self, operation: str, status: int, code: str) -> Rule:
        return self._rule((operation, status, code))

    def _rule(self, answer: tuple[str, int, str], skip: Key | None = None) -> Rule:
        operation, status, code = answer
        status_class = f"{status // 100}xx" if status >= 100 else None
        for key in _lookup_order(operation, status, status_class, code):
            rule = self.rows.get(key)
            if rule is not None and key != skip:
                return rule
        raise AssertionError("unreachable: the table has an (ANY, ANY, ANY) row")


def _lookup_order(operation: str, status: int, status_class: str | None,
                  code: str) -> list[Key]:
    keys: list[Key] = []
    for operation_key in (operation, ANY):
        for status_key in (status, status_class, ANY):
            if status_key is None:
                continue
            for code_key in ((code, ANY) if status_key == status else (ANY,)):
                keys.append((operation_key, status_key, code_key))
    return keys


def _example(key: Key) -> tuple[str, int, str]:
    """An answer that row ``key`` matches (ANY and a status class stand for a value no
    other row names: status 0 is in no class)."""
    operation, status, code = key
    if status == ANY:
        number = 0
    elif isinstance(status, str):
        number = int(status[0]) * 100 + 99
    else:
        number = status
    return ("\x00" if operation == ANY else operation, number,
            "\x00" if code == ANY else code)


def operation_name(method: str) -> str:
    """``create_job_run`` → ``CreateJobRun`` (the API's name, used in messages and tables)."""
    return "".join(part.capitalize() for part in method.split("_"))


class OciService:
    """One SDK client and the table its failures are read with."""

    def __init__(self, client: Any, name: str, errors: ErrorTable, policy: RetryPolicy):
        self.client = client
        self.name = name
        self.errors = errors
        self.policy = policy

    def call(self, method: str, *args: Any, deadline: Deadline, subject: str = "",
             context: frozenset[str] = frozenset(), **kwargs: Any) -> Any:
        """``client.<method>(*args, **kwargs)`` with retries: the SDK's response, or the
        table's error."""
        operation = operation_name(method)
        bound = getattr(self.client, method)
        attempt = 0
        while True:
            remaining = deadline.remaining()
            if remaining < MIN_ATTEMPT_SECONDS:
                raise self.errors.no_time(Failure(
                    self.name, operation, subject, CONNECTION, "", "NoTimeLeft",
                    attempts=attempt, out_of_time=True, context=context))
            self.client.base_client.timeout = self.policy.timeouts(remaining)
            attempt += 1
            try:
                return bound(*args, **kwargs)
            except Exception as exc:
                failure = describe_failure(exc, self.name, operation, subject, attempt)
                if failure is None:  # not an OCI failure: a bug, for the edge to report
                    raise
                failure = replace(failure, context=context)
                rule = self.errors.rule(operation, failure.status, failure.code)
                if not rule.retry:
                    raise rule.error(failure) from None
                delay = retry_after(exc)
                if delay is None:
                    delay = self.policy.backoff(attempt - 1)
                out_of_time = deadline.remaining() - delay < MIN_ATTEMPT_SECONDS
                if out_of_time or attempt >= self.policy.max_attempts:
                    raise rule.error(replace(failure, out_of_time=out_of_time)) from None
                self.policy.sleep(delay)


def describe_failure(exc: BaseException, service: str, operation: str, subject: str,
                     attempts: int) -> Failure | None:
    """The :class:`Failure` an SDK exception stands for; None for anything else."""
    from oci import exceptions as oci_exceptions

    if isinstance(exc, oci_exceptions.ServiceError):
        return Failure(service, operation, subject, int(exc.status), str(exc.code or ""),
                       type(exc).__name__, request_id=exc.request_id,
                       message=str(exc.message or ""), attempts=attempts)
    if isinstance(exc, (oci_exceptions.RequestException, oci_exceptions.ConnectTimeout)):
        return Failure(service, operation, subject, CONNECTION, "", type(exc).__name__,
                       attempts=attempts)
    return None


def retry_after(exc: BaseException) -> float | None:
    """Seconds from a ``retry-after`` header (throttling answers may carry one)."""
    headers = getattr(exc, "headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
