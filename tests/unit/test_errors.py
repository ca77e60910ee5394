"""The error codes are one list, func/errors.py: the OpenAPI enum and the README's table
follow it (docs/reference.md: tests/unit/test_reference_doc.py)."""

import re

import yaml

from func.errors import ALL_ERRORS
from tests.support.paths import ROOT

CODES = {error.code: error.status for error in ALL_ERRORS}


def test_every_code_is_one_class_with_a_meaning():
    assert len(CODES) == len(ALL_ERRORS)
    assert all(error.meaning and 400 <= error.status <= 599 for error in ALL_ERRORS)


def test_openapi_lists_every_code():
    document = yaml.safe_load((ROOT / "api/openapi.yaml").read_text())
    assert set(document["components"]["schemas"]["ErrorCode"]["enum"]) == set(CODES)


def test_readme_table_lists_every_code_with_its_status():
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| (\d{3}) \|", readme, re.MULTILINE))
    assert {code: int(status) for code, status in rows.items()} == CODES


def test_to_dict_carries_the_field_only_when_there_is_one():
    error = ALL_ERRORS[0]("bad", field="specLocation")
    assert error.to_dict() == {"code": "InvalidRequest", "status": 400, "message": "bad",
                               "field": "specLocation"}
    assert "field" not in ALL_ERRORS[0]("bad").to_dict()
