"""Logging: one structured line per call on stderr, third-party chatter kept out.

The fdk sets the root logger to DEBUG with a stderr handler, so urllib3 and the
SDK would log every request URL (object names, paths); they are held at WARNING.
Call :func:`setup` before the SDK is first imported: ``oci`` logs at import time.
"""

from __future__ import annotations

import json
import logging

LOGGER_NAME = "jobrun_launcher"
QUIET_LOGGERS = ("oci", "urllib3", "requests")

log = logging.getLogger(LOGGER_NAME)


def setup() -> None:
    log.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def call_line(fields: dict) -> None:
    """Log the call's one line: JSON of the non-empty fields (never bodies or specs)."""
    log.info(json.dumps({k: v for k, v in fields.items() if v is not None},
                        ensure_ascii=False, separators=(",", ":")))
