"""Job specs: parse and validate the YAML a notebook run is described by .

Two dialects, detected by shape:

- **flat** (the original container's format): ``noteBook``, ``jobName``,
  ``logGroupId``, ``logId``, ``projectId``, ``compartmentId``, ``outputFolder``;
  other keys pass through to the container untouched.
- **ADS job YAML** (``kind: job``): ``spec.name``, ``spec.infrastructure.spec.*``
  and ``spec.runtime.spec.{env,args,…}``; keys the launcher does not use are left
  to the container.

Everything here is pure: :func:`parse_spec` turns bytes into a :class:`JobSpec`
or raises :class:`~jobspec.errors.SpecInvalid` listing every problem found. Run
``python -m jobspec FILE…`` to lint spec files locally with the same code.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import yamlsafe
from .errors import Problem, SpecInvalid, SpecTooLarge
from .limits import DEFAULT_MAX_SPEC_BYTES, DEFAULT_SPEC_ENV_VAR, ENV_NAME, ETAG_ENV_VAR
from .locations import LocationError, parse_allow_entry
from .ocids import is_ocid

MAX_DISPLAY_NAME = 255
MAX_ENV_TOTAL = 20000
MAX_ARGUMENTS = 4000
MIN_BLOCK_STORAGE_GB = 50
# Set by Data Science on every run; a job run may not override them.
RESERVED_ENV = frozenset({
    "TENANCY_OCID", "PROJECT_OCID", "PROJECT_COMPARTMENT_OCID", "JOB_OCID",
    "JOB_COMPARTMENT_OCID", "JOB_ARTIFACT_FILE_NAME", "JOB_RUN_OCID",
    "JOB_RUN_COMPARTMENT_OCID", "FQDN",
})
RESERVED_ENV_PREFIXES = ("OCI_RESOURCE_PRINCIPAL_",)
INFRASTRUCTURE_TYPES = ("STANDALONE", "ME_STANDALONE")
FLAT_KEYS = ("noteBook", "jobName", "logGroupId", "logId", "projectId", "compartmentId",
             "outputFolder")


@dataclass(frozen=True)
class Infrastructure:
    """Infrastructure override: only built when the spec names a shape."""

    type: str
    shape_name: str
    subnet_id: str | None = None
    ocpus: float | None = None
    memory_in_gbs: float | None = None
    block_storage_size_in_gbs: int | None = None


@dataclass(frozen=True)
class JobSpec:
    dialect: str
    display_name: str | None = None
    project_id: str | None = None
    compartment_id: str | None = None
    log_group_id: str | None = None
    log_id: str | None = None
    environment: tuple[tuple[str, str], ...] = ()
    arguments: tuple[str, ...] | None = None
    infrastructure: Infrastructure | None = None

    @property
    def command_line_arguments(self) -> str | None:
        return None if self.arguments is None else shlex.join(self.arguments)


def invalid(problems: list[Problem]) -> SpecInvalid:
    return SpecInvalid(problems)


def type_name(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string",
             list: "list", dict: "mapping", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def env_problem(name: Any, reserved: frozenset[str]) -> str | None:
    """Why ``name`` can't be a custom environment variable of a job run, or None."""
    if not isinstance(name, str) or not ENV_NAME.match(name):
        return "environment variable names must match [A-Za-z_][A-Za-z0-9_]*"
    if name in RESERVED_ENV or name.startswith(RESERVED_ENV_PREFIXES):
        return f"{name} is set by Data Science and can't be overridden"
    if name in reserved:
        return f"{name} is set by the launcher and can't be overridden"
    return None


def env_size(env: Iterable[tuple[str, str]]) -> int:
    return sum(len(name) + len(value) for name, value in env)


