"""Recognise who called and turn the raw call into one typed request.

This is the only module that knows the three triggers (README: "Requests and responses"):

- **apigateway**: the ``Fn-Intent: httprequest`` header; routes matched on the
  tail of ``Fn-Http-Request-Url`` whatever the deployment prefix;
- **event**: an OCI Events envelope (CloudEvents 0.1 as delivered, or 1.0);
- **direct**: everything else (Data Integration, ``fn invoke``, SDK).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, unquote

from jobspec.locations import LocationError, SpecLocation, location_of

from .errors import InvalidRequest, MethodNotAllowed, NotFound, UnsupportedMediaType
from .request import (
    LIST_FIELDS,
    CancelRequest,
    Ignored,
    ListRequest,
    Request,
    RunRequest,
    StatusRequest,
    Trigger,
    check_job_run_id,
    decode_body,
    list_request,
    request_from_body,
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
    """Where an API Gateway call was routed; shapes the HTTP response."""

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


def normalise(call: RawCall, trigger: Trigger) -> tuple[Request | Ignored, Route | None]:
    """The raw call of ``trigger`` → request (or Ignored) and, behind the gateway, its route.

    An Events rule may deliver without the ``cloudevent`` intent header; its body
    is then recognised as an event envelope, so a direct call whose body is an
    event is handled as the event it is.
    """
    if trigger == "apigateway":
        return _gateway(call)
    value = decode_body(call.body)
    if trigger == "event" or _is_event(value):
        return from_event(value), None
    return request_from_body(value, trigger="direct"), None


def _is_event(value: Any) -> bool:
    return isinstance(value, dict) and (
        ("eventType" in value and "cloudEventsVersion" in value)
        or ("specversion" in value and "type" in value))


# --- API Gateway -----------------------------------------------------------------

# Path tail → method → operation, in the order the 404 message lists them; a
# known tail with another method is a 405 whose Allow header lists these methods.
RUN_ID_TAIL = "runs/{jobRunId}"
ROUTES: dict[str, dict[str, str]] = {
    "runs": {"GET": "list", "POST": "run"},
    "runs/validate": {"POST": "validate"},
    RUN_ID_TAIL: {"GET": "status", "DELETE": "cancel"},
}
_LISTED_ORDER = (("POST", "runs"), ("GET", "runs"), ("POST", "runs/validate"),
                 ("GET", RUN_ID_TAIL), ("DELETE", RUN_ID_TAIL))
ROUTE_LIST = ", ".join(f"{method} …/{tail}" for method, tail in _LISTED_ORDER)


def match_route(method: str, url: str) -> tuple[Route, str | None]:
    """Map method + path tail to an operation; raise NotFound / MethodNotAllowed.

    Returns the route and, for the ``{jobRunId}`` routes, the (unchecked) run id.
    """
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    segments = path.split("/")
    run_id = None
    if segments[-1] == "runs":
        tail, prefix = "runs", segments[:-1]
    elif len(segments) >= 2 and segments[-2] == "runs" and segments[-1] == "validate":
        tail, prefix = "runs/validate", segments[:-2]
    elif len(segments) >= 2 and segments[-2] == "runs" and segments[-1]:
        tail, prefix, run_id = RUN_ID_TAIL, segments[:-2], unquote(segments[-1])
    else:
        raise NotFound(f"no such route; the routes are {ROUTE_LIST}")
    methods = ROUTES[tail]
    operation = methods.get(method.upper())
    if operation is None:
        allowed = tuple(methods)
        raise MethodNotAllowed(f"{method.upper()} is not allowed on …/{tail}; allowed: "
                               + ", ".join(allowed), allow=allowed)
    return Route(prefix="/".join(prefix), operation=operation), run_id


def _gateway(call: RawCall) -> tuple[Request, Route]:
    url = call.request_url or "/"
    route, run_id = match_route(call.method or "GET", url)
    match route.operation:
        case "status" | "cancel":
            if run_id is None:  # the route table pairs these operations with {jobRunId}
                raise AssertionError("status/cancel route without a job run id")
            check_job_run_id(run_id)
            if route.operation == "status":
                return StatusRequest(trigger="apigateway", job_run_id=run_id), route
            return CancelRequest(trigger="apigateway", job_run_id=run_id), route
        case "list":
            return _list_from_query(url), route
    check_json_media_type(call.http_headers.get("content-type", ""))
    value = decode_body(call.body, json_only=True)
    given = {call.http_headers[name] for name in ("idempotency-key", "opc-retry-token")
             if name in call.http_headers}
    if len(given) > 1:
        raise InvalidRequest("the Idempotency-Key and opc-retry-token headers differ",
                             field="idempotencyKey")
    header_key = given.pop() if given else None
    request = request_from_body(value, trigger="apigateway", operation=route.operation,
                                idempotency_key=header_key)
    subject = _subject(call.http_headers)
    if subject is not None and isinstance(request, RunRequest):
        request = replace(request, caller=subject)
    return request, route


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


def _list_from_query(url: str) -> ListRequest:
    """``GET …/runs?lifecycleState=&limit=&page=&compartmentId=`` → ListRequest.

    Every parameter is optional; one given is checked like its body field, so an
    empty value (``limit=``) is refused rather than silently meaning the default.
    """
    query = url.split("#", 1)[0].partition("?")[2]
    params: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in LIST_FIELDS:
            raise InvalidRequest(f"unknown query parameter {name[:64]!r}; GET …/runs takes "
                                 + ", ".join(LIST_FIELDS), field=name[:64])
        if name in params:
            raise InvalidRequest(f"the query parameter {name} is given more than once",
                                 field=name)
        params[name] = value
    limit = params.get("limit")
    if isinstance(limit, str) and limit.isascii() and limit.isdigit():
        params["limit"] = int(limit)
    return list_request(params, trigger="apigateway")


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
