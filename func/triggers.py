"""Recognise who called and turn the raw call into one :class:`LaunchRequest`.

This is the only module that knows the three triggers (CONTRACT.md §3):

- **apigateway**: the ``Fn-Intent: httprequest`` header; routes matched on the
  tail of ``Fn-Http-Request-Url`` whatever the deployment prefix;
- **event**: an OCI Events envelope (CloudEvents 0.1 as delivered, or 1.0);
- **direct**: everything else (Data Integration, ``fn invoke``, SDK).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from jobspec.locations import LocationError, SpecLocation, location_of
from jobspec.ocids import is_ocid

from .errors import InvalidRequest, MethodNotAllowed, NotFound
from .request import Ignored, LaunchRequest, decode_body, request_from_body

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

    def __iter__(self):
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


def trigger_of(call: RawCall) -> str:
    if call.headers.get("fn-intent", "").lower() == "httprequest":
        return "apigateway"
    if call.headers.get("fn-intent", "").lower() == "cloudevent":
        return "event"
    return "direct"


def normalise(call: RawCall) -> tuple[LaunchRequest | Ignored, Route | None]:
    """The single entry point: raw call → request (or Ignored) and gateway route."""
    trigger = trigger_of(call)
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

def match_route(method: str, url: str) -> tuple[Route, str | None]:
    """Map method + path tail to an operation; raise NotFound / MethodNotAllowed."""
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    segments = path.split("/")
    if segments[-1] == "runs":
        allowed, operation, run_id = ("POST",), "run", None
        prefix = "/".join(segments[:-1])
    elif len(segments) >= 2 and segments[-2] == "runs" and segments[-1] == "validate":
        allowed, operation, run_id = ("POST",), "validate", None
        prefix = "/".join(segments[:-2])
    elif len(segments) >= 2 and segments[-2] == "runs" and segments[-1]:
        allowed, run_id = ("GET", "DELETE"), unquote(segments[-1])
        operation = {"GET": "status", "DELETE": "cancel"}.get(method.upper(), "")
        prefix = "/".join(segments[:-2])
    else:
        raise NotFound("no such route: use POST …/runs, GET or DELETE …/runs/{jobRunId}")
    if method.upper() not in allowed:
        raise MethodNotAllowed(f"{method.upper()} is not allowed here; allowed: "
                               + ", ".join(allowed), allow=allowed)
    return Route(prefix=prefix, operation=operation), run_id


def _gateway(call: RawCall) -> tuple[LaunchRequest, Route]:
    route, run_id = match_route(call.method or "GET", call.request_url or "/")
    if run_id is not None:
        if not is_ocid(run_id, "datasciencejobrun"):
            raise NotFound("no such job run")
        return LaunchRequest(operation=route.operation, trigger="apigateway",
                             job_run_id=run_id), route
    content_type = call.http_headers.get("content-type", "").split(";")[0].strip().lower()
    value = decode_body(call.body, json_only=content_type == "application/json")
    given = {call.http_headers[name] for name in ("idempotency-key", "opc-retry-token")
             if name in call.http_headers}
    if len(given) > 1:
        raise InvalidRequest("the Idempotency-Key and opc-retry-token headers differ",
                             field="idempotencyKey")
    header_key = given.pop() if given else None
    request = request_from_body(value, trigger="apigateway", operation=route.operation,
                                idempotency_key=header_key)
    return request, route


# --- Events ----------------------------------------------------------------------

def from_event(event: dict) -> LaunchRequest | Ignored:
    """An Object Storage event → run request for a spec upload, else Ignored."""
    event_type = event.get("eventType", event.get("type"))
    if not isinstance(event_type, str):
        raise InvalidRequest("the event has no eventType", field="eventType")
    if event_type not in OBJECT_EVENTS:
        return Ignored("event", f"event type {event_type[:120]} does not start a run")
    data = event.get("data")
    details = data.get("additionalDetails") if isinstance(data, dict) else None
    if not isinstance(details, dict):
        raise InvalidRequest("the event has no data.additionalDetails", field="data")
    name = data.get("resourceName")
    namespace, bucket, etag = (details.get(k) for k in ("namespace", "bucketName", "eTag"))
    for key, value in (("data.resourceName", name), ("data.additionalDetails.namespace", namespace),
                       ("data.additionalDetails.bucketName", bucket),
                       ("data.additionalDetails.eTag", etag)):
        if not isinstance(value, str) or not value:
            raise InvalidRequest(f"the event has no {key}", field=key)
    if not name.lower().endswith(SPEC_SUFFIXES):
        return Ignored("event", "the object is not a .yaml or .yml spec")
    try:
        location: SpecLocation = location_of(namespace, bucket, name)
    except LocationError as exc:
        raise InvalidRequest(f"the event names an unusable object: {exc}",
                             field="data.resourceName") from None
    if len(etag) > 256 or not etag.isprintable():
        raise InvalidRequest("the event's eTag is not usable", field="data.additionalDetails.eTag")
    return LaunchRequest(
        operation="run", trigger="event", spec_location=location,
        idempotency_key=f"{location.namespace}/{location.bucket}/{location.object}@{etag}",
        spec_etag=etag,
    )
