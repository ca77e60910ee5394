"""The process layer's own fixture and a run with a log; the emulator and the fdk processes
are the suite's (tests/conftest.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.spec_cases import flat

SPEC = "notebooks/daily.yaml"
LOGGED_SPEC = "notebooks/logged.yaml"
LOG_GROUP = "ocid1.loggroup.oc1.phx.amaaaaaaintegrationgroup"
LOG = "ocid1.log.oc1.phx.amaaaaaaintegrationlog"


@pytest.fixture
def spec(oci_local) -> dict[str, str]:
    """The daily spec uploaded, and the request field that names it."""
    oci_local.put_spec(SPEC, flat())
    return {"specLocation": oci_local.location(SPEC)}


def logged_run(fn, oci_local, lines: int, *, spec: str = LOGGED_SPEC, ended: bool = True) -> str:
    """A run of ``spec`` (written with a log) with ``lines`` records ``line 0``, ``line 1``…
    in its log, 1 ms apart after it was accepted (times travel with milliseconds), and one of
    another run; then ended (unless ``ended`` is false), so that its window holds them all."""
    oci_local.put_spec(spec, flat(f"logGroupId: {LOG_GROUP}\nlogId: {LOG}\n"))
    run = fn.invoke({"specLocation": oci_local.location(spec)}).json()
    assert run["ok"] is True, run
    run_id = str(run["jobRunId"])
    accepted = datetime.fromisoformat(run["timeAccepted"].replace("Z", "+00:00"))
    last = accepted + timedelta(milliseconds=lines + 1)
    time.sleep(max(0.0, (last - datetime.now(UTC)).total_seconds()))  # the lines are past
    for i in range(lines):
        oci_local.emulator.write_log(LOG, run_id, f"line {i}",
                                     accepted + timedelta(milliseconds=i + 1))
    oci_local.emulator.write_log(LOG, "ocid1.datasciencejobrun.oc1.phx.amaaaaaaother", "x",
                                 accepted + timedelta(milliseconds=1))
    if ended:
        oci_local.emulator.set_run_outcome(run_id, "FAILED")  # finished now, after every line
    return run_id
