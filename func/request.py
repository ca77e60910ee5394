"""The typed requests every trigger is turned into, and the JSON body reader.

There is one frozen dataclass per operation (``run``, ``validate``, ``status``,
``cancel``, ``list``); each carries only what its operation uses, so no field is
None merely because another operation needs it. ``trigger`` says who asked; it
only tags the run and shapes the response. :data:`Request` is their union.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from jobspec.chars import character_problem, has_surrogate
from jobspec.locations import LocationError, SpecLocation, parse_location
from jobspec.ocids import is_ocid
from jobspec.spec import (
    MAX_ARGUMENTS,
    MAX_DISPLAY_NAME,
    MAX_ENV_TOTAL,
    env_problem,
    env_size,
    env_value_problem,
    type_name,
)
from jobspec.suggestions import suggest

from .errors import InvalidRequest

Trigger = Literal["direct", "apigateway", "event"]

MAX_BODY_BYTES = 256 * 1024
MAX_IDEMPOTENCY_KEY = 255
MAX_RUNTIME_MINUTES = 10 * 365 * 24 * 60
MAX_TAG_KEY, MAX_TAG_VALUE = 100, 256
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f-\x9f\ud800-\udfff]+\Z")


@dataclass(frozen=True)
class Overrides:
    """Request fields that override the spec (README: direct invocation)."""

    display_name: str | None = None
    environment_variables: tuple[tuple[str, str], ...] = ()
    command_line_arguments: str | None = None
    maximum_runtime_in_minutes: int | None = None
    freeform_tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RunRequest:
    """Create a job run from the spec at ``spec_location``.

    ``idempotency_key`` is the caller's (or the event's) deduplication key, absent
    when the caller gave none; ``spec_etag`` is set only for an event, whose
    upload the spec must still match; ``caller`` is the authenticated subject the
    gateway vouches for (JWT on), so that callers never share idempotency keys.
    """

    operation: ClassVar[str] = "run"
    trigger: Trigger
    spec_location: SpecLocation
    idempotency_key: str | None = None
    spec_etag: str | None = None
    overrides: Overrides = field(default_factory=Overrides)
    caller: str | None = None


@dataclass(frozen=True)
class ValidateRequest:
    """Everything ``run`` does except creating the run."""

    operation: ClassVar[str] = "validate"
    trigger: Trigger
    spec_location: SpecLocation
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True)
class StatusRequest:
    operation: ClassVar[str] = "status"
    trigger: Trigger
    job_run_id: str


@dataclass(frozen=True)
class CancelRequest:
    operation: ClassVar[str] = "cancel"
    trigger: Trigger
    job_run_id: str


@dataclass(frozen=True)
class ListRequest:
    """One page of the job's runs, newest first.

    ``lifecycle_state`` None lists every state; ``page`` None is the first page;
    ``compartment_id`` None means the job's own compartment.
    """

    operation: ClassVar[str] = "list"
    trigger: Trigger
    lifecycle_state: str | None = None
    limit: int = 20
    page: str | None = None
    compartment_id: str | None = None


Request = RunRequest | ValidateRequest | StatusRequest | CancelRequest | ListRequest
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


# Body fields each operation reads (``operation`` itself is allowed for all).
SPEC_FIELDS = ("specLocation", "idempotencyKey", "displayName", "environmentVariables",
               "commandLineArguments", "maximumRuntimeInMinutes", "freeformTags")
RUN_ID_FIELDS = ("jobRunId",)
LIST_FIELDS = ("lifecycleState", "limit", "page", "compartmentId")
FIELDS_BY_OPERATION: dict[str, tuple[str, ...]] = {
    "run": SPEC_FIELDS, "validate": SPEC_FIELDS,
    "status": RUN_ID_FIELDS, "cancel": RUN_ID_FIELDS,
    "list": LIST_FIELDS,
}
OPERATIONS = tuple(FIELDS_BY_OPERATION)
FIELDS = ("operation", *SPEC_FIELDS, *RUN_ID_FIELDS, *LIST_FIELDS)

# Data Science's job-run states: the values ListJobRuns accepts for lifecycleState.
JOB_RUN_STATES = ("ACCEPTED", "IN_PROGRESS", "FAILED", "SUCCEEDED", "CANCELING", "CANCELED",
                  "DELETED", "NEEDS_ATTENTION")
MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT = 1, 100, 20
# Data Science's page tokens are far shorter; the cap keeps junk out of the OCI call.
MAX_PAGE_TOKEN = 2048
JOB_RUN_OCID_FORM = "ocid1.datasciencejobrun.…"


def request_from_body(value: Any, *, trigger: Trigger, operation: str | None = None,
                      idempotency_key: str | None = None) -> Request:
    """Validate a direct/API Gateway body (already decoded) into a typed request.

    ``operation``/``idempotency_key`` come from the route or headers when the
    trigger has them; the body may then not repeat the operation.
    """
    if isinstance(value, str):
        value = {"specLocation": value}
    if not isinstance(value, dict):
        raise InvalidRequest(f"the request body must be a JSON object, got {type_name(value)}")
    unknown = [key for key in value if key not in FIELDS]
    if unknown:
        shown = unknown[0][:64]
        # The same "did you mean" as an unknown key in a spec gets.
        close = suggest(unknown[0], FIELDS)
        hint = f"; did you mean {close}?" if close else ""
        raise InvalidRequest(f"unknown field {shown!r}{hint}", field=shown)

    if operation is not None and "operation" in value:
        raise InvalidRequest("operation is given by the route, not the body", field="operation")
    op = operation or value.get("operation", "run")
    if op not in OPERATIONS:
        raise InvalidRequest("operation must be one of " + ", ".join(OPERATIONS),
                             field="operation")
    extra = [key for key in value if key != "operation" and key not in FIELDS_BY_OPERATION[op]]
    if extra:
        raise InvalidRequest(f"{extra[0]} is not used by {op}", field=extra[0])

    match op:
        case "status" | "cancel":
            run_id = value.get("jobRunId")
            if run_id is None:
                raise InvalidRequest(f"jobRunId is required for {op}", field="jobRunId")
            check_job_run_id(run_id)
            if op == "status":
                return StatusRequest(trigger=trigger, job_run_id=run_id)
            return CancelRequest(trigger=trigger, job_run_id=run_id)
        case "list":
            return list_request(value, trigger=trigger)
    # run and validate: both read a spec; validate accepts (and ignores) an idempotency
    # key so that the very body meant for run can be validated first.
    key = _idempotency_key(value.get("idempotencyKey"), idempotency_key)
    if "specLocation" not in value:
        raise InvalidRequest("specLocation is required", field="specLocation")
    try:
        location = parse_location(value["specLocation"])
    except LocationError as exc:
        raise InvalidRequest(str(exc), field="specLocation") from None
    if op == "validate":
        return ValidateRequest(trigger=trigger, spec_location=location,
                               overrides=_overrides(value))
    return RunRequest(trigger=trigger, spec_location=location, idempotency_key=key,
                      overrides=_overrides(value))


def check_job_run_id(run_id: Any) -> None:
    if not is_ocid(run_id, "datasciencejobrun"):
        raise InvalidRequest(f"jobRunId must be a Data Science job run OCID "
                             f"({JOB_RUN_OCID_FORM})", field="jobRunId")


def list_request(value: dict[str, Any], *, trigger: Trigger) -> ListRequest:
    """The list parameters (already limited to :data:`LIST_FIELDS`) into a ListRequest.

    ``limit`` is a JSON number in a body; a query string's digits arrive as an int
    too (the gateway trigger converts them), anything else is refused here.
    """
    state = value.get("lifecycleState")
    if state is not None and state not in JOB_RUN_STATES:
        raise InvalidRequest("lifecycleState must be one of " + ", ".join(JOB_RUN_STATES),
                             field="lifecycleState")
    limit = value.get("limit")
    if limit is None:  # null is the same as leaving the field out
        limit = DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) \
            or not MIN_LIMIT <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be a whole number from {MIN_LIMIT} to {MAX_LIMIT}",
                             field="limit")
    page = value.get("page")
    if page is not None and (not isinstance(page, str) or not 1 <= len(page) <= MAX_PAGE_TOKEN
                             or not _PRINTABLE.match(page)):
        raise InvalidRequest(f"page must be the nextPage of an earlier answer (at most "
                             f"{MAX_PAGE_TOKEN} printable characters)", field="page")
    compartment = value.get("compartmentId")
    if compartment is not None and not is_ocid(compartment, "compartment"):
        raise InvalidRequest("compartmentId must be a compartment or tenancy OCID "
                             "(ocid1.compartment.… or ocid1.tenancy.…)", field="compartmentId")
    return ListRequest(trigger=trigger, lifecycle_state=state, limit=limit, page=page,
                       compartment_id=compartment)


def _idempotency_key(body_key: Any, header_key: str | None) -> str | None:
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


def _overrides(value: dict[str, Any]) -> Overrides:
    name = value.get("displayName")
    if name is not None and (not isinstance(name, str) or not name.strip()
                             or len(name) > MAX_DISPLAY_NAME):
        raise InvalidRequest(f"displayName must be a string of 1 to {MAX_DISPLAY_NAME} "
                             "characters", field="displayName")
    if name is not None and character_problem(name):
        raise InvalidRequest(f"displayName {character_problem(name)}", field="displayName")

    env = _string_map(value.get("environmentVariables"), "environmentVariables")
    for env_name, env_value in env:
        problem = env_problem(env_name)
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
    if args is not None and character_problem(args, keep_tab_newline=True):
        raise InvalidRequest("commandLineArguments "
                             f"{character_problem(args, keep_tab_newline=True)}",
                             field="commandLineArguments")

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
