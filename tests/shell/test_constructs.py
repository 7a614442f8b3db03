"""Shell structure: lists, pipelines, compound commands, substitutions, nested shells."""

from __future__ import annotations

import shlex

import pytest

from approvald.shell import DYNAMIC_NAME
from tests.support.shell import one, programs, run, show

# line -> the programs found, in order
STRUCTURE = [
    ("a; b && c || d & e", ["a", "b", "c", "d", "e"]),
    ("a | b |& c", ["a", "b", "c"]),
    ("(git push); git status", ["git", "git"]),
    ("{ git push; }", ["git"]),
    ("if git diff --quiet; then git push; elif true; then x; else y; fi",
     ["git", "git", "true", "x", "y"]),
    ("for f in a b; do git push; done", ["git"]),
    ("while true; do git push; done", ["true", "git"]),
    ("until false; do git push; done", ["false", "git"]),
    ("case $x in a|b) git push;; *) ls;; esac", ["git", "ls"]),
    ("f() { git push; }", ["git"]),
    ("function g { git push; }", ["git"]),
    ("! git push", ["git"]),
    ("select x in a; do git push; done", ["git"]),
    ("for ((i=0; i<3; i++)); do git push; done", ["git"]),
    ("[[ -f x ]] && git push", ["git"]),
    ("coproc git push", ["git"]),
    ("git push # comment: rm -rf /", ["git"]),
    ("git \\\n  push", ["git"]),
]


@pytest.mark.parametrize(("line", "expected"), STRUCTURE)
def test_structure(line: str, expected: list[str]) -> None:
    analysis = run(line)
    assert programs(analysis) == expected, show(analysis)
    assert not analysis.syntax_error


# line -> (program, subcommand, depth, via) of the nested command
NESTED = [
    ("echo $(git push)", "git", "push", 1, "$(...)"),
    ("echo `git push`", "git", "push", 1, "`...`"),
    ('echo "x$(git push)y"', "git", "push", 1, "$(...)"),
    ("diff <(git show a) b", "git", "show", 1, "<(...)"),
    ("tee >(git push) < x", "git", "push", 1, ">(...)"),
    ("x=$(git push)", "git", "push", 1, "$(...)"),
    ("export A=$(git push)", "git", "push", 1, "$(...)"),
    ("echo ${X:-$(git push)}", "git", "push", 1, "$(...)"),
    ("echo $(( $(git push) + 1 ))", "git", "push", 1, "$(...)"),
    ("for f in $(git push); do :; done", "git", "push", 1, "$(...)"),
    ("cat <<EOF\n$(git push)\nEOF", "git", "push", 1, "$(...)"),
    ("echo `echo \\`git push\\``", "git", "push", 2, "`...`"),
    ("echo $(echo $(git push))", "git", "push", 2, "$(...)"),
    ("bash -c 'git push'", "git", "push", 1, "bash -c"),
    ("bash -lc 'git push'", "git", "push", 1, "bash -c"),
    ("bash -ec 'git push'", "git", "push", 1, "bash -c"),
    ("bash -xc 'git push'", "git", "push", 1, "bash -c"),
    ("bash -l -c 'git push'", "git", "push", 1, "bash -c"),
    ("bash --login -c 'git push'", "git", "push", 1, "bash -c"),
    ("bash -o pipefail -c 'git push'", "git", "push", 1, "bash -c"),
    ("sh -c 'git push'", "git", "push", 1, "sh -c"),
    ("zsh -c 'git push'", "git", "push", 1, "zsh -c"),
    ("dash -c 'git push'", "git", "push", 1, "dash -c"),
    ("ksh -c 'git push'", "git", "push", 1, "ksh -c"),
    ("/bin/bash -c 'git push' name arg", "git", "push", 1, "bash -c"),
    ("bash -c \"bash -c 'git push'\"", "git", "push", 2, "bash -c"),
    ("bash <<EOF\ngit push\nEOF", "git", "push", 1, "bash <stdin"),
    ("bash <<'EOF'\ngit push\nEOF", "git", "push", 1, "bash <stdin"),
    ("bash <<-EOF\n\tgit push\n\tEOF", "git", "push", 1, "bash <stdin"),
    ("sh <<< 'git push'", "git", "push", 1, "sh <stdin"),
    ("bash -s <<< 'git push'", "git", "push", 1, "bash <stdin"),
    ("cat <<'EOF' | sh\ngit push\nEOF", "git", "push", 1, "sh <stdin"),
    ("echo 'git push' | bash", "git", "push", 1, "bash <stdin"),
    ("printf 'git push\\n' | sh", "git", "push", 1, "sh <stdin"),
    ("eval git push", "git", "push", 1, "eval"),
    ("eval 'git push origin'", "git", "push", 1, "eval"),
    ("trap 'git push' EXIT", "git", "push", 1, "trap"),
    ("alias p='git push'; p", "git", "push", 1, "alias"),
    ("git -c alias.x='!git push' x", "git", "push", 1, "git alias"),
    ("find . -exec git push \\;", "git", "push", 1, "find -exec"),
    ("xargs git push", "git", "push", 1, "xargs"),
    ("watch 'git push'", "git", "push", 1, "watch"),
    ("su -c 'git push' deploy", "git", "push", 1, "su -c"),
]


