"""`approvald audit verify [--json]`, `approvald audit tail [--json] [-n N]` and
`approvald audit export --format jsonl|otlp [--since ISO-8601] [--endpoint URL]`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

from approvald.audit import AuditError, read_records, read_tail, verify_chain
from approvald.cli.output import Parser, fail
from approvald.paths import get_paths
from approvald.settings import ConfigError, load_settings
from approvald.telemetry.records import parse_ts

PROG = "approvald audit export"


def parser() -> argparse.ArgumentParser:
    parser = Parser(prog="approvald audit",
                    description="verify and read the hash-chained audit log",
                    formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
                        "examples:\n"
                        "  approvald audit verify\n"
                        "  approvald audit tail -n 50          outcome and who decided\n"
                        "  approvald audit tail --json | jq 'select(.event == \"decision\")'\n"
                        "  approvald audit export --format jsonl --since 2026-01-02"))
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = sub.add_parser("verify", help="check the whole hash chain (exit 1 if broken)")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    tail = sub.add_parser("tail", help="show the latest records")
    tail.add_argument("-n", type=int, default=20, metavar="N", help="how many (default 20)")
    tail.add_argument("--json", action="store_true", help="one JSON object a line")
    export = sub.add_parser("export", help="print (jsonl) or send (otlp) past records")
    export.add_argument("--format", required=True, choices=("jsonl", "otlp"),
                        help="jsonl: the records as stored, to stdout; otlp: to the collector")
    export.add_argument("--since", metavar="ISO-8601",
                        help="only records written at or after this time (naive: UTC)")
    export.add_argument("--endpoint", metavar="URL",
                        help="otlp: the collector's base URL (default: OTEL_EXPORTER_OTLP_"
                             "ENDPOINT, else [otel] endpoint in config.toml)")
    return parser


def _summary(record: dict[str, Any]) -> str:
    for key in ("summary", "reason", "name"):
        value = record.get(key)
        if value:
            text = str(value).replace("\n", " ")
            return text if len(text) <= 160 else text[:157] + "..."
    action = record.get("action")
    if isinstance(action, dict) and action.get("summary"):
        return str(action["summary"]).replace("\n", " ")[:160]
    return ""


def outcome_of(record: dict[str, Any]) -> tuple[str, str]:
    """(what happened, who decided) for a person reading one record."""
    event = str(record.get("event") or "")
    if event == "decision":
        decision = str(record.get("decision") or "-")
        if record.get("approval_status") == "granted":
            scope = record.get("scope") or "once"
            return f"ALLOWED by {scope} grant {record.get('approval_id')}", "grant"
        if record.get("approval_status") == "pending":
            return f"{decision} -> {record.get('approval_id')}", "policy"
        return decision, "policy"
    if event == "approval.decided":
        status = str(record.get("status") or "?").upper()
        scope = f" ({record['scope']})" if record.get("scope") else ""
        return f"{status}{scope} {record.get('approval_id')}", str(record.get("decided_by")
                                                                   or "-")
    if event == "approval.revoked":
        return f"REVOKED {record.get('approval_id')}", str(record.get("revoked_by") or "-")
    if event == "approval.agent_gone":
        return f"AGENT GONE {record.get('approval_id')}", "-"
    if event == "approval.requested":
        return f"ASKED {record.get('approval_id')}", "policy"
    if event.startswith("lease."):
        by = record.get("revoked_by") or record.get("requested_by") or "-"
        return f"{event.split('.', 1)[1].upper()} {record.get('lease_id') or ''}".strip(), \
            str(by)
    return str(record.get("decision") or record.get("status") or "-"), "-"


def _human(record: dict[str, Any]) -> str:
    outcome, by = outcome_of(record)
    line = (f"{record.get('ts', '?')}  {record.get('event', '?'):<19} {outcome:<34} "
            f"{by:<9}  {_summary(record)}")
    words = record.get("decision_reason")
    if words and record.get("event") == "approval.decided":
        line += f"  [{record.get('decided_by') or '?'} wrote: {str(words)[:120]}]"
    return line


def _anchor() -> tuple[int, str] | None:
    """The chain's end as the daemon's database recorded it (None without a database)."""
    paths = get_paths()
    if not paths.database.exists():
        return None
    from approvald.storage.anchor import AuditAnchor
    from approvald.storage.database import Database

    with Database(paths.database) as database:
        return AuditAnchor(database).get()


def _verify(as_json: bool) -> int:
    result = verify_chain(get_paths().audit, _anchor())
    if as_json:
        print(json.dumps(result.to_json()))
    elif result.ok:
        print(f"ok: {result.message}")
    else:
        where = result.file or "?"
        if result.line is not None:
            where += f" line {result.line}"
        print(f"audit chain broken at {where}: {result.message} "
              f"({result.records} records before it verified)")
    return 0 if result.ok else 1


def _tail(count: int, as_json: bool) -> int:
    if count < 0:
        print("approvald audit tail: -n must be 0 or more", file=sys.stderr)
        return 2
    records = read_tail(get_paths().audit, count) if count else []
    if records and not as_json:
        print(f"{'time':<29}  {'event':<19} {'outcome':<34} {'by':<9}  what")
    for record in records:
        print(json.dumps(record, ensure_ascii=False) if as_json else _human(record))
    return 0


def _since(records: Iterator[dict[str, Any]], since_ns: int | None
           ) -> Iterator[dict[str, Any]]:
    for record in records:
        if since_ns is None or (parse_ts(record.get("ts")) or 0) >= since_ns:
            yield record


def _export(fmt: str, since: str | None, endpoint: str | None) -> int:
    since_ns = None
    if since is not None:
        since_ns = parse_ts(since)
        if since_ns is None:
            return fail(PROG, f"--since {since!r} is not an ISO 8601 time "
                              "(e.g. 2026-01-02 or 2026-01-02T03:04:05Z)", 2)
    records = _since(read_records(get_paths().audit), since_ns)
    if fmt == "jsonl":
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
        return 0
    return _send(records, endpoint)


def _send(records: Iterator[dict[str, Any]], endpoint: str | None) -> int:
    from approvald.telemetry import extra_missing
    from approvald.telemetry.config import export_config

    try:
        settings = load_settings(get_paths().config)
    except ConfigError as exc:
        return fail(PROG, str(exc), 2)
    table = {**settings.otel, **({"endpoint": endpoint} if endpoint else {})}
    environ = dict(os.environ)
    if endpoint:  # the flag wins over the environment too
        for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                    "OTEL_SDK_DISABLED", "OTEL_LOGS_EXPORTER"):
            environ.pop(var, None)
    problems: list[str] = []
    config = export_config(table, environ, problems)
    for problem in problems:
        print(f"{PROG}: warning: {problem}", file=sys.stderr)
    if config is None:
        return fail(PROG, "no collector to send to: pass --endpoint URL, or set "
                          "OTEL_EXPORTER_OTLP_ENDPOINT or [otel] endpoint in config.toml", 2)
    missing = extra_missing()
    if missing is not None:
        return fail(PROG, missing)
    from approvald.telemetry.backfill import send_records

    result = send_records(records, config)
    where = config.shown_url
    if result.error is not None:
        resume = f"; send the rest with --since {result.resume_from}" if result.resume_from \
            else ""
        return fail(PROG, f"sent {result.sent} record(s) to {where}, then stopped: "
                          f"{result.error}{resume}")
    rejected = f", {result.rejected} rejected by the collector" if result.rejected else ""
    print(f"sent {result.sent} record(s) to {where}{rejected}", file=sys.stderr)
    return 1 if result.rejected else 0


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    try:
        if opts.action == "verify":
            return _verify(opts.json)
        if opts.action == "export":
            return _export(opts.format, opts.since, opts.endpoint)
        return _tail(opts.n, opts.json)
    except (OSError, AuditError) as exc:
        print(f"approvald audit: {exc}", file=sys.stderr)
        return 1
