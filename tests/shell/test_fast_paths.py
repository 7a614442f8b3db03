"""Fast paths of the shell analysis hold the slower paths they stand for."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.shell.code.literals import _closing
from approvald.shell.interpspecs import SPECS, is_interpreter, spec_of

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


HOME_CODE = st.lists(st.one_of(
    st.sampled_from(["os.", "path.", "expanduser(", "Path.home()", "pathlib.", "environ", "[",
                     "]", ".get(", "getenv(", "require(", "'os'", "node:", ".homedir()", "os",
                     "process.env", ".HOME", "Deno.env.get(", "Bun.env.", "$ENV{", "Dir.home",
                     "ENV", ".fetch(", "File.expand_path(", "$_SERVER", "$_ENV", "Sys.",
                     "expand(", "ENVIRON", "$env:", "$HOME", "USERPROFILE", "HOME", "~", "${",
                     "#{", "}", ")"]),
    st.sampled_from(["${os.homedir()}", "#{Dir.home}", "os.path.expanduser('~')",
                     "pathlib.Path.home()", "os.environ['HOME']", 'os.environ.get("HOME")',
                     "os.getenv('HOME')", "require('node:os').homedir()", "process.env.HOME",
                     "process.env['HOME']", "Deno.env.get('HOME')", "Bun.env.HOME",
                     "$ENV{HOME}", "ENV['HOME']", "ENV.fetch('HOME')", "File.expand_path('~')",
                     "getenv('HOME')", "$_SERVER['HOME']", "Sys.getenv('HOME')",
                     "path.expand('~')", 'ENVIRON["HOME"]', "$env:HOME", "$HOME/"]),
    st.text(alphabet="'\" .(){}[]$_~:aH", max_size=3)), max_size=12).map("".join)


@settings(max_examples=3000, deadline=None)
@given(HOME_CODE)
def test_home_references_are_replaced_as_every_pattern_replaces_them(code: str) -> None:
    """`normalize_home` runs a pattern only on code holding one of its guards: the result of
    running them all."""
    from approvald.shell.code.literals import HOME
    from approvald.shell.code.scan import _HOME_REFS, normalize_home

    expected = code
    for _, pattern in _HOME_REFS:
        expected = pattern.sub(HOME, expected)
    assert normalize_home(code) == expected


def _named_calls(language: str) -> re.Pattern[str]:
    """The call pattern spelling out the table's names (what `find_call` stands for)."""
    from approvald.shell.code.languages import LANGUAGES

    spec = LANGUAGES[language]
    body = "|".join(re.escape(n) for n in sorted(spec.kinds, key=len, reverse=True))
    extra = spec._sources[0].partition(r"\s*(?=\()")[2]  # `|(?P<tpl>...)`, `|(?P<bt>`)`
    return re.compile(rf"(?<![\w$])(?P<name>(?:[A-Za-z_$][\w$]*\.)*(?:{body}))\s*(?=\()"
                      + extra)


_CALL_NAMES = ["system", "os.system", "subprocess.run", "run", "exec", "execSync", "Bun.spawn",
               "Bun.$", "Deno.Command", "Command", "unlink", "file.remove", "remove",
               "shell_exec", "writeFileSync", "rm", "execv", "execve", "x", "os", "fs"]
CALL_CODE = st.lists(st.one_of(
    st.sampled_from(_CALL_NAMES + [name + "(" for name in _CALL_NAMES]),
    st.sampled_from(["1", "é", "$", "`", ".", "(", " (", "  ", "\n", "'", '"', "_", "a.b."]),
    st.text(alphabet="ab.$_( `'1é", max_size=3)), max_size=10).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["python", "js", "php", "r"]), CALL_CODE,
       st.integers(min_value=0, max_value=5))
def test_calls_are_found_as_the_pattern_naming_them_finds_them(language: str, code: str,
                                                               position: int) -> None:
    """A language whose calls need `(` matches any call and keeps the table's: the matches
    the alternation of the table's names gives, one after another as `scan` asks."""
    from approvald.shell.code.languages import LANGUAGES

    spec = LANGUAGES[language]
    named = _named_calls(language)
    while True:
        found = spec.find_call(code, position)
        expected = named.search(code, position)
        assert (found and (found.span(), found.lastgroup, found.group(found.lastgroup or 0))) \
            == (expected and (expected.span(), expected.lastgroup,
                              expected.group(expected.lastgroup or 0)))
        if found is None:
            break
        position = max(found.end(), position + 1)


PLAIN_LINE = st.lists(st.one_of(
    st.sampled_from(["git", "push", " ", "  ", "-rf", "~/x", "a=b", "'a b'", "'", '"', '"x y"',
                     '"$X"', "*", "?", "$", "`", "\\", "|", ">", "\n", "\t", "é", "\x01"]),
    st.text(alphabet="ab ./-'\"$\n", max_size=4)), max_size=10).map("".join)


@settings(max_examples=3000, deadline=None)
@given(PLAIN_LINE)
def test_plain_lines_are_told_as_the_backtracking_patterns_tell_them(line: str) -> None:
    """The possessive line patterns of `plain.py` accept the lines their backtracking forms
    accept."""
    from approvald.shell.plain import _PART, _QUOTED_LINE, _SIMPLE_LINE

    simple = re.compile(r"^ *[A-Za-z_./~][A-Za-z0-9_./~+-]*(?: +[A-Za-z0-9_./:@%+,=~*?-]+)* *$")
    quoted = re.compile(rf"^ *[A-Za-z_./~][A-Za-z0-9_./~+-]*(?: +{_PART}+)* *$")
    assert bool(_SIMPLE_LINE.match(line)) == bool(simple.match(line))
    assert bool(_QUOTED_LINE.match(line)) == bool(quoted.match(line))