@pytest.mark.parametrize(("line", "program", "subcommand", "depth", "via"), NESTED)
def test_nested(line: str, program: str, subcommand: str, depth: int, via: str) -> None:
    analysis = run(line)
    command = one(analysis, program, subcommand)
    assert (command.depth, command.via) == (depth, via), show(analysis)


def test_shell_itself_is_reported_with_its_script() -> None:
    analysis = run("bash -c 'git push' && ls")
    assert programs(analysis) == ["bash", "git", "ls"]
    assert one(analysis, "bash").args == ("-c", "git push")


def test_shell_script_file_is_a_read_not_stdin() -> None:
    analysis = run("bash deploy.sh <<< 'git push'")
    assert programs(analysis) == ["bash"]
    assert analysis.reads == ("/repo/deploy.sh",)


def test_heredoc_with_expansions_feeding_a_shell_is_dynamic() -> None:
    analysis = run("bash <<EOF\ngit push $BRANCH\nEOF")
    assert one(analysis, "bash").dynamic == DYNAMIC_NAME
    assert one(analysis, "git", "push").depth == 1
    assert analysis.dynamic


def test_heredoc_continuation_after_operator() -> None:
    analysis = run("bash <<EOF && git push > out\nls\nEOF")
    assert programs(analysis) == ["bash", "ls", "git"]
    assert one(analysis, "git").redirects[0].path == "/repo/out"


def test_eval_joins_arguments_with_spaces() -> None:
    analysis = run("eval git 'push --force'")
    assert one(analysis, "git").args == ("push", "--force")
    assert one(analysis, "eval").dynamic is None


def test_eval_of_variable_is_dynamic() -> None:
    analysis = run('eval "$CMD"')
    assert one(analysis, "eval").dynamic == DYNAMIC_NAME
    assert any("eval" in sentence for sentence in analysis.dynamic)


def test_bash_c_of_variable_is_dynamic() -> None:
    analysis = run('bash -c "$CMD"')
    assert one(analysis, "bash").dynamic == DYNAMIC_NAME
    assert analysis.dynamic


def test_exec_is_peeled() -> None:
    command = one(run("exec git push"), "git")
    assert command.wrappers == ("exec",) and command.args == ("push",)


def test_source_is_a_command_and_a_read() -> None:
    analysis = run("source .env && . ~/.profile")
    assert programs(analysis) == ["source", "."]
    assert analysis.reads == ("/repo/.env", "/home/u/.profile")


def test_curl_piped_to_shell_reports_both() -> None:
    analysis = run("curl -fsSL https://get.example.com | sh -s -- --yes")
    assert programs(analysis) == ["curl", "sh"]


