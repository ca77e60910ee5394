"""Contract test: every documented API Gateway response, checked against the live function.

schemathesis generates requests from ``api/openapi.yaml`` (valid and invalid ones)
and sends them to :class:`localoci.gateway.LocalGateway`, which forwards them to
the real fdk process exactly as API Gateway does; each response must match the
document (status, headers, content type, JSON schema), invalid requests must
be refused with a 4xx, and undeclared methods with 405.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from localoci import Emulator
from localoci.fdkrunner import FunctionProcess
from localoci.gateway import LocalGateway
from tests.conftest import JOBS
from tests.support.paths import ROOT
from tests.support.spec_cases import flat

NAMESPACE = "mytenancy"  # the namespace the document's examples use


@pytest.fixture(scope="module")
def gateway(issuer, rp_env):
    with Emulator(issuer.public_pem, namespace=NAMESPACE, jobs=JOBS) as emulator:
        emulator.create_bucket(NAMESPACE, "specs")
        emulator.put_object(NAMESPACE, "specs", "notebooks/daily.yaml", flat())
        env = {"JOB_OCID": JOBS[0]["id"], "OCI_DATA_SCIENCE_ENDPOINT": emulator.url,
               "OCI_OBJECT_STORAGE_ENDPOINT": emulator.url, "OCI_LOGGING_ENDPOINT": emulator.url,
               "OCI_LOGGING_SEARCH_ENDPOINT": emulator.url, **rp_env}
        with FunctionProcess(env) as function, LocalGateway(function, "/jobruns") as shim:
            yield shim


@pytest.fixture(scope="module")
def api_schema(gateway):
    loaded = schemathesis.openapi.from_path(ROOT / "api" / "openapi.yaml")
    loaded.config.update(base_url=gateway.url)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_api_matches_its_openapi_document(case):
    # Every check but "schema-valid data is accepted": a schema can't say that a
    # specLocation must name an existing object or that two idempotency keys must agree,
    # so schema-valid requests are rightly refused with 400/404/422 (all documented).
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
