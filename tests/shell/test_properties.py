"""Property tests: no input breaks the analysis, and no wrapping hides a `git push`."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.shell import ShellAnalysis, analyze
from approvald.shell.walk import Analyzer
from tests.support.shell import has_git_push, programs, show

SHELLISH = st.text(alphabet=list("abgit push-cCe$(){}[]`'\"\\;|&<>!#=~*?\n\t 0123456789EOF"),
                   max_size=120)
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.one_of(st.text(max_size=200), SHELLISH))
def test_analysis_never_raises(line: str) -> None:
    # The internal analyzer, not the public wrapper that turns exceptions into a dynamic result:
    # an exception here is a bug even though `analyze` would survive it.
    result = Analyzer(line, "/repo", "/home/u").run()
    assert isinstance(result, ShellAnalysis)
    public = analyze(line, "/repo")
    assert isinstance(public, ShellAnalysis)


# The program name spelled so quote removal must put it back together.
NAMES = ["git", "gi''t", '"g"it', "g\\it", "'git'", "$'git'", "/usr/bin/git", "\\git",
         '"git"', "g'i't"]
BASES = ["{name} push", "{name} push origin main", "{name} -C sub push",
         "{name} --no-pager -c a=b push --force"]


def _prefix(wrapper: str) -> Callable[[str], str]:
    return lambda line: f"{wrapper} {line}"


SIMPLE_WRAPPERS: dict[str, Callable[[str], str]] = {  # these need a simple command after them
    "sudo": _prefix("sudo"),
    "sudo -u root --": _prefix("sudo -u root --"),
    "env X=1": _prefix("env X=1"),
    "env -i": _prefix("env -i"),
    "nice": _prefix("nice -n 5"),
    "timeout 5": _prefix("timeout 5"),
    "nohup": _prefix("nohup"),
    "command": _prefix("command"),
    "exec": _prefix("exec"),
    "stdbuf": _prefix("stdbuf -oL"),
    "xargs -I{}": _prefix("xargs -I{}"),
    "time": _prefix("time"),
    "FOO=1": _prefix("FOO=1"),
}
ANY_WRAPPERS: dict[str, Callable[[str], str]] = {  # these take any shell text
    "bash -c": lambda line: f"bash -c {shlex.quote(line)}",
    "sh -lc": lambda line: f"sh -lc {shlex.quote(line)}",
    "eval": lambda line: f"eval {shlex.quote(line)}",
    "$( )": lambda line: f'echo "$(\n{line}\n)"',  # a here-document inside needs its own line
    "subshell": lambda line: f"( {line} )",  # `((` would be arithmetic
    "group": lambda line: f"{{ {line}; }}",
    "if": lambda line: f"if true; then {line}; fi",
    "and": lambda line: f"true && {line}",
    "pipe": lambda line: f"echo x | {line}",
    "herestring": lambda line: f"bash <<< {shlex.quote(line)}",
    "heredoc": lambda line: f"bash <<'EOF{len(line)}'\n{line}\nEOF{len(line)}",
    "for": lambda line: f"for i in 1; do {line}; done",
    "function": lambda line: f"f() {{ {line}; }}; f",
}


@st.composite
def wrapped_push(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(BASES)).format(name=draw(st.sampled_from(NAMES)))
    simple = True
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if simple and draw(st.booleans()):
            name = draw(st.sampled_from(sorted(SIMPLE_WRAPPERS)))
            line = SIMPLE_WRAPPERS[name](line)
            simple = name != "FOO=1"  # `nice FOO=1 git` would run a program named FOO=1
        else:
            name = draw(st.sampled_from(sorted(ANY_WRAPPERS)))
            line = ANY_WRAPPERS[name](line)
            # (not the here-string form: `xargs bash <<< ...` feeds xargs, not bash)
            simple = name in ("bash -c", "sh -lc", "eval", "$( )")
    return line


@SETTINGS
@given(wrapped_push())
def test_wrapping_never_hides_git_push(line: str) -> None:
    analysis = analyze(line, "/repo", "/home/u")
    assert has_git_push(analysis), f"{line!r}\n{show(analysis)}"


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80))
def test_quoted_text_is_one_literal_argument(text: str) -> None:
    analysis = analyze(f"echo {shlex.quote(text)}", "/repo")
    assert programs(analysis) == ["echo"], show(analysis)
    assert analysis.commands[0].args == (text,)
    assert analysis.commands[0].dynamic_args == frozenset()


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80))
def test_grep_pattern_is_never_a_command(text: str) -> None:
    analysis = analyze(f"grep -r {shlex.quote(text)} docs/", "/repo")
    assert programs(analysis) == ["grep"]
    assert analysis.commands[0].args == ("-r", text, "docs/")


def test_ten_megabyte_line_finishes() -> None:
    # How long it takes: benchmarks/bench_dashboard.py.
    for line in ("a;" * 5_000_000, "echo " + "x" * 10_000_000, "git " + "ab " * 3_300_000):
        analysis = analyze(line, "/repo")
        assert analysis.commands


def test_huge_line_that_cannot_be_finished_is_dynamic() -> None:
    analysis = analyze("true;" * 2_000_000 + "git push", "/repo")
    assert has_git_push(analysis) or any(c.dynamic for c in analysis.commands)
    assert has_git_push(analysis) or analysis.dynamic
