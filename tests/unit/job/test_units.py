"""The runner's pure parts: settings, the container's view of a spec, parameters, output
names, notebook preparation and downloads. No kernel, no emulator."""

from __future__ import annotations

import ast
import json
import socket
import ssl
import threading
import urllib.error

import nbformat
import pytest
import yaml

from job.errors import ConfigurationProblem, NotebookProblem, NotReadable
from job.notebook import INJECTED_TAG, Prepared, load, parameters_source, prepare
from job.outputs import notebook_name, output_object, run_folder
from job.settings import RunnerSettings
from job.storage import download, fetch_notebook
from job.urltext import shown_url
from jobspec.container import ScriptSpec, read_container_spec
from jobspec.errors import SpecInvalid, SpecTooLarge
from jobspec.spec import parse_spec
from ocirefs.locations import parse_allow_entry
from tests.support.jobrunner import HttpResponse
from tests.support.paths import ROOT
from tests.support.spec_cases import INVALID

RUN_OCID = "ocid1.datasciencejobrun.oc1.phx.amaaaaaaunitrun"

PROJECT = "ocid1.datascienceproject.oc1.phx.amaaaaaaexampleproject"


# settings -----------------------------------------------------------------------------------

def settings(**env: str) -> RunnerSettings:
    return RunnerSettings.from_env({"NOTEPAD_YAML_URL": "oci://specs@ns/a.yaml",
                                    "JOB_RUN_OCID": RUN_OCID, **env})


def test_settings_defaults():
    value = settings()
    assert value.spec_location.uri == "oci://specs@ns/a.yaml"
    assert value.spec_env_var == "NOTEPAD_YAML_URL"
    assert (value.spec_etag, value.object_storage_endpoint, value.cell_timeout_seconds) == (
        None, None, None)
    assert (value.max_spec_bytes, value.kernel_name) == (65536, "python3")


def test_settings_read_the_launcher_variables():
    value = settings(SPEC_ENV_VAR="MY_SPEC", MY_SPEC=(
        "https://objectstorage.us-phoenix-1.oraclecloud.com/n/ns/b/specs/o/dir%2Fb.yaml"),
        JOB_SPEC_ETAG=" e-1 ", OCI_OBJECT_STORAGE_ENDPOINT="http://127.0.0.1:9/",
        OCI_LOCAL_EMULATOR="1", NOTEBOOK_CELL_TIMEOUT_SECONDS="600", MAX_SPEC_BYTES="100")
    assert value.spec_location.uri == "oci://specs@ns/dir/b.yaml"
    assert value.spec_etag == "e-1"
    assert value.object_storage_endpoint == "http://127.0.0.1:9"
    assert (value.cell_timeout_seconds, value.max_spec_bytes) == (600, 100)


@pytest.mark.parametrize(("env", "message"), [
    ({"NOTEPAD_YAML_URL": "s3://bucket/a.yaml"},
     "NOTEPAD_YAML_URL is not a spec location: specLocation must be oci://bucket@namespace/"
     "object or an Object Storage https URL"),
    ({"JOB_RUN_OCID": "ocid1.datasciencejob.oc1.phx.aaaa"},
     "JOB_RUN_OCID is not a job run OCID (ocid1.datasciencejobrun.…)"),
    ({"OCI_OBJECT_STORAGE_ENDPOINT": "ftp://x"},
     "OCI_OBJECT_STORAGE_ENDPOINT must be an http(s) URL"),
    ({"OCI_OBJECT_STORAGE_ENDPOINT": "http://127.0.0.1:9999"},
     "OCI_OBJECT_STORAGE_ENDPOINT must be an https URL (plain http only with "
     "OCI_LOCAL_EMULATOR=1 in the job's configuration, for the local emulator)"),
    ({"OCI_LOCAL_EMULATOR": "yes"}, "OCI_LOCAL_EMULATOR must be 1 or 0"),
    ({"NOTEBOOK_KERNEL": "python3; rm"}, "NOTEBOOK_KERNEL must be a kernel name such as python3"),
    ({"NOTEBOOK_CELL_TIMEOUT_SECONDS": "0"},
     "NOTEBOOK_CELL_TIMEOUT_SECONDS must be a whole number between 1 and 604800"),
])
def test_settings_problems_name_the_variable_not_the_value(env, message):
    with pytest.raises(ConfigurationProblem) as caught:
        settings(**env)
    assert caught.value.message == message


