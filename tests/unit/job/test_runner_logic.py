"""The job container's runner in-process, without a kernel or OCI: ``job.runner.run()`` with
an in-memory object store, a stand-in for the notebook's execution and a fake clock. What
only a real kernel and the emulator show stays in test_runner.py and test_end_to_end.py."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from job import runner
from job.errors import PREFIX, CellFailed, ExitCode, NotebookProblem, NotReadable, UploadFailed
from job.settings import RunnerSettings
from ocirefs.locations import SpecLocation, parse_location
from tests.support.jobrunner import HttpResponse, Ran

RUN_OCID = "ocid1.datasciencejobrun.oc1.phx.amaaaaaalogicrun"
SPEC_URI = "oci://specs@ns/team/daily.yaml"
NOTEBOOK_URI = "oci://specs@ns/notebooks/report.ipynb"
OUTPUT = "oci://out@ns/runs/"


class MemoryStore:
    """Objects by oci:// URI, with eTags; records what is written."""

    def __init__(self, objects: dict[str, bytes], fail_writes: bool = False) -> None:
        self.objects = objects
        self.reads: list[tuple[str, str | None]] = []
        self.written: dict[str, tuple[bytes, str]] = {}
        self.fail_writes = fail_writes

    def read(self, location: SpecLocation, *, max_bytes: int, what: str,
             if_match: str | None = None) -> tuple[bytes, str]:
        self.reads.append((location.uri, if_match))
        if location.uri not in self.objects:
            raise NotReadable(f"the {what} {location.uri} does not exist")
        return self.objects[location.uri], "etag-1"

    def write(self, namespace: str, bucket: str, name: str, data: bytes,
              content_type: str) -> None:
        if self.fail_writes:
            raise UploadFailed(f"could not upload oci://{bucket}@{namespace}/{name}")
        self.written[f"oci://{bucket}@{namespace}/{name}"] = (data, content_type)


class Clock:
    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def notebook_bytes(*sources: str, tags: dict[int, list[str]] | None = None) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell_tags in (tags or {}).items():
        nb.cells[index].metadata["tags"] = cell_tags
    return nbformat.writes(nb).encode()


def spec(extra: str = "", output: str | None = OUTPUT, notebook: str = NOTEBOOK_URI) -> bytes:
    text = f"noteBook: {notebook}\njobName: unit\n"
    if output:
        text += f"outputFolder: {output}\n"
    return (text + extra).encode()


class Execution:
    """Stands in for notebook.execute: records its arguments, writes files, may fail."""

    def __init__(self, files: dict[str, bytes] | None = None,
                 raises: Exception | None = None) -> None:
        self.files = files or {}
        self.raises = raises
        self.calls: list[dict[str, object]] = []

    def __call__(self, prepared, workdir: Path, runtime_dir: Path, *, kernel_name: str,
                 cell_timeout: int | None, out) -> None:
        self.calls.append({"cells": [c.source for c in prepared.nb.cells], "workdir": workdir,
                           "runtime_dir": runtime_dir, "kernel": kernel_name,
                           "timeout": cell_timeout})
        assert workdir.is_dir() and list(workdir.iterdir()) == []  # an empty folder
        for name, data in self.files.items():
            (workdir / name).parent.mkdir(parents=True, exist_ok=True)
            (workdir / name).write_bytes(data)
        if self.raises is not None:
            raise self.raises


@dataclass(frozen=True)
class Result(Ran):
    store: MemoryStore

    def executed(self, name: str = "report.ipynb"):
        data, content_type = self.store.written[f"oci://out@ns/runs/{RUN_OCID}/{name}"]
        assert content_type == "application/x-ipynb+json"
        return nbformat.reads(data.decode(), as_version=4)


def invoke(spec_data: bytes | None = None, *, execution: Execution | None = None,
           env: dict[str, str] | None = None, store: MemoryStore | None = None,
           nb: bytes | None = None, clock: Clock | None = None, **kwargs) -> Result:
    if store is None:
        store = MemoryStore({SPEC_URI: spec() if spec_data is None else spec_data,
                             NOTEBOOK_URI: nb or notebook_bytes("print(1)")})
    out, err = io.StringIO(), io.StringIO()
    code = runner.run({"NOTEPAD_YAML_URL": SPEC_URI, "JOB_RUN_OCID": RUN_OCID, **(env or {})},
                      out=out, err=err, store_factory=lambda settings: store,
                      execute=execution or Execution(), clock=clock or Clock(100.0, 102.5),
                      **kwargs)
    return Result(code, out.getvalue(), err.getvalue(), store)


