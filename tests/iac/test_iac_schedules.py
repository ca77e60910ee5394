"""Schedules (terraform/schedules.tf): one Resource Scheduler schedule per entry of
var.schedules, none by default, each invoking the launcher with a direct-invocation body,
and one policy per schedule that lets exactly that schedule invoke functions of the
launcher's compartment.

The request body is evaluated from local.schedule_bodies (see conftest.py), not copied.
test_iac_schedule_body.py sends it through the real function.
"""

from __future__ import annotations

import dataclasses
import json
import re

import jsonschema
import pytest
import yaml

from tests.support.events import NIGHTLY_SCHEDULE as NIGHTLY
from tests.support.events import load_event


def first(blocks):
    assert isinstance(blocks, list) and len(blocks) == 1, blocks
    return blocks[0]


@pytest.fixture(scope="module")
def schedule(tf):
    return tf.resource("oci_resource_scheduler_schedule", "launch")


# ------------------------------------------------------------------------------ presence


def test_nothing_is_scheduled_by_default(tf, schedule):
    assert tf.variables["schedules"]["default"] == {}
    assert schedule["for_each"] == "${var.schedules}"
    policy = tf.resource("oci_identity_policy", "schedule")
    assert policy["for_each"] == "${oci_resource_scheduler_schedule.launch}", (
        "one policy per schedule that exists, none without schedules"
    )


def test_the_example_tfvars_leaves_schedules_off(iac):
    example = iac.load_hcl(iac.TERRAFORM_DIR / "terraform.tfvars.example")
    assert "schedules" not in example
    text = (iac.TERRAFORM_DIR / "terraform.tfvars.example").read_text(encoding="utf-8")
    assert "# schedules = {" in text, "the example shows a commented schedules entry"


# ------------------------------------------------------------------------------ the schedule


def test_each_schedule_invokes_the_launcher_with_its_body(schedule):
    assert schedule["action"] == "START_RESOURCE"
    assert schedule["compartment_id"] == "${var.compartment_ocid}"
    assert schedule["recurrence_type"] == "${each.value.recurrence_type}"
    assert schedule["recurrence_details"] == "${each.value.recurrence}"
    assert schedule["state"] == '${each.value.enabled ? "ACTIVE" : "INACTIVE"}'
    target = first(schedule["resources"])
    assert target["id"] == "${oci_functions_function.launcher.id}"
    parameter = first(target["parameters"])
    assert parameter["parameter_type"] == "BODY"
    assert parameter["value"] == ["${jsonencode(local.schedule_bodies[each.key])}"]
    assert "resource_filters" not in schedule, "a schedule targets the one function, by OCID"


def test_recurrence_type_defaults_to_cron(iac, tf):
    defaults = iac.schedule_entry_defaults(tf)
    assert defaults["recurrence_type"] == "CRON"
    assert defaults["enabled"] is True
    assert defaults["freeform_tags"] == {}


def test_body_of_the_sample_entry(iac, tf):
    body = iac.render_schedule_body(tf, "nightly-report", NIGHTLY)
    assert body == load_event("direct-scheduled-run.json")


@pytest.mark.parametrize("expression", [
    'upper(s.spec_location)', 'coalesce(s.display_name, name)', '"${name}-run"', "var.x",
])
def test_the_body_evaluator_refuses_forms_it_does_not_know(iac, tf, expression):
    # The rendering is only trustworthy while it understands every form the HCL uses.
    changed = tf.locals["schedule_bodies"].replace(
        "specLocation = s.spec_location", f"specLocation = {expression}")
    assert changed != tf.locals["schedule_bodies"]
    other = dataclasses.replace(tf, locals={**tf.locals, "schedule_bodies": changed})
    with pytest.raises(AssertionError, match="does not know"):
        iac.render_schedule_body(other, "n", NIGHTLY)


def test_minimal_entry_sends_only_what_was_configured(iac, tf):
    body = iac.render_schedule_body(
        tf, "hourly", {"spec_location": "oci://specs@ns/a.yaml", "recurrence": "0 * * * *"})
    assert body == {"operation": "run", "specLocation": "oci://specs@ns/a.yaml",
                    "freeformTags": {"schedule": "hourly"}}


def test_every_firing_is_a_new_run(iac, tf):
    # No idempotencyKey: the function derives the retry token from each invocation's call
    # id, so a firing never returns yesterday's run.
    body = iac.render_schedule_body(tf, "nightly-report", NIGHTLY)
    assert "idempotencyKey" not in body
    assert "idempotency" not in tf.locals["schedule_bodies"].lower()


def test_the_schedule_tag_names_the_schedule_whatever_the_entry_says(iac, tf):
    entry = NIGHTLY | {"freeform_tags": {"schedule": "something else", "team": "bi"}}
    body = iac.render_schedule_body(tf, "nightly-report", entry)
    assert body["freeformTags"] == {"schedule": "nightly-report", "team": "bi"}


