"""Emulated Logging through the real SDK, signed: GetLogGroup, SearchLogs, and the records a
run executed as a process writes."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import oci
import pytest

from localoci import Emulator
from localoci.jobprocess import ProcessExecutor
from tests.support.emulator import COMPARTMENT, JOB, NO_RETRIES, run_details

LOG_GROUP = "ocid1.loggroup.oc1.phx.amaaaaaaemulatorgroup"
LOG = "ocid1.log.oc1.phx.amaaaaaaemulatorlog"
RUN = "ocid1.datasciencejobrun.oc1.phx.amaaaaaaemulatorrun"
PRINTS = "print('hello'); print('world'); import sys; print('oops', file=sys.stderr)"


def clients(emulated: Emulator, signer: Any) -> tuple[Any, Any]:
    return (oci.logging.LoggingManagementClient({}, signer=signer, service_endpoint=emulated.url,
                                                **NO_RETRIES),
            oci.loggingsearch.LogSearchClient({}, signer=signer, service_endpoint=emulated.url,
                                              **NO_RETRIES))


def search(client: Any, source: str, start: datetime, end: datetime,
           compartment: str = COMPARTMENT, **kwargs: Any) -> Any:
    query = (f'search "{compartment}/{LOG_GROUP}/{LOG}" | where source = \'*{source}\' '
             "| sort by datetime desc")
    return client.search_logs(oci.loggingsearch.models.SearchLogsDetails(
        time_start=start, time_end=end, search_query=query), **kwargs)


def test_get_log_group_and_search_newest_first_with_pages(emulated: Emulator,
                                                          signer: Any) -> None:
    management, searcher = clients(emulated, signer)
    emulated.add_log_group(LOG_GROUP, COMPARTMENT)
    assert management.get_log_group(LOG_GROUP).data.compartment_id == COMPARTMENT
    start = datetime.now(UTC)
    for i in range(3):
        emulated.write_log(LOG, RUN, f"line {i}")
    emulated.write_log(LOG, "ocid1.datasciencejobrun.oc1.phx.other", "not this run")
    end = datetime.now(UTC) + timedelta(seconds=1)
    first = search(searcher, RUN, start, end, limit=2)
    messages = [r.data["logContent"]["data"]["message"] for r in first.data.results]
    assert messages == ["line 2", "line 1"]
    assert first.data.results[0].data["logContent"]["source"] == RUN
    second = search(searcher, RUN, start, end, limit=2, page=first.headers["opc-next-page"])
    assert [r.data["logContent"]["data"]["message"] for r in second.data.results] == ["line 0"]
    assert "opc-next-page" not in second.headers


@pytest.mark.parametrize("case, status", [("unknown group", 404), ("15 days", 400),
                                          ("other compartment", 404)])
def test_what_logging_refuses(emulated: Emulator, signer: Any, case: str,
                              status: int) -> None:
    management, searcher = clients(emulated, signer)
    emulated.add_log_group(LOG_GROUP, COMPARTMENT)
    now = datetime.now(UTC)
    with pytest.raises(oci.exceptions.ServiceError) as error:
        if case == "unknown group":
            management.get_log_group("ocid1.loggroup.oc1.phx.amaaaaaanone")
        elif case == "15 days":
            search(searcher, RUN, now - timedelta(days=15), now)
        else:
            search(searcher, RUN, now - timedelta(days=1), now,
                   compartment="ocid1.compartment.oc1..aaaaaaaaother")
    assert error.value.status == status


def test_a_run_executed_as_a_process_writes_its_output_to_its_log(
        issuer: Any, rp_set: dict[str, str], signer: Any, tmp_path: Any) -> None:
    executor = ProcessExecutor(rp_set, command=(sys.executable, "-c", PRINTS),
                               work_dir=tmp_path, accepted_seconds=0.0)
    with Emulator(issuer.public_pem, jobs=[JOB], executor=executor) as emulated:
        executor.endpoint = emulated.url
        science = oci.data_science.DataScienceClient({}, signer=signer,
                                                     service_endpoint=emulated.url, **NO_RETRIES)
        logging = oci.data_science.models.JobLogConfigurationDetails(
            enable_logging=True, log_group_id=LOG_GROUP, log_id=LOG)
        run = science.create_job_run(run_details(
            job_log_configuration_override_details=logging)).data
        deadline = time.monotonic() + 30
        while science.get_job_run(run.id).data.lifecycle_state not in ("SUCCEEDED", "FAILED"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        management, searcher = clients(emulated, signer)
        group = management.get_log_group(LOG_GROUP).data  # the run's compartment
        found = search(searcher, run.id, run.time_accepted - timedelta(seconds=1),
                       datetime.now(UTC) + timedelta(seconds=1), compartment=group.compartment_id)
        content = [r.data["logContent"] for r in found.data.results]
        assert sorted(c["data"]["message"] for c in content) == ["hello", "oops", "world"]
        assert {c["type"].rsplit(".", 1)[1] for c in content} == {"stdout", "stderr"}
    executor.close()
