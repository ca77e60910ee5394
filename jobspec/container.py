"""What the container reads from a spec, after the function's own validation passed.

The spec is validated by :func:`jobspec.spec.parse_spec`, the code the launcher function runs
(one source of truth); this module then reads the keys the launcher leaves to the container:

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

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import yamlsafe
from .errors import Problem, SpecInvalid
from .limits import DEFAULT_MAX_SPEC_BYTES, DEFAULT_SPEC_ENV_VAR
from .locations import LocationError, SpecLocation, parse_allow_entry
from .spec import parse_spec, type_name

MAX_PARAMETERS = 1000
MAX_PARAMETER_NAME = 255
_ADS_RUNTIME = "spec.runtime.spec."
_TAG = "tag:yaml.org,2002:"
# YAML 1.2 core-schema spellings; a plain scalar PyYAML (YAML 1.1) resolves as a bool, int or
# float without matching these is read differently by YAML 1.2 tools, so it is ambiguous.
_CORE = {
    _TAG + "bool": re.compile(r"true|True|TRUE|false|False|FALSE\Z"),
    _TAG + "int": re.compile(r"[-+]?(0|[1-9][0-9]*)\Z"),
    _TAG + "float": re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z"),
}
# A plain scalar PyYAML reads as a string but YAML 1.2 as a bool or number (1e3, 0o17).
_CORE_NOT_STRING = re.compile(
    r"(true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)\Z")


@dataclass(frozen=True)
class ContainerSpec:
    """The container's part of a valid spec."""

    dialect: str
    notebook: str
    notebook_field: str
    output: SpecLocation | None = None
    output_field: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    exclude_tags: tuple[str, ...] = ()
    encoding: str = "utf-8"


def read_container_spec(data: bytes, *, max_bytes: int = DEFAULT_MAX_SPEC_BYTES,
                        spec_env_var: str = DEFAULT_SPEC_ENV_VAR) -> ContainerSpec:
    """Validate ``data`` as the function does, then read the container's keys.

    Raises :class:`~jobspec.errors.SpecInvalid` (every problem found) or ``SpecTooLarge``.
    """
    spec = parse_spec(data, max_bytes=max_bytes, spec_env_var=spec_env_var)
    text = data.decode("utf-8-sig")
    doc = yamlsafe.load(text)
    path: tuple[str, ...]
    if spec.dialect == "ads":
        section = doc.get("spec", {}).get("runtime", {}).get("spec", {}) or {}
        prefix, path = _ADS_RUNTIME, ("spec", "runtime", "spec")
        notebook_key, output_key = "notebookPathURI", "outputUri"
    else:
        section, prefix, path = doc, "", ()
        notebook_key, output_key = "noteBook", "outputFolder"

    problems: list[Problem] = []
    notebook = section.get(notebook_key)
    if not isinstance(notebook, str) or not notebook.strip():
        problems.append(Problem(prefix + notebook_key, "is required by the job container"))
    elif not notebook.strip().lower().startswith(("https://", "oci://")):
        problems.append(Problem(prefix + notebook_key, "expected an https:// or oci:// URL"))

    output = None
    raw_output = section.get(output_key)
    if raw_output is not None:
        try:
            output = parse_allow_entry(raw_output) if isinstance(raw_output, str) else None
        except LocationError as exc:
            problems.append(Problem(prefix + output_key,
                                    f"expected oci://bucket@namespace/folder ({exc})"))
        if not isinstance(raw_output, str):
            problems.append(Problem(prefix + output_key,
                                    f"expected a string, got {type_name(raw_output)}"))

    parameters = _parameters(section.get("parameters"), prefix + "parameters", problems)
    if isinstance(section.get("parameters"), dict):
        _check_ambiguous_scalars(text, (*path, "parameters"), prefix + "parameters", problems)
    exclude = _string_list(section.get("excludeTags"), prefix + "excludeTags", problems)
    encoding = section.get("notebookEncoding") or "utf-8"
    if not isinstance(encoding, str) or not _known_codec(encoding):
        problems.append(Problem(prefix + "notebookEncoding", "is not a known text encoding"))
    if problems or not isinstance(notebook, str):
        raise SpecInvalid(problems)
    return ContainerSpec(
        dialect=spec.dialect, notebook=notebook.strip(), notebook_field=prefix + notebook_key,
        output=output, output_field=prefix + output_key if output else None,
        parameters=parameters, exclude_tags=exclude, encoding=encoding,
    )


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _string_list(value: Any, path: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(Problem(path, f"expected a list, got {type_name(value)}"))
        return ()
    bad = [i for i, item in enumerate(value) if not isinstance(item, str)]
    for i in bad:
        problems.append(Problem(f"{path}[{i}]", f"expected a string, got {type_name(value[i])}"))
    return () if bad else tuple(value)


def _parameters(value: Any, path: str, problems: list[Problem]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem(path, f"expected a mapping, got {type_name(value)}"))
        return {}
    if len(value) > MAX_PARAMETERS:
        problems.append(Problem(path, f"more than {MAX_PARAMETERS} parameters"))
        return {}
    result = {}
    for name, item in value.items():
        at = f"{path}.{name[:64]}"
        if (not name.isidentifier() or keyword.iskeyword(name)
                or len(name) > MAX_PARAMETER_NAME):
            problems.append(Problem(at, "parameter names must be Python identifiers "
                                        "(letters, digits, _; not a keyword)"))
            continue
        converted = _value(item, at, problems)
        if converted is not _INVALID:
            result[name] = converted
    return result


_INVALID = object()


def _value(value: Any, path: str, problems: list[Problem]) -> Any:
    """A YAML value as a value ``repr`` writes as a Python literal, or ``_INVALID``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        problems.append(Problem(path, "infinite and NaN numbers can't be parameters"))
        return _INVALID
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        elements = [_value(item, f"{path}[{i}]", problems) for i, item in enumerate(value)]
        return _INVALID if any(item is _INVALID for item in elements) else elements
    if isinstance(value, dict):
        members = {key: _value(item, f"{path}.{key[:64]}", problems)
                   for key, item in value.items()}
        return _INVALID if any(item is _INVALID for item in members.values()) else members
    problems.append(Problem(path, f"unsupported value ({type_name(value)})"))
    return _INVALID


def _check_ambiguous_scalars(text: str, path: tuple[str, ...], field_path: str,
                             problems: list[Problem]) -> None:
    """Refuse plain scalars under ``path`` that YAML 1.1 and 1.2 read differently."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for key in path:
        node = _child(node, key)
        if node is None:
            return
    _walk(node, field_path, problems)


def _child(node: Any, key: str) -> Any:
    if not isinstance(node, MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return value_node
    return None


def _walk(node: Any, path: str, problems: list[Problem]) -> None:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            _walk(value_node, f"{path}.{str(key_node.value)[:64]}", problems)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, f"{path}[{i}]", problems)
    elif isinstance(node, ScalarNode) and node.style is None:
        pattern = _CORE.get(node.tag)
        if pattern is not None:
            ambiguous = not pattern.match(node.value) and not _special_float(node)
        else:
            ambiguous = node.tag == _TAG + "str" and bool(_CORE_NOT_STRING.match(node.value))
        if ambiguous:
            kind = node.tag[len(_TAG):].replace("str", "string")
            problems.append(Problem(path, f"is read as a YAML 1.1 {kind} but is ambiguous; "
                                          "quote it for a string, or write it plainly "
                                          "(true/false, 10, 1.5)"))


def _special_float(node: ScalarNode) -> bool:
    return node.tag == _TAG + "float" and node.value.lower().lstrip("+-") in (".inf", ".nan")
