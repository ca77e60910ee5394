"""The python and script runtimes' logic in-process: ``job.runner.run()`` with a fake of
Object Storage and a stand-in for running the code (the real child process runs in
tests/process/job/test_scripts.py), and the parts around it: where the entrypoint and the
working folder must be, the command, the uploads, the child's output and its end."""

from __future__ import annotations

import collections
import io
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from job import runner, scripts
from job.errors import ExitCode, UploadFailed
from job.scripts import BOOT, ScriptFailed, command, locate, upload_outputs
from job.sources import SourceRefused
from job.storage import ObjectStore
from jobspec.container import ScriptSpec
from ociplatform.retry import RetryPolicy
from ocirefs.locations import parse_allow_entry
from tests.support.fakes import FakeObjectStorage, service_error
from tests.support.jobrunner import HttpResponse, Ran

RUN_OCID = "ocid1.datasciencejobrun.oc1.phx.amaaaaaascriptrun"
SPEC_URI = "oci://specs@ns/team/script.yaml"
OUTPUT = "oci://out@ns/runs/"


def script_spec(source: str = "oci://code@ns/jobs/main.py", kind: str = "file",
                entrypoint: str = "main.py", **keys: Any) -> ScriptSpec:
    return ScriptSpec(runtime="python", source=source, source_kind=kind,
                      source_field="spec.runtime.spec.scriptPathURI", entrypoint=entrypoint,
                      entrypoint_field="spec.runtime.spec.entrypoint", dialect="ads", **keys)


def files(root: Path, names: dict[str, str]) -> Path:
    for name, text in names.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


# the working folder and the entrypoint -----------------------------------------------------

def test_the_entrypoint_is_found_in_the_working_folder(tmp_path):
    code = files(tmp_path, {"proj/app/main.py": ""})
    assert locate(script_spec(entrypoint="app/main.py", working_dir="proj"), code) == (
        code / "proj", code / "proj" / "app" / "main.py")
    assert locate(script_spec(entrypoint="proj/app/main.py"), code) == (
        code, code / "proj" / "app" / "main.py")


def test_a_missing_working_folder_is_named_with_what_the_code_holds(tmp_path):
    code = files(tmp_path, {"proj/main.py": "", "proj/run.sh": "", "proj/notes.txt": ""})
    with pytest.raises(SourceRefused) as caught:
        locate(script_spec(working_dir="app"), code)
    assert caught.value.message == ("the working folder app (workingDir) is not a folder of "
                                    "the code; it holds proj/main.py, proj/run.sh")


def test_a_working_folder_that_leaves_the_code_folder_is_refused(tmp_path):
    code = files(tmp_path / "code", {"main.py": ""})
    files(tmp_path / "elsewhere", {"main.py": ""})
    (code / "out").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SourceRefused) as caught:
        locate(script_spec(working_dir="out"), code)
    assert caught.value.message == ("the working folder out (workingDir) is not a folder of "
                                    "the code; it holds main.py")


def test_a_missing_entrypoint_is_named_with_what_the_folder_holds(tmp_path):
    code = files(tmp_path, {"app/train.py": "", "app/lib/util.py": "", "top.sh": ""})
    with pytest.raises(SourceRefused) as caught:
        locate(script_spec(entrypoint="main.py"), code)
    assert caught.value.message == (
        "the entrypoint main.py (spec.runtime.spec.entrypoint) is not a file in the code "
        "folder; it holds top.sh, app/train.py, app/lib/util.py")
    with pytest.raises(SourceRefused) as caught:
        locate(script_spec(entrypoint="main.py", working_dir="app"), code)
    assert caught.value.message == (
        "the entrypoint main.py (spec.runtime.spec.entrypoint) is not a file in the working "
        "folder app; it holds train.py, lib/util.py")


