"""The job container's entrypoint: ``python -m job.runner``.

1. read the environment (:mod:`job.settings`): the spec location from ``$SPEC_ENV_VAR``
   (default ``NOTEPAD_YAML_URL``), ``JOB_SPEC_ETAG``, ``JOB_RUN_OCID``;
2. read the spec with the run's resource principal, pinned to ``JOB_SPEC_ETAG`` when set,
   and validate it with the spec library (:mod:`jobspec`), as the function does;
3. download the notebook (``noteBook`` / ``notebookPathURI``: https or ``oci://``); a python
   or script runtime's code is fetched and run by :mod:`job.scripts` instead;
4. drop ``excludeTags`` cells, inject the spec's ``parameters`` papermill-style, execute it
   with nbclient in an empty working folder; the kernel inherits the run's environment;
5. upload the files the notebook wrote and the executed notebook to
   ``<outputFolder|outputUri>/<JOB_RUN_OCID>/`` (also after a cell error).

stdout is the run's progress log (with each cell's text output); stderr gets only failures:
a failed cell's code and traceback, and ``job-runner: …`` lines, the last of which sums up
the failure. The exit code says what
failed (:class:`job.errors.ExitCode`). Nothing printed holds the spec's text, tokens or
environment values; the only identifiers shown are the spec's location and eTag, the run's
OCID and the output objects.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from jobspec.container import ContainerSpec, ScriptSpec, read_container_spec
from jobspec.errors import SpecInvalid, SpecTooLarge
from jobspec.limits import ETAG_ENV_VAR
from ocirefs.locations import SpecLocation

from .errors import (
    PREFIX,
    CellFailed,
    ExitCode,
    NotebookProblem,
    RunnerError,
    SpecProblem,
    UploadFailed,
)
from .outputs import notebook_name, output_object, output_uri, run_folder
from .settings import RunnerSettings
from .storage import ObjectStore, fetch_notebook, resource_principal_store
from .urltext import shown_url

NOTEBOOK_CONTENT_TYPE = "application/x-ipynb+json"
MAX_OUTPUT_FILES = 1000
StoreFactory = Callable[[RunnerSettings], ObjectStore]
# notebook.execute's signature: (prepared, workdir, runtime_dir, *, kernel_name,
# cell_timeout, out); tests pass their own to run without a kernel.
Executor = Callable[..., None]


def say(out: TextIO, message: str) -> None:
    print(PREFIX + message, file=out, flush=True)


def shown(url: str) -> str:
    """A notebook URL as it may appear in the log: ``oci://…`` in full, https without what
    may hold a token."""
    return url if url.lower().startswith("oci://") else shown_url(url)


def run(env: Mapping[str, str], *, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
        store_factory: StoreFactory | None = None, opener: Callable[..., Any] | None = None,
        temp_dir: str | None = None, execute: Executor | None = None,
        clock: Callable[[], float] = time.monotonic) -> int:
    """Run the job once; return the exit code. Never raises (except KeyboardInterrupt).

    The defaults are production's: the run's resource principal, urllib, a real kernel
    (:func:`job.notebook.execute`) and the monotonic clock."""
    try:
        return _run(env, out, err, store_factory or _rp_store, opener, temp_dir, execute,
                    clock)
    except RunnerError as exc:
        _report(exc, err)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the edge: every failure becomes an exit code
        traceback.print_exc(file=err)
        print(PREFIX + f"internal error ({type(exc).__name__}); the traceback above says where",
              file=err, flush=True)
        return ExitCode.INTERNAL


def _rp_store(settings: RunnerSettings) -> ObjectStore:
    return resource_principal_store(settings.object_storage_endpoint)


def _report(exc: RunnerError, err: TextIO) -> None:
    for line in exc.details:
        print(line, file=err)
    print(PREFIX + exc.message, file=err, flush=True)


def _run(env: Mapping[str, str], out: TextIO, err: TextIO, store_factory: StoreFactory,
         opener: Callable[..., Any] | None, temp_dir: str | None,
         execute: Executor | None, clock: Callable[[], float]) -> int:
    started = clock()
    settings = RunnerSettings.from_env(env)
    store: list[ObjectStore] = []

    def get_store() -> ObjectStore:
        if not store:
            store.append(store_factory(settings))
        return store[0]

    location = settings.spec_location
    pinned = f" at eTag {settings.spec_etag}" if settings.spec_etag else ""
    say(out, f"job run {settings.job_run_ocid}: reading the spec {location.uri}{pinned}")
    data, _ = get_store().read(location, max_bytes=settings.max_spec_bytes, what="spec",
                               if_match=settings.spec_etag)
    try:
        spec = read_container_spec(data, max_bytes=settings.max_spec_bytes,
                                   spec_env_var=settings.spec_env_var,
                                   launcher_env=launcher_env(settings))
    except SpecInvalid as exc:
        raise SpecProblem(f"the spec is invalid: {exc.message}", details=tuple(
            f"{PREFIX}invalid spec: {problem}" for problem in exc.problems)) from None
    except SpecTooLarge as exc:
        raise SpecProblem(f"the spec is invalid: {exc.message}") from None
    if isinstance(spec, ScriptSpec):  # a python or script runtime: job/scripts.py
        from .scripts import run_code

        run_code(spec, settings, get_store, env, out, err, opener=opener, temp_dir=temp_dir)
        say(out, f"succeeded in {clock() - started:.1f} s")
        return ExitCode.OK
    _describe(spec, out)

    notebook_bytes = fetch_notebook(spec.notebook, get_store,
                                    max_bytes=settings.max_notebook_bytes,
                                    timeout=settings.download_timeout_seconds, opener=opener)
    from . import notebook

    nb = notebook.load(notebook_bytes, spec.encoding)
    prepared = notebook.prepare(nb, spec.parameters, spec.exclude_tags)
    if spec.parameters and not prepared.found_parameters_cell:
        say(out, "no cell is tagged 'parameters': the parameters cell goes first")

    workspace = Path(tempfile.mkdtemp(prefix="job-runner-", dir=temp_dir))
    try:
        workdir = workspace / "work"
        workdir.mkdir()
        say(out, f"executing {len(prepared.nb.cells)} cells with the {settings.kernel_name} "
                 "kernel")
        failure: RunnerError | None = None
        try:
            (execute or notebook.execute)(prepared, workdir, workspace / "kernel",
                                          kernel_name=settings.kernel_name,
                                          cell_timeout=settings.cell_timeout_seconds, out=out)
        except (CellFailed, NotebookProblem) as exc:
            failure = exc
        prepared.nb.metadata["oci_jobrun"] = {
            "job_run_ocid": settings.job_run_ocid,
            "spec": location.uri,
            "status": "failed" if failure else "succeeded",
        }
        name = notebook_name(spec.notebook)
        try:
            _upload(get_store(), spec, settings, workdir, name, prepared.nb, out)
        except UploadFailed as upload_failure:
            if failure is None:
                raise
            _report(RunnerError(upload_failure.message), err)
        if failure is not None:
            raise failure
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    say(out, f"succeeded in {clock() - started:.1f} s")
    return ExitCode.OK


def launcher_env(settings: RunnerSettings) -> dict[str, str]:
    """The variables the launcher gave this run: they count toward the spec's env limit."""
    env = {settings.spec_env_var: settings.spec_location.uri}
    if settings.spec_etag:
        env[ETAG_ENV_VAR] = settings.spec_etag
    return env


