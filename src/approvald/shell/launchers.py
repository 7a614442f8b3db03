"""Launchers: programs that start another command, here, later or elsewhere.

Most are one `Launch` line: which options take a value, how many operands come before the
command, whether the command is an argv or text for a shell, which options carry a command.
Programs with subcommands (`tmux new-window CMD`, `kubectl exec POD -- CMD`, `npm exec`) map
subcommands to launches. What they start is judged like the same command run directly; remote
ones (`ssh`, `kubectl exec`, `docker exec`) are recorded in `wrappers` by that name, so a policy
can tell them apart.
"""

from __future__ import annotations

import re

from approvald.model.plain import Frozen
from approvald.shell import sessions
from approvald.shell.containers import CONTAINER_TOOLS
from approvald.shell.peel import (
    NO_LAUNCH,
    Handler,
    OptionSpec,
    Peel,
    join_words,
    names,
    option_value,
    parse_options,
    permuted,
    simple,
)
from approvald.shell.programs import strip_globals
from approvald.shell.runners import (
    NPX,
    PIPX_RUN,
    UV_RUN,
    bun_exec,
    deno_run,
    deno_task,
    deno_x,
    direnv_exec,
    exec_after,
    package_runner,
)
from approvald.shell.words import Word


def _set(*items: str) -> frozenset[str]:
    return frozenset(items)


_NO_OPTIONS = OptionSpec()


class Launch(Frozen):
    spec: OptionSpec
    operands: int  # operands before the command (flock FILE, faketime TIME, chrt PRIO)
    shell: bool  # the command's words are joined and run through a shell
    each: bool  # every operand is a shell text of its own (hyperfine A B)
    command: frozenset[str]  # options whose value is shell text (-c, --command)
    stop_if: frozenset[str]  # with these options nothing is started (-p PID)
    after: str  # the command follows this word when it is present (`--`)
    permute: bool  # options may come after operands (GNU getopt)
    remote: bool  # runs somewhere else: record the label in `wrappers`

    def __init__(self, spec: OptionSpec = _NO_OPTIONS, operands: int = 0, shell: bool = False,
                 each: bool = False, command: frozenset[str] = frozenset(),
                 stop_if: frozenset[str] = frozenset(), after: str = "", permute: bool = False,
                 remote: bool = False) -> None:
        self.__dict__.update(spec=spec, operands=operands, shell=shell, each=each,
                             command=command, stop_if=stop_if, after=after, permute=permute,
                             remote=remote)


def launcher(launch: Launch, label: str = "") -> Handler:
    spec = launch.spec
    if launch.command:  # options that carry a command take a value
        short = "".join(o[1] for o in launch.command if len(o) == 2 and o[0] == "-")
        spec = spec.changed(short_value=spec.short_value + short,
                       long_value=spec.long_value | {o for o in launch.command if o[:2] == "--"})

    def handler(words: list[Word]) -> Peel | None:
        if launch.permute:
            options, operands = permuted(words, spec)
        else:
            options, index = parse_options(words, spec)
            operands = words[index:]
        if launch.stop_if & names(options):
            return None
        text = option_value(options, *launch.command) if launch.command else None
        if text is not None:
            return Peel([], nested=label or "launcher", shell_text=text, label=label)
        if launch.after and any(w.literal and w.text == launch.after for w in operands):
            position = next(i for i, w in enumerate(operands)
                            if w.literal and w.text == launch.after)
            operands = operands[position + 1:]
        else:
            operands = operands[launch.operands:]
            if operands and operands[0].literal and operands[0].text == "--":
                operands = operands[1:]
        if not operands:
            return None
        if launch.each:
            return Peel([], nested=label or "launcher", each=operands, label=label)
        if launch.shell:
            return Peel([], nested=label or "launcher", shell_text=join_words(operands),
                        label=label)
        return Peel(operands, label=label, nested=label if launch.remote else "")

    return handler


def subcommands(table: dict[str, Handler], program: str = "",
                spec: OptionSpec = _NO_OPTIONS) -> Handler:
    """`tmux new-window CMD`, `npm exec CMD`: the subcommand chooses the launch; the program's
    global options (`kubectl -n prod exec`) are skipped first."""

    def handler(words: list[Word]) -> Peel | None:
        if program:
            start = strip_globals(program, words).start
        else:
            _, start = parse_options(words, spec)
        words = words[start:]
        if not words or not words[0].literal:
            return None
        chosen = table.get(words[0].text)
        return chosen(words[1:]) if chosen is not None else NO_LAUNCH

    return handler