def test_an_entrypoint_that_is_a_folder_or_a_link_out_is_refused(tmp_path):
    code = files(tmp_path / "code", {"main.py/x.txt": ""})
    files(tmp_path / "elsewhere", {"evil.py": ""})
    (code / "evil.py").symlink_to(tmp_path / "elsewhere" / "evil.py")
    for entrypoint in ("main.py", "evil.py"):
        with pytest.raises(SourceRefused) as caught:
            locate(script_spec(entrypoint=entrypoint), code)
        assert caught.value.message == (
            f"the entrypoint {entrypoint} (spec.runtime.spec.entrypoint) is not a file in the "
            "code folder; it holds evil.py")


def test_a_folders_entrypoint_without_the_folders_name_gets_the_fix(tmp_path):
    code = files(tmp_path, {"proj/main.py": ""})
    spec = script_spec(source="oci://code@ns/team/proj/", kind="folder")
    with pytest.raises(SourceRefused) as caught:
        locate(spec, code)
    assert caught.value.message == (
        "the entrypoint main.py (spec.runtime.spec.entrypoint) is not a file in the code "
        "folder; did you mean proj/main.py? (a folder's own name comes first)")
    other = script_spec(source="oci://code@ns/team/proj/", kind="folder", entrypoint="run.py")
    with pytest.raises(SourceRefused) as caught:
        locate(other, code)
    assert caught.value.message.endswith("is not a file in the code folder; it holds "
                                         "proj/main.py")
    archive = script_spec(source="oci://code@ns/team/proj.zip", kind="archive")
    with pytest.raises(SourceRefused) as caught:
        locate(archive, code)
    assert caught.value.message.endswith("; it holds proj/main.py")  # no folder, no hint


@pytest.mark.parametrize(("names", "listing"), [
    ([], "; it holds no .py or .sh file"),
    (["notes.txt", "data.csv"], "; it holds no .py or .sh file"),
    (["b.py", "a.SH", "c.sh"], "; it holds b.py, c.sh"),
    (["a.py", "b.py", "c.py", "d.py", "e.py"], "; it holds a.py, b.py, c.py, d.py, e.py"),
    (["a.py", "b.py", "c.py", "d.py", "e.py", "sub/f.py"],
     "; it holds a.py, b.py, c.py, d.py, e.py, …"),
    (["z/a.py", "y/b.py", "y/x/c.py"], "; it holds y/b.py, y/x/c.py, z/a.py"),
])
def test_the_listing_shows_the_first_five_entrypoints_folder_by_folder(tmp_path, names,
                                                                       listing):
    files(tmp_path, dict.fromkeys(names, ""))
    assert scripts._listing(tmp_path) == listing


# the command ---------------------------------------------------------------------------------

def test_a_shell_entrypoint_runs_with_bash_and_its_arguments(tmp_path):
    for name in ("run.sh", "RUN.SH"):
        spec = script_spec(entrypoint=name, arguments=("a b", "--x"))
        assert command(spec, tmp_path, tmp_path, tmp_path / name) == [
            "bash", str(tmp_path / name), "a b", "--x"]


def test_a_python_entrypoint_runs_isolated_through_the_boot_with_its_path(tmp_path):
    code, working = tmp_path / "code", tmp_path / "code" / "proj"
    spec = script_spec(entrypoint="app/main.py", working_dir="proj", python_path=("lib", "."),
                       entry_function="run", arguments=("one",))
    argv = command(spec, code, working, working / "app" / "main.py")
    assert argv[:5] == [sys.executable, "-I", "-u", "-B", str(BOOT)]
    assert json.loads(argv[5]) == {
        "entrypoint": str(working / "app" / "main.py"), "function": "run",
        "path": [str(working), str(working / "lib"), str(working / "."), str(code)]}
    assert argv[6:] == ["one"]


# the code's output and its end -------------------------------------------------------------

