"""The job container's words for what went wrong, and ADS's argument reading, exactly:
each is what a run's log shows its author."""

from __future__ import annotations

import urllib.error

from job.notebook import cell_text
from job.script_boot import parse_arguments
from job.storage import _upload_failed
from job.urltext import download_failure
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