# --- handlers that need more than a Launch line -------------------------------------------------

_SU = OptionSpec(short_value="cCsgGwu", long_value=_set(
    "--command", "--session-command", "--shell", "--group", "--supp-group",
    "--whitelist-environment", "--user"))


def _su(words: list[Word]) -> Peel | None:
    """`su [-] [USER] -c CMD` (options may follow USER), `runuser -u USER -- CMD`."""
    options, operands = permuted(words, _SU)
    command = option_value(options, "-c", "-C", "--command", "--session-command")
    if command is not None:
        return Peel([], nested="su -c", shell_text=command, label="su")
    if {"-u", "--user"} & names(options) and operands:
        return Peel(operands)
    return None


def _sg(words: list[Word]) -> Peel | None:
    """`sg GROUP -c CMD` / `sg GROUP CMD`: the command runs through a shell."""
    options, operands = permuted(words, OptionSpec(short_value="c"))
    command = option_value(options, "-c")
    if command is None and len(operands) > 1:
        command = join_words(operands[1:])
    return Peel([], nested="sg", shell_text=command, label="sg") if command else None


_FLOCK = OptionSpec(short_value="wEc", long_value=_set("--timeout", "--conflict-exit-code",
                                                       "--command"))


def _flock(words: list[Word]) -> Peel | None:
    """`flock [opts] FILE -c CMD` or `flock [opts] FILE CMD ARGS`."""
    options, index = parse_options(words, _FLOCK)
    if index < len(words):
        rest_options, _ = parse_options(words[index + 1:], _FLOCK)
        options += rest_options
    command = option_value(options, "-c", "--command")
    if command is not None:
        return Peel([], nested="flock -c", shell_text=command, label="flock")
    if index + 1 >= len(words):
        return None
    return Peel(words[index + 1:])


_SSH = OptionSpec(short_value="BbcDEeFIiJLlmOoPpQRSWw")
_SSH_LOCAL = ("proxycommand", "localcommand", "knownhostscommand")


def _ssh(words: list[Word]) -> Peel | None:
    """`ssh [opts] [--] HOST [--] CMD...`: the remote shell runs CMD's words joined by spaces;
    `-o ProxyCommand=CMD` / `LocalCommand` run CMD here. Judged like a local command."""
    options, index = parse_options(words, _SSH)
    for name, found in options:
        if name == "-o" and found is not None:
            parts = re.split(r"[=\s]", found.text.strip(), maxsplit=1)
            key, setting = parts[0], parts[1] if len(parts) > 1 else ""
            if key.lower() in _SSH_LOCAL and setting.strip() and found.literal:
                return Peel([], nested=f"ssh -o {key}", shell_text=Word(setting.strip()),
                            label="ssh")
    rest = words[index:]
    if rest and rest[0].literal and rest[0].text == "--":
        rest = rest[1:]
    if len(rest) < 2:
        return None  # an interactive login runs nothing we can see
    command = rest[1:]
    if command[0].literal and command[0].text == "--":
        command = command[1:]
    if not command:
        return None
    return Peel([], nested="ssh " + rest[0].text, shell_text=join_words(command), label="ssh")


def _script(words: list[Word]) -> Peel | None:
    spec = OptionSpec(short_value="cEOIBTm",
                      long_value=_set("--command", "--echo", "--log-out", "--log-in",
                                      "--log-io", "--log-timing", "--logging-format"))
    options, _ = parse_options(words, spec)
    command = option_value(options, "-c", "--command")
    if command is None:
        return None
    return Peel([], nested="script -c", shell_text=command)


def _chroot(words: list[Word]) -> Peel | None:
    _, index = parse_options(words, OptionSpec(long_value=_set("--userspec", "--groups")))
    if index + 1 >= len(words):
        return None
    return Peel(words[index + 1:])


_TASKSET = OptionSpec()


def _taskset(words: list[Word]) -> Peel | None:
    options, index = parse_options(words, _TASKSET)
    if {"-p", "--pid"} & names(options) or index + 1 >= len(words):
        return None
    return Peel(words[index + 1:])


