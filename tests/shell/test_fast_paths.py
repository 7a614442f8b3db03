"""Fast paths of the shell analysis hold the slower paths they stand for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.shell.code.literals import _closing
from approvald.shell.interpreters import SPECS, is_interpreter, spec_of

CODE = st.text(alphabet="ab'\"`\\ \n()", max_size=40)


def _closing_char_by_char(code: str, index: int, closing: str) -> int:
    """The scan `read_string` made before `_closing`: one character at a time."""
    while index < len(code):
        if code.startswith(closing, index):
            break
        if code[index] == "\\" and index + 1 < len(code):
            index += 2
            continue
        index += 1
    return index


@settings(max_examples=2000, deadline=None)
@given(CODE, st.integers(min_value=0, max_value=42),
       st.sampled_from(["'", '"', "`", "'''", '"""']))
def test_string_end_is_found_as_the_character_scan_finds_it(code: str, index: int,
                                                             closing: str) -> None:
    index = min(index, len(code))
    assert _closing(code, index, closing) == _closing_char_by_char(code, index, closing)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.sampled_from([*SPECS, "deno", "python", "python3.12", "py", "pypy3", "pyt",
                                  "pip", "python3-x", "deno2"]),
                 st.text(alphabet="pythonde0123.-r", max_size=10)))
def test_interpreter_names_are_those_spec_of_knows(name: str) -> None:
    assert is_interpreter(name) == (spec_of(name) is not None or name == "deno")


NAME_PART = st.one_of(
    st.text(alphabet="gitrm_./-*?[]0123", min_size=1, max_size=5),
    st.sampled_from(["~", "~/", "~+", "\\", "\\g", "{a,b}", "$X", "${X}", "$(pwd)", "'q'", '"d"',
                     '"$X"', "$'\\x67'", "=", "%"]),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(NAME_PART, min_size=1, max_size=3).map("".join),
       st.sampled_from(["", " push", " -rf ~", " 'a b'"]))
def test_a_command_name_reads_as_the_name_node_reads(name: str, rest: str) -> None:
    """`name_words` takes a command name's one bare word directly: the words reading the whole
    command_name node gives."""
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer
    from approvald.shell.words import WordReader

    line = "X=1 " + name + rest
    data = line.encode()
    analyzer = Analyzer(line, "/repo", "/home/u")
    tree = analyzer.parse(data)
    assert tree is not None
    reader = WordReader(data, "/home/u")
    visit = analyzer.visitor(Scope("/repo"), Ctx(data, reader))
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type == "command_name":
            assert reader.name_words(node, visit) == reader.words(node, visit), line
