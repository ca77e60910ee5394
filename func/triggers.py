"""Recognise who called and route the raw call to one typed request.

The three triggers (README: "Requests and responses") are recognised here and only here:

- **apigateway**: the ``Fn-Intent: httprequest`` header; routes matched on the
  tail of ``Fn-Http-Request-Url`` whatever the deployment prefix;
- **event**: an OCI Events envelope (CloudEvents 0.1 as delivered, or 1.0);
- **direct**: everything else (Data Integration, ``fn invoke``, SDK).

Which operations exist, their routes and the fields each reads come from
:data:`func.operations.OPERATIONS`; each request type validates its own fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from jobspec.suggestions import suggest
from ocirefs.locations import LocationError, SpecLocation, location_of

from .errors import InvalidRequest, MethodNotAllowed, NotFound, UnsupportedMediaType
from .operations import ALL_FIELDS, DEFAULT_OPERATION, OPERATIONS, Operation
from .request import (
    IDEMPOTENCY_HEADERS,
    Ignored,
    Origin,
    Request,
    RunRequest,
    Trigger,
    body_object,
    decode_body,
)

# Set by API Gateway from the validated JWT's ``sub`` (overwriting any client value) and
# removed when the deployment has no authentication; it reaches the function as the client
# header Fn-Http-H-X-Authenticated-Subject. Read only for the apigateway trigger.
SUBJECT_HEADER = "x-authenticated-subject"
MAX_SUBJECT = 1024

OBJECT_EVENTS = ("com.oraclecloud.objectstorage.createobject",
                 "com.oraclecloud.objectstorage.updateobject")
SPEC_SUFFIXES = (".yaml", ".yml")


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive headers; a list value (the fdk merges duplicates
    into lists) reads as its last element, the client's own."""

    def __init__(self, raw: Mapping[str, Any] | None = None):
        self._items: dict[str, str] = {}
        for key, value in (raw or {}).items():
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else ""
            self._items[str(key).lower()] = str(value)

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class RawCall:
    """What the platform handed us, copied out of the fdk context at the edge."""

    body: bytes
    headers: Headers = field(default_factory=Headers)
    http_headers: Headers = field(default_factory=Headers)
    method: str | None = None
    request_url: str | None = None


@dataclass(frozen=True)
class Route:
    """Where an API Gateway call was routed: the deployment's prefix and the operation."""

    prefix: str
    operation: str


def trigger_of(call: RawCall) -> Trigger:
    """Who called, as the platform's headers say; worked out once, by the edge."""
    intent = call.headers.get("fn-intent", "").lower()
    if intent == "httprequest":
        return "apigateway"
    if intent == "cloudevent":
        return "event"
    return "direct"


def carries_http_status(trigger: Trigger) -> bool:
    """Whether the caller sees the answer's status as the HTTP status: only behind API
    Gateway (``Fn-Http-Status``); a direct or event invocation answers 200 (or
    ``ERROR_STATUS``) with the body."""
    return trigger == "apigateway"


def normalise(call: RawCall, trigger: Trigger, *,
              launcher_env: frozenset[str] | None = None) -> tuple[Request | Ignored,
                                                                   Route | None]:
    """The raw call of ``trigger`` → request (or Ignored) and, behind the gateway, its route.

    ``launcher_env``: the variables the launcher sets in every run (a request may not set
    them); the defaults when not given. An Events rule may deliver without the
    ``cloudevent`` intent header; its body is then recognised as an event envelope, so a
    direct call whose body is an event is handled as the event it is.
    """
    origin = Origin(trigger="direct")
    if launcher_env is not None:
        origin = Origin(trigger="direct", launcher_env=launcher_env)
    if trigger == "apigateway":
        return _gateway(call, origin)
    value = decode_body(call.body)
    if trigger == "event" or _is_event(value):
        return from_event(value), None
    fields = body_object(value)
    _check_known(fields)
    name = fields.get("operation", DEFAULT_OPERATION)
    if not isinstance(name, str) or name not in OPERATIONS:
        raise InvalidRequest("operation must be one of " + ", ".join(OPERATIONS),
                             field="operation")
    operation = OPERATIONS[name]
    fields = {key: value for key, value in fields.items() if key != "operation"}
    return operation.request.parse(_used_by(operation, fields), origin), None


def _is_event(value: Any) -> bool:
    return isinstance(value, dict) and (
        ("eventType" in value and "cloudEventsVersion" in value)
        or ("specversion" in value and "type" in value))


def _check_known(fields: Mapping[str, Any]) -> None:
    unknown = [key for key in fields if key not in ALL_FIELDS]
    if unknown:
        shown = unknown[0][:64]
        # The same "did you mean" as an unknown key in a spec gets.
        close = suggest(unknown[0], ALL_FIELDS)
        hint = f"; did you mean {close}?" if close else ""
        raise InvalidRequest(f"unknown field {shown!r}{hint}", field=shown)


def _used_by(operation: Operation, fields: dict[str, Any]) -> dict[str, Any]:
    extra = [key for key in fields if key not in operation.request.FIELDS]
    if extra:
        raise InvalidRequest(f"{extra[0]} is not used by {operation.name}", field=extra[0])
    return fields


# --- API Gateway -----------------------------------------------------------------

# Longest routes first, literal segments before parameters: …/runs/validate is not a run id.
_BY_SPECIFICITY = sorted(
    {op.route.path: op.route for op in OPERATIONS.values()}.values(),
    key=lambda route: (-len(route.segments), len(route.parameters)))
ROUTE_LIST = ", ".join(str(op.route) for op in OPERATIONS.values())


