"""The ``python`` and ``script`` runtimes' keys, read and checked with the rest of the spec.

They mean what oracle-ads 2.16 means by them (``PythonRuntime``, ``ScriptRuntime`` and the
driver ``driver_python.py`` / ``driver_utils.py``), with the job container in ADS's driver's
place:

- ``scriptPathURI``: the code, ``oci://`` or ``https://``: one ``.py`` or ``.sh`` file, an
  archive (``.zip``, ``.tar.gz``, ``.tgz``, ``.tar``) or, ``oci://`` only, a folder (an
  Object Storage prefix: any other name, or one ending in ``/``). The code folder holds the
  file, the folder under its own name, or the archive's members;
- ``entrypoint``: the ``.py`` (the image's Python) or ``.sh`` (bash) file to run, relative to
  the working folder; required for a folder or an archive, the file itself otherwise;
- python only: ``workingDir`` (relative to the code folder), ``pythonPath`` (relative to the
  working folder), ``entryFunction`` (a function of the entrypoint, called with the
  arguments), ``outputDir`` (relative to the working folder) uploaded to ``outputUri``.

Paths are relative and stay inside the code folder: absolute paths and ``..`` are refused
here, before a run exists. What only the code itself can tell (does the entrypoint exist in
the folder?) the container checks before it runs anything.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from ocirefs.locations import LocationError, SpecLocation, parse_location

from .container_keys import read_output
from .document import Path, show
from .keys import Fields
from .problems import Checker, type_name

RUNTIMES = ("python", "script")
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
ENTRYPOINT_SUFFIXES = (".py", ".sh")
MAX_PYTHON_PATHS = 32
MAX_PATH_LENGTH = 1024


@dataclass(frozen=True)
class ScriptKeys:
    """What the job container takes from a valid python or script runtime."""

    runtime: str  # "python" or "script"
    source: str  # scriptPathURI, stripped
    source_kind: str  # "file", "folder" or "archive"
    source_field: str
    entrypoint: str  # relative to the working folder
    entrypoint_field: str
    working_dir: str = ""  # relative to the code folder; "" is the code folder itself
    python_path: tuple[str, ...] = ()
    entry_function: str | None = None
    output_dir: str | None = None
    output: SpecLocation | None = None
    output_field: str | None = None


def source_kind(url: str) -> str | None:
    """``file``, ``archive`` or ``folder`` by the location's name; None for an https folder."""
    lowered = file_name(url).lower()
    if lowered.endswith(ARCHIVE_SUFFIXES):
        return "archive"
    if lowered.endswith(ENTRYPOINT_SUFFIXES):
        return "file"
    return "folder" if url.lower().startswith("oci://") else None


def file_name(url: str) -> str:
    """The name a single-file source has in the code folder: its location's last segment
    ('' when it ends in '/'). An oci:// object name is written as is; an https:// URL's path
    is percent-encoded."""
    return posixpath.basename(url if url.lower().startswith("oci://")
                              else unquote(urlsplit(url).path))


def folder_name(url: str) -> str:
    """The name a folder source has in the code folder: the prefix's last segment."""
    return posixpath.basename(url[6:].partition("/")[2].rstrip("/"))


def read_script_keys(fields: Fields, runtime: str, check: Checker) -> ScriptKeys | None:
    """Check a python or script runtime's keys; None when any is invalid (problems noted)."""
    before = check.count
    source = _source(fields, check)
    kind = source_kind(source) if source else None
    entrypoint = _entrypoint(fields, source, kind, check)
    # The python runtime's own keys: a script runtime's section refuses them (ADS_SCRIPT_RUNTIME),
    # so there they are never found and read as absent.
    working = _relative(fields.get("workingDir"), fields.at("workingDir"), check)
    paths = _python_path(fields, check)
    function = _entry_function(fields, entrypoint, check)
    output_dir, output = _output(fields, check)
    if source is None or kind is None or entrypoint is None or check.count > before:
        return None
    return ScriptKeys(
        runtime=runtime, source=source, source_kind=kind,
        source_field=show(fields.at("scriptPathURI")), entrypoint=entrypoint,
        entrypoint_field=show(fields.at("entrypoint") if fields.has("entrypoint")
                              else fields.at("scriptPathURI")),
        working_dir=working or "", python_path=paths, entry_function=function,
        output_dir=output_dir, output=output,
        output_field=show(fields.at("outputUri")) if output else None)


