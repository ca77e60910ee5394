"""Completion notifications (terraform/notifications.tf): off unless subscriptions are
configured; then an Events rule on Data Science's job-run completion events in the job's
compartment publishes to a Notifications topic with the configured subscriptions, and
the Events service may publish to topics of the launcher's compartment only."""

from __future__ import annotations

import json
import re

import oci.ons.models
import pytest

# Data Science's job-run completion event types (Oracle, "Creating Automation Using
# Events", Job Run event types). A cancel ends at canceljobrun.end.
COMPLETION_EVENT_TYPES = {
    "succeeded": "com.oraclecloud.datascience.succeededjobrun",
    "failed": "com.oraclecloud.datascience.failedjobrun",
    "timed_out": "com.oraclecloud.datascience.timeoutjobrun",
    "canceled": "com.oraclecloud.datascience.canceljobrun.end",
}
PROTOCOLS = ["EMAIL", "CUSTOM_HTTPS", "SLACK", "PAGERDUTY"]
ENABLED = "${local.notifications_enabled ? 1 : 0}"


def first(blocks):
    assert isinstance(blocks, list) and len(blocks) == 1, blocks
    return blocks[0]


@pytest.fixture(scope="module")
def rule(tf):
    return tf.resource("oci_events_rule", "job_run_finished")


# ------------------------------------------------------------------------------ presence


def test_off_unless_subscriptions_are_configured(tf):
    assert tf.variables["run_notification_subscriptions"]["default"] == {}
    assert tf.locals["run_notification_names"] == (
        "${nonsensitive(keys(var.run_notification_subscriptions))}")
    assert tf.locals["notifications_enabled"] == "${length(local.run_notification_names) > 0}"
    for rtype, name in [("oci_ons_notification_topic", "job_runs"),
                        ("oci_events_rule", "job_run_finished"),
                        ("oci_identity_policy", "run_notifications")]:
        assert tf.resource(rtype, name)["count"] == ENABLED, f"{rtype}.{name}"
    subscriptions = tf.resource("oci_ons_subscription", "job_runs")
    assert subscriptions["for_each"] == "${toset(local.run_notification_names)}"


def test_subscription_endpoints_are_sensitive_and_stay_out_of_addresses(tf):
    assert tf.variables["run_notification_subscriptions"]["sensitive"] is True
    subscription = tf.resource("oci_ons_subscription", "job_runs")
    assert subscription["endpoint"] == "${var.run_notification_subscriptions[each.key].endpoint}"
    assert subscription["protocol"] == "${var.run_notification_subscriptions[each.key].protocol}"
    assert subscription["topic_id"] == "${oci_ons_notification_topic.job_runs[0].id}"


# ------------------------------------------------------------------------------ the rule


def test_rule_publishes_to_the_topic(rule):
    action = first(first(rule["actions"])["actions"])
    assert action["action_type"] == "ONS"
    assert action["topic_id"] == "${oci_ons_notification_topic.job_runs[0].id}"
    assert action["is_enabled"] is True and rule["is_enabled"] is True
    assert "${oci_identity_policy.run_notifications}" in rule["depends_on"]


def test_rule_watches_the_jobs_compartment_only(tf, rule):
    assert rule["compartment_id"] == "${local.job_compartment_id}"
    assert rule["condition"] == "${jsonencode(local.run_notification_condition)}"
    condition = tf.locals["run_notification_condition"]
    assert condition["data"] == {"compartmentId": ["${local.job_compartment_id}"]}, (
        "a rule also sees child compartments: filter on the job's compartment itself"
    )


def event_types(tf, outcomes: list[str]) -> list[str]:
    """local.run_notification_condition.eventType evaluated for the given outcomes."""
    expr = tf.locals["run_notification_condition"]["eventType"]
    assert expr == ("${[for outcome in var.run_notification_outcomes : "
                    "local.job_run_completion_event_types[outcome]]}")
    mapping = tf.locals["job_run_completion_event_types"]
    return [mapping[outcome] for outcome in outcomes]


def test_default_outcomes_are_the_four_completion_events(tf):
    default = tf.variables["run_notification_outcomes"]["default"]
    assert sorted(default) == sorted(COMPLETION_EVENT_TYPES)
    assert sorted(event_types(tf, default)) == sorted(COMPLETION_EVENT_TYPES.values())
    assert tf.locals["job_run_completion_event_types"] == COMPLETION_EVENT_TYPES


def test_condition_is_valid_json_for_a_subset(tf):
    condition = {"eventType": event_types(tf, ["failed", "timed_out"]),
                 "data": {"compartmentId": ["ocid1.compartment.oc1..aaaa"]}}
    assert json.loads(json.dumps(condition))["eventType"] == [
        "com.oraclecloud.datascience.failedjobrun", "com.oraclecloud.datascience.timeoutjobrun"]


def test_outcome_validation_accepts_exactly_the_mapped_outcomes(tf):
    (check,) = tf.variables["run_notification_outcomes"]["validation"]
    listed = json.loads(re.search(r"contains\((\[[^\]]*\]), o\)", check["condition"]).group(1))
    assert sorted(listed) == sorted(COMPLETION_EVENT_TYPES)
    assert "length(var.run_notification_outcomes) > 0" in check["condition"]


# ------------------------------------------------------------------------------ subscriptions


def subscription_validation(tf, fragment: str) -> str:
    conditions = [v["condition"] for v in tf.variables["run_notification_subscriptions"]
                  ["validation"]]
    (found,) = [c for c in conditions if fragment in c]
    return found


def test_protocols_are_the_four_asked_for_and_known_to_the_sdk(tf):
    condition = subscription_validation(tf, "s.protocol)")
    listed = json.loads(re.search(r"contains\((\[[^\]]*\]), s\.protocol\)", condition).group(1))
    assert listed == PROTOCOLS
    documented = oci.ons.models.CreateSubscriptionDetails.protocol.__doc__
    for protocol in listed:
        assert f"`{protocol}`" in documented, f"{protocol} is not an ONS subscription protocol"


@pytest.mark.parametrize(("protocol", "endpoint", "valid"), [
    ("EMAIL", "data-team@example.com", True),
    ("EMAIL", "not an address", False),
    ("SLACK", "https://hooks.slack.com/services/T000/B000/XXXX", True),
    ("PAGERDUTY", "https://events.pagerduty.com/integration/abc/enqueue", True),
    ("CUSTOM_HTTPS", "http://insecure.example.com/hook", False),
    ("CUSTOM_HTTPS", "https://example.com/" + "x" * 600, False),
])
def test_endpoint_validation(tf, protocol, endpoint, valid):
    condition = subscription_validation(tf, "s.endpoint")
    email, url = [json.loads(f'"{literal}"')
                  for literal in re.findall(r'regex\("((?:[^"\\]|\\.)*)"', condition)]
    pattern = email if protocol == "EMAIL" else url
    assert bool(re.search(pattern, endpoint)) is valid


# ------------------------------------------------------------------------------ policy


def test_events_may_publish_to_the_launchers_topics_only(tf, iac):
    (statement,) = tf.resource("oci_identity_policy", "run_notifications")["statements"]
    assert iac.to_placeholders(statement) == (
        "Allow service cloudEvents to use ons-topics in compartment id <compartment_ocid>")
    topic = tf.resource("oci_ons_notification_topic", "job_runs")
    assert topic["compartment_id"] == "${var.compartment_ocid}"
