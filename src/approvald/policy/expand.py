"""Commands that run other commands the shell line does not spell out, read at decision time.

- `approvald exec --lease ID --env VAR -- CMD ...` runs CMD.
- `npm run deploy` (also `npm test|start|stop|restart`, pnpm, yarn, bun) runs the `deploy`
  script of the package.json of its project (the nearest above its directory, as npm finds
  it), with its `pre`/`post` scripts, in the project's directory; `npm install` (`ci`, `yarn`,
  `pnpm install`) without package names runs the project's install lifecycle (`preinstall`,
  `install`, `postinstall`, `prepare`). The script text is analysed like any shell line, so
  `"deploy": "git push && npm publish"` is a push and a publish.
- `deno task deploy` runs the `deploy` task of the nearest deno.json/deno.jsonc (after the
  tasks it depends on), else the package.json script of that name (`policy/denotasks.py`).
- `git NAME` where NAME is no git command runs the alias NAME from the repository's
  `.git/config` or the user's git config; settings there that hold commands (`core.pager`,
  `core.fsmonitor`, `core.sshCommand`, filters, ...) are analysed for every git command.

Everything looked into here shares one budget per decision (`Budget`): a count and a total
size, not only a depth. Scripts reached twice are looked into once. Past the budget the
decision gets a dynamic command, so a person decides.
"""

from __future__ import annotations

import os
import time
from functools import lru_cache

from approvald import shell
from approvald.model.plain import Plain
from approvald.policy import denotasks
from approvald.policy.budget import MAX_EXPANDED_BYTES, MAX_EXPANSIONS, Budget
from approvald.policy.pkgscripts import (
    INSTALL_STEPS,
    MAX_PACKAGE_JSON_BYTES,
    SCRIPT_RUNNERS,
    in_workspaces,
    installs_project,
    normalize,
    npm_config_selects,
    package_root,
    read_scripts,
    runs_unknown_script,
    scan,
    script_name,
    start_dir,
)
from approvald.shell.gitcmd import GIT_BUILTINS, setting_command
from approvald.shell.model import DYNAMIC_NAME, SimpleCommand

MAX_SCRIPT_DEPTH = 4
MAX_GIT_CONFIG_BYTES = 256 * 1024
_EXPANDING = SCRIPT_RUNNERS | {"approvald", "git", "deno"}  # the programs `expand` looks into


def expand(commands: list[SimpleCommand], home: str) -> list[SimpleCommand]:
    """The commands these commands would run beyond themselves (not including themselves)."""
    budget: Budget | None = None  # made for the first command looked into (most lines: none)
    found: list[SimpleCommand] = []
    for cmd in commands:
        if cmd.program not in _EXPANDING:
            continue  # nothing below looks into any other program
        if budget is None:
            budget = Budget()
        found += _approvald_exec(cmd, home, budget)
        found += _package_scripts(cmd, home, MAX_SCRIPT_DEPTH, budget)
        found += _git_config(cmd, home, budget)
        if budget.exceeded:
            break
    if budget is not None and budget.exceeded:
        found.append(SimpleCommand(
            argv=("<unanalyzed>",), program="<unanalyzed>", args=(), cwd=commands[0].cwd,
            dynamic=DYNAMIC_NAME, text=f"more than {MAX_EXPANSIONS} scripts or "
            f"{MAX_EXPANDED_BYTES} bytes of script text; not looked into further"))
    return found


def _nested(text: str, cmd: SimpleCommand, home: str, via: str, budget: Budget,
            counted: bool = False, cwd: str | None = None) -> list[SimpleCommand]:
    if not counted and not budget.take(text):
        return []
    return [c.changed(depth=c.depth + cmd.depth + 1, via=via)
            for c in shell.analyze(text, cwd or cmd.cwd, home).commands]


def _approvald_exec(cmd: SimpleCommand, home: str, budget: Budget) -> list[SimpleCommand]:
    if cmd.program != "approvald" or cmd.args[:1] != ("exec",) or "--" not in cmd.args:
        return []
    import shlex  # here, not at the top: a module less for the hook when nothing needs it

    rest = cmd.args[cmd.args.index("--") + 1:]
    return _nested(shlex.join(rest), cmd, home, "approvald exec", budget) if rest else []


class _Steps(Plain):
    """What a command runs from its project's files: the directory they run in, the label
    of each step, and each step's (name, command line)."""

    directory: str
    via: str
    steps: list[tuple[str, str]]

    def __init__(self, directory: str, via: str, steps: list[tuple[str, str]]) -> None:
        self.directory = directory
        self.via = via
        self.steps = steps


def _project_steps(cmd: SimpleCommand, depth: int, budget: Budget) -> _Steps | str | None:
    """The steps `cmd` runs from package.json or deno.json; a string says why what it runs
    cannot be known; None: it runs nothing from them."""
    if cmd.program == "deno":
        return _deno_steps(cmd, depth, budget)
    if runs_unknown_script(cmd):
        return None if package_root(cmd.cwd, cmd.program) is None \
            else "which script it runs is only known at run time"
    name = script_name(cmd)
    if name is None and not installs_project(cmd):
        return None
    found = scan(cmd)
    start = start_dir(cmd, found)  # `npm run X --prefix DIR`, `bun --cwd DIR run X`
    return _script_steps(cmd, start, None, name, _passed(cmd, found.passed), budget)