def _source(fields: Fields, check: Checker) -> str | None:
    path = fields.at("scriptPathURI")
    if not fields.require("scriptPathURI", check, "is required: the oci:// or https:// "
                          "location of the code (a .py or .sh file, a folder or an archive)"):
        return None
    url = check.text(fields.get("scriptPathURI"), path)
    if url is None:
        return None
    url = url.strip()
    if url.lower().startswith("oci://"):
        try:
            parse_location(url)
        except LocationError as exc:
            check.problem(path, f"expected oci://bucket@namespace/object-or-folder ({exc})")
            return None
    elif not url.lower().startswith("https://"):
        check.problem(path, "expected an oci:// or https:// location (the job runs in Data "
                            "Science: a path on your machine is not there)")
        return None
    if source_kind(url) is None:
        check.problem(path, "an https:// location is a .py or .sh file or an archive (.zip, "
                            ".tar.gz, .tgz, .tar); a folder is an oci:// prefix")
        return None
    return url


def _entrypoint(fields: Fields, source: str | None, kind: str | None, check: Checker
                ) -> str | None:
    path = fields.at("entrypoint")
    if not fields.has("entrypoint"):
        if kind in ("folder", "archive"):
            fields.require("entrypoint", check, "is required when scriptPathURI is a folder or "
                           "an archive: the .py or .sh file to run, relative to the working "
                           "folder (a folder's own name comes first, as in code_dir/main.py)")
            return None
        return file_name(source) if source and kind == "file" else None
    entrypoint = _relative(fields.get("entrypoint"), path, check)
    if entrypoint is None:
        return None
    if not entrypoint.lower().endswith(ENTRYPOINT_SUFFIXES):
        check.problem(path, "expected a .py file (run with the image's Python) or a .sh file "
                            "(run with bash)")
        return None
    return entrypoint


def _relative(value: Any, path: Path, check: Checker) -> str | None:
    """A relative path inside the code folder, normalised (``a/./b/`` → ``a/b``)."""
    text = check.text(value, path, max_length=MAX_PATH_LENGTH)
    if text is None:
        return None
    if text.startswith(("/", "~")) or "\\" in text:  # check.text refused NUL already
        check.problem(path, "expected a relative path inside the code folder (a/b.py), "
                            "not an absolute one")
        return None
    if ".." in text.split("/"):
        check.problem(path, "must stay inside the code folder: '..' is not allowed")
        return None
    normal = posixpath.normpath(text)
    return "" if normal == "." else normal


def _python_path(fields: Fields, check: Checker) -> tuple[str, ...]:
    value, path = fields.get("pythonPath"), fields.at("pythonPath")
    if value is None:
        return ()
    if not isinstance(value, list):
        check.problem(path, f"expected a list of relative folders, got {type_name(value)}"
                      + ("; write [lib] or one folder per line as - lib"
                         if isinstance(value, str) else ""))
        return ()
    if len(value) > MAX_PYTHON_PATHS:
        check.problem(path, f"more than {MAX_PYTHON_PATHS} folders")
        return ()
    good = [_relative(item, (*path, i), check) for i, item in enumerate(value)]
    return tuple(item for item in good if item is not None)


def _entry_function(fields: Fields, entrypoint: str | None, check: Checker) -> str | None:
    path = fields.at("entryFunction")
    name = check.text(fields.get("entryFunction"), path)
    if name is None:
        return None
    if not name.isidentifier():
        check.problem(path, "expected the name of a function in the entrypoint (a Python "
                            "identifier)")
        return None
    if entrypoint is not None and not entrypoint.lower().endswith(".py"):
        check.problem(path, "needs a .py entrypoint (a function of a Python file)")
        return None
    return name


def _output(fields: Fields, check: Checker) -> tuple[str | None, SpecLocation | None]:
    folder = _relative(fields.get("outputDir"), fields.at("outputDir"), check)
    output = read_output(fields, "outputUri", check)
    if fields.has("outputDir") and not fields.has("outputUri"):
        check.problem(fields.at("outputDir"), "needs outputUri as well: the "
                                              "oci://bucket@namespace/folder to upload it to")
    if fields.has("outputUri") and not fields.has("outputDir"):
        check.problem(fields.at("outputUri"), "has no effect without outputDir: the folder "
                                              "(relative to the working folder) to upload")
    return folder, output
