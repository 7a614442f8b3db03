"""`approvald policy test|explain|check`: decisions without a daemon; nothing is executed."""

from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace

from approvald.agents import KNOWN_FORMATS, UnknownAgent, payload_reader
from approvald.cli.documents import (
    InputError,
    line_batches,
    one_document,
    open_input,
)
from approvald.model.actions import ActionError, one_shot_encoder
from approvald.wire.jsontext import is_text

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing and pathlib cost every run time
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from typing import Any

    from approvald.cli.documents import Batch

    Options = argparse.Namespace | SimpleNamespace

def _path(text: str) -> Path:
    """A path argument (pathlib imported only when one is given)."""
    from pathlib import Path

    return Path(text)


EXAMPLES = """\
examples:
  approvald policy explain -c 'git push origin main'      how a shell line is decided, and why
  approvald policy test -c 'cd infra && terraform apply' --cwd ~/src/shop   the decision as JSON
  approvald policy explain --from claude-code payload.json   an agent's own hook payload
  approvald policy check                    every problem in the policies in effect, at once
  approvald policy init                     start your own policy file, with examples
"""


def parser() -> argparse.ArgumentParser:
    from approvald.cli.output import parser_with_examples

    parser = parser_with_examples("approvald policy", __doc__, EXAMPLES)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("test", "print the decision for each input as JSON"),
                            ("explain", "show how the decision was reached")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--policy", action="append", type=_path, default=[], metavar="FILE",
                       help="evaluate with exactly these policy files (repeatable)")
        p.add_argument("--from", dest="agent", default=None, choices=KNOWN_FORMATS,
                       help="input format (default: approvald's action JSON)")
        fmt = p.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help="one JSON document in and out")
        fmt.add_argument("--jsonl", action="store_true", help="one JSON document per line")
        p.add_argument("-c", dest="command_line", metavar="CMD", default=None,
                       help="a shell line, as the agent's shell tool would run it (no JSON)")
        p.add_argument("--cwd", type=_path, default=None, metavar="DIR",
                       help="with -c: the directory it runs in (default: this one)")
        p.add_argument("input", nargs="?", default="-", help="input file, or - for stdin")
    check = sub.add_parser("check", help="report every problem in the policies in effect "
                                         "(or FILEs) and config.toml; exit 1 if any")
    check.add_argument("files", nargs="*", type=_path)
    check.add_argument("--project", type=_path, default=None, metavar="DIR",
                       help="the project whose .approvald/policy.yaml to include "
                            "(default: this directory)")
    check.add_argument("--json", action="store_true")
    init = sub.add_parser("init", help="write a commented policy file to start from")
    init.add_argument("--force", action="store_true", help="replace the file if it exists")
    return parser


def plain_options(argv: list[str]) -> SimpleNamespace | None:
    """`parser().parse_args(argv)` for the usual `test|explain [--from AGENT] [--json|--jsonl]
    [--policy FILE]... [FILE|-]`, read without argparse (importing it and building the parser
    cost a short run a tenth of its time); None for anything else (-c, --help, `--from=X`, a
    mistake, ...), which argparse then reads as always."""
    if not argv or argv[0] not in ("test", "explain"):
        return None
    opts = SimpleNamespace(command=argv[0], policy=[], agent=None, json=False, jsonl=False,
                           command_line=None, cwd=None, input="-")
    given_input = False
    words = iter(argv[1:])
    for word in words:
        if word in ("--json", "--jsonl"):
            setattr(opts, word[2:], True)
        elif word == "--from":
            opts.agent = next(words, None)
            if opts.agent not in KNOWN_FORMATS:
                return None
        elif word == "--policy":
            value = next(words, "-")
            if value.startswith("-"):
                return None
            opts.policy.append(_path(value))
        elif (word == "-" or not word.startswith("-")) and not given_input:
            opts.input, given_input = word, True
        else:
            return None
    return None if opts.json and opts.jsonl else opts


def _load(files: list[Path]) -> Any:
    from approvald.policy import load_engine

    return load_engine(files=files or None, compile_later=True)


def _given(opts: Options) -> Iterator[Batch]:
    """The documents to decide, in batches: one shell line (-c), or what the input holds."""
    if opts.command_line is None:
        if opts.cwd is not None:
            raise InputError("--cwd goes with -c CMD")
        stream = open_input(opts.input)
        return line_batches(stream) if opts.jsonl else one_document(stream)
    if opts.agent is not None or opts.jsonl or opts.input != "-":
        raise InputError("-c CMD is the whole input: leave out --from, --jsonl and FILE")
    from pathlib import Path

    cwd = (opts.cwd or Path.cwd()).expanduser().absolute()
    if not cwd.is_dir():
        raise InputError(f"--cwd {cwd}: no such directory")
    doc = {"kind": "process.exec", "tool": "Bash", "cwd": str(cwd),
           "input": {"command": opts.command_line}}
    if not is_text(str(cwd)):  # (arguments that are not UTF-8 are refused before this)
        raise InputError(f"the directory {os.fsencode(cwd)!r} is not UTF-8 text, so no agent's "
                         "shell tool sends it")
    return iter([[(1, doc)]])


