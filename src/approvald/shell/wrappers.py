"""Peeling wrapper programs (`sudo`, `env`, `nice`, `xargs`, ...) off a command's argv.

Each handler takes the words after the wrapper's name and returns a `Peel` describing the
command the wrapper would run, or None when this use of the wrapper runs nothing (`env` alone,
`command -v git`, `sudo -l`): the wrapper is then reported as a command of its own.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from approvald.shell.words import Word

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass
class Peel:
    rest: list[Word]  # the argv the wrapper would run
    assignments: list[str] = field(default_factory=list)
    chdir: Word | None = None
    nested: str = ""  # non-empty: a derived command (depth+1, via=nested), e.g. "xargs"
    shell_text: Word | None = None  # the wrapper runs this text through a shell
    replace: str | None = None  # xargs -I: words containing this are filled in at run time
    appended: bool = False  # xargs: extra arguments are appended at run time
    reads: list[Word] = field(default_factory=list)
    writes: list[Word] = field(default_factory=list)


@dataclass(frozen=True)
class OptionSpec:
    short_value: str = ""  # -u USER / -uUSER
    long_value: frozenset[str] = frozenset()  # --user USER / --user=USER
    short_optional: str = ""  # value only when glued: -i{} (xargs)
    long_optional: frozenset[str] = frozenset()  # value only with `=`: --replace=R


Option = tuple[str, Word | None]


def parse_options(words: list[Word], spec: OptionSpec) -> tuple[list[Option], int]:
    """getopt-style scan; returns the options and the index of the first operand.

    Unknown options are taken as flags. A non-literal word ends the scan (it is then the
    operand, so a program name from a variable is reported as dynamic).
    """
    options: list[Option] = []
    index = 0
    count = len(words)
    while index < count:
        word = words[index]
        text = word.text
        if not word.literal or len(text) < 2 or not text.startswith("-"):
            break
        index += 1
        if text == "--":
            break
        if text.startswith("--"):
            name, equals, value = text.partition("=")
            if name in spec.long_value:
                if equals:
                    options.append((name, Word(value)))
                elif index < count:
                    options.append((name, words[index]))
                    index += 1
                else:
                    options.append((name, None))
            else:
                options.append((name, Word(value) if equals else None))
            continue
        for position in range(1, len(text)):
            char = text[position]
            glued = text[position + 1:]
            if char in spec.short_value:
                if glued:
                    options.append(("-" + char, Word(glued)))
                elif index < count:
                    options.append(("-" + char, words[index]))
                    index += 1
                else:
                    options.append(("-" + char, None))
                break
            if char in spec.short_optional:
                options.append(("-" + char, Word(glued) if glued else None))
                break
            options.append(("-" + char, None))
    return options, index


def _names(options: list[Option]) -> set[str]:
    return {name for name, _ in options}


def _value(options: list[Option], *names: str) -> Word | None:
    found = None
    for name, value in options:
        if name in names:
            found = value
    return found


def _take_assignments(words: list[Word], index: int) -> tuple[list[str], int]:
    assignments: list[str] = []
    while index < len(words) and _ASSIGNMENT.match(words[index].text):
        assignments.append(words[index].text)
        index += 1
    return assignments, index


Handler = Callable[[list[Word]], "Peel | None"]


def _simple(spec: OptionSpec, stop_if: frozenset[str] = frozenset()) -> Handler:
    """A wrapper that takes options and then runs the rest as a command."""

    def handler(words: list[Word]) -> Peel | None:
        options, index = parse_options(words, spec)
        if stop_if & _names(options) or index >= len(words):
            return None
        return Peel(words[index:])

    return handler


def _sudo(words: list[Word]) -> Peel | None:
    spec = OptionSpec(
        short_value="CDghpRrTtUu",
        long_value=frozenset({"--close-from", "--chdir", "--group", "--host", "--prompt",
                              "--chroot", "--role", "--command-timeout", "--type",
                              "--other-user", "--user"}),
    )
    options, index = parse_options(words, spec)
    lookups = {"-e", "--edit", "-l", "--list", "-v", "--validate", "-K", "--remove-timestamp",
               "-V", "--version"}
    if lookups & _names(options):
        return None
    assignments, index = _take_assignments(words, index)
    if index >= len(words):
        return None
    return Peel(words[index:], assignments, chdir=_value(options, "-D", "--chdir"))


def _doas(words: list[Word]) -> Peel | None:
    options, index = parse_options(words, OptionSpec(short_value="uC"))
    if "-C" in _names(options) or index >= len(words):
        return None
    return Peel(words[index:])


def _env(words: list[Word]) -> Peel | None:
    spec = OptionSpec(
        short_value="uCSPa",
        long_value=frozenset({"--unset", "--chdir", "--split-string", "--argv0"}),
    )
    while words and words[0].literal and words[0].text == "-":  # `env -` is `env -i`
        words = words[1:]
    options, index = parse_options(words, spec)
    rest = list(words[index:])
    split = _value(options, "-S", "--split-string")
    if split is not None:
        rest = _split_string(split) + rest
    assignments, start = _take_assignments(rest, 0)
    if start >= len(rest):
        return None
    return Peel(rest[start:], assignments, chdir=_value(options, "-C", "--chdir"))


def _split_string(word: Word) -> list[Word]:
    if not word.literal:
        return [word]
    try:
        parts = shlex.split(word.text)
    except ValueError:
        parts = word.text.split()
    # env -S expands ${NAME} itself: such a word is only known at run time
    return [Word(part, "${" not in part) for part in parts]


def _command(words: list[Word]) -> Peel | None:
    return _simple(OptionSpec(), frozenset({"-v", "-V"}))(words)


def _time(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="of", long_value=frozenset({"--output", "--format"}))
    options, index = parse_options(words, spec)
    if index >= len(words):
        return None
    output = _value(options, "-o", "--output")
    return Peel(words[index:], writes=[output] if output is not None else [])


def _ionice(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="cnpPu",
                      long_value=frozenset({"--class", "--classdata", "--pid", "--pgid",
                                            "--uid"}))
    return _simple(spec, frozenset({"-p", "-P", "-u", "--pid", "--pgid", "--uid"}))(words)


def _timeout(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="sk", long_value=frozenset({"--signal", "--kill-after"}))
    _, index = parse_options(words, spec)
    if index + 1 >= len(words):  # DURATION, then the command
        return None
    return Peel(words[index + 1:])


def _watch(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="nq", long_value=frozenset({"--interval", "--equexit"}),
                      short_optional="d")
    options, index = parse_options(words, spec)
    if index >= len(words):
        return None
    rest = words[index:]
    if {"-x", "--exec"} & _names(options):
        return Peel(rest, nested="watch")
    return Peel([], nested="watch", shell_text=join_words(rest))


def _xargs(words: list[Word]) -> Peel | None:
    spec = OptionSpec(
        short_value="EIadLnPs",
        short_optional="eil",
        long_value=frozenset({"--max-args", "--max-procs", "--max-chars", "--arg-file",
                              "--delimiter", "--process-slot-var"}),
        long_optional=frozenset({"--eof", "--replace", "--max-lines"}),
    )
    options, index = parse_options(words, spec)
    replace: str | None = None
    for name, value in options:
        if name == "-I" and value is not None:
            replace = value.text
        elif name in ("-i", "--replace"):
            replace = value.text if value is not None and value.text else "{}"
    rest = words[index:] or [Word("echo")]
    arg_file = _value(options, "-a", "--arg-file")
    return Peel(rest, nested="xargs", replace=replace, appended=replace is None,
                reads=[arg_file] if arg_file is not None else [])


def _su(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="cCsgGwu",
                      long_value=frozenset({"--command", "--session-command", "--shell",
                                            "--group", "--supp-group", "--whitelist-environment",
                                            "--user"}))
    options, index = parse_options(words, spec)
    command = _value(options, "-c", "-C", "--command", "--session-command")
    if command is not None:
        return Peel([], nested="su -c", shell_text=command)
    if "-u" in _names(options) or "--user" in _names(options):  # runuser -u USER -- CMD
        return Peel(words[index:]) if index < len(words) else None
    return None


_SSH = OptionSpec(short_value="BbcDEeFIiJLlmOoPpQRSWw")


def _ssh(words: list[Word]) -> Peel | None:
    """`ssh [opts] HOST CMD...`: the remote shell runs CMD's words joined by spaces. What it
    does there (a push, a wipe, reading a secret) is judged like a local command."""
    _, index = parse_options(words, _SSH)
    if index + 1 >= len(words):
        return None  # an interactive login runs nothing we can see
    return Peel([], nested="ssh " + words[index].text, shell_text=join_words(words[index + 1:]))


def _flock(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="wEc", long_value=frozenset({"--timeout", "--conflict-exit-code",
                                                               "--command"}))
    options, index = parse_options(words, spec)
    command = _value(options, "-c", "--command")
    if command is not None:
        return Peel([], nested="flock -c", shell_text=command)
    if index + 1 >= len(words):  # LOCKFILE, then the command
        return None
    return Peel(words[index + 1:])


def _script(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="cEOIBTm",
                      long_value=frozenset({"--command", "--echo", "--log-out", "--log-in",
                                            "--log-io", "--log-timing", "--logging-format"}))
    options, _ = parse_options(words, spec)
    command = _value(options, "-c", "--command")
    if command is None:
        return None
    return Peel([], nested="script -c", shell_text=command)


def _chroot(words: list[Word]) -> Peel | None:
    spec = OptionSpec(long_value=frozenset({"--userspec", "--groups"}))
    _, index = parse_options(words, spec)
    if index + 1 >= len(words):
        return None
    return Peel(words[index + 1:])


def _runner(subcommands: frozenset[str], spec: OptionSpec = OptionSpec(),
            chdir_operand: bool = False) -> Handler:
    """A tool whose subcommand runs the rest as a command: `poetry run twine upload`,
    `uv run git push`, `pnpm exec`, `bundle exec`, `direnv exec DIR cmd`. Other subcommands
    (`poetry install`) run nothing and the tool stays a command of its own."""

    def handler(words: list[Word]) -> Peel | None:
        if not words or not words[0].literal or words[0].text not in subcommands:
            return None
        _, index = parse_options(words[1:], spec)
        index += 1
        chdir = None
        if chdir_operand and index < len(words):
            chdir, index = words[index], index + 1
        if index >= len(words):
            return None
        return Peel(words[index:], chdir=chdir)

    return handler


_UV_RUN = OptionSpec(short_value="p", long_value=frozenset({
    "--with", "--with-editable", "--with-requirements", "--python", "--directory",
    "--project", "--env-file", "--extra", "--group", "--package", "--index", "--from"}))
_NPX = OptionSpec(short_value="pc", long_value=frozenset({"--package", "--call"}))


def _package_runner(words: list[Word]) -> Peel | None:
    """`npx [-y] [-p PKG] CMD ...`, `bunx`, `uvx`: run a package's program."""
    options, index = parse_options(words, _NPX)
    if index >= len(words) or _value(options, "-c", "--call") is not None:
        return None
    return Peel(words[index:])


