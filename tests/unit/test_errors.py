"""The error codes are one list: errors.py, the OpenAPI enum, the README's table."""

import re
from pathlib import Path

import yaml

from func.errors import ALL_ERRORS

ROOT = Path(__file__).resolve().parents[2]
CODES = {  # the README's error table, InternalError included
    "InvalidRequest": 400, "SpecLocationNotAllowed": 403, "SpecNotFound": 404, "NotFound": 404,
    "MethodNotAllowed": 405, "SpecChanged": 409, "Conflict": 409, "SpecTooLarge": 413,
    "UnsupportedMediaType": 415,
    "TooManyActiveRuns": 429, "InvalidSpec": 422, "UpstreamThrottled": 503,
    "UpstreamError": 502, "DeadlineExceeded": 504, "ConfigurationError": 500,
    "InternalError": 500,
}


def test_codes_and_statuses_are_the_documented_ones():
    assert {error.code: error.status for error in ALL_ERRORS} == CODES


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
