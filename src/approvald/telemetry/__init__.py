"""Sending approvald's records to a team's OpenTelemetry collector (OTLP/HTTP, protobuf).

- `config`: where to and how, from the `[otel]` table of config.toml and the standard `OTEL_*`
  variables (which win); None when export is off.
- `records`: an audit record (or a doctor finding) as an OpenTelemetry log record: event name,
  time, severity, body and attributes (GenAI conventions where they fit, `approvald.*` for the
  rest), redacted.
- `otlp`: the protobuf encoding (the `opentelemetry-proto` package, the `otel` extra).
- `sender`: one HTTP POST of an encoded batch, and what its answer means (sent, retry, refused).
- `exporter`: a bounded queue, one worker thread, batching, retry with backoff, and the counts
  (`sent`, `dropped`) that `status` shows. Offering a record never blocks.

Only `config` and `records` are imported without the extra; the daemon imports the rest when
export is configured, `approvald audit export --format otlp` when asked.
"""

from __future__ import annotations

EXTRA_HINT = "install the otel extra: pip install 'approvald[otel]'"


def extra_missing() -> str | None:
    """Why OTLP export cannot run here (the extra is not installed), or None when it can."""
    try:
        import opentelemetry.proto.collector.logs.v1.logs_service_pb2  # noqa: F401
    except ImportError as exc:
        return f"OTLP export needs the opentelemetry-proto package ({exc}); {EXTRA_HINT}"
    return None
