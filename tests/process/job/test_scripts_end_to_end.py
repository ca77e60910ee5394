"""Python and script runtimes through the whole pipeline: spec and code uploaded → the
function (fdk process) → the emulator → the job run as a process of the BYOC entrypoint →
the code's outputs in the bucket, or a FAILED run whose details say why."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.archives import tar_of, zip_bomb, zip_of

from .test_end_to_end import launch
from .test_scripts import ads_spec

OUTPUT = "oci://notebook-output@localns/code/"


def put_code(job_oci, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        job_oci.put(name, content.encode() if isinstance(content, str) else content)


def test_a_python_folder_runs_its_function_and_uploads_its_output_dir(job_fn, job_oci):
    put_code(job_oci, {
        "code/etl/jobs/main.py": "from shared import greet\n"
                                 "def run(day, region=None):\n"
                                 "    text = greet(day, region)\n"
                                 "    print(text)\n"
                                 "    import os; os.makedirs('results/sub', exist_ok=True)\n"
                                 "    open('results/sub/report.csv', 'w').write(text)\n",
        "code/etl/lib/shared.py": "def greet(day, region):\n"
                                  "    return f'report for {day} in {region}'\n",
    })
    spec = ads_spec("python", f"""
scriptPathURI: {job_oci.location("code/etl/")}
workingDir: etl
entrypoint: jobs/main.py
entryFunction: run
pythonPath: [lib]
args: ['2026-11-30', --region, emea]
outputDir: results
outputUri: {OUTPUT}
""")
    run_id, _ = launch(job_fn, job_oci, "etl.yaml", spec)

    run = job_oci.wait(run_id)

    log = job_oci.executor.log(run_id)
    assert run["lifecycleState"] == "SUCCEEDED", log
    assert "report for 2026-11-30 in emea" in log.stdout
    assert job_oci.objects() == [f"code/{run_id}/sub/report.csv"]
    assert job_oci.read(f"code/{run_id}/sub/report.csv")[0] == b"report for 2026-11-30 in emea"


def test_a_shell_script_in_an_archive_sees_the_runs_env(job_fn, job_oci):
    put_code(job_oci, {"code/tools.tar.gz": tar_of(
        {"tools/nightly.sh": 'echo "mode=$MODE args=$*"\n'})})
    spec = ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/tools.tar.gz")}
entrypoint: tools/nightly.sh
args: [--since, '2026-11-01']
""", env="      env:\n        MODE: full\n")
    run_id, _ = launch(job_fn, job_oci, "nightly.yaml", spec)

    run = job_oci.wait(run_id)

    log = job_oci.executor.log(run_id)
    assert run["lifecycleState"] == "SUCCEEDED", log
    assert "mode=full args=--since 2026-11-01" in log.stdout


def test_a_failing_script_fails_the_run_with_its_last_error_line(job_fn, job_oci):
    put_code(job_oci, {"code/check.py": "import sys\nsys.exit('no rows for 2026-11-30')\n"})
    spec = ads_spec("python", f"scriptPathURI: {job_oci.location('code/check.py')}")
    run_id, _ = launch(job_fn, job_oci, "check.yaml", spec)

    run = job_oci.wait(run_id)

    assert run["lifecycleState"] == "FAILED"
    assert run["lifecycleDetails"] == ("Job run failed: the job exited with code 7. job-runner: "
                                       "the script check.py failed with exit code 1: no rows "
                                       "for 2026-11-30")


def test_a_missing_entrypoint_fails_the_run_naming_it(job_fn, job_oci):
    put_code(job_oci, {"code/tool.zip": zip_of({"tool/run.sh": "echo never\n"})})
    spec = ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/tool.zip")}
entrypoint: tool/main.sh
""")
    run_id, _ = launch(job_fn, job_oci, "tool.yaml", spec)

    run = job_oci.wait(run_id)

    assert run["lifecycleState"] == "FAILED"
    assert run["lifecycleDetails"].startswith(
        "Job run failed: the job exited with code 6. job-runner: the entrypoint tool/main.sh "
        "(spec.runtime.spec.entrypoint) is not a file in the code folder; it holds tool/run.sh")
    assert "never" not in job_oci.executor.log(run_id).stdout


@pytest.mark.parametrize("archive, refusal", [
    (zip_of({"tool/main.py": "print('ran')", "../../outside.py": "x"}),
     "member '../../outside.py' points outside the code folder"),
    (tar_of({"tool/main.py": "print('ran')"}, symlinks={"tool/key": "/home/user/.ssh/id_rsa"}),
     "symlink 'tool/key' points outside the code folder"),
    (zip_bomb(), "unpacks to more than 1073741824 bytes (at member 'ok/zeros-15'); refused "
                 "as a possible zip bomb"),
], ids=["writes-outside", "symlink-out", "zip-bomb"])
def test_a_hostile_archive_fails_the_run_before_anything_runs(job_fn, job_oci, archive,
                                                              refusal):
    name = "code/hostile.zip" if archive.startswith(b"PK") else "code/hostile.tar.gz"
    put_code(job_oci, {name: archive})
    spec = ads_spec("python", f"""
scriptPathURI: {job_oci.location(name)}
entrypoint: tool/main.py
""")
    run_id, _ = launch(job_fn, job_oci, "hostile.yaml", spec)

    run = job_oci.wait(run_id)

    assert run["lifecycleState"] == "FAILED"
    assert "exited with code 6" in run["lifecycleDetails"]
    assert refusal in job_oci.executor.log(run_id).stderr.splitlines()[-1]
    assert "ran" not in job_oci.executor.log(run_id).stdout


def test_canceling_a_script_run_kills_the_script_too(job_fn, job_oci):
    put_code(job_oci, {"code/slow.py": "import os, time\n"
                                       "print('pid', os.getpid(), flush=True)\n"
                                       "time.sleep(120)\n"})
    spec = ads_spec("python", f"scriptPathURI: {job_oci.location('code/slow.py')}")
    run_id, _ = launch(job_fn, job_oci, "slow.yaml", spec)
    job_oci.wait_output(run_id, "pid ")
    pid = int(job_oci.executor.log(run_id).stdout.split("pid ", 1)[1].split()[0])

    answer = job_fn.invoke({"operation": "cancel", "jobRunId": run_id}).json()

    assert answer["ok"] is True
    assert job_oci.wait(run_id)["lifecycleState"] == "CANCELED"
    assert job_oci.executor.log(run_id).stderr.splitlines()[-1].startswith(
        "job-runner: canceled (SIGTERM)")
    assert not script_alive(pid)


def script_alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its reaper does not count)."""
    for _ in range(50):  # the reaper may need a moment; bounded
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state == "Z":
            return False
        time.sleep(0.1)
    return True
