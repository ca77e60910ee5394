"""The direct-invocation tests (``tests/process/test_direct.py``), run by an fdk process
that has only the function image's trees: the payload ``tools/build_payload.py`` builds and
``/function`` from the Dockerfile's COPY lines (see ``conftest.py``)."""

from __future__ import annotations

import pytest

from tests.process.test_direct import *  # noqa: F403 - the same tests, collected here


@pytest.fixture
def functions(payload_functions):
    """Overrides tests/conftest.py's ``functions`` (and so ``fn``) for this module."""
    return payload_functions
