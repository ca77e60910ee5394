"""The JSON Schema (draft 2020-12) of a job spec, both dialects, for editors.

``jobspec.schema.json`` beside this file is generated from the spec library's key tables
(:mod:`jobspec.keys`): every key a section accepts, under every name it goes by, with hover
text from :data:`DESCRIPTIONS` and a value schema from :data:`VALUES`. A key the tables gain
without a description or a value schema stops the generator, so the schema cannot fall
behind the library. Regenerate after changing the tables::

    python -m jobspec.schema

What the schema checks: structure, types, unknown keys (``x-`` keys allowed everywhere),
enums, required keys, non-empty strings, the notebook URL's scheme and numeric minimums.
What only the library checks (the lint command): OCID shapes, ``oci://`` location syntax,
encodings, rules between fields (a log needs its log group, a subnet goes with STANDALONE,
one setting under two names, shape config only on Flex shapes, duplicate or reserved env
names), ``${VAR}`` substitution, total sizes, and YAML 1.1 spellings (``no``, ``012``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobspec.keys import (
    ADS_BLOCK,
    ADS_INFRASTRUCTURE,
    ADS_JOB,
    ADS_NOTEBOOK_RUNTIME,
    ADS_PYTHON_RUNTIME,
    ADS_SCRIPT_RUNTIME,
    ADS_SHAPE_CONFIG,
    ADS_SHAPE_CONFIG_FOLDED,
    ADS_TOP,
    AUTHOR_PREFIX,
    ENV_ITEM,
    FLAT,
    Section,
)
from jobspec.model import MAX_DISPLAY_NAME
from jobspec.script_keys import MAX_PATH_LENGTH, MAX_PYTHON_PATHS
from ocirefs.envnames import ENV_NAME

SCHEMA_PATH = Path(__file__).with_name("jobspec.schema.json")
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# YAML null reads as "not given" for every optional setting (as ADS reads it).
OPTIONAL_TEXT: dict[str, Any] = {"type": ["string", "null"], "pattern": r"\S"}
OPTIONAL_STRING: dict[str, Any] = {"type": ["string", "null"]}
OCID: dict[str, Any] = OPTIONAL_STRING
NOTEBOOK_URL: dict[str, Any] = {"type": "string", "pattern": r"^\s*(https://|oci://)"}
STRING_LIST: dict[str, Any] = {"type": ["array", "null"], "items": {"type": "string"}}
ANY: dict[str, Any] = {}
POSITIVE_NUMBER: dict[str, Any] = {"type": ["number", "null"], "exclusiveMinimum": 0}
# A path inside the code folder: not absolute (/, ~, a backslash), no '..' segment, not blank.
RELATIVE_PATH: dict[str, Any] = {
    "type": ["string", "null"], "maxLength": MAX_PATH_LENGTH,
    "pattern": r"^(?![/~])(?!.*\\)(?!(.*/)?\.\.(/|$)).*\S"}
ENTRYPOINT: dict[str, Any] = {**RELATIVE_PATH, "allOf": [
    {"pattern": r"\.([pP][yY]|[sS][hH])$"}]}
CODE_URL: dict[str, Any] = {"type": "string", "pattern": r"^\s*(https://|oci://)"}
RUNTIME_TYPES = ("notebook", "python", "script")
# What every runtime has (ADS's CondaRuntime and Runtime keys).
RUNTIME_BASE: dict[str, Any] = {
    "conda": ANY, "freeformTags": ANY, "definedTags": ANY, "maximumRuntimeInMinutes": ANY,
    "env": {"$ref": "#/$defs/env"},
    "args": STRING_LIST,
}

# Section → key → value schema. ``{"$ref": …}`` points into ``$defs``.
VALUES: dict[str, dict[str, dict[str, Any]]] = {
    "flat": {
        "noteBook": NOTEBOOK_URL,
        "jobName": {**OPTIONAL_TEXT, "maxLength": MAX_DISPLAY_NAME},
        "projectId": OCID, "compartmentId": OCID, "logGroupId": OCID, "logId": OCID,
        "outputFolder": OPTIONAL_STRING,
        "parameters": {"$ref": "#/$defs/parameters"},
        "excludeTags": STRING_LIST,
        "notebookEncoding": OPTIONAL_STRING,
    },
    "adsTop": {
        "kind": {"const": "job"},
        "apiVersion": OPTIONAL_TEXT,
        "spec": {"$ref": "#/$defs/adsJob"},
    },
    "adsJob": {
        # The length limit applies once ${…} is substituted, which a schema cannot do.
        "name": OPTIONAL_TEXT,
        "infrastructure": {"$ref": "#/$defs/adsInfrastructure"},
        "runtime": {"$ref": "#/$defs/adsRuntime"},
        "id": ANY,
    },
    "adsInfrastructure": {
        "kind": ANY,
        "type": {"const": "dataScienceJob"},
        "spec": {"$ref": "#/$defs/adsInfrastructureSpec"},
    },
    "adsRuntime": {
        "kind": ANY,
        "type": {"enum": list(RUNTIME_TYPES)},
        # Which spec: chosen by type (build_schema).
        "spec": ANY,
    },
    "adsInfrastructureSpec": {
        "projectId": OCID, "compartmentId": OCID, "logGroupId": OCID, "logId": OCID,
        "subnetId": OCID,
        "displayName": ANY, "jobType": ANY, "storageMount": ANY, "freeformTags": ANY,
        "definedTags": ANY,
        "jobInfrastructureType": {"enum": ["STANDALONE", "ME_STANDALONE", None]},
        "shapeName": {**OPTIONAL_TEXT, "maxLength": MAX_DISPLAY_NAME},
        "blockStorageSize": {"type": ["integer", "null"], "minimum": 50},
        "shapeConfigDetails": {"$ref": "#/$defs/adsShapeConfig"},
    },
    "adsShapeConfig": {"ocpus": POSITIVE_NUMBER, "memoryInGBs": POSITIVE_NUMBER},
    "adsShapeConfigFolded": {"ocpus": POSITIVE_NUMBER, "memoryInGBs": POSITIVE_NUMBER},
    "adsNotebookRuntimeSpec": {
        "notebookPathURI": NOTEBOOK_URL,
        "notebookEncoding": OPTIONAL_STRING,
        "outputUri": OPTIONAL_STRING,
        "excludeTags": STRING_LIST,
        **RUNTIME_BASE,
        "parameters": {"$ref": "#/$defs/parameters"},
    },
    "adsScriptRuntimeSpec": {
        "scriptPathURI": CODE_URL,
        "entrypoint": ENTRYPOINT,
        **RUNTIME_BASE,
    },
    "adsPythonRuntimeSpec": {
        "scriptPathURI": CODE_URL,
        "entrypoint": ENTRYPOINT,
        **RUNTIME_BASE,
        "workingDir": RELATIVE_PATH,
        "pythonPath": {"type": ["array", "null"], "items": {**RELATIVE_PATH, "type": "string"},
                       "maxItems": MAX_PYTHON_PATHS},
        "entryFunction": OPTIONAL_TEXT,
        "outputDir": RELATIVE_PATH,
        "outputUri": OPTIONAL_STRING,
    },
    "envItem": {
        "name": {"type": "string", "pattern": "^" + ENV_NAME.pattern.removesuffix(r"\Z") + "$"},
        "value": {"type": "string"},
    },
}

# Where a key's other names lead to another section: ADS folds the case of the shape config's
# inner names only when the shape config itself is written under a snake_case name.
ALIAS_VALUES: dict[tuple[str, str], dict[str, Any]] = {
    ("adsInfrastructureSpec", "shapeConfigDetails"): {"$ref": "#/$defs/adsShapeConfigFolded"},
}


_CODE_DESCRIPTIONS = {
    "scriptPathURI": "The code: an oci:// or https:// .py or .sh file, a .zip/.tar.gz/.tgz/"
                     ".tar archive, or an oci:// folder (prefix).",
    "entrypoint": "The .py (the image's Python) or .sh (bash) file to run, relative to the "
                  "working folder; required for a folder (its own name comes first) or an "
                  "archive.",
    "conda": "ADS's conda environment; accepted and not used: the image's own environment "
             "runs the code.",
    "freeformTags": "ADS's runtime tags; put on the run as ADS puts them on its runs.",
    "definedTags": "ADS's runtime tags; accepted and not applied to the run.",
    "maximumRuntimeInMinutes": "Time limit of the run, as ADS puts it on its runs.",
    "env": "Environment variables of the run: a list of {name, value} or a mapping; values "
           "are strings, ${VAR} and $$ substituted as ADS does.",
    "args": "Command line arguments of the code, one list item each.",
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "flat": {
        "noteBook": "The notebook to run: an https:// or oci://bucket@namespace/object URL.",
        "jobName": "Display name of the job run (default: the spec's file name).",
        "projectId": "Data Science project of the run (default: the job's own).",
        "compartmentId": "Compartment of the run (default: the job's own).",
        "logGroupId": "Log group for the run's logs; enables logging.",
        "logId": "Log for the run's logs (needs logGroupId); without it a log is created.",
        "outputFolder": "oci://bucket@namespace/prefix/ where the executed notebook and the "
                        "files it writes are uploaded.",
        "parameters": "Values for the notebook's cell tagged 'parameters' (names are Python "
                      "identifiers).",
        "excludeTags": "Cells with any of these tags are not run.",
        "notebookEncoding": "The notebook file's text encoding (default utf-8).",
    },
    "adsTop": {
        "kind": "Always 'job' (an ADS job YAML).",
        "apiVersion": "Informational; not read.",
        "spec": "The job: name, infrastructure and runtime.",
    },
    "adsJob": {
        "name": "Display name of the job run; ${VAR}, $VAR and $$ are substituted from the "
                "runtime's env as ADS does (default: the spec's file name).",
        "infrastructure": "Where the run goes: type dataScienceJob and its spec.",
        "runtime": "What runs: type notebook and its spec.",
        "id": "Written by ADS when it exports a job it created; not read.",
    },
    "adsInfrastructure": {
        "kind": "'infrastructure' in ADS's exports; not read.",
        "type": "Always 'dataScienceJob': runs are Data Science job runs.",
        "spec": "The infrastructure settings.",
    },
    "adsRuntime": {
        "kind": "'runtime' in ADS's exports; not read.",
        "type": "notebook, python or script: what the job container runs (container and "
                "gitPython are refused: they need another image or a repository clone).",
        "spec": "The runtime settings.",
    },
    "adsInfrastructureSpec": {
        "projectId": "Data Science project of the run (default: the job's own).",
        "compartmentId": "Compartment of the run (default: the job's own).",
        "logGroupId": "Log group for the run's logs; enables logging.",
        "logId": "Log for the run's logs (needs logGroupId); without it a log is created.",
        "subnetId": "Subnet of a STANDALONE run (with shapeName).",
        "displayName": "ADS's job name; not read (the run's name is spec.name).",
        "jobType": "ADS's job type (DEFAULT); not read.",
        "storageMount": "ADS's file system mounts; accepted and not applied to the run.",
        "freeformTags": "ADS's job tags; accepted and not applied to the run.",
        "definedTags": "ADS's job tags; accepted and not applied to the run.",
        "jobInfrastructureType": "STANDALONE (with subnetId) or ME_STANDALONE (default "
                                 "networking); default: STANDALONE with a subnet, else "
                                 "ME_STANDALONE.",
        "shapeName": "Compute shape of the run; naming it overrides the job's infrastructure.",
        "blockStorageSize": "Block storage in GB, at least 50 (default: the job's own); "
                            "with shapeName.",
        "shapeConfigDetails": "ocpus and memoryInGBs of a Flex shape; with shapeName.",
    },
    "adsShapeConfig": {
        "ocpus": "OCPUs of the Flex shape.",
        "memoryInGBs": "Memory of the Flex shape, in GB.",
    },
    "adsShapeConfigFolded": {
        "ocpus": "OCPUs of the Flex shape.",
        "memoryInGBs": "Memory of the Flex shape, in GB.",
    },
    "adsNotebookRuntimeSpec": {
        "notebookPathURI": "The notebook to run: an https:// or oci://bucket@namespace/object "
                           "URL.",
        "notebookEncoding": "The notebook file's text encoding (default utf-8).",
        "outputUri": "oci://bucket@namespace/prefix/ where the executed notebook and the files "
                     "it writes are uploaded.",
        "excludeTags": "Cells with any of these tags are not run.",
        "conda": "ADS's conda environment; accepted and not used by the job container.",
        "freeformTags": "ADS's runtime tags; accepted and not applied to the run.",
        "definedTags": "ADS's runtime tags; accepted and not applied to the run.",
        "maximumRuntimeInMinutes": "ADS's job time limit; accepted and not applied to the run.",
        "env": "Environment variables of the run: a list of {name, value} or a mapping; values "
               "are strings, ${VAR} and $$ substituted as ADS does.",
        "args": "Command line arguments of the run, one list item each (joined with shell "
                "quoting).",
        "parameters": "Values for the notebook's cell tagged 'parameters' (the job "
                      "container's key, not ADS's).",
    },
    "adsScriptRuntimeSpec": _CODE_DESCRIPTIONS,
    "adsPythonRuntimeSpec": {
        **_CODE_DESCRIPTIONS,
        "workingDir": "The working folder, relative to the code folder (default: the code "
                      "folder).",
        "pythonPath": "Folders added to sys.path, relative to the working folder.",
        "entryFunction": "A function of the .py entrypoint to call with the arguments "
                         "(--key value → key='value') instead of running it as a script.",
        "outputDir": "A folder, relative to the working folder, uploaded to outputUri after "
                     "the run (also after a failure); needs outputUri.",
        "outputUri": "oci://bucket@namespace/prefix/ where outputDir is uploaded, under the "
                     "run's OCID; needs outputDir.",
    },
    "envItem": {
        "name": "Variable name: letters, digits and _, not starting with a digit.",
        "value": "The value: always a string (quote numbers, yes/no, dates).",
    },
}

SECTIONS: dict[str, Section] = {
    "flat": FLAT, "adsTop": ADS_TOP, "adsJob": ADS_JOB, "adsInfrastructure": ADS_BLOCK,
    "adsRuntime": ADS_BLOCK, "adsInfrastructureSpec": ADS_INFRASTRUCTURE,
    "adsShapeConfig": ADS_SHAPE_CONFIG, "adsShapeConfigFolded": ADS_SHAPE_CONFIG_FOLDED,
    "adsNotebookRuntimeSpec": ADS_NOTEBOOK_RUNTIME, "adsPythonRuntimeSpec": ADS_PYTHON_RUNTIME,
    "adsScriptRuntimeSpec": ADS_SCRIPT_RUNTIME, "envItem": ENV_ITEM,
}
REQUIRED: dict[str, list[str]] = {
    "flat": ["noteBook"], "adsTop": ["kind", "spec"], "adsJob": ["runtime"],
    "adsInfrastructure": ["type"], "adsRuntime": ["type"],
    "adsNotebookRuntimeSpec": ["notebookPathURI"], "adsPythonRuntimeSpec": ["scriptPathURI"],
    "adsScriptRuntimeSpec": ["scriptPathURI"], "envItem": ["name", "value"],
}
# A section that may be given as null (read as absent).
NULLABLE = {"adsInfrastructureSpec", "adsShapeConfig", "adsShapeConfigFolded"}


def any_case(name: str) -> str:
    """An ECMA-262 pattern matching ``name`` in any letter case (JSON Schema has no flag)."""
    return "^" + "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in name) + "$"


def section_schema(name: str) -> dict[str, Any]:
    section = SECTIONS[name]
    values, descriptions = VALUES[name], DESCRIPTIONS[name]
    properties: dict[str, Any] = {}
    patterns: dict[str, Any] = {f"^{AUTHOR_PREFIX}": {"description": "Your own key; ignored."}}
    for key in section.keys:
        if key.name in section.refused:
            continue  # known but refused: not allowed, as any unknown key
        if key.name not in values or key.name not in descriptions:
            raise KeyError(f"{name}.{key.name}: give it a value schema and a description "
                           "in jobspec/schema")
        properties[key.name] = {"description": descriptions[key.name], **values[key.name]}
        alias_value = ALIAS_VALUES.get((name, key.name), values[key.name])
        for alias in (alias for alias in key.aliases if alias != key.name):
            properties[alias] = {"description": f"Same as {key.name}. "
                                                f"{descriptions[key.name]}", **alias_value}
        if key.fold_case:
            for alias in key.aliases:
                patterns[any_case(alias)] = {"description": f"Same as {key.name} (ADS reads "
                                             "this name in any letter case).", **alias_value}
    schema: dict[str, Any] = {
        "type": ["object", "null"] if name in NULLABLE else "object",
        "properties": properties,
        "patternProperties": patterns,
        "additionalProperties": False,
    }
    required = REQUIRED.get(name, [])
    spellings = {key.name: [key.name, *(a for a in key.aliases if a != key.name)]
                 for key in section.keys}
    simple = [setting for setting in required if len(spellings[setting]) == 1]
    if simple:
        schema["required"] = simple
    for setting in required:
        if len(spellings[setting]) > 1:  # any of its names will do
            schema.setdefault("allOf", []).append(
                {"anyOf": [{"required": [spelling]} for spelling in spellings[setting]]})
    return schema


def build_schema() -> dict[str, Any]:
    defs = {name: section_schema(name) for name in SECTIONS if name not in ("flat", "adsTop")}
    defs["env"] = {
        "description": DESCRIPTIONS["adsNotebookRuntimeSpec"]["env"],
        "anyOf": [
            {"type": "null"},
            {"type": "array", "items": {"$ref": "#/$defs/envItem"}},
            {"type": "object", "propertyNames": VALUES["envItem"]["name"],
             "additionalProperties": {"type": "string"}},
        ],
    }
    # The runtime's spec by its type (each runtime's own keys).
    defs["adsRuntime"]["allOf"] = [
        {"if": {"properties": {"type": {"const": kind, "description": f"A {kind} runtime."}},
                "required": ["type"]},
         "then": {"properties": {"spec": {"$ref": f"#/$defs/ads{kind.title()}RuntimeSpec",
                                          "description": f"The {kind} runtime's settings."}}}}
        for kind in RUNTIME_TYPES]
    defs["parameters"] = {"type": ["object", "null"]}
    defs["flat"] = {"title": "Flat spec", **section_schema("flat")}
    defs["adsJobYaml"] = {"title": "ADS job YAML", **section_schema("adsTop")}
    return {
        "$schema": DIALECT,
        "title": "Job spec of the OCI Data Science job-run launcher",
        "description": "A flat spec (noteBook, jobName, …) or an ADS job YAML (kind: job). "
                       "Check a spec completely with: python -m jobspec FILE",
        "type": "object",
        # The library's own test: a document with kind or spec is an ADS job YAML.
        "if": {"anyOf": [{"required": ["kind"]}, {"required": ["spec"]}]},
        "then": {"$ref": "#/$defs/adsJobYaml"},
        "else": {"$ref": "#/$defs/flat"},
        "$defs": defs,
    }


def render() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