def test_the_childs_lines_are_copied_as_they_come_and_the_last_ones_kept():
    sink = io.StringIO()
    last: collections.deque[str] = collections.deque(maxlen=2)
    scripts._pump(io.BytesIO(b"one\ntwo\n\xffthree"), sink, last)
    assert sink.getvalue() == "one\ntwo\n\ufffdthree\n"
    assert list(last) == ["two\n", "\ufffdthree"]
    sink = io.StringIO()
    scripts._pump(io.BytesIO(b"x" * (scripts.MAX_LINE_BYTES + 1)), sink, None)
    assert sink.getvalue() == "x" * scripts.MAX_LINE_BYTES + "\nx\n"


class Process:
    """Stands in for a Popen: ``wait`` times out ``running`` times, then answers ``code``."""

    def __init__(self, code: int, running: int = 0) -> None:
        self.pid, self.code, self.running = 4242, code, running
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> int:
        self.waits.append(timeout)
        if self.running:
            self.running -= 1
            raise scripts.subprocess.TimeoutExpired("code", timeout or 0)
        return self.code


def test_waiting_returns_the_exit_code_and_never_kills_without_a_limit(monkeypatch):
    killed: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "killpg", lambda pgid, sig: killed.append((pgid, sig)))
    process = Process(3, running=2)
    assert scripts._wait(process, None) == 3
    assert process.waits == [0.2, 0.2, 0.2] and killed == []


def test_before_the_limit_waiting_goes_on(monkeypatch):
    killed: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "killpg", lambda pgid, sig: killed.append((pgid, sig)))
    process = Process(0, running=2)
    assert scripts._wait(process, 3600) == 0
    assert process.waits == [0.2, 0.2, 0.2] and killed == []


def test_at_the_limit_the_process_group_is_killed_and_no_code_is_returned(monkeypatch):
    killed: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "killpg", lambda pgid, sig: killed.append((pgid, sig)))
    process = Process(-9, running=1)
    assert scripts._wait(process, 0) is None
    assert killed == [(4242, signal.SIGKILL)]
    assert process.waits == [0.2, scripts.KILL_WAIT_SECONDS]


def test_cancel_kills_the_running_codes_process_group_even_if_it_is_gone(monkeypatch):
    killed: list[tuple[int, int]] = []

    def killpg(pgid: int, sig: int) -> None:
        killed.append((pgid, sig))
        raise ProcessLookupError

    monkeypatch.setattr(os, "killpg", killpg)
    monkeypatch.setattr(scripts, "_RUNNING", [Process(0), Process(0)])
    scripts.kill_running_processes()
    assert killed == [(4242, signal.SIGKILL), (4242, signal.SIGKILL)]


class Child(Process):
    """Stands in for the code's Popen: what it writes, how it ends; records how it started."""

    started: ClassVar[list[tuple[list[str], dict[str, Any]]]] = []

    def __init__(self, argv: list[str], options: dict[str, Any], *, out: bytes = b"",
                 err: bytes = b"", code: int = 0, running: int = 0) -> None:
        super().__init__(code, running)
        self.stdout, self.stderr = io.BytesIO(out), io.BytesIO(err)
        Child.started.append((argv, options))

    @classmethod
    def writing(cls, **given: Any) -> Any:
        return lambda argv, **options: cls(argv, options, **given)


def execute(tmp_path: Path, child: Any, *, timeout: int | None = None,
            arguments: tuple[str, ...] = ()) -> tuple[str, str]:
    code = files(tmp_path, {"main.py": ""})
    spec = script_spec(arguments=arguments)
    out, err = io.StringIO(), io.StringIO()
    try:
        scripts.execute(spec, code, code, code / "main.py", {"WHO": "me"}, out, err,
                        timeout=timeout, popen=child)
    finally:
        assert scripts._RUNNING == []
    return out.getvalue(), err.getvalue()


