"""The ``run`` and ``validate`` handlers: read the spec, plan the run, create it (run only).

A handler takes the container's :class:`~func.service.Launcher`, its typed request and the
:class:`~func.service.Invocation`, and returns the answer's fields or raises a
:class:`~func.errors.LauncherError`; :mod:`func.operations` names it for its operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobspec import errors as spec_errors
from jobspec.limits import ETAG_ENV_VAR
from jobspec.spec import JobSpec, parse_spec
from ociplatform.objects import read_object
from ociplatform.retry import Deadline

from .errors import InvalidRequest, InvalidSpec, SpecLocationNotAllowed, SpecTooLarge
from .plan import (
    environment_problem,
    needs_job_info,
    plan_job_run,
    retry_token,
    runtime_problem,
    to_wire,
)
from .request import RunRequest, ValidateRequest
from .runstates import run_fields

if TYPE_CHECKING:
    from .active_cap import ActiveRun
    from .service import Invocation, Launcher

TOKEN_PREFIX_LENGTH = 12  # enough to find the run's create request; the token stays private

Body = dict[str, Any]


def run(launcher: Launcher, request: RunRequest, invocation: Invocation) -> Body:
    token = retry_token(launcher.settings.job_ocid, trigger=request.trigger,
                        caller=request.caller, idempotency_key=request.idempotency_key,
                        call_id=invocation.call_id)
    invocation.facts["retryTokenPrefix"] = token[:TOKEN_PREFIX_LENGTH]
    cap = launcher.cap
    # MAX_ACTIVE_RUNS: the count runs while the spec is read, in the job's compartment if
    # known (the run's unless the spec names another: then check() counts there).
    ahead = None
    if cap is not None:
        ahead = cap.count_ahead(cap.reserve(invocation.deadline), launcher.known_compartment)
    details, common, _ = _plan(launcher, request, invocation.deadline)
    # MAX_ACTIVE_RUNS: count before the create, recount after it (func/active_cap.py).
    deadline = invocation.deadline
    counted: list[ActiveRun] = []
    if cap is not None:
        deadline = cap.reserve(invocation.deadline)
        counted = cap.check(details.compartment_id, deadline, ahead)
    created = launcher.data_science.call("create_job_run", details, deadline=deadline,
                                         opc_retry_token=token).data
    if cap is not None:
        cap.confirm(created, details.compartment_id, invocation.deadline, counted=counted)
    return {"operation": "run", **run_fields(created), **common}


def validate(launcher: Launcher, request: ValidateRequest, invocation: Invocation) -> Body:
    details, common, spec = _plan(launcher, request, invocation.deadline)
    return {"operation": "validate", **common,
            "createJobRunDetails": redacted(to_wire(details)), "notes": list(spec.notes)}


REDACTED = "<redacted>"


def redacted(wire: Body) -> Body:
    """A CreateJobRunDetails body (camelCase) with every environment value replaced by
    ``<redacted>``: validate answers anyone who may call it, and a value may be a secret.
    (A plan always sets the launcher's own variables, so the map is always there.)"""
    overrides = wire["jobConfigurationOverrideDetails"]
    overrides["environmentVariables"] = dict.fromkeys(overrides["environmentVariables"],
                                                      REDACTED)
    return wire


def _plan(launcher: Launcher, request: RunRequest | ValidateRequest,
          deadline: Deadline) -> tuple[Any, Body, JobSpec]:
    """Everything ``run`` does before the create: the checks, the spec, the details."""
    location = request.spec_location
    settings = launcher.settings
    allow = settings.spec_allowlist
    if allow and not any(location.within(prefix) for prefix in allow):
        raise SpecLocationNotAllowed(f"{location.uri} is outside SPEC_ALLOWLIST",
                                     field="specLocation")
    if location.region and launcher.region and location.region != launcher.region:
        raise InvalidRequest(f"the spec URL is in {location.region}, but the function runs "
                             f"in {launcher.region}", field="specLocation")
    too_long = runtime_problem(settings, request)
    if too_long is not None:
        raise too_long
    # Only an event's run pins the version that fired it.
    pinned = request.spec_etag if isinstance(request, RunRequest) else None
    data, etag = _read_spec(launcher, request, pinned, deadline)
    spec = _parse(launcher, data, location.uri, etag)
    problem = environment_problem(settings, request, spec, etag)
    if problem is not None:
        raise problem
    job = launcher.job(deadline) if needs_job_info(spec) else None
    details = plan_job_run(settings, request, spec, etag, job)
    return details, {"specLocation": location.uri, "specETag": etag}, spec


def _read_spec(launcher: Launcher, request: RunRequest | ValidateRequest, pinned: str | None,
               deadline: Deadline) -> tuple[bytes, str]:
    location = request.spec_location
    limit = launcher.settings.max_spec_bytes
    read = read_object(launcher.object_storage, location.namespace, location.bucket,
                       location.object, limit=limit, if_match=pinned, deadline=deadline,
                       subject=location.uri)
    if read.too_large:
        raise SpecTooLarge(f"{location.uri} is larger than MAX_SPEC_BYTES ({limit} bytes)",
                           field="specLocation")
    return read.data, read.etag


def _parse(launcher: Launcher, data: bytes, location: str, etag: str) -> JobSpec:
    """The spec as parsed, or InvalidSpec. (parse_spec's own size check never fires here:
    :func:`_read_spec` has refused anything over MAX_SPEC_BYTES already.)"""
    settings = launcher.settings
    try:
        return parse_spec(data, max_bytes=settings.max_spec_bytes,
                          spec_env_var=settings.spec_env_var,
                          launcher_env={settings.spec_env_var: location, ETAG_ENV_VAR: etag},
                          limits=settings.cost_limits)
    except spec_errors.SpecInvalid as exc:
        raise InvalidSpec.from_spec_error(exc) from None
