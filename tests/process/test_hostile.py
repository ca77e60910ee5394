"""Malformed and hostile input through the real fdk process: each a clear error, nothing created."""

from __future__ import annotations

import json

import pytest

from tests.support.answers import error
from tests.support.spec_cases import INVALID, TOO_LARGE, flat

BAD_BODIES = {
    "empty": b"",
    "whitespace": b" \n\t ",
    "non-utf8": b"\xff\xfe\xfa{",
    "six-megabytes": b'{"specLocation": "' + b"a" * (6 * 1024 * 1024) + b'"}',
    "deeply-nested": b"[" * 100000 + b"]" * 100000,
    "nested-object": b'{"specLocation": ' + b'{"a": ' * 50000 + b"1" + b"}" * 50000 + b"}",
    "wrong-type-location": b'{"specLocation": ["oci://specs@localns/a.yaml"]}',
    "wrong-type-body": b"[\"oci://specs@localns/a.yaml\"]",
    "unknown-field": b'{"specLocation": "oci://specs@localns/a.yaml", "jobId": "x"}',
    "huge-display-name": json.dumps({"specLocation": "oci://specs@localns/a.yaml",
                                     "displayName": "x" * 100000}).encode(),
    "huge-key": json.dumps({"specLocation": "oci://specs@localns/a.yaml",
                            "idempotencyKey": "k" * 10000}).encode(),
    "huge-env": json.dumps({"specLocation": "oci://specs@localns/a.yaml",
                            "environmentVariables": {f"V{i}": "x" * 100
                                                     for i in range(300)}}).encode(),
    "huge-args": json.dumps({"specLocation": "oci://specs@localns/a.yaml",
                             "commandLineArguments": "x" * 4001}).encode(),
    "reserved-env": json.dumps({"specLocation": "oci://specs@localns/a.yaml",
                                "environmentVariables": {"JOB_RUN_OCID": "x"}}).encode(),
    "launcher-env": json.dumps({"specLocation": "oci://specs@localns/a.yaml",
                                "environmentVariables": {"JOB_SPEC_ETAG": "x"}}).encode(),
    "two-lines": b"oci://specs@localns/a.yaml\noci://specs@localns/b.yaml",
    "null-location": b'{"specLocation": null}',
    "nan": b'{"specLocation": "oci://specs@localns/a.yaml", "maximumRuntimeInMinutes": NaN}',
    "lone-surrogate": b'{"specLocation": "oci://specs@localns/\\ud800.yaml"}',
}

BAD_LOCATIONS = {
    "par": "https://objectstorage.us-phoenix-1.oraclecloud.com/p/tok3n/n/localns/b/specs/o/a.yaml",
    "par-dedicated": "https://localns.objectstorage.us-phoenix-1.oci.customer-oci.com/p/tok3n/"
                     "n/localns/b/specs/o/a.yaml",
    "dot-dot": "oci://specs@localns/notebooks/../secrets/a.yaml",
    "dot-dot-encoded": "https://objectstorage.us-phoenix-1.oraclecloud.com/n/localns/b/specs/o/"
                       "notebooks%2F..%2Fa.yaml",
    "other-region": "https://objectstorage.eu-frankfurt-1.oraclecloud.com/n/localns/b/specs/o/a",
    "other-host": "https://evil.example.com/n/localns/b/specs/o/a.yaml",
    "bad-namespace": "oci://specs@Local.NS/a.yaml",
    "bad-bucket": "oci://spe cs@localns/a.yaml",
    "control-chars": "oci://specs@localns/a\x1b[31m.yaml",
    "nul": "oci://specs@localns/a\x00.yaml",
    "file-scheme": "file:///etc/passwd",
    "http-scheme": "http://objectstorage.us-phoenix-1.oraclecloud.com/n/localns/b/specs/o/a.yaml",
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_bodies(fn, oci_local, name):
    result = fn.invoke(BAD_BODIES[name])
    err = error(result, "InvalidRequest")
    assert err["message"]
    assert len(result.body) < 1000  # the answer never echoes the input
    assert oci_local.operations() == [] and oci_local.job_runs() == []


@pytest.mark.parametrize("name", BAD_LOCATIONS)
def test_bad_locations(fn, oci_local, name):
    result = fn.invoke({"specLocation": BAD_LOCATIONS[name]})
    err = error(result, "InvalidRequest")
    assert err["field"] == "specLocation"
    assert "tok3n" not in result.body.decode()
    assert oci_local.operations() == [] and oci_local.job_runs() == []


@pytest.mark.parametrize("case", [*INVALID, TOO_LARGE], ids=lambda c: c.name)
def test_bad_specs(functions, oci_local, case):
    # The shapes the cases name are allowed, so each case shows its own problem first.
    fn = functions(ALLOWED_SHAPES="VM.Standard.E4.Flex,VM.Standard.E3.Flex,VM.Standard2.1")
    oci_local.put_spec(f"bad/{case.name}.yaml", case.document)
    result = fn.invoke({"specLocation": oci_local.location(f"bad/{case.name}.yaml")},
                       deadline_seconds=10)
    err = error(result, case.code)
    assert err.get("field") == case.field or case.code == "SpecTooLarge"
    assert case.fragment in err["message"]
    assert result.seconds < 5
    assert oci_local.job_runs() == []


def test_spec_text_never_reaches_the_answer(fn, oci_local):
    oci_local.put_spec("leak.yaml", b"noteBook: https://x/y.ipynb\njobName: [secret-1, 2]\n")
    result = fn.invoke({"specLocation": oci_local.location("leak.yaml")})
    error(result, "InvalidSpec")
    assert b"secret-1" not in result.body


def test_the_same_spec_passes_when_valid(fn, oci_local):
    """The bad-spec tests above fail for the spec, not for the setup."""
    oci_local.put_spec("bad/valid.yaml", flat())
    assert fn.invoke({"specLocation": oci_local.location("bad/valid.yaml")}).json()["ok"]
