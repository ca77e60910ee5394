"""The typed requests every trigger is turned into; each parses and validates itself.

There is one frozen dataclass per operation; each carries only what its operation uses, so
no field is None merely because another operation needs it, and each has ``FIELDS`` (what
it reads) and :meth:`parse`: the fields of a direct body, or of an API Gateway call's body,
path and query, → the request or :class:`InvalidRequest`. :class:`Origin` says where the
fields came from (trigger, query string or JSON, the gateway's idempotency headers).
``trigger`` says who asked; it only tags the run and shapes the response. Which operation a
call is, and which fields it may carry, the router reads from :mod:`func.operations`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, Self

from jobspec.ads import MAX_TAG_KEY, MAX_TAG_VALUE
from jobspec.chars import character_problem, has_surrogate
from jobspec.limits import DEFAULT_SPEC_ENV_VAR, ETAG_ENV_VAR
from jobspec.spec import (
    MAX_ARGUMENTS,
    MAX_DISPLAY_NAME,
    MAX_ENV_TOTAL,
    env_problem,
    env_size,
    env_value_problem,
    type_name,
)
from ocirefs import jobruns
from ocirefs.locations import LocationError, SpecLocation, parse_location
from ocirefs.ocids import is_ocid

from .errors import InvalidRequest

Trigger = Literal["direct", "apigateway", "event"]

MAX_BODY_BYTES = 256 * 1024
MAX_IDEMPOTENCY_KEY = 255
MAX_RUNTIME_MINUTES = 10 * 365 * 24 * 60
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f-\x9f\ud800-\udfff]+\Z")
JOB_RUN_OCID_FORM = "ocid1.datasciencejobrun.…"
IDEMPOTENCY_HEADERS = ("idempotency-key", "opc-retry-token")


@dataclass(frozen=True)
class Origin:
    """Where a request's fields came from.

    ``query``: from a query string (every value a string, so numbers arrive as digits);
    ``headers``: the gateway's idempotency headers given (name → value); ``caller``: the
    authenticated subject the gateway vouches for (JWT on); ``launcher_env``: the variables
    the launcher sets in every run, which a request may not override.
    """

    trigger: Trigger
    query: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    caller: str | None = None
    launcher_env: frozenset[str] = frozenset({DEFAULT_SPEC_ENV_VAR, ETAG_ENV_VAR})


@dataclass(frozen=True)
class Overrides:
    """Request fields that override the spec (README: direct invocation)."""

    display_name: str | None = None
    environment_variables: tuple[tuple[str, str], ...] = ()
    command_line_arguments: str | None = None
    maximum_runtime_in_minutes: int | None = None
    freeform_tags: tuple[tuple[str, str], ...] = ()


SPEC_FIELDS = ("specLocation", "idempotencyKey", "displayName", "environmentVariables",
               "commandLineArguments", "maximumRuntimeInMinutes", "freeformTags")


@dataclass(frozen=True)
class RunRequest:
    """Create a job run from the spec at ``spec_location``.

    ``idempotency_key`` is the caller's (or the event's) deduplication key, absent
    when the caller gave none; ``spec_etag`` is set only for an event, whose
    upload the spec must still match; ``caller`` is the authenticated subject the
    gateway vouches for (JWT on), so that callers never share idempotency keys.
    """

    operation: ClassVar[str] = "run"
    FIELDS: ClassVar[tuple[str, ...]] = SPEC_FIELDS
    trigger: Trigger
    spec_location: SpecLocation
    idempotency_key: str | None = None
    spec_etag: str | None = None
    overrides: Overrides = field(default_factory=Overrides)
    caller: str | None = None

    @classmethod
    def parse(cls, fields: Mapping[str, Any], origin: Origin) -> RunRequest:
        key = _idempotency_key(fields.get("idempotencyKey"), origin.headers)
        return cls(trigger=origin.trigger, spec_location=_spec_location(fields),
                   idempotency_key=key, overrides=_overrides(fields, origin),
                   caller=origin.caller)


@dataclass(frozen=True)
class ValidateRequest:
    """Everything ``run`` does except creating the run. It accepts (and ignores) an
    idempotency key, so that the very body meant for ``run`` can be validated first."""

    operation: ClassVar[str] = "validate"
    FIELDS: ClassVar[tuple[str, ...]] = SPEC_FIELDS
    trigger: Trigger
    spec_location: SpecLocation
    overrides: Overrides = field(default_factory=Overrides)

    @classmethod
    def parse(cls, fields: Mapping[str, Any], origin: Origin) -> ValidateRequest:
        _idempotency_key(fields.get("idempotencyKey"), origin.headers)
        return cls(trigger=origin.trigger, spec_location=_spec_location(fields),
                   overrides=_overrides(fields, origin))


@dataclass(frozen=True)
class OneRunRequest:
    """A request about one run of the job, named by its ``jobRunId``: an operation that
    needs nothing more is a subclass that names it."""

    operation: ClassVar[str]
    FIELDS: ClassVar[tuple[str, ...]] = ("jobRunId",)
    trigger: Trigger
    job_run_id: str

    @classmethod
    def parse(cls, fields: Mapping[str, Any], origin: Origin) -> Self:
        return cls(trigger=origin.trigger, job_run_id=job_run_id(fields, cls.operation))


class StatusRequest(OneRunRequest):
    """The state of one run of the job."""

    operation = "status"


class CancelRequest(OneRunRequest):
    """Cancel one run of the job."""

    operation = "cancel"


MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT = 1, 100, 20
# Data Science's page tokens are far shorter; the cap keeps junk out of the OCI call.
MAX_PAGE_TOKEN = 2048


@dataclass(frozen=True)
class ListRequest:
    """One page of the job's runs, newest first.

    ``lifecycle_state`` None lists every state; ``page`` None is the first page;
    ``compartment_id`` None means the job's own compartment.
    """

    operation: ClassVar[str] = "list"
    FIELDS: ClassVar[tuple[str, ...]] = ("lifecycleState", "limit", "page", "compartmentId")
    trigger: Trigger
    lifecycle_state: str | None = None
    limit: int = DEFAULT_LIMIT
    page: str | None = None
    compartment_id: str | None = None

    @classmethod
    def parse(cls, fields: Mapping[str, Any], origin: Origin) -> ListRequest:
        state = fields.get("lifecycleState")
        if state is not None and state not in jobruns.STATES:
            raise InvalidRequest("lifecycleState must be one of " + ", ".join(jobruns.STATES),
                                 field="lifecycleState")
        limit = whole_number(fields, "limit", DEFAULT_LIMIT, MIN_LIMIT, MAX_LIMIT, origin)
        page = fields.get("page")
        if page is not None and (not isinstance(page, str)
                                 or not 1 <= len(page) <= MAX_PAGE_TOKEN
                                 or not _PRINTABLE.match(page)):
            raise InvalidRequest(f"page must be the nextPage of an earlier answer (at most "
                                 f"{MAX_PAGE_TOKEN} printable characters)", field="page")
        compartment = fields.get("compartmentId")
        if compartment is not None and not is_ocid(compartment, "compartment"):
            raise InvalidRequest("compartmentId must be a compartment or tenancy OCID "
                                 "(ocid1.compartment.… or ocid1.tenancy.…)",
                                 field="compartmentId")
        return cls(trigger=origin.trigger, lifecycle_state=state, limit=limit, page=page,
                   compartment_id=compartment)


MIN_TAIL, MAX_TAIL, DEFAULT_TAIL = 1, 1000, 100


@dataclass(frozen=True)
class LogsRequest:
    """The run's newest ``tail`` log lines, or only those strictly after ``since``."""

    operation: ClassVar[str] = "logs"
    FIELDS: ClassVar[tuple[str, ...]] = ("jobRunId", "tail", "since")
    trigger: Trigger
    job_run_id: str
    tail: int = DEFAULT_TAIL
    since: datetime | None = None

    @classmethod
    def parse(cls, fields: Mapping[str, Any], origin: Origin) -> LogsRequest:
        return cls(trigger=origin.trigger, job_run_id=job_run_id(fields, cls.operation),
                   tail=whole_number(fields, "tail", DEFAULT_TAIL, MIN_TAIL, MAX_TAIL, origin),
                   since=timestamp(fields, "since"))


