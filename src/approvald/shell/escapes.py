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

    __slots__ = ("bundles", "carriers", "commands", "dynamic", "escape", "operands", "prefixes",
                 "values")

    def __init__(self, carriers: frozenset[str], escape: str, dynamic: str,
                 values: frozenset[str] = frozenset(), operands: bool = False,
                 bundles: bool = False, prefixes: bool = False,
                 commands: frozenset[str] = frozenset()) -> None:
        self.carriers = carriers  # options whose value is such text (`-c`, `-ex`)
        self.values = values  # other options that take a value (the next word)
        self.operands = operands  # operands after the first (sqlite3's database) are text too
        self.bundles = bundles  # one-letter options bundle (`-Xc TEXT`), as getopt takes them
        self.prefixes = prefixes  # a long option is taken by any prefix (`--comm`), as getopt
        self.commands = commands  # options whose value is a shell line (mysql's `--pager=CMD`)
        # Patterns over one line: `escape` captures the shell command it runs; `dynamic`
        # finds code or a command that is not read.
        self.escape = lazy_compile(escape)
        self.dynamic = lazy_compile(dynamic)


# Every prefix of .shell and .system: sqlite3 takes a dot-command by any prefix of its name
_SQLITE_SHELL = r"^\s*\.(?:s|sh|she|shel|shell|sy|sys|syst|syste|system)\b"
_SQLITE = _Language(
    frozenset({"-cmd", "--cmd"}), _SQLITE_SHELL + r"(.*)",
    r"^\s*\.(?:lo|loa|load)\b|^\s*\.\w+\s.*['\"]?\||\bedit\s*\("  # edit(TEXT, EDITOR)
    # It unquotes the command's words, resolving backslashes, then wraps those with a space in
    # "...", where $ and ` expand: its quoting is not the shell's.
    + "|" + _SQLITE_SHELL + r".*['\"\\]",
    frozenset({"-init", "--init", "-separator", "--separator", "-newline", "--newline",
               "-nullvalue", "--nullvalue", "-vfs", "--vfs", "-maxsize", "--maxsize",
               "-mmap", "--mmap", "-pagecache", "--pagecache", "-lookaside", "--lookaside",
               "-heap", "--heap", "-A"}), operands=True)
_PSQL = _Language(frozenset({"-c", "--command"}),
                  r"(?:\\!|\\(?:o|out|g\w*|w|write)\b[^\\]*?\|)(.*)",
                  # COPY ... PROGRAM 'CMD' (the server runs CMD): its string follows PROGRAM
                  r"(?i:\bprogram\s*(?:e|u&)?['$])|\\setenv\b",
                  frozenset({"-d", "-f", "-h", "-p", "-U", "-v", "-o", "-L", "-T", "-F", "-R",
                             "-P"}), bundles=True, prefixes=True)
_MYSQL = _Language(frozenset({"-e", "--execute"}),
                   # The long form is taken at a statement's start in any case, the short anywhere
                   r"(?:(?i:(?:^|;)\s*(?:system|pager)\b)|\\!|\\P)(.*)", r"(?!)",
                   frozenset({"-u", "-h", "-P", "-D", "-S"}), bundles=True, prefixes=True,
                   commands=frozenset({"--pager"}))
_GDB = _Language(
    frozenset({"-ex", "--ex", "-eval-command", "--eval-command", "-iex", "--iex",
               "-init-eval-command", "--init-eval-command"}),
    # gdb takes a command by any unique prefix; `target remote | CMD` starts CMD
    r"^\s*(?:(?:sh|she|shel|shell)\b|!|(?:pip|pipe)\b[^|]*\||\|[^|]*\|"
    r"|tar\w*\s+[\w-]+\s*\|)(.*)",
    r"^\s*(?:py[\w-]*|pi|gu\w*|comp\w*|so|sou\w*|ev\w*|al\w*|def\w*|doc\w*)\b"
    r"|^\s*(?:r|ru|run|start|starti)\s+\S"  # run's arguments go through a shell
    r"|^\s*set\s+(?:ar\w*|exec-w\w*|env\w*)\b|^\s*pip\w*\s+-d"
    # A function call anywhere after the command word (`p system("sh")`, `b f if system(..)`)
    # (the lookahead ends the command word in one place: no backtracking over long words)
    r"|^\s*[^\s(]+(?=[\s(]).*?(?:(?<![\w$])(?!(?:sizeof|alignof|_Alignof|offsetof|typeof|decltype)\b)"
    r"[A-Za-z_$][\w$]*\s*\(|\)\s*\()", prefixes=True)
_LLDB_SHELL = r"^\s*(?:pl\w*\s+sh\w*|sh\w*)\b"  # lldb too takes commands by a unique prefix
_LLDB = _Language(
    frozenset({"-o", "--one-line", "-O", "--one-line-before-file", "-k", "--one-line-on-crash",
               "-K"}), _LLDB_SHELL + r"(.*)",
    r"^\s*(?:sc\w*|com\w*\s+(?:scr\w*|al\w*|reg\w*)|e|ex\w*|p|print|call|po|dw\w*)\b"
    r"|^\s*(?:r|ru|run|pro\w*\s+la\w*)\s+\S"  # its arguments go through a shell
    r"|^\s*se\w*\s+s\w*\s+target\.(?:run-args|env-vars)"
    + "|" + _LLDB_SHELL + r"\s+-",  # platform shell's own options (-t, -s SHELL) are not read
    frozenset({"-s", "-S", "-f", "-a", "-c", "-p", "-n", "-l"}), bundles=True)

