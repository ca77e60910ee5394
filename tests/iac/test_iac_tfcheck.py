"""terraform/ passes the offline schema check of the shared tfcheck tool."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def test_tfcheck_reports_no_problems(iac):
    tfcheck = iac.REPO.parent / "shared" / "tfcheck" / "tfcheck.py"
    if not tfcheck.is_file():
        pytest.skip(f"tfcheck not found at {tfcheck} (it ships beside the repo, in ../shared)")

    result = subprocess.run(
        [sys.executable, str(tfcheck), "terraform", "-r"],
        cwd=iac.REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"tfcheck failed:\n{output}"
    summary = output.splitlines()[-1] if output else ""
    match = re.search(r"(\d+) resources, \d+ data sources, (\d+) problems", summary)
    assert match, f"unexpected tfcheck summary: {summary!r}"
    assert int(match.group(2)) == 0, output
    assert int(match.group(1)) > 0, "tfcheck saw no resources: wrong directory?"