def test_the_code_runs_in_its_own_session_with_the_runs_environment(tmp_path):
    Child.started.clear()
    out, err = execute(tmp_path, Child.writing(out=b"hello\n", err=b"note\n"),
                       arguments=("a", "b"))
    assert out == "job-runner: running the script main.py with 2 argument(s)\nhello\n"
    assert err == "note\n"
    [(argv, options)] = Child.started
    assert argv == command(script_spec(arguments=("a", "b")), tmp_path, tmp_path,
                           tmp_path / "main.py")
    assert options == {"cwd": tmp_path, "env": {**os.environ, "WHO": "me"},
                       "stdin": scripts.subprocess.DEVNULL, "stdout": scripts.subprocess.PIPE,
                       "stderr": scripts.subprocess.PIPE, "start_new_session": True}


def test_an_entry_function_is_named_in_the_log(tmp_path):
    code = files(tmp_path, {"main.py": ""})
    out = io.StringIO()
    scripts.execute(script_spec(entry_function="run"), code, code, code / "main.py", {}, out,
                    io.StringIO(), timeout=None, popen=Child.writing())
    assert out.getvalue() == "job-runner: running the function run of main.py\n"


@pytest.mark.parametrize(("stderr", "code", "message"), [
    (b"Traceback\nValueError: bad\n  \n\n", 1,
     "the script main.py failed with exit code 1: ValueError: bad"),
    (b"", 3, "the script main.py failed with exit code 3"),
    (b"  \n", 3, "the script main.py failed with exit code 3"),
    (b"", -9, "the script main.py was killed by SIGKILL (out of memory?)"),
    (b"", -200, "the script main.py was killed by 200 (out of memory?)"),
])
def test_a_failed_code_says_how_it_ended(tmp_path, stderr, code, message):
    with pytest.raises(ScriptFailed) as caught:
        execute(tmp_path, Child.writing(err=stderr, code=code))
    assert caught.value.message == message


def test_the_code_is_registered_for_a_cancel_while_it_runs_and_only_then(tmp_path):
    registered: list[bool] = []

    class Watched(Child):
        def wait(self, timeout: float | None = None) -> int:
            registered.append(self in scripts._RUNNING)
            return super().wait(timeout)

    execute(tmp_path, Watched.writing(running=1))  # asserts nothing is left registered
    assert registered == [True, True]


def test_code_over_its_time_is_killed_and_named_with_the_setting(tmp_path, monkeypatch):
    killed: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "killpg", lambda pgid, sig: killed.append((pgid, sig)))
    with pytest.raises(ScriptFailed) as caught:
        execute(tmp_path, Child.writing(code=-9, running=1), timeout=0)
    assert caught.value.message == ("the script main.py timed out after 0 s "
                                    "(NOTEBOOK_CELL_TIMEOUT_SECONDS)")
    assert killed == [(4242, signal.SIGKILL)]


# uploads -----------------------------------------------------------------------------------

class Store:
    """Records writes as ObjectStore.write is called."""

    def __init__(self) -> None:
        self.written: dict[str, tuple[bytes, str]] = {}

    def write(self, namespace: str, bucket: str, name: str, data: bytes,
              content_type: str) -> None:
        self.written[f"oci://{bucket}@{namespace}/{name}"] = (data, content_type)


def upload(spec: ScriptSpec, code: Path, working: Path | None = None) -> tuple[Store, str]:
    store, out = Store(), io.StringIO()
    upload_outputs(lambda: store, spec, code, working or code, RUN_OCID, out)
    return store, out.getvalue()


def test_the_files_under_output_dir_are_uploaded_by_their_path_and_type(tmp_path):
    code = files(tmp_path, {"proj/out/a.txt": "a", "proj/out/sub/b.json": "{}",
                            "proj/out/c.ckpt": "c", "proj/other.txt": "x"})
    (code / "proj/out/link.txt").symlink_to(code / "proj/other.txt")
    spec = script_spec(output_dir="out", output=parse_allow_entry(OUTPUT))
    store, out = upload(spec, code, code / "proj")
    run = f"oci://out@ns/runs/{RUN_OCID}"
    assert store.written == {f"{run}/a.txt": (b"a", "text/plain"),
                             f"{run}/c.ckpt": (b"c", "application/octet-stream"),
                             f"{run}/sub/b.json": (b"{}", "application/json")}
    assert out == f"job-runner: uploaded 3 file(s) from out to {run}/\n"


