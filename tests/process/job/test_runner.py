"""``job.runner.run()`` in-process against the job emulator: every exit code, and what the
stderr lines say (and never say)."""

from __future__ import annotations

import io
import json

import nbformat
import pytest

from job.errors import ExitCode
from job.runner import run
from tests.conftest import JOB_COMPARTMENT, JOB_PROJECT
from tests.support.jobrunner import HttpResponse, Ran

from .conftest import NOTEBOOK, NOTEBOOK_OBJECT, OUTPUT_BUCKET, RUN_OCID

SECRET = "s3cr3t-value-never-printed"


def invoke(env: dict[str, str], **kwargs) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    code = run(env, out=out, err=err, **kwargs)
    return Ran(code, out.getvalue(), err.getvalue())


def notebook(*sources: str, tags: dict[int, list[str]] | None = None) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell_tags in (tags or {}).items():
        nb.cells[index].metadata["tags"] = cell_tags
    return nbformat.writes(nb).encode()


def flat_spec(notebook_url: str, output: str | None = "oci://notebook-output@localns/runs/",
              extra: str = "") -> bytes:
    text = f"noteBook: {notebook_url}\njobName: unit\n"
    if output:
        text += f"outputFolder: {output}\n"
    return (text + extra).encode()


@pytest.fixture
def env(runner_env, job_oci) -> dict[str, str]:
    job_oci.put("specs/run.yaml", flat_spec(job_oci.location(NOTEBOOK_OBJECT),
                                            extra="parameters:\n  repeat: 3\n"))
    return {**runner_env, "NOTEPAD_YAML_URL": job_oci.location("specs/run.yaml"),
            "SOME_TOKEN": SECRET}


def test_success_uploads_the_notebook_and_the_files_it_wrote(env, job_oci):
    result = invoke(env)

    assert result.code == ExitCode.OK, result.err
    assert result.err == ""
    assert sorted(job_oci.objects()) == [f"runs/{RUN_OCID}/hello.ipynb",
                                         f"runs/{RUN_OCID}/result.txt"]
    assert "[cell 3] Hello, world!\n[cell 3] Hello, world!\n[cell 3] Hello, world!" in result.out
    assert "[cell 4] 55.0" in result.out
    assert SECRET not in result.out


def test_the_spec_variable_name_follows_SPEC_ENV_VAR(env, job_oci):
    location = env.pop("NOTEPAD_YAML_URL")
    result = invoke({**env, "SPEC_ENV_VAR": "MY_SPEC", "MY_SPEC": location,
                     "NOTEBOOK_KERNEL": "no-such-kernel"})

    assert result.code == ExitCode.NOTEBOOK_INVALID
    assert result.last == ("job-runner: no Jupyter kernel named no-such-kernel is installed "
                           "(NOTEBOOK_KERNEL)")
    # the unexecuted notebook is still kept, marked failed
    data, _ = job_oci.read(f"runs/{RUN_OCID}/hello.ipynb")
    assert json.loads(data)["metadata"]["oci_jobrun"]["status"] == "failed"


@pytest.mark.parametrize(("change", "message"), [
    ({"NOTEPAD_YAML_URL": None},
     "job-runner: NOTEPAD_YAML_URL is not set: start this job through the launcher function, "
     "or set it to the spec's oci://bucket@namespace/object"),
    ({"NOTEPAD_YAML_URL": "https://objectstorage.us-phoenix-1.oraclecloud.com/p/" + SECRET
      + "/n/localns/b/specs/o/x.yaml"},
     "job-runner: NOTEPAD_YAML_URL is not a spec location: pre-authenticated request URLs are "
     "not accepted: give the object's oci://bucket@namespace/object location and grant the "
     "function read access"),
    ({"JOB_RUN_OCID": None},
     "job-runner: JOB_RUN_OCID is not set (Data Science sets it on every job run)"),
    ({"SPEC_ENV_VAR": "not a name"},
     "job-runner: SPEC_ENV_VAR must be an environment variable name"),
    ({"MAX_NOTEBOOK_BYTES": "lots"},
     "job-runner: MAX_NOTEBOOK_BYTES must be a whole number between 1 and 1073741824"),
])
def test_configuration_problems_exit_3_naming_the_variable(env, change, message):
    for name, value in change.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value

    result = invoke(env)

    assert result.code == ExitCode.CONFIGURATION == 3
    assert result.err == message + "\n"
    assert SECRET not in result.err + result.out


