"""The job container end to end: a caller's endpoint never reaches it, and downloads never
follow a redirect into plain http or the instance's own addresses.

The review's high finding, reproduced against the real processes: a request (or spec)
setting ``OCI_OBJECT_STORAGE_ENDPOINT`` to the caller's server made the container read the
spec and notebook from there and send it ``keyId="ST$<session token>"``. Here the caller's
server is a local HTTP server that records every request it gets.
"""

from __future__ import annotations

import io
import threading
import time
import urllib.error
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from job.errors import ExitCode
from job.runner import run
from job.storage import SAFE_OPENER, redirect_problem
from localoci.executors import RunInfo
from localoci.jobprocess import ProcessExecutor

pytestmark = pytest.mark.security

RUN_OCID = "ocid1.datasciencejobrun.oc1.phx.amaaaaaaattackrun"
HELLO = ("noteBook: oci://specs@localns/notebooks/hello.ipynb\njobName: hello\n"
         "outputFolder: oci://notebook-output@localns/security/\n")


class Recorder(BaseHTTPRequestHandler):
    """Answers 302 to ``/redirect?to=…`` and 404 to the rest; records every request."""

    seen: list[tuple[str, str, dict[str, str]]]

    def _answer(self) -> None:
        self.seen.append((self.command, self.path, dict(self.headers.items())))
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.split("=", 1)[1])
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_POST = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def callers_server() -> Iterator[tuple[str, list]]:
    seen: list = []
    handler = type("Recording", (Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def no_token_reached(seen: list) -> bool:
    return not any("ST$" in value for _, _, headers in seen for value in headers.values())


def test_the_function_refuses_the_endpoint_and_the_container_never_contacts_it(
        job_fn, job_oci, callers_server):
    """request → (no) run: the request's and the spec's override are refused; a run the same
    function starts reads from the job's configured endpoint only."""
    url, seen = callers_server
    job_oci.put("notebooks/hello.yaml", HELLO.encode())
    request = job_fn.invoke({"specLocation": job_oci.location("notebooks/hello.yaml"),
                             "environmentVariables": {"OCI_OBJECT_STORAGE_ENDPOINT": url}})
    assert request.json()["error"]["code"] == "InvalidRequest"
    assert "OCI_OBJECT_STORAGE_ENDPOINT can't be set by a run" in request.json()["error"][
        "message"]

    job_oci.put("notebooks/evil.yaml", (
        "kind: job\nspec:\n  name: evil\n  runtime:\n    type: notebook\n    spec:\n"
        "      notebookPathURI: oci://specs@localns/notebooks/hello.ipynb\n"
        f"      env:\n      - name: OCI_OBJECT_STORAGE_ENDPOINT\n        value: {url}\n"
        "      - name: OCI_LOCAL_EMULATOR\n        value: '1'\n"
        "  infrastructure:\n    type: dataScienceJob\n    spec: {}\n").encode())
    spec = job_fn.invoke({"specLocation": job_oci.location("notebooks/evil.yaml")}).json()
    assert spec["error"]["code"] == "InvalidSpec"
    assert job_oci.emulator.job_runs() == []

    answer = job_fn.invoke({"specLocation": job_oci.location("notebooks/hello.yaml"),
                            "environmentVariables": {"RUN_DATE": "2026-12-05"}}).json()
    run = job_oci.wait(answer["jobRunId"])
    assert run["lifecycleState"] == "SUCCEEDED", job_oci.executor.log(answer["jobRunId"])
    assert seen == []


def test_the_container_process_refuses_an_http_endpoint_outside_local_mode(
        job_rp_env, callers_server, tmp_path):
    """The real ``python -m job.runner``, as the emulator starts it, with the environment
    Data Science would give a run of a production job (no OCI_LOCAL_EMULATOR in its
    configuration) whose run variables name the caller's server: it stops before any
    request, so neither the spec nor the token goes there."""
    url, seen = callers_server
    run_env = {"JOB_RUN_OCID": RUN_OCID,  # Data Science's
               "NOTEPAD_YAML_URL": "oci://specs@localns/notebooks/hello.yaml",  # launcher's
               "OCI_OBJECT_STORAGE_ENDPOINT": url}  # the caller's attempt
    with ProcessExecutor(job_rp_env, work_dir=tmp_path / "runs") as executor:
        run = RunInfo(RUN_OCID, {}, {}, datetime.now(UTC))
        executor.start(run, run_env)
        assert executor.wait(run.id, timeout=60) == ExitCode.CONFIGURATION
        log = executor.log(run.id)
    assert "OCI_OBJECT_STORAGE_ENDPOINT must be an https URL" in log.stderr
    time.sleep(0.2)  # anything in flight would have arrived by now
    assert seen == [] and no_token_reached(seen)


# --- notebook downloads: https-only redirects, never into the instance ---------------------

PUBLIC = ["93.184.215.14"]


@pytest.mark.parametrize("target, resolved, refused", [
    ("http://example.com/nb.ipynb", PUBLIC, "not https"),
    ("https://169.254.169.254/opc/v2/instance/", [], "metadata"),
    ("https://127.0.0.1:8443/nb.ipynb", [], "loopback"),
    ("https://[::1]/nb.ipynb", [], "loopback"),
    ("https://[::ffff:127.0.0.1]/nb.ipynb", [], "loopback"),
    ("https://[fe80::1]/nb.ipynb", [], "link-local"),
    ("https://0.0.0.0/nb.ipynb", [], "loopback"),
    ("https://metadata.internal/nb.ipynb", ["169.254.169.254"], "metadata"),
    ("https://localhost/nb.ipynb", ["127.0.0.1", "::1"], "loopback"),
    ("https://example.com/nb.ipynb", PUBLIC, None),
])
def test_redirects_only_to_https_outside_the_instance(target, resolved, refused):
    problem = redirect_problem(target, resolve=lambda host: resolved)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem


def test_the_downloads_opener_stops_at_a_bad_redirect(callers_server):
    url, seen = callers_server
    for target in (f"{url}/second", "https://169.254.169.254/opc/v2/identity/"):
        with pytest.raises(urllib.error.URLError) as caught:
            SAFE_OPENER.open(f"{url}/redirect?to={target}", timeout=5)
        assert "redirected to" in str(caught.value.reason)
    assert [path for _, path, _ in seen] == [f"/redirect?to={url}/second",
                                             "/redirect?to=https://169.254.169.254/opc/v2/"
                                             "identity/"]


# --- a spec Python can't build is an invalid spec in the container too --------------------

def test_a_4301_digit_integer_is_an_invalid_spec_exit_not_an_internal_error(runner_env,
                                                                            job_oci):
    job_oci.put("specs/digits.yaml", (
        "noteBook: oci://specs@localns/notebooks/hello.ipynb\njobName: digits\n"
        "parameters:\n  n: " + "7" * 4301 + "\n").encode())
    out, err = io.StringIO(), io.StringIO()
    code = run({**runner_env, "NOTEPAD_YAML_URL": job_oci.location("specs/digits.yaml")},
               out=out, err=err)
    assert code == ExitCode.SPEC_INVALID, err.getvalue()
    assert "an integer longer than Python reads" in err.getvalue()
    assert "7777" not in err.getvalue() + out.getvalue()
