"""A run's environment is the author's, never the job's configuration.

The review's high finding: a request's ``environmentVariables`` (or a spec's ``env``) could
set ``OCI_OBJECT_STORAGE_ENDPOINT`` and every other name the job container, the OCI SDK,
Python or the dynamic loader reads. Here: the spec library, the lint command, the
function's request checks and the job container refuse the same names with the same reason
(one list, :mod:`jobspec.reserved`), and every environment lookup in ``job/`` and
``ociplatform/`` reads a reserved name.
"""

from __future__ import annotations

import ast
import importlib

import pytest

from jobspec.container import read_container_spec
from jobspec.errors import SpecInvalid
from jobspec.reserved import NAMES, PATTERNS, described, is_reserved, reserved_reason
from jobspec.spec import parse_spec
from tests.support.paths import ROOT
from tests.support.spec_cases import ads

from .conftest import LOCATION, make_function

pytestmark = pytest.mark.security

# What the review reproduced, and the other families the container, SDK, Python, loader,
# proxies and TLS read.
REFUSED = ["OCI_OBJECT_STORAGE_ENDPOINT", "OCI_LOCAL_EMULATOR", "OCI_RESOURCE_PRINCIPAL_RPST",
           "OCI_CONFIG_FILE", "SPEC_ENV_VAR", "NOTEPAD_YAML_URL", "JOB_SPEC_ETAG",
           "MAX_SPEC_BYTES", "MAX_NOTEBOOK_BYTES", "NOTEBOOK_KERNEL",
           "NOTEBOOK_CELL_TIMEOUT_SECONDS", "NOTEBOOK_DOWNLOAD_TIMEOUT_SECONDS",
           "JOB_RUN_OCID", "TENANCY_OCID", "LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONPATH",
           "PYTHONSTARTUP", "PYTHONHOME", "HTTPS_PROXY", "http_proxy", "All_Proxy",
           "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
           "CURL_CA_BUNDLE", "OPENSSL_CONF", "PATH", "HOME", "TMPDIR", "JUPYTER_PATH",
           "IPYTHONDIR", "GCONV_PATH", "HOSTALIASES", "BASH_ENV"]
ALLOWED = ["RUN_DATE", "MY_PATH", "HOMEPAGE", "PROXY_HOST", "OCIX", "DB_PASSWORD", "ssl_mode",
           "LD", "MY_PYTHON"]


def spec_with(name: str) -> bytes:
    return ads(runtime=f"      env:\n      - name: {name}\n        value: x\n")


@pytest.mark.parametrize("name", REFUSED)
def test_request_spec_lint_and_container_refuse_the_same_name_with_the_same_reason(name):
    reason = reserved_reason(name)
    assert reason
    expected = f"{name} can't be set by a run: {reason}"

    function = make_function()
    function.put_spec(ads())
    request = function.direct({"specLocation": LOCATION, "environmentVariables": {name: "x"}})
    assert request.body["error"] == {"code": "InvalidRequest", "status": 400,
                                     "message": f"environmentVariables: {expected}",
                                     "field": "environmentVariables"}

    function.put_spec(spec_with(name))
    spec = function.direct({"specLocation": LOCATION}).body["error"]
    assert (spec["code"], spec["field"], spec["message"]) == (
        "InvalidSpec", "spec.runtime.spec.env[0].name",
        f"spec.runtime.spec.env[0].name: {expected}")
    assert function.science.created == []

    for read in (parse_spec, read_container_spec):  # the lint command calls parse_spec
        with pytest.raises(SpecInvalid) as caught:
            read(spec_with(name))
        assert caught.value.problems[0].message == expected


@pytest.mark.parametrize("name", ALLOWED)
def test_the_authors_own_names_still_pass(name):
    assert reserved_reason(name) is None
    function = make_function()
    function.put_spec(spec_with(name))
    reply = function.direct({"specLocation": LOCATION, "environmentVariables": {name: "y"}})
    assert reply.body["ok"] is True, reply.body


def test_a_configured_spec_env_var_is_the_launchers_too():
    function = make_function(SPEC_ENV_VAR="MY_SPEC_URL")
    function.put_spec(ads())
    error = function.direct({"specLocation": LOCATION,
                             "environmentVariables": {"MY_SPEC_URL": "oci://x@y/z"}}
                            ).body["error"]
    assert "MY_SPEC_URL can't be set by a run: it is set by the launcher" in error["message"]


