"""The names a job run's (and a function's) environment variables may have."""

from __future__ import annotations

import re

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
