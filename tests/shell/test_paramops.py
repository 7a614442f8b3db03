"""Bash's parameter operators on values the line knows (`${x%.pub}`, `${x/a/b}`, ...)."""

from __future__ import annotations

import pytest

from approvald.shell.paramops import apply
from tests.support.shell import one, run


@pytest.mark.parametrize(("value", "operator", "operands", "result"), [
    ("a.tar.gz", "%", [".*"], "a.tar"), ("a.tar.gz", "%%", [".*"], "a"),
    ("/x/y/z", "#", ["*/"], "x/y/z"), ("/x/y/z", "##", ["*/"], "z"),
    ("abcabc", "/", ["b", "X"], "aXcabc"), ("abcabc", "//", ["b", "X"], "aXcaXc"),
    ("abcabc", "//", ["b"], "acac"), ("abc", "/#", ["a", "X"], "Xbc"),
    ("abc", "/%", ["c", "X"], "abX"), ("abc", "/#", ["", "X"], "Xabc"),
    ("abc", "/", ["[!a]", "X"], "aXc"), ("abc", "/", ["[^ab]", "X"], "abX"),
    ("abc", "^", [], "Abc"), ("abc", "^^", [], "ABC"), ("ABC", ",", [], "aBC"),
    ("ABC", ",,", [], "abc"), ("aB", "~~", [], "Ab"),
    ("abcdef", ":", ["2"], "cdef"), ("abcdef", ":", ["1", "2"], "bc"),
    ("abcdef", ":", ["-3"], "def"), ("abcdef", ":", ["0", "-2"], "abcd"),
    ("abcdef", ":", ["9"], ""),
])
def test_known_values(value: str, operator: str, operands: list[str], result: str) -> None:
    assert apply(value, operator, operands) == result


@pytest.mark.parametrize(("operator", "operands"), [
    ("%", ["$y"]), ("%", ["'a'"]), ("%", ["@(a|b)"]), ("%", ["[[:alpha:]]"]), (":", ["$n"]),
    ("@", ["Q"]), ("^", ["a"]),
])
def test_what_is_not_worked_out(operator: str, operands: list[str]) -> None:
    assert apply("abc", operator, operands) is None


@pytest.mark.parametrize(("operator", "pattern"), [
    ("#", "*a*a*a*b"), ("%%", "*a*b"), ("//", "*a*a*b"), ("#", "[z-a]"), ("/", "[z-a]"),
])
def test_patterns_a_regex_cannot_match_safely_are_not_worked_out(operator: str,
                                                                  pattern: str) -> None:
    """More than one `*` (a backtracking regex took exponential time: `${x#*a*a*a*a*b}` on
    200 a's held the analysis 77 s) and ranges Python refuses (re.error escaped)."""
    assert apply("a" * 1000, operator, [pattern, ""]) is None


def test_a_run_of_stars_is_one_star() -> None:
    assert apply("/x/y/z", "##", ["**/"]) == "z"


@pytest.mark.parametrize(("line", "arg", "literal"), [
    ("x=/a/b.pub; cat ${x%.pub}", "/a/b", True), ('x=/a/b; cat "${x^^}"', "/A/B", True),
    ("x=/a/b; y=x; cat ${!y}", "/a/b", True), ("cat ${X:-/a/b}", "/a/b", False),
    ("a=(/a /b); cat ${a[1]}", "(/a /b)", False), ("x=/a/b; cat ${x%$y}", "/a/b /a/*", False),
    ("x=a; cat ${x@Q}", "a", False), ('X=/a; cat "${X:+/b}"', "/a /b", False),
])
def test_the_word_an_expansion_makes(line: str, arg: str, literal: bool) -> None:
    cat = one(run(line), "cat")
    assert cat.args == (arg,)
    assert (0 not in cat.dynamic_args) is literal
