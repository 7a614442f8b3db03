"""Shell escapes: programs whose own command language runs shell commands.

`sqlite3 db ".shell rm -rf ~"`, `psql -c '\\! rm -rf ~'`, `mysql -e 'system rm -rf ~'` and
`gdb -batch -ex 'shell rm -rf ~'` run `rm -rf ~` as surely as bash does. The text these programs
are given on the command line (and on standard input, when the line says what it is) is read
line by line: an escape's command is walked as a shell line of its own, one level deeper, so
every rule holds for it. A line that runs code approvald does not read (gdb's `python`, lldb's
`script`, sqlite3's `.load`, output piped into a command) or text known only at run time makes
the program dynamic: a person decides. A script file (`-f FILE`, `-x FILE`, `< FILE`) is not
read, as `bash FILE` is not.
"""

from __future__ import annotations

from approvald.model.lazyre import lazy_compile
from approvald.shell import commands
from approvald.shell.model import DYNAMIC_NAME
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer


class _Language:
    """Where a program takes text in its command language, and what in it reaches a shell."""

    __slots__ = ("carriers", "dynamic", "escape", "operands", "values")

    def __init__(self, carriers: frozenset[str], escape: str, dynamic: str,
                 values: frozenset[str] = frozenset(), operands: bool = False) -> None:
        self.carriers = carriers  # options whose value is such text (`-c`, `-ex`)
        self.values = values  # other options that take a value (the next word)
        self.operands = operands  # operands after the first (sqlite3's database) are text too
        # Patterns over one line: `escape` captures the shell command it runs; `dynamic`
        # finds code or a command that is not read.
        self.escape = lazy_compile(escape)
        self.dynamic = lazy_compile(dynamic)


_SQLITE = _Language(
    frozenset({"-cmd", "--cmd"}), r"^\s*\.(?:shell|system)\b(.*)",
    r"^\s*\.load\b|^\s*\.\w+\s.*['\"]?\|",
    frozenset({"-init", "--init", "-separator", "--separator", "-newline", "--newline",
               "-nullvalue", "--nullvalue", "-vfs", "--vfs", "-maxsize", "--maxsize",
               "-mmap", "--mmap", "-pagecache", "--pagecache", "-lookaside", "--lookaside",
               "-heap", "--heap", "-A"}), operands=True)
_PSQL = _Language(frozenset({"-c", "--command"}), r"(?:\\!|\\(?:o|out|g|gx|w|write)\s*\|)(.*)",
                  r"(?i:\\copy\b.*\bprogram\b)")
_MYSQL = _Language(frozenset({"-e", "--execute"}),
                   r"^\s*(?:system\b|\\!|pager\b|\\P)(.*)", r"(?!)")
_GDB = _Language(
    frozenset({"-ex", "--ex", "-eval-command", "--eval-command", "-iex", "--iex",
               "-init-eval-command", "--init-eval-command"}),
    r"^\s*(?:shell\b|!|pipe\b[^|]*\||\|[^|]*\|)(.*)",
    r"^\s*(?:python|python-interactive|pi|py|guile|gu|compile|source)\b"
    r"|^\s*(?:call|print|p|output|eval)\b.*\(")  # `p system("...")` calls a function
_LLDB = _Language(
    frozenset({"-o", "--one-line", "-O", "--one-line-before-file", "-k", "--one-line-on-crash",
               "-K"}), r"^\s*(?:platform\s+shell\b|shell\b)(.*)",
    r"^\s*(?:script|command\s+script|expression|expr|e|p|print|call|po)\b")

LANGUAGES: dict[str, _Language] = {"sqlite3": _SQLITE, "psql": _PSQL, "mysql": _MYSQL,
                                   "mariadb": _MYSQL, "gdb": _GDB, "lldb": _LLDB}


def run(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
        ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """The program as written, dynamic when its text runs what is not read; then each shell
    escape in that text, walked as a shell line."""
    language = LANGUAGES[name]
    texts = _texts(language, words[1:])
    if stdin is not None and stdin.text:
        texts.append(stdin)
    launched = _launched(name, words)
    if not texts and not launched:
        return None
    lines = [line for text in texts for line in text.text.splitlines()]
    dynamic = any(not text.literal for text in texts) or any(
        language.dynamic.search(line) for line in lines)
    if dynamic:
        an.note_dynamic(f"{words[0].text} runs code or commands only known at run time")
    index = commands.emit(an, words, assignments, ctx, site,
                          dynamic=DYNAMIC_NAME if dynamic else None)
    via = f"{name} shell escape"
    site.peeled.append(name)  # what the escape runs is reached through the program
    for line in lines:
        found = language.escape.search(line)
        if found is not None and found.group(1).strip() and commands.can_nest(an, ctx, via):
            commands.walk_nested(an, found.group(1), scope.copy(), ctx, via, site)
    site.peeled.pop()
    if launched and commands.can_nest(an, ctx, name):  # `gdb --args rm -rf ~` runs rm
        commands.run_argv(an, launched, [], scope,
                          commands.derived(ctx, name, [*site.peeled, name]),
                          text=site.text, cwd=site.cwd)
    return index


def _launched(name: str, words: list[Word]) -> list[Word]:
    """The program a debugger starts with its arguments: `gdb --args PROG ARGS`, `lldb --
    PROG ARGS`."""
    marker = {"gdb": "--args", "lldb": "--"}.get(name)
    for position, word in enumerate(words):
        if word.text == marker:
            return words[position + 1:]
    return []


def _texts(language: _Language, words: list[Word]) -> list[Word]:
    """The words that are text in the program's language: carrier options' values (`-c TEXT`,
    `--command=TEXT`, `-cTEXT` for a one-letter carrier) and, for sqlite3, the operands after
    the database."""
    texts: list[Word] = []
    operands = 0
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        text = word.text
        option, equals, value = text.partition("=")
        if option in language.carriers:
            if equals:
                texts.append(Word(value, word.literal))
            elif index < len(words):
                texts.append(words[index])
                index += 1
        elif len(option) > 2 and option[:2] in language.carriers and option[1] != "-":
            texts.append(Word(text[2:], word.literal))  # `-c'\! rm -rf ~'`
        elif option in language.values and not equals:
            index += 1
        elif text.startswith("-") and text != "-":
            continue
        else:
            operands += 1
            if language.operands and operands > 1:
                texts.append(word)
    return texts