def _deno_steps(cmd: SimpleCommand, depth: int, budget: Budget) -> _Steps | str | None:
    task = denotasks.task_of(cmd.args)
    if task is None:
        return None
    name, given, where, at = task
    if any(index <= at for index in cmd.dynamic_args):  # `deno task "$X"`
        return "which task it runs is only known at run time"
    passed = _passed(cmd, list(range(at + 2 if cmd.args[at + 1:at + 2] == ("--",) else at + 1,
                                     len(cmd.args))))
    # `--cwd DIR`: deno finds its configuration from DIR and runs the task there
    start = normalize(cmd.cwd, where) if where else cmd.cwd
    config = denotasks.find_config(start, normalize(cmd.cwd, given) if given else None)
    if config is not None:
        try:
            tasks = budget.read(denotasks.read_tasks, config)
        except denotasks.Unreadable as exc:
            return str(exc)
        names = denotasks.matching(list(tasks), name)
        if names:
            steps = denotasks.task_steps(tasks, names, depth)
            return _Steps(start if where else os.path.dirname(config), "deno task",
                          _with_args(steps, names, passed))
    return _script_steps(cmd, start, start if where else None, name, passed, budget)


def _script_steps(cmd: SimpleCommand, start: str, directory: str | None, name: str | None,
                  passed: str, budget: Budget) -> _Steps | str | None:
    """The package.json scripts of the project `start` is in: script `name` with its
    `pre`/`post` scripts (deno's `*` wildcard: all of them), or the install lifecycle (no
    name), run in `directory` (default: the project's); `passed` goes after `name`'s text."""
    root = package_root(start, cmd.program)
    if root is None:
        return None
    scripts = budget.read(read_scripts, root)
    if scripts is None:
        return (f"{os.path.join(root, 'package.json')} is larger than {MAX_PACKAGE_JSON_BYTES}"
                " bytes or nested too deeply to read")
    steps: tuple[str, ...] | list[str]
    if name is None:
        steps = INSTALL_STEPS
    elif cmd.program == "deno" and "*" in name:
        steps = list(scripts)
    else:
        steps = (f"pre{name}", name, f"post{name}")
    named = list(steps) if cmd.program == "deno" and name and "*" in name else [name or ""]
    return _Steps(directory or root, f"{cmd.program} run",
                  _with_args([(s, scripts[s]) for s in steps if s in scripts], named, passed))


def _passed(cmd: SimpleCommand, indexes: list[int]) -> str:
    """The shell text of the arguments a script is handed (`npm run X -- ARGS`, `deno task X
    ARGS`): the script's text with them is what runs. One known only at run time, or what
    xargs appends, is `"$@"`, unknown to the analysis too."""
    words: list[str] = []
    if indexes:
        import shlex  # here: a module less for the hook when nothing needs it

        words = ['"$@"' if i in cmd.dynamic_args else shlex.quote(cmd.args[i]) for i in indexes]
    if len(cmd.args) in cmd.dynamic_args:
        words.append('"$@"')
    return "".join(" " + word for word in words)


def _with_args(steps: list[tuple[str, str]], names: list[str],
               passed: str) -> list[tuple[str, str]]:
    if not passed:
        return steps
    return [(step, text + passed if step in names else text) for step, text in steps]


def _package_scripts(cmd: SimpleCommand, home: str, depth: int,
                     budget: Budget) -> list[SimpleCommand]:
    if cmd.program not in SCRIPT_RUNNERS and cmd.program != "deno":
        return []
    if depth <= 0 or budget.exceeded:
        return []
    found_steps = _project_steps(cmd, depth, budget)
    if isinstance(found_steps, str):
        return [_unknown(cmd, found_steps)]
    groups = [] if found_steps is None else [found_steps]
    if in_workspaces(cmd) or (found_steps is not None and (
            installs_project(cmd) or (cmd.program == "npm" and npm_config_selects(cmd)))):
        # `npm run X -ws`, `pnpm -r X`, `deno task -r X`, ...; `npm install` in a project;
        # `npm run X` with `workspaces=true` in an .npmrc
        members = _member_steps(cmd, depth, budget)
        if isinstance(members, str):
            return [_unknown(cmd, members)]
        groups += members
    found: list[SimpleCommand] = []
    for group in groups:
        for step, text in group.steps:
            if not budget.take(text):  # every reference counts, even to a script seen before
                return found
            if not budget.first_time((group.directory, f"{step}\0{text}")):  # text: its args
                continue
            nested = _nested(text, cmd, home, f"{group.via} {step}", budget, counted=True,
                             cwd=group.directory)
            found += nested
            for inner in nested:  # a script that runs another script
                found += _package_scripts(inner, home, depth - 1, budget)
                if budget.exceeded:
                    return found
    return found


