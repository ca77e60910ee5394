"""Preparing and executing the notebook with nbclient.

Preparation follows two well-known conventions:

- **ADS ``excludeTags``**: cells carrying one of the tags are removed before execution.
- **papermill parameters**: a code cell tagged ``injected-parameters`` holding
  ``name = <Python literal>`` lines is inserted right after the cell tagged ``parameters``
  (at the top when there is none) and replaces an earlier injected cell, so the notebook's
  defaults are overridden and the executed notebook shows what the run used.

Execution uses an IPC-transport kernel with its files in a private folder (TCP on localhost
when that folder's path is too long for a unix socket). The working directory is an empty
folder: files the notebook writes there are uploaded with it, as ADS does. Each cell's text
output is echoed to stdout while it runs, prefixed with ``[cell N]``, so it shows in the job
run's log. Cells are numbered 1-based in the notebook as downloaded (markdown cells count),
which is what a reader of the source notebook sees.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .errors import CellFailed, NotebookProblem

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
MAX_ECHO_CHARS = 8000
MAX_EVALUE_CHARS = 300
MAX_SOCKET_PATH = 100
KERNEL_SHUTDOWN_SECONDS = 2.0
_RUNNING: list[Any] = []  # kernel managers with a kernel that may be running
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


@dataclass
class Prepared:
    """The notebook to execute and, per cell, its 1-based position in the source (None for
    the injected parameters cell)."""

    nb: Any
    origins: list[int | None]
    found_parameters_cell: bool = True

    def source_cell(self, index: int) -> int | None:
        return self.origins[index] if 0 <= index < len(self.origins) else None


def load(data: bytes, encoding: str = "utf-8") -> Any:
    """Parse .ipynb bytes as nbformat v4; raise NotebookProblem.

    As lenient as Jupyter: older formats are upgraded, and small schema slips (a missing
    cell id or ``outputs`` list) are repaired rather than refused.
    """
    import nbformat
    from nbformat.validator import normalize

    try:
        text = data.decode(encoding)
        if text.startswith("\ufeff"):
            text = text[1:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
            if not isinstance(nb.get("cells"), list):
                raise ValueError("no cells")
            for cell in nb.cells:
                if cell.get("cell_type") == "code":
                    cell.setdefault("outputs", [])
                    cell.setdefault("execution_count", None)
            nb = nbformat.from_dict(normalize(nb)[1])
    except UnicodeDecodeError:
        raise NotebookProblem(f"the notebook is not valid {encoding} text") from None
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a bad file
        raise NotebookProblem(f"the notebook is not a valid .ipynb file "
                              f"({type(exc).__name__})") from None
    return nb


def tags(cell: Any) -> list[str]:
    value = cell.get("metadata", {}).get("tags", [])
    return [tag for tag in value if isinstance(tag, str)] if isinstance(value, list) else []


def parameters_source(parameters: dict[str, Any]) -> str:
    """The injected cell's code: one ``name = literal`` line per parameter, in spec order."""
    lines = ["# Parameters"]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    return "\n".join(lines) + "\n"


def prepare(nb: Any, parameters: dict[str, Any], exclude_tags: tuple[str, ...] = ()
            ) -> Prepared:
    """Drop excluded cells and inject the parameters cell (papermill's placement rules)."""
    import nbformat

    excluded = set(exclude_tags)
    kept = [(position, cell) for position, cell in enumerate(nb.cells, start=1)
            if not excluded.intersection(tags(cell))]
    if not parameters:
        nb.cells = [cell for _, cell in kept]
        return Prepared(nb, [position for position, _ in kept])

    kept = [(position, cell) for position, cell in kept if INJECTED_TAG not in tags(cell)]
    anchor = next((i for i, (_, cell) in enumerate(kept) if PARAMETERS_TAG in tags(cell)), None)
    injected = nbformat.v4.new_code_cell(parameters_source(parameters))
    injected.metadata["tags"] = [INJECTED_TAG]
    at = 0 if anchor is None else anchor + 1
    cells = [cell for _, cell in kept]
    origins: list[int | None] = [position for position, _ in kept]
    cells.insert(at, injected)
    origins.insert(at, None)
    nb.cells = cells
    return Prepared(nb, origins, found_parameters_cell=anchor is not None)


def plain(text: str) -> str:
    """Text without ANSI colour codes (IPython colours its tracebacks)."""
    return _ANSI.sub("", text)