def test_function_body_counts_once() -> None:
    analysis = run("deploy() { terraform apply; }; deploy")
    assert programs(analysis) == ["deploy", "terraform"]  # where it is called
    assert programs(run("deploy() { terraform apply; }")) == ["terraform"]


def test_eight_levels_of_bash_c_are_followed() -> None:
    line = "git push"
    for _ in range(8):
        line = "bash -c " + shlex.quote(line)
    analysis = run(line)
    assert one(analysis, "git", "push").depth == 8
    assert not analysis.dynamic


def test_nesting_is_bounded() -> None:
    analysis = run("eval " * 40 + "git push")
    assert analysis.dynamic, "hitting the depth bound must be reported as dynamic"
    assert any(c.dynamic == DYNAMIC_NAME for c in analysis.commands)
    assert max(c.depth for c in analysis.commands) <= 10


def test_syntax_error_still_reports_commands() -> None:
    analysis = run("git push )")
    assert analysis.syntax_error
    assert one(analysis, "git").args == ("push",)


def test_unterminated_quote_is_a_syntax_error() -> None:
    analysis = run('echo "git push')
    assert analysis.syntax_error


def test_brace_word_at_command_position() -> None:
    # `{git,push}` is a word (brace expansion), not a group: bash runs `git push origin`.
    analysis = run("{git,push} origin")
    assert one(analysis, "git").args == ("push", "origin")


def test_line_continuation_inside_a_word_joins_it() -> None:
    assert one(run("g\\\nit pu\\\nsh"), "git").args == ("push",)
    assert one(run("git \\\n  push"), "git").args == ("push",)


def test_heredoc_body_starting_with_backslash() -> None:
    # tree-sitter-bash loses such a body; bash runs `\git push` = `git push`.
    analysis = run("bash <<'EOF'\n\\git push\nEOF")
    assert one(analysis, "git", "push").via == "bash <stdin"
    analysis = run("cat <<EOF\n\\rm -rf /\nEOF")
    assert programs(analysis) == ["cat"]


def test_heredoc_piped_to_shell_then_more() -> None:
    analysis = run("cat <<EOF | sh && echo ok\ngit push $(id)\nEOF")
    assert one(analysis, "sh").dynamic == DYNAMIC_NAME  # the body has a substitution
    assert one(analysis, "git", "push").depth == 1
    assert programs(analysis)[-1] == "echo"


def test_arithmetic_is_not_a_subshell() -> None:
    assert "git" not in programs(run("((git push))"))
    assert one(run("( (git push) )"), "git").args == ("push",)


def test_background_cd_does_not_stick() -> None:
    assert one(run("cd sub & git push"), "git").cwd == "/repo"
    analysis = run("cd sub && make & git push")
    assert (one(analysis, "make").cwd, one(analysis, "git").cwd) == ("/repo/sub", "/repo")


def test_script_c_runs_its_text() -> None:
    command = one(run("script -qc 'git push' /dev/null"), "git")
    assert (command.via, command.wrappers) == ("script -c", ("script",))


def test_double_dash_before_eval_and_trap_text() -> None:
    assert one(run("eval -- git push"), "git").via == "eval"
    assert one(run("trap -- 'git push' EXIT"), "git").via == "trap"


@pytest.mark.parametrize("line", ["bash <(curl -s https://x)", 'sh "$SCRIPT"',
                                  "source <(curl -s https://x)", ". $ENV_FILE"])
def test_script_only_known_at_run_time_is_dynamic(line: str) -> None:
    analysis = run(line)
    assert one(analysis, line.split()[0]).dynamic == DYNAMIC_NAME
    assert analysis.dynamic


def test_a_redirected_stdin_replaces_the_pipe() -> None:
    # bash gives sh the file, not what echo prints (the last redirect wins)
    analysis = run("echo 'rm -rf ~' | sh < /tmp/code")
    assert "rm" not in programs(analysis)
    written = run("echo 'rm -rf ~' > /tmp/c; echo true | sh < /tmp/c")
    assert "rm" in programs(written)  # a file the line wrote runs what was written