def _member_steps(cmd: SimpleCommand, depth: int, budget: Budget) -> list[_Steps] | str:
    """The steps `cmd` runs in workspace members (`policy/workspaces.py`)."""
    from approvald.policy import workspaces  # here: only a workspace's commands need it

    found = workspaces.member_steps(cmd, depth, budget)
    if isinstance(found, str):
        return found
    groups, indexes = found
    passed = _passed(cmd, indexes)
    return [_Steps(directory, via, _with_args(steps, names, passed))
            for directory, via, steps, names in groups]


def _unknown(cmd: SimpleCommand, why: str) -> SimpleCommand:
    return SimpleCommand(argv=("<unanalyzed>",), program="<unanalyzed>", args=(), cwd=cmd.cwd,
                         dynamic=DYNAMIC_NAME, text=f"{cmd.text}: {why}")


# --- git configuration files -----------------------------------------------------------------

_REPO_CACHE_SECONDS = 2.0
_repo_cache: dict[str, tuple[float, str | None]] = {}


def _git_dir(cwd: str) -> str | None:
    """The `.git` directory of the repository holding `cwd` (cached briefly)."""
    now = time.monotonic()
    cached = _repo_cache.get(cwd)
    if cached is not None and cached[0] > now:
        return cached[1]
    found = None
    directory = cwd
    for _ in range(64):
        candidate = os.path.join(directory, ".git")
        if os.path.isdir(candidate):
            found = candidate
            break
        if os.path.isfile(candidate):
            try:
                with open(candidate, encoding="utf-8") as fh:
                    line = fh.read(4096).strip()
            except OSError:
                break
            if line.startswith("gitdir:"):
                found = os.path.join(directory, line[7:].strip())
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    if len(_repo_cache) > 4096:
        _repo_cache.clear()
    _repo_cache[cwd] = (now + _REPO_CACHE_SECONDS, found)
    return found


def _config_files(cwd: str, home: str) -> list[str]:
    files = list(_user_config_files(home))
    git_dir = _git_dir(cwd)
    if git_dir is not None:
        files.append(os.path.join(git_dir, "config"))
    return files


@lru_cache(maxsize=16)
def _user_config_files(home: str) -> tuple[str, str]:
    """The user's git config files (their names, not what they hold: those are read each time)."""
    return os.path.join(home, ".gitconfig"), os.path.join(home, ".config", "git", "config")


def _read_config(path: str, home: str, depth: int = 0) -> list[tuple[str, str]]:
    """A config file's settings, with the files it includes (followed, not trusted blindly)."""
    try:
        stat = os.stat(path)
    except OSError:
        return []
    pairs = list(_parse_config(path, stat.st_mtime_ns, stat.st_size))
    found: list[tuple[str, str]] = []
    for key, value in pairs:
        if key.endswith(".path") and key.startswith(("include.", "includeif.")) and depth < 3:
            target = os.path.expanduser(value) if not value.startswith("~") else \
                home + value[1:]
            target = os.path.join(os.path.dirname(path), target)
            found += _read_config(target, home, depth + 1)
        elif not key.startswith(("include.", "includeif.")):
            found.append((key, value))
    return found


@lru_cache(maxsize=64)
def _parse_config(path: str, _mtime: int, size: int) -> tuple[tuple[str, str], ...]:
    """(`section.sub.key`, value) pairs of a git config file, keys lowercased."""
    if size > MAX_GIT_CONFIG_BYTES:
        return (("core.pager", "<a git config file too large to read>"),)
    import configparser  # only where a git config is read

    parser = configparser.RawConfigParser(strict=False, interpolation=None,
                                          comment_prefixes=("#", ";"), delimiters=("=",))
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            parser.read_string(fh.read())
    except (OSError, configparser.Error):
        return ()
    pairs = []
    for section in parser.sections():
        head, _, sub = section.partition(" ")
        prefix = head.lower() + ("." + sub.strip().strip('"') if sub else "")
        for key, value in parser.items(section):
            pairs.append((f"{prefix}.{key.lower()}", (value or "").strip().strip('"')))
    return tuple(pairs)


def _git_config(cmd: SimpleCommand, home: str, budget: Budget) -> list[SimpleCommand]:
    if cmd.program != "git" or cmd.dynamic == DYNAMIC_NAME or budget.exceeded:
        return []
    settings: dict[str, str] = {}
    for path in _config_files(cmd.cwd, home):
        settings.update(_read_config(path, home))
    if not settings:
        return []
    found: list[SimpleCommand] = []
    sub = cmd.args[0] if cmd.args else ""
    alias = settings.get(f"alias.{sub.lower()}") if sub and sub not in GIT_BUILTINS else None
    if alias and budget.first_time((cmd.cwd, "alias." + sub)):
        import shlex

        rest = shlex.join(cmd.args[1:])
        text = alias[1:] + " " + rest if alias.startswith("!") else f"git {alias} {rest}"
        found += _nested(text, cmd, home, f"git alias {sub} (git config)", budget)
    for key, value in settings.items():
        if key.startswith("alias."):
            continue
        command = setting_command(key, value)
        if command and budget.first_time((cmd.cwd, key)):
            found += _nested(command, cmd, home, f"git config {key}", budget)
    return found
