"""Logging: one structured line per call on stderr, third-party chatter kept out.

The fdk sets the root logger to DEBUG with a stderr handler, so urllib3 and the
SDK would log every request URL (object names, paths); they are held at WARNING.
Call :func:`setup` before the SDK is first imported: ``oci`` logs at import time.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from typing import Any

from .errors import InternalError

LOGGER_NAME = "jobrun_launcher"
QUIET_LOGGERS = ("oci", "urllib3", "requests")
# The checkout (or /function in the image): func/, jobspec/, ociplatform/ live here.
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

log = logging.getLogger(LOGGER_NAME)


def setup() -> None:
    log.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def call_line(fields: dict[str, Any]) -> None:
    """Log the call's one line: JSON of the non-empty fields (never bodies or specs).

    A bug (``InternalError``) is logged at ERROR so that alerts can match the level.
    """
    level = logging.ERROR if fields.get("outcome") == InternalError.code else logging.INFO
    log.log(level, json.dumps({k: v for k, v in fields.items() if v is not None},
                              ensure_ascii=False, separators=(",", ":")))


def where_raised(exc: BaseException) -> str | None:
    """``func/service.py:123``: the innermost frame of the traceback inside the project
    (not the SDK's or the standard library's), where a fix would go. Only the file and line:
    the message and the local values may hold request or spec text."""
    innermost = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = os.path.abspath(frame.filename)
        if path.startswith(PROJECT_ROOT + os.sep) and "site-packages" not in path:
            innermost = f"{os.path.relpath(path, PROJECT_ROOT)}:{frame.lineno}"
    return innermost
