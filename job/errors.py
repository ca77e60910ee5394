"""Exit codes and the failures that map to them.

A failed job run shows only its exit code in ``lifecycleDetails``; the job's log shows
stderr. So every failure has its own exit code and exactly one summary line on stderr,
``job-runner: …``, printed last. Messages name fields, objects and error types, never the
spec's text, tokens or environment values.
"""

from __future__ import annotations

from enum import IntEnum

PREFIX = "job-runner: "


class ExitCode(IntEnum):
    OK = 0
    CONFIGURATION = 3
    NOT_READABLE = 4
    SPEC_INVALID = 5
    NOTEBOOK_INVALID = 6
    CELL_ERROR = 7
    UPLOAD_FAILED = 8
    INTERNAL = 9
    CANCELED = 143


class RunnerError(Exception):
    """A failure with its exit code; ``details`` are extra stderr lines printed first."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str, details: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.details = details


class ConfigurationProblem(RunnerError):
    """The run's environment lacks something the runner needs (spec variable, run OCID, RP)."""

    exit_code = ExitCode.CONFIGURATION


class NotReadable(RunnerError):
    """The spec or the notebook could not be read (missing, not authorized, changed, too big)."""

    exit_code = ExitCode.NOT_READABLE


class SpecProblem(RunnerError):
    """The spec fails the function's validation or lacks what the container needs."""

    exit_code = ExitCode.SPEC_INVALID


class NotebookProblem(RunnerError):
    """The notebook is not a valid .ipynb, or its kernel could not start or died."""

    exit_code = ExitCode.NOTEBOOK_INVALID


class CellFailed(RunnerError):
    """A notebook cell raised or timed out; the executed notebook is still uploaded."""

    exit_code = ExitCode.CELL_ERROR


class UploadFailed(RunnerError):
    """The executed notebook (or a file the notebook wrote) could not be uploaded."""

    exit_code = ExitCode.UPLOAD_FAILED
