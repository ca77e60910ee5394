"""What the job's messages may show of an https URL, and a failed download's cause in words.

A URL is shown in full so its owner can find the typo, except for what can hold a secret:
the query and fragment (signed URLs carry their signature there, e.g. ``?sig=…`` or
``?token=…``), a ``user:password@`` part, and the token of an Object Storage
pre-authenticated request (``/p/<token>/…``), which grants access by itself.
"""

from __future__ import annotations

import socket
import ssl
import urllib.error
from http import HTTPStatus
from urllib.parse import urlsplit, urlunsplit


def shown_url(url: str) -> str:
    """``https://host/path/name.ipynb``: the URL without query, fragment, credentials or a
    pre-authenticated request's token."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port
    except ValueError:
        return "(not a valid URL)"
    netloc = f"{host}:{port}" if port else host
    path = parts.path
    if "objectstorage." in host and path.startswith("/p/"):
        path = "/p/…/" + path[3:].partition("/")[2]
    hidden = " (query not shown)" if parts.query or parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, path, "", "")) + hidden


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def download_failure(exc: BaseException, url: str, timeout: float) -> str:
    """Why a download failed, in words: "could not resolve host example.com — no network?",
    "connection refused", "HTTP 404 Not Found"… rather than an exception's class name."""
    host = host_of(url)
    if isinstance(exc, urllib.error.HTTPError):
        try:
            phrase = HTTPStatus(exc.code).phrase
        except ValueError:
            phrase = ""
        return f"HTTP {exc.code} {phrase}".rstrip()
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return f"could not resolve host {host} — no network?"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection refused by {host}"
    if isinstance(reason, ConnectionResetError):
        return f"connection reset by {host}"
    if isinstance(reason, TimeoutError):
        return f"no answer from {host} within {timeout:g} s"
    if isinstance(reason, ssl.SSLCertVerificationError):
        detail = getattr(reason, "verify_message", None)  # set when ssl raised it
        return (f"TLS error: the certificate of {host} is not trusted"
                + (f" ({detail})" if detail else ""))
    if isinstance(reason, ssl.SSLError):
        return f"TLS error talking to {host} ({reason.reason or reason.strerror or 'handshake'})"
    if isinstance(reason, OSError) and reason.strerror:
        return f"{reason.strerror.lower()} ({host})"
    if isinstance(reason, str) and reason:
        return reason
    if isinstance(reason, ValueError):
        return "the URL is not valid"
    return type(reason).__name__
