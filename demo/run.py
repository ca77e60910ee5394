"""``make demo`` (``python -m demo``): the whole flow on this machine, no OCI account needed.

1. start the local OCI emulator (Object Storage + Data Science, signatures verified);
2. write test resource-principal credentials (RPST + session key), as Functions does;
3. upload a spec (and its notebook) with ``oci os object put`` (oci-cli pointed at the
   emulator);
4. start the function: the fdk process from ``func.yaml``, listening on a unix socket;
5. invoke it as a Data Integration REST task would, get the job run OCID at once;
6. poll the run with ``oci data-science job-run get`` until a terminal state;
7. with ``--execute`` (the default when nbclient and ipykernel are installed): the run is
   the job container's entrypoint (``python -m job.runner``) started as a local process,
   which executes the notebook; list the run's outputs and show the executed notebook.

With ``--images`` the same demo runs on the two images (``make images`` builds them, or
the demo does first): the function is its image's container, started as OCI Functions
starts it, and each run a container of the job image.

It always ends with a summary: the run's final state, the job's own error line when it
failed, and where its outputs are (or that there are none). Exit code 0 when the run ended
as asked (``--outcome``), 1 when it did not or the demo could not go on, 2 for a spec file
that does not exist, 128+N on signal N; through ``make demo``, make exits 2 for any of them
but 0, and its last line names the demo's (``make: *** [Makefile:…: demo] Error 1``). The
temporary folder (``/tmp/jobrun-demo-*``, with the test credentials) is removed on every
way out.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localoci.fdkrunner import ROOT, FunctionProcess
from ocirefs import jobruns

from .ocicli import OciCli, OciCliFailed
from .show import notebook_cells, short_ocid, show_lines, step
from .stack import (
    BUCKET,
    NAMESPACE,
    NOTEBOOK,
    NOTEBOOK_OBJECT,
    SPEC_PREFIX,
    Images,
    Interrupted,
    LocalStack,
    stop_on_signals,
)

SPECS = {"timed": ROOT / "examples/specs/daily-report.yaml",
         "SUCCEEDED": ROOT / "examples/specs/hello.yaml",
         "FAILED": ROOT / "examples/specs/hello-fails.yaml"}
# How many of a failed run's last log lines the demo shows.
LOG_TAIL = 10
TERMINAL = jobruns.TERMINAL
# The python runtime example's code (hello-python.yaml), uploaded to scripts/<name>.
SCRIPTS = ROOT / "examples/scripts"
JOB_ERROR_PREFIX = "job-runner: "


@dataclass
class Outcome:
    """What the summary reports; filled in as the demo goes, so any stop can still report."""

    asked: str
    state: str | None = None
    run_id: str | None = None
    refused: str | None = None  # the function's error, when it created no run
    stopped: str | None = None  # why the demo could not go on
    job_error: str | None = None
    outputs: list[str] = field(default_factory=list)
    outputs_note: str = "none: the run was not created"

    @property
    def as_asked(self) -> bool:
        return self.stopped is None and self.refused is None and self.state == self.asked


def can_execute() -> bool:
    """True when the job runner's notebook dependencies (nbclient, ipykernel) are installed."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("nbclient", "nbformat", "ipykernel"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo",
                                     description=(__doc__ or "").replace("``", ""),
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
    parser.add_argument("--wait-seconds", type=float, default=120.0,
                        help="give up following the run after this long")
    parser.add_argument("--images", action="store_true",
                        help="run the function image and the job image (podman or Docker; "
                             "built first when they are not, as make images builds them) "
                             "instead of the source trees")
    return parser.parse_args(argv)


