"""Bounded reads of Object Storage ``GetObject`` answers (the function and the job share it).

The caller asks for ``range=bytes=0-<limit>``; this reads at most ``limit + 1`` bytes
of the stream whatever the server sends, and tells whether the object is larger than
``limit`` (from the bytes seen or ``Content-Range``'s total). Transport errors while
streaming propagate for the caller to map.
"""

from __future__ import annotations

from typing import Any

READ_CHUNK = 64 * 1024


def range_header(limit: int) -> str:
    """The ``Range`` that asks for one byte more than ``limit``: enough to see "too large"."""
    return f"bytes=0-{limit}"


def read_bounded(response: Any, limit: int) -> tuple[bytes, bool]:
    """``(data, larger_than_limit)`` of an SDK GetObject response; always closes the stream."""
    data = bytearray()
    try:
        for chunk in response.data.iter_content(READ_CHUNK):
            data += chunk
            if len(data) > limit:
                break
    finally:
        response.data.close()
    total = content_range_total(response.headers.get("content-range"))
    return bytes(data[:limit + 1]), len(data) > limit or (total is not None and total > limit)


def content_range_total(value: str | None) -> int | None:
    """``bytes 0-99/1234`` → 1234 (None when absent or ``*``)."""
    if not value or "/" not in value:
        return None
    total = value.rsplit("/", 1)[1].strip()
    return int(total) if total.isdigit() else None