class _Checker:
    """Reads typed values out of a document, collecting every problem."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str | None, message: str) -> None:
        self.problems.append(Problem(path, message))

    def get(self, mapping: dict[str, Any], key: str, path: str,
            kind: type | tuple[type, ...], required: bool = False,
            check: Callable[[Any], str | None] | None = None) -> Any:
        if key not in mapping or mapping[key] is None:
            if required:
                self.problem(path, "is required")
            return None
        value = mapping[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            expected = "number" if kinds == (int, float) else type_name(kinds[0]())
            article = "an" if expected[0] in "aeiou" else "a"
            self.problem(path, f"expected {article} {expected}, got {type_name(value)}")
            return None
        if check is not None:
            message = check(value)
            if message:
                self.problem(path, message)
                return None
        return value

    def ocid(self, mapping: dict[str, Any], key: str, path: str, kind: str,
             required: bool = False) -> Any:
        return self.get(mapping, key, path, str, required,
                        lambda v: None if is_ocid(v, kind) else f"expected a {kind} OCID")

    def text(self, mapping: dict[str, Any], key: str, path: str, required: bool = False,
             max_length: int | None = None) -> Any:
        def check(value: str) -> str | None:
            if not value.strip():
                return "must not be empty"
            if max_length and len(value) > max_length:
                return f"is longer than {max_length} characters"
            return None
        return self.get(mapping, key, path, str, required, check)

    def mapping(self, mapping: dict[str, Any], key: str, path: str,
                required: bool = False) -> dict[str, Any]:
        return self.get(mapping, key, path, dict, required) or {}


def _url(value: str) -> str | None:
    if value.startswith(("https://", "oci://")):
        return None
    return "expected an https:// or oci:// URL"


def _oci_folder(value: str) -> str | None:
    try:
        parse_allow_entry(value)
    except LocationError as exc:
        return f"expected oci://bucket@namespace/folder ({exc})"
    return None


def _positive_number(value: float) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _flat(doc: dict[str, Any], check: _Checker) -> JobSpec:
    check.text(doc, "noteBook", "noteBook", required=True)
    notebook = doc.get("noteBook")
    problem = _url(notebook) if isinstance(notebook, str) and notebook.strip() else None
    if problem:
        check.problem("noteBook", problem)
    check.get(doc, "outputFolder", "outputFolder", str, check=_oci_folder)
    return JobSpec(
        dialect="flat",
        display_name=check.text(doc, "jobName", "jobName", max_length=MAX_DISPLAY_NAME),
        project_id=check.ocid(doc, "projectId", "projectId", "datascienceproject"),
        compartment_id=check.ocid(doc, "compartmentId", "compartmentId", "compartment"),
        log_group_id=check.ocid(doc, "logGroupId", "logGroupId", "loggroup"),
        log_id=check.ocid(doc, "logId", "logId", "log"),
    )


def _ads(doc: dict[str, Any], check: _Checker, reserved: frozenset[str]) -> JobSpec:
    if doc.get("kind") != "job":
        check.problem("kind", "expected 'job'")
    check.get(doc, "apiVersion", "apiVersion", str)
    spec = check.mapping(doc, "spec", "spec", required=True)
    name = check.text(spec, "name", "spec.name", max_length=MAX_DISPLAY_NAME)

    infra_doc = check.mapping(spec, "infrastructure", "spec.infrastructure")
    if infra_doc.get("type", "dataScienceJob") != "dataScienceJob":
        check.problem("spec.infrastructure.type", "only dataScienceJob infrastructure is supported")
    infra = check.mapping(infra_doc, "spec", "spec.infrastructure.spec")
    p = "spec.infrastructure.spec."
    project = check.ocid(infra, "projectId", p + "projectId", "datascienceproject")
    compartment = check.ocid(infra, "compartmentId", p + "compartmentId", "compartment")
    log_group = check.ocid(infra, "logGroupId", p + "logGroupId", "loggroup")
    log = check.ocid(infra, "logId", p + "logId", "log")
    shape = check.text(infra, "shapeName", p + "shapeName", max_length=MAX_DISPLAY_NAME)
    subnet = check.ocid(infra, "subnetId", p + "subnetId", "subnet")
    infra_type = check.get(
        infra, "jobInfrastructureType", p + "jobInfrastructureType", str,
        check=lambda v: None if v in INFRASTRUCTURE_TYPES
        else "expected one of " + ", ".join(INFRASTRUCTURE_TYPES))
    block = check.get(
        infra, "blockStorageSize", p + "blockStorageSize", int,
        check=lambda v: None if v >= MIN_BLOCK_STORAGE_GB
        else f"must be at least {MIN_BLOCK_STORAGE_GB} (GB)")
    shape_config = check.mapping(infra, "shapeConfigDetails", p + "shapeConfigDetails")
    ocpus = check.get(shape_config, "ocpus", p + "shapeConfigDetails.ocpus", (int, float),
                      check=_positive_number)
    memory = check.get(shape_config, "memoryInGBs", p + "shapeConfigDetails.memoryInGBs",
                       (int, float), check=_positive_number)

    infrastructure = None
    if shape is not None:
        kind = infra_type or ("STANDALONE" if subnet else "ME_STANDALONE")
        if kind == "STANDALONE" and subnet is None and "subnetId" not in infra:
            check.problem(p + "subnetId", "is required with jobInfrastructureType STANDALONE")
        if kind == "ME_STANDALONE" and subnet is not None:
            check.problem(p + "subnetId", "is not used with jobInfrastructureType ME_STANDALONE")
        infrastructure = Infrastructure(kind, shape, subnet if kind == "STANDALONE" else None,
                                        ocpus, memory, block)

    runtime_doc = check.mapping(spec, "runtime", "spec.runtime")
    check.get(runtime_doc, "type", "spec.runtime.type", str)
    runtime = check.mapping(runtime_doc, "spec", "spec.runtime.spec")
    r = "spec.runtime.spec."
    environment = _env_list(check, runtime, r + "env", reserved)
    arguments = None
    args = check.get(runtime, "args", r + "args", list)
    if args is not None:
        bad = [i for i, a in enumerate(args) if not isinstance(a, str)]
        for i in bad:
            check.problem(f"{r}args[{i}]", f"expected a string, got {type_name(args[i])}")
        if not bad:
            arguments = tuple(args)
            if len(shlex.join(arguments)) > MAX_ARGUMENTS:
                check.problem(r + "args", f"arguments are longer than {MAX_ARGUMENTS} characters")
    for key in ("notebookPathURI", "outputUri", "notebookEncoding"):
        check.get(runtime, key, r + key, str)

    return JobSpec(
        dialect="ads", display_name=name, project_id=project, compartment_id=compartment,
        log_group_id=log_group, log_id=log, environment=environment, arguments=arguments,
        infrastructure=infrastructure,
    )


def _env_list(check: _Checker, runtime: dict[str, Any], path: str,
              reserved: frozenset[str]) -> tuple[tuple[str, str], ...]:
    items = check.get(runtime, "env", path, list) or []
    env: dict[str, str] = {}
    for i, item in enumerate(items):
        at = f"{path}[{i}]"
        if not isinstance(item, dict):
            check.problem(at, f"expected a mapping with name and value, got {type_name(item)}")
            continue
        unknown = sorted(set(item) - {"name", "value"})
        if unknown:
            check.problem(at, "unknown key " + ", ".join(repr(k[:64]) for k in unknown))
        name = check.get(item, "name", at + ".name", str, required=True,
                         check=lambda n: env_problem(n, reserved))
        value = check.get(item, "value", at + ".value", str, required=True)
        if name is None or value is None:
            continue
        if name in env:
            check.problem(at + ".name", f"{name} is set twice")
        env[name] = value
    if env_size(env.items()) > MAX_ENV_TOTAL:
        check.problem(path, f"environment variables total more than {MAX_ENV_TOTAL} characters")
    return tuple(env.items())


def _logging(check: _Checker, spec: JobSpec, prefix: str) -> None:
    if spec.log_id and not spec.log_group_id:
        check.problem(prefix + "logId", "needs logGroupId as well")


def parse_spec(data: bytes, *, max_bytes: int = DEFAULT_MAX_SPEC_BYTES,
               spec_env_var: str = DEFAULT_SPEC_ENV_VAR) -> JobSpec:
    """Validate a spec document; raise SpecTooLarge or InvalidSpec (with ``.problems``)."""
    if len(data) > max_bytes:
        raise SpecTooLarge(f"the spec is larger than {max_bytes} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid([Problem(None, "the spec is not valid UTF-8")]) from None
    try:
        doc = yamlsafe.load(text)
    except yamlsafe.YamlProblem as exc:
        raise invalid([Problem(None, f"invalid YAML: {exc}")]) from None
    if doc is None:
        raise invalid([Problem(None, "the spec is empty")])
    if not isinstance(doc, dict):
        raise invalid([Problem(None, f"expected a mapping at the top level, got {type_name(doc)}")])

    check = _Checker()
    reserved = frozenset({spec_env_var, ETAG_ENV_VAR})
    if "kind" in doc or "spec" in doc:
        spec = _ads(doc, check, reserved)
        _logging(check, spec, "spec.infrastructure.spec.")
    elif any(key in doc for key in FLAT_KEYS):
        spec = _flat(doc, check)
        _logging(check, spec, "")
    else:
        raise invalid([Problem(None, "unrecognised spec: expected the flat keys (noteBook, "
                                     "jobName, …) or an ADS job YAML (kind: job)")])
    if check.problems:
        raise invalid(check.problems)
    return spec