LANGUAGES: dict[str, _Language] = {"sqlite3": _SQLITE, "psql": _PSQL, "mysql": _MYSQL,
                                   "mariadb": _MYSQL, "gdb": _GDB, "lldb": _LLDB}
# gdb and lldb under other names: gdb-multiarch, arm-none-eabi-gdb, rust-gdb, lldb-15
DEBUGGER_NAME = lazy_compile(r"(?:[\w.+-]+-)?(gdb|lldb)(?:-[\w.+]+)?")


def language_name(name: str) -> str | None:
    """The key of LANGUAGES a program of this name speaks, if any."""
    if name in LANGUAGES:
        return name
    found = DEBUGGER_NAME.fullmatch(name)
    return found.group(1) if found is not None else None


def run(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
        ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """The program as written, dynamic when its text runs what is not read; then each shell
    escape in that text, walked as a shell line."""
    spoken = language_name(name)
    if spoken is None:
        return None
    language = LANGUAGES[spoken]
    texts, shell_lines = _texts(language, words[1:])
    if stdin is not None and stdin.text:
        texts.append(stdin)
    launched = _launched(spoken, words)
    if not texts and not shell_lines and not launched:
        return None
    lines = [line for text in texts for line in text.text.splitlines()]
    dynamic = any(not text.literal for text in (*texts, *shell_lines)) or any(
        language.dynamic.search(line) for line in lines)
    if dynamic:
        an.note_dynamic(f"{words[0].text} runs code or commands only known at run time")
    index = commands.emit(an, words, assignments, ctx, site,
                          dynamic=DYNAMIC_NAME if dynamic else None)
    escaped = [found.group(1) for found in map(language.escape.search, lines)
               if found is not None]
    via = f"{name} shell escape"
    site.peeled.append(name)  # what the escape runs is reached through the program
    for command in (*escaped, *(line.text for line in shell_lines)):
        if command.strip() and commands.can_nest(an, ctx, via):
            commands.walk_nested(an, command, scope.copy(), ctx, via, site)
    site.peeled.pop()
    if launched and commands.can_nest(an, ctx, name):  # `gdb --args rm -rf ~` runs rm
        commands.run_argv(an, launched, [], scope,
                          commands.derived(ctx, name, [*site.peeled, name]),
                          text=site.text, cwd=site.cwd)
    return index


def _launched(spoken: str, words: list[Word]) -> list[Word]:
    """The program a debugger starts with its arguments: `gdb --args PROG ARGS`, `lldb --
    PROG ARGS`."""
    marker = {"gdb": "--args", "lldb": "--"}.get(spoken)
    for position, word in enumerate(words):
        if word.text == marker:
            return words[position + 1:]
    return []


def _option(language: _Language, option: str, names: frozenset[str]) -> bool:
    """Whether `option` is one of `names`, or, where the program takes long options by a prefix,
    a prefix of one (`--comm` for `--command`, gdb's `-eval` for `-eval-command`)."""
    if option in names:
        return True
    body = option.lstrip("-")
    if not language.prefixes or len(body) < 2 or len(option) - len(body) not in (1, 2):
        return False
    return any(len(name) > 2 and name.lstrip("-").startswith(body) for name in names)


def _texts(language: _Language, words: list[Word]) -> tuple[list[Word], list[Word]]:
    """The words that are text in the program's language: carrier options' values (`-c TEXT`,
    `--command=TEXT`, `-cTEXT` or `-XcTEXT` for a one-letter carrier) and, for sqlite3, the
    operands after the database; then the values of options that are shell lines."""
    texts: list[Word] = []
    shell_lines: list[Word] = []
    operands = 0
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        text = word.text
        option, equals, value = text.partition("=")
        if not text.startswith("-") or text == "-":
            operands += 1
            if language.operands and operands > 1:
                texts.append(word)
        elif _option(language, option, language.carriers):
            if equals:
                texts.append(Word(value, word.literal))
            elif index < len(words):
                texts.append(words[index])
                index += 1
        elif equals and _option(language, option, language.commands):
            shell_lines.append(Word(value, word.literal))
        elif language.bundles and text[1] != "-" and len(text) > 2:
            index = _bundle(language, word, words, index, texts)
        elif _option(language, option, language.values) and not equals:
            index += 1
    return texts, shell_lines


def _bundle(language: _Language, word: Word, words: list[Word], index: int,
            texts: list[Word]) -> int:
    """`-XAtc TEXT`, `-cTEXT`: one-letter options in one word, up to the first that takes a
    value (the rest of the word, or else the next word). Returns the index after them."""
    text = word.text
    for position in range(1, len(text)):
        letter = "-" + text[position]
        carrier = letter in language.carriers
        if carrier or letter in language.values:
            rest = text[position + 1:]
            if rest:
                if carrier:
                    texts.append(Word(rest, word.literal))
            elif index < len(words):
                if carrier:
                    texts.append(words[index])
                index += 1
            break
    return index
