"""The flat dialect (the original container's format): one mapping of camelCase keys."""

from __future__ import annotations

from typing import Any

from .container_keys import FLAT_NAMES, read_container_keys
from .keys import FLAT
from .model import MAX_DISPLAY_NAME, JobSpec
from .problems import Checker


def read_flat(doc: dict[str, Any], check: Checker) -> JobSpec:
    fields = FLAT.read(doc, (), check)
    if fields.has("logId") and not fields.has("logGroupId"):
        check.problem(fields.at("logId"), "needs logGroupId as well")
    return JobSpec(
        dialect="flat",
        display_name=check.text(fields.get("jobName"), fields.at("jobName"),
                                max_length=MAX_DISPLAY_NAME),
        project_id=check.ocid(fields.get("projectId"), fields.at("projectId"),
                              "datascienceproject"),
        compartment_id=check.ocid(fields.get("compartmentId"), fields.at("compartmentId"),
                                  "compartment"),
        log_group_id=check.ocid(fields.get("logGroupId"), fields.at("logGroupId"), "loggroup"),
        log_id=check.ocid(fields.get("logId"), fields.at("logId"), "log"),
        container=read_container_keys(fields, FLAT_NAMES, check),
    )
