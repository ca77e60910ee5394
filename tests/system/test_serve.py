"""``make serve``: the README's "try it locally" block, run as written against the server.

One server for the module: start ``python -m demo.serve``, run the README's curl block
(found by its marker) in bash, stop the server with SIGINT, then look for anything left
behind. The tests assert on what was recorded.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from demo.serve import DEFAULT_PORT, curl_block
from tests.support.paths import ROOT

MARKER = "<!-- try-it-locally:"
README_URL = f"http://127.0.0.1:{DEFAULT_PORT}/jobruns"


def readme_block() -> str:
    readme = (ROOT / "README.md").read_text()
    after = readme[readme.index(MARKER):]
    match = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert match, "no ```sh block after the try-it-locally marker"
    return match.group(1)


def commands(block: str) -> list[str]:
    """Shell commands, one per entry (continuation lines joined), comments dropped."""
    found, current = [], ""
    for line in block.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line + "\n"
        if not line.endswith("\\"):
            found.append(current.strip())
            current = ""
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Session:
    answers: dict[str, str]  # command text (README's) → what it printed (\r\n read as \n)
    run_id: str
    server_output: str
    returncode: int | None
    leftovers: list[str]
    port_free: bool

    def answer(self, *parts: str) -> str:
        matching = [text for command, text in self.answers.items()
                    if all(part in command for part in parts)]
        assert len(matching) == 1, (parts, list(self.answers))
        return matching[0]


def body_of(answer: str) -> dict:
    return json.loads(answer.strip().split("\n\n")[-1])


def left_behind(tmp_path: Path) -> list[str]:
    """Files in the server's TMPDIR, and processes whose environment points into it (the
    function carries the credential paths, the job runs their TMPDIR)."""
    leftovers = [str(path) for path in (tmp_path / "tmp").iterdir()]
    marker = str(tmp_path).encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "environ").read_bytes():
                    leftovers.append(f"process {proc.name}")
            except OSError:
                continue
    return leftovers


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    tmp_path = tmp_path_factory.mktemp("serve")
    (tmp_path / "tmp").mkdir()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "demo.serve", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    assert server.stdout is not None
    seen: list[str] = []
    try:
        for line in server.stdout:
            seen.append(line)
            if line.startswith("Ctrl-C stops everything"):
                break
        else:
            pytest.fail("the server stopped before it was ready:\n" + "".join(seen))
        block = readme_block()
        assert block.count(README_URL) == 1
        listed = commands(block.replace(README_URL, f"http://127.0.0.1:{port}/jobruns"))
        script = "".join(f"echo '@@@ {n}'\n{command}\n" for n, command in enumerate(listed))
        script += "echo '@@@ RUN'\necho \"$RUN\"\n"
        shell = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                               timeout=120, check=False, cwd=tmp_path)
        assert shell.returncode == 0, shell.stdout + shell.stderr
    finally:
        server.send_signal(signal.SIGINT)
        rest, _ = server.communicate(timeout=60)
    parts = re.split(r"^@@@ (\S+)\n", shell.stdout, flags=re.MULTILINE)[1:]
    printed = dict(zip(parts[::2], parts[1::2], strict=True))
    answers = {command: printed[str(n)] for n, command in enumerate(commands(block))}
    with socket.socket() as probe:
        port_free = probe.connect_ex(("127.0.0.1", port)) != 0
    return Session(answers, printed["RUN"].strip(), "".join(seen) + rest, server.returncode,
                   left_behind(tmp_path), port_free)


def test_the_readme_block_is_what_the_server_prints():
    assert readme_block() == curl_block(README_URL)


@pytest.mark.slow
def test_validate_answers_with_the_body_run_would_send(session):
    body = body_of(session.answer("runs/validate", "$HELLO"))
    assert body["ok"] is True and body["operation"] == "validate"
    assert body["createJobRunDetails"]["displayName"] == "hello-notebook"


@pytest.mark.slow
def test_a_spec_with_mistakes_names_every_problem(session):
    error = body_of(session.answer("runs/validate", "broken.yaml"))["error"]
    assert (error["code"], error["status"]) == ("InvalidSpec", 422)
    assert [problem["field"] for problem in error["problems"]] == ["jobName", "compartmentId"]


@pytest.mark.slow
def test_post_runs_is_202_with_location_and_the_same_key_gives_the_same_run(session):
    answer = session.answer("-i", "Idempotency-Key: try-1")
    assert answer.startswith("HTTP/1.1 202 ")
    body = body_of(answer)
    assert f"\nLocation: /jobruns/runs/{body['jobRunId']}\n" in answer
    assert session.run_id == body["jobRunId"]
    assert session.run_id.startswith("ocid1.datasciencejobrun.")


@pytest.mark.slow
def test_get_and_delete_the_run(session):
    status = body_of(session.answer("""'\\n' "$GW/runs/$RUN\""""))
    assert (status["operation"], status["jobRunId"]) == ("status", session.run_id)
    assert status["lifecycleState"] in ("ACCEPTED", "IN_PROGRESS")
    cancel = body_of(session.answer("-X DELETE"))
    assert (cancel["operation"], cancel["jobRunId"]) == ("cancel", session.run_id)
    assert cancel["lifecycleState"] in ("CANCELING", "CANCELED")


@pytest.mark.slow
def test_a_missing_spec_is_404_spec_not_found(session):
    answer = session.answer("missing.yaml")
    assert answer.startswith("HTTP/1.1 404 ")
    error = body_of(answer)["error"]
    assert error["code"] == "SpecNotFound"
    assert "oci://specs@localns/notebooks/missing.yaml" in error["message"]


@pytest.mark.slow
def test_the_list_route_shows_the_run(session):
    body = body_of(session.answer('"$GW/runs?limit=5"'))
    assert body["ok"] is True
    assert session.run_id in json.dumps(body)


@pytest.mark.slow
def test_the_server_logs_each_request_and_ctrl_c_leaves_nothing_behind(session):
    assert session.returncode == 0, session.server_output
    assert "POST /jobruns/runs/validate → 422 Unprocessable Entity" in session.server_output
    assert "POST /jobruns/runs → 404 Not Found" in session.server_output
    assert "SIGINT: stopped the gateway, the function, the job runs and the emulator; " \
           "temporary files removed" in session.server_output
    assert "Traceback" not in session.server_output
    assert session.leftovers == []
    assert session.port_free


@pytest.mark.slow
def test_a_busy_port_is_said_in_one_line_and_nothing_is_left(tmp_path):
    (tmp_path / "tmp").mkdir()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "demo.serve", "--port", str(port)],
                                cwd=ROOT, capture_output=True, text=True, timeout=60,
                                check=False, env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})

    assert result.returncode == 1
    assert f"serve: port {port} on 127.0.0.1 is not free" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert left_behind(tmp_path) == []
