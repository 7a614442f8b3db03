"""Peeling wrapper programs (`sudo`, `env`, `nice`, `xargs`, ...) off a command's argv.

Each handler takes the words after the wrapper's name and returns a `Peel` describing the
command the wrapper would run, or None when this use of the wrapper runs nothing (`env` alone,
`command -v git`, `sudo -l`): the wrapper is then reported as a command of its own.
Launchers that start a command elsewhere or later (su -c, tmux, ssh, systemd-run, ...) are in
`launchers.py`, imported the first time a command names one (most lines name none, and its
tables cost the hook's local check about 1 ms); `wrapper(name)` looks in both.
"""

from __future__ import annotations

from functools import partial

from approvald.shell.peel import (
    Handler,
    OptionSpec,
    Peel,
    join_words,
    names,
    option_value,
    parse_options,
    simple,
    take_assignments,
)
from approvald.shell.words import Word

__all__ = ["LAUNCHER_NAMES", "WRAPPERS", "join_words", "wrapper"]

# The names launchers.LAUNCHERS handles (a test holds the two equal); a launcher of the same
# name as a wrapper here takes precedence, as it did when the tables were one.
LAUNCHER_NAMES = frozenset({
    "arch", "aws-vault", "bun", "bundle", "bunx", "cabal", "caffeinate", "catchsegv", "cgexec",
    "chamber", "chronic", "chroot", "chrt", "dbus-run-session", "deno", "direnv", "distrobox",
    "docker", "docker-compose", "doppler", "dotenv", "dx", "entr", "env-cmd", "fakeroot",
    "faketime", "firejail", "flock", "gcloud", "hatch", "hyperfine", "incus", "infisical",
    "kubectl", "launchctl", "limactl", "ltrace", "lxc", "multipass", "nerdctl", "nix", "nix-shell",
    "nodemon", "npm", "npx", "nsenter", "numactl", "oc", "op", "parallel", "pdm", "pipenv",
    "pipx", "pkexec", "pnpm", "podman", "podman-compose", "poetry", "prlimit", "proxychains",
    "proxychains4", "runuser", "sandbox-exec", "screen", "script", "sg", "sops", "ssh", "stack",
    "strace", "su", "systemd-cat", "systemd-run", "taskset", "tmux", "torsocks", "trickle",
    "unshare", "uv", "uvx", "vagrant", "valgrind", "watchexec", "wsl", "xvfb-run", "yarn",
})


def wrapper(name: str) -> Handler | None:
    """The handler that peels `name` off a command: a launcher's, else a wrapper's here."""
    if name in LAUNCHER_NAMES:
        from approvald.shell.launchers import LAUNCHERS

        return LAUNCHERS.get(name)
    return WRAPPERS.get(name)


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
    if lookups & names(options):
        return None
    assignments, index = take_assignments(words, index)
    if index >= len(words):
        return None
    return Peel(words[index:], assignments, chdir=option_value(options, "-D", "--chdir"))


def _doas(words: list[Word]) -> Peel | None:
    options, index = parse_options(words, OptionSpec(short_value="uC"))
    if "-C" in names(options) or index >= len(words):
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
    split = option_value(options, "-S", "--split-string")
    if split is not None:
        rest = _split_string(split) + rest
    assignments, start = take_assignments(rest, 0)
    if start >= len(rest):
        return None
    return Peel(rest[start:], assignments, chdir=option_value(options, "-C", "--chdir"))


def _split_string(word: Word) -> list[Word]:
    if not word.literal:
        return [word]
    import shlex  # here, not at the top: a module less for the hook when nothing needs it

    try:
        parts = shlex.split(word.text)
    except ValueError:
        parts = word.text.split()
    # env -S expands ${NAME} itself: such a word is only known at run time
    return [Word(part, "${" not in part) for part in parts]


def _command(words: list[Word]) -> Peel | None:
    return simple(OptionSpec(), frozenset({"-v", "-V"}))(words)


def _time(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="of", long_value=frozenset({"--output", "--format"}))
    options, index = parse_options(words, spec)
    if index >= len(words):
        return None
    output = option_value(options, "-o", "--output")
    return Peel(words[index:], writes=[output] if output is not None else [])