def test_every_entry_has_a_reason_and_the_docs_list_them_all():
    entries = described()
    assert len(entries) == len(NAMES) + len(PATTERNS)
    assert all(reason.strip() for _, reason in entries)
    readme = (ROOT / "README.md").read_text()
    reference = (ROOT / "docs/reference.md").read_text()
    missing = [shown for shown, _ in entries if f"`{shown}`" not in reference]
    assert missing == [], "docs/reference.md must list every reserved name and pattern"
    assert "jobspec/reserved.py" in readme


# --- every environment lookup in job/ and ociplatform/ reads a reserved name ---------------

# The Env readers (ociplatform.env.Env) and the mapping/os reads.
READERS = {"text", "required", "whole_number", "endpoint", "variable_name", "flag", "get",
           "getenv", "pop", "setdefault"}
# Lookups whose name is not written in the code, each with why it is reserved anyway.
DYNAMIC = {
    # The SPEC_ENV_VAR value: the launcher's variable (its default NOTEPAD_YAML_URL is
    # reserved; the function refuses its configured name too).
    ("job/settings.py", "env.required(spec_env_var"),
    # Env's own reader: the name is its caller's, checked where the caller is.
    ("ociplatform/env.py", "self._environ.get(name"),
}


def _env_like(node: ast.expr) -> bool:
    text = ast.unparse(node).lower()
    return "environ" in text or text in ("env", "self.env") or text.endswith("getenv")


def _name_of(arg: ast.expr, module: object) -> str | None:
    """A literal, or a module-level constant (``ETAG_ENV_VAR``); None when dynamic."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.Name) and isinstance(getattr(module, arg.id, None), str) \
            and arg.id.isupper():
        return str(getattr(module, arg.id))
    return None


def lookups_in(text: str, relative: str, module: object
               ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(file, name) of every lookup in ``text`` with a known name; (file, code) of the
    others."""
    named, dynamic = [], []
    for node in ast.walk(ast.parse(text)):
        arg = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in READERS \
                    and (_env_like(func.value) or func.attr == "getenv"):
                arg = node.args[0]
        elif isinstance(node, ast.Subscript) and _env_like(node.value):
            arg = node.slice
        if arg is None:
            continue
        name = _name_of(arg, module)
        if name is None:
            code = ast.unparse(node)
            dynamic.append((relative, code[:code.index(ast.unparse(arg))
                                           + len(ast.unparse(arg))]))
        else:
            named.append((relative, name))
    return named, dynamic


def environment_lookups() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    named, dynamic = [], []
    files = sorted((ROOT / "job").rglob("*.py")) + sorted((ROOT / "ociplatform").rglob("*.py"))
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        module = importlib.import_module(relative[:-3].replace("/", "."))
        found, computed = lookups_in(path.read_text(), relative, module)
        named += found
        dynamic += computed
    return named, dynamic


def test_every_name_the_container_and_platform_code_read_is_reserved():
    named, dynamic = environment_lookups()
    assert {name for _, name in named} >= {"OCI_OBJECT_STORAGE_ENDPOINT", "SPEC_ENV_VAR",
                                           "JOB_RUN_OCID", "JOB_SPEC_ETAG", "OCI_LOCAL_EMULATOR"}
    unreserved = [(path, name) for path, name in named if not is_reserved(name)]
    assert unreserved == [], "reserve these in jobspec/reserved.py, with the reason"
    assert set(dynamic) <= DYNAMIC, "a lookup by a computed name: say here why it is safe"


@pytest.mark.parametrize("planted, kind", [
    ('env.text("NOTEBOOK_THEME")', "named"),
    ('os.environ["NOTEBOOK_THEME"]', "named"),
    ('os.getenv("NOTEBOOK_THEME")', "named"),
    ("env.text(theme_variable)", "dynamic"),
])
def test_the_scan_sees_a_new_read(planted, kind):
    """The scan must notice a read added to the container: one planted in job/settings.py."""
    source = (ROOT / "job/settings.py").read_text()
    text = source.replace('env.text("NOTEBOOK_KERNEL")', planted)
    assert text != source
    named, dynamic = lookups_in(text, "job/settings.py", importlib.import_module("job.settings"))
    if kind == "named":
        assert ("job/settings.py", "NOTEBOOK_THEME") in named
        assert not is_reserved("NOTEBOOK_THEME")
    else:
        assert ("job/settings.py", "env.text(theme_variable") in dynamic
