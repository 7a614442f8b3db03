"""`policy test|explain` read without argparse (policy_cmd.plain_options) reads exactly what
argparse reads, or leaves the line to argparse."""

from __future__ import annotations

import contextlib
import io

from hypothesis import example, given, settings
from hypothesis import strategies as st

from approvald.cli.policy_cmd import parser, plain_options

WORDS = ["test", "explain", "check", "init", "--from", "claude-code", "codex", "action",
         "bogus", "--json", "--jsonl", "--policy", "p.yaml", "-", "--", "-c", "ls", "--cwd",
         "/tmp", "--from=codex", "--jsonl=1", "--js", "-h", "--help", "-1", "", "a b",
         "payload.json", "--force", "--project"]


def _argparse(argv: list[str]) -> dict[str, object] | None:
    """What argparse makes of `argv`, or None where it refuses (or prints help)."""
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return vars(parser().parse_args(argv))
        except SystemExit:
            return None


COMMANDS = st.sampled_from(["test", "explain", "check", "-h", "bogus"])
REST = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=4)), max_size=6)


@settings(max_examples=1500, deadline=None)
@given(st.builds(lambda first, rest: [first, *rest], COMMANDS, REST) | REST)
@example(["test", "--from", "claude-code", "--jsonl", "-"])
@example(["explain", "--policy", "a.yaml", "--policy", "b.yaml", "x.json", "--json"])
@example(["test", "--json", "--jsonl"])
@example(["test", "--jsonl", "--jsonl", ""])
@example(["test", "a", "b"])
@example(["test", "--policy", "-"])
def test_plain_options_read_as_argparse_does(argv: list[str]) -> None:
    plain = plain_options(argv)
    if plain is not None:
        assert vars(plain) == _argparse(argv)


def test_the_usual_lines_are_read_without_argparse() -> None:
    for argv in (["test", "--from", "claude-code", "--jsonl", "-"],
                 ["test", "--jsonl", "--from", "codex"],
                 ["explain", "--policy", "p.yaml", "in.json"]):
        assert plain_options(argv) is not None
