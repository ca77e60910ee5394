"""The platform floor: the baseline's bare SDK iteration as an fdk handler.

Copied to ``<tmp>/func/handler.py`` next to a copy of ``func.yaml`` and started like
the function (same entrypoint, same socket, same invoke), it answers each call with
one :func:`baseline._iteration` and nothing else. The gap between it and the
in-process baseline is what the fdk and its socket cost; the gap between the
function and it is what the function's own code costs.
"""

import importlib.util
import json
import os

from fdk import response

_spec = importlib.util.spec_from_file_location("bench_baseline", os.environ["BENCH_BASELINE"])
_baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_baseline)
_state = {}


def handler(ctx, data=None):
    if not _state:
        _state["settings"] = _baseline._settings()
        _state["clients"] = _baseline._clients(_state["settings"])
    run_id = _baseline._iteration(_state["settings"], *_state["clients"])
    body = {"ok": True, "operation": "run", "trigger": "direct", "jobRunId": run_id}
    return response.Response(ctx, response_data=json.dumps(body),
                             headers={"Content-Type": "application/json"}, status_code=200)