@pytest.mark.parametrize(("env", "message"), [
    ({"NOTEPAD_YAML_URL": " "}, "NOTEPAD_YAML_URL is not set: start this job through the "
                                "launcher function, or set it to the spec's "
                                "oci://bucket@namespace/object"),
    ({"SPEC_ENV_VAR": "MY_SPEC"}, "MY_SPEC is not set: start this job through the launcher "
                                  "function, or set it to the spec's "
                                  "oci://bucket@namespace/object"),
    ({"SPEC_ENV_VAR": "1x"}, "SPEC_ENV_VAR must be an environment variable name"),
    ({"JOB_RUN_OCID": ""}, "JOB_RUN_OCID is not set (Data Science sets it on every job run)"),
    ({"MAX_SPEC_BYTES": "1048577"},
     "MAX_SPEC_BYTES must be a whole number between 1 and 1048576"),
    ({"MAX_NOTEBOOK_BYTES": "0"},
     "MAX_NOTEBOOK_BYTES must be a whole number between 1 and 1073741824"),
    ({"MAX_NOTEBOOK_BYTES": "1073741825"},
     "MAX_NOTEBOOK_BYTES must be a whole number between 1 and 1073741824"),
    ({"NOTEBOOK_CELL_TIMEOUT_SECONDS": "604801"},
     "NOTEBOOK_CELL_TIMEOUT_SECONDS must be a whole number between 1 and 604800"),
    ({"NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS": "3601"},
     "NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS must be a whole number between 1 and 3600"),
    ({"NOTEBOOK_KERNEL": "k" * 129}, "NOTEBOOK_KERNEL must be a kernel name such as python3"),
])
def test_settings_problems_of_the_limits_and_the_launchers_variables(env, message):
    with pytest.raises(ConfigurationProblem) as caught:
        settings(**env)
    assert caught.value.message == message


def test_settings_take_each_limit_at_its_bounds():
    value = settings(MAX_NOTEBOOK_BYTES="1073741824", NOTEBOOK_CELL_TIMEOUT_SECONDS="604800",
                     NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS="3600", MAX_SPEC_BYTES="1048576",
                     NOTEBOOK_KERNEL="k" * 128)
    assert (value.max_notebook_bytes, value.cell_timeout_seconds,
            value.download_timeout_seconds, value.max_spec_bytes, value.kernel_name) == (
        1024 ** 3, 604800, 3600, 1048576, "k" * 128)
    low = settings(MAX_NOTEBOOK_BYTES="1", NOTEBOOK_CELL_TIMEOUT_SECONDS="1",
                   NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS="1", MAX_SPEC_BYTES="1")
    assert (low.max_notebook_bytes, low.cell_timeout_seconds, low.download_timeout_seconds,
            low.max_spec_bytes) == (1, 1, 1, 1)
    assert (settings().max_notebook_bytes, settings().download_timeout_seconds) == (
        64 * 1024 * 1024, 60)


# the container's view of a spec ----------------------------------------------------------------

def test_the_flat_example_spec():
    spec = read_container_spec((ROOT / "examples/specs/hello.yaml").read_bytes())
    assert spec.dialect == "flat"
    assert spec.notebook == "oci://specs@localns/notebooks/hello.ipynb"
    assert spec.notebook_field == "noteBook"
    assert spec.output == parse_allow_entry("oci://notebook-output@localns/hello/")
    assert spec.parameters == {"name": "OCI Data Science", "repeat": 2}
    assert (spec.exclude_tags, spec.encoding) == ((), "utf-8")


def test_the_ads_documentation_example():
    spec = read_container_spec((ROOT / "examples/specs/ads-notebook-job.yaml").read_bytes())
    assert spec.dialect == "ads"
    assert spec.notebook.endswith("/customization/basics.ipynb")
    assert spec.notebook_field == "spec.runtime.spec.notebookPathURI"
    assert spec.output == parse_allow_entry("oci://bucket_name@namespace/path/to/dir")
    assert spec.output_field == "spec.runtime.spec.outputUri"
    assert spec.exclude_tags == ("ignore", "remove")
    assert spec.parameters == {}


