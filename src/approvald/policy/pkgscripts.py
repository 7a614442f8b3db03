"""package.json scripts: which one a package manager's command runs, and where it is read.

`npm run X` (also `npm test|start|stop|restart`, pnpm, yarn, bun, and yarn/pnpm/bun `X` when
X is no command of theirs) runs the script X of the project's package.json; `npm install`
without package names runs the project's install lifecycle.
"""

from __future__ import annotations

import json
import os

from approvald.model.plain import Plain
from approvald.policy.denotasks import Unreadable
from approvald.shell.model import SimpleCommand

MAX_PACKAGE_JSON_BYTES = 1_000_000
SCRIPT_RUNNERS = frozenset({"npm", "pnpm", "yarn", "bun"})
_LIFECYCLE = frozenset({"test", "start", "stop", "restart"})
INSTALL_STEPS = ("preinstall", "install", "postinstall", "preprepare", "prepare",
                 "postprepare")
# yarn/pnpm run a script given as the first word when it is not one of their own commands.
_OWN_COMMANDS = frozenset({
    "install", "i", "add", "remove", "rm", "uninstall", "update", "up", "upgrade", "publish",
    "pack", "init", "create", "exec", "dlx", "info", "view", "why", "list", "ls", "outdated",
    "link", "unlink", "login", "logout", "config", "cache", "audit", "version", "help",
    "workspace", "workspaces", "npm", "set", "plugin", "node", "x", "ci", "dedupe", "prune",
    "rebuild", "store", "patch", "import", "fetch", "env", "server", "setup",
})
_PNPM_ONLY = frozenset({"deploy"})


_RUN = frozenset({"run", "run-script", "rum", "urn"})
_INSTALL = frozenset({"install", "i", "ci"})
# Options that take the next word as their value (`--opt=VALUE` is one word), and those of them
# that move the project directory. npm reads its options anywhere before `--`; pnpm, yarn and
# bun up to the script's name (later words are the script's). bun's leading options are here
# too: no global option table strips them (`bun --cwd DIR run X`, `bun --bun run X`).
VALUE_OPTIONS = {
    "npm": frozenset({"--prefix", "-C", "-w", "--workspace", "--script-shell", "--registry",
                      "--userconfig", "--globalconfig", "--cache", "--loglevel", "--otp"}),
    "pnpm": frozenset({"-C", "--dir", "--filter", "-F", "--filter-prod", "--reporter",
                       "--loglevel", "--registry", "--workspace-concurrency", "--resume-from",
                       "--test-pattern", "--changed-files-ignore-pattern"}),
    "yarn": frozenset({"--cwd", "--cache-folder", "--modules-folder", "--mutex", "--registry",
                       "--network-timeout", "--global-folder", "--link-folder"}),
    "bun": frozenset({"--cwd", "--filter", "-F", "--shell", "--elide-lines", "-r", "--preload",
                      "--require", "--import", "--env-file", "--config", "-c", "-e", "--eval",
                      "-p", "--print", "--tsconfig-override", "--conditions", "--main-fields",
                      "-d", "--define", "-l", "--loader", "--port", "--origin",
                      "--extension-order", "--jsx-factory", "--jsx-fragment",
                      "--jsx-import-source", "--jsx-runtime", "--title"}),
}
_CHDIRS = {"npm": frozenset({"--prefix", "-C"}), "pnpm": frozenset({"-C", "--dir"}),
           "yarn": frozenset({"--cwd"}), "bun": frozenset({"--cwd"})}


class Scan(Plain):
    """A package manager's arguments as far as they choose a script: the words that are no
    options or option values, up to the script's own arguments; the directories options move
    to, in order; whether a word there is only known at run time (`bun run "$X"`, `xargs bun
    run`), so which script runs, or where, is unknown; the indexes of the arguments handed to
    the script (appended to its text)."""

    words: list[str]
    chdirs: list[str]
    dynamic: bool
    passed: list[int]

    def __init__(self, words: list[str], chdirs: list[str], dynamic: bool,
                 passed: list[int]) -> None:
        self.words = words
        self.chdirs = chdirs
        self.dynamic = dynamic
        self.passed = passed


