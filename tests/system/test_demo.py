"""``make demo`` (``python -m demo``): the real execution, and an ending that always says what
happened — no traceback, no raw service error, nothing left behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.docblocks import check
from tests.support.paths import ROOT

MISSING_NOTEBOOK_SPEC = """\
noteBook: oci://specs@localns/notebooks/no-such-notebook.ipynb
jobName: missing-notebook
outputFolder: oci://notebook-output@localns/missing/
"""


def demo(tmp_path: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """The demo with its temporary folder under ``tmp_path/tmp`` (to check it is removed)."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "demo", *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=timeout, check=False,
                           env={**os.environ, "TMPDIR": str(temp)})


def make_demo(tmp_path: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """``make demo DEMO_ARGS="…"`` as the README has it, with this interpreter (``-o``: never
    install the venv from here)."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    checksum = subprocess.run("cksum < requirements/dev.lock.txt", shell=True, cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.split()[0]
    # As typed in a shell: not a sub-make of `make test` (which would print `make[1]:`).
    env = {name: value for name, value in os.environ.items()
           if name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(["make", "-s", "-o", f".venv/.installed-{checksum}", "demo",
                           f"BIN={Path(sys.executable).parent}", f"DEMO_ARGS={' '.join(args)}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          check=False, env={**env, "TMPDIR": str(temp)})


def make_says_the_demo_exited(result: subprocess.CompletedProcess, code: int) -> bool:
    """make exits 2 whatever its command's status; its last line names that status."""
    return bool(re.search(rf"^make: \*\*\* \[Makefile:\d+: demo\] Error {code}$",
                          result.stderr, re.MULTILINE))


def left_behind(tmp_path: Path) -> list[str]:
    """Files under the demo's TMPDIR, and processes whose environment points into it (the
    function and the job runs carry the demo's credential paths)."""
    leftovers = [str(path) for path in (tmp_path / "tmp").iterdir()]
    marker = str(tmp_path).encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker in (proc / "environ").read_bytes():
                leftovers.append(f"process {proc.name}: {(proc / 'cmdline').read_bytes()!r}")
        except OSError:
            continue
    return leftovers


def own_traceback(output: str) -> bool:
    """A traceback of the demo itself: at the start of a line (the job's log, which may show
    a notebook cell's traceback, is quoted with a ``   | `` prefix)."""
    return any(line.startswith("Traceback") for line in output.splitlines())


def assert_clean_ending(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert not own_traceback(output), output
    assert "ServiceError" not in output, output
    assert '"opc-request-id"' not in output, output
    assert "== Summary" in result.stdout, output


@pytest.mark.slow
@pytest.mark.parametrize(("outcome", "expected"), [
    ("SUCCEEDED", ["      > Hello, OCI Data Science!", "      > 55.0",
                   "   | job-runner: succeeded in",
                   "   final state:  SUCCEEDED, as asked",
                   "   outputs:      oci://notebook-output@localns/hello/$JOB_RUN_ID/ (the "
                   "executed notebook hello.ipynb"]),
    ("FAILED", ["FAILED  Job run failed: the job exited with code 7. job-runner: notebook cell 4 "
                "raised ZeroDivisionError: division by zero",
                "      ! ZeroDivisionError: division by zero",
                "   final state:  FAILED, as asked",
                "   job's error:  job-runner: notebook cell 4 raised ZeroDivisionError: "
                "division by zero"]),
], ids=["SUCCEEDED", "FAILED"])
def test_the_demo_executes_the_notebook_and_sums_it_up(outcome, expected, tmp_path):
    result = demo(tmp_path, "--execute", "--outcome", outcome)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "== 7. What the job run did" in result.stdout
    for text in expected:
        assert text in result.stdout, result.stdout
    # A failed run's last lines, read back through the function's logs operation.
    from_logs = re.search(r"^   \| \d{4}-\d\d-\d\dT[\d:.]+Z  job-runner: notebook cell 4 raised "
                          "ZeroDivisionError", result.stdout, re.MULTILINE)
    assert (from_logs is not None) == (outcome == "FAILED"), result.stdout
    assert_clean_ending(result)
    assert result.stdout.rstrip().endswith("result:       as asked (exit 0); temporary files "
                                           "removed")
    assert left_behind(tmp_path) == []
    assert_run_ocid_in_full_once(result.stdout)
    if outcome == "SUCCEEDED":  # the README shows this summary
        summary = result.stdout[result.stdout.index("== Summary"):]
        check("demo-summary", re.sub(r"(ocid1\.datasciencejobrun…)[0-9a-z]{6}", r"\g<1>3e0d10",
                                     summary))


def assert_run_ocid_in_full_once(stdout: str) -> None:
    """The ~110-character run OCID is printed in full once, shortened everywhere else."""
    line = next(line for line in stdout.splitlines() if line.startswith("   export JOB_RUN_ID="))
    run_id = line.split("=", 1)[1]
    assert run_id.startswith("ocid1.datasciencejobrun.")
    assert stdout.count(run_id) == 1
    assert f"   job run:      ocid1.datasciencejobrun…{run_id[-6:]}" in stdout


@pytest.mark.slow
def test_the_demo_runs_the_ads_dialect_example_too(tmp_path):
    result = demo(tmp_path, "--execute", "--spec", str(ROOT / "examples/specs/hello-ads.yaml"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert '"displayName": "hello-ads"' in result.stdout  # spec.name's ${VAR}, substituted
    assert "      > Hello, ADS!" in result.stdout
    assert ("   outputs:      oci://notebook-output@localns/hello-ads/$JOB_RUN_ID/"
            in result.stdout)
    assert_clean_ending(result)
    assert left_behind(tmp_path) == []


@pytest.mark.slow
def test_a_missing_notebook_ends_in_a_summary_not_a_service_error(tmp_path):
    spec = tmp_path / "missing.yaml"
    spec.write_text(MISSING_NOTEBOOK_SPEC)

    result = demo(tmp_path, "--execute", "--spec", str(spec))

    assert result.returncode == 1, result.stdout + result.stderr
    assert_clean_ending(result)
    assert "   final state:  FAILED (asked for SUCCEEDED)" in result.stdout
    assert ("   job's error:  job-runner: the notebook oci://specs@localns/notebooks/"
            "no-such-notebook.ipynb does not exist") in result.stdout
    assert ("   outputs:      none: the job uploaded no executed notebook to "
            "oci://notebook-output@localns/missing/$JOB_RUN_ID/") in result.stdout
    assert left_behind(tmp_path) == []


@pytest.mark.slow
def test_a_failure_that_was_asked_for_exits_0(tmp_path):
    spec = tmp_path / "missing.yaml"
    spec.write_text(MISSING_NOTEBOOK_SPEC)

    result = demo(tmp_path, "--execute", "--spec", str(spec), "--outcome", "FAILED")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "   final state:  FAILED, as asked" in result.stdout


@pytest.mark.slow
def test_a_spec_the_function_refuses_ends_in_a_summary(tmp_path):
    spec = tmp_path / "typo.yaml"
    spec.write_text("noteBook: oci://specs@localns/notebooks/hello.ipynb\n"
                    "projectId: my-project\n")

    result = make_demo(tmp_path, "--no-execute", "--spec", str(spec))

    assert result.returncode == 2, result.stdout + result.stderr  # make's own status
    assert make_says_the_demo_exited(result, 1), result.stderr
    assert result.stdout.rstrip().endswith("(exit 1); temporary files removed")
    assert_clean_ending(result)
    assert ("   final state:  no run: the function refused the spec (InvalidSpec: "
            in result.stdout), result.stdout
    assert '"field": "projectId"' in result.stdout
    assert "   outputs:      none: the run was not created" in result.stdout
    assert left_behind(tmp_path) == []


@pytest.mark.slow
def test_without_execution_the_summary_says_there_are_no_outputs(tmp_path):
    result = demo(tmp_path, "--no-execute", "--run-seconds", "0.5")

    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean_ending(result)
    assert "   final state:  SUCCEEDED, as asked" in result.stdout
    assert "   outputs:      none: with --no-execute no job runs" in result.stdout
    assert left_behind(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_while_the_job_runs_leaves_nothing_behind(signum, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "demo", "--execute"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "TMPDIR": str(temp)})
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + 120
    for line in process.stdout:  # until the run exists and is being followed
        seen.append(line)
        if line.startswith("== 6.") or time.monotonic() > deadline:
            break
    time.sleep(1.5)
    process.send_signal(signum)
    rest, _ = process.communicate(timeout=60)
    output = "".join(seen) + rest

    assert process.returncode == 128 + signum, output
    assert not own_traceback(output), output
    assert f"   demo stopped: interrupted ({signal.Signals(signum).name})" in output
    assert left_behind(tmp_path) == []


def test_a_spec_file_that_does_not_exist_is_named(tmp_path):
    result = demo(tmp_path, "--spec", "specs/nightly.yaml", timeout=30)

    assert result.returncode == 2
    assert "the spec file specs/nightly.yaml does not exist" in result.stderr
    assert not own_traceback(result.stderr)


@pytest.mark.slow
def test_the_demo_runs_the_python_runtime_example_to_an_uploaded_output_file(tmp_path):
    result = demo(tmp_path, "--execute", "--spec", str(ROOT / "examples/specs/hello-python.yaml"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "   | job-runner: running the script hello.py with 1 argument(s)" in result.stdout
    assert "   greeting.txt:\n      > Hello, Python!\n      > Hello, Python!\n" in result.stdout
    assert ("   outputs:      oci://notebook-output@localns/hello-python/$JOB_RUN_ID/ (1 file(s) "
            "from outputDir out)") in result.stdout
    assert_clean_ending(result)
    assert left_behind(tmp_path) == []


def test_make_demo_exits_0_or_2_and_names_the_demos_own_status(tmp_path):
    result = make_demo(tmp_path, "--spec", "specs/nightly.yaml", timeout=30)

    assert result.returncode == 2
    assert "the spec file specs/nightly.yaml does not exist" in result.stderr
    assert make_says_the_demo_exited(result, 2), result.stderr


def test_the_demos_help_is_plain_text():
    result = subprocess.run([sys.executable, "-m", "demo", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30, check=False)

    assert result.returncode == 0
    assert "``" not in result.stdout
    assert "(python -m job.runner)" in result.stdout
