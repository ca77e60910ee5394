"""fdk entry point (``func.yaml``: ``/python/bin/fdk /function/func/handler.py handler``).

The fdk loads this file by path, not as ``func.handler``, so it imports the
package absolutely; the Fn Python runtime puts ``/function`` on ``PYTHONPATH``,
and the fallback below covers a runtime that doesn't.
"""

import os
import sys

if not __package__:  # loaded by path by the fdk
    _root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if _root not in sys.path:
        sys.path.insert(0, _root)

from func import logs

logs.setup()  # before the SDK is imported: it logs at import time

from fdk import response

from func.app import App
from func.triggers import Headers, RawCall

_app = App()


def handler(ctx, data=None):
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
