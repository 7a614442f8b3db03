"""`approvald approvals list|approve|deny`: the operator's side of approvals."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonError

LIST_FIELDS = ("id", "fingerprint", "status", "created_at", "expires_at", "decided_at",
               "decided_by", "decision_reason", "scope", "used_at", "agent", "session_id",
               "cwd", "tool", "kind", "summary", "rules", "reason", "trigger", "policy_hash")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="approvald approvals", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="pending approvals (--all: decided ones too)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--all", action="store_true", help="include decided approvals")
    approve = sub.add_parser("approve", help="approve one pending approval")
    approve.add_argument("id")
    approve.add_argument("--session", action="store_true",
                         help="admit the same action for the rest of that agent session")
    approve.add_argument("--json", action="store_true", help="print the approval as JSON")
    deny = sub.add_parser("deny", help="deny one pending approval")
    deny.add_argument("id")
    deny.add_argument("--reason", default=None, help="words the agent will read")
    deny.add_argument("--json", action="store_true", help="print the approval as JSON")
    return parser


def _short(fingerprint: str) -> str:
    return fingerprint.removeprefix("sha256:")[:12]


def render_list(items: list[dict[str, Any]]) -> str:
    if not items:
        return "no approvals"
    lines = []
    for item in items:
        lines.append(f"{item['id']}  {item['status']:<8}  {item.get('created_at', '')}  "
                     f"{item.get('agent') or '-'}  {item.get('tool', '')}  "
                     f"{_short(str(item.get('fingerprint', '')))}")
        lines.append(f"    {item.get('summary', '')}")
        lines.append(f"    cwd {item.get('cwd', '')}  session {item.get('session_id', '')}")
        lines.append(f"    {', '.join(item.get('rules') or [])}: {item.get('reason', '')}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    opts = _parser().parse_args(argv)
    client = DaemonClient()
    try:
        if opts.command == "list":
            items = client.approvals("all" if opts.all else "pending")
            if opts.json:
                print(json.dumps([{k: i.get(k) for k in LIST_FIELDS} | i for i in items],
                                 indent=2, ensure_ascii=False))
            else:
                print(render_list(items))
            return 0
        if opts.command == "approve":
            scope = "session" if opts.session else "once"
            result = client.approve(opts.id, scope=scope, by="cli")
            verb = "approved for this session" if opts.session else "approved once"
        else:
            result = client.deny(opts.id, reason=opts.reason, by="cli")
            verb = "denied"
    except DaemonError as exc:
        print(f"approvald approvals: {exc}", file=sys.stderr)
        return 1
    if opts.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"{result.get('id', opts.id)} {verb}: {result.get('summary', '')}")
    return 0
