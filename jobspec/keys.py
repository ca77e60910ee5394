"""The keys a spec may contain, level by level, and every other name each one goes by.

A :class:`Section` reads one mapping of the document: it resolves each key as written to the
setting it names (``shape_name`` → ``shapeName``), refuses unknown keys with a suggestion and
a setting given under two names, and ignores keys starting with ``x-`` (the author's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .document import Path
from .problems import Checker
from .suggestions import suggest

AUTHOR_PREFIX = "x-"


@dataclass(frozen=True)
class Key:
    """A key a spec may set, with the other spellings that mean it."""

    name: str
    aliases: tuple[str, ...] = ()
    # ADS matches the snake_case names of infrastructure settings in any case (key.lower()).
    fold_case: bool = False


@dataclass
class Fields:
    """The settings one mapping gives: name → (path as written, value)."""

    path: Path = ()  # () for settings that are never read: a section not given or refused
    found: dict[str, tuple[Path, Any]] = field(default_factory=dict)
    # Settings an unknown key was taken for ("did you mean …?"): not reported missing too.
    suggested: set[str] = field(default_factory=set)

    def get(self, name: str) -> Any:
        """The value, or None when the key is absent or null (as ADS reads a null)."""
        return self.found[name][1] if name in self.found else None

    def has(self, name: str) -> bool:
        return self.get(name) is not None

    def require(self, name: str, check: Checker, message: str = "is required") -> bool:
        """Whether ``name`` is given; if not, a problem (unless a misspelling was named)."""
        if self.has(name):
            return True
        if name not in self.suggested:
            check.problem(self.at(name), message)
        return False

    def at(self, name: str) -> Path:
        """The path as written, or where the key would go when it is absent."""
        return self.found[name][0] if name in self.found else (*self.path, name)


@dataclass(frozen=True)
class Section:
    """The keys of one mapping of a spec, and what to say of a key that is not one."""

    keys: tuple[Key, ...]
    # Lower-case names authors reach for → the key they mean (for suggestions only).
    synonyms: dict[str, str] = field(default_factory=dict)
    # Known key → why it is refused although the key is known (e.g. not supported).
    refused: dict[str, str] = field(default_factory=dict)
    # Lower-case names of the other dialect's keys → where that dialect has the setting.
    elsewhere: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Written name → key: exact names and aliases, then case-folded aliases.
        exact = {alias: key for key in self.keys for alias in (key.name, *key.aliases)
                 if not key.fold_case or alias == key.name}
        folded = {alias: key for key in self.keys if key.fold_case for alias in key.aliases}
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_folded", folded)

    def key(self, written: str) -> Key | None:
        """The key ``written`` names, as ADS matches it, or None."""
        exact: dict[str, Key] = self.__dict__["_exact"]
        folded: dict[str, Key] = self.__dict__["_folded"]
        return exact.get(written) or folded.get(written.lower())

    def names(self) -> list[str]:
        return [key.name for key in self.keys]

    def resembles(self, written: str) -> bool:
        """Whether ``written`` is one of this section's keys or close to one."""
        return (self.key(written) is not None
                or suggest(written, self.names(), self.synonyms) is not None)

    def read(self, mapping: dict[str, Any], path: Path, check: Checker) -> Fields:
        fields = Fields(path)
        for written, value in mapping.items():
            if written.startswith(AUTHOR_PREFIX):
                continue
            at = (*path, written)
            key = self.key(written)
            if key is None:
                hint = suggest(written, self.names(), self.synonyms)
                other = self.elsewhere.get(written.lower())
                message = "unknown key" + (f"; did you mean {hint}?" if hint else "")
                if other:
                    message += f" {other}" if hint else f"; {other}"
                check.problem(at, message)
                if hint:
                    fields.suggested.add(hint)
                continue
            if key.name in self.refused:
                check.problem(at, self.refused[key.name])
                continue
            if key.name in fields.found:
                first = fields.found[key.name][0][-1]
                check.problem(at, f"{first} and {written} are the same setting; give it once")
                continue
            fields.found[key.name] = (at, value)
        return fields


def keys(*names: str) -> tuple[Key, ...]:
    return tuple(Key(name) for name in names)


# -- flat dialect: the original container's format -----------------------------------------------
FLAT = Section(
    keys("noteBook", "jobName", "projectId", "compartmentId", "logGroupId", "logId",
         "outputFolder", "parameters", "excludeTags", "notebookEncoding"),
    synonyms={"notebook": "noteBook", "name": "jobName", "output": "outputFolder",
              "outputuri": "outputFolder", "loggroup": "logGroupId"},
)

