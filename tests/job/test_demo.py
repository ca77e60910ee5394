"""``make demo`` shows the real execution: spec → function → run → notebook → output object."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.slow
@pytest.mark.parametrize(("outcome", "expected"), [
    ("SUCCEEDED", ["      > Hello, OCI Data Science!", "      > 55.0",
                   "   | job-runner: succeeded in"]),
    ("FAILED", ["FAILED  Job run failed: the job exited with code 7. job-runner: notebook cell 4 "
                "raised ZeroDivisionError: division by zero",
                "      ! ZeroDivisionError: division by zero"]),
])
def test_the_demo_executes_the_notebook(outcome, expected, tmp_path):
    result = subprocess.run([sys.executable, "-m", "demo", "--execute",
                             "--outcome", outcome], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "TMPDIR": str(tmp_path)}, timeout=180,
                            check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "== 7. What the job run did" in result.stdout
    for text in expected:
        assert text in result.stdout, result.stdout
