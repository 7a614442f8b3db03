"""OTLP protobuf: a batch of `LogEvent`s as an `ExportLogsServiceRequest`, and what the
collector's answer says (records it rejected).

Needs the `otel` extra (`opentelemetry-proto`, which brings `protobuf`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from approvald import __version__
from approvald.telemetry.records import AttrValue, LogEvent

SCOPE = "approvald"
CONTENT_TYPE = "application/x-protobuf"


def _any(value: AttrValue) -> AnyValue:
    if isinstance(value, bool):  # before int: bool is an int
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, list):
        return AnyValue(array_value=ArrayValue(values=[_any(v) for v in value]))
    return AnyValue(string_value=str(value))


def _pairs(attributes: Mapping[str, AttrValue]) -> list[KeyValue]:
    return [KeyValue(key=key, value=_any(value)) for key, value in attributes.items()]


def encode(batch: Iterable[LogEvent], resource: Mapping[str, str]) -> bytes:
    """One request holding every event of `batch`, under one resource and scope."""
    observed = time.time_ns()
    records = [LogRecord(time_unix_nano=event.time_ns, observed_time_unix_nano=observed,
                         severity_number=event.severity,  # type: ignore[arg-type]
                         severity_text=event.severity_text, event_name=event.name,
                         body=AnyValue(string_value=event.body),
                         attributes=_pairs(event.attributes))
               for event in batch]
    request = ExportLogsServiceRequest(resource_logs=[ResourceLogs(
        resource=Resource(attributes=_pairs(dict(resource))),
        scope_logs=[ScopeLogs(scope=InstrumentationScope(name=SCOPE, version=__version__),
                              log_records=records)])])
    return bytes(request.SerializeToString())


def rejected(body: bytes) -> tuple[int, str]:
    """(records the collector rejected, its message) from a success answer's body; a body that
    is empty or not a response rejects nothing."""
    if not body:
        return 0, ""
    response = ExportLogsServiceResponse()
    try:
        response.ParseFromString(body)
    except Exception:  # protobuf's DecodeError; a proxy's HTML page, say
        return 0, ""
    partial = response.partial_success
    return int(partial.rejected_log_records), str(partial.error_message)
