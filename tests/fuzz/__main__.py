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

with atheris.instrument_imports():
    from func.errors import LauncherError
    from func.locations import LocationError, parse_location
    from func.spec import parse_spec
    from func.triggers import Headers, RawCall, normalise


def location_target(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    try:
        parse_location(text)
    except LocationError:
        pass


def spec_target(data: bytes) -> None:
    try:
        parse_spec(data)
    except LauncherError:
        pass


def normaliser_target(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    gateway = provider.ConsumeBool()
    method = provider.PickValueInList(["GET", "POST", "DELETE", "PUT"])
    url = provider.ConsumeUnicodeNoSurrogates(64)
    content_type = provider.PickValueInList(["application/json", "text/plain", ""])
    body = provider.ConsumeBytes(provider.remaining_bytes())
    call = RawCall(body=body,
                   headers=Headers({"fn-intent": "httprequest"} if gateway else {}),
                   http_headers=Headers({"content-type": content_type}),
                   method=method if gateway else None, request_url=url if gateway else None)
    try:
        normalise(call)
    except LauncherError:
        pass


TARGETS = {"location": location_target, "spec": spec_target, "normaliser": normaliser_target}
SEEDS = {
    "location": [b"oci://specs@ns/a.yaml",
                 b"https://objectstorage.us-phoenix-1.oraclecloud.com/n/ns/b/b/o/a%2Fb.yaml"],
    "spec": [b"noteBook: https://x/y.ipynb\njobName: r\n",
             b"kind: job\nspec:\n  runtime:\n    spec:\n      env:\n      - {name: A, value: b}\n"],
    "normaliser": [json.dumps({"specLocation": "oci://specs@ns/a.yaml"}).encode(),
                   json.dumps({"eventType": "com.oraclecloud.objectstorage.createobject",
                               "cloudEventsVersion": "0.1", "data": {}}).encode()],
}


def run(name: str, seconds: int) -> None:
    import os
    import tempfile

    corpus = tempfile.mkdtemp(prefix=f"fuzz-{name}-")
    for i, seed in enumerate(SEEDS[name]):
        with open(os.path.join(corpus, f"seed{i}"), "wb") as handle:
            handle.write(seed)
    atheris.Setup([sys.argv[0], f"-max_total_time={seconds}", "-rss_limit_mb=1024", corpus],
                  TARGETS[name])
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
