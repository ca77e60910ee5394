"""The README's lint example runs as written and prints what the README shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- lint-example:"


def test_the_readme_lint_example_prints_what_it_shows():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme[readme.index(MARKER):], re.DOTALL)
    assert block, "no ```sh block after the lint-example marker"
    command, *shown = block.group(1).splitlines()
    assert command.startswith("$ python -m jobspec ")

    result = subprocess.run(["bash", "-c", command[2:].replace("python", sys.executable, 1)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 1
    assert result.stdout.splitlines() == shown  # every problem, then the count of files
    assert result.stderr == ""
