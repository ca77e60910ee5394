"""The demo's one-line messages: oci-cli failures and shortened OCIDs."""

from __future__ import annotations

from demo.ocicli import failure
from demo.run import first_and_last_line
from demo.show import short_ocid

SERVICE_ERROR = """ServiceError:
{
    "client_version": "Oracle-PythonSDK/2.160.0, Oracle-PythonCLI/3.95.1",
    "code": "ObjectNotFound",
    "message": "The object 'notebooks/x.ipynb' was not found in the bucket 'specs'",
    "opc-request-id": "2A1F3C",
    "operation_name": "head_object",
    "request_endpoint": "HEAD http://127.0.0.1:40047/n/localns/b/specs/o/notebooks/x.ipynb",
    "status": 404,
    "target_service": "object_storage",
    "timestamp": "2026-11-30T12:27:20.123456+00:00",
    "troubleshooting_tips": "See https://docs.oracle.com/iaas/Content/API/References/apierrors.htm"
}
"""


def test_a_service_error_becomes_status_code_and_message():
    error = failure(["os", "object", "get", "--name", "notebooks/x.ipynb"], SERVICE_ERROR)

    assert error.message == ("oci os object get: 404 ObjectNotFound — The object "
                             "'notebooks/x.ipynb' was not found in the bucket 'specs'")
    assert (error.status, error.code) == (404, "ObjectNotFound")
    assert "opc-request-id" not in error.message


def test_any_other_failure_is_its_last_line():
    error = failure(["os", "object", "put"], "Usage: oci os object put\n\nError: Missing "
                                             "option(s) --bucket-name.\n")

    assert error.message == "oci os object put failed: Error: Missing option(s) --bucket-name."
    assert error.status is None


def test_a_run_ocid_is_shortened_to_its_type_and_tail():
    ocid = "ocid1.datasciencejobrun.oc1.phx." + "a" * 60 + "df6ca0"

    assert short_ocid(ocid) == "ocid1.datasciencejobrun…df6ca0"
    assert short_ocid("ocid1.job.oc1..short") == "ocid1.job.oc1..short"


def test_an_unexpected_multi_line_error_is_said_in_one_line():
    text = "fdk exited with 1: Traceback (most recent call last):\n  File \"x\"\nImportError: y\n"

    assert first_and_last_line(text) == "fdk exited with 1: … ImportError: y"
    assert first_and_last_line("one line") == "one line"
