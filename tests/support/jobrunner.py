"""What the job container's tests share: what a run of the runner returned and printed,
and the answer an https download gets (``opener`` stands in for urllib's)."""

from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Ran:
    """The runner's exit code and what it wrote to stdout and stderr."""

    code: int
    out: str
    err: str

    @property
    def last(self) -> str:
        """stderr's last line, where the runner says how the run ended; '' when silent."""
        lines = self.err.splitlines()
        return lines[-1] if lines else ""


class HttpResponse(io.BytesIO):
    """A 200 answer to an https GET, with a Content-Length header only when ``length`` is
    given (as a chunked answer has none)."""

    def __init__(self, data: bytes, length: str | None = None) -> None:
        super().__init__(data)
        self.headers = {"content-length": length}