def test_every_shipped_example_is_runnable_by_the_container():
    paths = sorted((ROOT / "examples/specs").glob("*.yaml"))
    assert len(paths) >= 5, paths  # the examples the README shows, not an empty folder
    for path in paths:
        spec = read_container_spec(path.read_bytes())
        # a notebook or code the container can fetch, and the dialect the file is written in
        code = spec.source if isinstance(spec, ScriptSpec) else spec.notebook
        assert code.startswith(("oci://", "https://")), path.name
        assert spec.dialect == ("ads" if b"kind: job" in path.read_bytes() else "flat"), \
            path.name


def test_parameters_keep_yaml_types_and_make_dates_iso_strings():
    spec = read_container_spec(b"""noteBook: https://example.com/a.ipynb
parameters:
  text: "no"
  flag: true
  count: 10
  negative: -3
  ratio: 0.5
  exponent: 1.0e+3
  nothing: null
  day: 2026-11-24
  items: [1, two, {three: 3}]
  nested: {a: [false]}
""")
    assert spec.parameters == {
        "text": "no", "flag": True, "count": 10, "negative": -3, "ratio": 0.5,
        "exponent": 1000.0, "nothing": None, "day": "2026-11-24",
        "items": [1, "two", {"three": 3}], "nested": {"a": [False]}}


@pytest.mark.parametrize(("value", "kind"), [
    ("no", "bool"), ("On", "bool"), ("y", None), ("012", "int"), ("0x1F", "int"),
    ("1_000", "int"), ("1:30", "int"), ("1_0.5", "float"), ("1e3", "string"),
    ("0o17", "string"), ("-5", None), ("0", None), ("2.50", None), (".5", None),
])
def test_yaml_1_1_only_scalars_are_refused(value, kind):
    data = f"noteBook: https://example.com/a.ipynb\nparameters:\n  p: [{value}]\n".encode()
    if kind is None:  # read the same by YAML 1.1 and 1.2
        assert read_container_spec(data).parameters == {"p": [yaml.safe_load(value)]}
        return
    with pytest.raises(SpecInvalid) as caught:
        read_container_spec(data)
    assert caught.value.message.startswith(
        f"parameters.p[0]: is read as a YAML 1.1 {kind} but is "
        "ambiguous")
    assert value not in caught.value.message


@pytest.mark.parametrize(("parameters", "message"), [
    ("[1, 2]", "parameters: expected a mapping, got list"),
    ("{1x: 1}", "parameters.1x: parameter names must be Python identifiers"),
    ("{import: 1}", "parameters.import: parameter names must be Python identifiers"),
    ("{a-b: 1}", "parameters.a-b: parameter names must be Python identifiers"),
    ("{x: .inf}", "parameters.x: infinite and NaN numbers can't be parameters"),
])
def test_bad_parameters(parameters, message):
    with pytest.raises(SpecInvalid) as caught:
        read_container_spec(f"noteBook: https://e.com/a.ipynb\nparameters: {parameters}\n"
                            .encode())
    assert str(caught.value.problems[0]).startswith(message)


@pytest.mark.parametrize(("extra", "message"), [
    ("excludeTags: skip", "excludeTags: expected a list, got string; write a list: [a, b], or "
                          "one item per line as - a"),
    ("excludeTags: [1]", "excludeTags[0]: expected a string, got integer; quote it"),
    ("notebookEncoding: klingon", "notebookEncoding: is not a known text encoding"),
])
def test_bad_container_keys(extra, message):
    with pytest.raises(SpecInvalid) as caught:
        read_container_spec(f"noteBook: https://e.com/a.ipynb\n{extra}\n".encode())
    assert [str(p) for p in caught.value.problems] == [message]


