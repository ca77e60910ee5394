"""The lint command as a process (``python -m jobspec``), what only a process shows: it
starts from the checkout, and says what to install when PyYAML is missing. Its output line
by line is tested in process (tests/unit/test_lint.py)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import ROOT
from tests.support.spec_cases import flat


def test_python_m_jobspec_checks_the_shipped_examples():
    examples = sorted((ROOT / "examples/specs").glob("*.yaml"))
    result = subprocess.run([sys.executable, "-m", "jobspec", *map(str, examples)], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"{len(examples)} files OK, 0 with problems\n"


def test_lint_without_pyyaml_says_what_to_install_instead_of_a_traceback(tmp_path):
    spec = tmp_path / "a.yaml"
    spec.write_bytes(flat())
    # -S: no site-packages, so no PyYAML; the checkout's jobspec is found from the cwd.
    result = subprocess.run([sys.executable, "-S", "-m", "jobspec", str(spec)], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("jobspec needs PyYAML, which is not installed in this "
                                    f"Python ({sys.executable}): pip install PyYAML==6.0.2")
