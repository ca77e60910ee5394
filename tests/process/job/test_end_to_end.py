"""The whole pipeline: spec upload → the function (fdk process) → Data Science (emulator) →
the job run as a process of the BYOC entrypoint → notebook executed → outputs in the bucket."""

from __future__ import annotations

import json

import nbformat

from tests.conftest import JOB_COMPARTMENT, JOB_PROJECT

from .conftest import NOTEBOOK_OBJECT, ROOT

EXAMPLES = ROOT / "examples/specs"


def launch(fn, job_oci, spec_name: str, spec: bytes, **request) -> tuple[str, str]:
    etag = job_oci.put(f"notebooks/{spec_name}", spec)
    answer = fn.invoke({"specLocation": job_oci.location(f"notebooks/{spec_name}"), **request})
    body = answer.json()
    assert body["ok"] is True, body
    return body["jobRunId"], etag


def code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def stream_text(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs
                   if output.output_type == "stream")


def test_a_tiny_notebook_runs_end_to_end(job_fn, job_oci):
    run_id, etag = launch(job_fn, job_oci, "hello.yaml", (EXAMPLES / "hello.yaml").read_bytes())

    run = job_oci.wait(run_id)

    log = job_oci.executor.log(run_id)
    assert run["lifecycleState"] == "SUCCEEDED", log
    assert log.returncode == 0 and log.stderr == ""
    env = run["createBody"]["jobConfigurationOverrideDetails"]["environmentVariables"]
    assert env["NOTEPAD_YAML_URL"] == job_oci.location("notebooks/hello.yaml")
    assert env["JOB_SPEC_ETAG"] == etag
    assert f"at eTag {etag}" in log.stdout

    folder = f"hello/{run_id}/"
    assert sorted(job_oci.objects()) == [folder + "hello.ipynb", folder + "result.txt"]
    data, content_type = job_oci.read(folder + "hello.ipynb")
    assert content_type == "application/x-ipynb+json"
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    nbformat.validate(nb)
    cells = code_cells(nb)
    assert [cell.execution_count for cell in cells] == [1, 2, 3, 4, 5]
    injected = cells[1]
    assert injected.metadata.tags == ["injected-parameters"]
    assert injected.source == "# Parameters\nname = 'OCI Data Science'\nrepeat = 2\n"
    assert stream_text(cells[2]) == ("Hello, OCI Data Science!\nHello, OCI Data Science!\n"
                                     f"job run: {run_id}\n")
    assert cells[3].outputs[0]["data"]["text/plain"] == "55.0"
    assert nb.metadata["oci_jobrun"] == {"job_run_ocid": run_id, "status": "succeeded",
                                         "spec": job_oci.location("notebooks/hello.yaml")}
    assert job_oci.read(folder + "result.txt")[0] == b"55.0\n"


def test_a_cell_error_fails_the_run_with_a_readable_message(job_fn, job_oci):
    spec = (EXAMPLES / "hello-fails.yaml").read_bytes()
    run_id, _ = launch(job_fn, job_oci, "hello-fails.yaml", spec)

    run = job_oci.wait(run_id)

    assert run["lifecycleState"] == "FAILED"
    assert run["lifecycleDetails"] == ("Job run failed: the job exited with code 7. job-runner: "
                                       "notebook cell 4 raised ZeroDivisionError: division by "
                                       "zero")
    status = job_fn.invoke({"operation": "status", "jobRunId": run_id}).json()
    assert status["lifecycleState"] == "FAILED" and status["terminal"] is True
    assert "notebook cell 4 raised ZeroDivisionError" in status["lifecycleDetails"]

    stderr = job_oci.executor.log(run_id).stderr.splitlines()
    assert stderr[0] == "notebook cell 4 failed; its code:"
    assert "    result = total / divide_by" in stderr
    assert "ZeroDivisionError: division by zero" in stderr
    assert stderr[-1] == "job-runner: notebook cell 4 raised ZeroDivisionError: division by zero"

    # The executed notebook is kept, with the traceback, for whoever investigates.
    data, _ = job_oci.read(f"hello/{run_id}/hello.ipynb")
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    failed, after = code_cells(nb)[3], code_cells(nb)[4]
    assert failed.outputs[-1]["output_type"] == "error"
    assert failed.outputs[-1]["ename"] == "ZeroDivisionError"
    assert after.execution_count is None and after.outputs == []
    assert nb.metadata["oci_jobrun"]["status"] == "failed"


def test_an_ads_job_yaml_passes_its_env_and_the_request_env_to_the_notebook(job_fn, job_oci):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("threshold = 1"),
                nbformat.v4.new_code_cell("raise RuntimeError('exploration only')"),
                nbformat.v4.new_code_cell(
                    "import os\nprint(os.environ['GREETINGS'], os.environ['RUN_DATE'], "
                    "threshold)")]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.cells[1].metadata["tags"] = ["ignore"]
    job_oci.put("notebooks/env.ipynb", nbformat.writes(nb).encode())
    spec = f"""
kind: job
spec:
  name: env-check
  infrastructure:
    kind: infrastructure
    type: dataScienceJob
    spec:
      projectId: {JOB_PROJECT}
      compartmentId: {JOB_COMPARTMENT}
  runtime:
    kind: runtime
    type: notebook
    spec:
      env:
      - name: GREETINGS
        value: Welcome to OCI Data Science
      excludeTags: [ignore]
      notebookPathURI: {job_oci.location("notebooks/env.ipynb")}
      outputUri: oci://notebook-output@localns/ads
      parameters:
        threshold: 0.75
""".encode()
    run_id, _ = launch(job_fn, job_oci, "ads.yaml", spec,
                       environmentVariables={"RUN_DATE": "2026-11-24"})

    run = job_oci.wait(run_id)

    assert run["lifecycleState"] == "SUCCEEDED", job_oci.executor.log(run_id)
    data, _ = job_oci.read(f"ads/{run_id}/env.ipynb")
    executed = nbformat.reads(data.decode("utf-8"), as_version=4)
    assert [cell.source for cell in executed.cells][1] == "# Parameters\nthreshold = 0.75\n"
    assert len(executed.cells) == 3  # the "ignore" cell was left out
    assert stream_text(executed.cells[2]) == "Welcome to OCI Data Science 2026-11-24 0.75\n"


def test_canceling_the_run_stops_the_job_process(job_fn, job_oci):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import time\nprint('sleeping', flush=True)\n"
                                          "time.sleep(120)")]
    job_oci.put(NOTEBOOK_OBJECT, nbformat.writes(nb).encode())
    spec = (b"noteBook: " + job_oci.location(NOTEBOOK_OBJECT).encode()
            + b"\noutputFolder: oci://notebook-output@localns/slow/\n")
    run_id, _ = launch(job_fn, job_oci, "slow.yaml", spec)
    job_oci.wait_state(run_id, "IN_PROGRESS")
    job_oci.wait_output(run_id, "[cell 1] sleeping")

    answer = job_fn.invoke({"operation": "cancel", "jobRunId": run_id}).json()

    assert answer["ok"] is True and answer["lifecycleState"] in ("CANCELING", "CANCELED")
    assert job_oci.executor.wait(run_id, timeout=10) != 0
    assert job_oci.wait(run_id)["lifecycleState"] == "CANCELED"
    assert job_oci.executor.log(run_id).stderr.splitlines()[-1].startswith(
        "job-runner: canceled (SIGTERM)")
    assert json.dumps(job_oci.objects()).count("slow/") == 0