def built_images() -> Images:
    """The two images, built or reused (:mod:`tools.images`); raises ``NoEngine`` or
    ``ImageError`` with the reason when they cannot be had."""
    from localoci.containers import find_engine
    from tools.images import build_all

    engine = find_engine()
    built = build_all(engine, say=lambda line: print(f"   {line}", flush=True))
    print(f"   images: {built['function'].name} and {built['job'].name} ({engine.name})")
    return Images(engine, built["function"].name, built["job"].name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # with --images the notebook runs in the job image: nothing to install here
    execute = (args.images or can_execute()) if args.execute is None else args.execute
    if args.execute is None and not execute:
        print("(nbclient/ipykernel are not installed: the run's state is only emulated; "
              "pip install -r job/requirements.txt to execute the notebook)")
    spec_path = Path(args.spec or SPECS[args.outcome if execute else "timed"])
    if not spec_path.is_file():
        print(f"demo: the spec file {spec_path} does not exist "
              "(the examples are in examples/specs/)", file=sys.stderr)
        return 2
    outcome = Outcome(asked=args.outcome)
    images = None
    if args.images:
        from localoci.containers import NoEngine
        from tools.images import ImageError

        step(0, "The images (podman or Docker)")
        try:
            images = built_images()
        except (NoEngine, ImageError) as exc:
            outcome.stopped = f"the images could not be had: {first_and_last_line(str(exc))}"
            return summary(outcome, 1)
    stack = LocalStack(execute=execute, outcome=args.outcome, run_seconds=args.run_seconds,
                       images=images)
    try:
        with stop_on_signals(), stack:
            Demo(args, stack, spec_path, outcome).run()
    except Interrupted as stop:
        outcome.stopped = f"interrupted ({stop}); every process it started was stopped"
        return summary(outcome, stop.exit_code)
    except OciCliFailed as exc:
        outcome.stopped = exc.message
    except Exception as exc:  # noqa: BLE001 - the demo's edge: one line, never a traceback
        outcome.stopped = f"unexpected {type(exc).__name__}: {first_and_last_line(str(exc))}"
    return summary(outcome, 0 if outcome.as_asked else 1)


class Demo:
    """The steps, in order; each fills in the :class:`Outcome`."""

    def __init__(self, args: argparse.Namespace, stack: LocalStack, spec_path: Path,
                 outcome: Outcome) -> None:
        self.args = args
        self.stack = stack
        self.spec_path = spec_path
        self.outcome = outcome
        self.object_name = SPEC_PREFIX + spec_path.name
        cli_env = {**os.environ, **stack.rp_env,
                   "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True"}
        self.cli = OciCli(stack.emulator.url, cli_env)

    def run(self) -> None:
        stack = self.stack
        step(1, f"Local OCI emulator on {stack.emulator.url} (Object Storage + Data Science; "
                "every request's signature is verified)")
        step(2, f"Resource principal for the function in {stack.work}/rp "
                "(OCI_RESOURCE_PRINCIPAL_VERSION=2.2, RPST + session key)"
             + (f", and one for the job runs in {stack.work}/jobrun-rp" if stack.execute
                else ""))
        self.upload()
        if stack.images is None:
            step(4, "Start the function: fdk from func.yaml's entrypoint, on a unix socket")
        else:
            step(4, f"Start the function image {stack.images.function} as OCI Functions does: "
                    "its ENTRYPOINT, read-only, uid 1000, on a unix socket in a mounted folder")
        function = stack.start_function()
        print(f"   FN_FORMAT=http-stream FN_LISTENER=unix:{function.socket_path}")
        run_id = self.invoke(function)
        if run_id is None:
            return
        self.follow(run_id)
        status: dict[str, Any] = function.invoke({"operation": "status",
                                                  "jobRunId": run_id}).json()
        print(f"\n   the function's own status operation says: {status.get('lifecycleState')}"
              f" (terminal: {status.get('terminal')})")
        if self.outcome.state == "FAILED":
            self.last_log_lines(function, run_id)
        print("\n   the function's log line for the run call:")
        for line in function.stderr().splitlines():
            if "jobrun_launcher" in line and '"operation":"run"' in line:
                print("   " + line.replace(run_id, short_ocid(run_id)))
        if stack.executor is not None:
            self.what_the_job_did(run_id)
        else:
            self.outcome.outputs_note = ("none: with --no-execute no job runs, the emulator "
                                         "only moves the run's state")

    def upload(self) -> None:
        execute = self.stack.execute
        step(3, f"Upload the spec {self.spec_path}"
             + (f" and the notebook {NOTEBOOK}" if execute else "") + " with oci-cli")
        if execute:
            self.cli.run(["os", "object", "put", "--namespace", NAMESPACE, "--bucket-name",
                          BUCKET, "--name", NOTEBOOK_OBJECT, "--file", str(NOTEBOOK),
                          "--force"])
            for script in sorted(SCRIPTS.glob("*.py")):
                self.cli.run(["os", "object", "put", "--namespace", NAMESPACE, "--bucket-name",
                              BUCKET, "--name", f"scripts/{script.name}", "--file", str(script),
                              "--force"], echo=False)
        self.cli.run(["os", "object", "put", "--namespace", NAMESPACE, "--bucket-name", BUCKET,
                      "--name", self.object_name, "--file", str(self.spec_path), "--force"])

    def invoke(self, function: FunctionProcess) -> str | None:
        """Step 5: the run call; the run OCID, or None when the function refused."""
        request = {"specLocation": f"oci://{BUCKET}@{NAMESPACE}/{self.object_name}",
                   "idempotencyKey": f"demo-{int(time.time())}"}
        step(5, "Invoke it as a Data Integration REST task does (POST /call)")
        print("   request:  " + json.dumps(request))
        answer = function.invoke(request)
        body: dict[str, Any] = answer.json()
        run_id = str(body["jobRunId"]) if body.get("ok") and body.get("jobRunId") else None
        text = json.dumps(body, indent=2)
        if run_id:
            text = text.replace(run_id, short_ocid(run_id))
        print(f"   response ({answer.seconds * 1000:.0f} ms): " + text.replace("\n", "\n   "))
        if not run_id:
            error = body.get("error") or {}
            self.outcome.refused = f"{error.get('code')}: {error.get('message')}"
            return None
        self.outcome.run_id = run_id
        self.outcome.outputs_note = "none yet: the run has not ended"
        print(f"\n   job run OCID, in full this once (shortened to {short_ocid(run_id)} "
              "below; commands use $JOB_RUN_ID):")
        print(f"   export JOB_RUN_ID={run_id}")
        self.cli.shown[run_id] = "$JOB_RUN_ID"
        if self.stack.images is not None and self.stack.execute:
            print(f"   the emulator starts a container of {self.stack.images.job} for it, "
                  "with the run's environment variables")
        elif self.stack.execute:
            print("   the emulator starts the job container's entrypoint for it: "
                  "python -m job.runner, with the run's environment variables")
        return run_id

    def follow(self, run_id: str) -> None:
        """Step 6: poll with oci-cli until the run ends (the first call is shown)."""
        step(6, "Poll the run with oci-cli until it ends")
        deadline = time.monotonic() + self.args.wait_seconds
        last, echo = None, True
        while True:
            run = self.cli.run(["data-science", "job-run", "get", "--job-run-id", run_id],
                               echo=echo)["data"]
            echo = False
            state = run["lifecycle-state"]
            self.outcome.state = state
            if state != last:
                details = (run.get("lifecycle-details") or "").replace(run_id,
                                                                        short_ocid(run_id))
                print(f"   {time.strftime('%H:%M:%S')}  {state}  {details}".rstrip(),
                      flush=True)
                last = state
            if state in TERMINAL:
                if state == "FAILED":
                    self.outcome.job_error = run.get("lifecycle-details") or None
                return
            if time.monotonic() > deadline:
                self.outcome.stopped = (f"the run was still {state} after "
                                        f"{self.args.wait_seconds:.0f} s (--wait-seconds)")
                return
            time.sleep(1)

    def last_log_lines(self, function: FunctionProcess, run_id: str) -> None:
        """The failed run's last lines, as a caller reads them: the function's logs operation
        (GetJobRun's log details, then Logging Search)."""
        request = {"operation": "logs", "jobRunId": run_id, "tail": LOG_TAIL}
        answer: dict[str, Any] = function.invoke(request).json()
        print(f"\n   the run failed; its last log lines, from the function's logs operation "
              f"({json.dumps(request).replace(run_id, '$JOB_RUN_ID')}):")
        if not answer.get("ok"):
            error = answer.get("error") or {}
            print(f"   {error.get('code')}: {error.get('message')}")
            return
        lines = answer.get("lines") or []
        if not lines:
            print("   (none: with --no-execute no job runs, so nothing was logged)")
        for line in lines:
            print(f"   | {line['time']}  {line['message']}".replace(run_id, short_ocid(run_id)))

    def what_the_job_did(self, run_id: str) -> None:
        """Step 7: the run's log, its outputs, and the executed notebook if there is one."""
        assert self.stack.executor is not None
        step(7, "What the job run did")
        log = self.stack.executor.log(run_id)
        print("   its log (stdout, then stderr):")
        show_lines((log.stdout + log.stderr).replace(run_id, short_ocid(run_id)), "   | ")
        errors = [line for line in log.stderr.splitlines() if line.startswith(JOB_ERROR_PREFIX)]
        if errors and self.outcome.state != "SUCCEEDED":
            self.outcome.job_error = errors[-1].replace(run_id, short_ocid(run_id))
        if self.code_outputs(run_id):
            return
        output = self.executed_notebook(run_id)
        if output is None:
            return
        namespace, bucket, name = output
        folder = f"oci://{bucket}@{namespace}/{name.rpartition('/')[0]}/"
        folder = folder.replace(run_id, "$JOB_RUN_ID")
        print()
        assert self.stack.work is not None
        target = self.stack.work / "executed.ipynb"
        try:
            self.cli.run(["os", "object", "get", "--namespace", namespace, "--bucket-name",
                          bucket, "--name", name, "--file", str(target)])
        except OciCliFailed as exc:
            if exc.status != 404:
                raise
            print("   not there (404): the job uploaded no executed notebook")
            self.outcome.outputs_note = (f"none: the job uploaded no executed notebook to "
                                         f"{folder}")
            return
        self.outcome.outputs = [f"{folder} (the executed notebook "
                                f"{name.rpartition('/')[2]} and the files the notebook wrote)"]
        print("   the executed notebook, cell by cell:")
        text = notebook_cells(json.loads(target.read_text()))
        show_lines(text.replace(run_id, short_ocid(run_id)), "")

    def code_outputs(self, run_id: str) -> bool:
        """Step 7 for a python or script runtime: the files of its outputDir, as uploaded to
        the run's folder; False (nothing done) for a notebook spec."""
        from job.outputs import run_folder
        from jobspec.container import ScriptSpec, read_container_spec
        from jobspec.errors import SpecError

        try:
            spec = read_container_spec(self.spec_path.read_bytes())
        except SpecError:
            return False  # executed_notebook says so
        if not isinstance(spec, ScriptSpec):
            return False
        if spec.output is None:
            self.outcome.outputs_note = "none: the spec names no outputDir and outputUri"
            return True
        out = spec.output
        prefix = run_folder(out, run_id)
        folder = f"oci://{out.bucket}@{out.namespace}/{prefix}".replace(run_id, "$JOB_RUN_ID")
        print()
        listed = self.cli.run(["os", "object", "list", "--namespace", out.namespace,
                               "--bucket-name", out.bucket, "--prefix", prefix])
        names = [str(item["name"]) for item in (listed or {}).get("data", [])]
        if not names:
            self.outcome.outputs_note = f"none: the code uploaded nothing to {folder}"
            return True
        assert self.stack.work is not None
        target = self.stack.work / "output"
        print(f"   the files its outputDir ({spec.output_dir or '.'}) held, as uploaded:")
        for name in names:
            self.cli.run(["os", "object", "get", "--namespace", out.namespace, "--bucket-name",
                          out.bucket, "--name", name, "--file", str(target)], echo=False)
            print(f"   {name.removeprefix(prefix)}:")
            show_lines(target.read_text(errors="replace"), "      > ")
        self.outcome.outputs = [f"{folder} ({len(names)} file(s) from outputDir "
                                f"{spec.output_dir or '.'})"]
        return True

    def executed_notebook(self, run_id: str) -> tuple[str, str, str] | None:
        """(namespace, bucket, object) where the job puts the executed notebook, from the spec
        as the job reads it; None (the reason goes to the summary) when there is no such
        place: the spec names no output folder, or the job container refuses the spec."""
        from job.outputs import notebook_name, output_object
        from jobspec.container import read_container_spec
        from jobspec.errors import SpecError

        try:
            spec = read_container_spec(self.spec_path.read_bytes())
            if spec.output is None:
                self.outcome.outputs_note = ("none: the spec names no outputFolder, so the "
                                             "executed notebook is not kept")
                return None
            name = output_object(spec.output, run_id, notebook_name(spec.notebook))
        except (SpecError, ValueError):
            self.outcome.outputs_note = ("none: the job container refused the spec "
                                         "(see the job's error)")
            return None
        return spec.output.namespace, spec.output.bucket, name


def first_and_last_line(text: str) -> str:
    """A multi-line message (e.g. "fdk exited with 1: " and the process's stderr, whose last
    line is the error) in one line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    head = lines[0].split("Traceback", 1)[0].rstrip(" :")  # the stack itself says nothing
    return f"{head}: … {lines[-1]}"


def summary(outcome: Outcome, exit_code: int) -> int:
    """The last lines the demo prints, whatever happened; returns ``exit_code``."""
    print("\n== Summary", flush=True)
    if outcome.refused:
        state = f"no run: the function refused the spec ({outcome.refused})"
    elif outcome.state is None:
        state = ("unknown: the demo stopped before it read the run's state" if outcome.run_id
                 else "no run")
    elif outcome.state == outcome.asked:
        state = f"{outcome.state}, as asked"
    else:
        state = f"{outcome.state} (asked for {outcome.asked})"
    print(f"   final state:  {state}")
    if outcome.run_id:
        print(f"   job run:      {short_ocid(outcome.run_id)}")
    if outcome.job_error:
        print(f"   job's error:  {outcome.job_error}")
    if outcome.outputs:
        print("   outputs:      " + "\n                 ".join(outcome.outputs))
    else:
        print(f"   outputs:      {outcome.outputs_note}")
    if outcome.stopped:
        print(f"   demo stopped: {outcome.stopped}")
    print(f"   result:       {'as asked' if outcome.as_asked else 'not as asked'} "
          f"(exit {exit_code}); temporary files removed", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
