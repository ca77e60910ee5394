"""``make demo``: the whole flow on this machine, no OCI account needed.

1. start the local OCI emulator (Object Storage + Data Science, signatures verified);
2. write test resource-principal credentials (RPST + session key), as Functions does;
3. upload a spec with ``oci os object put`` (oci-cli pointed at the emulator);
4. start the function: the fdk process from ``func.yaml``, listening on a unix socket;
5. invoke it as a Data Integration REST task would, get the job run OCID at once;
6. poll the run with ``oci data-science job-run get`` until a terminal state.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .credentials import Issuer, write_resource_principal
from .fdkrunner import ROOT, FunctionProcess
from .server import Emulator

NAMESPACE = "localns"
BUCKET = "specs"
JOB = {
    "id": "ocid1.datasciencejob.oc1.phx.amaaaaaademojob",
    "projectId": "ocid1.datascienceproject.oc1.phx.amaaaaaademoproject",
    "compartmentId": "ocid1.compartment.oc1..aaaaaaaademocompartment",
    "displayName": "notebook-runner (BYOC)",
}
TERMINAL = {"SUCCEEDED", "FAILED", "CANCELED", "DELETED"}


def step(number: int, text: str) -> None:
    print(f"\n== {number}. {text}", flush=True)


def show(command: list[str]) -> None:
    print("   $ " + " ".join(shlex.quote(part) for part in command), flush=True)


def oci_cli(args: list[str], env: dict[str, str], endpoint: str) -> dict | None:
    command = [str(Path(sys.executable).parent / "oci"), *args, "--endpoint", endpoint,
               "--auth", "resource_principal"]
    shown = ["oci", *args, "--endpoint", endpoint, "--auth", "resource_principal"]
    show(shown)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"oci-cli failed ({result.returncode}):\n{result.stderr.strip()}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localoci.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=str(ROOT / "examples/specs/daily-report.yaml"),
                        help="spec file to upload (default: %(default)s)")
    parser.add_argument("--outcome", default="SUCCEEDED", choices=("SUCCEEDED", "FAILED"),
                        help="how the emulated run ends")
    parser.add_argument("--run-seconds", type=float, default=3.0,
                        help="how long the emulated run stays IN_PROGRESS")
    args = parser.parse_args(argv)

    spec_path = Path(args.spec)
    object_name = f"notebooks/{spec_path.name}"
    work = Path(tempfile.mkdtemp(prefix="jobrun-demo-"))
    issuer = Issuer.generate()
    rp_env = write_resource_principal(work / "rp", issuer)
    cli_env = {**os.environ, **rp_env, "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True"}

    with Emulator(issuer.public_pem, namespace=NAMESPACE, jobs=[JOB], accepted_seconds=1.0,
                  run_seconds=args.run_seconds, outcome=args.outcome) as emulator:
        step(1, f"Local OCI emulator on {emulator.url} (Object Storage + Data Science; "
                "every request's signature is verified)")
        step(2, f"Resource principal for the function in {work / 'rp'} "
                "(OCI_RESOURCE_PRINCIPAL_VERSION=2.2, RPST + session key)")

        step(3, f"Upload the spec {spec_path} with oci-cli")
        emulator.create_bucket(NAMESPACE, BUCKET)
        oci_cli(["os", "object", "put", "--namespace", NAMESPACE, "--bucket-name", BUCKET,
                 "--name", object_name, "--file", str(spec_path), "--force"],
                cli_env, emulator.url)

        step(4, "Start the function: fdk from func.yaml's entrypoint, on a unix socket")
        function_env = {"JOB_OCID": JOB["id"], "OCI_DATA_SCIENCE_ENDPOINT": emulator.url,
                        "OCI_OBJECT_STORAGE_ENDPOINT": emulator.url,
                        "SPEC_ALLOWLIST": f"oci://{BUCKET}@{NAMESPACE}/notebooks/", **rp_env}
        with FunctionProcess(function_env) as function:
            print(f"   FN_FORMAT=http-stream FN_LISTENER=unix:{function.socket_path}")
            request = {"specLocation": f"oci://{BUCKET}@{NAMESPACE}/{object_name}",
                       "idempotencyKey": f"demo-{int(time.time())}"}
            step(5, "Invoke it as a Data Integration REST task does (POST /call)")
            print("   request:  " + json.dumps(request))
            answer = function.invoke(request)
            body = answer.json()
            print(f"   response ({answer.seconds * 1000:.0f} ms): " + json.dumps(body, indent=2)
                  .replace("\n", "\n   "))
            if not body.get("ok"):
                print("\nThe function refused the spec; see the error above.")
                return 1
            run_id = body["jobRunId"]
            print(f"\n   job run OCID: {run_id}")

            step(6, "Poll the run with oci-cli until it ends")
            state, last = None, None
            deadline = time.monotonic() + args.run_seconds + 60
            while time.monotonic() < deadline:
                run = oci_cli(["data-science", "job-run", "get", "--job-run-id", run_id],
                              cli_env, emulator.url) if state is None else _quiet_get(
                                  run_id, cli_env, emulator.url)
                state = run["data"]["lifecycle-state"]
                if state != last:
                    details = run["data"].get("lifecycle-details") or ""
                    print(f"   {time.strftime('%H:%M:%S')}  {state}  {details}".rstrip(),
                          flush=True)
                    last = state
                if state in TERMINAL:
                    break
                time.sleep(1)
            status = function.invoke({"operation": "status", "jobRunId": run_id}).json()
            print(f"\n   the function's own status operation says: {status['lifecycleState']}"
                  f" (terminal: {status['terminal']})")
            print("\n   the function's log line for the run call:")
            for line in function.stderr().splitlines():
                if "jobrun_launcher" in line and '"operation":"run"' in line:
                    print("   " + line)
    return 0 if state == args.outcome else 1


def _quiet_get(run_id: str, env: dict[str, str], endpoint: str) -> dict:
    command = [str(Path(sys.executable).parent / "oci"), "data-science", "job-run", "get",
               "--job-run-id", run_id, "--endpoint", endpoint, "--auth", "resource_principal"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"oci-cli failed ({result.returncode}):\n{result.stderr.strip()}")
    return json.loads(result.stdout)


if __name__ == "__main__":
    sys.exit(main())
