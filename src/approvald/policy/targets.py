"""What a rule is checked against: one target per simple command of a shell line, one for the
line as a whole, one for a non-shell action (a file read, a fetch, an MCP call), and one for each
argument an MCP call carries that names a path, a command or a URL.

Everything a target derives (file arguments, URLs) is computed on first use and kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from itertools import islice

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Frozen, Identity
from approvald.shell.fileargs import FileArgs, absolute, file_args
from approvald.shell.model import SimpleCommand

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

    from approvald.policy import netaddr

# Programs whose last operand is where they write, not something they read.
_DEST_LAST = frozenset({"cp", "mv", "scp", "rsync", "install", "ln"})
# Characters that separate path-like tokens inside code (`python -c "open('.env')"`).
_TOKEN_SPLIT = lazy_compile(r"[\s'\"`(),;=<>|&\[\]{}]+")
_MAX_TOKENS_PER_ARG = 256
_CODE_CHARS = lazy_compile(r"[ \t\n'\"();]")
_MAX_GLOB_MATCHES = 64
# Programs whose arguments name hosts or URLs to reach.
NETWORK_PROGRAMS = frozenset({
    "curl", "wget", "http", "https", "xh", "httpie", "aria2c", "axel", "lynx", "links",
    "elinks", "w3m", "nc", "ncat", "netcat", "socat", "telnet", "openssl", "fetch", "iwr",
    "invoke-webrequest", "invoke-restmethod", "ftp", "tftp", "gost", "grpcurl", "websocat",
})
# Interpreters: URLs written in their code are looked at too.
_CODE_PROGRAMS = lazy_compile(r"^(?:python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bun|perl|ruby|php|"
                            r"lua|luajit|rscript|pwsh|powershell|osascript|awk|gawk)$")


_RUN_TIME = lazy_compile(r"[$`]")  # where a word's run-time part starts
_HOST_SPLIT = lazy_compile(r"[\s'\"(),:;@=/\[\]]+")  # around hosts and addresses in code
_PLAIN_ARG = lazy_compile(r"^(?!file:)[^-=@ \t\n'\"();<][^=@ \t\n'\"();]*$")
# A plain argument `absolute` only joins to the cwd: no ~ first, no $ \ : and no glob.
_SIMPLE_ARG = lazy_compile(r"^[^-=@ \t\n'\"();<~$\\:*?\[][^=@ \t\n'\"();$\\:*?\[]*$")


# GNU's `-t DIR` / `--target-directory=DIR` names the destination: every operand is a source.
_TARGET_DIRECTORY = frozenset({"cp", "mv", "install", "ln"})
_COPY_VALUE_LETTERS = frozenset("Smog")  # their other one-letter options that take a value


def _destination(program: str, args: tuple[str, ...]) -> int:
    """The index of a copy's destination argument: the last operand, or the value of `-t`
    (`cp -t /tmp $(find ~)` reads what find found); -1 when there is none, or it is glued to
    its option (a flag word, never read)."""
    if program in _TARGET_DIRECTORY:
        for index, arg in enumerate(args):
            if arg == "--":
                break
            if arg[:2] == "--":
                name, equals, _ = arg.partition("=")
                if len(name) > 2 and "--target-directory".startswith(name):  # getopt: `--t`
                    return -1 if equals else index + 1
            elif arg[:1] == "-":
                for position in range(1, len(arg)):
                    letter = arg[position]
                    if letter == "t":
                        return index + 1 if position + 1 == len(arg) else -1
                    if letter in _COPY_VALUE_LETTERS:
                        break
    operands = [i for i, a in enumerate(args) if a[:1] != "-"]
    return operands[-1] if len(operands) > 1 else -1


def has_glob(text: str) -> bool:
    """Whether `text` holds `*`, `?` or `[` (`in` tests: a regex class scan costs far more)."""
    return "*" in text or "?" in text or "[" in text


def _arg_words(arg: str) -> list[str]:
    """What in one argument could name a file: the value of `--opt=FILE` / `name=FILE`, what
    follows `@` (curl -d@file, -F f=@file), a `file://` path, and path-like tokens of code."""
    words = [arg]
    if arg.startswith("-"):
        words = [arg.split("=", 1)[1]] if "=" in arg else []
    elif "=" in arg and not arg.startswith("="):
        words.append(arg.split("=", 1)[1])  # dd if=FILE, name=value
    if "@" in arg:
        words.append(arg.rsplit("@", 1)[1])
    elif arg.startswith("file://"):
        words.append(arg[len("file://"):])
    if _CODE_CHARS.search(arg):
        words.extend(t for t in _TOKEN_SPLIT.split(arg)[:_MAX_TOKENS_PER_ARG] if t)
    cleaned = []
    for word in words:
        word = word.lstrip("@<")
        if word.startswith("file://"):
            word = word[len("file://"):]
        cleaned.append(word)
    return cleaned


@lru_cache(maxsize=1024)
def _names_urls(program: str) -> bool:
    """Whether `_urls` looks at this program's arguments (a network tool or an interpreter)."""
    return program in NETWORK_PROGRAMS or _CODE_PROGRAMS.match(program) is not None


