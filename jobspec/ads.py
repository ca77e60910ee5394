"""The ADS job YAML dialect (``kind: job``), read as oracle-ads 2.16 reads it
(``ads.jobs.Job.from_dict`` → ``DataScienceJob`` and ``NotebookRuntime``, ``PythonRuntime``,
``ScriptRuntime``): the same names for
the same settings, the same ``${VAR}`` substitution, the same refusals, and a few more
where ADS accepts what cannot work here."""

from __future__ import annotations

import shlex
from typing import Any

from .chars import character_problem
from .container_keys import ADS_NAMES, read_container_keys
from .document import Path
from .env import MAX_ENV_TOTAL, env_size, read_env
from .keys import (
    ADS_BLOCK,
    ADS_INFRASTRUCTURE,
    ADS_INFRASTRUCTURE_TYPES,
    ADS_JOB,
    ADS_NOTEBOOK_RUNTIME,
    ADS_PYTHON_RUNTIME,
    ADS_RUNTIME_TYPES,
    ADS_SCRIPT_RUNTIME,
    ADS_SHAPE_CONFIG,
    ADS_SHAPE_CONFIG_FOLDED,
    ADS_TOP,
    Fields,
    Section,
)
from .limits import CostLimits
from .model import MAX_DISPLAY_NAME, Infrastructure, JobSpec
from .problems import Checker, type_name
from .script_keys import read_script_keys
from .substitution import SubstitutionError, substitute_env, substitute_name

MAX_ARGUMENTS = 4000
MIN_BLOCK_STORAGE_GB = 50
MAX_TAG_KEY, MAX_TAG_VALUE = 100, 256  # Data Science's limits on freeform tags
INFRASTRUCTURE_TYPES = ("STANDALONE", "ME_STANDALONE")
# The runtimes the job container runs, and the sections their keys are read with.
RUNTIME_SECTIONS = {"notebook": ADS_NOTEBOOK_RUNTIME, "python": ADS_PYTHON_RUNTIME,
                    "script": ADS_SCRIPT_RUNTIME}
# Runtimes ADS knows that the one prebuilt job cannot run: why, and what to do instead.
REFUSED_RUNTIMES = {
    "container": "a container runtime runs another image, and every run of this job runs the "
                 "job's own image; put the code in a python or script runtime (scriptPathURI), "
                 "or create a job with that image",
    "gitPython": "a gitPython runtime clones a repository at run time, which this job does "
                 "not do; upload the code (a folder or a .zip/.tar.gz archive) to Object "
                 "Storage and use a python runtime with scriptPathURI",
}
CONDA_NOTE = ("spec.runtime.spec.conda is accepted and not used: the job's image runs the code "
              "with its own Python environment")
# Settings of the job's infrastructure a run can only override together with a shape.
_WITH_SHAPE_ONLY = ("subnetId", "jobInfrastructureType", "blockStorageSize",
                    "shapeConfigDetails")


def read_ads(doc: dict[str, Any], check: Checker, reserved: frozenset[str],
             env_room: int = MAX_ENV_TOTAL, limits: CostLimits | None = None) -> JobSpec:
    """``reserved``: variables the launcher sets; ``env_room``: characters the spec's
    variables may total, once the launcher's own are counted; ``limits``: the deployment's
    cost limits, when the caller has them (the function)."""
    top = ADS_TOP.read(doc, (), check)
    if top.get("kind") != "job":
        check.problem(top.at("kind"), "expected 'job'")
    check.text(top.get("apiVersion"), top.at("apiVersion"))
    job = _section(top, "spec", ADS_JOB, check, required=True)

    # No infrastructure section: the job's own infrastructure (ADS's parser leaves it unset).
    # Another type than dataScienceJob is refused, and its settings are not read either.
    infra = Fields()
    if job.get("infrastructure") is not None:
        infrastructure_block = _block(job, "infrastructure", ADS_INFRASTRUCTURE_TYPES,
                                      ("dataScienceJob",), check)
        if infrastructure_block.get("type") == "dataScienceJob":
            infra = _section(infrastructure_block, "spec", ADS_INFRASTRUCTURE, check)

    runtime_block = _block(job, "runtime", ADS_RUNTIME_TYPES, tuple(RUNTIME_SECTIONS), check)
    runtime_type = runtime_block.get("type")
    runtime = Fields()  # a runtime type that is refused: its settings are not read
    if runtime_type in RUNTIME_SECTIONS:
        runtime = _section(runtime_block, "spec", RUNTIME_SECTIONS[runtime_type], check)

    environment = _environment(runtime, check, reserved, env_room)
    return JobSpec(
        dialect="ads",
        display_name=_name(job, environment or {}, check),
        project_id=check.ocid(infra.get("projectId"), infra.at("projectId"),
                              "datascienceproject"),
        compartment_id=check.ocid(infra.get("compartmentId"), infra.at("compartmentId"),
                                  "compartment"),
        log_group_id=check.ocid(infra.get("logGroupId"), infra.at("logGroupId"), "loggroup"),
        log_id=_log(infra, check),
        environment=tuple((environment or {}).items()),
        arguments=_arguments(runtime, check),
        infrastructure=_infrastructure(infra, check, limits),
        maximum_runtime_in_minutes=_minutes(runtime, check, limits),
        freeform_tags=_tags(runtime, check),
        container=read_container_keys(runtime, ADS_NAMES, check)
        if runtime_type == "notebook" else None,
        script=read_script_keys(runtime, runtime_type, check)
        if runtime_type in ("python", "script") else None,
        notes=(CONDA_NOTE,) if runtime.has("conda") else (),
    )


