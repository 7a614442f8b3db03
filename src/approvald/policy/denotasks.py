"""deno's tasks, read from the project's deno.json or deno.jsonc at decision time.

`deno task NAME` runs the task NAME of the nearest deno.json (or deno.jsonc) above its
directory, after the tasks it depends on; a task is a command line, or a table with `command`
and `dependencies`. A file that is there but cannot be read here is `Unreadable`: deno's own
JSONC reader may accept what this one does not, so what it runs is unknown, not nothing.
"""

from __future__ import annotations

import json
import os

from approvald.model.lazyre import lazy_compile

MAX_CONFIG_BYTES = 1_000_000
CONFIG_NAMES = ("deno.json", "deno.jsonc")
# Strings (kept whole, so nothing inside one is taken for a comment), comments, and runs of
# anything else; `/*` is matched alone and its end found with str.find, which keeps the scan
# linear on a file of unterminated comments. A `"` matched alone starts a string that does not
# end: the scan stops there, as going on would try every later `"` to the end (`"\"\"\...`).
_JSONC_TOKEN = lazy_compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*|[^"/,]+|.')
_BLANKS = lazy_compile(r"\s*")

# deno's options before its subcommand that take the next word as their value
_GLOBAL_VALUES = frozenset({"--log-level"})
# `deno task` options that take the next word as their value
_TASK_VALUES = frozenset({"--cwd", "-c", "--config", "-f", "--filter"})

Task = tuple[str | None, tuple[str, ...]]  # (command line or None, the tasks it depends on)
# (task name, `--config` FILE or None, `--cwd` DIR or None, the name's index) of `deno task`
TaskCall = tuple[str, str | None, str | None, int]


class Unreadable(Exception):
    """A deno configuration file that is there but cannot be read as deno would read it."""


def task_of(args: tuple[str, ...]) -> TaskCall | None:
    """What deno's arguments `[OPTIONS] task [OPTIONS] NAME ...` name; None for any other deno
    command, and for `--eval` (its text is the line's, analysed with it)."""
    at = 0
    while at < len(args) and args[at].startswith("-"):  # deno's own options (`-q task x`)
        at += 2 if args[at] in _GLOBAL_VALUES else 1
    if at >= len(args) or args[at] != "task":
        return None
    config: str | None = None
    cwd: str | None = None
    at += 1
    while at < len(args) and args[at].startswith("-"):
        option, _, glued = args[at].partition("=")
        if option == "--eval":
            return None
        if option in _TASK_VALUES and not glued:
            at += 1
            glued = args[at] if at < len(args) else ""
        if option in ("-c", "--config"):
            config = glued
        elif option == "--cwd":
            cwd = glued
        at += 1
    return (args[at], config, cwd, at) if at < len(args) else None


def matching(names: list[str], name: str) -> list[str]:
    """The task names `deno task NAME` runs: NAME, or with a `*` wildcard (`build:*`, and
    exclusion groups since deno 2.8) every one of them, a superset of what deno picks."""
    if "*" not in name:
        return [name] if name in names else []
    return names


def find_config(cwd: str, given: str | None = None) -> str | None:
    """The configuration `deno task` in `cwd` reads: `--config FILE` (relative to `cwd`),
    else the nearest deno.json or deno.jsonc in `cwd` or above it."""
    if given is not None:
        return os.path.join(cwd, os.path.expanduser(given))
    current = cwd
    while True:
        for name in CONFIG_NAMES:
            path = os.path.join(current, name)
            if os.path.isfile(path):
                return path
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def strip_jsonc(text: str) -> str:
    """JSON from JSONC: comments become spaces and trailing commas go; strings stay whole."""
    out: list[str] = []
    at = 0
    while at < len(text):
        match = _JSONC_TOKEN.match(text, at)
        assert match is not None  # `[^"/,]+` takes newlines, `.` any other one character
        token = match.group(0)
        if token == '"':
            raise Unreadable("a string that does not end")
        if token == "/*":
            end = text.find("*/", at + 2)
            if end < 0:
                raise Unreadable("a comment that does not end")
            out.append(" ")
            at = end + 2
            continue
        if token.startswith("//"):
            out.append(" ")
        elif token == "," and _closes(text, at + 1):
            pass  # a trailing comma
        else:
            out.append(token)
        at += len(token)
    return "".join(out)


def _closes(text: str, at: int) -> bool:
    """Whether only blanks and comments stand between `at` and a closing bracket."""
    while True:
        at = _BLANKS.match(text, at).end()  # type: ignore[union-attr]  # `\s*` always matches
        if text.startswith("//", at):
            at = text.find("\n", at)
        elif text.startswith("/*", at):
            end = text.find("*/", at + 2)
            at = end + 2 if end >= 0 else -1
        else:
            return text.startswith(("}", "]"), at)
        if at < 0:
            return False


def read_tasks(path: str) -> dict[str, Task]:
    """The tasks a configuration file defines ({} when it is not there, as deno then runs
    none of them)."""
    return tasks_of(read_config(path))


def read_config(path: str) -> object:
    """What a configuration file holds ({} when it is not there)."""
    try:
        if os.path.getsize(path) > MAX_CONFIG_BYTES:
            raise Unreadable(f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise Unreadable(f"{path} cannot be read: {exc}") from exc
    try:
        return json.loads(strip_jsonc(text))
    except (ValueError, RecursionError) as exc:
        raise Unreadable(f"{path} is not JSON(C) this can read: {exc}") from exc


def tasks_of(doc: object) -> dict[str, Task]:
    """The tasks of a configuration file's content."""
    tasks = doc.get("tasks") if isinstance(doc, dict) else None
    if not isinstance(tasks, dict):
        return {}
    found: dict[str, Task] = {}
    for name, value in tasks.items():
        if isinstance(value, str):
            found[name] = (value, ())
        elif isinstance(value, dict):
            command = value.get("command")
            depends = value.get("dependencies")
            found[name] = (command if isinstance(command, str) else None,
                           tuple(d for d in depends if isinstance(d, str))
                           if isinstance(depends, list) else ())
    return found


def task_steps(tasks: dict[str, Task], names: list[str], depth: int) -> list[tuple[str, str]]:
    """(task name, command line) of what `deno task` runs for these names, each task's
    dependencies before it, each task once, `depth` levels of dependencies at most."""
    steps: list[tuple[str, str]] = []
    seen: set[str] = set()

    def visit(task: str, left: int) -> None:
        if task in seen or task not in tasks or left < 0:
            return
        seen.add(task)
        command, depends = tasks[task]
        for dependency in depends:
            visit(dependency, left - 1)
        if command is not None:
            steps.append((task, command))

    for name in names:
        visit(name, depth)
    return steps
