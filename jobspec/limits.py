"""Names and limits every reader of a spec agrees on (function, lint, job container)."""

from __future__ import annotations

# The env var through which a job run receives its spec's location, unless SPEC_ENV_VAR says.
DEFAULT_SPEC_ENV_VAR = "NOTEPAD_YAML_URL"
# The eTag of the spec version the launcher read; the container reads exactly that version.
ETAG_ENV_VAR = "JOB_SPEC_ETAG"
DEFAULT_MAX_SPEC_BYTES = 65536
# A spec is a small text file; more than this is a misconfiguration, not a spec.
MAX_SPEC_BYTES_CEILING = 1024 * 1024