def _section(parent: Fields, key: str, section: Section, check: Checker,
             required: bool = False) -> Fields:
    value, path = parent.get(key), parent.at(key)
    if value is None:
        if required:
            parent.require(key, check)
        return Fields(path)
    if not isinstance(value, dict):
        check.problem(path, f"expected a mapping, got {type_name(value)}")
        return Fields(path)
    return section.read(value, path, check)


def _block(job: Fields, key: str, known: tuple[str, ...], supported: tuple[str, ...],
           check: Checker) -> Fields:
    """``infrastructure`` or ``runtime``: ``{kind, type, spec}``; ADS refuses a missing or
    unknown type (``NotImplementedError``)."""
    block = _section(job, key, ADS_BLOCK, check)
    types = " or ".join(supported)
    if not job.require(key, check, f"is required (type: {types})") \
            or not isinstance(job.get(key), dict):
        return Fields(job.at(key))
    kind = block.get("type")
    if not block.require("type", check, f"is required (type: {types})"):
        return block
    if kind not in known:
        check.problem(block.at("type"), f"unknown {key} type; ADS knows {', '.join(known)}")
    elif kind in REFUSED_RUNTIMES and key == "runtime":
        check.problem(block.at("type"), f"is not supported: {REFUSED_RUNTIMES[kind]}")
    elif kind not in supported:
        why = ("the job container runs notebooks, Python and shell scripts" if key == "runtime"
               else "the runs are Data Science job runs")
        which = (f"{', '.join(supported[:-1])} and {supported[-1]} {key}s are"
                 if len(supported) > 1 else f"{supported[0]} {key} is")
        check.problem(block.at("type"), f"only {which} supported ({why})")
    return block


def _environment(runtime: Fields, check: Checker, reserved: frozenset[str], room: int
                 ) -> dict[str, str] | None:
    """The runtime's variables, ``${VAR}`` substituted as ADS does; None if invalid."""
    written = read_env(runtime.get("env"), runtime.at("env"), check, reserved)
    if written is None:
        return None
    try:
        env = substitute_env({name: value for name, (_, value) in written.items()})
    except SubstitutionError as exc:
        check.problem(written[exc.name][0], exc.message)  # at the value ADS refuses
        return None
    if env_size(env.items()) > room:
        launcher = "" if room == MAX_ENV_TOTAL else " with the launcher's own"
        check.problem(runtime.at("env"), f"environment variables total more than "
                                         f"{MAX_ENV_TOTAL} characters{launcher}")
        return None
    return env


def _name(job: Fields, env: dict[str, str], check: Checker) -> str | None:
    written = check.text(job.get("name"), job.at("name"))
    if written is None:
        return None
    name = substitute_name(written, env)
    if not name.strip():
        check.problem(job.at("name"), "is empty once ${…} references are substituted")
        return None
    if len(name) > MAX_DISPLAY_NAME:
        check.problem(job.at("name"), f"is longer than {MAX_DISPLAY_NAME} characters"
                      + (" once ${…} references are substituted" if name != written else ""))
        return None
    unusable = character_problem(name)
    if unusable:  # a variable's tab or newline, substituted into the name
        check.problem(job.at("name"), f"{unusable} once ${{…}} references are substituted")
        return None
    return name


def _log(infra: Fields, check: Checker) -> str | None:
    if infra.has("logId") and not infra.has("logGroupId"):
        # ADS would look the log group up with an extra API call; the spec must say it.
        check.problem(infra.at("logId"), "needs logGroupId as well")
    return check.ocid(infra.get("logId"), infra.at("logId"), "log")


def _arguments(runtime: Fields, check: Checker) -> tuple[str, ...] | None:
    args, path = runtime.get("args"), runtime.at("args")
    if args is None:
        return None
    if isinstance(args, str):
        check.problem(path, "expected a list of strings, got one string: write each argument "
                            "as a list item ([--date, '2026-11-24'])")
        return None
    if not isinstance(args, list):
        check.problem(path, f"expected a list of strings, got {type_name(args)}")
        return None
    values = [check.typed(arg, (*path, i), str, "string") for i, arg in enumerate(args)]
    if any(value is None for value in values):
        return None
    for i, arg in enumerate(args):
        unusable = character_problem(arg, keep_tab_newline=True)
        if unusable:
            check.problem((*path, i), unusable)
            return None
    arguments = tuple(args)
    if len(shlex.join(arguments)) > MAX_ARGUMENTS:
        check.problem(path, f"arguments are longer than {MAX_ARGUMENTS} characters")
        return None
    return arguments or None


