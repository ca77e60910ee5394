"""Pure planning: the retry token and the exact ``CreateJobRunDetails`` to send.

Given the same logical request, spec and eTag, :func:`plan_job_run` builds the
same body (no timestamps, no call ids), so a replay under the same retry token
is recognised by Data Science as the same request (README: "Idempotency").
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass
from typing import Any

from oci.data_science import models

from jobspec.limits import ETAG_ENV_VAR
from jobspec.spec import (
    MAX_DISPLAY_NAME,
    MAX_ENV_TOTAL,
    Infrastructure,
    JobSpec,
    env_size,
)

from .config import Settings
from .errors import InvalidRequest, InvalidSpec
from .request import RunRequest, ValidateRequest

# Changing this string changes every token: only ever bump the version. v2 added the
# trigger and the authenticated caller, so that callers never share idempotency keys.
TOKEN_NAMESPACE = "oci-jobrun-launcher/retry-token/v2"
DEFAULT_BLOCK_STORAGE_GB = 50


@dataclass(frozen=True)
class JobInfo:
    """What the launcher needs from the configured job (read once, cached)."""

    project_id: str
    compartment_id: str
    block_storage_size_in_gbs: int | None = None


def retry_token(job_ocid: str, *, trigger: str, caller: str | None = None,
                idempotency_key: str | None = None, call_id: str | None = None) -> str:
    """Hex SHA-256 of a versioned string of the job, the trigger, the authenticated caller
    (the gateway's, when it has one) and the caller's key.

    With an idempotency key the token is stable across invocations (24 h of
    deduplication by Data Science) but never shared across triggers or callers;
    without one it is derived from the invocation's call id, so only retries
    within one invocation collapse.
    """
    if idempotency_key is not None:
        kind, key = "key", idempotency_key
    elif call_id:
        kind, key = "call", call_id
    else:
        raise ValueError("a retry token needs an idempotency key or a call id")
    # JSON keeps the parts apart whatever they hold (a key may contain any separator).
    material = json.dumps([TOKEN_NAMESPACE, kind, job_ocid, trigger, caller, key])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def needs_job_info(spec: JobSpec) -> bool:
    infra = spec.infrastructure
    return (spec.project_id is None or spec.compartment_id is None
            or (infra is not None and infra.block_storage_size_in_gbs is None))


def default_display_name(request: RunRequest | ValidateRequest) -> str:
    name = posixpath.basename(request.spec_location.object)
    stem, ext = posixpath.splitext(name)
    return (stem if ext.lower() in (".yaml", ".yml") and stem else name)[:MAX_DISPLAY_NAME]


def runtime_problem(settings: Settings,
                    request: RunRequest | ValidateRequest) -> InvalidRequest | None:
    """A requested runtime beyond MAX_RUNTIME_MINUTES, or None (the spec's own runtime is
    checked by the spec library against the same limits)."""
    minutes = request.overrides.maximum_runtime_in_minutes
    limits = settings.cost_limits
    if minutes is not None and minutes > limits.max_runtime_minutes:
        return InvalidRequest(f"maximumRuntimeInMinutes {limits.runtime_problem()}",
                              field="maximumRuntimeInMinutes")
    return None


def environment_problem(settings: Settings, request: RunRequest | ValidateRequest,
                        spec: JobSpec, etag: str) -> InvalidRequest | InvalidSpec | None:
    """The run's variables (the launcher's, the spec's and the request's) over Data
    Science's total, blamed on the request when it adds any; else None."""
    env = _environment(settings, request, spec, etag)
    if env_size(env.items()) <= MAX_ENV_TOTAL:
        return None
    message = f"environment variables total more than {MAX_ENV_TOTAL} characters"
    if request.overrides.environment_variables:
        return InvalidRequest(message, field="environmentVariables")
    return InvalidSpec(message)


def _environment(settings: Settings, request: RunRequest | ValidateRequest, spec: JobSpec,
                 etag: str) -> dict[str, str]:
    launcher_vars = {settings.spec_env_var: request.spec_location.uri, ETAG_ENV_VAR: etag}
    # First for their place in the body, last for their values: the launcher's variables
    # always win (a request that names one is refused when it is parsed, func/request.py).
    return {**launcher_vars, **dict(spec.environment),
            **dict(request.overrides.environment_variables), **launcher_vars}


def plan_job_run(settings: Settings, request: RunRequest | ValidateRequest, spec: JobSpec,
                 etag: str, job: JobInfo | None) -> models.CreateJobRunDetails:
    """Build the CreateJobRunDetails for ``request``: pure and total on valid input (a
    request as parsed, a spec as parsed, :func:`environment_problem` None, ``job`` given
    when :func:`needs_job_info`); it raises no request or spec error."""
    overrides = request.overrides
    env = _environment(settings, request, spec, etag)

    if job is None:
        if spec.project_id is None or spec.compartment_id is None:
            raise ValueError("job info is needed for this spec")
        project_id, compartment_id = spec.project_id, spec.compartment_id
    else:
        project_id = spec.project_id or job.project_id
        compartment_id = spec.compartment_id or job.compartment_id

    arguments = overrides.command_line_arguments
    if arguments is None:
        arguments = spec.command_line_arguments

    details = models.CreateJobRunDetails(
        project_id=project_id,
        compartment_id=compartment_id,
        job_id=settings.job_ocid,
        display_name=overrides.display_name or spec.display_name
        or default_display_name(request),
        job_configuration_override_details=models.DefaultJobConfigurationDetails(
            environment_variables=env,
            command_line_arguments=arguments,
            maximum_runtime_in_minutes=overrides.maximum_runtime_in_minutes
            or spec.maximum_runtime_in_minutes,
        ),
        # The launcher's own tag last: neither a spec nor a caller can say who triggered.
        freeform_tags={**dict(spec.freeform_tags), **dict(overrides.freeform_tags),
                       "trigger": request.trigger},
    )
    if spec.log_group_id is not None:
        details.job_log_configuration_override_details = models.JobLogConfigurationDetails(
            enable_logging=True,
            enable_auto_log_creation=spec.log_id is None,
            log_group_id=spec.log_group_id,
            log_id=spec.log_id,
        )
    if spec.infrastructure is not None:
        details.job_infrastructure_configuration_override_details = _infrastructure(
            spec.infrastructure, job)
    return details


def _infrastructure(infra: Infrastructure, job: JobInfo | None) -> Any:
    block = infra.block_storage_size_in_gbs
    if block is None and job is not None:  # job is given whenever the spec has no size
        block = job.block_storage_size_in_gbs
    block = block or DEFAULT_BLOCK_STORAGE_GB
    shape_config = None
    if infra.ocpus is not None or infra.memory_in_gbs is not None:
        shape_config = models.JobShapeConfigDetails(ocpus=infra.ocpus,
                                                    memory_in_gbs=infra.memory_in_gbs)
    common = dict(shape_name=infra.shape_name, block_storage_size_in_gbs=block,
                  job_shape_config_details=shape_config)
    if infra.type == "STANDALONE":
        return models.StandaloneJobInfrastructureConfigurationDetails(
            subnet_id=infra.subnet_id, **common)
    return models.ManagedEgressStandaloneJobInfrastructureConfigurationDetails(**common)


def to_wire(value: Any) -> Any:
    """The JSON the SDK sends for a model: camelCase keys, ``None`` fields left out."""
    if hasattr(value, "swagger_types"):  # an SDK model (it has attribute_map too)
        return {
            value.attribute_map[name]: to_wire(getattr(value, name))
            for name in value.swagger_types
            if getattr(value, name) is not None
        }
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(item) for item in value]
    return value
