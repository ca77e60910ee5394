"""Differential tests: an ADS job YAML means to the function what it means to oracle-ads.

Each file in ``corpus/`` says in its first comment line what to expect:
- ``same``: both accept, and the run the function creates carries what ADS would send —
  display name, project, compartment, env, the joined command line, shape, ocpus, memory,
  block storage, subnet, infrastructure type, logging (see ``harness.as_job_run`` for the
  three places where a run of an existing job differs from ADS creating a job, by design);
- ``both refuse at FIELD``: ADS raises (``# ads raises: …`` says what), and the function
  answers InvalidSpec at FIELD;
- ``function refuses at FIELD``: ADS accepts but the function refuses on purpose, at FIELD
  (the README's list of refusals: ambiguous, unusable, unknown or non-string settings);
  the ``about`` line says why and ``# ads sends: …`` lines pin what ADS would do instead.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from jobspec.errors import SpecInvalid
from tests.support.paths import ROOT
from tests.unit.ads import harness
from tests.unit.ads.conftest import NetworkAttempted, no_network

pytestmark = pytest.mark.slow  # oracle-ads imported and searched: seconds

CASES = harness.corpus()


def refusal(path: Path) -> SpecInvalid:
    with pytest.raises(SpecInvalid) as refused:
        harness.function_launch(path.read_bytes(), harness.location(path))
    return refused.value


def test_the_corpus_covers_every_verdict() -> None:
    verdicts = [harness.expectation(path.read_text()).verdict for path in CASES]
    assert len(CASES) >= 30
    assert {"same", "both refuse", "function refuses"} <= set(verdicts)
    assert verdicts.count("same") >= 20


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_the_function_means_what_ads_means(path: Path, ads_auth: Path) -> None:
    text = path.read_text()
    expect = harness.expectation(text)
    where = harness.location(path)

    if expect.verdict == "same":
        sent = harness.ads_job(text)
        expected = harness.as_job_run(sent, harness.ads_launch(sent), where)
        assert harness.function_launch(text.encode(), where) == expected, expect.about

    elif expect.verdict == "both refuse":
        with pytest.raises(Exception) as ads_error:
            harness.ads_job(text)
        assert not isinstance(ads_error.value, (AssertionError, NetworkAttempted))
        assert expect.ads_raises, "a 'both refuse' file says how ADS refuses (# ads raises: …)"
        assert expect.ads_raises in f"{type(ads_error.value).__name__}: {ads_error.value}"
        fields = [problem.field for problem in refusal(path).problems]
        assert expect.field in fields, f"{expect.about}: {refusal(path).problems}"

    else:
        # ADS takes it (so the refusal is the function's own choice), the function does not.
        sent = harness.ads_job(text, parse_only=expect.ads_parse_only)
        if expect.ads_sends:
            launch = harness.ads_launch(sent)
            assert {name: getattr(launch, name) for name in expect.ads_sends} == \
                expect.ads_sends, expect.about
        fields = [problem.field for problem in refusal(path).problems]
        assert expect.field in fields, f"{expect.about}: {refusal(path).problems}"


def test_ads_is_a_pinned_test_only_dependency(ads_auth: Path) -> None:
    from importlib.metadata import version

    root = ROOT
    assert "oracle-ads==2.16.1" in (root / "requirements-dev.txt").read_text().splitlines()
    assert version("oracle-ads") == "2.16.1"
    for image_requirements in ("requirements.txt", "job/requirements.txt"):
        assert "oracle-ads" not in (root / image_requirements).read_text()


def test_the_network_guard_refuses_and_records_an_attempt() -> None:
    attempts: list[str] = []
    with no_network(attempts):
        with pytest.raises(NetworkAttempted):
            socket.getaddrinfo("objectstorage.us-phoenix-1.oraclecloud.com", 443)
        with socket.socket() as raw, pytest.raises(NetworkAttempted):
            raw.connect(("127.0.0.1", 9))
    assert attempts == ["getaddrinfo('objectstorage.us-phoenix-1.oraclecloud.com', 443)",
                        "connect(('127.0.0.1', 9),)"]
