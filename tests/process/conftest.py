"""The process layer's own fixture; the emulator and the fdk processes are the suite's
(tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support.spec_cases import flat

SPEC = "notebooks/daily.yaml"


@pytest.fixture
def spec(oci_local) -> dict[str, str]:
    """The daily spec uploaded, and the request field that names it."""
    oci_local.put_spec(SPEC, flat())
    return {"specLocation": oci_local.location(SPEC)}
