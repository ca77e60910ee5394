"""``make demo DEMO_ARGS=--images``: the same demo, on the function image and the job image."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tools.images import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def test_the_demo_runs_on_the_images(images, engine, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = subprocess.run([sys.executable, "-m", "demo", "--images"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, check=False,
                            env={**os.environ, "TMPDIR": str(temp)})

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"images: {images['function']} and {images['job']} ({engine.name})" in output
    assert f"Start the function image {images['function']} as OCI Functions does" in output
    assert f"the emulator starts a container of {images['job']} for it" in output
    for text in ("      > Hello, OCI Data Science!", "   | job-runner: succeeded in",
                 "   final state:  SUCCEEDED, as asked",
                 "result:       as asked (exit 0); temporary files removed"):
        assert text in result.stdout, output
    assert not [line for line in output.splitlines() if line.startswith("Traceback")]
    assert list(temp.iterdir()) == []
    leftover = engine.run("ps", "--all", "--format", "{{.Names}}").stdout.decode().split()
    assert not [name for name in leftover if name.startswith(("jobrun-fn-", "jobrun-job-"))]
