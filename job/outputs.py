"""Where a run's results go: ``<prefix>/<JOB_RUN_OCID>/<name>`` in the spec's output folder.

One folder per run, named by the run's OCID, so reruns of the same spec never overwrite
each other and a run's outputs are found from the OCID that the function returned.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from ocirefs.locations import MAX_OBJECT_NAME_BYTES, SpecLocation

DEFAULT_NOTEBOOK_NAME = "notebook.ipynb"
MAX_NAME_LENGTH = 255
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def notebook_name(url: str) -> str:
    """The file name of the notebook a URL points at (``basics.ipynb``), safe as an object name.

    Object Storage https URLs are percent-decoded once, like the function does; ``oci://``
    names are taken literally.
    """
    if url.lower().startswith("oci://"):
        path = url[6:].partition("/")[2]
    else:
        path = urlsplit(url).path
        try:
            path = unquote(path, errors="strict")
        except UnicodeDecodeError:
            path = ""
    name = _UNSAFE.sub("_", posixpath.basename(path)).strip()
    if name in ("", ".", ".."):
        return DEFAULT_NOTEBOOK_NAME
    return name[-MAX_NAME_LENGTH:]


def run_folder(output: SpecLocation, job_run_ocid: str) -> str:
    """The object-name prefix of the run's outputs, ending in ``/``."""
    prefix = output.object.rstrip("/")
    return f"{prefix}/{job_run_ocid}/" if prefix else f"{job_run_ocid}/"


def output_object(output: SpecLocation, job_run_ocid: str, relative: str) -> str:
    """The object name for ``relative`` (a notebook name or a path under the working folder)."""
    name = run_folder(output, job_run_ocid) + relative.lstrip("/")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_OBJECT_NAME_BYTES:
        raise ValueError(f"the object name would be longer than {MAX_OBJECT_NAME_BYTES} bytes")
    return name


def output_uri(output: SpecLocation, name: str) -> str:
    return f"oci://{output.bucket}@{output.namespace}/{name}"
