"""``localoci.jobprocess.ProcessExecutor`` with stand-in commands: the state mapping, the
environment a run gets, cancel, and failures to start."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

import pytest

from localoci.executors import RunInfo
from localoci.jobprocess import ProcessExecutor, failure_details, last_line

CREDENTIALS = {"OCI_RESOURCE_PRINCIPAL_VERSION": "2.2",
               "OCI_RESOURCE_PRINCIPAL_RPST": "/creds/rpst"}


def info(number: int = 1) -> RunInfo:
    return RunInfo(f"ocid1.datasciencejobrun.oc1.phx.run{number}", {}, {}, datetime.now(UTC))


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


@pytest.fixture
def make(tmp_path):
    made = []

    def build(code: str, **kwargs) -> ProcessExecutor:
        kwargs.setdefault("accepted_seconds", 0.0)
        executor = ProcessExecutor(CREDENTIALS, command=python(code), cwd=tmp_path,
                                   work_dir=tmp_path / f"runs{len(made)}", **kwargs)
        made.append(executor)
        return executor

    yield build
    for executor in made:
        executor.close()


def finish(executor: ProcessExecutor, run: RunInfo):
    executor.wait(run.id, timeout=20)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        progress = executor.poll(run)
        if progress.state in ("SUCCEEDED", "FAILED"):
            return progress
        time.sleep(0.01)
    raise AssertionError("no terminal state")


def test_exit_0_is_succeeded_with_start_and_finish_times(make):
    executor, run = make("print('ok')"), info()
    executor.start(run, {})
    progress = finish(executor, run)
    assert (progress.state, progress.details) == ("SUCCEEDED", None)
    assert progress.time_started <= progress.time_finished
    assert executor.log(run.id).stdout == "ok\n"
    assert executor.poll(run) is executor.poll(run)  # terminal answers stay the same


def test_a_non_zero_exit_is_failed_with_the_last_stderr_line(make):
    executor, run = make("import sys\nprint('detail', file=sys.stderr)\n"
                         "print('job-runner: the summary', file=sys.stderr)\nsys.exit(7)"), info()
    executor.start(run, {})
    progress = finish(executor, run)
    assert progress.state == "FAILED"
    assert progress.details == ("Job run failed: the job exited with code 7. "
                                "job-runner: the summary")


def test_a_running_process_is_accepted_then_in_progress(make):
    executor, run = make("import time\ntime.sleep(30)", accepted_seconds=0.3), info()
    executor.start(run, {})
    assert executor.poll(run).state == "ACCEPTED"
    time.sleep(0.35)
    progress = executor.poll(run)
    assert progress.state == "IN_PROGRESS" and progress.time_started is not None
    executor.cancel(run)
    assert executor.wait(run.id, timeout=10) == -15


def test_cancel_escalates_to_sigkill(make):
    executor = make("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                    "print('ready', flush=True)\ntime.sleep(30)", kill_after=0.3)
    run = info()
    executor.start(run, {})
    end = time.monotonic() + 10
    while "ready" not in executor.log(run.id).stdout and time.monotonic() < end:
        time.sleep(0.02)
    executor.cancel(run)
    assert executor.wait(run.id, timeout=10) == -9
    assert executor.poll(run).details == "Job run failed: the job was killed by SIGKILL."


def test_the_run_gets_its_env_as_given_and_the_credentials(make, monkeypatch):
    monkeypatch.setenv("SECRET_OF_THE_TESTS", "the emulator's own")
    code = ("import json, os\nprint(json.dumps({k: os.environ.get(k) for k in "
            "['NOTEPAD_YAML_URL', 'OCI_OBJECT_STORAGE_ENDPOINT', 'OCI_RESOURCE_PRINCIPAL_RPST', "
            "'OCI_RESOURCE_PRINCIPAL_VERSION', 'HOME', 'PYTHONPATH', 'SECRET_OF_THE_TESTS']}))")
    executor, run = make(code), info()
    executor.start(run, {"NOTEPAD_YAML_URL": "oci://b@ns/s.yaml",
                         "OCI_RESOURCE_PRINCIPAL_RPST": "run env can't replace credentials",
                         "OCI_OBJECT_STORAGE_ENDPOINT": "https://from.the.jobs.config"})
    assert finish(executor, run).state == "SUCCEEDED"
    seen = json.loads(executor.log(run.id).stdout)
    assert seen["NOTEPAD_YAML_URL"] == "oci://b@ns/s.yaml"
    # Nothing is forced over the environment Data Science merged (job's, then run's).
    assert seen["OCI_OBJECT_STORAGE_ENDPOINT"] == "https://from.the.jobs.config"
    assert seen["OCI_RESOURCE_PRINCIPAL_RPST"] == "/creds/rpst"
    assert seen["OCI_RESOURCE_PRINCIPAL_VERSION"] == "2.2"
    assert seen["HOME"].endswith("/run-1/home") and seen["PYTHONPATH"]
    assert seen["SECRET_OF_THE_TESTS"] is None  # the emulator's own environment stays out


def test_a_command_that_cannot_start_fails_the_run(tmp_path):
    executor = ProcessExecutor(CREDENTIALS, command=[str(tmp_path / "missing")],
                               work_dir=tmp_path / "runs")
    run = info()
    executor.start(run, {})
    assert executor.poll(run).details == ("Job run failed: the job could not be started "
                                          "(FileNotFoundError).")
    executor.close()


def test_an_unknown_run_is_failed():
    with ProcessExecutor(CREDENTIALS) as executor:
        assert executor.poll(info(9)).state == "FAILED"


def test_a_temporary_work_dir_is_made_on_first_use_and_removed_on_close():
    executor = ProcessExecutor(CREDENTIALS, command=python("print('ok')"))
    run = info()
    executor.start(run, {})
    folder = executor.work_dir
    assert finish(executor, run).state == "SUCCEEDED"
    executor.close()
    assert not folder.exists()


def test_close_stops_what_still_runs(make):
    executor, run = make("import time\ntime.sleep(30)"), info()
    executor.start(run, {})
    executor.close()
    assert executor.wait(run.id, timeout=1) == -15


def test_failure_details_are_truncated():
    details = failure_details(3, "x\n" + "y" * 1000 + "\n\n")
    assert len(details) == 400 and details.endswith("…")
    assert details.startswith("Job run failed: the job exited with code 3. yyy")
    assert last_line("a\nb\n  \n") == "b"
    assert failure_details(1, "") == "Job run failed: the job exited with code 1."


def test_provisioning_keeps_the_run_accepted_before_its_process_starts(make, tmp_path):
    marker = tmp_path / "started"
    executor, run = make(f"open({str(marker)!r}, 'w').close()", provisioning_seconds=0.5), info()
    executor.start(run, {})
    assert executor.poll(run).state == "ACCEPTED"
    assert not marker.exists()
    time.sleep(0.8)
    assert finish(executor, run).state == "SUCCEEDED"
    assert marker.exists()


def test_a_run_canceled_while_provisioning_never_starts(make, tmp_path):
    marker = tmp_path / "started"
    executor, run = make(f"open({str(marker)!r}, 'w').close()", provisioning_seconds=0.3), info()
    executor.start(run, {})
    executor.cancel(run)
    time.sleep(0.6)
    assert not marker.exists()
    assert executor.wait(run.id) is None
