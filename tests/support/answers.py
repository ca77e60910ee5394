"""Checks of the function's JSON answers, as an fdk process returns them."""

from __future__ import annotations

from typing import Any


def ok(invocation: Any) -> dict[str, Any]:
    """The body of a successful answer (JSON, ``ok: true``)."""
    assert invocation.status == 200
    assert invocation.headers["content-type"] == "application/json"
    body: dict[str, Any] = invocation.json()
    assert body["ok"] is True, body
    return body


def error(invocation: Any, code: str, status: int = 200) -> dict[str, Any]:
    """The ``error`` object of a failed answer with ``code`` (and HTTP ``status``)."""
    assert invocation.status == status
    assert invocation.headers["content-type"] == "application/json"
    body: dict[str, Any] = invocation.json()
    assert body["ok"] is False and body["error"]["code"] == code, body
    return dict(body["error"])


def gateway_call(fn: Any, method: str, url: str, body: Any = b"", **headers: str) -> Any:
    """``fn`` invoked as API Gateway invokes it (``Fn-Intent: httprequest``): the client's
    request line and headers; the client's status is the answer's ``http_status``."""
    headers.setdefault("Content-Type", "application/json")  # the client's, as the gateway sends
    result = fn.invoke(body, gateway=(method, url), client_headers=headers,
                       content_type=headers.get("Content-Type", "application/json"))
    assert result.status == 200  # the socket status; the client's is in Fn-Http-Status
    assert result.headers["content-type"] == "application/json"
    return result