def test_a_missing_resource_principal_is_a_configuration_problem(env, monkeypatch):
    monkeypatch.delenv("OCI_RESOURCE_PRINCIPAL_VERSION")

    result = invoke(env)

    assert result.code == ExitCode.CONFIGURATION
    assert result.last.startswith("job-runner: the job run's resource principal could not be "
                                  "loaded from the OCI_RESOURCE_PRINCIPAL_* variables")


def test_a_missing_spec_is_not_readable(env, job_oci):
    env["NOTEPAD_YAML_URL"] = job_oci.location("specs/missing.yaml")

    result = invoke(env)

    assert result.code == ExitCode.NOT_READABLE == 4
    assert result.last == ("job-runner: the spec oci://specs@localns/specs/missing.yaml does "
                           "not exist or this job run may not read it (404 ObjectNotFound); "
                           "check the job-run dynamic group's policy")


def test_the_spec_is_read_at_the_etag_the_function_read(env, job_oci):
    etag = job_oci.put("specs/run.yaml", flat_spec(job_oci.location(NOTEBOOK_OBJECT)))
    job_oci.put("specs/run.yaml", flat_spec(job_oci.location("notebooks/other.ipynb")))

    result = invoke({**env, "JOB_SPEC_ETAG": etag})

    assert result.code == ExitCode.NOT_READABLE
    assert result.last == ("job-runner: the spec oci://specs@localns/specs/run.yaml changed "
                           "after this run was created (its eTag no longer matches "
                           "JOB_SPEC_ETAG)")


def test_an_invalid_spec_lists_every_problem_like_the_function_does(env, job_oci):
    job_oci.put("specs/run.yaml", b"noteBook: no\njobName: " + SECRET.encode()
                + b"\nlogId: ocid1.log.oc1.phx.x\nparameters:\n  country: NO\n")

    result = invoke(env)

    assert result.code == ExitCode.SPEC_INVALID == 5
    bad_notebook = ("noteBook: expected a string, got boolean (YAML 1.1 reads "
                    "yes/no/on/off/true/false as booleans); quote it")
    assert result.err.splitlines() == [
        f"job-runner: invalid spec: {bad_notebook}",
        "job-runner: invalid spec: logId: needs logGroupId as well",
        "job-runner: invalid spec: parameters.country: is read as a YAML 1.1 bool but is "
        "ambiguous; quote it for a string, or write it plainly (true/false, 10, 1.5)",
        f"job-runner: the spec is invalid: {bad_notebook} (and 2 more)",
    ]
    assert SECRET not in result.err + result.out


def test_container_keys_are_checked_with_the_function_rules(env, job_oci):
    spec = f"""kind: job
spec:
  infrastructure:
    type: dataScienceJob
    spec:
      projectId: {JOB_PROJECT}
      compartmentId: {JOB_COMPARTMENT}
  runtime:
    type: notebook
    spec:
      outputUri: s3://elsewhere
      parameters:
        enabled: on
        class: 1
"""
    job_oci.put("specs/run.yaml", spec.encode())

    result = invoke(env)

    assert result.code == ExitCode.SPEC_INVALID
    assert result.err.splitlines()[:-1] == [
        "job-runner: invalid spec: spec.runtime.spec.notebookPathURI: is required: the "
        "https:// or oci:// URL of the notebook to run",
        "job-runner: invalid spec: spec.runtime.spec.outputUri: expected "
        "oci://bucket@namespace/folder (expected oci://bucket@namespace/prefix)",
        "job-runner: invalid spec: spec.runtime.spec.parameters.enabled: is read as a "
        "YAML 1.1 bool but is ambiguous; quote it for a string, or write it plainly "
        "(true/false, 10, 1.5)",
        "job-runner: invalid spec: spec.runtime.spec.parameters.class: parameter names "
        "must be Python identifiers (letters, digits, _; not a keyword)",
    ]


def test_a_missing_notebook_is_not_readable(env, job_oci):
    job_oci.put("specs/run.yaml", flat_spec(job_oci.location("notebooks/missing.ipynb")))

    result = invoke(env)

    assert result.code == ExitCode.NOT_READABLE
    assert "the notebook oci://specs@localns/notebooks/missing.ipynb does not exist" in result.last


def test_a_file_that_is_not_a_notebook_exits_6(env, job_oci):
    job_oci.put(NOTEBOOK_OBJECT, b"print('I am a script')\n")

    result = invoke(env)

    assert result.code == ExitCode.NOTEBOOK_INVALID == 6
    assert result.last == "job-runner: the notebook is not a valid .ipynb file (NotJSONError)"
    assert job_oci.objects() == []


