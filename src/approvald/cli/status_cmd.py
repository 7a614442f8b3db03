"""`approvald status [--json]`: is a daemon answering for this home? (exit 0 yes, 1 no)"""

from __future__ import annotations

import argparse
import json
from typing import Any

from approvald.cli.output import Parser
from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonError, DaemonUnavailable


def render(status: dict[str, Any]) -> str:
    if not status.get("running"):
        return "approvald daemon: not running" + (
            f" ({status['error']})" if status.get("error") else "")
    lines = [f"approvald daemon: running (pid {status.get('pid')}, version "
             f"{status.get('version')})"]
    for key in ("home", "socket", "started_at", "policy_hash", "pending", "sessions",
                "approval_timeout_s"):
        lines.append(f"  {key:<18} {status.get(key)}")
    if status.get("policy_error"):
        lines.append(f"  policy_error       {status['policy_error']}")
    export = status.get("export")
    if isinstance(export, dict):
        lines.append(f"  export             {export_summary(export)}")
    return "\n".join(lines)


def export_summary(export: dict[str, Any]) -> str:
    """`sent 12, dropped 0 -> http://collector:4318/v1/logs`, and the last error if any."""
    text = (f"sent {export.get('sent', 0)}, dropped {export.get('dropped', 0)}"
            f" -> {export.get('endpoint', '?')}")
    if export.get("error"):
        text += f" (last error: {export['error']})"
    if export.get("first_dropped_at"):
        text += (f"; resend with: approvald audit export --format otlp --since "
                 f"{export['first_dropped_at']}")
    return text


def parser() -> argparse.ArgumentParser:
    parser = Parser(prog="approvald status", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    client = DaemonClient(timeout=5.0)
    try:
        status = client.status()
        code = 0 if status.get("running") else 1
    except DaemonUnavailable:
        status, code = {"running": False}, 1
    except DaemonError as exc:
        status, code = {"running": False, "error": str(exc)}, 1
    print(json.dumps(status, indent=2) if opts.json else render(status))
    return code
