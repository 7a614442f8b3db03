"""What a `for` loop's variable holds: each value of a literal list; one of the names a pattern
matches; everything a run-time list (a substitution, a variable, a long list) can name."""

from __future__ import annotations

import pytest

from approvald.shell.model import DYNAMIC_ARGS
from tests.support.shell import HOME, one, run


@pytest.mark.parametrize("line", [
    'for f in ~/.ssh/*; do cat "$f"; done', "for f in ~/.ssh/*; do cat $f; done",
    'for f in ~/.ssh/*; do g=$f; cat "$g"; done', 'for f in ~/.ssh/*\ndo cat "${f}"\ndone',
])
def test_a_pattern_loop_variable_names_what_the_pattern_matches(line: str) -> None:
    cat = one(run(line), "cat")
    assert cat.args == (f"{HOME}/.ssh/*",)
    assert cat.glob_args == frozenset({0})  # read as `cat ~/.ssh/*` is


@pytest.mark.parametrize(("line", "names"), [
    ('for f in $(find ~/.ssh); do cat "$f"; done', "$(find ~/.ssh)"),
    ('X=$(find ~); for f in $X; do cat "$f"; done', "$(find ~)"),
    ('for f in `ls ~/.ssh`; do cat "$f"; done', "`ls ~/.ssh`"),
    ('for f in README $(find ~); do cat "$f"; done', "README $(find ~)"),
    ('for f in $X; do cat "$f"; done', "$X"),
])
def test_a_run_time_list_makes_the_variable_name_all_it_can(line: str, names: str) -> None:
    cat = one(run(line), "cat")
    assert cat.args == (names,)
    assert cat.dynamic_args == frozenset({0})


def test_a_long_list_is_one_run_time_value_naming_every_value() -> None:
    values = [f"f{number}" for number in range(20)] + ["~/.ssh/id_rsa"]
    cat = one(run(f'for f in {" ".join(values)}; do cat "$f"; done'), "cat")
    assert f"{HOME}/.ssh/id_rsa" in cat.args[0].split()
    assert cat.dynamic_args == frozenset({0})


def test_a_literal_list_keeps_its_literal_values() -> None:
    analysis = run('for f in a.txt "b c"; do rm "$f"; done')
    rms = [command for command in analysis.commands if command.program == "rm"]
    assert [command.args for command in rms] == [("a.txt",), ("b c",)]
    assert all(command.dynamic is None and not command.glob_args for command in rms)


def test_a_pattern_loop_over_project_files_is_not_dynamic() -> None:
    rm = one(run('for f in *.tmp; do rm "$f"; done'), "rm")
    assert rm.dynamic is None and rm.args == ("*.tmp",) and rm.glob_args == frozenset({0})
    assert one(run('for f in $(ls); do rm "$f"; done'), "rm").dynamic == DYNAMIC_ARGS


def test_a_function_a_plain_lines_inner_shell_defines_and_never_calls_is_walked() -> None:
    # (`f` runs in the pipeline's subshell; found by test_wrapping_never_hides_git_push)
    assert one(run("bash -c 'echo x | f() { git push; }; f'"), "git").args == ("push",)