Request = (RunRequest | ValidateRequest | StatusRequest | CancelRequest | ListRequest
           | LogsRequest)
"""What the launcher executes: exactly one operation."""


@dataclass(frozen=True)
class Ignored:
    """A call that asks for nothing (e.g. an event for a non-spec object)."""

    operation: ClassVar[str] = "ignored"
    trigger: Trigger
    reason: str


def decode_body(body: bytes, *, json_only: bool = False) -> Any:
    """JSON value of the body, or the one line of text it holds (as a str)."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidRequest(f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise InvalidRequest("the request body is not valid UTF-8") from None
    if not text:
        raise InvalidRequest("the request body is empty: send a JSON object with specLocation")
    if json_only or text[0] in "{[\"":
        try:
            value = json.loads(text)
        except RecursionError:
            raise InvalidRequest("the request body is nested too deeply") from None
        except ValueError as exc:
            raise InvalidRequest(
                f"the request body is not valid JSON (line {exc.lineno}, column {exc.colno})"
                if isinstance(exc, json.JSONDecodeError) else "the request body is not valid JSON"
            ) from None
        if _holds_surrogate(value):
            raise InvalidRequest("the request body holds a lone surrogate (a \\ud800-\\udfff "
                                 "escape), which UTF-8 can't carry")
        return value
    if "\n" in text or "\r" in text:
        raise InvalidRequest("the request body is neither JSON nor a single-line spec location")
    return text


def _holds_surrogate(value: Any) -> bool:
    """Whether any string of a decoded JSON value, keys included, holds a lone surrogate
    (only a \\u escape makes one): no answer or log line could carry it."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if has_surrogate(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def body_object(value: Any) -> dict[str, Any]:
    """A decoded body as fields: one line of text is the spec location."""
    if isinstance(value, str):
        return {"specLocation": value}
    if not isinstance(value, dict):
        raise InvalidRequest(f"the request body must be a JSON object, got {type_name(value)}")
    return value