def _coproc(words: list[Word]) -> Peel | None:
    """`coproc CMD`, `coproc { CMD; }`, `coproc NAME { CMD; }`: tree-sitter reads the group's
    `{` (and the NAME before it) as words of this command; what runs is what follows them."""
    rest = words[1:] if len(words) > 1 and words[1].text == "{" else words
    if rest and rest[0].text == "{" and rest[0].literal:
        rest = rest[1:]
    return Peel(rest) if rest else None


def _ionice(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="cnpPu",
                      long_value=frozenset({"--class", "--classdata", "--pid", "--pgid",
                                            "--uid"}))
    return simple(spec, frozenset({"-p", "-P", "-u", "--pid", "--pgid", "--uid"}))(words)


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
    if {"-x", "--exec"} & names(options):
        return Peel(rest, nested="watch")
    return Peel([], nested="watch", shell_text=join_words(rest))


def _xargs(words: list[Word]) -> Peel | None:
    spec = OptionSpec(
        short_value="EIadLnPsJRS",  # -J, -R, -S: BSD xargs (macOS)
        short_optional="eil",
        long_value=frozenset({"--max-args", "--max-procs", "--max-chars", "--arg-file",
                              "--delimiter", "--process-slot-var"}),
        long_optional=frozenset({"--eof", "--replace", "--max-lines"}),
    )
    options, index = parse_options(words, spec)
    replace: str | None = None
    for name, value in options:
        if name in ("-I", "-J") and value is not None:  # -J: BSD's one-place -I
            replace = value.text
        elif name in ("-i", "--replace"):
            replace = value.text if value is not None and value.text else "{}"
    rest = words[index:] or [Word("echo")]
    arg_file = option_value(options, "-a", "--arg-file")
    delimiter = option_value(options, "-d", "--delimiter")
    # Without -a, xargs gives the command /dev/null as its stdin and reads its arguments from
    # its own; with it, the command reads that (`cat code | xargs -a list sh -s`).
    return Peel(rest, nested="xargs", replace=replace, appended=replace is None,
                reads=[arg_file] if arg_file is not None else [],
                stdin_through=arg_file is not None,
                input_names=None if arg_file is not None else partial(
                    input_names, delimiter.text if delimiter is not None else ""))


MAX_INPUT_NAMES = 256  # known input with more names than this, or longer, adds no reads
MAX_INPUT_BYTES = 16384
_QUOTING = str.maketrans("", "", "'\"\\")


def input_names(delimiter: str, text: str) -> list[str]:
    """Every name xargs could make of known input `text` (`echo ~/.ssh/id_rsa | xargs cat`):
    its words split at blanks, and its lines split at newlines, NUL and -d's character, each
    with and without quotes and backslashes. A superset: which of them become arguments, and
    of how many commands, depends on options, quoting rules and limits this does not follow, so
    they are only taken as files the command may read (what runs stays a run-time value)."""
    if len(text) > MAX_INPUT_BYTES:
        return []
    import re

    lines = "\n\0" + (delimiter if len(delimiter) == 1 else "")
    names: dict[str, None] = {}
    for form in (text, text.translate(_QUOTING)):
        for separators in (" \t\r\f\v" + lines, lines):
            names.update(dict.fromkeys(re.split(f"[{re.escape(separators)}]+", form)))
    names.pop("", None)
    return list(names) if len(names) <= MAX_INPUT_NAMES else []


def _chroot(words: list[Word]) -> Peel | None:
    spec = OptionSpec(long_value=frozenset({"--userspec", "--groups"}))
    _, index = parse_options(words, spec)
    if index + 1 >= len(words):
        return None
    return Peel(words[index + 1:])



WRAPPERS: dict[str, Handler] = {
    "sudo": _sudo,
    "doas": _doas,
    "env": _env,
    "command": _command,
    "builtin": simple(OptionSpec()),
    "exec": simple(OptionSpec(short_value="a")),
    "nohup": simple(OptionSpec()),
    "time": _time,
    "nice": simple(OptionSpec(short_value="n", long_value=frozenset({"--adjustment"}))),
    "ionice": _ionice,
    "timeout": _timeout,
    "stdbuf": simple(OptionSpec(short_value="ioe",
                                long_value=frozenset({"--input", "--output", "--error"}))),
    "watch": _watch,
    "xargs": _xargs,
    "coproc": _coproc,
    "busybox": simple(OptionSpec()),
    "setsid": simple(OptionSpec()),
    "unbuffer": simple(OptionSpec()),
    "chroot": _chroot,
}
