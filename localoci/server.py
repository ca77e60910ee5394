"""The emulator: one localhost HTTP server for Object Storage, Data Science and a control API."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from . import control
from .credentials import DEFAULT_COMPARTMENT, load_public_key
from .datascience import DataScience
from .executors import Executor, TimedExecutor
from .faults import FaultRule, Faults
from .logsearch import Logging, RunOutput
from .objectstorage import DEFAULT_CONTENT_TYPE, ObjectStorage
from .signatures import SignatureError, verify_request
from .wire import ApiError, Request, Response, Route, new_request_id, utcnow

logger = logging.getLogger("localoci")

NO_BODY_STATUSES = frozenset({204, 304})


class Emulator:
    """Local Object Storage + Data Science + Logging that verifies resource-principal request
    signatures.

    Requests must be signed with a session key whose RPST was issued by the trusted issuer
    (see :mod:`localoci.credentials`). Job-run progression is delegated to ``executor``;
    by default a :class:`~localoci.executors.TimedExecutor` built from ``accepted_seconds``,
    ``run_seconds`` (None = runs never finish) and ``outcome``.
    """

    def __init__(
        self,
        trusted_issuer_public_pem: bytes | str,
        host: str = "127.0.0.1",
        port: int = 0,
        namespace: str = "localns",
        jobs: Iterable[Mapping[str, Any]] | None = None,
        accepted_seconds: float = 0.3,
        run_seconds: float | None = 1.5,
        outcome: str = "SUCCEEDED",
        retry_token_mismatch: str = "conflict",
        cancel_seconds: float = 0.2,
        executor: Executor | None = None,
    ) -> None:
        self._issuer_key = load_public_key(trusted_issuer_public_pem)
        self._address = (host, port)
        self._lock = threading.RLock()
        self.object_storage = ObjectStorage(namespace)
        self.data_science = DataScience(
            executor or TimedExecutor(accepted_seconds, run_seconds, outcome),
            retry_token_mismatch,
            cancel_seconds,
        )
        for job in jobs or ():
            self.data_science.add_job(job)
        self.logging = Logging(outputs=self._run_outputs)
        self._faults = Faults()
        self._requests: list[dict[str, Any]] = []
        self._unauthorized = 0
        self._generation = 0  # bumped by reset(): requests delayed across it are dropped
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="localoci",
            daemon=True,
        )
        self._thread.start()
        logger.info("localoci listening on %s", self.url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # test setup and inspection -----------------------------------------------------------------

    def add_fault(
        self,
        operation: str = "*",
        *,
        status: int | None = None,
        code: str | None = None,
        message: str | None = None,
        delay: float | None = None,
        drop: bool = False,
        drop_after: bool = False,
        times: int | None = 1,
    ) -> FaultRule:
        """Add a fault rule; see :class:`~localoci.faults.FaultRule` for the fields."""
        return self.add_fault_rule(
            FaultRule(operation, status, code, message, delay, drop, drop_after, times)
        )

    def add_fault_rule(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            return self._faults.add(rule)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._faults.rules()]

    def add_job(self, job: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            return self.data_science.add_job(job)

    def set_run_outcome(
        self, run_id: str, lifecycle_state: str, lifecycle_details: str | None = None
    ) -> dict[str, Any]:
        """Force a run into a state now (e.g. FAILED, or IN_PROGRESS to hold it there)."""
        with self._lock:
            return self.data_science.force(run_id, lifecycle_state, lifecycle_details)

    def job_runs(self) -> list[dict[str, Any]]:
        """Every run as GetJobRun JSON plus ``createBody`` (as received) and ``retryToken``."""
        with self._lock:
            return self.data_science.job_runs()

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._requests]

    @property
    def unauthorized_count(self) -> int:
        with self._lock:
            return self._unauthorized

    def create_bucket(
        self, namespace: str, name: str, compartment_id: str = DEFAULT_COMPARTMENT
    ) -> dict[str, Any]:
        with self._lock:
            self._check_namespace(namespace)
            return self.object_storage.create_bucket(name, compartment_id).to_json(namespace)

    def put_object(
        self,
        namespace: str,
        bucket: str,
        name: str,
        data: bytes,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Store an object without a signed request; returns its new etag."""
        with self._lock:
            self._check_namespace(namespace)
            return self.object_storage.put_object(bucket, name, data, content_type, metadata).etag

    def reset(self) -> None:
        """Forget job runs, log records, retry tokens, faults, the request log and the 401
        count.

        Jobs, buckets and objects stay. A request still waiting out an injected delay is
        then dropped unprocessed, so a slow request of one test can't touch the next.
        """
        with self._lock:
            self._generation += 1
            self.data_science.reset()
            self.logging.records.clear()
            self.logging._seen.clear()
            self._faults.clear()
            self._requests.clear()
            self._unauthorized = 0

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "namespace": self.object_storage.namespace,
                "jobs": list(self.data_science.jobs.values()),
                "jobRuns": self.data_science.job_runs(),
                "buckets": [
                    {
                        "name": bucket.name,
                        "objects": [
                            {"name": name, "size": len(stored.data), "etag": stored.etag}
                            for name, stored in bucket.objects.items()
                        ],
                    }
                    for bucket in self.object_storage.buckets.values()
                ],
                "faults": [rule.to_json() for rule in self._faults.rules()],
                "requests": [dict(entry) for entry in self._requests],
                "unauthorizedCount": self._unauthorized,
            }

    def add_log_group(self, log_group_id: str, compartment_id: str) -> None:
        """A log group runs may log to (one a run names is added in the run's compartment)."""
        with self._lock:
            self.logging.add_log_group(log_group_id, compartment_id)

    def write_log(self, log_id: str, source: str, message: str,
                  time: datetime | None = None) -> None:
        """A record in ``log_id`` from ``source`` (a run's OCID), stamped ``time`` or now."""
        with self._lock:
            self.logging.write(log_id, source, message, time)

    def _run_outputs(self) -> list[RunOutput]:
        """Every run that logs, with what it printed so far when its executor ran it as a
        process (nothing otherwise)."""
        read = getattr(self.data_science.executor, "log", None)
        outputs = []
        now = utcnow()
        for run_id, record in self.data_science.runs.items():
            details = record.log_details
            if not details:
                continue
            stdout = stderr = ""
            if read is not None:
                try:
                    printed = read(run_id)
                    stdout, stderr = printed.stdout, printed.stderr
                except KeyError:  # not started yet
                    pass
            finished = self.data_science._progress(record, now).time_finished
            outputs.append(RunOutput(run_id, record.info.create_body["compartmentId"],
                                     details["logGroupId"], details["logId"], stdout, stderr,
                                     finished))
        return outputs

    def _check_namespace(self, namespace: str) -> None:
        if namespace != self.object_storage.namespace:
            raise ValueError(
                f"the emulator serves namespace {self.object_storage.namespace!r}, "
                f"not {namespace!r}"
            )

    # request handling ----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        """Answer one request; None means close the connection without answering."""
        if request.path.startswith(control.PREFIX):
            return _guard("control API", lambda: control.handle(self, request))
        route = (
            self.object_storage.resolve(request.method, request.path)
            or self.data_science.resolve(request.method, request.path)
            or self.logging.resolve(request.method, request.path)
        )
        if route is None:
            return self._finish(
                request, None, ApiError(404, "NotFound", "No such API route.").response()
            )
        try:
            request.principal = verify_request(request, self._issuer_key, route.signs_body)
        except SignatureError as error:
            with self._lock:
                self._unauthorized += 1
            return self._finish(
                request, route, ApiError(401, "NotAuthenticated", str(error)).response()
            )

        with self._lock:
            fault = self._faults.take(route.operation)
            generation = self._generation
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
            with self._lock:
                if generation != self._generation:
                    return None  # reset() while delayed: the request belongs to the past
        if fault is not None and fault.drop:
            return self._finish(request, route, None)
        if fault is not None and fault.status is not None:
            response = ApiError(
                fault.status, fault.code, fault.message or "Injected fault."
            ).response()
        else:
            response = self._call(route, request)
        if fault is not None and fault.drop_after:
            self._record(request, route, response.status, dropped=True, size=len(response.body))
            return None
        return self._finish(request, route, response)

    def _call(self, route: Route, request: Request) -> Response:
        with self._lock:
            self.logging.collect()  # what runs printed since, stamped about when printed
            return _guard(route.operation, lambda: route.handler(request))

    def _finish(
        self, request: Request, route: Route | None, response: Response | None
    ) -> Response | None:
        if response is None:
            self._record(request, route, None, dropped=True)
            return None
        client_id = request.header("opc-request-id")
        server_id = new_request_id()
        response.headers["opc-request-id"] = f"{client_id}/{server_id}" if client_id else server_id
        self._record(request, route, response.status, dropped=False, size=len(response.body))
        return response

    def _record(
        self,
        request: Request,
        route: Route | None,
        status: int | None,
        dropped: bool,
        size: int | None = None,
    ) -> None:
        operation = route.operation if route else None
        logger.info(
            "%s %s %s -> %s%s",
            operation,
            request.method,
            request.path,
            status,
            " (dropped)" if dropped else "",
        )
        entry = {
            "operation": operation,
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "status": status,
            "dropped": dropped,
            "range": request.header("range"),
            "responseBytes": size,
        }
        with self._lock:
            self._requests.append(entry)


def _guard(operation: str, answer: Callable[[], Response]) -> Response:
    """``answer()``, with OCI errors as their JSON answers and any other failure as a 500."""
    try:
        return answer()
    except ApiError as error:
        return error.response()
    except Exception:
        logger.exception("%s failed", operation)
        return ApiError(
            500, "InternalServerError", "The emulator failed to handle the request."
        ).response()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open.add(connection)
            else:
                self._open.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (e.g. after its read timeout) is not an emulator failure."""
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Close kept-alive connections so no request is served after stop()."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    # Headers and body go out in two sends; with Nagle on, the body would wait for the
    # client's delayed ACK (~40 ms a request). OCI's endpoints answer without that stall.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by the emulator, with their operation name."""

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        if length < 0:
            raise ValueError("negative content-length")
        return self.rfile.read(length)

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(
                ApiError(
                    400, "CannotParseRequest", "The request body framing is invalid."
                ).response()
            )
            return
        response = self.server.emulator.handle(Request(self.command, self.path, self.headers, body))
        if response is None:
            self.close_connection = True
            return
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status not in NO_BODY_STATUSES:
            self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in NO_BODY_STATUSES:
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _handle