def test_a_run_uploads_the_executed_notebook_and_the_files_it_wrote():
    execution = Execution(files={"chart.png": b"png", "data/table.csv": b"a,b"})
    result = invoke(execution=execution, env={"NOTEBOOK_KERNEL": "python3",
                                              "NOTEBOOK_CELL_TIMEOUT_SECONDS": "60"})
    assert (result.code, result.err) == (ExitCode.OK, "")
    written = result.store.written
    folder = f"oci://out@ns/runs/{RUN_OCID}/"
    assert sorted(written) == [folder + "chart.png", folder + "data/table.csv",
                               folder + "report.ipynb"]
    assert written[folder + "chart.png"] == (b"png", "image/png")
    assert written[folder + "data/table.csv"] == (b"a,b", "text/csv")
    assert result.executed().metadata["oci_jobrun"] == {
        "job_run_ocid": RUN_OCID, "spec": SPEC_URI, "status": "succeeded"}
    [call] = execution.calls
    assert (call["kernel"], call["timeout"]) == ("python3", 60)
    assert call["runtime_dir"] == call["workdir"].parent / "kernel"
    assert not call["workdir"].exists()  # the workspace is removed after the run
    assert call["workdir"].parent.name.startswith("job-runner-")  # named for what made it
    lines = result.out.splitlines()
    assert lines[0] == f"{PREFIX}job run {RUN_OCID}: reading the spec {SPEC_URI}"
    assert lines[1] == (f"{PREFIX}the spec is valid (flat dialect); notebook {NOTEBOOK_URI}, "
                        "0 parameter(s)")
    assert lines[2] == f"{PREFIX}executing 1 cells with the python3 kernel"
    assert lines[3] == (f"{PREFIX}uploaded the executed notebook {folder}report.ipynb and 2 "
                        f"file(s) the notebook wrote (folder {folder})")
    assert lines[4] == f"{PREFIX}succeeded in 2.5 s"  # from the injected clock


def test_the_spec_is_read_at_the_etag_the_function_read():
    result = invoke(env={"JOB_SPEC_ETAG": "etag-1"})
    assert result.store.reads[0] == (SPEC_URI, "etag-1")
    assert result.store.reads[1] == (NOTEBOOK_URI, None)
    assert result.out.splitlines()[0].endswith(f"reading the spec {SPEC_URI} at eTag etag-1")


def test_without_an_output_folder_nothing_is_uploaded_and_the_log_says_so():
    result = invoke(spec(output=None))
    assert result.code == ExitCode.OK and result.store.written == {}
    assert (f"{PREFIX}the spec names no outputFolder/outputUri: the executed notebook is not "
            "kept") in result.out.splitlines()


def test_parameters_are_injected_and_a_missing_parameters_cell_is_mentioned():
    execution = Execution()
    result = invoke(spec("parameters:\n  n: 3\nexcludeTags: [skip]\n"), execution=execution,
                    nb=notebook_bytes("a = 1", "print(a)", tags={1: ["skip"]}))
    assert result.code == ExitCode.OK
    assert execution.calls[0]["cells"] == ["# Parameters\nn = 3\n", "a = 1"]
    assert (f"{PREFIX}no cell is tagged 'parameters': the parameters cell goes first"
            in result.out.splitlines())
    assert ", 1 parameter(s), excluding tags skip" in result.out


def test_a_parameters_cell_found_is_not_mentioned():
    result = invoke(spec("parameters:\n  n: 3\n"),
                    nb=notebook_bytes("n = 1", tags={0: ["parameters"]}))
    assert result.code == ExitCode.OK and "no cell is tagged" not in result.out


def test_a_failed_cell_still_uploads_the_notebook_marked_failed_and_exits_7():
    failure = CellFailed("notebook cell 1 raised ValueError: bad",
                         details=("notebook cell 1 failed; its code:", "    raise ValueError"))
    result = invoke(execution=Execution(files={"partial.txt": b"x"}, raises=failure))
    assert result.code == ExitCode.CELL_ERROR
    assert result.err.splitlines() == ["notebook cell 1 failed; its code:",
                                       "    raise ValueError",
                                       PREFIX + "notebook cell 1 raised ValueError: bad"]
    assert result.executed().metadata["oci_jobrun"]["status"] == "failed"
    assert f"oci://out@ns/runs/{RUN_OCID}/partial.txt" in result.store.written


