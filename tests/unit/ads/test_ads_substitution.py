"""``${VAR}`` substitution, property-based: the library against ADS's own code.

ADS substitutes env values with ``ads.jobs.env_var_parser.parse`` (a configparser
interpolation) when it builds a job's variables, and the job's name with
``string.Template(name).safe_substitute(envs)`` (``DataScienceJob.create``). Generated
values mix references, ``$$``, stray ``$``, braces and section prefixes; each document goes
through the whole spec library (``parse_spec``), and the run's variables and name must be
what ADS computes — or both must refuse.
"""

from __future__ import annotations

import configparser
from pathlib import Path
from string import Template
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobspec.errors import SpecInvalid
from jobspec.spec import parse_spec

pytestmark = pytest.mark.slow  # oracle-ads imported and searched: seconds

NAMES = ["A", "B", "HOST", "a", "X_1"]
PIECES = ["$", "$$", "{", "}", ":", "${", "x", " ", "-", "/", "%", "envs:", "A"]
REFERENCES = ["${A}", "${B}", "${HOST}", "${a}", "${X_1}", "${envs:A}", "${other:A}", "${}",
              "${MISSING}", "$A", "${A:B:C}", "$${A}"]
values = st.lists(st.sampled_from(PIECES + REFERENCES), max_size=6).map("".join)
envs = st.dictionaries(st.sampled_from(NAMES), values, max_size=5)
# A name starts with a letter (a blank name is refused for another reason).
names = st.lists(st.sampled_from(PIECES + REFERENCES), max_size=5).map(lambda p: "n" + "".join(p))
as_list = st.booleans()


def document(name: str, env: dict[str, str], listed: bool) -> bytes:
    written: Any = [{"name": k, "value": v} for k, v in env.items()] if listed else env
    return yaml.safe_dump({
        "kind": "job",
        "spec": {
            "name": name,
            "infrastructure": {"type": "dataScienceJob"},
            "runtime": {"type": "notebook", "spec": {
                "notebookPathURI": "https://example.com/notebooks/report.ipynb",
                "env": written}},
        },
    }).encode()


@pytest.mark.usefixtures("ads_auth")
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, env=envs, listed=as_list)
def test_substitution_is_the_one_ads_does(name: str, env: dict[str, str], listed: bool) -> None:
    from ads.jobs import env_var_parser

    try:
        expected_env = env_var_parser.parse([{"name": k, "value": v} for k, v in env.items()])
    except configparser.Error:  # how ADS refuses: its interpolation's own errors
        with pytest.raises(SpecInvalid):
            parse_spec(document(name, env, listed))
        return
    expected_name = Template(name).safe_substitute(expected_env)
    spec = parse_spec(document(name, env, listed))
    assert dict(spec.environment) == expected_env
    assert spec.display_name == expected_name


def test_the_generated_values_reach_every_case(ads_auth: Path) -> None:
    # The strategies above produce references that resolve, stay literal and fail in ADS.
    from ads.jobs import env_var_parser

    assert env_var_parser.parse([{"name": "A", "value": "a"},
                                 {"name": "B", "value": "${A}$$${MISSING}$$"}]) == \
        {"A": "a", "B": "a$${MISSING}$$"}
    with pytest.raises(configparser.InterpolationSyntaxError):
        env_var_parser.parse([{"name": "A", "value": "${A:B:C}"}])
