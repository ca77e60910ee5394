"""A scheduled firing takes the same path as any direct call.

The body is rendered from terraform/schedules.tf (local.schedule_bodies, evaluated in
conftest.py) for a sample schedule and sent through the real fdk process, as the Resource
Scheduler's invocation would be, against the local emulator. The job run it creates must
be the one a hand-written direct call with the same fields creates, plus the schedule's
tag, and every firing must start a run of its own.
"""

from __future__ import annotations

from tests.conftest import JOB_COMPARTMENT, JOB_OCID, JOB_PROJECT
from tests.support.events import NIGHTLY_SCHEDULE as ENTRY
from tests.support.spec_cases import flat

SPEC = "notebooks/daily.yaml"


def answer(invocation) -> dict:
    assert invocation.status == 200
    body = invocation.json()
    assert body["ok"] is True, body
    return body


def test_scheduled_body_creates_the_run_a_direct_call_creates(fn, oci_local, iac, tf):
    etag = oci_local.put_spec(SPEC, flat())
    body = iac.render_schedule_body(tf, "nightly-report", ENTRY)

    scheduled = answer(fn.invoke(body, call_id="SCHEDULE-FIRING-1"))
    assert scheduled["trigger"] == "direct" and scheduled["operation"] == "run"

    (run,) = oci_local.job_runs()
    assert run["createBody"] == {
        "projectId": JOB_PROJECT, "compartmentId": JOB_COMPARTMENT,
        "displayName": "nightly-report", "jobId": JOB_OCID,
        "jobConfigurationOverrideDetails": {
            "jobType": "DEFAULT",
            "environmentVariables": {"NOTEPAD_YAML_URL": "oci://specs@localns/" + SPEC,
                                     "JOB_SPEC_ETAG": etag, "RUN_MODE": "nightly"},
            "commandLineArguments": "--fast",
            "maximumRuntimeInMinutes": 120,
        },
        "freeformTags": {"trigger": "direct", "team": "bi", "schedule": "nightly-report"},
    }

    # The same fields written by hand, as a Data Integration task or `fn invoke` sends them.
    direct = {"specLocation": oci_local.location(SPEC), "displayName": "nightly-report",
              "environmentVariables": {"RUN_MODE": "nightly"}, "commandLineArguments": "--fast",
              "maximumRuntimeInMinutes": 120,
              "freeformTags": {"team": "bi", "schedule": "nightly-report"}}
    answer(fn.invoke(direct, call_id="DIRECT-CALL-1"))
    first, second = oci_local.create_bodies()
    assert first == second


def test_every_firing_starts_a_run_of_its_own(fn, oci_local, iac, tf):
    oci_local.put_spec(SPEC, flat())
    body = iac.render_schedule_body(
        tf, "hourly", {"spec_location": oci_local.location(SPEC), "recurrence": "0 * * * *"})
    runs = {answer(fn.invoke(body, call_id=f"FIRING-{n}"))["jobRunId"] for n in range(2)}
    assert len(runs) == 2
    assert [b["freeformTags"] for b in oci_local.create_bodies()] == [
        {"trigger": "direct", "schedule": "hourly"}] * 2


def test_a_bad_scheduled_spec_is_refused_like_any_other(fn, oci_local, iac, tf):
    body = iac.render_schedule_body(
        tf, "broken", {"spec_location": oci_local.location("missing.yaml"),
                       "recurrence": "0 * * * *"})
    result = fn.invoke(body)
    assert result.status == 200
    assert result.json()["error"]["code"] == "SpecNotFound"
    assert oci_local.job_runs() == []