def test_spec_validation_is_the_functions_own():
    """One source of truth: the container reports exactly the problems parse_spec finds."""
    data = (b"noteBook: 12\njobName: on\nprojectId: ocid1.compartment.oc1..x\n"
            b"compartmentId: nope\nlogId: ocid1.log.oc1.phx.x\n")
    with pytest.raises(Exception) as expected:
        parse_spec(data)
    with pytest.raises(SpecInvalid) as caught:
        read_container_spec(data)
    assert caught.value.problems == expected.value.problems
    assert len(caught.value.problems) == 5


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.name)
def test_the_container_refuses_every_spec_the_function_refuses_with_the_same_problems(case):
    with pytest.raises(SpecInvalid) as function:
        parse_spec(case.document)
    with pytest.raises(SpecInvalid) as container:
        read_container_spec(case.document)
    assert container.value.problems == function.value.problems
    assert container.value.message == function.value.message


@pytest.mark.parametrize("name", ["ads-without-notebook", "parameters-country-no",
                                  "unknown-notebook-encoding", "exclude-tags-string"])
def test_what_used_to_fail_only_in_the_container_is_the_functions_refusal_too(name):
    """Each of these passed the function's validation once and failed in the job (exit 5)."""
    case = next(case for case in INVALID if case.name == name)
    with pytest.raises(SpecInvalid) as function:
        parse_spec(case.document)
    assert function.value.field == case.field and case.fragment in function.value.message


def test_the_size_limit_is_the_functions_too():
    with pytest.raises(SpecTooLarge) as caught:
        read_container_spec(b"noteBook: https://e.com/a.ipynb\n" + b"#" * 100, max_bytes=64)
    assert caught.value.message == "the spec is larger than 64 bytes"


def test_the_spec_env_var_is_reserved_like_in_the_function():
    spec = f"""kind: job
spec:
  infrastructure: {{type: dataScienceJob, spec: {{projectId: {PROJECT}}}}}
  runtime:
    type: notebook
    spec:
      notebookPathURI: oci://b@ns/n.ipynb
      env: [{{name: MY_SPEC, value: x}}]
""".encode()
    with pytest.raises(SpecInvalid) as caught:
        read_container_spec(spec, spec_env_var="MY_SPEC")
    assert "MY_SPEC can't be set by a run: it is set by the launcher" in caught.value.message


# output names ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "name"), [
    ("oci://b@ns/dir/My Notebook.ipynb", "My Notebook.ipynb"),
    ("oci://b@ns/dir/a%20b.ipynb", "a%20b.ipynb"),
    ("https://raw.githubusercontent.com/o/r/main/site/basics.ipynb?raw=1", "basics.ipynb"),
    ("https://objectstorage.us-phoenix-1.oraclecloud.com/n/ns/b/b/o/dir%2Fa%20b.ipynb",
     "a b.ipynb"),
    ("https://example.com/", "notebook.ipynb"),
    ("https://example.com/bad%ffname.ipynb", "notebook.ipynb"),
    ("https://example.com/tab%09name.ipynb", "tab_name.ipynb"),
    ("https://example.com/a/.", "notebook.ipynb"),
    ("https://example.com/a/..", "notebook.ipynb"),
    ("https://example.com/%20a.ipynb%20", "a.ipynb"),
    ("OCI://b@ns/dir/a%20b.ipynb", "a%20b.ipynb"),
    ("https://example.com/" + "n" * 300 + ".ipynb", "n" * 249 + ".ipynb"),  # the last 255
])
def test_notebook_name(url, name):
    assert notebook_name(url) == name


@pytest.mark.parametrize(("folder", "expected"), [
    ("oci://out@ns/daily-report/", f"daily-report/{RUN_OCID}/basics.ipynb"),
    ("oci://out@ns/daily-report", f"daily-report/{RUN_OCID}/basics.ipynb"),
    ("oci://out@ns/a/b//", f"a/b/{RUN_OCID}/basics.ipynb"),
    ("oci://out@ns", f"{RUN_OCID}/basics.ipynb"),
    ("oci://out@ns/", f"{RUN_OCID}/basics.ipynb"),
    ("oci://out@ns/BOX/", f"BOX/{RUN_OCID}/basics.ipynb"),
])
def test_output_object_names(folder, expected):
    output = parse_allow_entry(folder)
    assert output_object(output, RUN_OCID, "basics.ipynb") == expected
    assert run_folder(output, RUN_OCID) == expected.rsplit("basics.ipynb", 1)[0]


