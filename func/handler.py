"""fdk entry point (``func.yaml``: ``/python/bin/fdk /function/func/handler.py handler``).

The fdk loads this file by path (``spec_from_file_location``), not as
``func.handler``, so it imports the package absolutely. ``func`` is found
through ``PYTHONPATH=/function:/python``, which the image sets (as the Fn CLI's
generated Python Dockerfile does; ``tests/system/test_dockerfile.py`` checks it) and which
``localoci.fdkrunner`` sets for local runs; no ``sys.path`` patch is needed.
"""

from typing import Any

from func import logs

logs.setup()  # before the SDK is imported: it logs at import time

from fdk import response

from func.app import App
from func.triggers import Headers, RawCall

_app = App()


def handler(ctx: Any, data: Any = None) -> response.Response:
    """Answer one invocation with JSON; never raises."""
    body = data.getvalue() if hasattr(data, "getvalue") else (data or b"")
    if isinstance(body, str):
        body = body.encode("utf-8")
    call = RawCall(
        body=body,
        headers=Headers(ctx.Headers()),
        http_headers=Headers(ctx.HTTPHeaders()),
        method=ctx.Method(),
        request_url=ctx.RequestURL(),
    )
    reply = _app.handle(call, call_id=ctx.CallID(), deadline=ctx.Deadline())
    headers = {"Content-Type": "application/json", **reply.headers}
    return response.Response(ctx, response_data=reply.body_text(), headers=headers,
                             status_code=reply.status)