# -- ADS job YAML (oracle-ads 2.16: ads.jobs.Job.from_dict and the builders) -------------------
ADS_TOP = Section(keys("kind", "apiVersion", "spec"))
# ``id`` is written by ADS when it exports a job it created; it names that job, not this run.
ADS_JOB = Section(keys("name", "infrastructure", "runtime", "id"),
                  synonyms={"jobname": "name", "displayname": "name"})
ADS_BLOCK = Section(keys("kind", "type", "spec"))

# DataScienceJob.attribute_map; the snake_case names are ADS's attribute names and the
# CreateJob API's (``block_storage_size_in_gbs``, ``job_shape_config_details``).
ADS_INFRASTRUCTURE = Section(
    (
        Key("projectId", ("project_id",), fold_case=True),
        Key("compartmentId", ("compartment_id",), fold_case=True),
        Key("displayName", ("display_name",), fold_case=True),
        Key("jobType", ("job_type",), fold_case=True),
        Key("jobInfrastructureType", ("job_infrastructure_type",), fold_case=True),
        Key("shapeName", ("shape_name",), fold_case=True),
        Key("blockStorageSize", ("block_storage_size", "block_storage_size_in_gbs"),
            fold_case=True),
        Key("subnetId", ("subnet_id",), fold_case=True),
        Key("shapeConfigDetails", ("shape_config_details", "job_shape_config_details"),
            fold_case=True),
        Key("logId", ("log_id",), fold_case=True),
        Key("logGroupId", ("log_group_id",), fold_case=True),
        Key("storageMount", ("storage_mount",), fold_case=True),
        Key("freeformTags", ("freeform_tags",), fold_case=True),
        Key("definedTags", ("defined_tags",), fold_case=True),
        # ADS accepts these at this level but only reads them inside shapeConfigDetails.
        Key("ocpus", ("ocpus",), fold_case=True),
        Key("memoryInGBs", ("memory_in_gbs",), fold_case=True),
    ),
    synonyms={"blockstoragesizeingbs": "blockStorageSize", "shape": "shapeName",
              "subnet": "subnetId", "jobshapeconfigdetails": "shapeConfigDetails"},
    refused={"ocpus": "belongs inside shapeConfigDetails (ADS ignores it here)",
             "memoryInGBs": "belongs inside shapeConfigDetails (ADS ignores it here)"},
)
# Inside shapeConfigDetails. ADS folds the case of the inner names only when the outer key was
# itself a snake_case alias it renamed (DataScienceJob.standardize_spec recurses then); under
# camelCase ``shapeConfigDetails`` the inner names go to the API as written.
_SHAPE_CONFIG_SYNONYMS = {"memory": "memoryInGBs", "cpus": "ocpus"}
ADS_SHAPE_CONFIG = Section(
    (Key("ocpus"), Key("memoryInGBs", ("memory_in_gbs",))), synonyms=_SHAPE_CONFIG_SYNONYMS)
ADS_SHAPE_CONFIG_FOLDED = Section(
    (Key("ocpus", ("ocpus",), fold_case=True),
     Key("memoryInGBs", ("memory_in_gbs",), fold_case=True)),
    synonyms=_SHAPE_CONFIG_SYNONYMS)
# CondaRuntime.attribute_map and Runtime's: what every runtime below has.
_RUNTIME_BASE = (
    Key("conda"),
    Key("env"),
    Key("args"),
    Key("freeformTags", ("freeform_tags",)),
    Key("definedTags", ("defined_tags",)),
    Key("maximumRuntimeInMinutes"),
)
_RUNTIME_BASE_SYNONYMS = {"environment": "env", "environmentvariables": "env",
                          "envvars": "env", "arguments": "args"}
