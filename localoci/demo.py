"""``make demo``: the whole flow on this machine, no OCI account needed.

1. start the local OCI emulator (Object Storage + Data Science, signatures verified);
2. write test resource-principal credentials (RPST + session key), as Functions does;
3. upload a spec (and its notebook) with ``oci os object put`` (oci-cli pointed at the
   emulator);
4. start the function: the fdk process from ``func.yaml``, listening on a unix socket;
5. invoke it as a Data Integration REST task would, get the job run OCID at once;
6. poll the run with ``oci data-science job-run get`` until a terminal state;
7. with ``--execute`` (the default when nbclient and ipykernel are installed): the run is
   the job container's entrypoint (``python -m job.runner``) started as a local process,
   which executes the notebook; fetch the executed notebook from the output bucket.
"""

from __future__ import annotations

import argparse
import importlib.util
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
from .jobprocess import ProcessExecutor
from .server import Emulator

NAMESPACE = "localns"
BUCKET = "specs"
OUTPUT_BUCKET = "notebook-output"
NOTEBOOK = ROOT / "examples/notebooks/hello.ipynb"
SPECS = {"timed": ROOT / "examples/specs/daily-report.yaml",
         "SUCCEEDED": ROOT / "examples/specs/hello.yaml",
         "FAILED": ROOT / "examples/specs/hello-fails.yaml"}
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


def can_execute() -> bool:
    """True when the job runner's notebook dependencies (nbclient, ipykernel) are installed."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("nbclient", "nbformat", "ipykernel"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localoci.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--execute", action=argparse.BooleanOptionalAction, default=None,
                        help="run the job for real: python -m job.runner executes the "
                             "notebook (default: on when nbclient and ipykernel are "
                             "installed); --no-execute only moves the run's state in time")
    parser.add_argument("--spec", default=None,
                        help="spec file to upload (default: examples/specs/hello.yaml, "
                             "hello-fails.yaml with --outcome FAILED, daily-report.yaml "
                             "with --no-execute)")
    parser.add_argument("--outcome", default="SUCCEEDED", choices=("SUCCEEDED", "FAILED"),
                        help="how the run should end (with --execute: which example spec)")
    parser.add_argument("--run-seconds", type=float, default=3.0,
                        help="--no-execute: how long the emulated run stays IN_PROGRESS")
    args = parser.parse_args(argv)

    execute = can_execute() if args.execute is None else args.execute
    if args.execute is None and not execute:
        print("(nbclient/ipykernel are not installed: the run's state is only emulated; "
              "pip install -r job/requirements.txt to execute the notebook)")
    spec_path = Path(args.spec or SPECS[args.outcome if execute else "timed"])
    object_name = f"notebooks/{spec_path.name}"
    work = Path(tempfile.mkdtemp(prefix="jobrun-demo-"))
    issuer = Issuer.generate()
    rp_env = write_resource_principal(work / "rp", issuer)
    cli_env = {**os.environ, **rp_env, "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True"}
    executor = None
    if execute:
        executor = ProcessExecutor(write_resource_principal(work / "jobrun-rp", issuer),
                                   work_dir=work / "runs", provisioning_seconds=2.0)
        emulator = Emulator(issuer.public_pem, namespace=NAMESPACE, jobs=[JOB],
                            executor=executor)
    else:
        emulator = Emulator(issuer.public_pem, namespace=NAMESPACE, jobs=[JOB],
                            accepted_seconds=1.0, run_seconds=args.run_seconds,
                            outcome=args.outcome)

    try:
        with emulator:
            if executor is not None:
                executor.endpoint = emulator.url
            return _demo(args, execute, emulator, executor, spec_path, object_name, work,
                         rp_env, cli_env)
    finally:
        if executor is not None:
            executor.close()


def _demo(args: argparse.Namespace, execute: bool, emulator: Emulator,
          executor: ProcessExecutor | None, spec_path: Path, object_name: str, work: Path,
          rp_env: dict[str, str], cli_env: dict[str, str]) -> int:
    step(1, f"Local OCI emulator on {emulator.url} (Object Storage + Data Science; "
            "every request's signature is verified)")
    step(2, f"Resource principal for the function in {work / 'rp'} "
            "(OCI_RESOURCE_PRINCIPAL_VERSION=2.2, RPST + session key)"
         + (f", and one for the job runs in {work / 'jobrun-rp'}" if execute else ""))

    step(3, f"Upload the spec {spec_path}" + (f" and the notebook {NOTEBOOK}" if execute else "")
         + " with oci-cli")
    emulator.create_bucket(NAMESPACE, BUCKET)
    emulator.create_bucket(NAMESPACE, OUTPUT_BUCKET)
    if execute:
        oci_cli(["os", "object", "put", "--namespace", NAMESPACE, "--bucket-name", BUCKET,
                 "--name", f"notebooks/{NOTEBOOK.name}", "--file", str(NOTEBOOK), "--force"],
                cli_env, emulator.url)
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
        if execute:
            print("   the emulator starts the job container's entrypoint for it: "
                  "python -m job.runner, with the run's environment variables")

        step(6, "Poll the run with oci-cli until it ends")
        state, last = None, None
        deadline = time.monotonic() + (120 if execute else args.run_seconds + 60)
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
    if execute and executor is not None:
        _show_execution(executor, run_id, spec_path, work, cli_env, emulator.url)
    return 0 if state == args.outcome else 1


def _show_execution(executor: ProcessExecutor, run_id: str, spec_path: Path, work: Path,
                    cli_env: dict[str, str], endpoint: str) -> None:
    """Step 7: the job run's log, and the executed notebook fetched from the output bucket."""
    from job.notebook import cell_text
    from job.outputs import notebook_name, output_object
    from jobspec.container import read_container_spec

    step(7, "What the job run did")
    log = executor.log(run_id)
    print("   its log (stdout, then stderr):")
    for line in (log.stdout + log.stderr).splitlines():
        print("   | " + line)
    spec = read_container_spec(spec_path.read_bytes())
    if spec.output is None:
        return
    name = output_object(spec.output, run_id, notebook_name(spec.notebook))
    target = work / "executed.ipynb"
    print()
    oci_cli(["os", "object", "get", "--namespace", spec.output.namespace, "--bucket-name",
             spec.output.bucket, "--name", name, "--file", str(target)], cli_env, endpoint)
    notebook = json.loads(target.read_text())
    print(f"   the executed notebook ({target}), cell by cell:")
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        label = " (injected-parameters)" if "injected-parameters" in tags else ""
        source = "".join(cell.get("source", ""))
        print(f"   In [{cell.get('execution_count') or ' '}]{label}: "
              + source.replace("\n", "\n          "))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                print(f"      ! {output.get('ename')}: {output.get('evalue')}")
        for line in cell_text(cell).splitlines():
            print("      > " + line)


def _quiet_get(run_id: str, env: dict[str, str], endpoint: str) -> dict:
    command = [str(Path(sys.executable).parent / "oci"), "data-science", "job-run", "get",
               "--job-run-id", run_id, "--endpoint", endpoint, "--auth", "resource_principal"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"oci-cli failed ({result.returncode}):\n{result.stderr.strip()}")
    return json.loads(result.stdout)


if __name__ == "__main__":
    sys.exit(main())