_UNSET: Any = object()


class Url(Frozen):
    scheme: str
    host: str
    path: str
    address: netaddr.Address | None

    def __init__(self, scheme: str, host: str, path: str, address: netaddr.Address | None) -> None:
        self.__dict__.update(scheme=scheme, host=host, path=path, address=address)


class Target(Identity):
    # The fields a shell line's targets give come first: the engine builds those (two or more
    # for every line) by position (matching keywords was some 40% of building one).
    kind: str
    tool: str
    text: str  # what a person reads in `explain`
    home: str
    command: SimpleCommand | None
    base_reads: tuple[str, ...]  # redirects, or a file tool's path
    base_writes: tuple[str, ...]
    line_level: bool  # the whole shell line: never decides by default
    content: tuple[str, ...]  # text a write puts into files
    findings: frozenset[str]  # line-level findings (see detectors.py)
    pipe_to_shell: bool
    fork_bomb: bool
    syntax_error: bool
    paths: tuple[str, ...]  # a file tool's paths (a Grep `glob` makes one a glob)
    url: str | None
    method: str | None
    mcp_server: str | None
    mcp_tool: str | None
    mcp_args: tuple[tuple[str, str], ...]  # (argument name, value as text), flattened
    shown: frozenset[int]  # indexes into the command's args it only prints (shell.shown)
    _cache: dict[str, Any]

    def __init__(self, kind: str, tool: str, text: str, home: str = "",
                 command: SimpleCommand | None = None, base_reads: tuple[str, ...] = (),
                 base_writes: tuple[str, ...] = (), line_level: bool = False,
                 content: tuple[str, ...] = (), findings: frozenset[str] = frozenset(),
                 pipe_to_shell: bool = False, fork_bomb: bool = False, syntax_error: bool = False,
                 paths: tuple[str, ...] = (), url: str | None = None, method: str | None = None,
                 mcp_server: str | None = None, mcp_tool: str | None = None,
                 mcp_args: tuple[tuple[str, str], ...] = (),
                 shown: frozenset[int] = frozenset(),
                 _cache: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.tool = tool
        self.text = text
        self.home = home
        self.command = command
        self.base_reads = base_reads
        self.base_writes = base_writes
        self.line_level = line_level
        self.content = content
        self.findings = findings
        self.pipe_to_shell = pipe_to_shell
        self.fork_bomb = fork_bomb
        self.syntax_error = syntax_error
        self.paths = paths
        self.url = url
        self.method = method
        self.mcp_server = mcp_server
        self.mcp_tool = mcp_tool
        self.mcp_args = mcp_args
        self.shown = shown
        self._cache = _cache if _cache is not None else {}

    # -- files --------------------------------------------------------------------------
    def file_args(self) -> FileArgs | None:
        """What the command's arguments read and write (None: no command)."""
        found = self._cache.get("fa", _UNSET)
        if found is _UNSET:
            found = self._cache["fa"] = file_args(self.command, self.home) if self.command \
                else None
        return found

    @property
    def reads(self) -> tuple[str, ...]:
        found = self.file_args()
        return self.base_reads + found.reads if found is not None and found.reads \
            else self.base_reads

    @property
    def writes(self) -> tuple[str, ...]:
        found = self.file_args()
        return self.base_writes + found.writes if found is not None and found.writes \
            else self.base_writes

    @property
    def path_args(self) -> tuple[str, ...]:
        """Every argument that could name a file, made absolute against the command's cwd."""
        if "pa" not in self._cache:
            self._split_candidates()
        return self._cache["pa"]

    @property
    def read_args(self) -> tuple[str, ...]:
        """Like path_args, less the destination of copy-like programs (`cp SRC DEST`)."""
        if "ra" not in self._cache:
            self._split_candidates()
        return self._cache["ra"]

    @property
    def globs(self) -> frozenset[str]:
        """Candidate paths that are shell globs (checked for what they could name): unquoted
        globs among the arguments, a file tool's glob, and globs the file rules derived."""
        if "globs" not in self._cache:
            if "ag" not in self._cache:
                self._split_candidates()
            self._cache["globs"] = self._cache["ag"] | {
                p for p in (*self.paths, *self.reads, *self.writes) if has_glob(p)}
        return self._cache["globs"]

    def args_lack(self, tokens: tuple[str, ...]) -> bool:
        """Whether no path in `path_args` / `read_args` can contain any of `tokens` (texts without
        `/`, `\\` or a newline; see PathGlobSet.tokens), known without building them. Each name
        in those paths is taken from the cwd, from an argument or, where `~`, `$HOME` or
        `${HOME}` starts a word, from the home directory; a glob (expanded on disk) can bring in
        any name: then the answer is False (build and look)."""
        cmd = self.command
        if cmd is None or not cmd.args:
            return True  # path_args is ()
        text = self._cache.get("text", _UNSET)
        if text is _UNSET:  # once per target: several rules ask
            text = "\n".join((cmd.cwd, *cmd.args))
            if has_glob(text):
                text = None
            elif "~" in text or "$" in text:
                text += "\n" + self.home  # what expanding them puts into a path
            self._cache["text"] = text
        if text is None:
            return False
        for token in tokens:  # noqa: SIM110 (a loop: cheaper than any() over a generator)
            if token in text:
                return False
        return True

    def _split_candidates(self) -> None:
        """Every file-like argument, made absolute: path_args, read_args (less a copy's
        destination) and the unquoted globs among them, in one pass. Search patterns, messages
        (fileargs' patterns) and text only printed (`shown`) are no file arguments."""
        cmd = self.command
        if cmd is None or not cmd.args:
            self._cache["pa"] = self._cache["ra"] = ()
            self._cache["ag"] = frozenset()
            return
        found = self.file_args()
        patterns = found.patterns if found is not None else frozenset()
        if self.shown:
            patterns = patterns | self.shown
        destination = -1
        if cmd.program in _DEST_LAST:
            destination = _destination(cmd.program, cmd.args)
        cwd, home = cmd.cwd, self.home
        paths: list[str] = []
        reads: list[str] = []
        globs: set[str] = set()
        seen: set[str] = set()
        rooted = cwd[:1] == "/"
        for index, arg in enumerate(cmd.args):
            if not arg or index in patterns:
                continue
            if arg[0] == "-" and "=" not in arg and "@" not in arg and \
                    _CODE_CHARS.search(arg) is None:
                continue  # a bare flag (`-la`): _arg_words would find nothing in it
            if rooted and index != destination and _SIMPLE_ARG.match(arg) and len(arg) <= 4096:
                # The commonest case, `absolute` inline: a plain relative or absolute path
                # with nothing to expand (no ~ $ \ : or glob), under an absolute cwd.
                if arg not in seen:
                    seen.add(arg)
                    path = arg if arg[0] == "/" else f"{cwd}/{arg}"
                    if "/." in path or "//" in path or path[-1] == "/":
                        path = absolute(arg, cwd, home)
                    paths.append(path)
                    reads.append(path)
                continue
            # then one word, a plain path to look at more closely
            words = [arg] if _PLAIN_ARG.match(arg) else _arg_words(arg)
            last = index == destination
            for word in words:
                if word in seen or not word or len(word) > 4096:
                    continue
                seen.add(word)
                path = absolute(word, cwd, home)
                paths.append(path)
                if not last:
                    reads.append(path)
                if not has_glob(word):
                    continue
                if index in cmd.glob_args or index in cmd.dynamic_args:
                    # (a glob inside a run-time value, `$(ls ~/.ssh/*)`, names what it can match)
                    globs.add(path)
                if index not in cmd.dynamic_args:
                    # Unquoted, bash hands the program whatever the pattern matches on disk.
                    # (Quoting is gone by now; expanding a quoted pattern too only ever errs
                    # towards looking at more files.)
                    from glob import iglob  # here: most lines glob nothing

                    for match in islice(iglob(path), _MAX_GLOB_MATCHES):
                        paths.append(match)
                        if not last:
                            reads.append(match)
        self._cache["pa"] = tuple(paths)
        self._cache["ra"] = tuple(reads)
        self._cache["ag"] = frozenset(globs)

    # -- network ------------------------------------------------------------------------
    @property
    def urls(self) -> tuple[Url, ...]:
        found = self._cache.get("urls")
        if found is None:
            if self.url is None and (self.command is None or
                                     not _names_urls(self.command.program)):
                found = ()  # what _urls would find: nothing to look at
            else:
                found = tuple(self._urls())
            self._cache["urls"] = found
        return found

    def _urls(self) -> Iterator[Url]:
        texts: list[str] = []
        if self.url is not None:
            texts.append(self.url)
        elif self.command is not None:
            program = self.command.program
            network = program in NETWORK_PROGRAMS
            code = _CODE_PROGRAMS.match(program) is not None
            if not (network or code):
                return
            from approvald.policy import netaddr  # URLs only: its modules cost the hook time

            dynamic = self.command.dynamic_args
            for index, arg in enumerate(self.command.args):
                if index in dynamic:  # the part known before it runs
                    arg = _RUN_TIME.split(arg, maxsplit=1)[0]
                    if not arg:
                        continue
                found = netaddr.urls_in(arg)
                texts += found
                if network and not found and not arg.startswith("-"):
                    texts.append(arg)  # curl 169.254.169.254/latest, nc HOST PORT
                # --resolve h:80:ADDR, connect(("ADDR", 80))
                texts += [t for t in _HOST_SPLIT.split(arg)
                          if t and t[0].isdigit() and netaddr.host_address(t)]
        if not texts:
            return
        from approvald.policy import netaddr

        for text in texts:
            parts = netaddr.url_parts(text)
            if parts is None:
                continue
            scheme, host, path = parts
            yield Url(scheme, host, path, netaddr.host_address(host) if host else None)
