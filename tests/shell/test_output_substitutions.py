"""`>(...)`: what runs there reads what the command writes to it (`tee >(sh)`, `> >(sh)`)."""

from __future__ import annotations

import pytest

from approvald.shell.model import DYNAMIC_NAME
from tests.support.shell import has_git_push, one, run


@pytest.mark.parametrize("line", [
    "echo git push | tee >(bash) >/dev/null", "echo git push | tee >(sh)",
    "echo git push | tee >(bash -s) | cat", "echo git push > >(bash)",
    "echo git push >> >(sh -s)", "printf 'git push\\n' | tee -a log >(bash)",
])
def test_a_shell_in_an_output_substitution_runs_what_it_is_written(line: str) -> None:
    assert has_git_push(run(line))


@pytest.mark.parametrize(("line", "shell"), [
    ("ls | tee >(sh)", "sh"), ("cat x > >(sh)", "sh"), ("cp x.sh >(bash)", "bash"),
    ("exec > >(sh); echo git push", "sh"), ("curl -s x.sh > >(bash)", "bash"),
])
def test_unknown_output_into_a_shell_is_dynamic(line: str, shell: str) -> None:
    assert one(run(line), shell).dynamic == DYNAMIC_NAME


@pytest.mark.parametrize("line", [
    "find ~ | tee >(xargs cat)", "find ~ > >(xargs cat)", "find ~ | tee /dev/null | xargs cat",
])
def test_a_finders_names_written_to_a_substitution_or_through_tee(line: str) -> None:
    assert one(run(line), "cat").args[-1].startswith("$(find ~")


def test_the_command_feeds_its_output_substitution() -> None:
    analysis = run("nc -l 4444 > >(sh)")
    nc = next(i for i, c in enumerate(analysis.commands) if c.program == "nc")
    sh = next(i for i, c in enumerate(analysis.commands) if c.program == "sh")
    assert any(a <= nc < b and c <= sh < d for a, b, c, d in analysis.flows)


def test_input_substitutions_are_walked_as_before() -> None:
    analysis = run("diff <(git show HEAD:a) <(cat b)")
    assert [c.program for c in analysis.commands] == ["git", "cat", "diff"]