def _kubectl_exec(words: list[Word]) -> Peel | None:
    """`kubectl exec [-it] [-c CTR] POD -- CMD` (and the old `kubectl exec POD CMD`)."""
    spec = OptionSpec(short_value="cnf", long_value=_set("--container", "--namespace",
                                                         "--filename", "--pod-running-timeout"))
    _, index = parse_options(words, spec)
    rest = words[index:]
    if any(w.literal and w.text == "--" for w in rest):
        rest = rest[next(i for i, w in enumerate(rest) if w.literal and w.text == "--") + 1:]
    else:
        rest = rest[1:]
    return Peel(rest, nested="kubectl exec", label="kubectl exec", keep=True) if rest else None


def _gcloud(words: list[Word]) -> Peel | None:
    """`gcloud compute ssh VM --command CMD`: CMD runs on the VM."""
    texts = [w.text for w in words]
    if "ssh" not in texts:
        return None
    for index, word in enumerate(words):
        if word.text == "--command" and index + 1 < len(words):
            return Peel([], nested="gcloud ssh", shell_text=words[index + 1], label="gcloud ssh")
        if word.text.startswith("--command="):
            return Peel([], nested="gcloud ssh", shell_text=Word(word.text[10:], word.literal),
                        label="gcloud ssh")
    return None


def _nix_shell(words: list[Word]) -> Peel | None:
    """`nix-shell [-p PKGS] --run CMD` (or `--command CMD`, `--run=CMD`): CMD runs through a
    shell; without either, an interactive shell starts (nothing from this line runs)."""
    texts = [words[i + 1] for i, w in enumerate(words[:-1])
             if w.literal and w.text in ("--run", "--command")]
    texts += [Word(w.text.partition("=")[2], w.literal) for w in words
              if w.text.startswith(("--run=", "--command="))]
    return Peel([], nested="nix-shell", each=texts, label="nix-shell") if texts else None


def _nix(words: list[Word]) -> Peel | None:
    """`nix develop [FLAKE] -c CMD ARGS`, `nix shell PKGS -c CMD ARGS` (`--command`): CMD runs
    in that environment. `nix run FLAKE#NAME [--] ARGS` runs the package's program."""
    for index, word in enumerate(words):
        if word.text == "run":  # the first of these words is the subcommand
            return _nix_run(words[index + 1:])
        if word.text in ("develop", "shell"):
            break
    else:
        return None
    for index, word in enumerate(words):
        if word.literal and word.text in ("-c", "--command") and index + 1 < len(words):
            return Peel(words[index + 1:], label="nix")
    return None


def _nix_run(words: list[Word]) -> Peel | None:
    """`nix run nixpkgs#bash -- -c CMD` runs bash (a package's main program is, as a rule,
    named as its attribute); a flake's own app (`nix run .`) is not known here."""
    for index, word in enumerate(words):
        _, hash_sign, attribute = word.text.partition("#")
        if hash_sign and not word.text.startswith("-"):
            program = attribute.rsplit(".", 1)[-1]
            if not program or not word.literal:
                return None
            args = words[index + 1:]
            if args and args[0].text == "--":
                args = args[1:]
            return Peel([Word(program), *args], label="nix run")
    return None


# Haskell build tools' options that take a value, before and after `exec` (`stack --stack-yaml
# s.yaml exec -- CMD`, `cabal exec -w ghc-9 -- CMD`).
_STACK = OptionSpec(long_value=_set(
    "--stack-yaml", "--work-dir", "--resolver", "--snapshot", "--compiler", "--arch",
    "--stack-root", "--package", "--rts-options", "--cwd", "--ghc-variant", "--jobs"),
    short_value="j")
_CABAL = OptionSpec(long_value=_set(
    "--config-file", "--project-file", "--project-dir", "--builddir", "--with-compiler",
    "--store-dir", "--with-hc-pkg", "--jobs"), short_value="wj")
# bun's options that take a value (`bun -e CODE x` runs CODE: x is no subcommand there;
# `bun --filter SEL exec TEXT`: SEL is none either).
_BUN = OptionSpec(short_value="eprF", long_value=_set(
    "--eval", "--print", "--preload", "--require", "--cwd", "--config", "--env-file",
    "--tsconfig-override", "--conditions", "--filter"))
# yarn runs its `exec`/`dlx` in a workspace member too: `yarn workspace NAME exec CMD`,
# `yarn workspaces foreach [OPTIONS] exec CMD` (these options of foreach take a value).
_YARN_COMMANDS: dict[str, Handler] = {"exec": exec_after(), "dlx": exec_after()}
_yarn_in_members = subcommands(_YARN_COMMANDS, spec=OptionSpec(
    short_value="j", long_value=_set("--from", "--include", "--exclude", "--jobs")))