def test_a_notebook_problem_during_execution_exits_6_after_the_upload():
    result = invoke(execution=Execution(raises=NotebookProblem("the kernel died")))
    assert (result.code, result.last) == (ExitCode.NOTEBOOK_INVALID, PREFIX + "the kernel died")
    assert result.executed().metadata["oci_jobrun"]["status"] == "failed"


def test_an_upload_failure_exits_8():
    store = MemoryStore({SPEC_URI: spec(), NOTEBOOK_URI: notebook_bytes("1")}, fail_writes=True)
    result = invoke(store=store)
    assert result.code == ExitCode.UPLOAD_FAILED
    assert result.last == (f"{PREFIX}could not upload oci://out@ns/runs/{RUN_OCID}/report.ipynb")


def test_a_cell_failure_wins_over_an_upload_failure_and_both_are_printed():
    store = MemoryStore({SPEC_URI: spec(), NOTEBOOK_URI: notebook_bytes("1")}, fail_writes=True)
    result = invoke(store=store, execution=Execution(raises=CellFailed("cell 1 raised")))
    assert result.code == ExitCode.CELL_ERROR
    assert result.err.splitlines() == [
        f"{PREFIX}could not upload oci://out@ns/runs/{RUN_OCID}/report.ipynb",
        f"{PREFIX}cell 1 raised"]


def test_an_invalid_spec_lists_every_problem_then_sums_up():
    result = invoke(b"noteBook: https://example.com/a.ipynb\njobName: x\nbogus: 1\nalso: 2\n")
    assert result.code == ExitCode.SPEC_INVALID
    lines = result.err.splitlines()
    assert len(lines) == 3 and all(line.startswith(PREFIX + "invalid spec: ") for line in
                                   lines[:2])
    assert "bogus" in lines[0] + lines[1] and "also" in lines[0] + lines[1]
    assert lines[2].startswith(PREFIX + "the spec is invalid: ")


def test_a_spec_over_the_size_limit_is_a_spec_problem():
    result = invoke(spec("# " + "x" * 200 + "\n"), env={"MAX_SPEC_BYTES": "100"})
    assert result.code == ExitCode.SPEC_INVALID
    assert result.last.startswith(PREFIX + "the spec is invalid: ") and "100" in result.last


def test_a_missing_spec_exits_4_before_anything_else():
    store = MemoryStore({})
    result = invoke(store=store)
    assert (result.code, result.last) == (ExitCode.NOT_READABLE,
                                          f"{PREFIX}the spec {SPEC_URI} does not exist")
    assert store.written == {}


def test_a_notebook_that_is_not_ipynb_exits_6():
    result = invoke(nb=b"not a notebook")
    assert result.code == ExitCode.NOTEBOOK_INVALID
    assert result.last.startswith(PREFIX + "the notebook is not a valid .ipynb file")


def test_configuration_problems_exit_3():
    out, err = io.StringIO(), io.StringIO()
    code = runner.run({"JOB_RUN_OCID": RUN_OCID}, out=out, err=err,
                      store_factory=lambda settings: MemoryStore({}))
    assert code == ExitCode.CONFIGURATION and "NOTEPAD_YAML_URL" in err.getvalue()


def test_an_unexpected_failure_exits_9_with_its_traceback():
    def broken(settings: RunnerSettings):
        raise KeyError("boom")

    out, err = io.StringIO(), io.StringIO()
    code = runner.run({"NOTEPAD_YAML_URL": SPEC_URI, "JOB_RUN_OCID": RUN_OCID}, out=out,
                      err=err, store_factory=broken)
    assert code == ExitCode.INTERNAL
    assert "Traceback" in err.getvalue()
    assert err.getvalue().splitlines()[-1] == (
        f"{PREFIX}internal error (KeyError); the traceback above says where")