def test_a_relative_name_loses_only_its_leading_slashes():
    output = parse_allow_entry("oci://out@ns/r/")
    assert output_object(output, RUN_OCID, "//notes/a.txt") == f"r/{RUN_OCID}/notes/a.txt"
    assert output_object(output, RUN_OCID, "X/a.txt") == f"r/{RUN_OCID}/X/a.txt"
    assert output_object(output, RUN_OCID, " a.txt") == f"r/{RUN_OCID}/ a.txt"


def test_output_object_names_respect_the_object_name_limit():
    with pytest.raises(ValueError, match="longer than 1024 bytes"):
        output_object(parse_allow_entry("oci://out@ns/" + "d" * 900), RUN_OCID, "x" * 100)


# notebook preparation -------------------------------------------------------------------------

def make_notebook(*specs: tuple[str, list[str]]):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source, _ in specs]
    for cell, (_, tags) in zip(nb.cells, specs, strict=True):
        if tags:
            cell.metadata["tags"] = tags
    return nb


def sources(prepared: Prepared) -> list[str]:
    return [cell.source for cell in prepared.nb.cells]


def test_parameters_go_right_after_the_parameters_cell():
    nb = make_notebook(("import os", []), ("a = 1", ["parameters"]), ("print(a)", []))
    prepared = prepare(nb, {"a": 2, "b": "x"})
    assert sources(prepared) == ["import os", "a = 1", "# Parameters\na = 2\nb = 'x'\n",
                                 "print(a)"]
    assert prepared.nb.cells[2].metadata.tags == [INJECTED_TAG]
    assert prepared.origins == [1, 2, None, 3]
    assert prepared.found_parameters_cell


def test_parameters_replace_an_earlier_injected_cell():
    nb = make_notebook(("a = 1", ["parameters"]), ("a = 5", [INJECTED_TAG]), ("print(a)", []))
    prepared = prepare(nb, {"a": 2})
    assert sources(prepared) == ["a = 1", "# Parameters\na = 2\n", "print(a)"]
    assert prepared.origins == [1, None, 3]


def test_parameters_go_first_without_a_parameters_cell():
    prepared = prepare(make_notebook(("print(a)", [])), {"a": 2})
    assert sources(prepared) == ["# Parameters\na = 2\n", "print(a)"]
    assert not prepared.found_parameters_cell


def test_no_parameters_leave_the_notebook_as_it_is():
    nb = make_notebook(("a = 1", ["parameters"]), ("a = 5", [INJECTED_TAG]))
    assert sources(prepare(nb, {})) == ["a = 1", "a = 5"]


def test_excluded_cells_are_dropped_and_numbering_follows_the_source():
    nb = make_notebook(("a = 1", ["parameters"]), ("plot()", ["ignore"]), ("x", ["remove", "k"]),
                       ("print(a)", []))
    prepared = prepare(nb, {"a": 3}, ("ignore", "remove"))
    assert sources(prepared) == ["a = 1", "# Parameters\na = 3\n", "print(a)"]
    assert prepared.origins == [1, None, 4]
    assert prepared.source_cell(2) == 4 and prepared.source_cell(9) is None


def test_parameter_values_are_python_literals():
    values = {"s": "it's \"quoted\"\n", "n": None, "b": False, "f": 1.5e-7, "i": -2,
              "l": [1, "two", [3.0]], "d": {"k": {"nested": True}}, "u": "żółw ☕"}
    code = parameters_source(values)
    parsed = {node.targets[0].id: ast.literal_eval(node.value)
              for node in ast.parse(code).body}
    assert parsed == values


# downloads ------------------------------------------------------------------------------------

def test_download_caps_the_size_while_streaming():
    with pytest.raises(NotReadable, match="larger than 10 bytes"):
        download("https://h.example/n.ipynb", max_bytes=10, timeout=5,
                 opener=lambda request, timeout: HttpResponse(b"x" * 11))
    assert download("https://h.example/n.ipynb", max_bytes=10, timeout=5,
                    opener=lambda request, timeout: HttpResponse(b"x" * 10)) == b"x" * 10