# -- field readers shared by the request types ------------------------------------------

def job_run_id(fields: Mapping[str, Any], operation: str) -> str:
    run_id = fields.get("jobRunId")
    if run_id is None:
        raise InvalidRequest(f"jobRunId is required for {operation}", field="jobRunId")
    if not is_ocid(run_id, "datasciencejobrun"):
        raise InvalidRequest(f"jobRunId must be a Data Science job run OCID "
                             f"({JOB_RUN_OCID_FORM})", field="jobRunId")
    return str(run_id)


def whole_number(fields: Mapping[str, Any], name: str, default: int, low: int, high: int,
                 origin: Origin) -> int:
    """A JSON number in a body; digits in a query string. Null is the default; a field
    given empty (``limit=``) is refused rather than silently meaning the default."""
    value = fields.get(name)
    if value is None:
        return default
    if origin.query and isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRequest(f"{name} must be a whole number from {low} to {high}", field=name)
    return value


def timestamp(fields: Mapping[str, Any], name: str) -> datetime | None:
    """An RFC 3339 time with its offset (``2026-12-05T06:15:22.123Z``), as UTC-aware."""
    value = fields.get(name)
    if value is None:
        return None
    parsed = None
    if isinstance(value, str) and _RFC3339.match(value):  # the pattern bounds the length
        try:
            # Python 3.11 reads a trailing Z itself, not a lowercase one.
            parsed = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            parsed = None
    if parsed is None:
        raise InvalidRequest(f"{name} must be an RFC 3339 time with an offset, e.g. "
                             "2026-12-05T06:15:22.123Z", field=name)
    return parsed


