"""Answers of the function's entry point (``func.app.App``) that only an odd call shows: an
event missing a field, an event for an object that is not a spec, a spec refused with
problems that have no field."""

from __future__ import annotations

import json
import random

import pytest

from func.app import App
from func.clients import ClientProvider, Clients
from func.triggers import RawCall
from ociplatform.retry import RetryPolicy
from tests.support.fakes import JOB_OCID, FakeDataScience, FakeObjectStorage
from tests.support.paths import EVENTS

EVENT = json.loads((EVENTS / "objectstorage-createobject.json").read_text())


def answer(body: dict | bytes, storage: FakeObjectStorage | None = None) -> dict:
    storage = storage or FakeObjectStorage()
    provider = ClientProvider(lambda settings: Clients(storage, FakeDataScience(),
                                                       "us-phoenix-1"))
    app = App(env={"JOB_OCID": JOB_OCID}, provider=provider,
              policy=RetryPolicy(rng=random.Random(1), sleep=lambda seconds: None))
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return app.handle(RawCall(data), call_id="CALL-1").body


def event(**data: object) -> dict:
    return {**EVENT, "data": {**EVENT["data"], **data}}


def test_an_event_without_a_resource_name_names_the_missing_field():
    body = event()
    del body["data"]["resourceName"]
    error = answer(body)["error"]
    assert (error["code"], error["field"], error["message"]) == (
        "InvalidRequest", "data.resourceName", "the event has no data.resourceName")


def test_an_event_whose_event_type_is_not_text_says_it_has_none():
    body = {**EVENT, "eventType": 5}
    error = answer(body)["error"]
    assert error["code"] == "InvalidRequest"
    assert (error.get("field"), error["message"]) == ("eventType",
                                                      "the event has no eventType")


@pytest.mark.parametrize("name", ["notebooks/daily.ipynb", "notebooks/readme.txt"])
def test_an_event_for_an_object_that_is_not_a_spec_is_ignored_with_the_reason(name):
    assert answer(event(resourceName=name)) == {
        "ok": True, "ignored": True, "trigger": "event",
        "reason": "the object is not a .yaml or .yml spec"}


def test_a_spec_problem_without_a_field_is_answered_without_one():
    storage = FakeObjectStorage()
    storage.put("ns", "specs", "daily.yaml", b"hello: world\n")
    error = answer({"specLocation": "oci://specs@ns/daily.yaml"}, storage)["error"]
    assert error["code"] == "InvalidSpec"
    assert error["problems"] == [{"message": (
        "unrecognised spec: expected the flat keys (noteBook, jobName, …) or an ADS job YAML "
        "(kind: job)")}]


def test_spec_problems_with_a_field_are_answered_with_it():
    storage = FakeObjectStorage()
    storage.put("ns", "specs", "daily.yaml", b"noteBook: https://example.com/a.ipynb\n"
                                              b"jobName: x\nbogus: 1\n")
    error = answer({"specLocation": "oci://specs@ns/daily.yaml"}, storage)["error"]
    [problem] = error["problems"]
    assert problem["field"] == "bogus" and problem["message"]


def test_an_ignored_event_is_logged_as_ignored(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        answer(event(resourceName="notebooks/readme.txt"))
    [record] = [r for r in caplog.records if r.name == "jobrun_launcher"]
    assert json.loads(record.getMessage())["outcome"] == "ignored"


def test_an_event_with_an_unusable_etag_names_it():
    error = answer(event(additionalDetails={**EVENT["data"]["additionalDetails"],
                                            "eTag": "e" * 257}))["error"]
    assert (error["code"], error["field"], error["message"]) == (
        "InvalidRequest", "data.additionalDetails.eTag", "the event's eTag is not usable")


def test_request_variables_over_the_total_limit_name_the_field():
    error = answer({"specLocation": "oci://specs@ns/daily.yaml",
                    "environmentVariables": {"A": "v" * 20000}})["error"]
    assert (error["code"], error["field"]) == ("InvalidRequest", "environmentVariables")
    assert error["message"] == "environmentVariables total more than 20000 characters"


def test_a_refused_request_is_logged_with_its_error_code(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="jobrun_launcher"):
        answer({"specLocation": 5})
    [record] = [r for r in caplog.records if r.name == "jobrun_launcher"]
    assert json.loads(record.getMessage())["outcome"] == "InvalidRequest"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"idempotencyKey": 5}, "idempotencyKey", None),
    ({"freeformTags": 5}, "freeformTags", None),
    ({"maximumRuntimeInMinutes": 0}, "maximumRuntimeInMinutes",
     "maximumRuntimeInMinutes must be a whole number of minutes, at least 1"),
])
def test_a_bad_run_field_is_named_in_the_answer(fields, field, message):
    error = answer({"specLocation": "oci://specs@ns/daily.yaml", **fields})["error"]
    assert (error["code"], error["field"]) == ("InvalidRequest", field)
    if message:
        assert error["message"] == message


def test_a_list_in_a_compartment_that_is_no_compartment_says_what_is_expected():
    error = answer({"operation": "list", "compartmentId": "ocid1.bucket.oc1..x"})["error"]
    assert error["field"] == "compartmentId"
    assert error["message"].endswith("(ocid1.compartment.… or ocid1.tenancy.…)")


def test_an_event_without_additional_details_names_its_data():
    body = event()
    del body["data"]["additionalDetails"]
    error = answer(body)["error"]
    assert (error["field"], error["message"]) == ("data",
                                                  "the event has no data.additionalDetails")


def test_status_of_an_unknown_run_is_not_found():
    error = answer({"operation": "status",
                    "jobRunId": "ocid1.datasciencejobrun.oc1.phx.amaaaaaanone"})["error"]
    assert (error["code"], error["field"], error["message"]) == (
        "NotFound", "jobRunId", "no such job run")


def test_an_event_without_a_bucket_names_the_missing_field():
    details = dict(EVENT["data"]["additionalDetails"])
    del details["bucketName"]
    error = answer(event(additionalDetails=details))["error"]
    assert (error["field"], error["message"]) == (
        "data.additionalDetails.bucketName", "the event has no data.additionalDetails.bucketName")
