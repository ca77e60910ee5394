# Completion notifications (README "After launch" → "Completion notifications"): an
# Events rule on Data Science's job-run completion events in the job's compartment → a
# Notifications topic → the subscriptions of var.run_notification_subscriptions. Off
# (nothing created) while that map is empty. The function is not involved.

locals {
  # The variable is sensitive (webhook URLs); only its names are needed for count and
  # for_each, and Terraform refuses sensitive values there.
  run_notification_names = nonsensitive(keys(var.run_notification_subscriptions))
  notifications_enabled  = length(local.run_notification_names) > 0

  # Event types Data Science emits when a job run ends (Oracle: "Creating Automation
  # Using Events", Job Run event types). A cancel is complete at canceljobrun.end.
  job_run_completion_event_types = {
    succeeded = "com.oraclecloud.datascience.succeededjobrun"
    failed    = "com.oraclecloud.datascience.failedjobrun"
    timed_out = "com.oraclecloud.datascience.timeoutjobrun"
    canceled  = "com.oraclecloud.datascience.canceljobrun.end"
  }

  # The rule lives in the job's compartment and would also see its child compartments:
  # data.compartmentId keeps it to runs created in that compartment itself. Job-run
  # events are not documented to name their job, so the rule can't narrow to this job;
  # give the job a compartment of its own to hear about its runs only.
  run_notification_condition = {
    eventType = [for outcome in var.run_notification_outcomes : local.job_run_completion_event_types[outcome]]
    data = {
      compartmentId = [local.job_compartment_id]
    }
  }
}

resource "oci_ons_notification_topic" "job_runs" {
  count = local.notifications_enabled ? 1 : 0

  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-job-runs" # topic names are unique in the tenancy
  description    = "Completion of ${var.name_prefix} job runs (succeeded, failed, timed out, canceled)."
  freeform_tags  = local.tags
}

# EMAIL and CUSTOM_HTTPS subscriptions stay PENDING until the recipient confirms them
# (the confirmation link in the first message); SLACK and PAGERDUTY are active at once.
resource "oci_ons_subscription" "job_runs" {
  # Keyed by the names chosen in the variable: endpoints stay out of resource addresses.
  for_each = toset(local.run_notification_names)

  compartment_id = var.compartment_ocid
  topic_id       = oci_ons_notification_topic.job_runs[0].id
  protocol       = var.run_notification_subscriptions[each.key].protocol
  endpoint       = var.run_notification_subscriptions[each.key].endpoint
  freeform_tags  = local.tags
}

resource "oci_events_rule" "job_run_finished" {
  count = local.notifications_enabled ? 1 : 0

  compartment_id = local.job_compartment_id
  display_name   = "${var.name_prefix}-job-run-finished"
  description    = "Notify ${var.name_prefix}-job-runs when a job run in the job's compartment ends."
  is_enabled     = true
  condition      = jsonencode(local.run_notification_condition)
  freeform_tags  = local.tags

  actions {
    actions {
      action_type = "ONS"
      is_enabled  = true
      topic_id    = oci_ons_notification_topic.job_runs[0].id
      description = "Publish the job-run event to the notification topic."
    }
  }

  # Without the Events → Notifications grant the rule matches but delivers nothing.
  depends_on = [oci_identity_policy.run_notifications]
}
