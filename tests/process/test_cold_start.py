"""Only ``logs`` pays for the Logging SDK modules: the function's cold start (the handler
imported, the clients built) imports neither ``oci.logging`` nor ``oci.loggingsearch``;
the first ``logs`` call does."""

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
