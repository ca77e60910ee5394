"""The notebook side of the job container in-process: execution's failure handling with a
stand-in kernel manager and client (the real kernel runs in test_runner.py), the log echo,
and the texts a failed cell leaves in the log."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path
from typing import ClassVar

import nbformat
import pytest
from jupyter_client.kernelspec import NoSuchKernel
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from job import notebook
from job.errors import CellFailed, NotebookProblem
from job.notebook import LogEcho, Prepared, cell_text, one_line, prepare


class Context:
    def __init__(self) -> None:
        self.destroyed: list[int] = []

    def destroy(self, linger: int) -> None:
        self.destroyed.append(linger)


class Manager:
    """Stands in for jupyter_client's AsyncKernelManager."""

    instances: ClassVar[list[Manager]] = []

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs
        self.has_kernel = True
        self.shutdowns: list[bool] = []
        self.context = Context()
        Manager.instances.append(self)

    async def shutdown_kernel(self, now: bool = False) -> None:
        self.shutdowns.append(now)


def client_class(*, fail_at: int | None = None, raises: BaseException | None = None,
                 messages: list[tuple[int, dict]] | None = None,
                 allowed_errors: tuple[int, ...] = ()):
    """Stands in for nbclient's client: starts each cell, echoes ``messages``, and raises
    ``raises`` at cell ``fail_at``. As nbclient, it reports every cell error to an
    ``on_cell_error`` hook if given, also the errors it allows (cells tagged
    raises-exception: ``allowed_errors``), which do not stop the run."""

    class Client:
        seen: ClassVar[list[Client]] = []
        echo = None

        def __init__(self, nb, *, km, timeout, allow_errors, record_timing, resources,
                     on_cell_start, on_cell_error=None) -> None:
            self.nb, self.km, self.timeout = nb, km, timeout
            self.options = (allow_errors, record_timing, resources)
            self.on_cell_start, self.on_cell_error = on_cell_start, on_cell_error
            Client.seen.append(self)

        def execute(self, cleanup_kc: bool, **streams: object) -> None:
            self.cleanup_kc, self.streams = cleanup_kc, streams
            for index, cell in enumerate(self.nb.cells):
                self.on_cell_start(cell, index)
                for at, message in messages or []:
                    if at == index and self.echo is not None:
                        self.echo(index, message)
                errors = index in allowed_errors or (
                    index == fail_at and isinstance(raises, CellExecutionError))
                if errors and self.on_cell_error is not None:
                    self.on_cell_error(cell, index, {})
                if index == fail_at:
                    raise raises

    return Client


def prepared(*sources: str, parameters: dict | None = None) -> Prepared:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return prepare(nb, parameters or {})


def execute(prep: Prepared, tmp_path: Path, client: type, out: io.StringIO | None = None,
            timeout: int | None = 30) -> None:
    notebook.execute(prep, tmp_path / "work", tmp_path / "kernel", kernel_name="python3",
                     cell_timeout=timeout, out=out or io.StringIO(), manager_class=Manager,
                     client_class=client)


def test_execution_uses_a_private_ipc_kernel_and_stops_it_afterwards(tmp_path):
    Manager.instances.clear()
    client = client_class()
    execute(prepared("a = 1", "b = 2"), tmp_path, client)
    [manager] = Manager.instances
    assert manager.kwargs == {"kernel_name": "python3", "transport": "ipc",
                              "connection_file": str(tmp_path / "kernel" / "kernel.json"),
                              "shutdown_wait_time": notebook.KERNEL_SHUTDOWN_SECONDS}
    [run] = client.seen
    assert run.km is manager and run.timeout == 30
    assert run.options == (False, True, {"metadata": {"path": str(tmp_path / "work")}})
    assert run.streams == {}  # a StringIO has no file descriptor for the kernel
    assert run.cleanup_kc is True  # nbclient closes its kernel client when done
    assert (manager.shutdowns, manager.context.destroyed) == ([True], [0])
    assert notebook._RUNNING == []


