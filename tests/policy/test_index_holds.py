"""An entry's predicate leaves out what the index checked (`index_holds`): for every target
the index hands an entry, it decides as its branch's whole predicate does."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.policy.errors import PolicyError
from approvald.policy.index import branches
from approvald.policy.matchers import MatchCompiler
from approvald.policy.ruleset import RuleSet, compile_rules, index_rows
from approvald.policy.targets import Target
from approvald.shell.model import SimpleCommand

HOME = "/home/u"
PROGRAMS = ["git", "rm", "python3", "xdotool", "gh", "a.b", "curl"]
KEYS: list[dict[str, Any]] = [
    {"kind": "process.exec"}, {"kind": "fs.read"}, {"kind": ["fs.read", "fs.write"]},
    {"kind": ["process.exec", "net.http"]}, {"kind": "mcp.call"},
    {"program": "git"}, {"program": ["rm", "xdotool"]}, {"program": "python*"},
    {"program": ["git", "g*"]}, {"program": "a.b"}, {"program": ["curl", "*url"]},
    {"args": [["push", "status"]]}, {"args_exact": ["-rf", "*"]}, {"any_arg": ["-rf"]},
    {"not_any_arg": ["--dry-run"]}, {"pipe_to_shell": True}, {"fork_bomb": True},
    {"syntax_error": True}, {"finding": "reverse-shell"}, {"path": [".env"]},
    {"reads": [".env", "~/.ssh/**"]}, {"writes": ["/etc/**"]}, {"content": ["*secret*"]},
    {"url_host": ["example.com"]}, {"tool": "Bash"}, {"dynamic": "any"},
    {"path_arg": [".env"]}, {"not_path": ["/repo/ok/**"]},
]
PLAIN = st.lists(st.sampled_from(KEYS), min_size=1, max_size=3).map(
    lambda parts: {k: v for part in parts for k, v in part.items()})
MATCHES = PLAIN | st.builds(lambda subs, extra: {"any_of": subs, **extra},
                            st.lists(PLAIN, min_size=1, max_size=3),
                            st.sampled_from([{}, {}, {"not_path": ["/repo/ok/**"]},
                                             {"kind": "process.exec"}]))
ARGS = st.lists(st.sampled_from(["push", "status", "-rf", "*", "--dry-run", ".env",
                                 "ok/.env", "~/.ssh/id_rsa", "https://example.com/x"]),
                max_size=3).map(tuple)
FLAGS = st.booleans()


@st.composite
def targets(draw: Any) -> Target:
    shape = draw(st.sampled_from(["command", "line", "fs.read", "fs.write", "net.http",
                                  "mcp.call"]))
    writes = draw(st.sampled_from([(), ("/etc/hosts",), ("/repo/x",)]))
    reads = draw(st.sampled_from([(), ("/repo/.env",), ("/repo/ok/.env",)]))
    tool = draw(st.sampled_from(["Bash", "Read"]))
    if shape == "command":
        program = draw(st.sampled_from(PROGRAMS))
        args = draw(ARGS)
        command = SimpleCommand(
            argv=(program, *args), program=program, args=args, cwd="/repo",
            dynamic=draw(st.sampled_from([None, "name", "args"])),
            findings=draw(st.sampled_from([frozenset(), frozenset({"reverse-shell"})])))
        return Target(kind="process.exec", tool=tool, text=program, command=command,
                      base_reads=reads, base_writes=writes, home=HOME)
    if shape == "line":
        return Target(kind="process.exec", tool=tool, text="x", line_level=True, home=HOME,
                      base_reads=reads, base_writes=writes,
                      pipe_to_shell=draw(FLAGS), fork_bomb=draw(FLAGS),
                      syntax_error=draw(FLAGS),
                      findings=draw(st.sampled_from([frozenset(), frozenset({"reverse-shell"}),
                                                     frozenset({"other"})])),
                      content=draw(st.sampled_from([(), ("a secret",), ("plain",)])))
    paths = draw(st.sampled_from([(), ("/repo/.env",), ("/repo/ok/.env",), ("/repo/x",)]))
    return Target(kind=shape, tool=tool, text="x", paths=paths, home=HOME,
                  base_reads=paths if shape == "fs.read" else (),
                  base_writes=paths if shape == "fs.write" else (),
                  url="https://example.com/" if shape == "net.http" else None,
                  content=("a secret",) if shape == "fs.write" else ())


@settings(max_examples=1500, deadline=None)
@given(MATCHES, st.lists(targets(), min_size=1, max_size=4), st.booleans())
def test_an_entry_decides_as_its_whole_branch_for_every_target_it_is_handed(
        match: dict[str, Any], found: list[Target], later: bool) -> None:
    compiler = MatchCompiler(HOME, "f", "r")
    raw = [("r", "DENY", "no", "f:1", match, "f")]
    try:
        rules, entries = compile_rules(raw, HOME)
    except PolicyError:
        return
    if later:  # compiled when first asked (only for rules known to compile), filed by the note
        rules, entries = compile_rules(raw, HOME, later=True, index=index_rows(raw))
    parts = branches(match)
    ruleset = RuleSet(rules, entries, "ALLOW", "h")
    for target in found:
        for entry in ruleset.candidates(target):
            branch = parts[next(i for i, e in enumerate(entries) if e is entry)]
            assert bool(entry.predicate(target)) == bool(compiler.compile(branch)(target)), \
                (match, branch, target.kind, target.command)
        assert bool(rules[0].predicate(target)) == bool(compiler.compile(match)(target))


def test_a_branch_the_index_checks_whole_holds_for_what_it_is_handed() -> None:
    match = {"any_of": [{"program": ["xdotool", "ydotool"]}, {"pipe_to_shell": True}]}
    rules, entries = compile_rules([("r", "DENY", "no", "f:1", match, "f")], HOME)
    ruleset = RuleSet(rules, entries, "ALLOW", "h")
    typing = Target(kind="process.exec", tool="Bash", text="xdotool", home=HOME,
                    command=SimpleCommand(argv=("xdotool",), program="xdotool", args=(),
                                          cwd="/repo"))
    piped = Target(kind="process.exec", tool="Bash", text="x", line_level=True,
                   pipe_to_shell=True, home=HOME)
    assert [e.predicate(typing) for e in ruleset.candidates(typing)] == [True]
    assert [e.predicate(piped) for e in ruleset.candidates(piped)] == [True]
    quiet = Target(kind="process.exec", tool="Bash", text="x", line_level=True, home=HOME)
    assert ruleset.candidates(quiet) == []
    with pytest.raises(PolicyError, match="nothing to match on"):
        compile_rules([("r", "DENY", "no", "f:1", {"any_of": [{}]}, "f")], HOME)


def test_an_entry_filed_by_a_row_not_its_own_checks_everything() -> None:
    # A note read back is trusted no further than its shape: a row that files `program: rm`
    # for every command leaves the program check in.
    match = {"program": "rm"}
    raw = [("r", "DENY", "no", "f:1", match, "f")]
    git = Target(kind="process.exec", tool="Bash", text="git", home=HOME,
                 command=SimpleCommand(argv=("git",), program="git", args=(), cwd="/repo"))
    for later in (False, True):
        rules, entries = compile_rules(raw, HOME, later=later,
                                       index=[[["command"], None, None, None, None]])
        ruleset = RuleSet(rules, entries, "ALLOW", "h")
        assert [e.predicate(git) for e in ruleset.candidates(git)] == [False]
        rules, entries = compile_rules(raw, HOME, later=later,
                                       index=[[["command"], ["rm"], None, None, None]])
        assert entries[0].predicate(git)  # its own row: the index checked the program
