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
