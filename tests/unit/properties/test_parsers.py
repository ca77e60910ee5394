"""Property-based tests: arbitrary input never raises anything but our error types,
and the work grows linearly with the input."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from func.errors import LauncherError
from func.triggers import Headers, RawCall, normalise, trigger_of
from jobspec.errors import SpecError, SpecInvalid
from jobspec.spec import parse_spec
from ocirefs.locations import LocationError, parse_location

pytestmark = pytest.mark.slow  # property-based search: seconds per test

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

location_text = st.one_of(
    st.text(max_size=300),
    st.builds(lambda scheme, rest: scheme + rest,
              st.sampled_from(["oci://", "https://", "OCI://", "https://objectstorage."
                               "us-phoenix-1.oraclecloud.com/", "https://ns.objectstorage."
                               "us-phoenix-1.oci.customer-oci.com/n/ns/b/b/o/"]),
              st.text(alphabet=st.characters(codec="utf-8"), max_size=200)),
    st.builds(lambda parts: "/".join(parts),
              st.lists(st.sampled_from(["oci:", "", "b@ns", "n", "ns", "b", "o", "p", "..",
                                        ".", "%2F", "%2E%2E", "%ff", "a b", "\x00", "ü"]),
                       max_size=12)),
)

yaml_tokens = st.sampled_from([
    "noteBook: ", "jobName: ", "kind: job\n", "spec:\n", "  ", "- ", "name: ", "value: ",
    "env:\n", "args: ", "[", "]", "{", "}", ", ", ": ", "\n", "&a ", "*a", "!!python/object ",
    "<<: ", "'", '"', "012", "no", "on", "2024-01-02", "1e3", "~", "null", "? ", "|\n", ">\n",
    "ocid1.datascienceproject.oc1.phx.aaaa", "https://x/y.ipynb", "\t", "#", "---\n", "%YAML 1.1\n",
])
yaml_documents = st.one_of(
    st.binary(max_size=2000),
    st.lists(yaml_tokens, max_size=80).map(lambda parts: "".join(parts).encode()),
)

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=50)),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(
        st.sampled_from(["specLocation", "operation", "jobRunId", "idempotencyKey",
                         "displayName", "environmentVariables", "commandLineArguments",
                         "maximumRuntimeInMinutes", "freeformTags", "eventType",
                         "cloudEventsVersion", "specversion", "type", "data",
                         "additionalDetails", "resourceName", "namespace", "bucketName",
                         "eTag", "x"]), children, max_size=6),
    max_leaves=30,
)
bodies = st.one_of(st.binary(max_size=500), json_values.map(lambda v: json.dumps(v).encode()))
calls = st.builds(
    lambda body, gateway, method, url, ctype, key: RawCall(
        body=body,
        headers=Headers({"fn-intent": "httprequest"} if gateway else {}),
        http_headers=Headers({"content-type": ctype, **({"idempotency-key": key}
                                                         if key is not None else {})}),
        method=method if gateway else None, request_url=url if gateway else None),
    bodies, st.booleans(), st.sampled_from(["GET", "POST", "DELETE", "PUT", "post"]),
    st.one_of(st.text(max_size=60), st.sampled_from(["/runs", "/v1/runs/validate",
                                                      "/v1/runs/ocid1.datasciencejobrun.oc1.x.a",
                                                      "/runs?x=/runs", "runs/runs"])),
    st.sampled_from(["application/json", "text/plain", "", "application/json; charset=x"]),
    st.one_of(st.none(), st.text(max_size=20)),
)


@FAST
@given(location_text)
def test_location_parser_raises_only_location_errors(text):
    try:
        location = parse_location(text)
    except LocationError:
        return
    assert location.uri.startswith("oci://")
    assert ".." not in location.object.split("/")


@FAST
@given(yaml_documents)
def test_spec_parser_refuses_only_with_spec_invalid_and_its_problems(document):
    try:
        parse_spec(document)
    except SpecInvalid as error:
        # every problem says something, and the summary is the first one
        assert all(problem.message.strip() for problem in error.problems)
        assert error.message.startswith(str(error.problems[0]))
        assert error.field == error.problems[0].field
    # Anything else (SpecTooLarge included: these documents are far under the limit)
    # is a failure.


@FAST
@given(calls)
def test_trigger_normaliser_raises_only_launcher_errors(call):
    try:
        normalise(call, trigger_of(call))
    except LauncherError as error:
        assert error.code in ("InvalidRequest", "NotFound", "MethodNotAllowed",
                              "UnsupportedMediaType")


# --- linear time ---------------------------------------------------------------------

def best_time(fn, arg, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            fn(arg)
        except (LauncherError, SpecError):
            pass
        best = min(best, time.perf_counter() - start)
    return best


def growth(fn, make, small: int) -> float:
    """How much longer 8× the input takes (linear ≈ 8, quadratic ≈ 64)."""
    return best_time(fn, make(small * 8)) / best_time(fn, make(small))


SPEC_FAMILIES = {
    "long-scalar": lambda n: b"noteBook: " + b"a" * n + b"\n",
    "many-keys": lambda n: b"noteBook: https://x/y.ipynb\n" + b"".join(
        b"k%d: v\n" % i for i in range(n // 6)),
    "long-flow-list": lambda n: b"noteBook: https://x/y.ipynb\nx: [" + b"1, " * (n // 3) + b"]\n",
    "many-env": lambda n: b"kind: job\nspec:\n  runtime:\n    spec:\n      env:\n" + b"".join(
        b"      - {name: V%d, value: x}\n" % i for i in range(n // 30)),
    "quoted-escapes": lambda n: b'noteBook: "' + b"\\u00e9" * (n // 6) + b'"\n',
    "comment": lambda n: b"noteBook: https://x/y.ipynb\n#" + b"x" * n + b"\n",
}


@pytest.mark.parametrize("family", SPEC_FAMILIES)
def test_spec_parsing_is_linear(family):
    make = SPEC_FAMILIES[family]
    ratio = growth(lambda doc: parse_spec(doc, max_bytes=10**8), make, 6000)
    assert ratio < 20, f"{family}: 8x input took {ratio:.1f}x the time"


BODY_FAMILIES = {
    "long-string": lambda n: json.dumps({"specLocation": "x" * n}).encode(),
    "many-keys": lambda n: json.dumps({f"k{i}": i for i in range(n // 10)}).encode(),
    "deep-lists": lambda n: b"[" * (n // 2) + b"]" * (n // 2),
    "long-text-line": lambda n: b"oci://specs@localns/" + b"a" * n,
    "many-env": lambda n: json.dumps({"specLocation": "oci://b@n/a.yaml",
                                      "environmentVariables": {f"V{i}": "x"
                                                               for i in range(n // 12)}}).encode(),
}


@pytest.mark.parametrize("family", BODY_FAMILIES)
def test_request_normalising_is_linear(family):
    make = BODY_FAMILIES[family]
    ratio = growth(lambda body: normalise(RawCall(body=body), "direct"), make, 3000)
    assert ratio < 20, f"{family}: 8x input took {ratio:.1f}x the time"


LOCATION_FAMILIES = {
    "long-object": lambda n: "oci://specs@localns/" + "a/" * (n // 2),
    "percent-escapes": lambda n: "https://objectstorage.us-phoenix-1.oraclecloud.com/n/ns/b/b/o/"
                                 + "%2F" * (n // 3),
    "many-at-signs": lambda n: "oci://" + "@" * n + "/x",
}


@pytest.mark.parametrize("family", LOCATION_FAMILIES)
def test_location_parsing_is_linear(family):
    make = LOCATION_FAMILIES[family]
    ratio = growth(lambda text: _parse_ignoring(text), make, 250)
    assert ratio < 20, f"{family}: 8x input took {ratio:.1f}x the time"


def _parse_ignoring(text):
    try:
        parse_location(text)
    except LocationError:
        pass