# NotebookRuntime.attribute_map (and the base's); ``outputURI`` is its alternative spelling
# of ``outputUri``. ``parameters`` is the job container's own key.
ADS_NOTEBOOK_RUNTIME = Section(
    (
        Key("notebookPathURI", ("notebook_path_uri",)),
        Key("notebookEncoding", ("notebook_encoding",)),
        Key("outputUri", ("output_uri", "outputURI")),
        Key("excludeTags", ("exclude_tags",)),
        Key("source"),
        Key("entrypoint"),
        *_RUNTIME_BASE,
        Key("parameters"),
    ),
    synonyms={**_RUNTIME_BASE_SYNONYMS, "notebook": "notebookPathURI",
              "outputfolder": "outputUri"},
    refused={
        "source": "the job container runs one notebook named by notebookPathURI; "
                  "source/entrypoint (a notebook inside a source folder) is not supported",
        "entrypoint": "the job container runs one notebook named by notebookPathURI; "
                      "source/entrypoint (a notebook inside a source folder) is not supported",
    },
)
# ScriptRuntime.attribute_map (and the base's): a .py or .sh file, a folder or an archive,
# run as Data Science runs a job artifact.
_RUNTIME_COMMON = (
    Key("scriptPathURI", ("script_path_uri",)),
    Key("entrypoint"),
    *_RUNTIME_BASE,
)
_SCRIPT_SYNONYMS = {**_RUNTIME_BASE_SYNONYMS, "script": "scriptPathURI",
                    "source": "scriptPathURI", "scriptpath": "scriptPathURI",
                    "scripturi": "scriptPathURI"}
# PythonRuntime.attribute_map: ScriptRuntime's and _PythonRuntimeMixin's (ADS's driver).
_PYTHON_ONLY = (
    Key("workingDir", ("working_dir",)),
    Key("pythonPath", ("python_path",)),
    Key("entryFunction", ("entry_function",)),
    Key("outputDir", ("output_dir",)),
    Key("outputUri", ("output_uri",)),
)
ADS_SCRIPT_RUNTIME = Section(
    (*_RUNTIME_COMMON, *_PYTHON_ONLY), synonyms=_SCRIPT_SYNONYMS,
    refused={key.name: "is a python runtime key (ADS's script runtime has no such setting); "
                       "write type: python to use it" for key in _PYTHON_ONLY})
ADS_PYTHON_RUNTIME = Section(
    (*_RUNTIME_COMMON, *_PYTHON_ONLY),
    synonyms={**_SCRIPT_SYNONYMS, "workdir": "workingDir", "cwd": "workingDir",
              "function": "entryFunction", "outputfolder": "outputUri",
              "pythonpaths": "pythonPath"},
)
ENV_ITEM = Section(keys("name", "value"))

# Infrastructure and runtime types ADS knows (Job._INFRASTRUCTURE_MAPPING, _RUNTIME_MAPPING).
ADS_INFRASTRUCTURE_TYPES = ("dataScienceJob", "dataFlow")
ADS_RUNTIME_TYPES = ("python", "gitPython", "container", "script", "notebook",
                     "pyTorchDistributed", "dataFlow")


# -- a key of the other dialect: say where that dialect has it ----------------------------------
def _ads_keys_for_flat() -> dict[str, str]:
    """Every name an ADS section knows (and the flat dialect does not) → its ADS path."""
    where: dict[str, str] = {}
    for section, prefix in ((ADS_TOP, ""), (ADS_JOB, "spec."),
                            (ADS_INFRASTRUCTURE, "spec.infrastructure.spec."),
                            (ADS_NOTEBOOK_RUNTIME, "spec.runtime.spec.")):
        for key in section.keys:
            if key.name in section.refused or key.name in ("kind", "spec"):
                continue  # kind/spec make a spec an ADS one: never unknown in a flat spec
            for name in (key.name, *key.aliases):
                if FLAT.key(name) is None:
                    where.setdefault(name.lower(), f"{key.name} is a key of the ADS dialect "
                                                   f"({prefix}{key.name})")
    return where


# The flat keys and where an ADS job YAML has the same setting.
_FLAT_IN_ADS = {
    "noteBook": "spec.runtime.spec.notebookPathURI", "jobName": "spec.name",
    "projectId": "spec.infrastructure.spec.projectId",
    "compartmentId": "spec.infrastructure.spec.compartmentId",
    "logGroupId": "spec.infrastructure.spec.logGroupId",
    "logId": "spec.infrastructure.spec.logId",
    "outputFolder": "spec.runtime.spec.outputUri",
    "parameters": "spec.runtime.spec.parameters", "excludeTags": "spec.runtime.spec.excludeTags",
    "notebookEncoding": "spec.runtime.spec.notebookEncoding",
}
FLAT.elsewhere.update(_ads_keys_for_flat())
ADS_TOP.elsewhere.update({
    name.lower(): f"{name} is a key of the flat dialect (in this one: {path})"
    for name, path in _FLAT_IN_ADS.items()})
