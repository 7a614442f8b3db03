"""Package managers' commands that run a script in the members of a workspace.

- npm: `npm run X` (`npm test`, ...) with `--workspaces` (`-ws`) or `--workspace NAME|DIR`
  (`-w`, repeatable);
- pnpm: `pnpm -r X` / `--recursive`, `--filter SEL` / `-F SEL` / `--filter-prod SEL`, and
  `pnpm -w X` / `--workspace-root` (the root's script, from a member too);
- yarn: `yarn workspaces foreach [OPTIONS] [run] X`, `yarn workspaces run X` (yarn 1),
  `yarn workspace NAME [run] X`;
- bun: `bun --filter SEL [run] X`, `bun run --filter SEL X`, `bun run --workspaces X`;
- deno: `deno task -r X` / `--recursive` / `--members`, `--filter SEL` / `-f SEL`;
- an install of a project in a workspace (`npm install`/`ci`, `pnpm install`, `yarn`, `bun
  install`) runs every member's install lifecycle (`preinstall`, `install`, `postinstall`,
  `prepare`), whatever it filters (a superset).

The members are those of the workspace the command starts in (`policy/wsmembers.py`), its root
among them. A selection is resolved exactly or not at all: the members it names and those in the
directory it names (or below it: npm takes both); anything else — a glob, pnpm's graph selectors
(`...pkg`, `pkg^...`, `[ref]`), an exclusion, a value known only at run time, one that matches
no member — selects every member. Each chosen member's script (with its `pre`/`post` scripts)
or deno task is looked into as the project's own is, in the member's directory.
"""

from __future__ import annotations

import os

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Plain
from approvald.policy import denotasks, wsmembers
from approvald.policy.pkgscripts import (
    EVERY_MEMBER,
    INSTALL_STEPS,
    SELECT_MEMBERS,
    VALUE_OPTIONS,
    installs_project,
    names_script,
    normalize,
    npm_config_selects,
    scan,
    script_name,
    start_dir,
)
from approvald.shell.model import SimpleCommand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from approvald.policy.budget import Budget

_FOREACH_VALUES = frozenset({"--from", "--include", "--exclude", "-j", "--jobs"})
_NOT_EXACT = lazy_compile(r"[*?\[\]{}()!^]|\.\.\.")
_UNKNOWN = "which script it runs in workspace members is only known at run time"

# (member directory, label, [(step, command line)], the names the arguments go after)
Group = tuple[str, str, list[tuple[str, str]], list[str]]


class Across(Plain):
    """A script run in workspace members: its name (None: the install lifecycle), the
    selections (None: every member), the indexes of the arguments handed to it, and the
    directory the manager starts from."""

    name: str | None
    selectors: list[str] | None
    passed: list[int]
    start: str

    def __init__(self, name: str | None, selectors: list[str] | None, passed: list[int],
                 start: str) -> None:
        self.name = name
        self.selectors = selectors
        self.passed = passed
        self.start = start


def across(cmd: SimpleCommand) -> Across | str | None:
    """The script `cmd` runs in workspace members; a string: which one is only known at run
    time; None: it runs none there."""
    if cmd.program != "deno" and installs_project(cmd):
        return Across(None, None, [], start_dir(cmd))
    if cmd.program == "yarn":
        return _yarn(cmd)
    if cmd.program == "deno":
        task = denotasks.task_of(cmd.args)
        if task is None:
            return None
        name, config, where, at = task
        every, selectors = _selection(cmd, at)
        if not every and not selectors:
            return None
        if any(index <= at for index in cmd.dynamic_args):
            return _UNKNOWN
        rest = at + 2 if cmd.args[at + 1:at + 2] == ("--",) else at + 1
        # `-c FILE`: the workspace is the one FILE is in (as expand._deno_steps reads it)
        start = os.path.dirname(normalize(cmd.cwd, config)) if config else \
            normalize(cmd.cwd, where) if where else cmd.cwd
        return Across(name, None if every else selectors, list(range(rest, len(cmd.args))),
                      start)
    script = script_name(cmd)
    if script is None:
        return None
    found = scan(cmd)
    if cmd.program == "npm":  # npm reads its options up to `--`
        end = cmd.args.index("--") if "--" in cmd.args else len(cmd.args)
    else:  # the others up to the script's name
        end = min(found.passed) if found.passed else len(cmd.args)
    every, selectors = _selection(cmd, end)
    if not every and not selectors:
        if not npm_config_selects(cmd):
            return None
        every = True  # npm's configuration may choose any members
    return Across(script, None if every else selectors, found.passed, start_dir(cmd, found))