_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d{1,9})?([Zz]|[+-]\d\d:\d\d)\Z")


def _spec_location(fields: Mapping[str, Any]) -> SpecLocation:
    if "specLocation" not in fields:
        raise InvalidRequest("specLocation is required", field="specLocation")
    try:
        return parse_location(fields["specLocation"])
    except LocationError as exc:
        raise InvalidRequest(str(exc), field="specLocation") from None


def _idempotency_key(body_key: Any, headers: Mapping[str, str]) -> str | None:
    """The body's key or the gateway's header; two given must agree."""
    given = set(headers.values())
    if len(given) > 1:
        raise InvalidRequest("the Idempotency-Key and opc-retry-token headers differ",
                             field="idempotencyKey")
    header_key = given.pop() if given else None
    for key in (body_key, header_key):
        if key is None:
            continue
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY \
                or not _PRINTABLE.match(key):
            raise InvalidRequest(
                f"idempotencyKey must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters",
                field="idempotencyKey")
    if body_key is not None and header_key is not None and body_key != header_key:
        raise InvalidRequest("the idempotency key in the body and the header differ",
                             field="idempotencyKey")
    return body_key if body_key is not None else header_key


def _overrides(value: Mapping[str, Any], origin: Origin) -> Overrides:
    name = value.get("displayName")
    if name is not None and (not isinstance(name, str) or not name.strip()
                             or len(name) > MAX_DISPLAY_NAME):
        raise InvalidRequest(f"displayName must be a string of 1 to {MAX_DISPLAY_NAME} "
                             "characters", field="displayName")
    if name is not None and (problem := character_problem(name)):
        raise InvalidRequest(f"displayName {problem}", field="displayName")

    env = _string_map(value.get("environmentVariables"), "environmentVariables")
    for env_name, env_value in env:
        problem = env_problem(env_name, origin.launcher_env)
        if problem:
            raise InvalidRequest(f"environmentVariables: {problem}", field="environmentVariables")
        problem = env_value_problem(env_value)
        if problem:
            raise InvalidRequest(f"environmentVariables: the value of {env_name} {problem}",
                                 field="environmentVariables")
    if env_size(env) > MAX_ENV_TOTAL:
        raise InvalidRequest(f"environmentVariables total more than {MAX_ENV_TOTAL} characters",
                             field="environmentVariables")

    args = value.get("commandLineArguments")
    if args is not None and (not isinstance(args, str) or len(args) > MAX_ARGUMENTS):
        raise InvalidRequest(f"commandLineArguments must be a string of at most {MAX_ARGUMENTS} "
                             "characters", field="commandLineArguments")
    if args is not None and (problem := character_problem(args, keep_tab_newline=True)):
        raise InvalidRequest(f"commandLineArguments {problem}", field="commandLineArguments")

    minutes = value.get("maximumRuntimeInMinutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)
                                or not 1 <= minutes <= MAX_RUNTIME_MINUTES):
        raise InvalidRequest("maximumRuntimeInMinutes must be a whole number of minutes, "
                             "at least 1", field="maximumRuntimeInMinutes")

    tags = _string_map(value.get("freeformTags"), "freeformTags")
    for tag, tag_value in tags:
        if not 1 <= len(tag) <= MAX_TAG_KEY or len(tag_value) > MAX_TAG_VALUE:
            raise InvalidRequest(f"freeformTags keys must be 1 to {MAX_TAG_KEY} characters and "
                                 f"values at most {MAX_TAG_VALUE}", field="freeformTags")
        problem = character_problem(tag) or character_problem(tag_value)
        if problem:
            raise InvalidRequest(f"freeformTags: a tag's name or value {problem}",
                                 field="freeformTags")
    return Overrides(display_name=name, environment_variables=env,
                     command_line_arguments=args, maximum_runtime_in_minutes=minutes,
                     freeform_tags=tags)


def _string_map(value: Any, name: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidRequest(f"{name} must be an object of string values", field=name)
    return tuple(value.items())
