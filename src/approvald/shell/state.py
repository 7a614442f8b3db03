"""Shared state of one analysis: limits, the parser, scopes and nesting context."""

from __future__ import annotations

from _thread import _local as thread_local  # threading.local, without importing threading

from approvald.model.plain import Frozen, Plain
from approvald.shell.model import Redirect
from approvald.shell.positional import Args
from approvald.shell.words import MAX_VALUE, Word, WordReader

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:  # the parser is loaded when a line needs it (plain words never do)
    from tree_sitter import Language, Node, Parser

MAX_DEPTH = 10  # nested shells / substitutions / xargs / find -exec
# Text looked into beyond the line itself (nested shells, aliases, interpreter code, scripts
# written and run, package scripts): bounded by count and size as well as depth, so text that
# expands into more text cannot grow the work beyond these. Past them: dynamic.
MAX_EXPANSIONS = 256
MAX_EXPANDED_BYTES = 256 * 1024
MAX_LOOP_VALUES = 16  # `for x in a b c`: the body is looked at once per value, up to this
MAX_NESTING = 120  # tree levels the walk descends (lists are flattened, so this is real nesting)
MAX_STEPS = 400_000  # nodes visited for one line
MAX_COMMANDS = 20_000
TIME_BUDGET = 1.5  # seconds for one line, parse included
BIG_INPUT = 16 * 1024  # above this, parse with a deadline

REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
WORDLIKE = frozenset({"word", "string", "raw_string", "concatenation", "ansi_c_string",
                      "simple_expansion", "expansion", "number", "translated_string"})
NOT_FILES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/stdin"})
UNANALYZED = "<unanalyzed>"

_language: Language | None = None
_local = thread_local()


def parser() -> Parser:
    """One parser per thread (tree-sitter parsers are not thread-safe), created once."""
    global _language
    cached: Parser | None = getattr(_local, "parser", None)
    if cached is None:
        from approvald.shell.grammar import bash_language, parser_class

        if _language is None:
            _language = bash_language()
        cached = parser_class()(_language)
        _local.parser = cached
    return cached


class Budget(Exception):
    """The line is too big to finish within the budget."""


_NO_FUNCTIONS: dict[str, Function] = {}  # shared, never changed (see `Scope.functions`)
_NO_FDS: dict[str, Word] = {}  # (see `Scope.fds`)
# Name references (`declare -n r=x`) are kept with the aliases under this prefix (no alias name
# can hold a NUL): `$r` reads, and `r=...` sets, the variable x.
NAMEREF = "\0ref:"


class Scope(Plain):
    """The shell state a sequence of commands shares (one per subshell)."""

    cwd: str
    oldpwd: str | None
    stack: list[str]
    aliases: dict[str, str]
    # Variables the line set (`F=x`, `export F=x`, `for F in ...`); a non-literal Word when
    # the value is only known at run time. Names not here come from the environment.
    vars: dict[str, Word]
    exported: set[str]  # names later commands get in their env
    # What a command reads that no pipe or redirect of its own feeds: the input of the loop,
    # group or inner shell it is in (`find ~ | while read f; ...`, `find ~ | sh -c 'xargs cat'`).
    stdin: Word | None
    args: Args | None  # the positional parameters; None: only known at run time
    # Functions the line defined. Never changed in place (a definition makes a new dict), so
    # copies share it.
    functions: dict[str, Function]
    # What file descriptors the line opened for reading hold (`3< <(find ~)`, `exec 3< f`), by
    # number, as `stdin` holds the input: what `read -u 3` reads. Never changed in place.
    fds: dict[str, Word]

    def __init__(self, cwd: str, oldpwd: str | None = None, stack: list[str] | None = None,
                 aliases: dict[str, str] | None = None, vars: dict[str, Word] | None = None,
                 exported: set[str] | None = None, stdin: Word | None = None,
                 args: Args | None = None,
                 functions: dict[str, Function] | None = None,
                 fds: dict[str, Word] | None = None) -> None:
        self.cwd = cwd
        self.oldpwd = oldpwd
        self.stack = stack if stack is not None else []
        self.aliases = aliases if aliases is not None else {}
        self.vars = vars if vars is not None else {}
        self.exported = exported if exported is not None else set()
        self.stdin = stdin
        self.args = args
        self.functions = functions if functions is not None else _NO_FUNCTIONS
        self.fds = fds if fds is not None else _NO_FDS

    def copy(self) -> Scope:
        return Scope(self.cwd, self.oldpwd, list(self.stack), dict(self.aliases),
                     dict(self.vars), set(self.exported), self.stdin, self.args,
                     self.functions, self.fds)

    def descriptor(self, number: Word) -> Word | None:
        """What reading descriptor `number` gives, when the line opened it (see `fds`); one
        known only at run time (`read -u "$fd"`, `<&"${COPROC[0]}"`) reads the last opened."""
        if number.literal:
            return self.fds.get(number.text)
        return next(reversed(self.fds.values())) if self.fds else None

    def environment(self) -> list[str]:
        """`NAME=value` of what the line exported, for the commands that inherit it."""
        return [f"{name}={self.vars[name].text}" for name in sorted(self.exported)
                if name in self.vars]