def _minutes(runtime: Fields, check: Checker, limits: CostLimits | None) -> int | None:
    minutes = check.integer(runtime.get("maximumRuntimeInMinutes"),
                            runtime.at("maximumRuntimeInMinutes"))
    if minutes is not None and minutes < 1:
        check.problem(runtime.at("maximumRuntimeInMinutes"), "must be at least 1")
        return None
    if minutes is not None and limits is not None and minutes > limits.max_runtime_minutes:
        check.problem(runtime.at("maximumRuntimeInMinutes"), limits.runtime_problem())
        return None
    return minutes


def _tags(runtime: Fields, check: Checker) -> tuple[tuple[str, str], ...]:
    tags, path = runtime.get("freeformTags"), runtime.at("freeformTags")
    if tags is None:
        return ()
    if not isinstance(tags, dict):
        check.problem(path, f"expected a mapping, got {type_name(tags)}")
        return ()
    good = []
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY:
            check.problem((*path, key), f"tag names are 1 to {MAX_TAG_KEY} characters")
        elif character_problem(key):
            check.problem((*path, key), f"the tag name {character_problem(key)}")
        elif check.typed(value, (*path, key), str, "string") is not None:
            if len(value) > MAX_TAG_VALUE:
                check.problem((*path, key), f"is longer than {MAX_TAG_VALUE} characters")
            elif character_problem(value):
                check.problem((*path, key), str(character_problem(value)))
            else:
                good.append((key, value))
    return tuple(good)


def _infrastructure(infra: Fields, check: Checker, limits: CostLimits | None
                    ) -> Infrastructure | None:
    shape = check.text(infra.get("shapeName"), infra.at("shapeName"),
                       max_length=MAX_DISPLAY_NAME)
    subnet = check.ocid(infra.get("subnetId"), infra.at("subnetId"), "subnet")
    infra_type = check.text(infra.get("jobInfrastructureType"),
                            infra.at("jobInfrastructureType"))
    if infra_type is not None and infra_type not in INFRASTRUCTURE_TYPES:
        check.problem(infra.at("jobInfrastructureType"),
                      "expected one of " + ", ".join(INFRASTRUCTURE_TYPES))
        infra_type = None
    block = check.integer(infra.get("blockStorageSize"), infra.at("blockStorageSize"))
    if block is not None and block < MIN_BLOCK_STORAGE_GB:
        check.problem(infra.at("blockStorageSize"),
                      f"must be at least {MIN_BLOCK_STORAGE_GB} (GB)")
    elif block is not None and limits is not None and block > limits.max_block_storage_gbs:
        check.problem(infra.at("blockStorageSize"), limits.block_storage_problem())
    if shape is not None and limits is not None and shape not in limits.allowed_shapes:
        check.problem(infra.at("shapeName"), limits.shape_problem())
    ocpus, memory = _shape_config(infra, shape, check)

    if not infra.has("shapeName"):
        for name in _WITH_SHAPE_ONLY:
            if infra.has(name):
                check.problem(infra.at(name), "has no effect without shapeName: name the "
                                              "shape to override the job's infrastructure")
        return None
    if shape is None:
        return None
    kind = infra_type or ("STANDALONE" if infra.has("subnetId") else "ME_STANDALONE")
    if kind == "STANDALONE" and not infra.has("subnetId"):
        check.problem(infra.at("subnetId"), "is required with jobInfrastructureType STANDALONE")
    if kind == "ME_STANDALONE" and infra.has("subnetId"):
        # ADS would silently switch to STANDALONE; the spec contradicts itself.
        check.problem(infra.at("subnetId"),
                      "is not used with jobInfrastructureType ME_STANDALONE")
    return Infrastructure(kind, shape, subnet if kind == "STANDALONE" else None,
                          ocpus, memory, block)


def _shape_config(infra: Fields, shape: str | None, check: Checker
                  ) -> tuple[float | None, float | None]:
    path: Path = infra.at("shapeConfigDetails")
    folded = path[-1] != "shapeConfigDetails"  # written as a snake_case alias
    config = _section(infra, "shapeConfigDetails",
                      ADS_SHAPE_CONFIG_FOLDED if folded else ADS_SHAPE_CONFIG, check)
    values = []
    for name in ("ocpus", "memoryInGBs"):
        value = check.number(config.get(name), config.at(name))
        if value is not None and value <= 0:
            check.problem(config.at(name), "must be greater than 0")
            value = None
        values.append(value)
    if shape is not None and infra.get("shapeConfigDetails") and not shape.endswith("Flex"):
        # ADS: "Shape config is not required for non flex shape from user end."
        check.problem(path, "is only for Flex shapes (a shapeName ending in Flex)")
    return values[0], values[1]
