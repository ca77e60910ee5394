"""Shared helpers of the infrastructure-as-code tests (terraform/ and policies/).

The Terraform is read with python-hcl2 (no terraform binary needed). Policy statements and
dynamic-group rules in the .tf files interpolate only ``${var.x}`` / ``${local.y}``; both are
normalised to ``<x>`` / ``<y>``, the placeholder syntax of policies/*.policy, so the two can
be compared as plain text. Helpers live here (not in an importable module) so the tests
work whatever pytest import mode the repository ends up using.
"""

from __future__ import annotations

import hashlib
import json
import re
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
POLICIES_DIR = REPO / "policies"

_HCL_OPTIONS = SerializationOptions(
    with_comments=False, strip_string_quotes=True, preserve_heredocs=False
)
_REF = re.compile(r"\$\{(var|local)\.([A-Za-z_][A-Za-z0-9_]*)\}")
_PLACEHOLDER = re.compile(r"<([a-z][a-z0-9_]*)>")
# References to the resource a for_each policy is made for, and their placeholders: a
# schedule's own policy names that schedule's OCID.
INSTANCE_PLACEHOLDERS = {"${each.value.id}": "schedule_id"}


def load_hcl(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=_HCL_OPTIONS)


def block_body(block: dict[str, Any]) -> dict[str, Any]:
    """The attributes of a block without hcl2's bookkeeping keys."""
    return {k: v for k, v in block.items() if not k.startswith("__")}


@dataclass
class TerraformConfig:
    """Resources and locals of every *.tf file of terraform/ (one module, no subdirs)."""

    files: dict[str, dict[str, Any]]
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    resource_files: dict[tuple[str, str], str] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path = TERRAFORM_DIR) -> TerraformConfig:
        config = cls(files={p.name: load_hcl(p) for p in sorted(directory.glob("*.tf"))})
        for name, doc in config.files.items():
            for entry in doc.get("resource", []):
                for rtype, named in block_body(entry).items():
                    for rname, body in block_body(named).items():
                        key = (rtype, rname)
                        assert key not in config.resources, f"{rtype}.{rname} declared twice"
                        config.resources[key] = body
                        config.resource_files[key] = name
            for block in doc.get("locals", []):
                for key, value in block_body(block).items():
                    assert key not in config.locals, f"local.{key} declared twice"
                    config.locals[key] = value
            for entry in doc.get("variable", []):
                for vname, body in block_body(entry).items():
                    config.variables[vname] = body
        return config

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return {name: body for (t, name), body in self.resources.items() if t == rtype}

    def resource(self, rtype: str, name: str) -> dict[str, Any]:
        assert (rtype, name) in self.resources, f"{rtype}.{name} not found in terraform/"
        return self.resources[(rtype, name)]

    # -- a tiny evaluator, enough for the string locals the tests look at --------------
    def resolve(self, value: Any, depth: int = 0) -> Any:
        """Expand ``${local.x}`` (recursively) and ``${join("sep", local.list)}``;
        ``${var.x}`` becomes the placeholder ``<x>``. Anything else is left as written."""
        assert depth < 20, "local references nest too deep (cycle?)"
        if isinstance(value, list):
            return [self.resolve(v, depth + 1) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v, depth + 1) for k, v in value.items()}
        if not isinstance(value, str):
            return value
        whole = re.fullmatch(r"\$\{local\.([A-Za-z_][A-Za-z0-9_]*)\}", value)
        if whole:  # a whole-value reference keeps the referenced type (list, map, …)
            return self.resolve(self.locals[whole.group(1)], depth + 1)

        def join(match: re.Match[str]) -> str:
            items = self.resolve(self.locals[match.group(2)], depth + 1)
            assert isinstance(items, list), f"join over local.{match.group(2)}: not a list"
            return match.group(1).join(items)

        value = re.sub(r'\$\{join\("([^"]*)", local\.([A-Za-z_][A-Za-z0-9_]*)\)\}', join, value)

        def ref(match: re.Match[str]) -> str:
            kind, name = match.groups()
            if kind == "var":
                return f"<{name}>"
            resolved = self.resolve(self.locals[name], depth + 1)
            assert isinstance(resolved, str), f"local.{name} is not a string"
            return resolved

        return _REF.sub(ref, value)


def to_placeholders(text: str) -> str:
    """``${var.x}`` / ``${local.x}`` -> ``<x>`` (and INSTANCE_PLACEHOLDERS); fails on any
    other interpolation."""
    normalised = _REF.sub(lambda m: f"<{m.group(2)}>", text)
    for reference, name in INSTANCE_PLACEHOLDERS.items():
        normalised = normalised.replace(reference, f"<{name}>")
    assert "${" not in normalised, (
        f"policy text may only interpolate var.* and local.*, got: {text!r}"
    )
    return " ".join(normalised.split())


@dataclass(frozen=True)
class Entry:
    """One statement (or matching rule) of a text file and the comment written above it."""

    text: str
    comment: str
    line: int


def read_commented_lines(path: Path) -> list[Entry]:
    """Non-comment lines of a policies/ file, each with the '#' block right above it."""
    entries: list[Entry] = []
    comment: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            comment = []
        elif line.startswith("#"):
            comment.append(line.lstrip("#").strip())
        else:
            entries.append(Entry(" ".join(line.split()), " ".join(comment).strip(), number))
            comment = []
    return entries


