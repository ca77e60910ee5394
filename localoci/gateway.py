"""A local stand-in for an OCI API Gateway deployment in front of the function.

It forwards each HTTP request to the fdk process the way the gateway's
``ORACLE_FUNCTIONS_BACKEND`` does: ``Fn-Intent: httprequest``, ``Fn-Http-Method``,
``Fn-Http-Request-Url`` (deployment prefix + route + query) and one
``Fn-Http-H-<name>`` per client header; it answers with the function's
``Fn-Http-Status`` and ``Fn-Http-H-*`` headers. Like the gateway it serialises
nothing else: one call at a time reaches the function container.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .fdkrunner import FunctionProcess

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}
MAX_BODY = 6 * 1024 * 1024  # API Gateway's limit for a function back end
RequestLog = Callable[[str, str, int, float], None]  # method, path, status, seconds


class LocalGateway:
    """``LocalGateway(function, prefix="/jobruns").start()`` → ``.url``.

    ``on_request(method, path, status, seconds)`` is called once per answered request
    (``make serve`` prints it as an access log).
    """

    def __init__(self, function: FunctionProcess, prefix: str = "/jobruns",
                 host: str = "127.0.0.1", port: int = 0, deadline_seconds: float = 60.0,
                 on_request: RequestLog | None = None) -> None:
        self.function = function
        self.on_request = on_request
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.deadline_seconds = deadline_seconds
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        shown = host.decode() if isinstance(host, bytes) else host
        return f"http://{shown}:{port}{self.prefix}"

    def start(self) -> LocalGateway:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and free the port; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> LocalGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def handle_one_request(self) -> None:
                self._started = time.monotonic()
                super().handle_one_request()

            def _forward(self) -> None:
                if gateway.prefix and not (self.path == gateway.prefix
                                           or self.path.startswith(gateway.prefix + "/")
                                           or self.path.startswith(gateway.prefix + "?")):
                    self._send(404, {"Content-Type": "application/json"},
                               b'{"code": 404, "message": "Not Found"}')
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._send(413, {"Content-Type": "application/json"},
                               b'{"code": 413, "message": "Payload Too Large"}')
                    return
                body = self.rfile.read(length) if length else b""
                # Like a deployment without authentication, X-Authenticated-Subject is
                # removed: only a gateway that validated a JWT may set it.
                client = {name: value for name, value in self.headers.items()
                          if name.lower() not in HOP_BY_HOP
                          and name.lower() != "x-authenticated-subject"}
                with gateway._lock:
                    result = gateway.function.invoke(
                        body, gateway=(self.command, self.path), client_headers=client,
                        content_type=self.headers.get("Content-Type", "application/octet-stream"),
                        deadline_seconds=gateway.deadline_seconds)
                if result.status != 200:  # the platform's own failure, not the function's
                    self._send(502, {"Content-Type": "application/json"},
                               b'{"code": 502, "message": "Bad Gateway"}')
                    return
                headers = {"Content-Type": result.headers.get("content-type",
                                                              "application/octet-stream")}
                for name, value in result.headers.items():
                    if name.startswith("fn-http-h-"):
                        headers[name[len("fn-http-h-"):].title()] = value
                self._send(result.http_status, headers, result.body)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                if gateway.on_request is not None:
                    gateway.on_request(self.command, self.path, status,
                                       time.monotonic() - self._started)

            def __getattr__(self, name: str) -> Callable[[], None]:
                # API Gateway forwards any method; BaseHTTPRequestHandler looks up do_<METHOD>.
                if name.startswith("do_"):
                    return self._forward
                raise AttributeError(name)

        return Handler