def test_links_in_the_output_dir_are_not_followed_nor_uploaded(tmp_path):
    code = files(tmp_path, {"out/a.txt": "a", "data/big.csv": "b"})
    (code / "out" / "data").symlink_to(code / "data")
    (code / "out" / "gone.txt").symlink_to(code / "nothing.txt")
    store, _ = upload(script_spec(output_dir="out", output=parse_allow_entry(OUTPUT)), code)
    assert list(store.written) == [f"oci://out@ns/runs/{RUN_OCID}/a.txt"]


def test_the_working_folder_itself_can_be_the_output_dir(tmp_path):
    code = files(tmp_path, {"a.txt": "a"})
    store, out = upload(script_spec(output_dir="", output=parse_allow_entry(OUTPUT)), code)
    assert list(store.written) == [f"oci://out@ns/runs/{RUN_OCID}/a.txt"]
    assert out == f"job-runner: uploaded 1 file(s) from . to oci://out@ns/runs/{RUN_OCID}/\n"


def test_without_an_output_dir_or_uri_nothing_is_uploaded(tmp_path):
    code = files(tmp_path, {"out/a.txt": "a"})
    for spec in (script_spec(output_dir="out"),
                 script_spec(output=parse_allow_entry(OUTPUT))):
        store, out = upload(spec, code)
        assert (store.written, out) == ({}, "")


def test_an_output_dir_missing_or_outside_the_code_folder_uploads_nothing(tmp_path):
    code = files(tmp_path / "code", {"main.py": ""})
    files(tmp_path / "elsewhere", {"secret.txt": "s"})
    (code / "out").symlink_to(tmp_path / "elsewhere")
    for name in ("out", "never"):
        store, out = upload(script_spec(output_dir=name, output=parse_allow_entry(OUTPUT)),
                            code)
        assert store.written == {}
        assert out == (f"job-runner: the code left no folder {name} (outputDir) inside the code "
                       "folder: nothing to upload\n")


def test_at_most_max_output_files_are_uploaded(tmp_path, monkeypatch):
    monkeypatch.setattr(scripts, "MAX_OUTPUT_FILES", 2)
    spec = script_spec(output_dir="out", output=parse_allow_entry(OUTPUT))
    store, out = upload(spec, files(tmp_path / "two", {"out/a": "", "out/b": ""}))
    assert len(store.written) == 2 and "only the first" not in out
    store, out = upload(spec, files(tmp_path / "three", {"out/a": "", "out/b": "", "out/c": ""}))
    assert sorted(store.written) == [f"oci://out@ns/runs/{RUN_OCID}/{n}" for n in "ab"]
    assert out.startswith("job-runner: the code wrote 3 files; only the first 2 are uploaded\n")


def test_an_object_name_over_the_limit_is_an_upload_failure_naming_the_file(tmp_path):
    code = files(tmp_path, {"out/" + "d" * 200 + "/" + "f" * 200: ""})
    spec = script_spec(output_dir="out",
                       output=parse_allow_entry("oci://out@ns/" + "p/" * 320))
    with pytest.raises(UploadFailed) as caught:
        upload(spec, code)
    assert caught.value.message == (f"could not upload {'d' * 200}/{'f' * 200}: the object "
                                    "name would be longer than 1024 bytes")


# a whole run, in-process -------------------------------------------------------------------

