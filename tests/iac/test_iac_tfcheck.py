"""terraform/ passes the offline schema check of the shared tfcheck tool."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def find_tfcheck(repo: Path) -> Path | None:
    """The shared checker: $TFCHECK, beside the checkout (../shared), or the workplace's copy."""
    candidates = [os.environ.get("TFCHECK"), repo.parent / "shared" / "tfcheck" / "tfcheck.py",
                  "/work/shared/tfcheck/tfcheck.py"]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def test_tfcheck_reports_no_problems(iac):
    tfcheck = find_tfcheck(iac.REPO)
    if tfcheck is None:
        pytest.skip("tfcheck not found: set TFCHECK=/path/to/tfcheck.py (it ships in ../shared)")

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
