"""Spec cases shared by the unit tests, the lint tests and the function tests.

Each invalid case is (name, document bytes, expected error code, expected field
or None, a fragment of the expected message). The same list drives
``parse_spec`` directly, ``python -m jobspec`` on files, and the deployed
function reading the spec from the emulator, so all three must agree.
"""

from __future__ import annotations

from dataclasses import dataclass

PROJECT = "ocid1.datascienceproject.oc1.phx.amaaaaaaspecproject"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaspeccompartment"
LOG_GROUP = "ocid1.loggroup.oc1.phx.amaaaaaaspecloggroup"
LOG = "ocid1.log.oc1.phx.amaaaaaaspeclog"
SUBNET = "ocid1.subnet.oc1.phx.aaaaaaaaspecsubnet"
NOTEBOOK = "https://example.com/notebooks/report.ipynb"


@dataclass(frozen=True)
class Case:
    name: str
    document: bytes
    code: str
    field: str | None
    fragment: str


def flat(extra: str = "") -> bytes:
    return f"noteBook: {NOTEBOOK}\njobName: report\n{extra}".encode()


def ads(infra: str = "", runtime: str = "") -> bytes:
    return (
        "kind: job\nspec:\n  name: report\n"
        "  infrastructure:\n    kind: infrastructure\n    type: dataScienceJob\n"
        f"    spec:\n      projectId: {PROJECT}\n{infra}"
        "  runtime:\n    kind: runtime\n    type: notebook\n"
        f"    spec:\n      notebookPathURI: {NOTEBOOK}\n{runtime}"
    ).encode()


SCRIPT = "oci://code@ns/jobs/main.py"
FOLDER = "oci://code@ns/jobs/code_dir/"


def script(runtime: str, keys: str, infrastructure: bool = False) -> bytes:
    """An ADS job YAML with a python or script runtime (and no infrastructure section unless
    asked: the job's own)."""
    infra = ("  infrastructure:\n    type: dataScienceJob\n"
             f"    spec:\n      projectId: {PROJECT}\n") if infrastructure else ""
    lines = "".join(f"      {line}\n" for line in keys.splitlines())
    return (f"kind: job\nspec:\n  name: report\n{infra}  runtime:\n    type: {runtime}\n"
            f"    spec:\n{lines}").encode()


# Valid specs of the runtimes the job container runs besides notebooks.
VALID_SCRIPTS = {
    "python-file": script("python", f"scriptPathURI: {SCRIPT}\nargs: [--day, '1']"),
    "python-folder": script("python", f"scriptPathURI: {FOLDER}\nworkingDir: code_dir\n"
                                      "entrypoint: app/main.py\nentryFunction: main\n"
                                      "pythonPath: [lib]\noutputDir: out\n"
                                      "outputUri: oci://out@ns/results/\n"
                                      "conda: {type: service, slug: x}", infrastructure=True),
    "script-archive": script("script", "scriptPathURI: https://example.com/code/tool.tar.gz\n"
                                       "entrypoint: tool/run.sh\nenv: {WHO: team}"),
    "script-file": script("script", "script_path_uri: oci://code@ns/jobs/run.sh"),
}


def billion_laughs(levels: int = 9) -> bytes:
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return ("noteBook: " + NOTEBOOK + "\n" + "\n".join(lines) + "\n").encode()


def deep(levels: int) -> bytes:
    return ("noteBook: " + NOTEBOOK + "\nx: " + "[" * levels + "]" * levels + "\n").encode()


def many_env(total_chars: int) -> bytes:
    value = "v" * 990
    count = total_chars // 1000 + 1
    env = "".join(f"      - name: VAR_{i:05d}\n        value: {value}\n" for i in range(count))
    return ads(runtime="      env:\n" + env)