class Code:
    """Stands in for scripts.execute: records what it was given, writes files, may fail."""

    def __init__(self, writes: dict[str, str] | None = None,
                 raises: ScriptFailed | None = None) -> None:
        self.writes, self.raises = writes or {}, raises
        self.calls: list[dict[str, Any]] = []

    def __call__(self, spec: ScriptSpec, code: Path, working: Path, entrypoint: Path,
                 env: dict[str, str], out: Any, err: Any, *, timeout: int | None) -> None:
        # the code folder, in a workspace named for what made it
        assert (code.name, code.parent.name[:11]) == ("code", "job-runner-")
        self.calls.append({"code": sorted(p.relative_to(code).as_posix()
                                          for p in code.rglob("*")),
                           "working": working.relative_to(code).as_posix(),
                           "entrypoint": entrypoint.relative_to(code).as_posix(),
                           "env": env, "timeout": timeout, "in": code.parent.parent})
        files(working, self.writes)
        if self.raises is not None:
            raise self.raises


@dataclass(frozen=True)
class Result(Ran):
    client: FakeObjectStorage

    def uploaded(self) -> dict[str, tuple[bytes, str]]:
        return {call.args[2]: (call.args[3], call.kwargs["content_type"])
                for call in self.client.calls if call.method == "put_object"}


def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keys: str, code: Code,
        fail_uploads: bool = False, opener: Any = None, **env: str) -> Result:
    client = FakeObjectStorage()
    spec = ("kind: job\nspec:\n  name: unit\n  runtime:\n    kind: runtime\n    type: python\n"
            "    spec:\n" + "".join(f"      {line}\n" for line in keys.strip().splitlines()))
    client.put("ns", "specs", "team/script.yaml", spec.encode())
    client.put("ns", "code", "jobs/main.py", b"print('hi')")
    if fail_uploads:
        client.fail("put_object", *[service_error(400, "InvalidParameter")] * 5)
    store = ObjectStore(client, RetryPolicy(sleep=lambda seconds: None))
    monkeypatch.setattr(scripts, "execute", code)
    out, err = io.StringIO(), io.StringIO()
    exit_code = runner.run({"NOTEPAD_YAML_URL": SPEC_URI, "JOB_RUN_OCID": RUN_OCID, **env},
                           out=out, err=err, store_factory=lambda settings: store,
                           temp_dir=str(tmp_path), clock=iter([100.0, 103.25]).__next__,
                           opener=opener)
    assert list(tmp_path.iterdir()) == []  # the workspace is gone
    return Result(exit_code, out.getvalue(), err.getvalue(), client)


KEYS = """scriptPathURI: oci://code@ns/jobs/main.py
outputDir: out
outputUri: oci://out@ns/runs/
"""


def test_a_script_run_fetches_runs_and_uploads_what_the_code_wrote(monkeypatch, tmp_path):
    code = Code(writes={"out/result.json": "{}"})
    result = run(monkeypatch, tmp_path, KEYS, code, NOTEBOOK_CELL_TIMEOUT_SECONDS="60",
                 WHO="me")
    assert result.code == ExitCode.OK, result.err
    assert code.calls == [{"code": ["main.py"], "working": ".", "entrypoint": "main.py",
                           "env": {"NOTEPAD_YAML_URL": SPEC_URI, "JOB_RUN_OCID": RUN_OCID,
                                   "NOTEBOOK_CELL_TIMEOUT_SECONDS": "60", "WHO": "me"},
                           "timeout": 60, "in": tmp_path}]  # the workspace in temp_dir
    assert result.uploaded() == {f"runs/{RUN_OCID}/result.json": (b"{}", "application/json")}
    assert result.out.splitlines() == [
        f"job-runner: job run {RUN_OCID}: reading the spec {SPEC_URI}",
        "job-runner: the spec is valid (ads dialect, python runtime); code "
        "oci://code@ns/jobs/main.py (file), entrypoint main.py",
        f"job-runner: uploaded 1 file(s) from out to oci://out@ns/runs/{RUN_OCID}/",
        "job-runner: succeeded in 3.2 s"]
    assert result.err == ""