def test_at_most_max_output_files_are_uploaded(monkeypatch):
    monkeypatch.setattr(runner, "MAX_OUTPUT_FILES", 2)
    exactly = invoke(execution=Execution(files={"f0.txt": b"x", "f1.txt": b"x"}))
    assert len(exactly.store.written) == 3 and "only the first" not in exactly.out
    files = {f"f{i}.txt": b"x" for i in range(3)}
    result = invoke(execution=Execution(files=files))
    folder = f"oci://out@ns/runs/{RUN_OCID}/"
    assert sorted(result.store.written) == [folder + "f0.txt", folder + "f1.txt",
                                            folder + "report.ipynb"]
    assert f"{PREFIX}the notebook wrote 3 files; only the first 2 are uploaded" in result.out


def test_checkpoints_symlinks_and_a_file_named_like_the_notebook_are_not_uploaded(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("not for upload")

    class Writes(Execution):
        def __call__(self, prepared, workdir, runtime_dir, **kwargs):
            super().__call__(prepared, workdir, runtime_dir, **kwargs)
            os.symlink(outside, workdir / "link.txt")

    files = {".ipynb_checkpoints/a.ipynb": b"{}", "report.ipynb": b"stale", "kept.ckpt": b"k"}
    result = invoke(execution=Writes(files=files))
    folder = f"oci://out@ns/runs/{RUN_OCID}/"
    assert sorted(result.store.written) == [folder + "kept.ckpt", folder + "report.ipynb"]
    # a type Python does not know is uploaded as bytes
    assert result.store.written[folder + "kept.ckpt"][1] == "application/octet-stream"
    assert result.executed().cells[0].source == "print(1)"  # the executed one, not the file


def test_the_notebook_is_read_in_the_specs_encoding():
    nb = notebook_bytes("print('żółw')").decode().encode("utf-16")
    execution = Execution()
    result = invoke(spec("notebookEncoding: utf-16\n"), execution=execution, nb=nb)
    assert (result.code, result.err) == (ExitCode.OK, "")
    assert execution.calls[0]["cells"] == ["print('żółw')"]


def test_a_notebook_that_removed_its_own_workspace_does_not_fail_the_run():
    import shutil

    class Removes(Execution):
        def __call__(self, prepared, workdir, runtime_dir, **kwargs):
            super().__call__(prepared, workdir, runtime_dir, **kwargs)
            shutil.rmtree(workdir.parent)

    result = invoke(execution=Removes())
    assert (result.code, result.err) == (ExitCode.OK, "")


def test_an_object_name_over_the_limit_is_an_upload_failure():
    long_name = ("d" * 250 + "/") * 4 + "f.txt"  # over 1024 bytes, names within 255
    result = invoke(execution=Execution(files={long_name: b"x"}))
    assert result.code == ExitCode.UPLOAD_FAILED
    assert result.last.startswith(f"{PREFIX}could not upload {long_name}: the object name")


def test_an_https_notebook_is_downloaded_with_the_opener_and_shown_without_its_query():
    url = "https://example.com/nb/report.ipynb?token=s3cret"
    requests = []

    def opener(request, timeout):
        requests.append((request.full_url, timeout))
        return HttpResponse(notebook_bytes("1"))

    result = invoke(spec(notebook=url), opener=opener)
    assert result.code == ExitCode.OK
    assert requests == [(url, 60)]
    assert "s3cret" not in result.out and "notebook https://example.com/nb/report.ipynb" in \
        result.out


def test_the_launcher_environment_counts_the_etag_only_when_set():
    settings = RunnerSettings(spec_env_var="SPEC", spec_location=parse_location(SPEC_URI),
                              spec_etag=None, job_run_ocid=RUN_OCID)
    assert runner.launcher_env(settings) == {"SPEC": SPEC_URI}
    pinned = RunnerSettings(spec_env_var="SPEC", spec_location=parse_location(SPEC_URI),
                            spec_etag="e1", job_run_ocid=RUN_OCID)
    assert runner.launcher_env(pinned) == {"SPEC": SPEC_URI, "JOB_SPEC_ETAG": "e1"}


def test_library_warnings_go_to_the_log_not_to_stderr(capsys):
    runner._show_warning(DeprecationWarning("old"), DeprecationWarning, "x.py", 1)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("warning: DeprecationWarning: old\n", "")


def test_cancel_says_so_stops_the_kernels_and_exits_143(monkeypatch):
    from job import notebook

    events: list[object] = []
    monkeypatch.setattr(runner.os, "write", lambda fd, data: events.append((fd, data)))
    monkeypatch.setattr(notebook, "kill_running_kernels", lambda: events.append("killed"))
    monkeypatch.setattr(runner.os, "_exit", lambda code: events.append(code))
    runner._on_sigterm(15, None)
    assert events == [(2, runner.CANCELED_LINE), "killed", ExitCode.CANCELED]


def test_exit_now_flushes_and_leaves_with_the_code(monkeypatch):
    codes: list[int] = []
    monkeypatch.setattr(runner.os, "_exit", codes.append)
    runner.exit_now(7)
    assert codes == [7]


def test_exit_now_leaves_even_when_a_stream_cannot_be_flushed(monkeypatch):
    class Broken(io.StringIO):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

        def flush(self) -> None:
            raise self.error

    codes: list[int] = []
    monkeypatch.setattr(runner.os, "_exit", codes.append)
    monkeypatch.setattr(runner.sys, "stdout", Broken(OSError("gone")))
    monkeypatch.setattr(runner.sys, "stderr", Broken(ValueError("closed")))
    runner.exit_now(9)
    assert codes == [9]


def test_main_handles_sigterm_and_runs_with_the_process_environment(monkeypatch):
    import signal
    import warnings

    seen: dict[str, object] = {}
    monkeypatch.setattr(runner, "run", lambda env: seen.setdefault("env", env) and 5)
    monkeypatch.setattr(signal, "signal", lambda sig, handler: seen.update(sig=(sig, handler)))
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    assert runner.main() == 5
    assert seen["env"] is os.environ
    assert seen["sig"] == (signal.SIGTERM, runner._on_sigterm)
    assert warnings.showwarning is runner._show_warning


def test_the_executed_notebook_is_valid_json_with_the_run_metadata():
    result = invoke()
    data, _ = result.store.written[f"oci://out@ns/runs/{RUN_OCID}/report.ipynb"]
    assert json.loads(data)["metadata"]["oci_jobrun"]["job_run_ocid"] == RUN_OCID


@pytest.mark.parametrize(("url", "shown"), [
    ("oci://b@ns/a.ipynb?x=1", "oci://b@ns/a.ipynb?x=1"),
    ("https://example.com/a.ipynb?sig=1", "https://example.com/a.ipynb (query not shown)"),
])
def test_a_notebook_url_is_shown_in_full_for_oci_and_without_the_query_for_https(url, shown):
    assert runner.shown(url) == shown


def test_a_spec_setting_the_renamed_launcher_variable_is_refused_in_the_container():
    document = (b"kind: job\nspec:\n  name: unit\n  runtime:\n    kind: runtime\n"
                b"    type: notebook\n    spec:\n"
                b"      notebookPathURI: " + NOTEBOOK_URI.encode() + b"\n"
                b"      env:\n      - name: MY_SPEC\n        value: x\n")
    store = MemoryStore({"oci://specs@ns/team/daily.yaml": document})
    out, err = io.StringIO(), io.StringIO()
    code = runner.run({"SPEC_ENV_VAR": "MY_SPEC", "MY_SPEC": SPEC_URI, "JOB_RUN_OCID": RUN_OCID},
                      out=out, err=err, store_factory=lambda settings: store,
                      execute=Execution())
    assert code == ExitCode.SPEC_INVALID
    assert ("MY_SPEC can't be set by a run: it is set by the launcher to the spec the run was "
            "created from") in err.getvalue()


def test_each_progress_line_reaches_the_log_at_once():
    class Flushes(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.flushed_lines: list[int] = []

        def flush(self) -> None:
            self.flushed_lines.append(self.getvalue().count("\n"))

    out = Flushes()
    runner.say(out, "one")
    runner.say(out, "two")
    assert out.flushed_lines == [1, 2]


def test_a_library_warning_reaches_the_log_at_once(monkeypatch):
    flushed: list[str] = []

    class Flushes(io.StringIO):
        def flush(self) -> None:
            flushed.append(self.getvalue())

    monkeypatch.setattr(runner.sys, "stdout", Flushes())
    runner._show_warning(UserWarning("careful"), UserWarning, "x.py", 1)
    assert flushed == ["warning: UserWarning: careful\n"]


def test_the_download_timeout_is_read_from_its_variable():
    settings = RunnerSettings.from_env({"NOTEPAD_YAML_URL": SPEC_URI, "JOB_RUN_OCID": RUN_OCID,
                                        "NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS": "7"})
    assert settings.download_timeout_seconds == 7
