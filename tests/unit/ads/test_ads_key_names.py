"""Infrastructure key names, property-based: the library against ADS's own name mapping.

ADS maps the names of ``spec.infrastructure.spec`` with ``DataScienceJob.standardize_spec``:
a camelCase name is kept, any other name whose lower case is a snake_case name ADS knows is
renamed to its camelCase setting (a later name for the same setting wins), anything else is
kept and ignored. Generated specs spell each setting in one of many ways; the library must
accept exactly those where ADS maps every name and no setting is given twice (it refuses
unknown names and one setting under two names), and read the same values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobspec.errors import SpecInvalid
from jobspec.spec import parse_spec

pytestmark = pytest.mark.slow  # oracle-ads imported and searched: seconds

PROJECT = "ocid1.datascienceproject.oc1.phx.amaaaaaakeysproject"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaakeyscompartment"
LOG_GROUP = "ocid1.loggroup.oc1.phx.amaaaaaakeysloggroup"

# camelCase setting → (snake_case names ADS knows for it, a value the library accepts)
SETTINGS: dict[str, tuple[tuple[str, ...], Any]] = {
    "shapeName": (("shape_name",), "VM.Standard.E4.Flex"),
    "projectId": (("project_id",), PROJECT),
    "compartmentId": (("compartment_id",), COMPARTMENT),
    "logGroupId": (("log_group_id",), LOG_GROUP),
    "blockStorageSize": (("block_storage_size", "block_storage_size_in_gbs"), 120),
    "jobInfrastructureType": (("job_infrastructure_type",), "ME_STANDALONE"),
    "jobType": (("job_type",), "DEFAULT"),
    "displayName": (("display_name",), "ignored"),
}


def respell(name: str, upper: list[bool]) -> str:
    return "".join(c.upper() if up else c.lower()
                   for c, up in zip(name, upper + [False] * len(name), strict=False))


@st.composite
def spelled(draw: st.DrawFn, setting: str) -> str:
    snakes, _ = SETTINGS[setting]
    snake = draw(st.sampled_from(snakes))
    way = draw(st.sampled_from(["camel", "snake", "snake any case", "camel any case",
                                "camel lower", "api camel"]))
    if way == "camel":
        return setting
    if way == "snake":
        return snake
    if way == "snake any case":
        return respell(snake, draw(st.lists(st.booleans(), min_size=len(snake),
                                            max_size=len(snake))))
    if way == "camel any case":
        return respell(setting, draw(st.lists(st.booleans(), min_size=len(setting),
                                              max_size=len(setting))))
    if way == "camel lower":
        return setting.lower()
    return "".join(part.title() if i else part for i, part in enumerate(snake.split("_")))


@st.composite
def infrastructure(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(setting, name as written) pairs; the shape is always there, a setting maybe twice."""
    chosen = ["shapeName", *draw(st.lists(st.sampled_from(list(SETTINGS)[1:]), max_size=5))]
    return [(setting, draw(spelled(setting))) for setting in chosen]


def document(written: dict[str, Any]) -> bytes:
    return yaml.safe_dump({
        "kind": "job",
        "spec": {
            "name": "keys",
            "infrastructure": {"type": "dataScienceJob", "spec": written},
            "runtime": {"type": "notebook", "spec": {
                "notebookPathURI": "https://example.com/notebooks/report.ipynb"}},
        },
    }, sort_keys=False).encode()


@pytest.mark.usefixtures("ads_auth")
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=infrastructure())
def test_every_name_ads_maps_means_the_same(pairs: list[tuple[str, str]]) -> None:
    from ads.jobs import DataScienceJob

    written = {name: SETTINGS[setting][1] for setting, name in pairs}
    mapped = DataScienceJob.standardize_spec(dict(written))
    # The setting ADS reads each name as (itself when ADS does not know it).
    settings_given = [next(iter(DataScienceJob.standardize_spec({name: None})))
                      for name in written]
    unknown = set(settings_given) - set(DataScienceJob.attribute_map)
    if unknown or len(settings_given) != len(set(settings_given)):
        with pytest.raises(SpecInvalid):
            parse_spec(document(written))
        return
    spec = parse_spec(document(written))
    assert spec.infrastructure is not None
    assert spec.infrastructure.shape_name == mapped["shapeName"]
    assert spec.infrastructure.type == "ME_STANDALONE"
    assert spec.infrastructure.block_storage_size_in_gbs == mapped.get("blockStorageSize")
    assert spec.project_id == mapped.get("projectId")
    assert spec.compartment_id == mapped.get("compartmentId")
    assert spec.log_group_id == mapped.get("logGroupId")


def test_the_generated_names_reach_every_case(ads_auth: Path) -> None:
    from ads.jobs import DataScienceJob

    assert DataScienceJob.standardize_spec({"SHAPE_NAME": "x", "Block_Storage_Size_In_GBs": 60,
                                            "shapename": "y", "blockStorageSizeInGBs": 70}) == \
        {"shapeName": "x", "blockStorageSize": 60, "shapename": "y", "blockStorageSizeInGBs": 70}


@pytest.mark.parametrize("runtime", ["python", "script"])
def test_the_code_runtimes_take_exactly_adss_names(runtime: str, ads_auth: Path) -> None:
    """Every name ADS's PythonRuntime / ScriptRuntime maps (camelCase and snake_case), and
    the one ADS reads without mapping it (maximumRuntimeInMinutes)."""
    from ads.jobs import PythonRuntime, ScriptRuntime

    from jobspec.keys import ADS_PYTHON_RUNTIME, ADS_SCRIPT_RUNTIME

    runtime_class, section = {"python": (PythonRuntime, ADS_PYTHON_RUNTIME),
                              "script": (ScriptRuntime, ADS_SCRIPT_RUNTIME)}[runtime]
    ads_names = {name for pair in runtime_class.attribute_map.items() for name in pair}
    ads_names.add(runtime_class.CONST_MAXIMUM_RUNTIME_IN_MINUTES)
    ours = {spelling for key in section.keys if key.name not in section.refused
            for spelling in (key.name, *key.aliases)}
    assert ours == ads_names
