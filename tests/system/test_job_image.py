"""The job image as Data Science runs it: its own ENTRYPOINT and user, the run's environment
and resource principal, for runs the function image creates, against the local emulator."""

from __future__ import annotations

import json

import nbformat
import pytest

from tests.process.job.conftest import ROOT

from .conftest import secrets_of

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
EXAMPLES = ROOT / "examples/specs"
RUN_TIMEOUT = 180.0  # a container start and a kernel on a loaded 2-core machine


def launch(fn, job_oci, spec_name: str) -> str:
    job_oci.put(f"notebooks/{spec_name}", (EXAMPLES / spec_name).read_bytes())
    answer = fn.invoke({"specLocation": job_oci.location(f"notebooks/{spec_name}")})
    body = answer.json()
    assert body["ok"] is True, body
    return str(body["jobRunId"])


def test_a_notebook_runs_to_an_uploaded_executed_notebook(image_job_fn, image_job_oci,
                                                          image_job_rp_env, rp_env):
    run_id = launch(image_job_fn, image_job_oci, "hello.yaml")

    run = image_job_oci.wait(run_id, timeout=RUN_TIMEOUT)

    log = image_job_oci.executor.log(run_id)
    assert run["lifecycleState"] == "SUCCEEDED", log
    folder = f"hello/{run_id}/"
    assert sorted(image_job_oci.objects()) == [folder + "hello.ipynb", folder + "result.txt"]
    data, content_type = image_job_oci.read(folder + "hello.ipynb")
    assert content_type == "application/x-ipynb+json"
    notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    outputs = "".join(output.get("text", "") for cell in notebook.cells
                      if cell.cell_type == "code" for output in cell.outputs)
    assert f"Hello, OCI Data Science!\nHello, OCI Data Science!\njob run: {run_id}\n" in outputs
    assert image_job_oci.read(folder + "result.txt")[0] == b"55.0\n"
    for secret in secrets_of(image_job_rp_env) + secrets_of(rp_env):
        assert secret not in log.stdout + log.stderr
        assert secret not in image_job_fn.stderr()


def test_a_failing_cell_exits_non_zero_naming_the_error(image_job_fn, image_job_oci,
                                                        image_job_rp_env):
    run_id = launch(image_job_fn, image_job_oci, "hello-fails.yaml")

    run = image_job_oci.wait(run_id, timeout=RUN_TIMEOUT)

    log = image_job_oci.executor.log(run_id)
    assert run["lifecycleState"] == "FAILED"
    assert log.returncode == 7
    assert log.stderr.splitlines()[-1] == ("job-runner: notebook cell 4 raised "
                                           "ZeroDivisionError: division by zero")
    assert "notebook cell 4 raised ZeroDivisionError" in run["lifecycleDetails"]
    # the executed notebook is uploaded even after a cell error
    assert f"hello/{run_id}/hello.ipynb" in image_job_oci.objects()
    for secret in secrets_of(image_job_rp_env):
        assert secret not in log.stdout + log.stderr


def test_it_runs_as_a_non_root_user(engine, images):
    user = engine.inspect(images["job"], "{{.Config.User}}")
    entrypoint = json.loads(engine.inspect(images["job"], "{{json .Config.Entrypoint}}"))
    # the runs above start the image as it is (no --user): this is the user they ran as
    done = engine.run("run", "--rm", "--network", "none", *engine.limits(),
                      "--entrypoint", "python", images["job"], "-c",
                      "import os; print(os.getuid(), os.getgid(), os.environ['HOME'])")

    assert user == "1000:1000"
    assert entrypoint == ["python", "-m", "job.runner"]
    assert done.stdout.decode().split() == ["1000", "1000", "/home/datascience"]
