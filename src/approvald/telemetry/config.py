"""Where and how to export: the `[otel]` table of config.toml and the `OTEL_*` environment.

The environment wins, key by key, as OpenTelemetry's convention has it; the logs-specific
variable wins over the general one. Export is on when an endpoint is set and neither
`OTEL_SDK_DISABLED=true` nor `OTEL_LOGS_EXPORTER=none` says otherwise::

    [otel]
    endpoint = "https://collector.example.com:4318"  # base URL: /v1/logs is appended
    headers = { authorization = "Bearer ..." }       # sent with every request
    timeout_s = 10                                   # per request
    compression = "gzip"                             # or "none"
    certificate = "/etc/ssl/team-ca.pem"             # CA bundle for https (optional)
    client_certificate = "..."                       # mutual TLS (optional, with client_key)
    client_key = "..."
    service_name = "approvald"                       # resource service.name
    resource = { "team" = "platform" }               # more resource attributes
    max_queue_size = 10000                           # records held while the collector is away
    max_batch_size = 512                             # records per request
    schedule_delay_ms = 1000                         # how long a partial batch waits

Environment: OTEL_EXPORTER_OTLP_[LOGS_]ENDPOINT (the LOGS one is the full URL, used as is),
_HEADERS (`k=v,k2=v2`, values percent-decoded), _TIMEOUT (milliseconds), _COMPRESSION,
_CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY, _PROTOCOL (only `http/protobuf` is spoken);
OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES; OTEL_BLRP_MAX_QUEUE_SIZE,
OTEL_BLRP_MAX_EXPORT_BATCH_SIZE, OTEL_BLRP_SCHEDULE_DELAY (milliseconds).

Standard library only.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from approvald import __version__
from approvald.settings import read_table

LOGS_PATH = "v1/logs"
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_QUEUE = 10_000
DEFAULT_MAX_BATCH = 512
DEFAULT_DELAY_S = 1.0
COMPRESSIONS = ("gzip", "none")
PROTOCOL = "http/protobuf"
_KEYS = ("endpoint", "headers", "timeout_s", "compression", "certificate", "client_certificate",
         "client_key", "service_name", "resource", "max_queue_size", "max_batch_size",
         "schedule_delay_ms")


@dataclass(frozen=True)
class ExportConfig:
    logs_url: str  # where batches are POSTed
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_S
    compression: str = "none"
    certificate: str | None = None
    client_certificate: str | None = None
    client_key: str | None = None
    resource: dict[str, str] = field(default_factory=dict)
    max_queue_size: int = DEFAULT_MAX_QUEUE
    max_batch_size: int = DEFAULT_MAX_BATCH
    schedule_delay_s: float = DEFAULT_DELAY_S

    @property
    def shown_url(self) -> str:
        """The URL without user info or query (what status and logs may show)."""
        parts = urlsplit(self.logs_url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _Reader:
    """Reads one setting: the logs-specific variable, the general one, then config.toml."""

    def __init__(self, table: Mapping[str, Any], env: Mapping[str, str], problems: list[str]):
        self.table = table
        self.env = env
        self.problems = problems

    def env_value(self, name: str) -> str:
        for var in (f"OTEL_EXPORTER_OTLP_LOGS_{name}", f"OTEL_EXPORTER_OTLP_{name}"):
            value = self.env.get(var, "").strip()
            if value:
                return value
        return ""

    def text(self, env_name: str | None, key: str) -> str | None:
        value = self.env_value(env_name) if env_name else ""
        if value:
            return value
        raw = self.table.get(key)
        if raw is None:
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.problems.append(f"[otel] {key} must be a non-empty string; ignored")
            return None
        return raw.strip()

    def number(self, envs: tuple[str, ...], env_scale: float, key: str, key_scale: float,
               default: float, integer: bool = False) -> float:
        """A positive number: the first of `envs` set (times env_scale), else the table's `key`
        (times key_scale), else `default` (already in the unit wanted)."""
        for env in envs:
            raw_env = self.env.get(env, "").strip()
            if not raw_env:
                continue
            try:
                value = float(raw_env)
            except ValueError:
                value = 0.0
            if value > 0 and (not integer or value.is_integer()):
                return int(value) if integer else value * env_scale
            self.problems.append(f"{env}={raw_env!r} is not a positive "
                                 f"{'integer' if integer else 'number'}; ignored")
        raw = self.table.get(key)
        if raw is None:
            return default
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw <= 0 or (
                integer and not isinstance(raw, int)):
            kind = "a positive integer" if integer else "a positive number"
            self.problems.append(f"[otel] {key} must be {kind} (got {raw!r}); ignored")
            return default
        return raw if integer else raw * key_scale


def parse_pairs(text: str) -> dict[str, str]:
    """`k=v,k2=v2` (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES), values
    percent-decoded; pieces without `=` are skipped."""
    pairs: dict[str, str] = {}
    for piece in text.split(","):
        key, sep, value = piece.partition("=")
        if sep and key.strip():
            pairs[unquote(key.strip())] = unquote(value.strip())
    return pairs


def _string_table(doc: Mapping[str, Any], key: str, problems: list[str]) -> dict[str, str]:
    out = {}
    for name, value in read_table(doc, key, problems, within="otel.").items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            out[str(name)] = str(value)
        else:
            problems.append(f"[otel] {key}.{name} must be a string; ignored")
    return out


def _logs_url(read: _Reader) -> tuple[str | None, str]:
    """The URL batches go to, and where it came from."""
    full = read.env.get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "").strip()
    if full:
        return full, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"
    base = read.env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    source = "OTEL_EXPORTER_OTLP_ENDPOINT"
    if not base:
        base = read.text(None, "endpoint") or ""
        source = "[otel] endpoint"
    if not base:
        return None, ""
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + LOGS_PATH)), source


def _disabled(env: Mapping[str, str], problems: list[str]) -> bool:
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return True
    exporter = env.get("OTEL_LOGS_EXPORTER", "").strip().lower()
    if exporter in ("", "otlp"):
        return False
    if exporter != "none":
        problems.append(f"OTEL_LOGS_EXPORTER={exporter!r}: approvald exports over otlp only; "
                        "export is off")
    return True


def export_config(table: Mapping[str, Any], environ: Mapping[str, str] | None = None,
                  problems: list[str] | None = None) -> ExportConfig | None:
    """The export settings, or None when export is off. What was wrong and ignored is appended
    to `problems` (the daemon logs it)."""
    env = os.environ if environ is None else environ
    found: list[str] = [] if problems is None else problems
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        found.append(f"[otel] unknown key(s) {', '.join(unknown)}; ignored")
    if _disabled(env, found):
        return None
    read = _Reader(table, env, found)
    url, source = _logs_url(read)
    if url is None:
        return None
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https") or not urlsplit(url).hostname:
        found.append(f"{source} {url!r} is not an http(s) URL; export is off")
        return None
    protocol = read.env_value("PROTOCOL")
    if protocol and protocol != PROTOCOL:
        found.append(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: approvald speaks {PROTOCOL} "
                     "only; sending that")
    compression = (read.text("COMPRESSION", "compression") or "none").lower()
    if compression not in COMPRESSIONS:
        found.append(f"compression {compression!r} is not one of {', '.join(COMPRESSIONS)}; "
                     "sending uncompressed")
        compression = "none"
    headers = _string_table(table, "headers", found)
    headers.update(parse_pairs(env.get("OTEL_EXPORTER_OTLP_HEADERS", "")))
    headers.update(parse_pairs(env.get("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "")))
    timeout_s = read.number(("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"),
                            0.001, "timeout_s", 1.0, DEFAULT_TIMEOUT_S)
    max_queue = int(read.number(("OTEL_BLRP_MAX_QUEUE_SIZE",), 1, "max_queue_size", 1,
                                DEFAULT_MAX_QUEUE, integer=True))
    max_batch = int(read.number(("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",), 1, "max_batch_size", 1,
                                DEFAULT_MAX_BATCH, integer=True))
    delay_s = read.number(("OTEL_BLRP_SCHEDULE_DELAY",), 0.001, "schedule_delay_ms", 0.001,
                          DEFAULT_DELAY_S)
    return ExportConfig(
        logs_url=url, headers=headers, timeout_s=float(timeout_s), compression=compression,
        certificate=read.text("CERTIFICATE", "certificate"),
        client_certificate=read.text("CLIENT_CERTIFICATE", "client_certificate"),
        client_key=read.text("CLIENT_KEY", "client_key"),
        resource=_resource(table, env, found), max_queue_size=max_queue,
        max_batch_size=min(max_batch, max_queue), schedule_delay_s=float(delay_s))


def _resource(table: Mapping[str, Any], env: Mapping[str, str],
              problems: list[str]) -> dict[str, str]:
    """Who sends: service.name/version and host.name, then config.toml's `resource` table, then
    OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME (the later wins)."""
    resource = {"service.name": "approvald", "service.version": __version__,
                "host.name": socket.gethostname()}
    name = table.get("service_name")
    if isinstance(name, str) and name.strip():
        resource["service.name"] = name.strip()
    elif name is not None:
        problems.append("[otel] service_name must be a non-empty string; ignored")
    resource.update(_string_table(table, "resource", problems))
    resource.update(parse_pairs(env.get("OTEL_RESOURCE_ATTRIBUTES", "")))
    if env.get("OTEL_SERVICE_NAME", "").strip():
        resource["service.name"] = env["OTEL_SERVICE_NAME"].strip()
    return resource