INVALID: list[Case] = [
    Case("empty", b"", "InvalidSpec", None, "empty"),
    Case("not-utf8", b"noteBook: \xff\xfe\n", "InvalidSpec", None, "UTF-8"),
    Case("not-yaml", b"noteBook: [unclosed\n", "InvalidSpec", None, "invalid YAML"),
    Case("top-level-list", b"- noteBook: x\n", "InvalidSpec", None, "mapping at the top level"),
    Case("unrecognised", b"hello: world\n", "InvalidSpec", None, "unrecognised spec"),
    Case("notebook-boolean", b"noteBook: no\n", "InvalidSpec", "noteBook",
         "expected a string, got boolean"),
    Case("notebook-missing", b"jobName: report\n", "InvalidSpec", "noteBook", "is required"),
    Case("notebook-not-url", b"noteBook: /tmp/x.ipynb\n", "InvalidSpec", "noteBook",
         "https:// or oci://"),
    Case("jobname-octal", flat().replace(b"jobName: report", b"jobName: 012"), "InvalidSpec",
         "jobName", "expected a string, got integer"),
    Case("jobname-on", flat().replace(b"jobName: report", b"jobName: on"), "InvalidSpec",
         "jobName", "got boolean"),
    Case("jobname-date", flat().replace(b"jobName: report", b"jobName: 2024-01-02"),
         "InvalidSpec", "jobName", "got date"),
    Case("jobname-too-long", flat().replace(b"jobName: report", b"jobName: " + b"x" * 256),
         "InvalidSpec", "jobName", "longer than 255"),
    Case("project-wrong-type", flat(f"projectId: {COMPARTMENT}\n"), "InvalidSpec", "projectId",
         "datascienceproject OCID"),
    Case("compartment-not-ocid", flat("compartmentId: my-compartment\n"), "InvalidSpec",
         "compartmentId", "compartment OCID"),
    Case("log-without-group", flat(f"logId: {LOG}\n"), "InvalidSpec", "logId",
         "needs logGroupId"),
    Case("output-folder-not-oci", flat("outputFolder: /tmp/out\n"), "InvalidSpec",
         "outputFolder", "oci://bucket@namespace"),
    Case("duplicate-key", flat("jobName: again\n"), "InvalidSpec", None, "duplicate key"),
    Case("anchors", flat("a: &x 1\nb: *x\n"), "InvalidSpec", None, "anchors and aliases"),
    Case("billion-laughs", billion_laughs(), "InvalidSpec", None, "anchors and aliases"),
    Case("python-tag", flat("x: !!python/object/apply:os.system ['true']\n"), "InvalidSpec",
         None, "tags are not allowed"),
    Case("merge-key", flat("x:\n  <<: {a: 1}\n"), "InvalidSpec", None, "merge keys"),
    Case("non-string-key", flat("1: x\n"), "InvalidSpec", None, "keys must be strings"),
    Case("nesting-33", deep(33), "InvalidSpec", None, "deeper than 32"),
    Case("nesting-5000", deep(5000), "InvalidSpec", None, "deeper than 32"),
    Case("two-documents", flat() + b"---\nnoteBook: x\n", "InvalidSpec", None,
         "single document"),
    Case("control-character", flat() + b"y: \x07\n", "InvalidSpec", None, "invalid YAML"),
    Case("ads-kind", ads().replace(b"kind: job", b"kind: pipeline"), "InvalidSpec", "kind",
         "expected 'job'"),
    Case("ads-env-number", ads(runtime="      env:\n      - name: N\n        value: 3\n"),
         "InvalidSpec", "spec.runtime.spec.env[0].value", "expected a string, got integer"),
    Case("ads-env-reserved", ads(runtime="      env:\n      - name: JOB_RUN_OCID\n"
                                          "        value: x\n"),
         "InvalidSpec", "spec.runtime.spec.env[0].name", "set by Data Science"),
    Case("ads-env-launcher", ads(runtime="      env:\n      - name: NOTEPAD_YAML_URL\n"
                                          "        value: oci://x@y/z\n"),
         "InvalidSpec", "spec.runtime.spec.env[0].name", "set by the launcher"),
    Case("ads-env-bad-name", ads(runtime="      env:\n      - name: 1BAD\n        value: x\n"),
         "InvalidSpec", "spec.runtime.spec.env[0].name", "[A-Za-z_]"),
    Case("ads-env-twice", ads(runtime="      env:\n      - name: A\n        value: x\n"
                                       "      - name: A\n        value: y\n"),
         "InvalidSpec", "spec.runtime.spec.env[1].name", "set twice"),
    Case("ads-env-total", many_env(20001), "InvalidSpec", "spec.runtime.spec.env",
         "more than 20000"),
    Case("ads-args-not-strings", ads(runtime="      args: [--n, 3]\n"), "InvalidSpec",
         "spec.runtime.spec.args[1]", "expected a string, got integer"),
    Case("ads-args-too-long", ads(runtime="      args: [" + "x" * 4001 + "]\n"), "InvalidSpec",
         "spec.runtime.spec.args", "longer than 4000"),
    Case("ads-standalone-no-subnet", ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                               "      jobInfrastructureType: STANDALONE\n"),
         "InvalidSpec", "spec.infrastructure.spec.subnetId", "is required"),
    Case("ads-me-with-subnet", ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                         "      jobInfrastructureType: ME_STANDALONE\n"
                                         f"      subnetId: {SUBNET}\n"),
         "InvalidSpec", "spec.infrastructure.spec.subnetId", "not used"),
    Case("ads-infra-type", ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                     "      jobInfrastructureType: MULTI_NODE\n"),
         "InvalidSpec", "spec.infrastructure.spec.jobInfrastructureType", "one of"),
    Case("ads-block-storage", ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                        "      blockStorageSize: 20\n"),
         "InvalidSpec", "spec.infrastructure.spec.blockStorageSize", "at least 50"),
    Case("ads-ocpus-string", ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                       "      shapeConfigDetails: {ocpus: '2'}\n"),
         "InvalidSpec", "spec.infrastructure.spec.shapeConfigDetails.ocpus",
         "expected a number, got string"),
    Case("ads-dataflow", ads().replace(b"type: dataScienceJob", b"type: dataFlow"),
         "InvalidSpec", "spec.infrastructure.type", "only dataScienceJob"),
    # Unknown keys, at every level, with a suggestion when a known key is close.
    Case("typo-outputFoldr", flat("outputFoldr: oci://out@myns/reports/\n"), "InvalidSpec",
         "outputFoldr", "unknown key; did you mean outputFolder?"),
    Case("typo-jobname", f"noteBook: {NOTEBOOK}\njobname: report\n".encode(), "InvalidSpec",
         "jobname", "unknown key; did you mean jobName?"),
    Case("typo-notebookPathUri", ads().replace(b"notebookPathURI:", b"notebookPathUri:"),
         "InvalidSpec", "spec.runtime.spec.notebookPathUri",
         "unknown key; did you mean notebookPathURI?"),
    Case("typo-infrastucture", ads().replace(b"  infrastructure:", b"  infrastucture:"),
         "InvalidSpec", "spec.infrastucture", "unknown key; did you mean infrastructure?"),
    Case("typo-enviroment", ads(runtime="      enviroment: [{name: A, value: x}]\n"),
         "InvalidSpec", "spec.runtime.spec.enviroment", "unknown key; did you mean env?"),
    Case("unknown-flat-key", flat("customKey: [1, 2]\n"), "InvalidSpec", "customKey",
         "unknown key"),
    Case("unknown-infrastructure-key", ads(infra="      someFutureKey: 1\n"), "InvalidSpec",
         "spec.infrastructure.spec.someFutureKey", "unknown key"),
    Case("unknown-env-item-key", ads(runtime="      env: [{name: A, value: x, valu: y}]\n"),
         "InvalidSpec", "spec.runtime.spec.env[0].valu", "did you mean value?"),
    Case("jobname-no", flat().replace(b"jobName: report", b"jobName: no"), "InvalidSpec",
         "jobName", "quote it"),
    Case("tab-indentation", flat("parameters:\n\trepeat: 2\n"), "InvalidSpec",
         "parameters.repeat", "a tab character in the indentation: YAML indents with spaces "
         "only (line 4, column 1)"),
    Case("tab-indentation-unreadable", b"noteBook: x\nparameters:\n\trepeat: [2\n",
         "InvalidSpec", None, "line 3, column 1: a tab character in the indentation"),
    # What used to pass validation and fail only in the job container.
    Case("ads-without-notebook", ads().replace(f"      notebookPathURI: {NOTEBOOK}\n".encode(),
                                               b"      conda: {type: service, slug: x}\n"),
         "InvalidSpec", "spec.runtime.spec.notebookPathURI", "is required"),
    Case("parameters-country-no", flat("parameters: {country: NO}\n"), "InvalidSpec",
         "parameters.country", "is read as a YAML 1.1 bool but is ambiguous; quote it"),
    Case("unknown-notebook-encoding", flat("notebookEncoding: klingon\n"), "InvalidSpec",
         "notebookEncoding", "is not a known text encoding"),
    Case("exclude-tags-string", flat("excludeTags: skip\n"), "InvalidSpec", "excludeTags",
         "expected a list, got string"),
    Case("ads-output-not-oci", ads(runtime="      outputUri: /tmp/out\n"), "InvalidSpec",
         "spec.runtime.spec.outputUri", "oci://bucket@namespace/folder"),
    Case("ads-output-with-variable",
         ads(runtime="      outputUri: oci://out@ns/${TEAM}/reports\n"), "InvalidSpec",
         "spec.runtime.spec.outputUri", "are not expanded in the output folder"),
    # Where ADS itself refuses.
    Case("ads-infrastructure-type-missing", ads().replace(b"    type: dataScienceJob\n", b""),
         "InvalidSpec", "spec.infrastructure.type", "is required"),
    Case("ads-infrastructure-type-unknown",
         ads().replace(b"type: dataScienceJob", b"type: kubernetes"), "InvalidSpec",
         "spec.infrastructure.type", "unknown infrastructure type"),
    Case("ads-runtime-type-missing", ads().replace(b"    type: notebook\n", b""),
         "InvalidSpec", "spec.runtime.type", "is required"),
    Case("ads-runtime-type-unknown", ads().replace(b"type: notebook", b"type: shell"),
         "InvalidSpec", "spec.runtime.type", "unknown runtime type"),
    Case("ads-shape-config-not-flex", ads(infra="      shapeName: VM.Standard2.1\n"
                                                "      shapeConfigDetails: {ocpus: 2}\n"),
         "InvalidSpec", "spec.infrastructure.spec.shapeConfigDetails", "only for Flex shapes"),
    Case("ads-substitution-unclosed", ads(runtime="      env: [{name: A, value: 'x${'}]\n"),
         "InvalidSpec", "spec.runtime.spec.env[0].value", "'${' must be followed by a name"),
    Case("ads-substitution-too-deep", ads(runtime="      env: {A: '${A}'}\n"), "InvalidSpec",
         "spec.runtime.spec.env.A", "nest more than 10 levels"),
    # Where ADS accepts what cannot work or is ambiguous.
    Case("ads-container-runtime", ads().replace(b"type: notebook", b"type: container"),
         "InvalidSpec", "spec.runtime.type",
         "is not supported: a container runtime runs another image, and every run of this job "
         "runs the job's own image; put the code in a python or script runtime "
         "(scriptPathURI), or create a job with that image"),
    Case("ads-git-python-runtime", ads().replace(b"type: notebook", b"type: gitPython"),
         "InvalidSpec", "spec.runtime.type",
         "is not supported: a gitPython runtime clones a repository at run time, which this "
         "job does not do; upload the code (a folder or a .zip/.tar.gz archive) to Object "
         "Storage and use a python runtime with scriptPathURI"),
    Case("ads-distributed-runtime",
         ads().replace(b"type: notebook", b"type: pyTorchDistributed"), "InvalidSpec",
         "spec.runtime.type", "only notebook, python and script runtimes are supported"),
    Case("ads-python-without-script", script("python", "entrypoint: main.py"),
         "InvalidSpec", "spec.runtime.spec.scriptPathURI", "is required: the oci:// or https://"),
    Case("ads-python-local-script", script("python", "scriptPathURI: code/main.py"),
         "InvalidSpec", "spec.runtime.spec.scriptPathURI", "a path on your machine is not there"),
    Case("ads-script-folder-without-entrypoint", script("script", f"scriptPathURI: {FOLDER}"),
         "InvalidSpec", "spec.runtime.spec.entrypoint", "is required when scriptPathURI is a "
         "folder or an archive"),
    Case("ads-python-entrypoint-outside", script("python", f"scriptPathURI: {FOLDER}\n"
                                                           "entrypoint: ../main.py"),
         "InvalidSpec", "spec.runtime.spec.entrypoint", "'..' is not allowed"),
    Case("ads-python-entrypoint-not-code", script("python", f"scriptPathURI: {FOLDER}\n"
                                                            "entrypoint: code/main.rb"),
         "InvalidSpec", "spec.runtime.spec.entrypoint", "expected a .py file"),
    Case("ads-python-https-folder", script("python", "scriptPathURI: https://example.com/code/"
                                                     "\nentrypoint: code/main.py"),
         "InvalidSpec", "spec.runtime.spec.scriptPathURI", "a folder is an oci:// prefix"),
    Case("ads-python-entry-function-of-shell",
         script("python", f"scriptPathURI: {SCRIPT}\nentrypoint: run.sh\nentryFunction: main"),
         "InvalidSpec", "spec.runtime.spec.entryFunction", "needs a .py entrypoint"),
    Case("ads-python-output-dir-alone", script("python", f"scriptPathURI: {SCRIPT}\n"
                                                         "outputDir: out"),
         "InvalidSpec", "spec.runtime.spec.outputDir", "needs outputUri as well"),
    Case("ads-python-python-path-absolute",
         script("python", f"scriptPathURI: {SCRIPT}\npythonPath: [/usr/lib]"),
         "InvalidSpec", "spec.runtime.spec.pythonPath[0]", "not an absolute one"),
    Case("ads-script-working-dir", script("script", f"scriptPathURI: {SCRIPT}\nworkingDir: a"),
         "InvalidSpec", "spec.runtime.spec.workingDir", "is a python runtime key"),
    Case("ads-log-without-group", ads(infra=f"      logId: {LOG}\n"), "InvalidSpec",
         "spec.infrastructure.spec.logId", "needs logGroupId"),
    Case("ads-args-one-string", ads(runtime="      args: --date 2026-11-24\n"), "InvalidSpec",
         "spec.runtime.spec.args", "got one string"),
    Case("ads-one-setting-two-names", ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                                "      shape_name: VM.Standard.E3.Flex\n"),
         "InvalidSpec", "spec.infrastructure.spec.shape_name",
         "shapeName and shape_name are the same setting"),
    Case("ads-subnet-without-shape", ads(infra=f"      subnetId: {SUBNET}\n"), "InvalidSpec",
         "spec.infrastructure.spec.subnetId", "has no effect without shapeName"),
    Case("ads-ocpus-outside-shape-config", ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                                     "      ocpus: 2\n"),
         "InvalidSpec", "spec.infrastructure.spec.ocpus", "inside shapeConfigDetails"),
    Case("ads-source-folder", ads(runtime="      source: oci://b@ns/folder/\n"), "InvalidSpec",
         "spec.runtime.spec.source", "not supported"),
    Case("ads-block-storage-octal", ads(infra="      shapeName: VM.Standard.E4.Flex\n"
                                              "      blockStorageSize: 0100\n"),
         "InvalidSpec", "spec.infrastructure.spec.blockStorageSize", "ambiguous"),
    Case("ads-env-value-null", ads(runtime="      env: {A: null}\n"), "InvalidSpec",
         "spec.runtime.spec.env.A", "write '' for an empty value"),
]

TOO_LARGE = Case("too-large", flat("pad: " + "x" * 70000 + "\n"), "SpecTooLarge", None,
                 "larger than")