def one_line(text: str, limit: int = MAX_EVALUE_CHARS) -> str:
    flat = " ".join(plain(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def cell_text(cell: Any, limit: int = MAX_ECHO_CHARS) -> str:
    """A code cell's stream and ``text/plain`` outputs, for the log."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_text(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "text/plain" in data:
                parts.append(_text(data["text/plain"]) + "\n")
    text = plain("".join(parts))
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more "\
        "characters in the executed notebook)\n"


def _text(value: Any) -> str:
    """Notebook text: a string, or (as stored in .ipynb files) a list of lines."""
    return "".join(value) if isinstance(value, list) else str(value)


class LogEcho:
    """Echoes each cell's text output to the log while it runs, ``[cell N] …`` per line,
    at most ``limit`` characters per cell."""

    def __init__(self, out: TextIO, label: Callable[[int], str], limit: int = MAX_ECHO_CHARS):
        self.out, self.label, self.limit = out, label, limit
        self.echoed: dict[int, int] = {}

    def __call__(self, cell_index: int, msg: dict[str, Any]) -> None:
        kind, content = msg.get("msg_type"), msg.get("content") or {}
        if kind == "stream":
            text = _text(content.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            data = content.get("data") or {}
            text = _text(data["text/plain"]) + "\n" if "text/plain" in data else ""
        else:
            return
        used = self.echoed.get(cell_index, 0)
        if not text or used > self.limit:
            return
        text = plain(text)
        if used + len(text) > self.limit:
            kept = text[: self.limit - used]
            text = (kept + ("\n" if kept and not kept.endswith("\n") else "")
                    + "… (the rest is in the executed notebook)\n")
        self.echoed[cell_index] = used + len(text)
        prefix = f"[{self.label(cell_index)}] "
        for line in text.splitlines():
            print(prefix + line, file=self.out)
        self.out.flush()


def _client_class() -> type:
    from nbclient import NotebookClient

    class EchoingClient(NotebookClient):
        """nbclient's client, showing each kernel message to ``echo`` before processing it."""

        echo: Callable[[int, dict[str, Any]], None] | None = None

        def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
            if self.echo is not None:
                self.echo(cell_index, msg)
            return super().process_message(msg, cell, cell_index)

    return EchoingClient


def execute(prepared: Prepared, workdir: Path, runtime_dir: Path, *, kernel_name: str,
            cell_timeout: int | None, out: TextIO = sys.stdout,
            manager_class: type | None = None, client_class: type | None = None) -> None:
    """Run every cell in order; raise CellFailed (with the cell) or NotebookProblem.

    ``prepared.nb`` holds the outputs afterwards, also when a cell failed. The work happens
    in a helper thread while the calling thread waits in short joins: there, a signal
    handler (SIGTERM on cancel) runs at once, whereas a thread blocked in ZeroMQ's poll would
    run it only after the cell finished. ``manager_class`` (jupyter_client's
    AsyncKernelManager) and ``client_class`` (nbclient's NotebookClient, echoing) are
    parameters so that tests can run without a kernel.
    """
    outcome: list[BaseException] = []

    def work() -> None:
        try:
            _execute(prepared, workdir, runtime_dir, kernel_name=kernel_name,
                     cell_timeout=cell_timeout, out=out, manager_class=manager_class,
                     client_class=client_class)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            outcome.append(exc)

    worker = threading.Thread(target=work, name="notebook", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    if outcome:
        raise outcome[0]


def _execute(prepared: Prepared, workdir: Path, runtime_dir: Path, *, kernel_name: str,
             cell_timeout: int | None, out: TextIO, manager_class: type | None = None,
             client_class: type | None = None) -> None:
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import AsyncKernelManager
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from zmq import ZMQError

    progress: dict[str, int] = {}

    def number(index: int) -> str:
        position = prepared.source_cell(index)
        return "the injected parameters cell" if position is None else f"cell {position}"

    def label(index: int) -> str:
        position = prepared.source_cell(index)
        return "parameters" if position is None else f"cell {position}"

    # The cell that raised or timed out is the one started last: nbclient stops there (an
    # error it was told to allow, in a cell tagged raises-exception, does not stop it).
    def started(cell: Any, cell_index: int) -> None:
        progress["current"] = cell_index

    runtime_dir.mkdir(parents=True, exist_ok=True)
    # A kernel normally exits within 0.2 s of its shutdown request; now and then it misses
    # it, and jupyter_client's default (5 s: half waiting, half after SIGTERM) shows.
    manager = (manager_class or AsyncKernelManager)(
        kernel_name=kernel_name, transport=_transport(runtime_dir),
        connection_file=str(runtime_dir / "kernel.json"),
        shutdown_wait_time=KERNEL_SHUTDOWN_SECONDS)
    _RUNNING.append(manager)
    client = (client_class or _client_class())(
        prepared.nb, km=manager, timeout=cell_timeout, allow_errors=False, record_timing=True,
        resources={"metadata": {"path": str(workdir)}}, on_cell_start=started)
    client.echo = LogEcho(out, label)
    try:
        # The kernel's own stdout/stderr go to the log (our stdout): stderr stays for the
        # runner's failure lines, so its last line is always the summary.
        client.execute(cleanup_kc=True, **_kernel_streams(out))
    except CellTimeoutError:
        index = progress.get("current", -1)
        raise CellFailed(f"notebook {number(index)} timed out after {cell_timeout} s "
                         "(NOTEBOOK_CELL_TIMEOUT_SECONDS)") from None
    except CellExecutionError as exc:
        index = progress.get("current", -1)
        cell = prepared.nb.cells[index] if 0 <= index < len(prepared.nb.cells) else {}
        evalue = one_line(exc.evalue or "")
        raise CellFailed(f"notebook {number(index)} raised {exc.ename}"
                         + (f": {evalue}" if evalue else ""),
                         details=_failure_details(number(index), cell)) from None
    except DeadKernelError:
        index = progress.get("current", -1)
        raise NotebookProblem(f"the kernel died while running notebook {number(index)} "
                              "(out of memory?)") from None
    except NoSuchKernel:
        raise NotebookProblem(f"no Jupyter kernel named {kernel_name} is installed "
                              "(NOTEBOOK_KERNEL)") from None
    except (RuntimeError, TimeoutError, ZMQError) as exc:
        raise NotebookProblem(f"the notebook's kernel ({kernel_name}) could not be started "
                              f"({type(exc).__name__})") from None
    finally:
        _stop_kernel(manager)
        _RUNNING.remove(manager)


def _stop_kernel(manager: Any) -> None:
    """Make sure no kernel outlives the run, whatever happened above."""
    from jupyter_core.utils import run_sync

    try:
        if manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - best effort: the kernel may already be gone
        pass
    # Close the ZeroMQ sockets now: left to the garbage collector, each may linger a second.
    context = getattr(manager, "context", None)
    if context is not None:
        context.destroy(linger=0)


def kill_running_kernels() -> None:
    """SIGKILL the process group of every kernel started here and still running.

    For the SIGTERM path, which must not wait: jupyter_client starts kernels in their own
    session, so a signal to the runner's process group does not reach them.
    """
    for manager in list(_RUNNING):
        provisioner = getattr(manager, "provisioner", None)
        pgid, pid = getattr(provisioner, "pgid", None), getattr(provisioner, "pid", None)
        try:
            if pgid:
                os.killpg(pgid, signal.SIGKILL)
            elif pid:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _transport(runtime_dir: Path) -> str:
    """``ipc`` (unix sockets in a private folder, nothing listening on the network) when the
    socket paths fit the 107-byte limit, else ``tcp`` on localhost."""
    longest = len(str(runtime_dir / "kernel-ipc-5").encode("utf-8", "surrogateescape"))
    return "ipc" if longest < MAX_SOCKET_PATH else "tcp"


def _kernel_streams(out: TextIO) -> dict[str, Any]:
    """Popen arguments sending the kernel's stdout and stderr to ``out`` when it is a file."""
    try:
        out.flush()
        out.fileno()
    except (AttributeError, OSError, ValueError):
        return {}
    return {"stdout": out, "stderr": out}


def _failure_details(label: str, cell: Any, max_source_lines: int = 20) -> tuple[str, ...]:
    """The failed cell's first lines of code and its traceback, for the log."""
    lines = [f"notebook {label} failed; its code:"]
    code = cell.get("source", "").splitlines()
    lines += [f"    {line}" for line in code[:max_source_lines]]
    if len(code) > max_source_lines:
        lines.append(f"    … ({len(code) - max_source_lines} more lines)")
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            for entry in output.get("traceback", []):
                lines += [line for line in plain(entry).splitlines() if line.strip()]
    return tuple(lines)