def test_a_script_run_without_outputs_says_nothing_is_kept(monkeypatch, tmp_path):
    result = run(monkeypatch, tmp_path, "scriptPathURI: oci://code@ns/jobs/main.py",
                 Code(writes={"out/a.txt": "a"}))
    assert result.code == ExitCode.OK, result.err
    assert ("job-runner: the spec names no outputDir/outputUri: nothing the code writes is "
            "kept") in result.out.splitlines()
    assert result.uploaded() == {}


def test_a_failed_script_still_uploads_and_exits_with_the_cell_error(monkeypatch, tmp_path):
    failure = ScriptFailed("the script main.py failed with exit code 1: ValueError: bad")
    result = run(monkeypatch, tmp_path, KEYS, Code(writes={"out/partial.txt": "p"},
                                                   raises=failure))
    assert result.code == ExitCode.CELL_ERROR
    assert result.uploaded() == {f"runs/{RUN_OCID}/partial.txt": (b"p", "text/plain")}
    assert result.err == ("job-runner: the script main.py failed with exit code 1: "
                          "ValueError: bad\n")


def test_a_failed_script_whose_upload_fails_too_reports_both(monkeypatch, tmp_path):
    failure = ScriptFailed("the script main.py failed with exit code 1")
    result = run(monkeypatch, tmp_path, KEYS, Code(writes={"out/partial.txt": "p"},
                                                   raises=failure), fail_uploads=True)
    assert result.code == ExitCode.CELL_ERROR
    assert result.err.splitlines() == [
        f"job-runner: could not upload oci://out@ns/runs/{RUN_OCID}/partial.txt (400 "
        "InvalidParameter)",
        "job-runner: the script main.py failed with exit code 1"]


def test_an_upload_failure_after_a_good_run_fails_the_run(monkeypatch, tmp_path):
    result = run(monkeypatch, tmp_path, KEYS, Code(writes={"out/a.txt": "a"}),
                 fail_uploads=True)
    assert result.code == ExitCode.UPLOAD_FAILED
    assert result.last == (f"job-runner: could not upload oci://out@ns/runs/{RUN_OCID}/a.txt "
                           "(400 InvalidParameter)")


def test_code_that_is_not_where_the_spec_says_runs_nothing(monkeypatch, tmp_path):
    code = Code()
    result = run(monkeypatch, tmp_path, "scriptPathURI: oci://code@ns/jobs/\n"
                                        "entrypoint: main.py", code)
    assert result.code == ExitCode.NOTEBOOK_INVALID
    assert result.last == ("job-runner: the entrypoint main.py (spec.runtime.spec.entrypoint) "
                           "is not a file in the code folder; did you mean jobs/main.py? (a "
                           "folder's own name comes first)")
    assert code.calls == []


def test_cancel_kills_the_code_as_it_kills_kernels(monkeypatch):
    from job import notebook

    events: list[object] = []
    monkeypatch.setattr(runner.os, "write", lambda fd, data: events.append((fd, data)))
    monkeypatch.setattr(notebook, "kill_running_kernels", lambda: events.append("kernels"))
    monkeypatch.setattr(scripts, "kill_running_processes", lambda: events.append("code"))
    monkeypatch.setattr(runner.os, "_exit", lambda code: events.append(code))
    runner.cancel_now()
    assert events == [(2, runner.CANCELED_LINE), "kernels", "code", ExitCode.CANCELED]


# the child's boot (in-process here; isolated by -I in the real child) -----------------------

RECORDER = """import json, sys
def record(*args, **kwargs):
    with open({out!r}, "w") as f:
        json.dump({{"name": __name__, "args": args, "kwargs": kwargs, "argv": sys.argv,
                   "path": sys.path[-3:]}}, f)
if __name__ == "__main__":
    record()
"""


