"""The lint command (``python -m jobspec``) called in this process: its exit status and
what it printed, as a process would show them (tests/process/test_lint_command.py runs the
real process)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

from jobspec.__main__ import main


@dataclass(frozen=True)
class Linted:
    returncode: int
    stdout: str
    stderr: str


def lint(*args: object) -> Linted:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exit_:  # argparse: --help, or a usage error
            code = exit_.code if isinstance(exit_.code, int) else 2
    return Linted(code, out.getvalue(), err.getvalue())