def test_download_refuses_a_declared_size_over_the_cap():
    with pytest.raises(NotReadable, match="larger than 10 bytes"):
        download("https://h.example/n.ipynb", max_bytes=10, timeout=5,
                 opener=lambda request, timeout: HttpResponse(b"", length="999"))


@pytest.mark.parametrize(("error", "cause"), [
    (urllib.error.HTTPError("https://h.example/p?sig=SECRET", 403, "Forbidden", {}, None),
     "HTTP 403 Forbidden"),
    (urllib.error.HTTPError("https://h.example/p", 404, "Not Found", {}, None),
     "HTTP 404 Not Found"),
    (urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution")),
     "could not resolve host h.example — no network?"),
    (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
     "connection refused by h.example"),
    (urllib.error.URLError(TimeoutError("timed out")), "no answer from h.example within 5 s"),
    (TimeoutError("The read operation timed out"), "no answer from h.example within 5 s"),
    (urllib.error.URLError(ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")),
     "TLS error: the certificate of h.example is not trusted"),
])
def test_download_errors_say_the_cause_in_words_and_hide_the_query(error, cause):
    def opener(request, timeout):
        raise error

    with pytest.raises(NotReadable) as caught:
        download("https://h.example/dir/n.ipynb?sig=SECRET", max_bytes=10, timeout=5,
                 opener=opener)
    assert caught.value.message.startswith(
        "the notebook could not be downloaded from https://h.example/dir/n.ipynb (query not "
        f"shown): {cause}"), caught.value.message
    assert "SECRET" not in caught.value.message
    assert "Error" not in caught.value.message.replace("TLS error", "")


@pytest.mark.parametrize(("url", "shown"), [
    ("https://raw.githubusercontent.com/o/r/main/site/basics.ipynb",
     "https://raw.githubusercontent.com/o/r/main/site/basics.ipynb"),
    ("https://user:pw@h.example:8443/a.ipynb#frag", "https://h.example:8443/a.ipynb (query not "
                                                     "shown)"),
    ("https://objectstorage.us-phoenix-1.oraclecloud.com/p/SECRET/n/ns/b/b/o/a.ipynb",
     "https://objectstorage.us-phoenix-1.oraclecloud.com/p/…/n/ns/b/b/o/a.ipynb"),
    ("https://h.example/p/not-a-par/a.ipynb", "https://h.example/p/not-a-par/a.ipynb"),
    ("https://[::1/a.ipynb", "(not a valid URL)"),
])
def test_a_url_is_shown_in_full_but_for_what_can_hold_a_token(url, shown):
    assert shown_url(url) == shown


def test_a_real_refused_connection_is_named(tmp_path):
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        with pytest.raises(NotReadable) as caught:
            download(f"https://127.0.0.1:{port}/n.ipynb", max_bytes=10, timeout=5)
    assert caught.value.message == (f"the notebook could not be downloaded from "
                                    f"https://127.0.0.1:{port}/n.ipynb: connection refused by "
                                    "127.0.0.1")


def test_a_server_that_does_not_speak_tls_is_a_tls_error():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def answer_in_plain_http() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(1024)
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

        thread = threading.Thread(target=answer_in_plain_http, daemon=True)
        thread.start()
        with pytest.raises(NotReadable) as caught:
            download(f"https://127.0.0.1:{port}/n.ipynb", max_bytes=10, timeout=5)
        thread.join(5)
    assert caught.value.message.startswith(
        f"the notebook could not be downloaded from https://127.0.0.1:{port}/n.ipynb: TLS error "
        "talking to 127.0.0.1 ("), caught.value.message


def test_plain_http_is_refused():
    with pytest.raises(NotReadable, match="is not https"):
        download("http://h.example/n.ipynb", max_bytes=10, timeout=5)


class FakeStore:
    def __init__(self):
        self.reads = []

    def read(self, location, *, max_bytes, what, if_match=None):
        self.reads.append(location.uri)
        return b"{}", "etag"


@pytest.mark.parametrize(("url", "via_store"), [
    ("oci://b@ns/n.ipynb", "oci://b@ns/n.ipynb"),
    ("https://objectstorage.us-phoenix-1.oraclecloud.com/n/ns/b/b/o/n.ipynb",
     "oci://b@ns/n.ipynb"),
    ("https://ns.objectstorage.us-phoenix-1.oci.customer-oci.com/n/ns/b/b/o/n.ipynb",
     "oci://b@ns/n.ipynb"),
    ("https://objectstorage.us-phoenix-1.oraclecloud.com/p/TOKEN/n/ns/b/b/o/n.ipynb", None),
    ("https://raw.githubusercontent.com/o/r/main/n.ipynb", None),
])
def test_object_storage_notebooks_use_the_resource_principal(url, via_store):
    store, downloaded = FakeStore(), []

    def opener(request, timeout):
        downloaded.append(request.full_url)
        return HttpResponse(b"{}")

    fetch_notebook(url, lambda: store, max_bytes=100, timeout=5, opener=opener)
    assert store.reads == ([via_store] if via_store else [])
    assert downloaded == ([] if via_store else [url])


def test_a_malformed_oci_notebook_location_is_not_readable():
    with pytest.raises(NotReadable, match="not a valid oci://bucket@namespace/object"):
        fetch_notebook("oci://no-namespace/x.ipynb", FakeStore, max_bytes=1, timeout=1)


def test_loading_repairs_small_schema_slips_like_jupyter():
    nb = load(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                          "cells": [{"cell_type": "code", "source": "1", "metadata": {}}]})
              .encode())
    nbformat.validate(nb)
    assert nb.cells[0].outputs == [] and nb.cells[0].id


