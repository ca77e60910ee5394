"""Events rule deliveries (object uploads) through the real fdk process."""

from __future__ import annotations

import copy
import json

import pytest

from func.plan import retry_token
from tests.conftest import BUCKET, JOB_OCID, NAMESPACE
from tests.support.answers import error, ok
from tests.support.events import load_event
from tests.support.spec_cases import flat


def upload_event(oci_local, name: str, data: bytes,
                 template: str = "objectstorage-createobject.json") -> dict:
    """Store the object, then build the event OCI would deliver for that upload."""
    etag = oci_local.put_spec(name, data)
    event = copy.deepcopy(load_event(template))
    payload = event["data"]
    payload["resourceName"] = name
    payload["resourceId"] = f"/n/{NAMESPACE}/b/{BUCKET}/o/{name}"
    payload["additionalDetails"].update(namespace=NAMESPACE, bucketName=BUCKET, eTag=etag)
    return event


@pytest.mark.parametrize("template", ["objectstorage-createobject.json",
                                      "objectstorage-updateobject.json",
                                      "cloudevents-1.0-createobject.json",
                                      "objectstorage-createobject-console-example.json"])
def test_upload_event_starts_a_run_of_that_version(fn, oci_local, template):
    event = upload_event(oci_local, "notebooks/daily.yaml", flat(), template)
    body = ok(fn.invoke(event))
    etag = event["data"]["additionalDetails"]["eTag"]
    assert (body["trigger"], body["specETag"]) == ("event", etag)
    run = oci_local.job_runs()[0]
    assert run["createBody"]["freeformTags"] == {"trigger": "event"}
    assert run["createBody"]["jobConfigurationOverrideDetails"]["environmentVariables"][
        "JOB_SPEC_ETAG"] == etag
    key = f"{NAMESPACE}/{BUCKET}/notebooks/daily.yaml@{etag}"
    assert run["retryToken"] == retry_token(JOB_OCID, trigger="event", idempotency_key=key)
    reads = [r for r in oci_local.emulator.requests() if r["operation"] == "GetObject"]
    assert len(reads) == 1


def test_redelivered_event_creates_no_second_run(fn, oci_local):
    event = upload_event(oci_local, "notebooks/daily.yaml", flat())
    first = ok(fn.invoke(event))
    second = ok(fn.invoke(event))
    assert first["jobRunId"] == second["jobRunId"]
    assert len(oci_local.job_runs()) == 1


def test_reupload_creates_a_new_run(fn, oci_local):
    first = ok(fn.invoke(upload_event(oci_local, "notebooks/daily.yaml", flat())))
    second = ok(fn.invoke(upload_event(oci_local, "notebooks/daily.yaml", flat(),
                                       "objectstorage-updateobject.json")))
    assert first["jobRunId"] != second["jobRunId"]
    assert len(oci_local.job_runs()) == 2


def test_event_for_an_overwritten_version_is_spec_changed(fn, oci_local):
    stale = upload_event(oci_local, "notebooks/daily.yaml", flat())
    oci_local.put_spec("notebooks/daily.yaml", flat("x-changed: true\n"))
    err = error(fn.invoke(stale), "SpecChanged")
    assert err["status"] == 409
    assert oci_local.job_runs() == []


@pytest.mark.parametrize("name", ["team a/run+1/räport ü.yml", "deep/a/b/c/d.YAML",
                                  "with%20percent.yaml"])
def test_special_object_names(fn, oci_local, name):
    event = upload_event(oci_local, name, flat())
    event["data"]["resourceId"] = "/n/ignored/b/ignored/o/ignored"
    body = ok(fn.invoke(event))
    assert body["specLocation"] == f"oci://{BUCKET}@{NAMESPACE}/{name}"


@pytest.mark.parametrize("template", ["objectstorage-deleteobject.json",
                                      "objectstorage-createobject-not-yaml.json"])
def test_other_events_are_ignored_and_create_nothing(fn, oci_local, template):
    body = ok(fn.invoke(load_event(template)))
    assert body["ignored"] is True and body["trigger"] == "event" and body["reason"]
    assert oci_local.operations() == []


def test_event_with_an_invalid_spec(fn, oci_local):
    err = error(fn.invoke(upload_event(oci_local, "bad.yaml", b"noteBook: [\n")), "InvalidSpec")
    assert err["status"] == 422
    assert oci_local.job_runs() == []


def test_event_body_never_reaches_the_log(functions, oci_local):
    function = functions(FN_LOG_PROBE="events")
    event = upload_event(oci_local, "notebooks/daily.yaml", flat())
    event["data"]["compartmentName"] = "SECRET-COMPARTMENT-NAME"
    body = ok(function.invoke(json.dumps(event)))
    stderr = function.stderr()
    assert "SECRET-COMPARTMENT-NAME" not in stderr
    assert event["eventID"] not in stderr
    [line] = [line for line in stderr.splitlines() if "jobrun_launcher" in line]
    fields = json.loads(line.split(" - INFO - ", 1)[1])
    assert (fields["trigger"], fields["jobRunId"]) == ("event", body["jobRunId"])
