"""`approvald approvals list|approve|deny|revoke|grants`: the operator's side of approvals."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from approvald.cli.output import parser_with_examples
from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonError

SUGGEST_AFTER = 2  # past approvals a rule would have spared before one is suggested
LIST_FIELDS = ("id", "fingerprint", "status", "created_at", "expires_at", "decided_at",
               "decided_by", "decision_reason", "scope", "used_at", "agent", "session_id",
               "cwd", "tool", "kind", "summary", "rules", "reason", "trigger", "policy_hash")
EXAMPLES = """\
examples:
  approvald approvals list                      what waits for you now
  approvald approvals approve 3f9a              approve once (any unique id prefix works)
  approvald approvals approve 3f9a --session    ... and the same action for that session
  approvald approvals approve 3f9a --always     ... and write a rule allowing ones like it
  approvald approvals deny 3f9a --reason 'use a PR'   the agent reads the reason
  approvald approvals grants                    grants that still admit an action
  approvald approvals revoke 3f9a               withdraw one of them
"""


def parser() -> argparse.ArgumentParser:
    parser = parser_with_examples("approvald approvals", __doc__, EXAMPLES)
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="pending approvals (--all: decided ones too)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--all", action="store_true", help="include decided approvals")
    approve = sub.add_parser("approve", help="approve one pending approval")
    approve.add_argument("id", help="the approval's id, or any unique prefix of it")
    approve.add_argument("--session", action="store_true",
                         help="admit the same action for the rest of that agent session")
    approve.add_argument("--always", action="store_true",
                         help="also write a rule, proposed from this request, that allows "
                              "requests like it from now on (printed first); for the agent's "
                              "own permission prompt, the agent keeps its rule too")
    approve.add_argument("--json", action="store_true", help="print the approval as JSON")
    deny = sub.add_parser("deny", help="deny one pending approval")
    deny.add_argument("id", help="the approval's id, or any unique prefix of it")
    deny.add_argument("--reason", default=None, help="words the agent will read")
    deny.add_argument("--json", action="store_true", help="print the approval as JSON")
    revoke = sub.add_parser("revoke", help="withdraw a standing grant (session, or unused once)")
    revoke.add_argument("id", help="the approval's id, or any unique prefix of it")
    revoke.add_argument("--json", action="store_true", help="print the approval as JSON")
    grants = sub.add_parser("grants", help="grants that still admit an action (--all: every "
                                           "recent approval, used or not)")
    grants.add_argument("--json", action="store_true", help="print JSON")
    grants.add_argument("--all", action="store_true", help="include used, revoked and expired")
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
        if item.get("status") == "pending" and item.get("agent_gone_at"):
            lines.append(f"    agent no longer waiting (since {item['agent_gone_at']}): "
                         "approving it lets nothing through")
    return "\n".join(lines)


def render_grants(items: list[dict[str, Any]]) -> str:
    if not items:
        return "no standing grants"
    lines = []
    for item in items:
        uses = int(item.get("use_count") or 0)
        used = f"used {uses}x, last {item.get('used_at')}" if uses else "not used yet"
        until = (f", admits nothing after {item['grant_expires_at']}"
                 if item.get("grant") == "standing" and item.get("grant_expires_at") else "")
        lines.append(f"{item['id']}  {item.get('grant') or '-':<8}  {item.get('scope') or '-':<7}"
                     f"  {used}{until}")
        lines.append(f"    {item.get('summary', '')}")
        lines.append(f"    {item.get('agent') or '-'}  session {item.get('session_id', '')}  "
                     f"cwd {item.get('cwd', '')}")
    return "\n".join(lines)


def _tip(client: DaemonClient, approval_id: str) -> str | None:
    """After a few approvals of the same kind, the rule that would spare the next ones."""
    try:
        proposal = client.proposal(approval_id)
    except DaemonError:
        return None  # nothing to suggest (or it cannot be said): approving goes on
    count = int(proposal.get("approved_like_this") or 0)
    if count < SUGGEST_AFTER:
        return None
    return (f"tip: you approved {count} like this before; `approvald approvals approve ID "
            f"--always` would {proposal['summary']} from now on")


def _outcome(result: dict[str, Any], verb: str) -> str:
    line = f"{result.get('id')} {verb}: {result.get('summary', '')}"
    rule = result.get("rule")
    if isinstance(rule, dict):
        line += (f"\n  rule {rule.get('id')} is in force ({rule.get('file')}); requests like "
                 "this one are allowed from now on, in any session")
        if rule.get("policy_error"):
            line += f"\n  but the policy did not reload: {rule['policy_error']}"
    if result.get("grant") == "none":
        line += ("\n  its agent had stopped waiting, so nothing was let through and no grant "
                 "is left; when the agent asks again, the request appears anew")
    return line


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    client = DaemonClient()
    try:
        if opts.command in ("list", "grants"):
            if opts.command == "list":
                items = client.approvals("all" if opts.all else "pending")
            else:
                items = client.grants(standing_only=not opts.all)
            if opts.json:
                print(json.dumps([{k: i.get(k) for k in LIST_FIELDS} | i for i in items],
                                 indent=2, ensure_ascii=False))
            else:
                print(render_list(items) if opts.command == "list" else render_grants(items))
            return 0
        if opts.command == "approve":
            scope = "session" if opts.session else "once"
            tip = None
            if opts.always:
                proposal = client.proposal(opts.id)
                if not opts.json:
                    print(f"rule {proposal['rule_id']} ({proposal['summary']}), written to "
                          f"{proposal['file']}:\n{proposal['text']}", flush=True)
                    kept = (proposal.get("agent_rule") or {}).get("summary")
                    if kept:  # the agent's own permission prompt: its settings get one too
                        print(f"and {kept}", flush=True)
            elif not opts.json:
                tip = _tip(client, opts.id)
            result = client.approve(opts.id, scope=scope, by="cli", always=opts.always)
            verb = "approved for this session" if opts.session else "approved once"
            if tip:
                verb += f"\n{tip}"
        elif opts.command == "revoke":
            result = client.revoke(opts.id)
            verb = "revoked"
        else:
            result = client.deny(opts.id, reason=opts.reason, by="cli")
            verb = "denied"
    except DaemonError as exc:
        print(f"approvald approvals: {exc}", file=sys.stderr)
        return 1
    if opts.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(_outcome(result, verb))
    return 0