def test_a_cell_error_names_the_source_cell_and_keeps_its_code_and_traceback(tmp_path):
    error = CellExecutionError("tb", "ValueError", "bad \x1b[31mvalue\x1b[0m\n here")
    prep = prepared("x = 1", "raise ValueError('bad value')", parameters={"n": 1})
    prep.nb.cells[2].outputs = [nbformat.v4.new_output(
        "error", ename="ValueError", evalue="bad",
        traceback=["\x1b[31mTraceback\x1b[0m (most recent call last)", "", "ValueError: bad"])]
    with pytest.raises(CellFailed) as raised:
        execute(prep, tmp_path, client_class(fail_at=2, raises=error))
    # cell 2 of the source notebook: the injected parameters cell is not counted
    assert raised.value.message == "notebook cell 2 raised ValueError: bad value here"
    assert raised.value.details == (
        "notebook cell 2 failed; its code:", "    raise ValueError('bad value')",
        "Traceback (most recent call last)", "ValueError: bad")


def test_a_cell_error_after_an_allowed_one_names_the_cell_that_stopped_the_run(tmp_path):
    error = CellExecutionError("tb", "KeyError", "'x'")
    with pytest.raises(CellFailed) as raised:
        execute(prepared("raise ValueError", "x = 1", "d['x']"), tmp_path,
                client_class(fail_at=2, raises=error, allowed_errors=(0,)))
    assert raised.value.message == "notebook cell 3 raised KeyError: 'x'"


def test_the_kernels_folder_may_exist_or_lack_its_parents(tmp_path):
    (tmp_path / "kernel").mkdir()
    execute(prepared("1"), tmp_path, client_class())
    notebook.execute(prepared("1"), tmp_path / "work", tmp_path / "a" / "b" / "kernel",
                     kernel_name="python3", cell_timeout=None, out=io.StringIO(),
                     manager_class=Manager, client_class=client_class())
    assert (tmp_path / "a" / "b" / "kernel").is_dir()


def test_a_failure_in_the_injected_cell_says_so(tmp_path):
    error = CellExecutionError("tb", "NameError", "")
    with pytest.raises(CellFailed) as raised:
        execute(prepared("x = 1", parameters={"n": 1}), tmp_path,
                client_class(fail_at=0, raises=error))
    assert raised.value.message == "notebook the injected parameters cell raised NameError"


def test_a_cell_timeout_names_the_cell_and_the_setting(tmp_path):
    with pytest.raises(CellFailed) as raised:
        execute(prepared("1", "2"), tmp_path, client_class(fail_at=1, raises=CellTimeoutError()),
                timeout=5)
    assert raised.value.message == ("notebook cell 2 timed out after 5 s "
                                    "(NOTEBOOK_CELL_TIMEOUT_SECONDS)")


def test_a_dead_kernel_is_a_notebook_problem_naming_the_cell(tmp_path):
    with pytest.raises(NotebookProblem) as raised:
        execute(prepared("1"), tmp_path, client_class(fail_at=0, raises=DeadKernelError("x")))
    assert raised.value.message == ("the kernel died while running notebook cell 1 "
                                    "(out of memory?)")


def test_an_unknown_kernel_names_the_setting(tmp_path):
    with pytest.raises(NotebookProblem) as raised:
        execute(prepared("1"), tmp_path, client_class(fail_at=0, raises=NoSuchKernel("r")))
    assert raised.value.message == ("no Jupyter kernel named python3 is installed "
                                    "(NOTEBOOK_KERNEL)")


def test_a_kernel_that_cannot_start_is_a_notebook_problem(tmp_path):
    Manager.instances.clear()
    with pytest.raises(NotebookProblem) as raised:
        execute(prepared("1"), tmp_path, client_class(fail_at=0, raises=RuntimeError("x")))
    assert raised.value.message == ("the notebook's kernel (python3) could not be started "
                                    "(RuntimeError)")
    assert Manager.instances[0].shutdowns == [True]  # stopped all the same


def test_other_failures_reach_the_caller_unchanged(tmp_path):
    with pytest.raises(KeyError):
        execute(prepared("1"), tmp_path, client_class(fail_at=0, raises=KeyError("x")))


def test_a_kernel_that_is_gone_or_fails_to_stop_is_left_alone():
    class Gone(Manager):
        async def shutdown_kernel(self, now: bool = False) -> None:
            raise RuntimeError("already gone")

    gone = Gone()
    notebook._stop_kernel(gone)
    assert gone.context.destroyed == [0]
    idle = Manager()
    idle.has_kernel = False
    idle.context = None
    notebook._stop_kernel(idle)
    assert idle.shutdowns == []


