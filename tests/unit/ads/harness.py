"""What oracle-ads would send for an ADS job YAML, and what the function sends, side by side.

ADS's side comes from ADS's own code, offline: ``ads.jobs.Job.from_yaml`` parses the YAML,
``Job.create()`` runs ADS's whole translation (``DataScienceJob.create`` and the runtime
handlers of ``dsc_job_runtime.py``) down to the SDK call, and the one SDK method it ends in,
``DataScienceClient.create_job``, is replaced to keep the ``CreateJobDetails`` it was given
and stop there. The function's side is its own planning (``parse_spec`` + ``plan_job_run``)
with a fixed job and settings, as the unit tests of the plan use it.

Both are reduced to a :class:`Launch`: the settings a spec controls in the run it starts.
"""

from __future__ import annotations

import ast
import functools
import os
import posixpath
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from func.config import Settings
from func.plan import JobInfo, plan_job_run
from func.request import RunRequest
from jobspec.spec import parse_spec
from ocirefs.locations import SpecLocation

CORPUS = Path(__file__).parent / "corpus"

JOB_OCID = "ocid1.datasciencejob.oc1.phx.amaaaaaaadsparityjob"
JOB = JobInfo(project_id="ocid1.datascienceproject.oc1.phx.amaaaaaaadsjobproject",
              compartment_id="ocid1.compartment.oc1..aaaaaaaaadsjobcompartment",
              block_storage_size_in_gbs=100)
SETTINGS = Settings(job_ocid=JOB_OCID)
ETAG = "etag-ads-parity"
# The launcher's own variables, not the spec's: left out of the comparison.
LAUNCHER_ENV = frozenset({SETTINGS.spec_env_var, "JOB_SPEC_ETAG"})
# ADS reads a job's defaults from these when it runs inside Data Science (as the function
# reads the job's own); set to the fake job's values, ADS falls back exactly as the function.
ADS_DEFAULTS_ENV = {"PROJECT_OCID": JOB.project_id, "JOB_RUN_COMPARTMENT_OCID": JOB.compartment_id}
ADS_SESSION_ENV = ("NB_SESSION_OCID", "NB_SESSION_COMPARTMENT_OCID")


@dataclass(frozen=True)
class Launch:
    """The settings of a run that a spec controls, as the Data Science API names them."""

    display_name: str | None
    project_id: str | None
    compartment_id: str | None
    environment: dict[str, str]
    command_line_arguments: str | None
    infrastructure_type: str | None = None
    shape_name: str | None = None
    subnet_id: str | None = None
    ocpus: float | None = None
    memory_in_gbs: float | None = None
    block_storage_size_in_gbs: int | None = None
    logging: tuple[bool, bool, str | None, str | None] | None = None  # enable, auto, group, log
    maximum_runtime_in_minutes: int | None = None
    freeform_tags: dict[str, str] | None = None


@dataclass(frozen=True)
class Expectation:
    """A corpus file's leading comment: ``# expect: …``, ``# about: …``, ``# ads: …``."""

    verdict: str  # "same", "both refuse", "function refuses"
    field: str | None
    about: str
    ads_parse_only: bool
    # ``# ads sends: name=literal``: what ADS sends for a spec the function refuses.
    ads_sends: dict[str, Any]
    # ``# ads raises: ExceptionName: message fragment``: how ADS refuses.
    ads_raises: str | None = None


_EXPECT = re.compile(r"# expect: (same|both refuse at (\S+)|function refuses at (\S+))$")


def expectation(text: str) -> Expectation:
    lines = text.splitlines()
    match = _EXPECT.match(lines[0])
    if match is None or not lines[1].startswith("# about: "):
        raise ValueError("a corpus file starts with '# expect: …' and '# about: …'")
    verdict = match.group(1).split(" at ")[0]
    sends, raises = {}, None
    for line in lines[2:]:
        if not line.startswith("#"):
            break
        if line.startswith("# ads raises: "):
            raises = line.removeprefix("# ads raises: ")
        if line.startswith("# ads sends: "):
            name, _, literal = line.removeprefix("# ads sends: ").partition("=")
            sends[name] = ast.literal_eval(literal)
    return Expectation(verdict, match.group(2) or match.group(3),
                       lines[1].removeprefix("# about: "),
                       any(line.startswith("# ads: parse only") for line in lines[2:4]), sends,
                       raises)


def corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml"))


def location(path: Path) -> SpecLocation:
    return SpecLocation("adsns", "specs", f"ads/{path.name}")


# -- the function's side ------------------------------------------------------------------------

def function_launch(document: bytes, where: SpecLocation) -> Launch:
    """What the function sends for ``document``; raises the library's SpecInvalid."""
    request = RunRequest(trigger="direct", spec_location=where)
    details = plan_job_run(SETTINGS, request, parse_spec(document), ETAG, JOB)
    config = details.job_configuration_override_details
    env = {k: v for k, v in (config.environment_variables or {}).items()
           if k not in LAUNCHER_ENV}
    tags = {k: v for k, v in (details.freeform_tags or {}).items() if k != "trigger"}
    launch = Launch(details.display_name, details.project_id, details.compartment_id, env,
                    config.command_line_arguments,
                    maximum_runtime_in_minutes=config.maximum_runtime_in_minutes,
                    freeform_tags=tags or None)
    return with_infrastructure_and_logging(
        launch, details.job_infrastructure_configuration_override_details,
        details.job_log_configuration_override_details)


