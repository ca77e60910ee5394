"""Data Science's job-run states, named once: the values ``ListJobRuns`` filters on, which
of them are still running and which are final (``terminal`` in answers)."""

from __future__ import annotations

ACCEPTED = "ACCEPTED"
IN_PROGRESS = "IN_PROGRESS"
NEEDS_ATTENTION = "NEEDS_ATTENTION"
CANCELING = "CANCELING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
CANCELED = "CANCELED"
DELETED = "DELETED"

STATES = (ACCEPTED, IN_PROGRESS, FAILED, SUCCEEDED, CANCELING, CANCELED, DELETED,
          NEEDS_ATTENTION)
# Runs that count against MAX_ACTIVE_RUNS and can still be canceled, in the order they are
# listed by the cap.
ACTIVE = (ACCEPTED, IN_PROGRESS, NEEDS_ATTENTION)
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELED, DELETED})
