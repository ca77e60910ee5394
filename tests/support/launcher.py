"""A :class:`func.service.Service` wired to the in-process fake of OCI, on a fake clock."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from func.clients import ClientProvider, Clients, Lazy, LoggingClients
from func.errors import LauncherError
from func.request import Request, RunRequest
from func.service import Invocation, Outcome, Service
from ociplatform.retry import Deadline, RetryPolicy
from ocirefs.locations import parse_location

from .fakes import JOB_OCID, Clock, FakeDataScience, FakeLogging, FakeObjectStorage

NAMESPACE, BUCKET = "ns", "specs"
SPEC = "team/daily.yaml"  # where the service tests keep their spec
LOCATION = parse_location(f"oci://{BUCKET}@{NAMESPACE}/{SPEC}")


@dataclass
class Rig:
    """The service under test and everything it talks to."""

    clock: Clock
    object_storage: FakeObjectStorage
    data_science: FakeDataScience
    logging: FakeLogging
    service: Service

    def put_spec(self, name: str, data: bytes) -> str:
        return self.object_storage.put(NAMESPACE, BUCKET, name, data)

    def invocation(self, call_id: str = "CALL-1", seconds: float = 30.0) -> Invocation:
        return Invocation(call_id, Deadline(at=self.clock.now + seconds, clock=self.clock))

    def execute(self, request: Request, invocation: Invocation | None = None) -> Outcome:
        return self.service.serve(request, request.trigger, invocation or self.invocation())


def rig(env: Mapping[str, str] | None = None, *, region: str | None = "us-phoenix-1",
        cost: float = 0.0) -> Rig:
    clock = Clock()
    object_storage = FakeObjectStorage(clock, cost)
    data_science = FakeDataScience(clock, cost)
    logging = FakeLogging(clock, cost)
    clients = Clients(object_storage, data_science, region,
                      Lazy(lambda: LoggingClients(search=logging, management=logging)))
    policy = RetryPolicy(rng=random.Random(7), sleep=clock.sleep)
    service = Service({"JOB_OCID": JOB_OCID, **(env or {})},
                      ClientProvider(lambda settings: clients), policy)
    return Rig(clock, object_storage, data_science, logging, service)


def run(r: Rig, name: str = SPEC, **fields: object) -> Outcome:
    """A direct ``run`` of the spec ``name`` in the rig's bucket (``spec_location`` given in
    ``fields`` wins)."""
    fields.setdefault("spec_location", parse_location(f"oci://{BUCKET}@{NAMESPACE}/{name}"))
    return r.execute(RunRequest(trigger="direct", **fields))


def answered(outcome: Outcome) -> dict:
    """The answer's body, after checking that the call was answered."""
    assert outcome.error is None and outcome.body is not None, outcome
    return outcome.body


def refused(outcome: Outcome, error_type: type[LauncherError]) -> LauncherError:
    """The error, after checking that the call was refused with exactly ``error_type``."""
    assert outcome.body is None and type(outcome.error) is error_type, outcome
    return outcome.error
