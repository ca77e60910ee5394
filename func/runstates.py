"""The ``status``, ``cancel`` and ``list`` handlers, and the run fields every answer shares.

Only runs of ``JOB_OCID`` are acted on: another job's run answers ``NotFound``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobspec.limits import ETAG_ENV_VAR
from ociplatform.retry import Deadline
from ocirefs import jobruns

from .errors import Conflict, NotFound
from .request import CancelRequest, ListRequest, StatusRequest
from .upstream import COMPARTMENT_GIVEN, PAGE_GIVEN

if TYPE_CHECKING:
    from .service import Invocation, Launcher

Body = dict[str, Any]


def status(launcher: Launcher, request: StatusRequest, invocation: Invocation) -> Body:
    run = get_run(launcher, request.job_run_id, invocation.deadline)
    return {"operation": "status", **status_fields(launcher, run)}


def cancel(launcher: Launcher, request: CancelRequest, invocation: Invocation) -> Body:
    deadline = invocation.deadline
    run = get_run(launcher, request.job_run_id, deadline)
    if run.lifecycle_state in jobruns.TERMINAL:
        raise Conflict(f"the job run is already {run.lifecycle_state}")
    launcher.data_science.call("cancel_job_run", run.id, deadline=deadline)
    return {"operation": "cancel",
            **status_fields(launcher, get_run(launcher, run.id, deadline))}


def list_runs(launcher: Launcher, request: ListRequest, invocation: Invocation) -> Body:
    """One page of this job's runs, newest first (the job_id filter keeps other jobs' runs
    out; the compartment defaults to the job's own)."""
    deadline = invocation.deadline
    job_ocid = launcher.settings.job_ocid
    compartment_id = request.compartment_id or launcher.job(deadline).compartment_id
    kwargs: dict[str, Any] = {"job_id": job_ocid, "limit": request.limit,
                              "sort_by": "timeCreated", "sort_order": "DESC"}
    context: set[str] = set()
    if request.lifecycle_state is not None:
        kwargs["lifecycle_state"] = request.lifecycle_state
    if request.page is not None:
        kwargs["page"] = request.page
        context.add(PAGE_GIVEN)
    if request.compartment_id is not None:
        context.add(COMPARTMENT_GIVEN)
    response = launcher.data_science.call("list_job_runs", compartment_id, deadline=deadline,
                                          context=frozenset(context), **kwargs)
    runs = [run for run in response.data if run.job_id == job_ocid]
    return {"operation": "list", "runs": [status_fields(launcher, run) for run in runs],
            "nextPage": response.headers.get("opc-next-page")}


def get_run(launcher: Launcher, run_id: str, deadline: Deadline) -> Any:
    """GetJobRun of a run of the configured job; any other run is NotFound."""
    run = launcher.data_science.call("get_job_run", run_id, deadline=deadline).data
    if run.job_id != launcher.settings.job_ocid:
        raise NotFound("no such job run", field="jobRunId")
    return run


def status_fields(launcher: Launcher, run: Any) -> Body:
    body = run_fields(run)
    body.update(lifecycleDetails=run.lifecycle_details,
                timeStarted=iso_time(run.time_started), timeFinished=iso_time(run.time_finished),
                terminal=run.lifecycle_state in jobruns.TERMINAL)
    # A listed run (JobRunSummary) has no override details, so no spec location.
    overrides = getattr(run, "job_configuration_override_details", None)
    env = getattr(overrides, "environment_variables", None) or {}
    if launcher.settings.spec_env_var in env:
        body["specLocation"] = env[launcher.settings.spec_env_var]
    if ETAG_ENV_VAR in env:
        body["specETag"] = env[ETAG_ENV_VAR]
    return body


def run_fields(run: Any) -> Body:
    return {
        "jobRunId": run.id,
        "id": run.id,
        "jobId": run.job_id,
        "lifecycleState": run.lifecycle_state,
        "displayName": run.display_name,
        "projectId": run.project_id,
        "compartmentId": run.compartment_id,
        "timeAccepted": iso_time(run.time_accepted),
    }


def iso_time(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.isoformat()).replace("+00:00", "Z")
