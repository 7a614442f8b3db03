"""Facts about a shell line as a whole, for the `finding`, `pipe_to_shell` and `fork_bomb` keys.

- `reverse-shell`: a shell wired to the network: a redirect to `/dev/tcp` or `/dev/udp`,
  `nc -e` / `ncat --sh-exec` / `socat ... EXEC:`, or a pipe between a network connector
  (`nc`, `socat`, `telnet`, `openssl s_client`) and a shell reading its commands from the pipe,
  either way round (the mkfifo form included). Interpreter code wiring a socket to a shell is
  reported by the shell analysis on that command.
- `env-to-network`: the whole environment (`env`, `printenv`, `set`, `export -p`) piped or
  substituted into a program that sends data out.
- pipe_to_shell: a download piped into a shell or interpreter.
"""

from __future__ import annotations

import re

from approvald.model.lazyre import lazy_compile
from approvald.policy.targets import NETWORK_PROGRAMS
from approvald.shell.model import ShellAnalysis, SimpleCommand

DOWNLOADERS = frozenset({"curl", "wget", "fetch", "http", "https", "xh", "aria2c", "iwr"})
STDIN_INTERPRETERS = lazy_compile(
    r"^(?:bash|sh|zsh|dash|ksh|mksh|fish|csh|tcsh|pwsh|powershell|python[0-9.]*|perl|ruby|node|"
    r"php|deno|bun|source|\.)$")
CONNECTORS = frozenset({"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "socat",
                        "telnet", "openssl", "cryptcat", "pwncat", "sbd", "websocat"})
_SHELLS = lazy_compile(r"^(?:bash|sh|zsh|dash|ksh|mksh|fish|csh|tcsh|ash|busybox|cmd|"
                     r"pwsh|powershell)$")
_EXEC_OPTIONS = lazy_compile(r"^(?:-e|-c|--exec|--sh-exec|--lua-exec|-e\S+)$")
_SOCAT_EXEC = lazy_compile(r"^(?:exec|system):", re.IGNORECASE)
SENDERS = NETWORK_PROGRAMS | frozenset({"ssh", "scp", "sftp", "rsync", "mail", "mailx",
                                        "sendmail", "mutt", "gh", "aws", "gsutil", "gcloud",
                                        "az", "s3cmd", "rclone", "nc", "ncat"})
# The lookbehind makes a name start only at a word boundary, keeping the scan linear.
_FORK_BOMB = lazy_compile(r"(?<![\w:.-])([\w:.-]+)\s*\(\)\s*\{[^}]*?\1\s*\|\s*&?\s*\1\s*&")


_SOCKET_DEVICE = ("/dev/tcp/", "/dev/udp/")
_SEARCHERS = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "git", "echo", "printf"})
MAX_FLOW_EDGES = 20_000


def line_findings(analysis: ShellAnalysis, commands: list[SimpleCommand]) -> frozenset[str]:
    found: set[str] = set()
    if (analysis.reads and _opens_socket_device(analysis.reads)) or \
            (analysis.writes and _opens_socket_device(analysis.writes)) or \
            (analysis.syntax_error and any(d in analysis.line for d in _SOCKET_DEVICE)):
        found.add("reverse-shell")  # bash opens the socket; `exec 5<>/dev/tcp/...` too
    for cmd in commands:
        if cmd.program in CONNECTORS and any(_EXEC_OPTIONS.match(a) for a in cmd.args) and \
                cmd.program != "openssl":
            found.add("reverse-shell")
        if cmd.program == "socat" and any(_SOCAT_EXEC.match(a) for a in cmd.args):
            found.add("reverse-shell")
        if cmd.program not in _SEARCHERS and _names_socket_device(cmd.args):
            found.add("reverse-shell")
    # (most lines pipe nothing: no flows, nothing downstream of any command)
    reach = _downstream(analysis.flows, len(commands)) if analysis.flows else {}
    for index, downstream in reach.items():
        if not downstream:
            continue
        cmd = commands[index]
        after = [commands[i] for i in downstream]
        if (_is_connector(cmd) and _any(after, _reads_commands)) or \
                (_reads_commands(cmd) and _any(after, _is_connector)):
            found.add("reverse-shell")
        if _dumps_environment(cmd) and _any(after, _sends):
            found.add("env-to-network")
    return frozenset(found)