def test_a_notebook_over_MAX_NOTEBOOK_BYTES_is_refused(env):
    result = invoke({**env, "MAX_NOTEBOOK_BYTES": "100"})

    assert result.code == ExitCode.NOT_READABLE
    assert result.last == ("job-runner: the notebook oci://specs@localns/notebooks/hello.ipynb "
                           "is larger than 100 bytes")


def test_an_https_notebook_is_downloaded_and_shown_without_its_query(env, job_oci):
    url = f"https://raw.githubusercontent.com/example/repo/main/hello.ipynb?token={SECRET}"
    job_oci.put("specs/run.yaml", flat_spec(url, output=None, extra="excludeTags: [skip]\n"))
    asked = []

    def opener(request, timeout):
        asked.append((request.full_url, timeout))
        return HttpResponse(notebook("raise SystemExit('skipped')", "print('downloaded')",
                                 tags={0: ["skip"]}))

    result = invoke(env, opener=opener)

    assert result.code == ExitCode.OK, result.err
    assert asked == [(url, 60)]
    assert ("notebook https://raw.githubusercontent.com/example/repo/main/hello.ipynb (query "
            "not shown)") in result.out
    assert "[cell 2] downloaded" in result.out
    assert "the executed notebook is not kept" in result.out
    assert SECRET not in result.out + result.err
    assert job_oci.objects() == []


def test_a_cell_error_exits_7_after_uploading_the_notebook(env, job_oci):
    job_oci.put(NOTEBOOK_OBJECT, notebook("x = 1", "def fail():\n    raise ValueError('bad "
                                          "input\\nsecond line')\nfail()", "print('never')"))

    result = invoke(env)

    assert result.code == ExitCode.CELL_ERROR == 7
    assert result.last == "job-runner: notebook cell 2 raised ValueError: bad input second line"
    lines = result.err.splitlines()
    assert lines[:4] == ["notebook cell 2 failed; its code:", "    def fail():",
                         "        raise ValueError('bad input\\nsecond line')", "    fail()"]
    assert any(line.startswith("ValueError: bad input") for line in lines)
    assert job_oci.objects() == [f"runs/{RUN_OCID}/hello.ipynb"]


def test_a_cell_that_runs_too_long_times_out(env, job_oci):
    job_oci.put(NOTEBOOK_OBJECT, notebook("import time\ntime.sleep(30)"))

    result = invoke({**env, "NOTEBOOK_CELL_TIMEOUT_SECONDS": "1"})

    assert result.code == ExitCode.CELL_ERROR
    assert result.last == ("job-runner: notebook cell 1 timed out after 1 s "
                           "(NOTEBOOK_CELL_TIMEOUT_SECONDS)")


def test_an_upload_failure_exits_8(env, job_oci):
    job_oci.put("specs/run.yaml", flat_spec(job_oci.location(NOTEBOOK_OBJECT),
                                            output="oci://no-such-bucket@localns/x"))

    result = invoke(env)

    assert result.code == ExitCode.UPLOAD_FAILED == 8
    assert result.last == (f"job-runner: could not upload oci://no-such-bucket@localns/x/"
                           f"{RUN_OCID}/result.txt (404 BucketNotFound); check the job-run "
                           "dynamic group's policy on the output bucket")


def test_a_cell_error_wins_over_an_upload_failure_but_both_are_printed(env, job_oci):
    job_oci.put("specs/run.yaml", flat_spec(job_oci.location(NOTEBOOK_OBJECT),
                                            output="oci://no-such-bucket@localns/x"))
    job_oci.put(NOTEBOOK_OBJECT, notebook("1/0"))

    result = invoke(env)

    assert result.code == ExitCode.CELL_ERROR
    assert result.err.splitlines()[-1] == ("job-runner: notebook cell 1 raised "
                                           "ZeroDivisionError: division by zero")
    assert "job-runner: could not upload oci://no-such-bucket@localns/x/" in result.err


def test_an_unexpected_failure_exits_9_with_its_traceback(env):
    def broken_store(settings):
        raise KeyError("boom")

    result = invoke(env, store_factory=broken_store)

    assert result.code == ExitCode.INTERNAL == 9
    assert "Traceback (most recent call last)" in result.err
    assert result.last == "job-runner: internal error (KeyError); the traceback above says where"


def test_outputs_land_in_the_bucket_named_by_the_spec(env, job_oci):
    # Sanity check of the fixture: the demo notebook is the one shipped in examples/.
    assert job_oci.read(NOTEBOOK_OBJECT, bucket="specs")[0] == NOTEBOOK.read_bytes()
    assert OUTPUT_BUCKET == "notebook-output"
