"""Running a python or script runtime's code, as ADS's drivers run it.

1. bring the code into an empty code folder (:mod:`job.sources`: a file, a folder, an
   archive, unpacked safely);
2. check the working folder (``workingDir``, default the code folder) and the entrypoint
   (relative to it) exist inside the code folder, before anything runs;
3. run the entrypoint in a child process in the working folder, with the run's environment
   and the spec's ``args``: a ``.py`` file with the image's Python (through
   :mod:`job.script_boot`, which adds ``pythonPath`` and calls ``entryFunction`` as ADS's
   driver does), a ``.sh`` file with bash;
4. upload the files under ``outputDir`` (relative to the working folder) to
   ``<outputUri>/<JOB_RUN_OCID>/``, also after a failure, as a notebook's outputs are.

The code's stdout goes to the run's log (stdout), its stderr to stderr; the container's
summary line ``job-runner: …`` comes last and, when the code fails, holds the last line the
code wrote to stderr (a Python exception's ``ValueError: …``) on one line. The whole run of
the code has ``NOTEBOOK_CELL_TIMEOUT_SECONDS`` when set (the code is one cell); a cancel
(SIGTERM) kills its process group at once.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, TextIO

from jobspec.container import ScriptSpec
from jobspec.script_keys import folder_name
from ocirefs.locations import SpecLocation

from .errors import PREFIX, CellFailed, UploadFailed
from .notebook import one_line
from .outputs import output_object, output_uri, run_folder
from .runner import MAX_OUTPUT_FILES, say, shown
from .settings import RunnerSettings
from .sources import SourceRefused, fetch_source
from .storage import ObjectStore

BOOT = Path(__file__).with_name("script_boot.py")
STDERR_LINES_KEPT = 20
MAX_LINE_BYTES = 64 * 1024
KILL_WAIT_SECONDS = 5.0
_RUNNING: list[subprocess.Popen[bytes]] = []  # the code's process, while it runs


class ScriptFailed(CellFailed):
    """The code exited non-zero, was killed or timed out; outputs are still uploaded."""


def run_code(spec: ScriptSpec, settings: RunnerSettings, get_store: Callable[[], ObjectStore],
             env: Mapping[str, str], out: TextIO, err: TextIO, *,
             opener: Callable[..., Any] | None = None, temp_dir: str | None = None) -> None:
    """Fetch, check, run and upload; raise a RunnerError on failure."""
    say(out, f"the spec is valid ({spec.dialect} dialect, {spec.runtime} runtime); code "
             f"{shown(spec.source)} ({spec.source_kind}), entrypoint {spec.entrypoint}")
    if spec.output is None:
        say(out, "the spec names no outputDir/outputUri: nothing the code writes is kept")
    workspace = Path(tempfile.mkdtemp(prefix="job-runner-", dir=temp_dir))
    try:
        code = workspace / "code"
        code.mkdir()
        fetch_source(spec.source, spec.source_kind, code, get_store,
                     max_bytes=settings.max_notebook_bytes,
                     timeout=settings.download_timeout_seconds, opener=opener)
        working, entrypoint = locate(spec, code)
        failure: ScriptFailed | None = None
        try:
            execute(spec, code, working, entrypoint, env, out, err,
                    timeout=settings.cell_timeout_seconds)
        except ScriptFailed as exc:
            failure = exc
        try:
            upload_outputs(get_store, spec, code, working, settings.job_run_ocid, out)
        except UploadFailed as upload_failure:
            if failure is None:
                raise
            print(PREFIX + upload_failure.message, file=err, flush=True)
        if failure is not None:
            raise failure
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def _within(path: Path, root: Path) -> bool:
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([real, real_root]) == real_root


def locate(spec: ScriptSpec, code: Path) -> tuple[Path, Path]:
    """The working folder and the entrypoint, both inside the code folder; SourceRefused."""
    working = code / spec.working_dir
    if not working.is_dir() or not _within(working, code):
        raise SourceRefused(f"the working folder {spec.working_dir} (workingDir) is not a "
                            f"folder of the code{_listing(code)}")
    entrypoint = working / spec.entrypoint
    if entrypoint.is_file() and _within(entrypoint, code):
        return working, entrypoint
    where = f"in the working folder {spec.working_dir}" if spec.working_dir \
        else "in the code folder"
    hint = ""
    if spec.source_kind == "folder":
        nested = f"{folder_name(spec.source)}/{spec.entrypoint}"
        if (working / nested).is_file():
            hint = f"; did you mean {nested}? (a folder's own name comes first)"
    raise SourceRefused(f"the entrypoint {spec.entrypoint} ({spec.entrypoint_field}) is not "
                        f"a file {where}{hint or _listing(working)}")


def _listing(folder: Path, shown_at_most: int = 5) -> str:
    """``; it holds a.py, lib/b.sh, …``: what the author can pick from."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".py", ".sh")):
                found.append(os.path.relpath(os.path.join(root, name), folder))
        if len(found) > shown_at_most:
            break
    if not found:
        return "; it holds no .py or .sh file"
    more = ", …" if len(found) > shown_at_most else ""
    return "; it holds " + ", ".join(found[:shown_at_most]) + more