@pytest.fixture
def boot(tmp_path, monkeypatch):
    """Runs script_boot.main in this process, sys.path and sys.argv restored afterwards."""
    from job import script_boot

    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    entry = tmp_path / "main.py"
    entry.write_text(RECORDER.format(out=str(tmp_path / "seen.json")))

    def main(function: str | None, *arguments: str, path: tuple[str, ...] = ()) -> int:
        config = {"entrypoint": str(entry), "function": function, "path": list(path)}
        return script_boot.main([json.dumps(config), *arguments])

    main.seen = lambda: json.loads((tmp_path / "seen.json").read_text())  # type: ignore
    return main


def test_the_boot_runs_the_entrypoint_as_main_with_its_arguments(boot, tmp_path):
    folders = (str(tmp_path / "lib"), sys.path[0], str(tmp_path))
    already = sys.path.count(folders[1])  # pytest may have put a folder there more than once
    assert boot(None, "a", "--b", path=folders) == 0
    seen = boot.seen()
    assert (seen["name"], seen["argv"]) == ("__main__", [str(tmp_path / "main.py"), "a", "--b"])
    assert seen["path"][-2:] == [str(tmp_path / "lib"), str(tmp_path)]  # each folder once
    assert sys.path.count(folders[1]) == already  # a folder already there is not added again


def test_the_boot_calls_the_entry_function_with_the_arguments_as_ads_parses_them(boot):
    assert boot("record", "one", "--mode", "fast", "--flag") == 0
    seen = boot.seen()
    assert seen["name"] != "__main__"
    assert (seen["args"], seen["kwargs"]) == (["one"], {"mode": "fast", "flag": None})


def test_the_boot_refuses_a_missing_function_or_an_entrypoint_it_cannot_import(boot, tmp_path,
                                                                               capsys):
    from job import script_boot

    assert boot("mian") == 2
    assert capsys.readouterr().err == ("entryFunction mian is not a function of the "
                                       "entrypoint\n")
    text = tmp_path / "main.txt"
    text.write_text("")
    config = {"entrypoint": str(text), "function": "run", "path": []}
    assert script_boot.main([json.dumps(config)]) == 2
    assert capsys.readouterr().err == f"cannot import {text}\n"


def test_code_at_an_https_url_is_downloaded_with_the_runs_opener(monkeypatch, tmp_path):
    asked: list[tuple[str, float]] = []

    def opener(request: Any, timeout: float) -> HttpResponse:
        asked.append((request.full_url, timeout))
        return HttpResponse(b"print('hi')")

    code = Code()
    result = run(monkeypatch, tmp_path, "scriptPathURI: https://example.com/t/main.py?sig=S",
                 code, opener=opener, NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS="9")
    assert result.code == ExitCode.OK, result.err
    assert asked == [("https://example.com/t/main.py?sig=S", 9)]
    assert code.calls[0]["code"] == ["main.py"]
    assert ("job-runner: the spec is valid (ads dialect, python runtime); code "
            "https://example.com/t/main.py (query not shown) (file), entrypoint main.py"
            ) in result.out.splitlines()


def test_code_over_the_size_limit_is_not_read(monkeypatch, tmp_path):
    code = Code()
    result = run(monkeypatch, tmp_path, KEYS, code, MAX_NOTEBOOK_BYTES="10")  # main.py: 11
    assert result.code == ExitCode.NOT_READABLE
    assert result.last == "job-runner: the code oci://code@ns/jobs/main.py is larger than 10 bytes"
    assert code.calls == []


def test_code_that_removed_its_own_workspace_does_not_fail_the_run(monkeypatch, tmp_path):
    import shutil

    class Removes(Code):
        def __call__(self, spec: ScriptSpec, code: Path, *args: Any, **kwargs: Any) -> None:
            super().__call__(spec, code, *args, **kwargs)
            shutil.rmtree(code.parent)

    result = run(monkeypatch, tmp_path, "scriptPathURI: oci://code@ns/jobs/main.py", Removes())
    assert (result.code, result.err) == (ExitCode.OK, "")
