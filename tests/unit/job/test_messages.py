"""The job container's words for what went wrong, and ADS's argument reading, exactly:
each is what a run's log shows its author."""

from __future__ import annotations

import ssl
import urllib.error

from job.notebook import cell_text
from job.script_boot import parse_arguments
from job.storage import _upload_failed
from job.urltext import download_failure, host_of, shown_url
from ociplatform.calls import CONNECTION, Failure


def test_an_upload_that_never_reached_object_storage_names_the_error_and_the_attempts():
    failure = Failure("Object Storage", "PutObject", "out/run/a.ipynb", CONNECTION, "",
                      "ConnectionError", attempts=3)
    assert _upload_failed(failure).message == (
        "could not upload out/run/a.ipynb: Object Storage could not be reached "
        "(ConnectionError, 3 attempts)")


def test_an_upload_refused_names_status_code_and_the_policy_to_check():
    failure = Failure("Object Storage", "PutObject", "out/run/a.ipynb", 403, "NotAuthorized",
                      "ServiceError")
    assert _upload_failed(failure).message == (
        "could not upload out/run/a.ipynb (403 NotAuthorized); check the job-run dynamic "
        "group's policy on the output bucket")


def test_a_download_failing_for_another_reason_is_named_by_its_type():
    class OddFailure(Exception):
        pass

    failure = urllib.error.URLError(OddFailure())
    assert download_failure(failure, "https://example.com/a.ipynb", 30) == "OddFailure"


def test_a_three_character_option_is_a_keyword_as_ads_reads_it():
    assert parse_arguments(["--n", "5", "--", "x", "-v"]) == (["--", "x", "-v"], {"n": "5"})


def test_a_stream_output_without_text_adds_nothing_to_the_log():
    cell = {"outputs": [{"output_type": "stream", "name": "stdout"},
                        {"output_type": "stream", "text": ["a\n", "b\n"]}]}
    assert cell_text(cell) == "a\nb\n"


def test_an_http_status_without_a_known_phrase_is_shown_by_its_number():
    failure = urllib.error.HTTPError("https://h.example/a", 599, "Odd", {}, None)
    assert download_failure(failure, "https://h.example/a", 30) == "HTTP 599"


def _tls(reason: str | None, strerror: str | None) -> ssl.SSLError:
    error = ssl.SSLError(2, strerror) if strerror else ssl.SSLError()
    error.reason = reason
    return error


# what urllib gave as the reason -> the cause in words
CAUSES: list[tuple[object, str]] = [
    (ConnectionResetError(104, "Connection reset by peer"), "connection reset by h.example"),
    (TimeoutError("timed out"), "no answer from h.example within 2.5 s"),
    (_tls("WRONG_VERSION_NUMBER", "wrong version number"),
     "TLS error talking to h.example (WRONG_VERSION_NUMBER)"),
    (_tls(None, "wrong version number"), "TLS error talking to h.example (wrong version number)"),
    (_tls(None, None), "TLS error talking to h.example (handshake)"),
    (OSError(101, "Network is unreachable"), "network is unreachable (h.example)"),
    (OSError("no strerror"), "OSError"),
    ("redirected to http://h.example/a, which is not https", "redirected to http://h.example/a, "
                                                            "which is not https"),
    ("", "str"),
]


def test_a_failed_downloads_cause_is_said_in_words():
    said = [download_failure(urllib.error.URLError(reason), "https://h.example/dir/a.ipynb", 2.5)
            for reason, _ in CAUSES]
    assert said == [cause for _, cause in CAUSES]


def test_a_host_that_cannot_be_read_is_a_question_mark():
    hosts = {"https://h.example:8443/a": "h.example", "https:///a": "?", "https://[::1/a": "?"}
    assert {url: host_of(url) for url in hosts} == hosts
    refused = urllib.error.URLError(ConnectionRefusedError())
    assert {url: download_failure(refused, url, 1) for url in hosts} == {
        url: f"connection refused by {host}" for url, host in hosts.items()}


def test_what_a_shown_url_keeps_and_hides():
    shown = {
        "https:///a.ipynb": "https://?/a.ipynb",
        "https://h.example/a.ipynb#part": "https://h.example/a.ipynb (query not shown)",
        "https://h.example/a.ipynb?": "https://h.example/a.ipynb",
        "https://ObjectStorage.example/p/TOKEN/a": "https://objectstorage.example/p/…/a",
        "https://objectstorage.example/x/p/TOKEN/a": "https://objectstorage.example/x/p/TOKEN/a",
        "https://objectstorage.example/p/TOKEN": "https://objectstorage.example/p/…/",
    }
    assert {url: shown_url(url) for url in shown} == shown