# Options that run a script in every workspace member, or in those they select (their value);
# pnpm's -w runs in the workspace root, wherever it starts: every member, a superset.
EVERY_MEMBER = {"npm": frozenset({"-ws", "--ws", "--workspaces"}),
                "pnpm": frozenset({"-r", "--recursive", "-w", "--workspace-root"}),
                "bun": frozenset({"--workspaces"}),
                "deno": frozenset({"-r", "--recursive", "--members"})}
SELECT_MEMBERS = {"npm": frozenset({"-w", "--workspace"}),
                  "pnpm": frozenset({"--filter", "-F", "--filter-prod"}),
                  "bun": frozenset({"--filter", "-F"}), "deno": frozenset({"-f", "--filter"})}
# The words that may make a package manager run a script in workspace members besides the
# project's own (`policy/workspaces.py` reads the command; these only say where to look).
WORKSPACE_WORDS = {
    **{program: EVERY_MEMBER[program] | SELECT_MEMBERS[program] for program in EVERY_MEMBER},
    "yarn": frozenset({"workspace", "workspaces"}),
}


def in_workspaces(cmd: SimpleCommand) -> bool:
    """Whether `cmd` has a word that may run scripts of workspace members (its global options
    too, which `args` has not); npm, pnpm and bun only when they run a script (`pnpm -r
    publish` runs none of `policy/workspaces.py`'s concern)."""
    words = WORKSPACE_WORDS.get(cmd.program)
    if words is None:
        return False
    if not any(arg.partition("=")[0] in words for arg in cmd.argv[1:]):
        return False
    return cmd.program in ("yarn", "deno") or script_name(cmd) is not None


_NPM_CONFIG_WORDS = ("workspace", "userconfig", "globalconfig")
MAX_NPMRC_BYTES = 256 * 1024


def npm_config_selects(cmd: SimpleCommand) -> bool:
    """Whether npm's configuration, not its options, may choose workspace members (npm reads
    `workspaces=true` / `workspace=a` there as `-ws` / `-w a`): an `npm_config_workspace(s)`
    variable (or `_userconfig`, `_globalconfig`: another file) set for the command, a
    `--userconfig` / `--globalconfig` option, or an `.npmrc` naming `workspace` in the
    directory npm starts from or one above it (the project's, a workspace root's, the
    user's)."""
    if cmd.program != "npm":
        return False
    for assignment in cmd.assignments:
        name = assignment.partition("=")[0].lower()
        if name.startswith("npm_config_") and any(w in name for w in _NPM_CONFIG_WORDS):
            return True
    if any(arg.partition("=")[0] in ("--userconfig", "--globalconfig") for arg in cmd.args):
        return True
    current = start_dir(cmd)
    while True:
        path = os.path.join(current, ".npmrc")
        try:
            if os.path.getsize(path) > MAX_NPMRC_BYTES:
                return True
            with open(path, "rb") as fh:
                if b"workspace" in fh.read().lower():
                    return True
        except OSError:
            pass
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


def start_dir(cmd: SimpleCommand, found: Scan | None = None) -> str:
    """The directory the package manager starts from (`--prefix`, `-C`, `--cwd` move it);
    `found`: `scan(cmd)`, when the caller has it."""
    start = cmd.cwd
    for directory in (found or scan(cmd)).chdirs:
        start = normalize(start, directory)
    return start


def normalize(cwd: str, path: str) -> str:
    return os.path.normpath(os.path.join(cwd, os.path.expanduser(path)))


def scan(cmd: SimpleCommand) -> Scan:
    """How `cmd`'s arguments choose its script (see `Scan`)."""
    values = VALUE_OPTIONS.get(cmd.program, frozenset())
    words: list[str] = []
    chdirs: list[str] = []
    args = cmd.args
    at = 0
    dynamic = named = False
    passed: list[int] = []
    while at < len(args) and args[at] != "--":
        dynamic = dynamic or at in cmd.dynamic_args
        arg = args[at]
        if len(arg) > 1 and arg.startswith("-"):
            option, equals, value = arg.partition("=")
            if option in values and not equals:
                at += 1
                value = args[at] if at < len(args) else ""
                dynamic = dynamic or at in cmd.dynamic_args
            if option in _CHDIRS.get(cmd.program, ()) and value:
                chdirs.append(value)
        elif named:
            passed.append(at)  # npm: a positional word after the name is the script's
        else:
            words.append(arg)
            named = names_script(cmd.program, words)
            if named and cmd.program != "npm":  # the rest is the script's
                return Scan(words, chdirs, dynamic, _after(args, at + 1))
        at += 1
    if named:
        passed += _after(args, at)
    return Scan(words, chdirs, dynamic or at in cmd.dynamic_args, passed)  # `at`: xargs


