"""`approvald audit verify [--json]` and `approvald audit tail [--json] [-n N]`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from approvald.audit import AuditError, read_tail, verify_chain
from approvald.paths import get_paths


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="approvald audit",
                                     description="verify and read the hash-chained audit log")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = sub.add_parser("verify", help="check the whole hash chain (exit 1 if broken)")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    tail = sub.add_parser("tail", help="show the latest records")
    tail.add_argument("-n", type=int, default=20, metavar="N", help="how many (default 20)")
    tail.add_argument("--json", action="store_true", help="one JSON object a line")
    return parser


def _summary(record: dict[str, Any]) -> str:
    for key in ("summary", "reason", "approval_id", "lease_id", "name"):
        value = record.get(key)
        if value:
            text = str(value).replace("\n", " ")
            return text if len(text) <= 160 else text[:157] + "..."
    action = record.get("action")
    if isinstance(action, dict) and action.get("summary"):
        return str(action["summary"]).replace("\n", " ")[:160]
    return ""


def _verify(as_json: bool) -> int:
    result = verify_chain(get_paths().audit)
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
    for record in records:
        if as_json:
            print(json.dumps(record, ensure_ascii=False))
        else:
            decision = record.get("decision") or "-"
            print(f"{record.get('ts', '?')}  {record.get('event', '?'):<18}  {decision:<16}  "
                  f"{_summary(record)}")
    return 0


def main(argv: list[str]) -> int:
    opts = _parser().parse_args(argv)
    try:
        if opts.action == "verify":
            return _verify(opts.json)
        return _tail(opts.n, opts.json)
    except (OSError, AuditError) as exc:
        print(f"approvald audit: {exc}", file=sys.stderr)
        return 1
