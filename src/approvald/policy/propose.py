""""Allow commands like this": a narrow ALLOW rule proposed from one request and its decision.

The public surface (the CLI's `approvals approve --always`, the daemon's proposal route and the
dashboard's `A` use it; so may any surface that offers "always allow")::

    proposal = propose(action, decision, engine)   # NotProposable(reason) when it must not be
    proposal.summary    # "allow git push origin feature/* in webshop"
    proposal.text       # the rule as YAML, exactly as it will be written
    proposal.matches(actions, engine)  # which of these actions the rule would have allowed
    path = write(proposal, engine.paths.policies)  # appended to approved.yaml there

`decision` must come from `engine.evaluate(action)` (its matches and analysis are read). The
rule is as narrow as the request: the same program with exactly the same arguments (a git
branch under a namespace, `feature/login`, becomes `feature/*`), in the same directory; a file
tool's exact path; a fetch's host and method; an MCP server's tool. It does not outvote the
starter rules: it `overrides` exactly the REQUIRE_APPROVAL rules that asked for this request
(approvald.policy.overrides), so every other rule, and any DENY, still holds.

Never proposed: for anything but REQUIRE_APPROVAL (a DENY stays a DENY; an ALLOW only for the
agent's own permission prompt, `agent_prompt`), for self-protection, the organisation's managed
rules or a project's rules, for what is built at run time, for a line judged as a whole (a
download piped into a shell), or for commands that write files through redirections.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from approvald.model.actions import Action, url_host
from approvald.model.kinds import FS_READ, FS_WRITE, MCP_CALL, NET_HTTP, PROCESS_EXEC
from approvald.policy import layers
from approvald.policy.decision import ALLOW, REQUIRE_APPROVAL, Decision
from approvald.policy.errors import PolicyError
from approvald.policy.globs import GLOB_SYNTAX
from approvald.policy.loader import parse_bundle

__all__ = ["APPROVED_FILE", "NotProposable", "Proposal", "propose", "write"]

APPROVED_FILE = "approved.yaml"
MAX_COMMANDS = 4
_BRANCH_VERBS = frozenset({"push", "fetch", "pull", "checkout", "switch", "merge", "rebase"})
_NAMESPACED = re.compile(r"^([A-Za-z][A-Za-z0-9._-]*)/[A-Za-z0-9._/-]+$")
_HEADER = """\
# Rules approvald wrote when you chose "allow commands like this" (`approvald approvals
# approve ID --always`, or A in the dashboard). Each allows what one request asked for, no
# more, and `overrides` only the rules that asked you. Edit or delete them freely;
# `approvald policy check` validates them and `approvald policy explain -c CMD` shows them work.
rules:
"""
_NOT_OURS = {layers.BUILTIN: "approvald's self-protection",
             layers.MANAGED: "your organisation's managed policy",
             layers.PROJECT: "the project's own policy"}


class NotProposable(Exception):
    """Why no rule is offered for this request (one sentence for the person)."""


class Engine(Protocol):
    """What of a policy engine the proposal needs (approvald.policy.PolicyEngine)."""

    paths: Any

    def evaluate(self, action: Action) -> Decision: ...

    def layer_of(self, source: str) -> str: ...


@dataclass(frozen=True)
class Proposal:
    rule_id: str
    summary: str
    rule: dict[str, Any]

    @property
    def overrides(self) -> tuple[str, ...]:
        return tuple(self.rule.get("overrides", ()))

    @property
    def text(self) -> str:
        """The rule as one item of a `rules:` list, with a comment saying what it allows."""
        body = yaml.safe_dump([self.rule], sort_keys=False, default_flow_style=None,
                              width=10_000, allow_unicode=True)
        lines = [f"  {line}" if line else line for line in body.splitlines()]
        return f"  # {self.summary}\n" + "\n".join(lines) + "\n"

    def matches(self, actions: Iterable[Action], engine: Engine) -> list[Action]:
        """Which of `actions` this rule would have matched (the preview)."""
        from approvald.policy.engine import PolicyEngine

        bundle = parse_bundle(_HEADER + self.text, "<proposal>")
        alone = PolicyEngine(engine.paths, [bundle], include_project=False,
                             home=getattr(engine, "home", None))
        return [a for a in actions
                if any(m.rule == self.rule_id for m in alone.evaluate(a).matches)]


def propose(action: Action, decision: Decision, engine: Engine, *,
            approval_id: str = "", agent_prompt: bool = False) -> Proposal:
    """The narrowest rule that allows `action` from now on, in any session.

    `agent_prompt`: the request is the agent's own permission prompt (Claude Code's
    PermissionRequest), which waits for a person even where approvald's policy allows it; then
    an ALLOW decision may become a rule too, covering every command of the line and setting
    nothing aside. A DENY never does."""
    whole_line = agent_prompt and decision.decision == ALLOW
    if decision.decision != REQUIRE_APPROVAL and not whole_line:
        raise NotProposable(f"only a request that waits for a person can become a rule; "
                            f"this one is {decision.decision}")
    gating = [m for m in decision.matches if m.decision == REQUIRE_APPROVAL]
    overrides = getattr(engine, "overrides", None)
    for found in gating:
        layer = engine.layer_of(found.source)
        if layer in _NOT_OURS or found.rule.startswith("self."):
            raise NotProposable(f"{found.rule} comes from {_NOT_OURS.get(layer, layer)}; a "
                                "rule of yours cannot allow what it asks about")
        why = (overrides.refusal(found.rule, on_commands=action.kind == PROCESS_EXEC)
               if overrides is not None else None)
        if why is not None:
            raise NotProposable(f"{found.rule} cannot be set aside by a rule of yours ({why})")
    rule_ids = sorted({m.rule for m in gating})
    where = ""
    if action.kind == PROCESS_EXEC and action.command is not None:
        match, what, directories = _shell_match(action, decision, set(rule_ids), whole_line)
        if len(directories) == 1:
            where = f" in {_place(directories[0])}"
    else:
        if any(m.target != action.summary for m in gating):
            raise NotProposable("what needs a person here is inside the call's arguments; "
                                "approve it as it is")
        match, what = _tool_match(action)
    rule: dict[str, Any] = {"id": "", "decision": ALLOW, "reason": ""}
    if rule_ids:
        rule["overrides"] = rule_ids
    rule["match"] = match
    digest = hashlib.sha256(json.dumps([match, rule_ids], sort_keys=True).encode()
                            ).hexdigest()[:6]
    rule["id"] = f"{_slug('allow ' + what)}-{digest}"
    summary = f"allow {what}{where}"
    made = time.strftime("%Y-%m-%d")
    rule["reason"] = (f"You allowed this on {made}" + (f" from approval {approval_id}"
                                                       if approval_id else "") + ".")
    return Proposal(rule_id=rule["id"], summary=summary, rule=rule)


def _shell_match(action: Action, decision: Decision, gating: set[str], whole_line: bool
                 ) -> tuple[dict[str, Any], str, list[str]]:
    commands = list(decision.analysis)
    by_default = not gating
    gated = commands if whole_line else [
        c for c in commands if (set(c["matched"]) & gating) or (by_default and not c["matched"])]
    if not gated:
        raise NotProposable("no single command of this line is what needs a person")
    if len(gated) > MAX_COMMANDS:
        raise NotProposable(f"{len(gated)} commands of this line need a person; approve it as "
                            "it is, or write a rule by hand")
    branches, names = [], []
    for command in gated:
        if command["dynamic"]:
            raise NotProposable(f"{' '.join(command['argv']) or 'a command'} is built at run "
                                "time, so no rule can say what it will be")
        if command["redirects"]:
            raise NotProposable(f"{' '.join(command['argv'])} writes or reads files through "
                                "redirections; approve it as it is")
        args = [_generalize(command, i, a) for i, a in enumerate(command["args"])]
        branch: dict[str, Any] = {"program": _literal(command["program"])}
        if args:
            branch["args_exact"] = args
            if any(a != _literal(w) for a, w in zip(args, command["args"], strict=True)):
                # A widened branch (`feature/*`) must not take a refspec (`feature/x:main`
                # pushes to main): a word pattern's `*` matches `:` too.
                branch["not_any_arg"] = ["*:*"]
        else:
            branch["not_any_arg"] = ["*"]  # the program alone, with no argument at all
        if command["cwd"]:
            branch["cwd"] = _literal(command["cwd"])
        if branch not in branches:
            branches.append(branch)
            names.append(" ".join([command["program"], *(a.replace("[*]", "*") for a in args)]))
    match = branches[0] if len(branches) == 1 else {"any_of": branches}
    directories = list(dict.fromkeys(c["cwd"] for c in gated if c["cwd"]))
    return match, " and ".join(names), directories


def _tool_match(action: Action) -> tuple[dict[str, Any], str]:
    if action.kind in (FS_READ, FS_WRITE) and len(action.paths) == 1:
        verb = "writing" if action.kind == FS_WRITE else "reading"
        return ({"kind": action.kind, "path": _literal(action.paths[0])},
                f"{verb} {action.paths[0]}")
    if action.kind == NET_HTTP and action.url:
        method = str(action.input.get("method") or "GET").upper()
        host = url_host(action.url)
        return ({"kind": NET_HTTP, "url_host": _literal(host), "http_method": method},
                f"{method} requests to {host}")
    if action.kind == MCP_CALL and action.mcp_server and action.mcp_tool:
        return ({"mcp_server": _literal(action.mcp_server), "mcp_tool": _literal(
            action.mcp_tool)}, f"MCP {action.mcp_server}.{action.mcp_tool}")
    raise NotProposable(f"no rule can be proposed for a {action.kind} request like this one")


def _generalize(command: dict[str, Any], index: int, word: str) -> str:
    """The argument as a pattern: itself (glob characters made literal), except a git branch
    under a namespace (`git push origin feature/login`: `feature/*`)."""
    args = command["args"]
    found = _NAMESPACED.match(word)
    if (command["program"] == "git" and index > 0 and args and args[0] in _BRANCH_VERBS
            and found and not os.path.exists(os.path.join(command["cwd"] or "/", word))):
        return f"{found.group(1)}/*"
    return _literal(word)


def _literal(text: str) -> str:
    """`text` as a glob that matches only itself (`[` is rare enough to stand for any one
    character: `[[]` would read as a nested set)."""
    return GLOB_SYNTAX.sub(lambda m: "?" if m.group() == "[" else f"[{m.group()}]", text)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:48].rstrip("-") or "allow"


def _place(cwd: str) -> str:
    """The last two parts of a directory: what a person calls where it runs."""
    parts = [p for p in cwd.replace("\\", "/").split("/") if p]
    return "/".join(parts[-2:]) if parts else cwd


def write(proposal: Proposal, directory: Path) -> Path:
    """Add the rule to `directory/approved.yaml` (created with a header if missing) and return
    the file. A rule with the same match is not added twice. When appending would not leave a
    valid policy (the file was edited into another shape), the rule goes to a file of its own.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / APPROVED_FILE
    existing = target.read_text(encoding="utf-8") if target.is_file() else ""
    if existing:
        try:
            bundle = parse_bundle(existing, str(target))
        except PolicyError:
            bundle = None
        if bundle is not None and any(r.match == proposal.rule["match"] and
                                      tuple(r.overrides) == proposal.overrides
                                      for r in bundle.rules):
            return target  # already allowed by an earlier proposal
        text = existing.rstrip("\n") + "\n" + proposal.text
    else:
        text = _HEADER + proposal.text
    try:
        written = parse_bundle(text, str(target))
        ok = any(r.id == proposal.rule_id for r in written.rules)
    except PolicyError:
        ok = False
    if not ok:
        target = directory / f"{proposal.rule_id}.yaml"
        text = _HEADER + proposal.text
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
    return target
