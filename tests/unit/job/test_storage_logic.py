"""The job container's Object Storage reads and writes, in-process against the fake of
Object Storage (each failure's words), and the rules a download's redirect must pass (the
real redirects over HTTP are in tests/process/job/test_security.py)."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from typing import Any

import pytest
from oci import exceptions

from job import storage
from job.errors import ConfigurationProblem, NotReadable, UploadFailed
from job.storage import (
    JOB_POLICY,
    ObjectStore,
    SafeRedirects,
    _resolve,
    fetch_notebook,
    redirect_problem,
    resource_principal_store,
)
from ociplatform.retry import RetryPolicy
from ocirefs.locations import parse_location
from tests.support.fakes import FakeObjectStorage, service_error
from tests.support.jobrunner import HttpResponse

NOTEBOOK = parse_location("oci://specs@ns/nb/a.ipynb")


def store(client: FakeObjectStorage) -> ObjectStore:
    return ObjectStore(client, RetryPolicy(max_attempts=3, sleep=lambda seconds: None))


def test_an_object_changed_since_the_function_read_it_is_named():
    client = FakeObjectStorage()
    client.put("ns", "specs", "nb/a.ipynb", b"{}")
    with pytest.raises(NotReadable) as caught:
        store(client).read(NOTEBOOK, max_bytes=10, what="spec", if_match="etag-old")
    assert caught.value.message == ("the spec oci://specs@ns/nb/a.ipynb changed after this run "
                                    "was created (its eTag no longer matches JOB_SPEC_ETAG)")


def test_object_storage_out_of_reach_is_named_with_the_attempts():
    client = FakeObjectStorage()
    client.fail("get_object", *[exceptions.RequestException("reset")] * 3)
    with pytest.raises(NotReadable) as caught:
        store(client).read(NOTEBOOK, max_bytes=10, what="notebook")
    assert caught.value.message == ("Object Storage could not be reached for the notebook "
                                    "oci://specs@ns/nb/a.ipynb (RequestException, 3 attempts)")


def test_a_failure_of_object_storage_itself_is_named_with_its_status():
    client = FakeObjectStorage()
    client.fail("get_object", *[service_error(500, "InternalServerError")] * 3)
    with pytest.raises(NotReadable) as caught:
        store(client).read(NOTEBOOK, max_bytes=10, what="notebook")
    assert caught.value.message == ("Object Storage failed to return the notebook "
                                    "oci://specs@ns/nb/a.ipynb (500 InternalServerError)")


def test_a_wait_longer_than_the_budget_ends_the_call_with_the_last_answer():
    client = FakeObjectStorage()
    client.fail("get_object", service_error(503, "ServiceUnavailable", {"retry-after": "1e5"}))
    with pytest.raises(NotReadable) as read:
        store(client).read(NOTEBOOK, max_bytes=10, what="notebook")
    assert read.value.message == ("Object Storage failed to return the notebook "
                                  "oci://specs@ns/nb/a.ipynb (503 ServiceUnavailable)")
    assert client.methods() == ["get_object"]  # no second attempt


def test_a_call_with_no_time_left_says_how_long_it_tried(monkeypatch):
    monkeypatch.setattr(storage, "CALL_BUDGET_SECONDS", 0.0)  # every deadline already passed
    client = FakeObjectStorage()
    with pytest.raises(NotReadable) as read:
        store(client).read(NOTEBOOK, max_bytes=10, what="notebook")
    assert read.value.message == ("Object Storage did not return the notebook "
                                  "oci://specs@ns/nb/a.ipynb within 0 s of retries")
    with pytest.raises(UploadFailed) as write:
        store(client).write("ns", "out", "runs/a.ipynb", b"{}", "application/json")
    assert write.value.message == ("could not upload oci://out@ns/runs/a.ipynb within 0 s of "
                                   "retries")
    assert client.calls == []


def test_a_write_sends_the_bytes_and_their_type():
    client = FakeObjectStorage()
    store(client).write("ns", "out", "runs/a.txt", b"hello", "text/plain")
    [call] = client.calls
    assert call.args == ("ns", "out", "runs/a.txt", b"hello")
    assert call.kwargs["content_type"] == "text/plain"
    assert client.objects["ns", "out", "runs/a.txt"].data == b"hello"


def test_a_download_says_what_is_asking():
    from job.storage import USER_AGENT, download

    agents: list[str | None] = []

    def opener(request: urllib.request.Request, timeout: float) -> Any:
        agents.append(request.get_header("User-agent"))
        return HttpResponse(b"{}")

    assert download("https://h.example/a.ipynb", max_bytes=10, timeout=5, opener=opener) == b"{}"
    assert agents == [USER_AGENT]


def test_a_missing_notebook_is_named_as_the_notebook():
    with pytest.raises(NotReadable) as caught:
        fetch_notebook("oci://specs@ns/nb/a.ipynb", lambda: store(FakeObjectStorage()),
                       max_bytes=10, timeout=5)
    assert caught.value.message == (
        "the notebook oci://specs@ns/nb/a.ipynb does not exist or this job run may not read it "
        "(404 ObjectNotFound); check the job-run dynamic group's policy")


def test_a_store_retries_as_a_job_may_by_default():
    assert ObjectStore(FakeObjectStorage()).service.policy is JOB_POLICY


def test_without_a_resource_principal_the_store_is_a_configuration_problem(monkeypatch):
    for name in ("OCI_RESOURCE_PRINCIPAL_VERSION", "OCI_RESOURCE_PRINCIPAL_RPST",
                 "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM", "OCI_RESOURCE_PRINCIPAL_REGION"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationProblem) as caught:
        resource_principal_store(None)
    assert caught.value.message.startswith(
        "the job run's resource principal could not be loaded from the "
        "OCI_RESOURCE_PRINCIPAL_* variables (")


# redirects ----------------------------------------------------------------------------------

FORBIDDEN = ", a loopback, link-local or metadata address; such redirects are not followed"


# url -> (what the host resolves to, why a redirect there is not followed, or None)
REDIRECTS: dict[str, tuple[list[str], str | None]] = {
    "http://example.com/a.ipynb?sig=S": ([], "redirected to http://example.com/a.ipynb (query "
                                             "not shown), which is not https; only https "
                                             "redirects are followed"),
    "HTTPS://example.com/a.ipynb": (["93.184.215.14"], None),
    "https://[::1/a": ([], "redirected to an invalid URL"),
    "https://224.0.0.1/a": ([], "redirected to https://224.0.0.1/a" + FORBIDDEN),
    "https://[::]/a": ([], "redirected to https://::/a" + FORBIDDEN),
    "https://[fe80::1%25eth0]/a": ([], "redirected to https://fe80::1%25eth0/a" + FORBIDDEN),
    "https://[::ffff:169.254.169.254]/a": (
        [], "redirected to https://::ffff:169.254.169.254/a" + FORBIDDEN),
    "https://inside.example/a": (["10.0.0.5", "127.0.0.1"],
                                 "redirected to https://inside.example/a" + FORBIDDEN),
    "https://10.0.0.5/a": ([], None),
    # a zone index is read off whatever precedes it, as for IPv6 link-local addresses
    "https://127.0.0.1%25x/a": ([], "redirected to https://127.0.0.1%25x/a" + FORBIDDEN),
    "https://127.0.0.1%25x%25y/a": ([], "redirected to https://127.0.0.1%25x%25y/a" + FORBIDDEN),
}


def test_a_redirect_is_followed_only_to_https_outside_the_instance():
    found = {url: redirect_problem(url, resolve=lambda host, seen=resolved: seen)
             for url, (resolved, _) in REDIRECTS.items()}
    assert found == {url: problem for url, (_, problem) in REDIRECTS.items()}


def test_a_host_that_does_not_resolve_is_left_to_the_request_itself():
    def unresolvable(host: str) -> list[str]:
        raise OSError("no such host")

    assert redirect_problem("https://nowhere.example/a", resolve=unresolvable) is None
    assert redirect_problem("https://127.0.0.1/a", resolve=unresolvable) == (
        "redirected to https://127.0.0.1/a" + FORBIDDEN)


def test_an_address_resolves_to_itself_without_a_name_server():
    assert set(_resolve("127.0.0.1")) == {"127.0.0.1"}


def test_the_downloads_redirect_handler_refuses_what_redirect_problem_refuses():
    handler = SafeRedirects()
    request = urllib.request.Request("https://93.184.215.14/a.ipynb")
    with pytest.raises(urllib.error.URLError) as caught:
        handler.redirect_request(request, None, 302, "Found", {}, "https://127.0.0.1/b")
    assert caught.value.reason == "redirected to https://127.0.0.1/b" + FORBIDDEN
    followed = handler.redirect_request(request, None, 302, "Found", {},
                                        "https://93.184.215.34/b.ipynb")
    assert followed is not None and followed.full_url == "https://93.184.215.34/b.ipynb"


def test_a_run_without_a_resource_principal_exits_with_a_configuration_problem(monkeypatch):

    from job import runner
    from job.errors import ExitCode

    for name in ("OCI_RESOURCE_PRINCIPAL_VERSION", "OCI_RESOURCE_PRINCIPAL_RPST"):
        monkeypatch.delenv(name, raising=False)
    out, err = io.StringIO(), io.StringIO()
    code = runner.run({"NOTEPAD_YAML_URL": "oci://specs@ns/a.yaml",
                       "JOB_RUN_OCID": "ocid1.datasciencejobrun.oc1.phx.amaaaaaanorp"},
                      out=out, err=err)
    assert code == ExitCode.CONFIGURATION
    assert err.getvalue().startswith("job-runner: the job run's resource principal could not "
                                     "be loaded")