def sample_value(name: str) -> str:
    """A concrete, syntactically valid stand-in for a placeholder (for the parsers)."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:20]
    kinds = {
        "function_id": "fnfunc",
        "di_workspace_id": "disworkspace",
        "job_log_group_id": "loggroup",
        "schedule_id": "resourceschedule",
    }
    if name in kinds:
        return f"ocid1.{kinds[name]}.oc1.iad.aaaaaaaa{digest}"
    if name.endswith(("_id", "_ocid")):
        return f"ocid1.compartment.oc1..aaaaaaaa{digest}"
    return "sample-" + name.replace("_", "-")


def concretise(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: sample_value(m.group(1)), text)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def hcl_object_to_json(hcl_object: str) -> Any:
    """Evaluate the object literal of a ``jsonencode({...})`` the way Terraform would
    (for literals, var/local references left as placeholders) and round-trip it through JSON."""
    parsed = hcl2.loads(f"x = {hcl_object}\n", serialization_options=_HCL_OPTIONS)["x"]
    text = json.dumps(parsed).replace("$${", "${")
    return json.loads(text)


@pytest.fixture(scope="session")
def tf() -> TerraformConfig:
    return TerraformConfig.load()


@pytest.fixture(scope="session")
def iac():
    """The helpers above, for the test modules (importing conftest is not portable)."""
    return types.SimpleNamespace(
        REPO=REPO,
        TERRAFORM_DIR=TERRAFORM_DIR,
        POLICIES_DIR=POLICIES_DIR,
        load_hcl=load_hcl,
        block_body=block_body,
        to_placeholders=to_placeholders,
        INSTANCE_PLACEHOLDERS=INSTANCE_PLACEHOLDERS,
        read_commented_lines=read_commented_lines,
        sample_value=sample_value,
        concretise=concretise,
        placeholders=placeholders,
        hcl_object_to_json=hcl_object_to_json,
        render_schedule_body=render_schedule_body,
        schedule_entry_defaults=schedule_entry_defaults,
        split_top_level=split_top_level,
        TerraformConfig=TerraformConfig,
    )


# -- the schedules' request bodies, evaluated the way Terraform would -----------------
#
# local.schedule_bodies is a for expression over var.schedules whose inner object uses a
# handful of forms only: string literals, `s.<attribute>`, the entry's `name`, object
# literals and merge(). The evaluator below knows exactly those forms and fails on any
# other, so the body a test sends is the one the Terraform would render, not a copy.

_BODIES = re.compile(
    r"^\$\{\{for name, s in var\.schedules : name => \{for field, value in \{(?P<pairs>.*)\}"
    r" : field => value if value != null\}\}\}$",
    re.S,
)


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on `separator` outside brackets and string literals."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "({[":
            depth += 1
        elif not quoted and char in ")}]":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index].strip())
            start = index + len(separator)
    tail = text[start:].strip()
    return [*parts, tail] if tail else parts


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in split_top_level(text):
        key, _, expr = part.partition(" = ")
        assert key and expr, f"not a `key = value` pair: {part!r}"
        pairs.append((key.strip(), expr.strip()))
    return pairs


def _evaluate(expr: str, name: str, entry: dict[str, Any]) -> Any:
    if expr == "name":
        return name
    if re.fullmatch(r'"[^"\\$]*"', expr):
        return expr[1:-1]
    if match := re.fullmatch(r"s\.([a-z_]+)", expr):
        assert match.group(1) in entry, f"s.{match.group(1)} is not an attribute of the entry"
        return entry[match.group(1)]
    if expr.startswith("{") and expr.endswith("}"):
        return {key: _evaluate(value, name, entry) for key, value in _pairs(expr[1:-1])}
    if expr.startswith("merge(") and expr.endswith(")"):
        merged: dict[str, Any] = {}
        for argument in split_top_level(expr[len("merge("):-1]):
            value = _evaluate(argument, name, entry)
            assert isinstance(value, dict), f"merge() of a non-object in {expr!r}"
            merged.update(value)
        return merged
    raise AssertionError(
        f"local.schedule_bodies uses {expr!r}, which this evaluator does not know: keep the "
        "body a plain object of literals, s.<attribute>, name and merge()"
    )


_REQUIRED = object()


def schedule_entry_defaults(tf: TerraformConfig) -> dict[str, Any]:
    """Attribute -> value Terraform fills in when an entry leaves it out (optional()), or
    _REQUIRED for the attributes every entry must set."""
    type_expr = tf.variables["schedules"]["type"]
    match = re.fullmatch(r"\$\{map\(object\(\{(.*)\}\)\)\}", type_expr, re.S)
    assert match, f"var.schedules is not a map(object({{…}})): {type_expr}"
    defaults: dict[str, Any] = {}
    for attribute, attr_type in _pairs(match.group(1)):
        if attr_type.startswith("optional(") and attr_type.endswith(")"):
            args = split_top_level(attr_type[len("optional("):-1])
            default = args[1] if len(args) == 2 else "null"
            defaults[attribute] = None if default == "null" else hcl2.loads(
                f"x = {default}\n", serialization_options=_HCL_OPTIONS)["x"]
        else:
            defaults[attribute] = _REQUIRED
    return defaults


def render_schedule_body(tf: TerraformConfig, name: str, entry: dict[str, Any]) -> dict:
    """The JSON body Terraform sends for schedule `name` configured as `entry`."""
    match = _BODIES.match(tf.locals["schedule_bodies"])
    assert match, f"unexpected shape of local.schedule_bodies: {tf.locals['schedule_bodies']}"
    defaults = schedule_entry_defaults(tf)
    unknown = set(entry) - set(defaults)
    assert not unknown, f"not attributes of a schedule: {sorted(unknown)}"
    full = {**defaults, **entry}
    missing = [key for key, value in full.items() if value is _REQUIRED]
    assert not missing, f"a schedule needs {missing}"
    body = {
        field: value
        for field, expr in _pairs(match.group("pairs"))
        if (value := _evaluate(expr, name, full)) is not None
    }
    return json.loads(json.dumps(body))  # jsonencode: plain JSON types only