@pytest.mark.parametrize(("data", "kind"), [
    (b"{}", "ValidationError"), (b"[]", "AttributeError"), (b"print(1)", "NotJSONError"),
])
def test_loading_refuses_what_is_not_a_notebook(data, kind):
    with pytest.raises(NotebookProblem) as caught:
        load(data)
    assert caught.value.message == f"the notebook is not a valid .ipynb file ({kind})"


def test_loading_honours_the_encoding():
    text = (ROOT / "examples/notebooks/hello.ipynb").read_text()
    assert len(load(text.encode("utf-16"), "utf-16").cells) == 5
    with pytest.raises(NotebookProblem, match="not valid utf-8 text"):
        load("é".encode("latin-1"))


class ChunkedResponse(HttpResponse):
    """Answers at most 4 bytes per read, as a slow connection does."""

    def read(self, size: int = -1) -> bytes:
        return super().read(min(size, 4) if size > 0 else 4)


def test_a_download_in_many_pieces_is_assembled_whole():
    data = bytes(range(10))
    assert download("https://h.example/n.ipynb", max_bytes=10, timeout=5,
                    opener=lambda request, timeout: ChunkedResponse(data)) == data


def test_an_untrusted_certificate_says_why_when_ssl_does():
    from job.urltext import download_failure

    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_message = "self-signed certificate"
    assert download_failure(urllib.error.URLError(error), "https://h.example/x", 5) == (
        "TLS error: the certificate of h.example is not trusted (self-signed certificate)")


@pytest.mark.parametrize(("status", "code", "hint"), [
    (401, "NotAuthenticated", True), (403, "Forbidden", True),
    (404, "BucketNotFound", True), (400, "InvalidParameter", False),
])
def test_an_upload_refused_for_access_points_at_the_policy(status, code, hint):
    from job.errors import UploadFailed
    from job.storage import ObjectStore
    from tests.support.fakes import ScriptedClient, service_error

    client = ScriptedClient(scripts={"put_object": [service_error(status, code)]})
    with pytest.raises(UploadFailed) as caught:
        ObjectStore(client).write("ns", "out", "runs/a.ipynb", b"{}", "application/json")
    expected = f"could not upload oci://out@ns/runs/a.ipynb ({status} {code})"
    if hint:
        expected += "; check the job-run dynamic group's policy on the output bucket"
    assert caught.value.message == expected


def test_a_download_refused_for_a_malformed_url_says_so():
    from job.urltext import download_failure

    assert download_failure(ValueError("unknown url type"), "https://h.example/x", 5) == \
        "the URL is not valid"
