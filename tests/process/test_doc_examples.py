"""Every answer README.md and docs/reference.md show is what the function answers.

Each test is the producer of the blocks marked ``<!-- example: NAME -->`` (see
:mod:`tests.support.docblocks`): it makes the call through the real fdk process against the
emulator and compares the answer, normalised, with those blocks. ``make docs-examples``
rewrites the blocks from these answers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from tests.conftest import JOB_OCID
from tests.support.docblocks import ROOT, Normaliser, blocks, check, render

SPEC = "notebooks/daily.yaml"
DAILY = b"noteBook: oci://specs@localns/notebooks/daily.ipynb\njobName: daily-report\n"
LOG_GROUP = "ocid1.loggroup.oc1.phx.amaaaaaaexamplegroup"
LOG = "ocid1.log.oc1.phx.amaaaaaaexamplelog"
RUN_LOG = ("job-runner: running the notebook daily.ipynb",
           "ZeroDivisionError: division by zero",
           "job-runner: notebook cell 4 raised ZeroDivisionError: division by zero")
# The documents' examples use the namespace "mytenancy"; the emulator's is "localns".
NAMESPACE = {"@localns/": "@mytenancy/"}


def answer(fn, body: dict, call_id: str | None = None) -> dict:
    reply = fn.invoke(body, call_id=call_id)
    assert reply.status == 200
    return reply.json()


def test_run(fn, oci_local):
    etag = oci_local.put_spec(SPEC, DAILY)
    body = answer(fn, {"specLocation": oci_local.location(SPEC),
                       "idempotencyKey": "di-task-run-42"})
    assert body["ok"] is True
    check("run", render(Normaliser(etags=(etag,), replace=NAMESPACE)(body)))


def test_validate(fn, oci_local):
    etag = oci_local.put_spec(SPEC, DAILY)
    body = answer(fn, {"operation": "validate", "specLocation": oci_local.location(SPEC),
                       "environmentVariables": {"RUN_DATE": "2026-11-24"}})
    assert body["ok"] is True
    check("validate", render(Normaliser(etags=(etag,), replace=NAMESPACE)(body)))


def test_status(fn, oci_local, emulator):
    etag = oci_local.put_spec(SPEC, DAILY)
    run_id = answer(fn, {"specLocation": oci_local.location(SPEC)})["jobRunId"]
    emulator.set_run_outcome(run_id, "IN_PROGRESS")
    body = answer(fn, {"operation": "status", "jobRunId": run_id})
    assert body["lifecycleState"] == "IN_PROGRESS"
    check("status", render(Normaliser(etags=(etag,), replace=NAMESPACE)(body)))


def test_list(fn, oci_local, emulator):
    oci_local.put_spec(SPEC, DAILY)
    for _ in range(2):
        run_id = answer(fn, {"specLocation": oci_local.location(SPEC)})["jobRunId"]
        emulator.set_run_outcome(run_id, "FAILED", "Job run failed: the job exited with code 7.")
    first = answer(fn, {"operation": "list", "lifecycleState": "FAILED", "limit": 1})
    last = answer(fn, {"operation": "list", "lifecycleState": "FAILED", "limit": 1,
                       "page": first["nextPage"]})
    assert first["nextPage"] and len(first["runs"]) == 1
    assert last["nextPage"] is None  # present, null: the documents say so
    check("list", render(Normaliser(pages=(first["nextPage"],), replace=NAMESPACE)(first)))


def test_logs(fn, oci_local):
    # A failed run's log, read as a Data Integration task would after the run ended.
    oci_local.put_spec(SPEC, DAILY + b"logGroupId: " + LOG_GROUP.encode()
                       + b"\nlogId: " + LOG.encode() + b"\n")
    run = answer(fn, {"specLocation": oci_local.location(SPEC)})
    run_id = run["jobRunId"]
    accepted = datetime.fromisoformat(run["timeAccepted"].replace("Z", "+00:00"))
    time.sleep(max(0.0, (accepted + timedelta(milliseconds=5) - datetime.now(UTC))
                   .total_seconds()))  # the lines below are in the past
    for i, message in enumerate(RUN_LOG, start=1):
        oci_local.emulator.write_log(LOG, run_id, message, accepted + timedelta(milliseconds=i))
    oci_local.emulator.set_run_outcome(run_id, "FAILED")
    body = answer(fn, {"operation": "logs", "jobRunId": run_id, "tail": 2})
    assert [line["message"] for line in body["lines"]] == list(RUN_LOG[1:])
    assert body["more"] is True and body["terminal"] is True
    check("logs", render(Normaliser(replace=NAMESPACE)(body)))


def test_log_line(fn, oci_local):
    oci_local.put_spec(SPEC, DAILY)
    call_id = "01JE2ZKX3B8Q5T0000000000AB"
    answer(fn, {"specLocation": oci_local.location(SPEC), "idempotencyKey": "di-task-run-42"},
           call_id=call_id)
    (line,) = [line for line in fn.stderr().splitlines()
               if line.startswith(f"{call_id} - jobrun_launcher - ")]
    logged = json.loads(line.split(" - ", 3)[3])
    assert set(logged) == {"callId", "trigger", "operation", "specLocation", "jobRunId",
                           "retryTokenPrefix", "outcome", "durationMs"}
    line = re.sub(r'"durationMs":[0-9.]+', '"durationMs":185.5', line)
    check("log-line", Normaliser(replace=NAMESPACE).text(line))


def test_invalid_spec(fn, oci_local):
    oci_local.put_spec(SPEC, b"noteBook: oci://specs@localns/notebooks/daily.ipynb\n"
                             b"jobname: daily-report\nparameters:\n  country: NO\n")
    body = answer(fn, {"specLocation": oci_local.location(SPEC)})
    assert body["error"]["code"] == "InvalidSpec"
    assert oci_local.job_runs() == []
    check("invalid-spec", render(body))


def test_ignored_event(fn, oci_local):
    event = {"eventType": "com.oraclecloud.objectstorage.deleteobject", "eventID": "e-1",
             "cloudEventsVersion": "0.1", "data": {
                 "resourceName": SPEC, "additionalDetails": {
                     "namespace": "localns", "bucketName": "specs", "eTag": "x"}}}
    body = answer(fn, event)
    assert body["ignored"] is True
    check("ignored-event", render(body))


def test_lint():
    # The glob as a shell expands it, sorted.
    command = "python -m jobspec examples/specs/*.yaml examples/broken/nightly.yaml"
    result = subprocess.run(["bash", "-c", command.replace("python", sys.executable, 1)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1  # a file with problems
    assert result.stderr == ""
    check("lint", f"$ {command}\n{result.stdout}")


def test_every_marked_block_has_a_producer():
    produced_here = {name[len("test_"):].replace("_", "-") for name in globals()
                     if name.startswith("test_") and name != "test_every_marked_block_has_a_"
                     "producer"}
    produced_elsewhere = {"demo-summary"}  # tests/system/test_demo.py
    unknown = {block.where() for block in blocks()
               if block.name not in produced_here | produced_elsewhere}
    assert not unknown, f"marked blocks nothing produces: {sorted(unknown)}"
    assert JOB_OCID.startswith("ocid1.datasciencejob.")  # shown as is: a fixed test OCID
