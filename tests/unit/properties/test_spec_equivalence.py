"""The function's ``validate`` and the job container's pre-flight accept exactly the same
specs, and refuse the others with the same problems (property-based, both dialects, the
notebook, python and script runtimes).

Specs are generated as YAML text from fragments that are each valid or invalid in a known
way — typos, YAML 1.1 scalars, ADS aliases given twice, ``${VAR}`` references, shapes with
and without subnets — so that most documents mix several problems or none.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from func.config import Settings
from func.errors import InvalidSpec
from func.plan import JobInfo, plan_job_run
from func.request import Overrides, ValidateRequest
from jobspec.container import read_container_spec
from jobspec.errors import SpecInvalid, SpecTooLarge
from jobspec.limits import DEFAULT_SPEC_ENV_VAR, ETAG_ENV_VAR
from jobspec.spec import parse_spec
from tests.support.spec_cases import COMPARTMENT, LOG, LOG_GROUP, NOTEBOOK, PROJECT, SUBNET
from tests.unit.test_triggers import DAILY

pytestmark = pytest.mark.slow  # property-based search: seconds per test

SETTINGS = Settings(job_ocid="ocid1.datasciencejob.oc1.phx.amaaaaaajob")
JOB_INFO = JobInfo(project_id="ocid1.datascienceproject.oc1.phx.amaaaaaajobproject",
                   compartment_id="ocid1.compartment.oc1..aaaaaaaajobcompartment",
                   block_storage_size_in_gbs=100)
ETAG = "etag-1"
REQUEST = ValidateRequest(trigger="direct", spec_location=DAILY,
                          overrides=Overrides())
# What the launcher adds to the run's environment; the container finds it in its own.
LAUNCHER_ENV = {DEFAULT_SPEC_ENV_VAR: DAILY.uri, ETAG_ENV_VAR: ETAG}
ABSENT = None


class Pool:
    """Fragments for one key: ``valid`` ones and ``invalid`` ones (None: key left out)."""

    def __init__(self, valid: list[str | None], invalid: list[str | None]):
        self.valid, self.everything = valid, valid + invalid

    def draw(self, draw: st.DrawFn, clean: bool) -> str | None:
        # A spec that is not clean still has most keys valid: problems then come one or two
        # at a time instead of masking each other.
        valid_only = clean or draw(st.integers(0, 2)) > 0
        return draw(st.sampled_from(self.valid if valid_only else self.everything))


LONG = "v" * 19_960  # with the launcher's variables, over the 20,000 characters limit
NOTEBOOKS = Pool([NOTEBOOK, "oci://specs@ns/nb/a.ipynb"],
                 ["no", "/tmp/a.ipynb", "oci://bad", "12", ABSENT])
OUTPUTS = Pool(["oci://out@ns/reports/", ABSENT], ["/tmp/out", "12"])
PARAMETERS = Pool(["{a: 1, b: [x, 2.5]}", "{when: 2026-11-24}", ABSENT],
                  ["{country: NO}", "[1]", "{class: 1}", "{d: 012}"])
EXCLUDE = Pool(["[skip]", ABSENT], ["skip", "[1]"])
ENCODING = Pool(["utf-8", "latin-1", ABSENT], ["klingon"])
NAMES = Pool(["report", "'run-${WHO}'", ABSENT], ["no", "''", "x" * 300, "012"])
OCID_VALUES = {kind: Pool([ocid, ABSENT], ["ocid1.bucket.oc1..x"]) for kind, ocid in
               (("project", PROJECT), ("compartment", COMPARTMENT), ("loggroup", LOG_GROUP))}
EXTRA_FLAT = Pool(["x-owner: bi", ABSENT],
                  ["outputFoldr: oci://out@ns/r/", "jobname: r", "color: red"])


@st.composite
def flat_specs(draw: st.DrawFn) -> bytes:
    clean = draw(st.booleans())
    lines = []
    for key, pool in (("noteBook", NOTEBOOKS), ("jobName", NAMES),
                      ("outputFolder", OUTPUTS), ("parameters", PARAMETERS),
                      ("excludeTags", EXCLUDE), ("notebookEncoding", ENCODING),
                      ("projectId", OCID_VALUES["project"]),
                      ("compartmentId", OCID_VALUES["compartment"]),
                      ("logGroupId", OCID_VALUES["loggroup"])):
        value = pool.draw(draw, clean)
        if value is not None:
            lines.append(f"{key}: {value}")
    if not clean and draw(st.booleans()):
        lines.append(f"logId: {LOG}")  # valid only with logGroupId
    extra = EXTRA_FLAT.draw(draw, clean)
    if extra:
        lines.append(extra)
    return "".join(line + "\n" for line in draw(st.permutations(lines))).encode()


# LONG is valid alone and too long only once the launcher's own variables are counted.
ENV_VALUES = Pool(["x", "'${WHO}-$$'", "'${WHO'", "'$10'", LONG],
                  ["'${'", "3", "null", "'${SELF}'"])
ENV_NAMES = Pool(["WHO", "TEAM", "SELF"], ["JOB_RUN_OCID", "1BAD", DEFAULT_SPEC_ENV_VAR])
# Infrastructure settings that make sense together, and ones that do not.
INFRA_VALID = [
    [], [f"projectId: {PROJECT}"], [f"project_id: {PROJECT}", f"compartmentId: {COMPARTMENT}"],
    [f"logGroupId: {LOG_GROUP}", f"log_id: {LOG}"], ["jobType: DEFAULT", "x-note: anything"],
    ["shapeName: VM.Standard.E4.Flex"], ["shape_name: VM.Standard2.1", "blockStorageSize: 100"],
    ["shapeName: VM.Standard.E4.Flex", f"subnetId: {SUBNET}",
     "shapeConfigDetails: {ocpus: 2, memory_in_gbs: 16}"],
    ["SHAPE_NAME: VM.Standard.E4.Flex", "jobInfrastructureType: ME_STANDALONE"],
]
INFRA_INVALID = [
    [f"subnetId: {SUBNET}"], ["shapeName: VM.Standard2.1", "shapeConfigDetails: {ocpus: 2}"],
    ["shapeName: VM.Standard.E4.Flex", "jobInfrastructureType: STANDALONE"],
    ["shapeName: VM.Standard.E4.Flex", "shape_name: VM.Standard.E3.Flex"],
    ["shapeName: VM.Standard.E4.Flex", "block_storage_size_in_gbs: 0100"],
    ["shapeName: VM.Standard.E4.Flex", "blockStorageSize: 20", "ocpus: 2"],
    ["shapeName: VM.Standard.E4.Flex", "shapeConfigDetails: {ocpus: '2'}"],
    [f"log_id: {LOG}"], ["someFutureKey: 1"],
]
ARGS = Pool(["[--date, '2026-11-24', two words]", "[]", ABSENT], ["--a b", "[1]"])
RUNTIME_TYPES = Pool(["notebook"], ["python", "shell", ABSENT])
INFRA_TYPES = Pool(["dataScienceJob"], ["dataFlow", ABSENT])


@st.composite
def env_blocks(draw: st.DrawFn, clean: bool) -> str | None:
    entries = [(ENV_NAMES.draw(draw, clean), ENV_VALUES.draw(draw, clean))
               for _ in range(draw(st.integers(0, 4)))]
    form = draw(st.sampled_from(["list", "mapping", "none"] + ([] if clean else ["string"])))
    if form == "none":
        return None
    if form == "string":
        return "env: A=1"
    if form == "mapping":
        unique = dict(entries)
        return "env: {" + ", ".join(f"{n}: {v}" for n, v in unique.items()) + "}"
    if clean:
        entries = list(dict(entries).items())  # a name twice is refused
    return "env: [" + ", ".join(f"{{name: {n}, value: {v}}}" for n, v in entries) + "]"


@st.composite
def ads_specs(draw: st.DrawFn) -> bytes:
    clean = draw(st.booleans())
    runtime = []
    for key, pool in (("notebookPathURI", NOTEBOOKS), ("outputUri", OUTPUTS),
                      ("parameters", PARAMETERS), ("excludeTags", EXCLUDE),
                      ("notebook_encoding", ENCODING), ("args", ARGS),
                      ("conda", Pool(["{type: service, slug: x}", ABSENT], [])),
                      ("enviroment", Pool([ABSENT], ["[]"])),
                      ("outputURI", Pool([ABSENT], ["oci://out@ns/other/"]))):
        value = pool.draw(draw, clean)
        if value is not None:
            runtime.append(f"{key}: {value}")
    env = draw(env_blocks(clean))
    if env:
        runtime.append(env)
    infra_type, runtime_type = INFRA_TYPES.draw(draw, clean), RUNTIME_TYPES.draw(draw, clean)
    infra = draw(st.sampled_from(INFRA_VALID if clean else INFRA_VALID + INFRA_INVALID))
    name = NAMES.draw(draw, clean)
    text = "kind: job\nspec:\n" + (f"  name: {name}\n" if name is not None else "")
    text += "  infrastructure:\n" + (f"    type: {infra_type}\n" if infra_type else "")
    text += "    spec:\n" + "".join(f"      {line}\n" for line in infra) if infra else ""
    text += "  runtime:\n" + (f"    type: {runtime_type}\n" if runtime_type else "")
    text += "    spec:\n" + "".join(f"      {line}\n" for line in runtime) if runtime else ""
    return text.encode()


# python and script runtimes: the code's location and the paths inside it.
SOURCES = Pool(["oci://code@ns/jobs/main.py", "oci://code@ns/jobs/proj/",
                "https://example.com/code/tool.tar.gz", "oci://code@ns/jobs/run.sh"],
               ["code/main.py", "https://example.com/code/", "oci://bad", "12", ABSENT])
ENTRYPOINTS = Pool(["proj/main.py", "tool/run.sh", "main.py", ABSENT],
                   ["../main.py", "/abs/main.py", "proj/main.rb", "''"])
WORKING_DIRS = Pool(["proj", ".", ABSENT], ["../up", "/tmp"])
PYTHON_PATHS = Pool(["[lib, vendor/x]", ABSENT], ["lib", "[/usr/lib]", "[../x]"])
FUNCTIONS = Pool(["main", ABSENT], ["1main", "''"])
OUTPUT_DIRS = Pool(["out", ABSENT], ["../out"])
SCRIPT_KEYS = {"scriptPathURI": SOURCES, "entrypoint": ENTRYPOINTS, "workingDir": WORKING_DIRS,
               "pythonPath": PYTHON_PATHS, "entryFunction": FUNCTIONS, "outputDir": OUTPUT_DIRS,
               "outputUri": OUTPUTS, "args": ARGS,
               "conda": Pool(["{type: service, slug: x}", ABSENT], [])}
CODE_RUNTIMES = Pool(["python", "script"], ["container", "gitPython"])


@st.composite
def script_specs(draw: st.DrawFn) -> bytes:
    """ADS job YAMLs with a python or script runtime; the infrastructure section is often
    left out (the job's own)."""
    clean = draw(st.booleans())
    runtime_type = CODE_RUNTIMES.draw(draw, clean)
    runtime = []
    for key, pool in SCRIPT_KEYS.items():
        value = pool.draw(draw, clean)
        if value is not None:
            runtime.append(f"{key}: {value}")
    env = draw(env_blocks(clean))
    if env:
        runtime.append(env)
    text = "kind: job\nspec:\n  name: code\n"
    if draw(st.booleans()):
        infra = draw(st.sampled_from(INFRA_VALID))
        text += "  infrastructure:\n    type: dataScienceJob\n"
        text += "    spec:\n" + "".join(f"      {line}\n" for line in infra) if infra else ""
    text += f"  runtime:\n    type: {runtime_type}\n"
    text += "    spec:\n" + "".join(f"      {line}\n" for line in runtime) if runtime else ""
    return text.encode()


def function_validate(document: bytes) -> tuple[str, ...]:
    """The function's validate path: () when it would answer ok, else its problems."""
    try:
        spec = parse_spec(document, launcher_env=LAUNCHER_ENV)
        plan_job_run(SETTINGS, REQUEST, spec, ETAG, JOB_INFO)
    except SpecInvalid as error:
        return tuple(str(problem) for problem in error.problems)
    except InvalidSpec as error:  # refused by the plan after the spec parsed
        return (error.message,)
    except SpecTooLarge as error:  # four of the longest env values can pass 64 KiB
        return (error.message,)
    return ()


def container_preflight(document: bytes) -> tuple[str, ...]:
    try:
        read_container_spec(document, launcher_env=LAUNCHER_ENV)
    except SpecInvalid as error:
        return tuple(str(problem) for problem in error.problems)
    except SpecTooLarge as error:
        return (error.message,)
    return ()


EQUIVALENCE = settings(max_examples=400, deadline=None,
                       suppress_health_check=[HealthCheck.too_slow])


@EQUIVALENCE
@given(st.one_of(flat_specs(), ads_specs(), script_specs()))
def test_validate_accepts_exactly_what_the_container_accepts(document):
    assert function_validate(document) == container_preflight(document)


def test_the_generators_reach_both_verdicts_in_both_dialects():
    """Guards the property above against generators that only ever produce one verdict."""
    seen = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.one_of(flat_specs().map(lambda d: ("flat", d)),
                     ads_specs().map(lambda d: ("ads", d)),
                     script_specs().map(lambda d: ("code", d))))
    def sample(pair):
        dialect, document = pair
        seen.add((dialect, not function_validate(document)))

    sample()
    assert seen == {("flat", True), ("flat", False), ("ads", True), ("ads", False),
                    ("code", True), ("code", False)}
