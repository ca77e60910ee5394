"""Canned calls from tests/events/ (as delivered by each trigger)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.paths import EVENTS


def load_event(name: str) -> Any:
    """A canned call: parsed JSON, or the raw text of a .txt file."""
    path = EVENTS / name
    return path.read_text() if path.suffix == ".txt" else json.loads(path.read_text())


def event_bytes(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


# The entry behind tests/events/direct-scheduled-run.json (also the README's example).
NIGHTLY_SCHEDULE = {
    "spec_location": "oci://specs@localns/notebooks/daily.yaml",
    "recurrence": "0 2 * * *",
    "display_name": "nightly-report",
    "environment_variables": {"RUN_MODE": "nightly"},
    "command_line_arguments": "--fast",
    "maximum_runtime_in_minutes": 120,
    "freeform_tags": {"team": "bi"},
}