def match_route(method: str, url: str) -> tuple[Route, dict[str, str]]:
    """Map method + path tail to an operation and its path parameters (unchecked); raise
    NotFound for an unknown path, MethodNotAllowed (with the allowed methods) for another
    method on a known one."""
    path = url.partition("?")[0].partition("#")[0].rstrip("/")
    segments = path.split("/")
    for template in _BY_SPECIFICITY:
        wanted = template.segments
        if len(segments) < len(wanted):
            continue
        tail = segments[len(segments) - len(wanted):]
        params = {}
        for given, expected in zip(tail, wanted, strict=True):
            if expected.startswith("{"):
                if not given:
                    break
                params[expected[1:-1]] = unquote(given)
            elif given != expected:
                break
        else:
            on_path = [op for op in OPERATIONS.values() if op.route.path == template.path]
            prefix = "/".join(segments[:len(segments) - len(wanted)])
            for op in on_path:
                if op.route.method == method.upper():
                    return Route(prefix=prefix, operation=op.name), params
            allowed = tuple(op.route.method for op in sorted(
                on_path, key=lambda op: _METHOD_ORDER.index(op.route.method)))
            raise MethodNotAllowed(f"{method.upper()} is not allowed on …/{template.path}; "
                                   "allowed: " + ", ".join(allowed), allow=allowed)
    raise NotFound(f"no such route; the routes are {ROUTE_LIST}")


_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _gateway(call: RawCall, origin: Origin) -> tuple[Request, Route]:
    url = call.request_url or "/"
    route, params = match_route(call.method or "GET", url)
    operation = OPERATIONS[route.operation]
    headers = {name: call.http_headers[name] for name in IDEMPOTENCY_HEADERS
               if name in call.http_headers}
    origin = Origin(trigger="apigateway", query=not operation.reads_body, headers=headers,
                    caller=_subject(call.http_headers), launcher_env=origin.launcher_env)
    if operation.reads_body:
        check_json_media_type(call.http_headers.get("content-type", ""))
        fields = body_object(decode_body(call.body, json_only=True))
        _check_known(fields)
        if "operation" in fields:
            raise InvalidRequest("operation is given by the route, not the body",
                                 field="operation")
    else:
        fields = _query_fields(url, operation)
    return operation.request.parse({**_used_by(operation, fields), **params}, origin), route


def check_json_media_type(content_type: str) -> None:
    """A gateway body must be ``application/json`` (``; charset=utf-8`` allowed): a web
    page can send text/plain or a form across sites without a preflight, never JSON."""
    media_type, _, params = content_type.partition(";")
    charsets = [value.strip().strip('"').lower() for name, _, value in
                (param.partition("=") for param in params.split(";"))
                if name.strip().lower() == "charset"]
    if media_type.strip().lower() != "application/json" \
            or any(charset != "utf-8" for charset in charsets):
        raise UnsupportedMediaType("the request body must be JSON sent with Content-Type: "
                                   "application/json (UTF-8)")


def _subject(http_headers: Headers) -> str | None:
    """The authenticated caller the gateway put in X-Authenticated-Subject, if any."""
    subject = http_headers.get(SUBJECT_HEADER, "").strip()
    if not subject:
        return None
    if len(subject) > MAX_SUBJECT or not subject.isprintable():
        raise InvalidRequest("the gateway's authenticated subject is not usable")
    return subject


def _query_fields(url: str, operation: Operation) -> dict[str, Any]:
    """The query string's parameters: each at most once, each one the operation reads
    (but not a path parameter). An empty value (``limit=``) is kept, for the request to
    refuse rather than silently read as the default. A route that reads no parameter
    ignores the query string, as API Gateway's own routes do."""
    route = operation.route
    takes = [name for name in operation.request.FIELDS if name not in route.parameters]
    if not takes:
        return {}
    query = url.partition("#")[0].partition("?")[2]
    params: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in takes:
            raise InvalidRequest(f"unknown query parameter {name[:64]!r}; {route} takes "
                                 + ", ".join(takes), field=name[:64])
        if name in params:
            raise InvalidRequest(f"the query parameter {name} is given more than once",
                                 field=name)
        params[name] = value
    return params


# --- Events ----------------------------------------------------------------------

def from_event(event: dict[str, Any]) -> RunRequest | Ignored:
    """An Object Storage event → run request for a spec upload, else Ignored."""
    event_type = event.get("eventType", event.get("type"))
    if not isinstance(event_type, str):
        raise InvalidRequest("the event has no eventType", field="eventType")
    if event_type not in OBJECT_EVENTS:
        return Ignored("event", f"event type {event_type[:120]} does not start a run")
    data = event.get("data")
    details = data.get("additionalDetails") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(details, dict):
        raise InvalidRequest("the event has no data.additionalDetails", field="data")
    name = _event_text(data, "resourceName", "data.resourceName")
    namespace = _event_text(details, "namespace", "data.additionalDetails.namespace")
    bucket = _event_text(details, "bucketName", "data.additionalDetails.bucketName")
    etag = _event_text(details, "eTag", "data.additionalDetails.eTag")
    if not name.lower().endswith(SPEC_SUFFIXES):
        return Ignored("event", "the object is not a .yaml or .yml spec")
    try:
        location: SpecLocation = location_of(namespace, bucket, name)
    except LocationError as exc:
        raise InvalidRequest(f"the event names an unusable object: {exc}",
                             field="data.resourceName") from None
    if len(etag) > 256 or not etag.isprintable():
        raise InvalidRequest("the event's eTag is not usable", field="data.additionalDetails.eTag")
    return RunRequest(
        trigger="event", spec_location=location,
        idempotency_key=f"{location.namespace}/{location.bucket}/{location.object}@{etag}",
        spec_etag=etag,
    )


def _event_text(container: dict[str, Any], key: str, path: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"the event has no {path}", field=path)
    return value
