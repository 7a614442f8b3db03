"""A real OTLP/HTTP logs receiver for tests: `POST /v1/logs` on 127.0.0.1, the body decoded with
the published opentelemetry-proto package, each log record kept as a plain dict.

Modes: `ok` (200 with an empty response), `fail` (503, a transient error), `refuse` (400, for
good), `hang` (reads the request, then answers nothing until `release()` or the test ends),
`reject` (200 with a partial success rejecting every record).
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsPartialSuccess,
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

HANG_LIMIT_S = 120.0


def plain(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [plain(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: plain(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind) if kind else None


class OtlpReceiver:
    def __init__(self, mode: str = "ok"):
        self.mode = mode
        self.records: list[dict[str, Any]] = []
        self.requests: list[dict[str, str]] = []  # headers of every request received
        self._lock = threading.Lock()
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                found = receiver._received(self.path, dict(self.headers.items()), body)
                if receiver.mode == "hang":
                    receiver._released.wait(HANG_LIMIT_S)
                if receiver.mode == "ok":  # only what the collector took counts as received
                    receiver._took(found)
                if receiver.mode == "fail":
                    self._answer(503, b"")
                elif receiver.mode == "refuse":
                    self._answer(400, b"")
                elif receiver.mode == "reject":
                    count = len(ExportLogsServiceRequest.FromString(
                        _inflate(self.headers, body)).resource_logs[0].scope_logs[0].log_records)
                    partial = ExportLogsPartialSuccess(rejected_log_records=count,
                                                       error_message="not today")
                    self._answer(200, ExportLogsServiceResponse(
                        partial_success=partial).SerializeToString())
                else:
                    self._answer(200, ExportLogsServiceResponse().SerializeToString())

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/x-protobuf")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting (a hung collector's client does)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def release(self) -> None:
        """A hung collector answers (and answers at once from now on)."""
        self.mode = "ok" if self.mode == "hang" else self.mode
        self._released.set()

    def _received(self, path: str, headers: dict[str, str],
                  body: bytes) -> list[dict[str, Any]]:
        with self._lock:
            self.requests.append({"path": path, **{k.lower(): v for k, v in headers.items()}})
        if path != "/v1/logs":
            return []
        request = ExportLogsServiceRequest.FromString(_inflate(headers, body))
        found = []
        for resource_logs in request.resource_logs:
            resource = {kv.key: plain(kv.value) for kv in resource_logs.resource.attributes}
            for scope_logs in resource_logs.scope_logs:
                for record in scope_logs.log_records:
                    found.append({
                        "event_name": record.event_name,
                        "time_unix_nano": record.time_unix_nano,
                        "severity_number": int(record.severity_number),
                        "severity_text": record.severity_text,
                        "body": plain(record.body),
                        "attributes": {kv.key: plain(kv.value) for kv in record.attributes},
                        "resource": resource, "scope": scope_logs.scope.name,
                    })
        return found

    def _took(self, found: list[dict[str, Any]]) -> None:
        with self._lock:
            self.records.extend(found)

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool],
                 timeout: float = 20.0) -> list[dict[str, Any]]:
        """The records received once `predicate(records)` holds; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                records = list(self.records)
            if predicate(records):
                return records
            time.sleep(0.05)
        raise AssertionError(f"the collector did not get what was expected: {self.records}")

    def named(self, event_name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.records if r["event_name"] == event_name]


def _inflate(headers: Any, body: bytes) -> bytes:
    encoding = headers.get("Content-Encoding") or headers.get("content-encoding") or ""
    return gzip.decompress(body) if encoding == "gzip" else body