def run_test(opts: Options, explain: bool) -> int:
    from approvald.policy import PolicyError

    try:
        engine = _load(opts.policy)
        batches = _given(opts)
    except (PolicyError, ActionError, UnknownAgent, InputError) as exc:
        print(f"approvald: {exc}", file=sys.stderr)
        return 2
    adapter = payload_reader(opts.agent or "action")
    failed = False
    out = sys.stdout
    # for every line (results are built here, so never circular: no check)
    one_line = one_shot_encoder(json.JSONEncoder(ensure_ascii=False, check_circular=False))
    for batch in batches:
        written: list[str] = []  # this batch's answers, written at once (see cli/documents.py)
        try:
            for number, doc in batch:
                try:
                    if isinstance(doc, InputError):
                        raise doc
                    try:
                        action = adapter(doc)
                    except ActionError as exc:
                        raise InputError(f"line {number}: {exc}") from None
                    decision = engine.evaluate(action)
                except InputError as exc:
                    failed = True
                    print(f"approvald: {exc}", file=sys.stderr)
                    if opts.jsonl:  # keep output lines aligned with input lines
                        written.append(json.dumps({"line": number, "error": str(exc),
                                                   "decision": None}) + "\n")
                    continue
                if opts.jsonl and not explain:  # the usual batch: `one_line(decision.to_json())`
                    written.append(decision.json_line() + "\n")
                    continue
                result = decision.to_json()
                if explain and not (opts.json or opts.jsonl):
                    written.append(render_explanation(action, decision, engine.warnings,
                                                      engine.layer_of) + "\n")
                    written.append(_proposal_line(action, decision, engine))
                elif opts.jsonl:
                    result["analysis"] = list(decision.analysis)
                    written.append(one_line(result) + "\n")
                else:
                    if explain:
                        result["analysis"] = list(decision.analysis)
                        result["matches"] = [{**m.__dict__, "layer": engine.layer_of(m.source)}
                                             for m in decision.matches]
                    written.append(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        finally:  # what is decided goes out, also when a later line of the batch fails
            out.write("".join(written))
            out.flush()
    return 2 if failed else 0


def render_explanation(action: Any, decision: Any, warnings: list[str],
                       layer_of: Callable[[str], str] = lambda source: "") -> str:
    lines = [f"Action      {action.kind} via {action.tool} ({action.agent})"]
    if action.cwd:
        lines.append(f"Directory   {action.cwd}")
    lines.append(f"Input       {action.summary}")
    if decision.analysis:
        lines.append("Commands found:")
        for i, cmd in enumerate(decision.analysis, start=1):
            text = " ".join(cmd["argv"]) or "(empty)"
            lines.append(f"  {i}. {text}")
            details = [f"cwd {cmd['cwd']}"]
            if cmd["wrappers"]:
                details.append("through " + ", ".join(cmd["wrappers"]))
            if cmd["via"]:
                details.append(f"inside {cmd['via']}")
            if cmd["dynamic"]:
                details.append(f"dynamic {cmd['dynamic']}")
            for r in cmd["redirects"]:
                details.append(f"{r['mode']}s {r['path']}")
            lines.append("     " + "; ".join(details))
            matched = cmd["matched"] or ["no rule (default applies)"]
            lines.append("     rules: " + ", ".join(matched))
    if decision.matches:
        lines.append("Rules that matched:")
        for m in decision.matches:
            layer = layer_of(m.source)
            lines.append(f"  {m.rule} -> {m.decision} ({f'{layer} layer, ' if layer else ''}"
                         f"{m.source})")
            lines.append(f"     on: {m.target}")
            lines.append(f"     why: {m.reason}")
    lines.append(f"Decision    {decision.decision}: {decision.reason}")
    lines.append(f"Fingerprint {decision.fingerprint}")
    lines.append(f"Policy      {decision.policy_hash}")
    lines += [f"Note        {w}" for w in warnings]
    return "\n".join(lines)


def _proposal_line(action: Any, decision: Any, engine: Any) -> str:
    """For a request that waits for a person: the rule "allow commands like this" would write."""
    from approvald.policy.propose import NotProposable, propose

    if decision.decision != "REQUIRE_APPROVAL":
        return ""
    try:
        found = propose(action, decision, engine)
    except NotProposable as exc:
        return f"Always      not offered: {exc}\n"
    return (f"Always      approving with --always would {found.summary} (rule "
            f"{found.rule_id}, overrides {', '.join(found.overrides) or 'nothing'})\n")


def main(argv: list[str]) -> int:
    plain = plain_options(argv)
    if plain is not None:
        return run_test(plain, explain=plain.command == "explain")
    opts = parser().parse_args(argv)
    if opts.command in ("check", "init"):
        from approvald.cli import policy_admin

        return policy_admin.run_check(opts) if opts.command == "check" else \
            policy_admin.run_init(opts)
    return run_test(opts, explain=opts.command == "explain")