def with_infrastructure_and_logging(launch: Launch, infra: Any, logs: Any) -> Launch:
    """``launch`` with the infrastructure (when it names a shape) and logging settings of a
    job's (ADS) or a run's (the function) SDK models, which share these fields."""
    if infra is not None and infra.shape_name:
        shape = infra.job_shape_config_details
        launch = replace(
            launch, infrastructure_type=infra.job_infrastructure_type,
            shape_name=infra.shape_name, subnet_id=getattr(infra, "subnet_id", None),
            ocpus=shape.ocpus if shape else None,
            memory_in_gbs=shape.memory_in_gbs if shape else None,
            block_storage_size_in_gbs=infra.block_storage_size_in_gbs)
    if logs is not None:
        launch = replace(launch, logging=(logs.enable_logging, logs.enable_auto_log_creation,
                                          logs.log_group_id, logs.log_id))
    return launch


# -- ADS's side -----------------------------------------------------------------------------------

class _Sent(Exception):  # a signal that ends ADS's create(), not an error
    """Raised by the replaced create_job once it has kept ADS's payload."""


@dataclass(frozen=True)
class AdsJob:
    """ADS's parse of a YAML and the CreateJobDetails it would send (None: parse only)."""

    job: Any
    details: Any | None
    named: bool  # the YAML gave spec.name (ADS fills in a random one when creating)
    block_storage_given: bool


@functools.cache
def _private_key(filename: str, pass_phrase: str | None = None) -> Any:
    import oci

    return oci.signer.load_private_key(Path(filename).read_bytes(), pass_phrase)


@contextmanager
def ads_offline() -> Iterator[None]:
    """ADS's job defaults as inside Data Science, no notebook session, create_job replaced.

    ADS builds a signer, so loads the throwaway key, several times per job; loading an RSA
    key is most of the time of a case, so the key is loaded once.
    """
    import oci

    saved = {name: os.environ.pop(name, None) for name in (*ADS_DEFAULTS_ENV, *ADS_SESSION_ENV)}
    os.environ.update(ADS_DEFAULTS_ENV)
    original = oci.data_science.DataScienceClient.create_job, oci.signer.load_private_key_from_file

    def keep(self: Any, create_job_details: Any, **kwargs: Any) -> Any:
        raise _Sent(create_job_details)

    oci.data_science.DataScienceClient.create_job = keep
    oci.signer.load_private_key_from_file = _private_key
    try:
        yield
    finally:
        oci.data_science.DataScienceClient.create_job, oci.signer.load_private_key_from_file = \
            original
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def ads_job(text: str, *, parse_only: bool = False) -> AdsJob:
    """Parse with ADS and run its translation; ADS's own exception when it refuses."""
    from ads.jobs import Job

    with ads_offline():
        job = Job.from_yaml(text)
        if job.infrastructure is None and not parse_only:
            # ADS cannot create a job without one; a run of the prebuilt job runs on the
            # job's own, which is what an infrastructure without settings means to ADS.
            from ads.jobs import DataScienceJob

            job.with_infrastructure(DataScienceJob())
        named = bool(job.name)
        infra = job.infrastructure
        block_storage_given = getattr(infra, "block_storage_size", None) is not None
        if parse_only:
            return AdsJob(job, None, named, block_storage_given)
        try:
            job.create()
        except _Sent as sent:
            return AdsJob(job, sent.args[0], named, block_storage_given)
    raise AssertionError("ADS created the job without calling DataScienceClient.create_job")


def ads_launch(ads: AdsJob) -> Launch:
    """The settings ADS would send, for the env names the spec itself declares.

    ADS adds variables derived from other runtime keys (``JOB_RUN_NOTEBOOK``,
    ``CONDA_ENV_SLUG``, ``OUTPUT_URI``, …); the function leaves those keys to the job
    container, which reads them from the spec itself, so they are not compared.
    """
    details, runtime = ads.details, ads.job.runtime
    assert details is not None, "ADS parsed only: nothing was sent"
    config = details.job_configuration_details
    sent_env = config.environment_variables or {}
    env = {name: sent_env[name] for name in runtime.envs}
    # ADS puts the runtime's freeform tags on the job and on every run it starts.
    launch = Launch(details.display_name, details.project_id, details.compartment_id, env,
                    config.command_line_arguments,
                    maximum_runtime_in_minutes=config.maximum_runtime_in_minutes,
                    freeform_tags=details.freeform_tags or None)
    return with_infrastructure_and_logging(launch, details.job_infrastructure_configuration_details,
                                           details.job_log_configuration_details)


def as_job_run(ads: AdsJob, ads_sent: Launch, where: SpecLocation) -> Launch:
    """ADS's job settings as the job run the function creates should carry them.

    Where a job and a run of an existing job differ by design (README, "The spec"):
    - no ``spec.name``: ADS invents a random job name; the run is named after the spec object;
    - a shape without ``blockStorageSize``: ADS creates its job with 50 GB; the run's override
      carries the job's own size;
    - no shape: ADS's job has no shape; the run keeps the job's infrastructure (no override);
    - no infrastructure section: ADS's parser leaves it unset and cannot create a job; the
      run keeps the job's own, as with an infrastructure without settings (``ads_job``).
    """
    launch = ads_sent
    if not ads.named:
        stem, _ = posixpath.splitext(posixpath.basename(where.object))
        launch = replace(launch, display_name=stem)
    if launch.shape_name is not None and not ads.block_storage_given:
        launch = replace(launch, block_storage_size_in_gbs=JOB.block_storage_size_in_gbs)
    return launch
