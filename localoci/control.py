"""The unsigned control API under ``/_localoci/``, for tests that run the emulator as a process.

- ``GET /_localoci/state``: jobs, job runs (with create bodies and retry tokens), buckets,
  faults, the request log and the 401 count.
- ``POST /_localoci/faults``: a fault rule or a list of them; answers the rules with ids.
- ``DELETE /_localoci/faults``: remove every fault rule (204).
- ``POST /_localoci/jobs``: a job or a list of jobs; answers the completed jobs.
- ``POST /_localoci/jobruns/{id}/outcome``: ``{"lifecycleState", "lifecycleDetails"}``
  forces the run into that state; answers the job run.
- ``POST /_localoci/buckets``: ``{"name", "compartmentId"}``; answers the bucket.
- ``PUT /_localoci/objects/{bucket}/{object}``: stores the body (and its content-type);
  answers ``{"etag"}``.
- ``POST /_localoci/reset``: forget runs, retry tokens, faults, request log, 401 count (204).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .credentials import DEFAULT_COMPARTMENT
from .faults import FaultRule
from .objectstorage import DEFAULT_CONTENT_TYPE
from .wire import ApiError, Request, Response

if TYPE_CHECKING:
    from .server import Emulator

PREFIX = "/_localoci/"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _object_fields(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApiError(400, "InvalidParameter", f"{what} must be a JSON object.")
    return value


def _dispatch(emulator: Emulator, request: Request) -> Response:
    parts = request.path[len(PREFIX) :].split("/")
    match request.method, parts:
        case "GET", ["state"]:
            return Response.json(200, emulator.state())
        case "POST", ["faults"]:
            rules = [
                FaultRule.from_json(_object_fields(item, "a fault rule"))
                for item in _as_list(request.json())
            ]
            return Response.json(200, [emulator.add_fault_rule(rule).to_json() for rule in rules])
        case "DELETE", ["faults"]:
            emulator.clear_faults()
            return Response(204)
        case "POST", ["jobs"]:
            jobs = [
                emulator.add_job(_object_fields(item, "a job")) for item in _as_list(request.json())
            ]
            return Response.json(200, jobs)
        case "POST", ["jobruns", run_id, "outcome"]:
            body = _object_fields(request.json(), "the outcome")
            state = body.get("lifecycleState")
            if not isinstance(state, str):
                raise ApiError(400, "InvalidParameter", "lifecycleState is required.")
            return Response.json(
                200, emulator.set_run_outcome(unquote(run_id), state, body.get("lifecycleDetails"))
            )
        case "POST", ["buckets"]:
            body = _object_fields(request.json(), "the bucket")
            name = body.get("name")
            if not isinstance(name, str) or not name:
                raise ApiError(400, "InvalidParameter", "name is required.")
            namespace = emulator.object_storage.namespace
            return Response.json(
                200,
                emulator.create_bucket(
                    namespace, name, body.get("compartmentId") or DEFAULT_COMPARTMENT
                ),
            )
        case "PUT", ["objects", bucket, *name_parts] if name_parts:
            etag = emulator.put_object(
                emulator.object_storage.namespace,
                unquote(bucket),
                unquote("/".join(name_parts)),
                request.body,
                request.header("content-type") or DEFAULT_CONTENT_TYPE,
            )
            return Response.json(200, {"etag": etag})
        case "POST", ["reset"]:
            emulator.reset()
            return Response(204)
    raise ApiError(404, "NotFound", "No such control route.")


def handle(emulator: Emulator, request: Request) -> Response:
    try:
        return _dispatch(emulator, request)
    except (TypeError, ValueError) as error:
        raise ApiError(400, "InvalidParameter", str(error)) from error
