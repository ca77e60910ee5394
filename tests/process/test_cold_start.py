"""Only ``logs`` pays for the Logging SDK modules: the function's cold start (the handler
imported, the clients built) imports neither ``oci.logging`` nor ``oci.loggingsearch``;
the first ``logs`` call does. Likewise for our own modules: ``func/runlogs.py`` loads with
the first ``logs`` call, ``func/active_cap.py`` only when MAX_ACTIVE_RUNS is set."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.paths import ROOT

PROBE = """
import json, sys
import func.handler
from func.clients import build_clients
from func.config import Settings

def signer():
    import oci.auth.signers
    from cryptography.hazmat.primitives.asymmetric import rsa

    made = oci.auth.signers.SecurityTokenSigner(
        "token", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    made.region = "us-phoenix-1"
    return made

def loaded():
    return sorted(m for m in ("oci.logging", "oci.loggingsearch") if m in sys.modules)

settings = Settings.from_env({"JOB_OCID": "ocid1.datasciencejob.oc1.phx.amaaaaaajob"})
clients = build_clients(settings, signer_factory=signer)
cold = loaded()
clients.logging.get()
print(json.dumps({"cold": cold, "after_logs": loaded()}))
"""


def test_the_logging_modules_load_with_the_first_logs_call_only():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=120)
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "cold": [], "after_logs": ["oci.logging", "oci.loggingsearch"]}


OWN_PROBE = """
import json, sys
import func.handler
from func.request import LogsRequest
from tests.support.launcher import SPEC, rig, run
from tests.support.spec_cases import flat

def loaded():
    return sorted(m for m in ("func.active_cap", "func.runlogs") if m in sys.modules)

seen = {"cold": loaded()}
uncapped = rig()
uncapped.put_spec(SPEC, flat())
created = run(uncapped)
assert created.error is None, created
seen["after_run"] = loaded()
uncapped.execute(LogsRequest(trigger="direct", job_run_id=created.body["jobRunId"]))
seen["after_logs"] = loaded()
capped = rig({"MAX_ACTIVE_RUNS": "2"})
capped.put_spec(SPEC, flat())
assert run(capped).error is None
seen["capped"] = loaded()
print(json.dumps(seen))
"""


def test_logs_and_the_cap_load_their_own_modules_only_when_used():
    result = subprocess.run([sys.executable, "-c", OWN_PROBE], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=120)
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "cold": [], "after_run": [], "after_logs": ["func.runlogs"],
        "capped": ["func.active_cap", "func.runlogs"]}