def _describe(spec: ContainerSpec, out: TextIO) -> None:
    say(out, f"the spec is valid ({spec.dialect} dialect); notebook {shown(spec.notebook)}, "
             f"{len(spec.parameters)} parameter(s)"
             + (f", excluding tags {', '.join(spec.exclude_tags)}" if spec.exclude_tags else ""))
    if spec.output is None:
        say(out, "the spec names no outputFolder/outputUri: the executed notebook is not kept")


def _upload(store: ObjectStore, spec: ContainerSpec, settings: RunnerSettings, workdir: Path,
            name: str, nb: Any, out: TextIO) -> None:
    """Files the notebook wrote, then the executed notebook, under the run's folder."""
    import nbformat

    output = spec.output
    if output is None:
        return
    files = sorted(path for path in workdir.rglob("*")
                   if path.is_file() and not path.is_symlink()
                   and ".ipynb_checkpoints" not in path.parts)
    files = [path for path in files if path.relative_to(workdir).as_posix() != name]
    if len(files) > MAX_OUTPUT_FILES:
        say(out, f"the notebook wrote {len(files)} files; only the first {MAX_OUTPUT_FILES} "
                 "are uploaded")
        files = files[:MAX_OUTPUT_FILES]
    for path in files:
        relative = path.relative_to(workdir).as_posix()
        object_name = _object_name(output, settings, relative)
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        with path.open("rb") as handle:
            store.write(output.namespace, output.bucket, object_name, handle.read(),
                        content_type)
    object_name = _object_name(output, settings, name)
    data = nbformat.writes(nb).encode("utf-8")
    store.write(output.namespace, output.bucket, object_name, data, NOTEBOOK_CONTENT_TYPE)
    extra = f" and {len(files)} file(s) the notebook wrote" if files else ""
    say(out, f"uploaded the executed notebook {output_uri(output, object_name)}{extra} "
             f"(folder {output_uri(output, run_folder(output, settings.job_run_ocid))})")


def _object_name(output: SpecLocation, settings: RunnerSettings, relative: str) -> str:
    try:
        return output_object(output, settings.job_run_ocid, relative)
    except ValueError as exc:
        raise UploadFailed(f"could not upload {relative}: {exc}") from None


CANCELED_LINE = (PREFIX + "canceled (SIGTERM): the job run was canceled or reached its "
                 "maximum runtime\n").encode()


def cancel_now() -> None:
    """Data Science stops the container on cancel or timeout: say so, stop the kernel and
    leave at once, without waiting for the cell that is running."""
    os.write(2, CANCELED_LINE)
    notebook = sys.modules.get(f"{__package__}.notebook")  # no import inside a handler
    if notebook is not None:
        notebook.kill_running_kernels()
    scripts = sys.modules.get(f"{__package__}.scripts")
    if scripts is not None:
        scripts.kill_running_processes()
    os._exit(ExitCode.CANCELED)


def _on_sigterm(signum: int, frame: Any) -> None:
    cancel_now()


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """Library warnings go to the log (stdout): stderr is for failure lines only."""
    print(f"warning: {category.__name__}: {message}", file=sys.stdout, flush=True)


def main() -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    warnings.showwarning = _show_warning
    return run(os.environ)


def exit_now(code: int) -> None:
    """Flush and exit without the interpreter's shutdown: a kernel that failed half-way can
    leave ZeroMQ sockets behind whose context would block the exit forever."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