def test_body_is_a_valid_run_request(iac, tf):
    # The direct `run` request is the gateway's RunRequest plus `operation` (README,
    # "Direct invocation"); unknown fields would be refused by the function.
    spec = yaml.safe_load((iac.REPO / "api" / "openapi.yaml").read_text(encoding="utf-8"))
    run_request = spec["components"]["schemas"]["RunRequest"]
    for entry in (NIGHTLY, {"spec_location": "oci://specs@ns/a.yaml", "recurrence": "0 * * * *"}):
        body = iac.render_schedule_body(tf, "nightly-report", entry)
        assert body.pop("operation") == "run"
        jsonschema.Draft7Validator(run_request).validate(body)


# ------------------------------------------------------------------------------ validation

def validation(tf, fragment: str) -> str:
    conditions = [v["condition"] for v in tf.variables["schedules"]["validation"]]
    found = [c for c in conditions if fragment in c]
    assert len(found) == 1, f"{fragment!r} in {conditions}"
    return found[0]


def regexes(condition: str) -> list[str]:
    return [json.loads(f'"{literal}"')
            for literal in re.findall(r'regex\("((?:[^"\\]|\\.)*)"', condition)]


@pytest.mark.parametrize(("name", "valid"), [
    ("nightly-report", True), ("h1", True), ("Nightly", False), ("a_b", False),
    ("-x", False), ("x" * 31, False),
])
def test_schedule_names(tf, name, valid):
    (pattern,) = regexes(validation(tf, "keys(var.schedules)"))
    assert bool(re.search(pattern, name)) is valid


@pytest.mark.parametrize(("location", "valid"), [
    ("oci://specs@mytenancy/notebooks/daily.yaml", True),
    ("https://objectstorage.eu-frankfurt-1.oraclecloud.com/n/ns/b/specs/o/daily.yaml", True),
    ("specs/daily.yaml", False),
    ("oci://specs@mytenancy", False),
])
def test_spec_locations(tf, location, valid):
    (pattern,) = regexes(validation(tf, "s.spec_location"))
    assert bool(re.search(pattern, location)) is valid


@pytest.mark.parametrize(("recurrence", "valid"), [
    ("0 2 * * *", True), ("*/15 * * * 1-5", True), ("0 2 * * * *", False), ("@daily", False),
])
def test_cron_recurrence(tf, recurrence, valid):
    cron, _ical = regexes(validation(tf, "s.recurrence_type"))
    assert bool(re.search(cron, recurrence.strip())) is valid


@pytest.mark.parametrize(("recurrence", "valid"), [
    ("FREQ=DAILY;BYHOUR=2;BYMINUTE=0", True),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH;BYHOUR=10;INTERVAL=1", True),
    ("RRULE:FREQ=DAILY", False), ("0 2 * * *", False),
])
def test_ical_recurrence(tf, recurrence, valid):
    _cron, ical = regexes(validation(tf, "s.recurrence_type"))
    assert bool(re.search(ical, recurrence)) is valid


def test_other_recurrence_types_are_refused(tf):
    condition = validation(tf, "s.recurrence_type")
    assert condition.count('s.recurrence_type == "') == 2  # CRON and ICAL
    assert re.search(r":\s*false\)\]\)\}$", condition), "anything else must fail validation"


# ------------------------------------------------------------------------------ policy


def test_each_schedule_gets_oracles_documented_grant_for_itself_only(tf, iac):
    # Oracle's Resource Scheduler example policies: "Allow any-user to manage
    # <resource_type> in compartment id <compartment_ocid> where
    # all{request.principal.type='resourceschedule', request.principal.id='<schedule ocid>'}".
    # No Oracle source shows a narrower verb working, and a short grant fails silently.
    policy = tf.resource("oci_identity_policy", "schedule")
    (statement,) = policy["statements"]
    text = iac.to_placeholders(statement)
    assert text == (
        "Allow any-user to manage functions-family in compartment id <compartment_ocid> where ALL "
        "{request.principal.type = 'resourceschedule', request.principal.id = '<schedule_id>'}"
    )
    assert "example_policies.htm" in (iac.POLICIES_DIR / "schedule.policy").read_text(
        encoding="utf-8"), "the policy file cites Oracle's page"
    assert policy["provider"] == "${oci.home}"
    assert policy["name"] == "${var.name_prefix}-schedule-${each.key}"


def test_a_schedule_outside_the_spec_folder_fails_plan(tf):
    # A refused scheduled spec shows only in the function log: plan refuses it instead.
    (check,) = tf.resource("oci_resource_scheduler_schedule", "launch")["lifecycle"][0][
        "precondition"]
    assert check["condition"] == (
        '${!startswith(each.value.spec_location, "oci://") || '
        "startswith(each.value.spec_location, local.spec_allowlist)}")
    assert "SPEC_ALLOWLIST" in check["error_message"]
