"""The function image, started as OCI Functions starts it (its own ENTRYPOINT, read-only root
file system with a writable /tmp, uid 1000, 256 MiB where the engine can limit memory,
``FN_FORMAT=http-stream`` with ``FN_LISTENER`` on a socket in a mounted folder, the
resource-principal files mounted read-only), against the local emulator as OCI."""

from __future__ import annotations

import json
import shlex

import pytest

from localoci.containers import CREDENTIALS_DIR, FN_MEMORY, FN_UID, SOCKET_DIR
from tests.conftest import JOB_OCID
from tests.support.answers import error, ok
from tests.support.spec_cases import flat
from tools.images import ROOT

from .conftest import secrets_of

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
SPEC = "notebooks/daily.yaml"
# What the function's /python must not hold: test and packaging tools (fdk declares some).
FORBIDDEN = ("pytest", "_pytest", "pip", "setuptools", "wheel", "Cython", "pkg_resources")
MAX_PYTHON_MIB = 40.0


def _func_yaml(key: str) -> str:
    for line in (ROOT / "func.yaml").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"func.yaml has no {key}")


def test_run_creates_a_signed_job_run(fn_image, oci_local):
    etag = oci_local.put_spec(SPEC, flat())

    body = ok(fn_image.invoke({"specLocation": oci_local.location(SPEC)}))

    runs = oci_local.job_runs()
    assert [run["id"] for run in runs] == [body["jobRunId"]]
    assert runs[0]["createBody"]["jobId"] == JOB_OCID
    assert body["specETag"] == etag
    # every request verified against the resource principal's key: none answered 401
    assert oci_local.operations()[-1] == "CreateJobRun"
    assert [entry["status"] for entry in oci_local.emulator.requests()
            if entry["status"] >= 300] == []
    assert oci_local.emulator.unauthorized_count == 0


def test_status_through_the_gateway_route(fn_image, oci_local):
    oci_local.put_spec(SPEC, flat())
    run_id = ok(fn_image.invoke({"specLocation": oci_local.location(SPEC)}))["jobRunId"]

    answer = fn_image.invoke(b"", gateway=("GET", f"/v1/runs/{run_id}"))

    assert answer.status == 200 and answer.http_status == 200
    body = answer.json()
    assert body["ok"] is True and body["operation"] == "status"
    assert body["jobRunId"] == run_id and body["lifecycleState"] in ("ACCEPTED", "IN_PROGRESS")


def test_an_invalid_spec_is_refused_with_its_problem(fn_image, oci_local):
    oci_local.put_spec(SPEC, b"noteBook: https://example.com/a.ipynb\njobName: [not, a, name]\n")

    problem = error(fn_image.invoke({"specLocation": oci_local.location(SPEC)}), "InvalidSpec")

    assert problem["status"] == 422 and "jobName" in problem["message"]
    assert oci_local.job_runs() == []


def test_it_runs_from_its_own_entrypoint_read_only_as_uid_1000(engine, images, fn_image,
                                                                oci_local):
    image = json.loads(engine.inspect(images["function"], "{{json .Config.Entrypoint}}"))
    assert image == shlex.split(_func_yaml("entrypoint"))
    running = engine.run("inspect", "--format",
                         "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}} "
                         "{{.HostConfig.Memory}}", fn_image.name).stdout.decode().split()
    assert running[:2] == [FN_UID, "true"]
    if fn_image.memory_limit:
        assert int(running[2]) == int(FN_MEMORY.rstrip("m")) * 2**20
    else:
        print(f"{engine.name} cannot limit memory here: ran without --memory {FN_MEMORY}")
    uid = engine.run("exec", fn_image.name, "python3", "-c",
                     "import os; print(os.getuid(), os.getgid())").stdout.decode().split()
    assert uid == FN_UID.split(":")
    for path, writable in (("/function/x", False), ("/python/x", False), ("/tmp/x", True)):
        done = engine.run("exec", fn_image.name, "python3", "-c",
                          f"open({path!r}, 'w').write('x')", check=False)
        assert (done.returncode == 0) is writable, (path, done.stderr)
    mounts = {mount["Destination"]: mount["RW"] for mount in json.loads(
        engine.run("inspect", "--format", "{{json .Mounts}}", fn_image.name).stdout)}
    assert mounts == {CREDENTIALS_DIR: False, SOCKET_DIR: True}
    # the socket is in the mounted folder, linked by the fdk as the Fn agent expects
    listing = engine.run("exec", fn_image.name, "ls", SOCKET_DIR).stdout.decode().split()
    assert sorted(listing) == ["lsnr.sock", "phonylsnr.sock"]


def test_its_output_holds_no_credentials(fn_image, oci_local, rp_env):
    oci_local.put_spec(SPEC, flat())
    ok(fn_image.invoke({"specLocation": oci_local.location(SPEC)}))
    error(fn_image.invoke({"specLocation": oci_local.location("notebooks/missing.yaml")}),
          "SpecNotFound")

    output = fn_image.stderr()

    assert '"operation":"run"' in output  # the function's log line is there
    for secret in secrets_of(rp_env):
        assert secret not in output


PYTHON_TREE = """
import json, os
names, layer, disk = sorted(os.listdir("/python")), 0, 0
for folder, _, files in os.walk("/python"):
    for name in files:
        info = os.lstat(os.path.join(folder, name))
        if not os.path.islink(os.path.join(folder, name)):
            layer += info.st_size
            disk += info.st_blocks * 512
print(json.dumps({"names": names, "layer": layer, "disk": disk,
                  "bin": sorted(os.listdir("/python/bin"))}))
"""


def test_python_holds_no_test_or_packaging_tools_and_stays_under_40_mib(engine, images):
    done = engine.run("run", "--rm", "--network", "none", *engine.limits(),
                      "--entrypoint", "python3", images["function"], "-c", PYTHON_TREE)
    tree = json.loads(done.stdout)

    tops = {name.split("-")[0].lower() for name in tree["names"]}
    for tool in FORBIDDEN:
        assert tool.lower() not in tops, f"/python holds {tool}"
    assert not [name for name in tree["bin"] if name.startswith(("pip", "pytest", "wheel"))]
    assert {"fdk", "oci", "yaml", "cryptography"} <= tops
    print(f"/python: {tree['layer'] / 2**20:.1f} MiB in the layer, "
          f"{tree['disk'] / 2**20:.1f} MiB as du counts it")
    assert tree["layer"] / 2**20 <= MAX_PYTHON_MIB