def test_each_cells_output_is_echoed_to_the_log_as_it_runs(tmp_path):
    messages = [
        (0, {"msg_type": "stream", "content": {"text": "hello\nworld\n"}}),
        (1, {"msg_type": "execute_result", "content": {"data": {"text/plain": "42"}}}),
        (1, {"msg_type": "display_data", "content": {"data": {"image/png": "…"}}}),
        (1, {"msg_type": "status", "content": {"execution_state": "busy"}}),
    ]
    out = io.StringIO()
    execute(prepared("print('hello')", "42", parameters={"n": 1}), tmp_path,
            client_class(messages=messages), out=out)
    assert out.getvalue() == "[parameters] hello\n[parameters] world\n[cell 1] 42\n"


def test_the_echo_stops_at_its_limit_per_cell():
    out = io.StringIO()
    echo = LogEcho(out, lambda index: f"cell {index + 1}", limit=10)
    echo(0, {"msg_type": "stream", "content": {"text": ["12345", "678\n"]}})
    echo(0, {"msg_type": "stream", "content": {"text": "abcdef\n"}})
    echo(0, {"msg_type": "stream", "content": {"text": "more\n"}})
    echo(1, {"msg_type": "stream", "content": {"text": "\x1b[31mred\x1b[0m\n"}})
    echo(1, {"msg_type": "stream", "content": {"text": ""}})
    assert out.getvalue().splitlines() == [
        "[cell 1] 12345678", "[cell 1] a", "[cell 1] … (the rest is in the executed notebook)",
        "[cell 2] red"]


def test_cell_text_keeps_streams_and_plain_results_up_to_its_limit():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="out\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"image/png": "…"}),
        nbformat.v4.new_output("error", ename="E", evalue="v", traceback=[]),
    ]
    assert cell_text(cell) == "out\n1\n"
    assert cell_text(cell, limit=3) == ("out\n… (3 more characters in the executed "
                                        "notebook)\n")


def test_one_line_flattens_and_shortens_an_error_value():
    assert one_line("a\n  b\x1b[1m c") == "a b c"
    assert one_line("x" * 10, limit=5) == "xxxx…"
    assert one_line("x" * 5, limit=5) == "xxxxx"  # exactly the limit: whole


def test_a_long_failed_cell_shows_its_first_lines_only():
    cell = nbformat.v4.new_code_cell("\n".join(f"line{i}" for i in range(25)))
    details = notebook._failure_details("cell 3", cell, max_source_lines=20)
    assert details[0] == "notebook cell 3 failed; its code:"
    assert details[1:21] == tuple(f"    line{i}" for i in range(20))
    assert details[21] == "    … (5 more lines)"
    assert notebook._failure_details("cell 1", {}) == ("notebook cell 1 failed; its code:",)
    twenty = nbformat.v4.new_code_cell("\n".join(f"line{i}" for i in range(20)))
    assert notebook._failure_details("cell 3", twenty)[-1] == "    line19"  # all of it


def test_the_kernel_uses_tcp_when_the_socket_path_would_be_too_long(tmp_path):
    assert notebook._transport(tmp_path / "k") == "ipc"
    assert notebook._transport(Path("/" + "x" * 100)) == "tcp"


def test_a_log_that_is_a_file_receives_the_kernels_own_output(tmp_path):
    with (tmp_path / "log").open("w") as log:
        assert notebook._kernel_streams(log) == {"stdout": log, "stderr": log}
    assert notebook._kernel_streams(io.StringIO()) == {}


def test_cancel_kills_each_running_kernels_process_group(monkeypatch):
    class Provisioner:
        def __init__(self, pgid: int | None, pid: int | None) -> None:
            self.pgid, self.pid = pgid, pid

    class Running:
        def __init__(self, provisioner: object) -> None:
            self.provisioner = provisioner

    killed: list[tuple[str, int, int]] = []

    def killpg(pgid: int, sig: int) -> None:
        killed.append(("group", pgid, sig))
        raise ProcessLookupError  # already gone: ignored

    monkeypatch.setattr(os, "killpg", killpg)
    monkeypatch.setattr(os, "kill", lambda pid, sig: killed.append(("pid", pid, sig)))
    # a manager without a provisioner at all must not stop the cancel before it exits
    monkeypatch.setattr(notebook, "_RUNNING", [Running(Provisioner(4242, 4243)),
                                               Running(Provisioner(None, 4244)),
                                               Running(None), object()])
    notebook.kill_running_kernels()
    assert killed == [("group", 4242, signal.SIGKILL), ("pid", 4244, signal.SIGKILL)]


