"""Coverage-guided fuzzing of the three parsers that take untrusted input (atheris).

    make fuzz                         # each target for 60 s
    make fuzz FUZZ_ARGS="spec 600"    # one target, ten minutes

A target fails on any exception other than the launcher's own error types.
Not part of CI: it needs atheris (installed by ``make fuzz``) and minutes of CPU.
"""

from __future__ import annotations

import json
import multiprocessing
import sys

import atheris

with atheris.instrument_imports(include=["func", "jobspec"]):
    from func.errors import LauncherError
    from func.triggers import Headers, RawCall, normalise, trigger_of
    from jobspec.container import read_container_spec
    from jobspec.errors import SpecError
    from ocirefs.locations import LocationError, parse_location


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def location_target(data: bytes) -> None:
    try:
        parse_location(_text(data))
    except LocationError:
        pass


def spec_target(data: bytes) -> None:
    """The whole spec library: parse_spec and the container's view of its result."""
    try:
        read_container_spec(data)
    except SpecError:
        pass


METHODS = ("GET", "POST", "DELETE", "PUT")


def normaliser_target(data: bytes) -> None:
    """First byte: gateway?, method, content type; up to a NUL: the URL; then the body."""
    mode = data[0] if data else 0
    head, _, body = data[1:].partition(b"\0")
    gateway = bool(mode & 1)
    content_type = ("application/json", "text/plain", "")[(mode >> 3) % 3]
    call = RawCall(body=body,
                   headers=Headers({"fn-intent": "httprequest"} if gateway else {}),
                   http_headers=Headers({"content-type": content_type}),
                   method=METHODS[(mode >> 1) & 3] if gateway else None,
                   request_url=_text(head) if gateway else None)
    try:
        normalise(call, trigger_of(call))
    except LauncherError:
        pass


TARGETS = {"location": location_target, "spec": spec_target, "normaliser": normaliser_target}
EVENT = json.dumps({"eventType": "com.oraclecloud.objectstorage.createobject",
                    "cloudEventsVersion": "0.1",
                    "data": {"resourceName": "a.yaml", "additionalDetails": {
                        "namespace": "ns", "bucketName": "b", "eTag": "e"}}}).encode()
SEEDS = {
    "location": [b"oci://specs@ns/a.yaml",
                 b"https://objectstorage.us-phoenix-1.oraclecloud.com/n/ns/b/b/o/a%2Fb.yaml",
                 b"https://ns.objectstorage.us-phoenix-1.oci.customer-oci.com/n/ns/b/b/o/x"],
    "spec": [b"noteBook: https://x/y.ipynb\njobName: r\nprojectId: ocid1.datascienceproject"
             b".oc1.phx.aaaa\n",
             b"kind: job\nspec:\n  name: x\n  infrastructure:\n    spec:\n      shapeName: S\n"
             b"      subnetId: ocid1.subnet.oc1.phx.aaaa\n  runtime:\n    spec:\n"
             b"      env:\n      - {name: A, value: b}\n      args: [x, 'y z']\n"],
    "normaliser": [b"\0" + json.dumps({"specLocation": "oci://specs@ns/a.yaml",
                                        "idempotencyKey": "k"}).encode(),
                   b"\0" + EVENT,
                   b"\x03/v1/runs\0" + json.dumps({"specLocation": "oci://b@n/a"}).encode(),
                   b"\x01/v1/runs/ocid1.datasciencejobrun.oc1.phx.aaaa\0",
                   b"\0" + json.dumps({"operation": "list", "lifecycleState": "FAILED",
                                        "limit": 5, "page": "p"}).encode(),
                   b"\x01/v1/runs?lifecycleState=FAILED&limit=5&page=p&compartmentId="
                   b"ocid1.compartment.oc1..aaaa\0"],
}
DICTIONARY = ["oci://", "https://", "objectstorage.", ".oraclecloud.com", "/n/", "/b/", "/o/",
              "/p/", "@", "%2F", "%2E", "..", ".oci.customer-oci.com", "us-phoenix-1",
              "noteBook: ", "kind: job", "spec:", "env:", "args:", "name: ", "value: ",
              "ocid1.", "&a", "*a", "!!", "<<: ", "specLocation", "operation", "jobRunId",
              "eventType", "cloudEventsVersion", "specversion", "additionalDetails", "/runs",
              "validate", "list", "lifecycleState", "limit", "page", "compartmentId", "?", "&"]


def run(name: str, seconds: int) -> None:
    import os
    import tempfile

    corpus = tempfile.mkdtemp(prefix=f"fuzz-{name}-")
    for i, seed in enumerate(SEEDS[name]):
        with open(os.path.join(corpus, f"seed{i}"), "wb") as handle:
            handle.write(seed)
    dictionary = os.path.join(corpus, "..", f"{os.path.basename(corpus)}.dict")
    with open(dictionary, "w") as handle:
        handle.writelines(f"{json.dumps(token)}\n" for token in DICTIONARY)
    atheris.Setup([sys.argv[0], f"-max_total_time={seconds}", "-rss_limit_mb=1024",
                   f"-dict={dictionary}", "-max_len=8192", corpus], TARGETS[name])
    atheris.Fuzz()


def main(argv: list[str]) -> int:
    names = [argv[0]] if argv and argv[0] in TARGETS else list(TARGETS)
    seconds = int(argv[-1]) if argv and argv[-1].isdigit() else 60
    for name in names:
        print(f"fuzzing {name} for {seconds} s", flush=True)
        # atheris.Fuzz() never returns: each target gets its own process.
        process = multiprocessing.get_context("fork").Process(target=run, args=(name, seconds))
        process.start()
        process.join()
        if process.exitcode != 0:
            print(f"{name}: the fuzzer found a crash (exit {process.exitcode})")
            return 1
    print("no crashes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