def _after(args: tuple[str, ...], at: int) -> list[int]:
    """The indexes from `at` on, but for a `--` there (it ends the options, not passed)."""
    return list(range(at + 1 if args[at:at + 1] == ("--",) else at, len(args)))


def names_script(program: str, words: list[str]) -> bool:
    """Whether the last of these words names the script to run."""
    first = words[0]
    if first in _RUN:
        return len(words) == 2
    own = _OWN_COMMANDS | _PNPM_ONLY if program == "pnpm" else _OWN_COMMANDS
    return len(words) == 1 and (first in _LIFECYCLE or (program != "npm" and first not in own))


def runs_unknown_script(cmd: SimpleCommand) -> bool:
    """Whether a word only known at run time chooses the script this command runs, or where:
    the name (`bun run "$X"`, `xargs yarn`) or an option before it (`bun --cwd "$D" run X`)."""
    found = scan(cmd)
    if not found.dynamic:
        return False
    words = found.words
    return not words or words[-1] in _RUN or script_name(cmd) is not None \
        or installs_project(cmd)


def script_name(cmd: SimpleCommand) -> str | None:
    """Which package.json script this command runs, if any."""
    if cmd.program not in SCRIPT_RUNNERS:
        return None
    words = scan(cmd).words
    for end in range(1, min(len(words), 2) + 1):
        if names_script(cmd.program, words[:end]):
            return words[end - 1]
    return None


def installs_project(cmd: SimpleCommand) -> bool:
    """`npm install` / `npm ci` / `yarn` / `pnpm install` of the project itself."""
    if cmd.program not in SCRIPT_RUNNERS:
        return False
    words = scan(cmd).words
    if cmd.program == "yarn" and not words:
        return True
    return len(words) == 1 and words[0] in _INSTALL


def package_root(directory: str, program: str) -> str | None:
    """The project directory `program` finds from `directory`: the nearest one above it
    (itself included) with a package.json; for npm, unless a node_modules directory comes first
    (npm's prefix rule; the others are taken to go on, a superset)."""
    current = directory
    while True:
        if os.path.isfile(os.path.join(current, "package.json")):
            return current
        if program == "npm" and os.path.isdir(os.path.join(current, "node_modules")):
            return None
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def read_scripts(directory: str) -> dict[str, str] | None:
    """The package.json scripts; None when the file is too large or too deeply nested to read
    (npm would still run it, so what it runs is unknown)."""
    try:
        return scripts_of(read_package_json(os.path.join(directory, "package.json")))
    except Unreadable:
        return None


def read_package_json(path: str) -> object:
    """A package.json's content (see `parse_package_json`); {} when it is missing or cannot be
    opened (the package manager then fails too); denotasks.Unreadable when it is too large or
    too deeply nested to read."""
    try:
        if os.path.getsize(path) > MAX_PACKAGE_JSON_BYTES:
            raise Unreadable(f"{path} is larger than {MAX_PACKAGE_JSON_BYTES} bytes")
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return {}
    try:
        return parse_package_json(data)
    except RecursionError as exc:
        raise Unreadable(f"{path} is nested too deeply to read") from exc


def parse_package_json(data: bytes) -> object:
    """A package.json's content as node reads it: a leading BOM dropped and bytes that are no
    UTF-8 replaced (node's readFile does both; Python's json refused them, and the scripts
    were taken for none), integers of any length; {} when it is no JSON (the package manager
    fails too). Nesting too deep for Python (node reads it) raises RecursionError."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        return json.loads(text, parse_int=float)
    except ValueError:
        return {}


def scripts_of(doc: object) -> dict[str, str]:
    """The scripts of a package.json's content."""
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}