def _selection(cmd: SimpleCommand, end: int) -> tuple[bool, list[str]]:
    """Whether options before `args[end]` (or the program's global options, which `args`
    has not) take every member, and the selections they name."""
    every_flags = EVERY_MEMBER[cmd.program]
    select = SELECT_MEMBERS[cmd.program]
    words = cmd.argv[1:]
    offset = len(words) - len(cmd.args)  # the global options' words
    every = False
    selectors: list[str] = []
    at = 0
    while at < offset + end:
        option, equals, value = words[at].partition("=")
        if option in every_flags and value.lower() != "false":
            every = True
        elif option in select:
            if not equals:
                at += 1
                value = words[at] if at < len(words) else ""
            # a global option's value known only at run time makes the command dynamic
            every = every or not value or (at - offset in cmd.dynamic_args if at >= offset
                                           else cmd.dynamic is not None)
            selectors.append(value)
        at += 1
    return every, selectors


def _yarn(cmd: SimpleCommand) -> Across | str | None:
    args = cmd.args
    at = _skip(args, 0, VALUE_OPTIONS["yarn"])
    selectors: list[str] | None = None
    chosen = -1
    if args[at:at + 1] == ("workspace",) and at + 1 < len(args):
        chosen = at + 1
        selectors = None if chosen in cmd.dynamic_args else [args[chosen]]
        at += 2
    elif args[at:at + 2] == ("workspaces", "foreach"):
        at = _skip(args, at + 2, _FOREACH_VALUES)
    elif args[at:at + 2] == ("workspaces", "run"):  # yarn 1
        at += 1
    else:
        return None
    at = _skip(args, at, VALUE_OPTIONS["yarn"])
    end = at + 1 if at < len(args) and names_script("yarn", list(args[at:at + 1])) else \
        at + 2 if at + 1 < len(args) and names_script("yarn", list(args[at:at + 2])) else -1
    if end < 0:
        return None  # a yarn command of its own there (`exec`, `add`, ...): no script
    if any(index < end and index != chosen for index in cmd.dynamic_args):
        return _UNKNOWN
    passed = list(range(end + 1 if args[end:end + 1] == ("--",) else end, len(args)))
    return Across(args[end - 1], selectors, passed, start_dir(cmd))


def _skip(args: tuple[str, ...], at: int, values: frozenset[str]) -> int:
    """The index of the first word from `at` that is no option nor an option's value."""
    while at < len(args) and args[at].startswith("-") and args[at] != "--":
        at += 2 if args[at] in values else 1
    return at


def member_steps(cmd: SimpleCommand, depth: int,
                 budget: Budget) -> tuple[list[Group], list[int]] | str:
    """What `cmd` runs in workspace members, and the indexes of the arguments it hands the
    script; a string says why that cannot be known."""
    run = across(cmd)
    if run is None or isinstance(run, str):
        return run or ([], [])
    try:
        members = wsmembers.members(run.start, cmd.program, budget, run.name is not None)
    except denotasks.Unreadable as exc:
        return str(exc)
    groups: list[Group] = []
    for member in _chosen(members, run.selectors, run.start, cmd.program):
        steps, names = _steps(member, cmd.program, run.name, depth)
        if steps:
            groups.append((member.directory, f"{cmd.program} workspace", steps, names))
    return groups, run.passed


def _chosen(members: list[wsmembers.Member], selectors: list[str] | None,
            start: str, program: str) -> list[wsmembers.Member]:
    if selectors is None or not members:
        return members
    root = members[0].directory
    chosen: list[wsmembers.Member] = []
    for selector in selectors:
        hits = [m for m in members if m.name == selector]
        bare = selector.removeprefix("{").removesuffix("}")
        # npm takes a value for a name and a directory both (`-w b`: the member named b and
        # the one in ./b); the others a directory only as `./dir` or `{dir}` (pnpm's `core`
        # is a name, @babel/core among them: no exact name, so every member below)
        as_directory = program == "npm" or selector.startswith((".", "{", "/"))
        if as_directory and not _NOT_EXACT.search(bare):
            paths = {normalize(base, bare) for base in (start, root)}
            hits += [m for m in members if m not in hits
                     and any(m.directory == p or m.directory.startswith(p + os.sep)
                             for p in paths)]
        if not hits:
            return members  # not resolved exactly: every member
        chosen += [m for m in hits if m not in chosen]
    return chosen


def _steps(member: wsmembers.Member, program: str, name: str | None,
           depth: int) -> tuple[list[tuple[str, str]], list[str]]:
    """(step, command line) of script or task `name` (None: the install lifecycle) in a
    member, and the names the arguments go after."""
    if name is None:
        return [(s, member.scripts[s]) for s in INSTALL_STEPS if s in member.scripts], []
    if program == "deno":
        names = denotasks.matching(list(member.tasks), name)
        if names:
            return denotasks.task_steps(member.tasks, names, depth), names
        if "*" in name:
            return list(member.scripts.items()), list(member.scripts)
    scripts = member.scripts
    return [(s, scripts[s]) for s in (f"pre{name}", name, f"post{name}") if s in scripts], [name]
