"""OTLP protobuf: a batch of `LogEvent`s as an `ExportLogsServiceRequest`, and what the
collector's answer says (records it rejected).

Needs the `otel` extra (`opentelemetry-proto`, which brings `protobuf`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from approvald import __version__
from approvald.telemetry.records import AttrValue, LogEvent

SCOPE = "approvald"
CONTENT_TYPE = "application/x-protobuf"


def _set(target: AnyValue, value: AttrValue) -> None:
    if isinstance(value, bool):  # before int: bool is an int
        target.bool_value = value
    elif isinstance(value, int):
        target.int_value = value
    elif isinstance(value, float):
        target.double_value = value
    elif isinstance(value, list):
        values = target.array_value.values
        values.extend([])  # an empty list is still an (empty) array, not an unset value
        for item in value:
            _set(values.add(), item)
    else:
        target.string_value = str(value)


def _fill(pairs: Any, attributes: Mapping[str, AttrValue]) -> None:
    for key, value in attributes.items():
        pair = pairs.add()
        pair.key = key
        _set(pair.value, value)


def encode(batch: Iterable[LogEvent], resource: Mapping[str, str],
           pause: Callable[[], None] | None = None, pause_every: int = 8) -> bytes:
    """One request holding every event of `batch`, under one resource and scope. Messages are
    built in place (`add()`): building them with constructors copies each one again at every
    level of nesting, three times the cost. `pause` is called every `pause_every` records (the
    exporter lets other threads run there)."""
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add()
    _fill(resource_logs.resource.attributes, resource)
    scope_logs = resource_logs.scope_logs.add()
    scope_logs.scope.name = SCOPE
    scope_logs.scope.version = __version__
    observed = time.time_ns()
    for n, event in enumerate(batch):
        if pause is not None and n % pause_every == pause_every - 1:
            pause()
        record = scope_logs.log_records.add()
        record.time_unix_nano = event.time_ns
        record.observed_time_unix_nano = observed
        record.severity_number = event.severity  # type: ignore[assignment,unused-ignore]
        record.severity_text = event.severity_text
        record.event_name = event.name
        record.body.string_value = event.body
        _fill(record.attributes, event.attributes)
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