class Function(Plain):
    """A function the line defined (`f() { ...; }`): walked where it is called, with the
    call's arguments, or, never called, at the end of the line as it stood where defined."""

    node: Node  # the function_definition
    scope: Scope  # a copy of the shell state where it is defined
    ctx: Ctx
    called: bool

    def __init__(self, node: Node, scope: Scope, ctx: Ctx, called: bool = False) -> None:
        self.node = node
        self.scope = scope
        self.ctx = ctx
        self.called = called


class Ctx(Frozen):
    """Where in the nesting a command is: its source text and how it was reached."""

    src: bytes
    reader: WordReader
    depth: int
    via: str
    wrappers: tuple[str, ...]
    patched: frozenset[int]  # offsets changed to get around a grammar bug

    def __init__(self, src: bytes, reader: WordReader, depth: int = 0, via: str = "",
                 wrappers: tuple[str, ...] = (), patched: frozenset[int] = frozenset()) -> None:
        self.__dict__.update(src=src, reader=reader, depth=depth, via=via, wrappers=wrappers,
                             patched=patched)

    def source(self, node: Node) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def original(self, start: int, end: int) -> str:
        """Source text as written (undoing `patched`)."""
        data = self.src[start:end]
        if self.patched and any(start <= offset < end for offset in self.patched):
            chars = bytearray(data)
            for offset in self.patched:
                if start <= offset < end:
                    chars[offset - start] = ord("\\")
            data = bytes(chars)
        return data.decode("utf-8", "replace")


# Text read without the parser (`plain.py`, `plainlists.py`) has no tree, so nothing reads source
# bytes or words from nodes for it: its context only says where in the nesting it is, and a line's
# own plain text (depth 0, reached directly) shares this one.
PLAIN_TOP = Ctx(b"", WordReader(b"", None))


def plain_ctx(depth: int, via: str, wrappers: tuple[str, ...]) -> Ctx:
    """The context of plain text nested `depth` deep (see `PLAIN_TOP`)."""
    return Ctx(b"", PLAIN_TOP.reader, depth, via, wrappers)


class Outcome(Plain):
    index: int | None  # the command this node produced (for redirects)
    stdout: Word | None  # what it prints, when known (echo/printf/cat <<EOF)

    def __init__(self, index: int | None = None, stdout: Word | None = None) -> None:
        self.index = index
        self.stdout = stdout


UNKNOWN_OUTPUT = Word("", False)  # what an unknown program prints into a pipe


class Redirections(Plain):
    redirects: list[Redirect]
    stdin: Word | None  # here-document or here-string text
    stdin_file: str | None  # `< FILE`: stdin comes from this file
    # `> FILE`, `>> FILE`, `&> FILE`: (path, appended)
    stdout_files: list[tuple[str, bool]]
    words: list[Word]  # command words tree-sitter put in redirects
    pipe: Node | None
    after: list[Node]
    fds: dict[str, Word] | None  # `3< FILE`, `3< <(...)`: what descriptor 3 reads, if known

    def __init__(self, redirects: list[Redirect] | None = None, stdin: Word | None = None,
                 stdin_file: str | None = None,
                 stdout_files: list[tuple[str, bool]] | None = None,
                 words: list[Word] | None = None, pipe: Node | None = None,
                 after: list[Node] | None = None, fds: dict[str, Word] | None = None) -> None:
        self.redirects = redirects if redirects is not None else []
        self.stdin = stdin
        self.stdin_file = stdin_file
        self.stdout_files = stdout_files if stdout_files is not None else []
        self.words = words if words is not None else []
        self.pipe = pipe
        self.after = after if after is not None else []
        self.fds = fds


def set_var(scope: Scope, name: str, value: Word) -> None:
    """`name=value` as bash sets it: through a name reference (`declare -n`), `a[0]=x` as one
    element more of the array a, a value past MAX_VALUE cut (then unknown). (A value that is
    one of a pattern's names stays one: `g=$f` in `for f in ~/.ssh/*`.)"""
    if not name:
        return
    if scope.aliases:
        name = scope.aliases.get(NAMEREF + name, name)  # (assigning a name reference)
    if name[-1] == "]":  # `a[0]=x`: one element more of what the array names
        name = name.split("[", 1)[0]
        before = scope.vars.get(name)
        value = Word(f"{before.text} {value.text}" if before else value.text, False)
    if len(value.text) > MAX_VALUE:
        value = Word(value.text[:MAX_VALUE], False)
    scope.vars[name] = Word(value.text, value.literal, value.glob and value.literal)