def join_words(words: list[Word]) -> Word:
    """Words joined by spaces (how eval and watch build the text they run)."""
    return Word(" ".join(word.text for word in words), all(word.literal for word in words))


WRAPPERS: dict[str, Handler] = {
    "sudo": _sudo,
    "doas": _doas,
    "env": _env,
    "command": _command,
    "builtin": _simple(OptionSpec()),
    "exec": _simple(OptionSpec(short_value="a")),
    "nohup": _simple(OptionSpec()),
    "time": _time,
    "nice": _simple(OptionSpec(short_value="n", long_value=frozenset({"--adjustment"}))),
    "ionice": _ionice,
    "timeout": _timeout,
    "stdbuf": _simple(OptionSpec(short_value="ioe",
                                 long_value=frozenset({"--input", "--output", "--error"}))),
    "watch": _watch,
    "xargs": _xargs,
    "coproc": _simple(OptionSpec()),
    "busybox": _simple(OptionSpec()),
    "setsid": _simple(OptionSpec()),
    "unbuffer": _simple(OptionSpec()),
    "chroot": _chroot,
    "su": _su,
    "runuser": _su,
    "flock": _flock,
    "script": _script,
    "ssh": _ssh,
    # Project tools that run a command in their environment.
    "poetry": _runner(frozenset({"run"})),
    "pipenv": _runner(frozenset({"run"})),
    "pdm": _runner(frozenset({"run"})),
    "hatch": _runner(frozenset({"run"})),
    "uv": _runner(frozenset({"run"}), _UV_RUN),
    "pnpm": _runner(frozenset({"exec", "dlx"})),
    "yarn": _runner(frozenset({"exec", "dlx"})),
    "bundle": _runner(frozenset({"exec"})),
    "direnv": _runner(frozenset({"exec"}), chdir_operand=True),
    "npx": _package_runner,
    "bunx": _package_runner,
    "uvx": _package_runner,
}
