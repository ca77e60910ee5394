"""The job container's keys, read and checked with the rest of the spec (one validation):

| | flat dialect | ADS job YAML (``spec.runtime.spec.…``) |
|---|---|---|
| notebook (https:// or oci://) | ``noteBook`` | ``notebookPathURI`` |
| output folder (oci://bucket@namespace/prefix) | ``outputFolder`` | ``outputUri`` |
| papermill-style parameters (a mapping) | ``parameters`` | ``parameters`` (not an ADS key) |
| cells to skip, by tag | ``excludeTags`` | ``excludeTags`` |
| the notebook file's encoding | ``notebookEncoding`` | ``notebookEncoding`` |

Parameters are strict in the spirit of the spec: names are Python identifiers, values are
strings, numbers, booleans, null, lists and mappings of those. Plain scalars that YAML 1.1
reads differently from YAML 1.2 (``no``, ``on``, ``012``, ``1:30``, ``1_000``, ``1e3``)
are refused, so ``country: NO`` never silently becomes ``False``. Dates become ISO strings,
as papermill does with values it can't write as Python literals.
"""

from __future__ import annotations

import codecs
import datetime
import keyword
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ocirefs.locations import LocationError, SpecLocation, parse_allow_entry, parse_location

from .document import Path, show
from .keys import Fields
from .problems import Checker, ambiguous, expected, type_name

_VARIABLE = re.compile(r"\$(\{)?[A-Za-z_]")
_RUN_FOLDER = re.compile(r"/\$(\{JOB_RUN_OCID\}|JOB_RUN_OCID)/?\Z")
MAX_PARAMETERS = 1000
MAX_PARAMETER_NAME = 255
DEFAULT_ENCODING = "utf-8"


@dataclass(frozen=True)
class ContainerKeys:
    """What the job container takes from a valid spec; fields are paths as written."""

    notebook: str
    notebook_field: str
    output: SpecLocation | None = None
    output_field: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    exclude_tags: tuple[str, ...] = ()
    encoding: str = DEFAULT_ENCODING


@dataclass(frozen=True)
class Names:
    """The dialect's names of the notebook and output keys."""

    notebook: str
    output: str


FLAT_NAMES = Names("noteBook", "outputFolder")
ADS_NAMES = Names("notebookPathURI", "outputUri")


def read_container_keys(fields: Fields, names: Names, check: Checker) -> ContainerKeys | None:
    """Check the container's keys in ``fields``; None when any is invalid (problems noted)."""
    before = check.count
    notebook = _notebook(fields, names.notebook, check)
    output = read_output(fields, names.output, check)
    parameters = _parameters(fields.get("parameters"), fields.at("parameters"), check)
    exclude = _string_list(fields.get("excludeTags"), fields.at("excludeTags"), check)
    encoding = fields.get("notebookEncoding")
    if encoding is None:
        encoding = DEFAULT_ENCODING
    elif check.typed(encoding, fields.at("notebookEncoding"), str, "string") is not None \
            and not _known_codec(encoding):
        check.problem(fields.at("notebookEncoding"), "is not a known text encoding")
    if notebook is None or check.count > before:
        return None
    return ContainerKeys(
        notebook=notebook, notebook_field=show(fields.at(names.notebook)),
        output=output, output_field=show(fields.at(names.output)) if output else None,
        parameters=parameters, exclude_tags=exclude, encoding=encoding)


def _notebook(fields: Fields, name: str, check: Checker) -> str | None:
    path = fields.at(name)
    if not fields.require(name, check, "is required: the https:// or oci:// URL of the "
                                       "notebook to run"):
        return None
    notebook = check.text(fields.get(name), path)
    if notebook is None:
        return None
    notebook = notebook.strip()
    if notebook.startswith("oci://"):
        try:
            parse_location(notebook)
        except LocationError as exc:
            check.problem(path, f"expected oci://bucket@namespace/object ({exc})")
            return None
    elif not notebook.startswith("https://"):
        check.problem(path, "expected an https:// or oci:// URL")
        return None
    return notebook


def read_output(fields: Fields, name: str, check: Checker) -> SpecLocation | None:
    """The output folder ``name`` gives (oci://bucket@namespace/prefix), or None."""
    if not fields.has(name):
        return None
    path = fields.at(name)
    text = check.typed(fields.get(name), path, str, "string")
    if text is None:
        return None
    # ADS's notebook driver expands $VAR / ${VAR} here at run time (os.path.expandvars). The
    # container writes to <folder>/<JOB_RUN_OCID>/ anyway, so a last segment naming the run
    # means just that; any other variable would be taken literally, so it is refused.
    text = _RUN_FOLDER.sub("/", text)
    if _VARIABLE.search(text):
        check.problem(path, "variables ($NAME, ${NAME}) are not expanded in the output folder, "
                            "except a last /${JOB_RUN_OCID}: each run writes to "
                            "<folder>/<JOB_RUN_OCID>/")
        return None
    try:
        return parse_allow_entry(text)
    except LocationError as exc:
        check.problem(path, f"expected oci://bucket@namespace/folder ({exc})")
        return None


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _string_list(value: Any, path: Path, check: Checker) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        check.problem(path, expected("list", value))
        return ()
    good = [check.typed(item, (*path, i), str, "string") for i, item in enumerate(value)]
    return tuple(item for item in good if item is not None)


def _parameters(value: Any, path: Path, check: Checker) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.problem(path, f"expected a mapping, got {type_name(value)}")
        return {}
    if len(value) > MAX_PARAMETERS:
        check.problem(path, f"more than {MAX_PARAMETERS} parameters")
        return {}
    result = {}
    for name, item in value.items():
        at = (*path, name)
        if (not name.isidentifier() or keyword.iskeyword(name)
                or len(name) > MAX_PARAMETER_NAME):
            check.problem(at, "parameter names must be Python identifiers "
                              "(letters, digits, _; not a keyword)")
            continue
        converted = _value(item, at, check)
        if converted is not _INVALID:
            result[name] = converted
    return result


_INVALID = object()


def _value(value: Any, path: Path, check: Checker) -> Any:
    """A YAML value as a value ``repr`` writes as a Python literal, or ``_INVALID``."""
    kind = check.document.ambiguous.get(path)
    if kind is not None:
        check.problem(path, ambiguous(kind))
        return _INVALID
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        check.problem(path, "infinite and NaN numbers can't be parameters")
        return _INVALID
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        items = [_value(item, (*path, i), check) for i, item in enumerate(value)]
        return _INVALID if any(item is _INVALID for item in items) else items
    if isinstance(value, dict):
        entries = {key: _value(item, (*path, key), check) for key, item in value.items()}
        return _INVALID if any(item is _INVALID for item in entries.values()) else entries
    check.problem(path, f"unsupported value ({type_name(value)})")
    return _INVALID
