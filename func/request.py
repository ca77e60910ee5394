"""The one request model every trigger is turned into, and the JSON body reader.

A :class:`LaunchRequest` says what to do (``run``, ``validate``, ``status``,
``cancel``) and with what; it does not say who asked beyond ``trigger``, which
only tags the run and shapes the response.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from jobspec.locations import LocationError, SpecLocation, parse_location
from jobspec.ocids import is_ocid
from jobspec.spec import (
    MAX_ARGUMENTS,
    MAX_DISPLAY_NAME,
    MAX_ENV_TOTAL,
    env_problem,
    env_size,
    type_name,
)

from .errors import InvalidRequest

OPERATIONS = ("run", "validate", "status", "cancel")
RUN_OPERATIONS = ("status", "cancel")
MAX_BODY_BYTES = 256 * 1024
MAX_IDEMPOTENCY_KEY = 255
MAX_RUNTIME_MINUTES = 10 * 365 * 24 * 60
MAX_TAG_KEY, MAX_TAG_VALUE = 100, 256
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]+\Z")

FIELDS = ("specLocation", "operation", "idempotencyKey", "jobRunId", "displayName",
          "environmentVariables", "commandLineArguments", "maximumRuntimeInMinutes",
          "freeformTags")


@dataclass(frozen=True)
class Overrides:
    """Request fields that override the spec (CONTRACT.md §3.1)."""

    display_name: str | None = None
    environment_variables: tuple[tuple[str, str], ...] = ()
    command_line_arguments: str | None = None
    maximum_runtime_in_minutes: int | None = None
    freeform_tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LaunchRequest:
    operation: str
    trigger: str
    spec_location: SpecLocation | None = None
    job_run_id: str | None = None
    idempotency_key: str | None = None
    spec_etag: str | None = None
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True)
class Ignored:
    """A call that asks for nothing (e.g. an event for a non-spec object)."""

    trigger: str
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
            return json.loads(text)
        except RecursionError:
            raise InvalidRequest("the request body is nested too deeply") from None
        except ValueError as exc:
            raise InvalidRequest(
                f"the request body is not valid JSON (line {exc.lineno}, column {exc.colno})"
                if isinstance(exc, json.JSONDecodeError) else "the request body is not valid JSON"
            ) from None
    if "\n" in text or "\r" in text:
        raise InvalidRequest("the request body is neither JSON nor a single-line spec location")
    return text


def request_from_body(value: Any, *, trigger: str, operation: str | None = None,
                      job_run_id: str | None = None,
                      idempotency_key: str | None = None) -> LaunchRequest:
    """Validate a direct/API Gateway body (already decoded) into a LaunchRequest.

    ``operation``/``job_run_id``/``idempotency_key`` come from the route or headers
    when the trigger has them; the body may then not repeat them differently.
    """
    if isinstance(value, str):
        value = {"specLocation": value}
    if not isinstance(value, dict):
        raise InvalidRequest(f"the request body must be a JSON object, got {type_name(value)}")
    unknown = [key for key in value if key not in FIELDS]
    if unknown:
        shown = unknown[0][:64]
        raise InvalidRequest(f"unknown field {shown!r}", field=unknown[0][:64])

    if operation is not None and "operation" in value:
        raise InvalidRequest("operation is given by the route, not the body", field="operation")
    op = operation or value.get("operation", "run")
    if op not in OPERATIONS:
        raise InvalidRequest("operation must be one of " + ", ".join(OPERATIONS),
                             field="operation")

    key = _idempotency_key(value.get("idempotencyKey"), idempotency_key)
    if op in RUN_OPERATIONS:
        extra = [k for k in value if k not in ("operation", "jobRunId")]
        if extra:
            raise InvalidRequest(f"{extra[0]} is not used by {op}", field=extra[0])
        run_id = job_run_id or value.get("jobRunId")
        if run_id is None:
            raise InvalidRequest(f"jobRunId is required for {op}", field="jobRunId")
        if not is_ocid(run_id, "datasciencejobrun"):
            raise InvalidRequest("jobRunId must be a Data Science job run OCID", field="jobRunId")
        return LaunchRequest(operation=op, trigger=trigger, job_run_id=run_id)

    if "jobRunId" in value:
        raise InvalidRequest(f"jobRunId is not used by {op}", field="jobRunId")
    if "specLocation" not in value:
        raise InvalidRequest("specLocation is required", field="specLocation")
    try:
        location = parse_location(value["specLocation"])
    except LocationError as exc:
        raise InvalidRequest(str(exc), field="specLocation") from None
    return LaunchRequest(operation=op, trigger=trigger, spec_location=location,
                         idempotency_key=key, overrides=_overrides(value))


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


def _overrides(value: dict) -> Overrides:
    name = value.get("displayName")
    if name is not None and (not isinstance(name, str) or not name.strip()
                             or len(name) > MAX_DISPLAY_NAME):
        raise InvalidRequest(f"displayName must be a string of 1 to {MAX_DISPLAY_NAME} "
                             "characters", field="displayName")

    env = _string_map(value.get("environmentVariables"), "environmentVariables")
    for env_name, _ in env:
        problem = env_problem(env_name, frozenset())
        if problem:
            raise InvalidRequest(f"environmentVariables: {problem}", field="environmentVariables")
    if env_size(env) > MAX_ENV_TOTAL:
        raise InvalidRequest(f"environmentVariables total more than {MAX_ENV_TOTAL} characters",
                             field="environmentVariables")

    args = value.get("commandLineArguments")
    if args is not None and (not isinstance(args, str) or len(args) > MAX_ARGUMENTS):
        raise InvalidRequest(f"commandLineArguments must be a string of at most {MAX_ARGUMENTS} "
                             "characters", field="commandLineArguments")

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
