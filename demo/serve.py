"""``make serve`` (``python -m demo.serve``): the function behind a local API Gateway.

Starts the local OCI emulator, the function (the real fdk process from ``func.yaml``) and,
in front of it, :class:`localoci.gateway.LocalGateway` on ``http://127.0.0.1:<port>/jobruns``;
uploads a valid spec (``notebooks/hello.yaml`` and its notebook) and an invalid one
(``notebooks/broken.yaml``); prints curl commands for every route; logs one line per
request. Ctrl-C (or SIGTERM) stops everything and removes the temporary folder.

Runs are emulated by default: each stays IN_PROGRESS for ``--run-seconds`` (so there is
time to GET and DELETE it) and then SUCCEEDED. With ``--execute`` every run is the job
container's entrypoint (``python -m job.runner``) executing the notebook for real.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from http import HTTPStatus

from localoci.fdkrunner import ROOT
from localoci.gateway import LocalGateway

from .run import can_execute
from .stack import (
    BUCKET,
    NAMESPACE,
    NOTEBOOK,
    NOTEBOOK_OBJECT,
    SPEC_PREFIX,
    Interrupted,
    LocalStack,
    stop_on_signals,
)

DEFAULT_PORT = 8080
GATEWAY_PREFIX = "/jobruns"
VALID_SPEC = ROOT / "examples/specs/hello.yaml"
BROKEN_SPEC = b"""\
# Two mistakes the launcher names: a YAML 1.1 boolean where a string belongs, a bad OCID.
noteBook: oci://specs@localns/notebooks/hello.ipynb
jobName: no
compartmentId: my-compartment
"""
SPECS = {name: f"oci://{BUCKET}@{NAMESPACE}/{SPEC_PREFIX}{name}"
         for name in ("hello.yaml", "broken.yaml", "missing.yaml")}


def curl_block(gateway_url: str) -> str:
    """The commands printed at start-up, and the README's "try it locally" block (for
    ``http://127.0.0.1:8080/jobruns``); a test runs the README's copy against the server."""
    json_post = "curl -sS -w '\\n' -X POST -H 'Content-Type: application/json'"
    return f"""\
GW={gateway_url}
HELLO='{{"specLocation": "{SPECS["hello.yaml"]}"}}'
# validate: read and check the spec as a run would, create nothing (200)
{json_post} "$GW/runs/validate" -d "$HELLO"
# a spec with two mistakes: 422 InvalidSpec, every problem named
{json_post} "$GW/runs/validate" \\
  -d '{{"specLocation": "{SPECS["broken.yaml"]}"}}'
# run: 202, a Location header and the run's OCID at once
{json_post} -i "$GW/runs" -H 'Idempotency-Key: try-1' -d "$HELLO"
# the same idempotency key again: the same run, nothing new; keep its OCID
RUN=$({json_post} "$GW/runs" -H 'Idempotency-Key: try-1' -d "$HELLO" \\
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["jobRunId"])')
# status (200)
curl -sS -w '\\n' "$GW/runs/$RUN"
# its last log lines, oldest first (200; with --execute, what the job printed)
curl -sS -w '\\n' "$GW/runs/$RUN/logs?tail=20"
# the job's runs, newest first (200)
curl -sS -w '\\n' "$GW/runs?limit=5"
# cancel (202)
curl -sS -w '\\n' -X DELETE "$GW/runs/$RUN"
# a spec that does not exist: 404 SpecNotFound
{json_post} -i "$GW/runs" \\
  -d '{{"specLocation": "{SPECS["missing.yaml"]}"}}'
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"the gateway's port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument("--execute", action="store_true",
                        help="runs execute the notebook (python -m job.runner) instead of "
                             "being emulated")
    parser.add_argument("--run-seconds", type=float, default=120.0,
                        help="emulated runs stay IN_PROGRESS this long (default 120)")
    return parser.parse_args(argv)


def log_request(method: str, path: str, status: int, seconds: float) -> None:
    """One line per request; never the body (it may name buckets a user keeps private)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    print(f"{time.strftime('%H:%M:%S')}  {method} {path} → {status} {phrase} "
          f"({seconds * 1000:.0f} ms)", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.execute and not can_execute():
        print("serve: --execute needs nbclient and ipykernel "
              "(pip install -r job/requirements.txt)", file=sys.stderr)
        return 2
    stack = LocalStack(execute=args.execute, run_seconds=args.run_seconds,
                       provisioning_seconds=0.5)
    try:
        with stop_on_signals(), stack:
            return serve(stack, args)
    except Interrupted as stop:
        print(f"\n{stop}: stopped the gateway, the function, the job runs and the emulator; "
              "temporary files removed", flush=True)
        return 0


def serve(stack: LocalStack, args: argparse.Namespace) -> int:
    """Seed the specs, start the function and the gateway, wait for a signal."""
    print("starting the emulator and the function…", flush=True)
    emulator = stack.emulator
    emulator.put_object(NAMESPACE, BUCKET, NOTEBOOK_OBJECT, NOTEBOOK.read_bytes())
    emulator.put_object(NAMESPACE, BUCKET, SPEC_PREFIX + "hello.yaml", VALID_SPEC.read_bytes())
    emulator.put_object(NAMESPACE, BUCKET, SPEC_PREFIX + "broken.yaml", BROKEN_SPEC)
    function = stack.start_function()
    try:
        gateway = LocalGateway(function, prefix=GATEWAY_PREFIX, port=args.port,
                               on_request=log_request)
    except OSError as exc:
        print(f"serve: port {args.port} on 127.0.0.1 is not free ({exc.strerror}); "
              "try make serve PORT=<another>", file=sys.stderr)
        return 1
    with gateway:
        ready(gateway.url, args, emulator.url)
        while True:
            signal.pause()  # until Ctrl-C or SIGTERM raises Interrupted


def ready(gateway_url: str, args: argparse.Namespace, emulator_url: str) -> None:
    runs = ("each run executes the notebook (python -m job.runner)" if args.execute else
            f"runs are emulated: IN_PROGRESS for {args.run_seconds:.0f} s, then SUCCEEDED")
    print(f"""
Local API Gateway: {gateway_url}  →  the function (fdk)  →  emulator {emulator_url}
Specs in oci://{BUCKET}@{NAMESPACE}/{SPEC_PREFIX}: hello.yaml (valid), broken.yaml (two
mistakes); missing.yaml does not exist. {runs[0].upper() + runs[1:]}.

Try it (paste into another terminal):

{curl_block(gateway_url)}
Ctrl-C stops everything. Requests:""", flush=True)


if __name__ == "__main__":
    sys.exit(main())