_YARN_COMMANDS["workspace"] = lambda words: _yarn_in_members(words[1:]) if words else None
_YARN_COMMANDS["workspaces"] = lambda words: _yarn_in_members(words[1:]) \
    if words and words[0].literal and words[0].text == "foreach" else NO_LAUNCH

LAUNCHERS: dict[str, Handler] = {
    "su": _su, "runuser": _su, "sg": _sg, "flock": _flock, "script": _script, "ssh": _ssh,
    "chroot": _chroot, "tmux": sessions.tmux, "screen": sessions.screen,
    "parallel": sessions.parallel,
    "taskset": _taskset, "gcloud": _gcloud, "nix-shell": _nix_shell, "nix": _nix,
    "chronic": simple(OptionSpec()),
    "nsenter": launcher(Launch(OptionSpec(short_value="tGSW", short_optional="muinpUCTrw",
                                          long_value=_set("--target", "--setgid", "--setuid",
                                                          "--wdns", "--env")))),
    "unshare": launcher(Launch(OptionSpec(short_value="RwSG", short_optional="muinpUCT",
                                          long_value=_set("--root", "--wd", "--setuid",
                                                          "--setgid", "--propagation",
                                                          "--setgroups")))),
    "systemd-run": launcher(Launch(OptionSpec(short_value="pEuMH", long_value=_set(
        "--property", "--setenv", "--unit", "--machine", "--host", "--description", "--slice",
        "--uid", "--gid", "--working-directory", "--on-calendar", "--on-active",
        "--on-boot", "--on-startup", "--on-unit-active", "--on-unit-inactive",
        "--timer-property", "--path-property", "--socket-property", "--service-type",
        "--nice", "--expand-environment")))),
    "systemd-cat": launcher(Launch(OptionSpec(short_value="tp", long_value=_set(
        "--identifier", "--priority", "--stderr-priority", "--level-prefix", "--namespace")))),
    "strace": launcher(Launch(OptionSpec(short_value="eopsPEuabIOSXU", long_value=_set(
        "--output", "--attach", "--string-limit", "--trace-path", "--env", "--user",
        "--expr", "--signal", "--trace", "--status", "--quiet", "--decode-fds")),
        stop_if=_set("-p", "--attach"))),
    "ltrace": launcher(Launch(OptionSpec(short_value="eopsnulLaADFxw"), stop_if=_set("-p"))),
    "pkexec": launcher(Launch(OptionSpec(short_value="u", long_value=_set("--user")))),
    "caffeinate": launcher(Launch(OptionSpec(short_value="tw"))),
    "chrt": launcher(Launch(OptionSpec(short_value="TPD"), operands=1,
                            stop_if=_set("-p", "--pid"))),
    "numactl": launcher(Launch(OptionSpec(short_value="imNCpPw", long_value=_set(
        "--interleave", "--membind", "--cpunodebind", "--physcpubind", "--preferred")))),
    "cgexec": launcher(Launch(OptionSpec(short_value="g"))),
    "firejail": simple(OptionSpec()), "fakeroot": simple(OptionSpec(short_value="isl")),
    "prlimit": launcher(Launch(OptionSpec(short_value="p"), stop_if=_set("-p", "--pid"))),
    "faketime": launcher(Launch(OptionSpec(short_value="p"), operands=1)),
    "torsocks": launcher(Launch(OptionSpec(short_value="uapPi"))),
    "proxychains": launcher(Launch(OptionSpec(short_value="f"))),
    "proxychains4": launcher(Launch(OptionSpec(short_value="f"))),
    "trickle": launcher(Launch(OptionSpec(short_value="udwtlnL"))),
    "catchsegv": simple(OptionSpec()), "valgrind": simple(OptionSpec()),
    "dbus-run-session": simple(OptionSpec(long_value=_set("--config-file", "--dbus-daemon"))),
    "xvfb-run": launcher(Launch(OptionSpec(short_value="nsfeplw"))),
    "arch": simple(OptionSpec(short_value="e")),
    "sandbox-exec": launcher(Launch(OptionSpec(short_value="fpD"))),
    "hyperfine": launcher(Launch(OptionSpec(short_value="wrmMpcsSnuoNL", long_value=_set(
        "--warmup", "--runs", "--min-runs", "--max-runs", "--prepare", "--conclude",
        "--cleanup", "--setup", "--shell", "--command-name", "--time-unit", "--export-json",
        "--export-csv", "--export-markdown", "--output", "--parameter-list", "--input")),
        each=True)),
    "entr": launcher(Launch(OptionSpec())),
    "watchexec": launcher(Launch(OptionSpec(short_value="edwfpo", long_value=_set(
        "--exts", "--debounce", "--watch", "--filter", "--ignore", "--on-busy-update",
        "--signal", "--shell", "--workdir", "--env", "--delay-run", "--project-origin")),
        shell=True)),
    "nodemon": launcher(Launch(OptionSpec(short_value="wedxV", long_value=_set(
        "--watch", "--ext", "--delay", "--signal", "--ignore", "--config")),
        command=_set("-x", "--exec"))),
    "wsl": launcher(Launch(OptionSpec(short_value="du", long_value=_set(
        "--distribution", "--user", "--cd")))),
    "op": subcommands({"run": launcher(Launch(after="--"))}),
    "aws-vault": subcommands({"exec": launcher(Launch(OptionSpec(short_value="dnjr"),
                                                      operands=1, after="--"))}),
    "doppler": subcommands({"run": launcher(Launch(after="--", command=_set("--command")))}),
    "infisical": subcommands({"run": launcher(Launch(after="--", command=_set("--command")))}),
    "chamber": subcommands({"exec": launcher(Launch(after="--"))}),
    "dotenv": subcommands({"run": launcher(Launch(OptionSpec()))},
                          spec=OptionSpec(short_value="fce")),
    "env-cmd": launcher(Launch(OptionSpec(short_value="fre", long_value=_set(
        "--file", "--environments")))),
    "sops": subcommands({"exec-env": launcher(Launch(operands=1, shell=True), "sops exec-env"),
                         "exec-file": launcher(Launch(operands=1, shell=True),
                                               "sops exec-file")}),
    "kubectl": subcommands({"exec": _kubectl_exec}, program="kubectl"),
    "oc": subcommands({"exec": _kubectl_exec}, program="oc"),
    "multipass": subcommands({"exec": launcher(Launch(after="--", remote=True),
                                               "multipass exec")}),
    "limactl": subcommands({"shell": launcher(Launch(operands=1, remote=True), "limactl")}),
    "vagrant": subcommands({"ssh": launcher(Launch(OptionSpec(short_value="c"),
                                                   command=_set("-c", "--command")), "vagrant")}),
    "lxc": subcommands({"exec": launcher(Launch(after="--", remote=True), "lxc exec")}),
    "incus": subcommands({"exec": launcher(Launch(after="--", remote=True), "incus exec")}),
    "distrobox": subcommands({"enter": launcher(Launch(after="--"))}),
    "launchctl": subcommands({"submit": launcher(Launch(after="--")),
                              "asuser": launcher(Launch(operands=1))}),
    "npm": subcommands({"exec": exec_after(NPX), "x": exec_after(NPX)}, program="npm"),
    "pipx": subcommands({"run": exec_after(PIPX_RUN)}),
    # Project tools that run a command in their environment.
    "poetry": subcommands({"run": exec_after()}), "pipenv": subcommands({"run": exec_after()}),
    "pdm": subcommands({"run": exec_after()}), "hatch": subcommands({"run": exec_after()}),
    "uv": subcommands({"run": exec_after(UV_RUN),
                       "tool": subcommands({"run": exec_after(UV_RUN)})}),
    "pnpm": subcommands({"exec": exec_after(), "dlx": exec_after()}, program="pnpm"),
    "yarn": subcommands(_YARN_COMMANDS, program="yarn"),
    "bundle": subcommands({"exec": exec_after()}), "direnv": subcommands({"exec": direnv_exec}),
    "stack": subcommands({"exec": exec_after(_STACK)}, spec=_STACK),
    "cabal": subcommands(dict.fromkeys(("exec", "v2-exec", "new-exec", "v1-exec"),
                                       exec_after(_CABAL)), spec=_CABAL),
    "npx": package_runner, "bunx": package_runner, "uvx": package_runner,
    "bun": subcommands({"x": package_runner, "exec": bun_exec}, spec=_BUN),  # `bun x`: bunx
    "deno": subcommands({"run": deno_run, "task": deno_task, "x": deno_x}), "dx": deno_x,
    **CONTAINER_TOOLS,
}