def test_a_source_cell_outside_the_notebook_has_no_number():
    prep = prepared("a")
    assert (prep.source_cell(0), prep.source_cell(1), prep.source_cell(-1)) == (1, None, None)


def test_tags_are_the_string_tags_of_a_cell_whatever_its_metadata_holds():
    assert notebook.tags({}) == []
    assert notebook.tags({"metadata": {"tags": "parameters"}}) == []
    assert notebook.tags({"metadata": {"tags": ["parameters", 1, None]}}) == ["parameters"]


def test_displayed_text_is_echoed_like_a_result():
    out = io.StringIO()
    echo = LogEcho(out, lambda index: "cell 1")
    echo(0, {"msg_type": "display_data", "content": {"data": {"text/plain": "shown"}}})
    assert out.getvalue() == "[cell 1] shown\n"


def test_a_cell_without_outputs_has_no_text():
    assert cell_text(nbformat.v4.new_markdown_cell("# title")) == ""


def test_the_echoing_client_shows_each_message_then_processes_it_for_its_cell():
    """The real nbclient client, without a kernel: a display is recorded in the cell it came
    from, so a later update of that display (``update_display_data``) finds it."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1"), nbformat.v4.new_code_cell("2")]
    client = notebook._client_class()(nb)
    seen: list[tuple[int, str]] = []
    client.echo = lambda index, msg: seen.append((index, msg["msg_type"]))

    def message(kind: str, text: str) -> dict:
        return {"msg_type": kind, "header": {"msg_type": kind}, "parent_header": {"msg_id": "m"},
                "content": {"data": {"text/plain": text}, "metadata": {},
                            "transient": {"display_id": "progress"}}}

    cell = nb.cells[1]
    client.clear_before_next_output = False  # as nbclient sets it when a cell starts
    output = client.process_message(message("display_data", "10%"), cell, 1)
    assert output is not None and cell.outputs == [output]
    client.process_message(message("update_display_data", "90%"), cell, 1)
    assert [out["data"]["text/plain"] for out in cell.outputs] == ["90%"]
    assert nb.cells[0].outputs == []
    assert seen == [(1, "display_data"), (1, "update_display_data")]
    client.echo = None
    client.process_message(message("display_data", "x"), cell, 1)  # processed all the same
    assert len(cell.outputs) == 2 and seen == [(1, "display_data"), (1, "update_display_data")]


def test_a_notebook_saved_with_a_byte_order_mark_loads():
    text = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    assert notebook.load(("\ufeff" + text).encode("utf-8")).cells[0].source == "1"


@pytest.mark.parametrize(("texts", "lines"), [
    (["12345", "6\n"], ["12345", "… (the rest is in the executed notebook)"]),
    (["1234\n", "5\n"], ["1234", "… (the rest is in the executed notebook)"]),
    (["123", "4\n56\n"], ["123", "4", "… (the rest is in the executed notebook)"]),
    (["12345", "6", "7"], ["12345", "… (the rest is in the executed notebook)"]),
    (["12345"], ["12345"]),  # exactly the limit: nothing left out
])
def test_the_echo_says_once_where_the_rest_is_without_a_blank_line(texts, lines):
    out = io.StringIO()
    echo = LogEcho(out, lambda index: "cell 1", limit=5)
    for text in texts:
        echo(0, {"msg_type": "stream", "content": {"text": text}})
    assert out.getvalue().splitlines() == [f"[cell 1] {line}" for line in lines]


def test_the_kernel_uses_tcp_from_exactly_the_socket_path_limit():
    # str(folder / "kernel-ipc-5") is 1 + k + 13 bytes for a folder "/" + k bytes
    assert notebook._transport(Path("/" + "x" * 85)) == "ipc"  # 99 bytes
    assert notebook._transport(Path("/" + "x" * 86)) == "tcp"  # 100 bytes
    assert notebook._transport(Path("/" + "é" * 43)) == "tcp"  # 100 bytes in 57 characters


def test_a_log_without_a_usable_file_descriptor_keeps_the_kernels_output(tmp_path):
    closed = (tmp_path / "log").open("w")
    closed.close()
    assert notebook._kernel_streams(closed) == {}  # ValueError: I/O on a closed file
    assert notebook._kernel_streams(object()) == {}  # no flush, no fileno