def command(spec: ScriptSpec, code: Path, working: Path, entrypoint: Path) -> list[str]:
    arguments = list(spec.arguments)
    if entrypoint.suffix.lower() == ".sh":
        return ["bash", str(entrypoint), *arguments]
    # As ADS's driver: the working folder, then pythonPath (relative to it), then the code.
    path = [str(working), *(str(working / folder) for folder in spec.python_path), str(code)]
    config = {"entrypoint": str(entrypoint), "function": spec.entry_function, "path": path}
    return [sys.executable, "-I", "-u", "-B", str(BOOT), json.dumps(config), *arguments]


def execute(spec: ScriptSpec, code: Path, working: Path, entrypoint: Path,
            env: Mapping[str, str], out: TextIO, err: TextIO, *, timeout: int | None,
            popen: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen) -> None:
    """Run the code; raise ScriptFailed unless it exits 0. ``popen`` starts the child
    process (tests pass a stand-in)."""
    what = (f"the function {spec.entry_function} of {spec.entrypoint}" if spec.entry_function
            else f"the script {spec.entrypoint}")
    say(out, f"running {what}" + (f" with {len(spec.arguments)} argument(s)"
                                  if spec.arguments else ""))
    process = popen(
        command(spec, code, working, entrypoint), cwd=working, env={**os.environ, **env},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True)
    _RUNNING.append(process)
    last: collections.deque[str] = collections.deque(maxlen=STDERR_LINES_KEPT)
    assert process.stdout is not None and process.stderr is not None
    pumps = [threading.Thread(target=_pump, args=(process.stdout, out, None), daemon=True),
             threading.Thread(target=_pump, args=(process.stderr, err, last), daemon=True)]
    for pump in pumps:
        pump.start()
    try:
        code_exit = _wait(process, timeout)
    finally:
        _RUNNING.remove(process)
    for pump in pumps:
        pump.join(KILL_WAIT_SECONDS)
    if code_exit is None:
        raise ScriptFailed(f"{what} timed out after {timeout} s "
                           "(NOTEBOOK_CELL_TIMEOUT_SECONDS)")
    if code_exit < 0:
        name = signal.Signals(-code_exit).name if -code_exit in signal.valid_signals() \
            else str(-code_exit)
        raise ScriptFailed(f"{what} was killed by {name} (out of memory?)")
    if code_exit:
        error = next((one_line(line) for line in reversed(last) if line.strip()), "")
        raise ScriptFailed(f"{what} failed with exit code {code_exit}"
                           + (f": {error}" if error else ""))


def _wait(process: subprocess.Popen[bytes], timeout: int | None) -> int | None:
    """The exit code, or None after killing the process group at the timeout. Waits in short
    steps so that a SIGTERM handler of this (main) thread runs at once."""
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            return process.wait(0.2)
        except subprocess.TimeoutExpired:
            if end is not None and time.monotonic() >= end:
                _kill(process)
                process.wait(KILL_WAIT_SECONDS)
                return None


def _pump(stream: IO[bytes], sink: TextIO, last: collections.deque[str] | None) -> None:
    """Copy the child's lines to ``sink`` as they come, keeping the last ones if asked."""
    with stream:
        while line := stream.readline(MAX_LINE_BYTES):
            text = line.decode("utf-8", "replace")
            if last is not None:
                last.append(text)
            sink.write(text if text.endswith("\n") else text + "\n")
            sink.flush()


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass


def kill_running_processes() -> None:
    """SIGKILL the code's process group (the SIGTERM path, which must not wait)."""
    for process in list(_RUNNING):
        _kill(process)


def upload_outputs(get_store: Callable[[], ObjectStore], spec: ScriptSpec, code: Path,
                   working: Path, job_run_ocid: str, out: TextIO) -> None:
    """The files under ``outputDir``, to ``<outputUri>/<JOB_RUN_OCID>/<path in outputDir>``."""
    output = spec.output
    if output is None or spec.output_dir is None:
        return
    folder = working / spec.output_dir
    if not folder.is_dir() or not _within(folder, code):
        say(out, f"the code left no folder {spec.output_dir} (outputDir) inside the code "
                 "folder: nothing to upload")
        return
    files = _files(folder)
    if len(files) > MAX_OUTPUT_FILES:
        say(out, f"the code wrote {len(files)} files; only the first {MAX_OUTPUT_FILES} are "
                 "uploaded")
        files = files[:MAX_OUTPUT_FILES]
    store = get_store()
    for path in files:
        relative = path.relative_to(folder).as_posix()
        store.write(output.namespace, output.bucket, _object_name(output, job_run_ocid,
                                                                  relative),
                    path.read_bytes(), _content_type(relative))
    say(out, f"uploaded {len(files)} file(s) from {spec.output_dir or '.'} to "
             f"{output_uri(output, run_folder(output, job_run_ocid))}")


def _files(folder: Path) -> list[Path]:
    """Regular files under ``folder``, sorted; links are not followed (nor uploaded)."""
    found = []
    for root, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            path = Path(root, name)
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return sorted(found)


def _object_name(output: SpecLocation, job_run_ocid: str, relative: str) -> str:
    try:
        return output_object(output, job_run_ocid, relative)
    except ValueError as exc:
        raise UploadFailed(f"could not upload {relative}: {exc}") from None


def _content_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"