def _opens_socket_device(paths: tuple[str, ...]) -> bool:
    for path in paths:  # noqa: SIM110 (a loop: cheaper than any() over a generator)
        if path.startswith(_SOCKET_DEVICE):
            return True
    return False


def _names_socket_device(args: tuple[str, ...]) -> bool:
    for arg in args:  # noqa: SIM110 (a loop, a cheap test first: most hold no "/dev/")
        if "/dev/" in arg and any(d in arg for d in _SOCKET_DEVICE):
            return True
    return False


def _downstream(flows: tuple[tuple[int, int, int, int], ...], count: int) -> dict[int, set[int]]:
    """Every command each command's output reaches, through pipes and substitutions."""
    edges: dict[int, set[int]] = {}
    budget = MAX_FLOW_EDGES
    for a, b, c, d in flows:
        for source in range(a, min(b, count)):
            targets = edges.setdefault(source, set())
            for target in range(c, min(d, count)):
                targets.add(target)
                budget -= 1
                if budget <= 0:
                    return edges
    reach: dict[int, set[int]] = {}
    for start in edges:
        seen: set[int] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, ()))
        reach[start] = seen
    return reach


def _any(commands: list[SimpleCommand], test: object) -> bool:
    return any(test(cmd) for cmd in commands)  # type: ignore[operator]


def _is_connector(cmd: SimpleCommand) -> bool:
    if cmd.program == "openssl":
        return bool(cmd.args) and cmd.args[0] == "s_client"
    return cmd.program in CONNECTORS


def _reads_commands(cmd: SimpleCommand) -> bool:
    """A shell taking its commands from stdin (no `-c`, no script) or an interactive one."""
    if not _SHELLS.match(cmd.program):
        return False
    args = cmd.args
    if any(a.startswith("-") and "i" in a[1:] and not a.startswith("--") for a in args):
        return True
    if any(a.startswith("-") and "c" in a[1:] and not a.startswith("--") for a in args):
        return False
    operands = [a for a in args if not a.startswith("-")]
    return not operands or operands[0] in ("-", "/dev/stdin")


_SECRET_VARIABLE = lazy_compile(r"\$\{?\w*(?:TOKEN|SECRET|PASSW|API_?KEY|ACCESS_KEY|PRIVATE|"
                              r"CREDENTIAL)\w*", re.IGNORECASE)


def _dumps_environment(cmd: SimpleCommand) -> bool:
    """The environment, or a variable named like a secret, as output."""
    program, args = cmd.program, cmd.args
    if program == "env":
        return all(a.startswith("-") or "=" in a for a in args)
    if program == "printenv":
        return True
    if program in ("export", "declare", "typeset"):
        return any(a in ("-p", "-x", "-px", "-xp") for a in args)
    if program in ("set", "compgen"):
        return not args or args[0] in ("-v", "-e")
    if program in ("echo", "printf"):
        return any(i in cmd.dynamic_args and _SECRET_VARIABLE.search(a)
                   for i, a in enumerate(args))
    return False


def _sends(cmd: SimpleCommand) -> bool:
    return cmd.program in SENDERS


def pipes_download_to_shell(commands: list[SimpleCommand]) -> bool:
    if DOWNLOADERS.isdisjoint([c.program for c in commands]):  # (most lines download nothing)
        return False
    for cmd in commands:
        if not STDIN_INTERPRETERS.match(cmd.program):
            continue
        operands = [i for i, a in enumerate(cmd.args) if not a.startswith("-") or a == "-"]
        if "-c" in cmd.args and not cmd.dynamic_args:
            continue  # runs its -c text, which the analysis already looked into
        if not operands or cmd.args[operands[0]] == "-" or cmd.dynamic_args:
            return True
    return False


def is_fork_bomb(line: str, commands: list[SimpleCommand]) -> bool:
    """`f(){ f|f& };f`: a function piping itself into itself, and actually called.

    The text pattern alone would also fire on `printf ':(){ :|:& };:'`; requiring a command
    of that name keeps quoted text from counting.
    """
    if "()" not in line:
        return False
    programs = {c.program for c in commands}
    return any(m.group(1) in programs for m in _FORK_BOMB.finditer(line[:100_000]))
