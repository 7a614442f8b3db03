"""Workspace members: the packages a workspace root lists, found on disk within bounds.

npm, yarn and bun read the root package.json's "workspaces" (a list of globs, or an object
with a "packages" list); pnpm reads pnpm-workspace.yaml's `packages:` list (no such key, or a
file this cannot read safely: every package below the root; no such file: every package below
the project for `pnpm -r`, none for `pnpm install`); deno reads
deno.json's "workspace" (a list, or an object with a "members" list), else package.json's.
Exclusions (`!pattern`) are not applied: the members they leave out are still read.

What cannot be known safely raises `denotasks.Unreadable` (the decision then waits for a
person): a pattern that leaves the root (absolute, `~`, `..`, a symlink out of it), more
patterns, directory entries, members or manifest bytes than the bounds, a file too large to
read.
"""

from __future__ import annotations

import fnmatch
import os

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Plain
from approvald.policy import denotasks
from approvald.policy.denotasks import Task, Unreadable
from approvald.policy.pkgscripts import (
    MAX_PACKAGE_JSON_BYTES,
    package_root,
    read_package_json,
    scripts_of,
)
from approvald.policy.wsyaml import pnpm_packages

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from approvald.policy.budget import Budget

MAX_ENTRIES = 20_000  # directory entries looked at to expand one workspace's patterns
MAX_WORKSPACES = 4  # workspaces walked for one decision (each up to MAX_ENTRIES)
MAX_PATTERNS = 1_000
MAX_MEMBERS = 256
MAX_MEMBER_BYTES = 4 * 1024 * 1024  # the members' package.json and deno.json files together
_NEVER = frozenset({"node_modules", ".git"})  # no package manager looks for members there
_GLOB = lazy_compile(r"[*?\[\]{}()!+@]")
EVERYTHING = ["**"]


class Member(Plain):
    """A workspace package: its directory, name, package.json scripts and (deno) tasks."""

    directory: str
    name: str | None
    scripts: dict[str, str]
    tasks: dict[str, Task]

    def __init__(self, directory: str, name: str | None, scripts: dict[str, str],
                 tasks: dict[str, Task]) -> None:
        self.directory = directory
        self.name = name
        self.scripts = scripts
        self.tasks = tasks


def members(start: str, program: str, budget: Budget, below: bool = True) -> list[Member]:
    """The packages of the workspace `start` is in, as `program` finds it, its root first;
    [] when `start` is in no workspace. Without a pnpm-workspace.yaml, pnpm takes every package
    below its project when `below` (`pnpm -r X`), none else (`pnpm install`)."""
    if program == "pnpm":
        current: str | None = start
        while current is not None:
            if os.path.isfile(os.path.join(current, "pnpm-workspace.yaml")):
                return _walk(budget, pnpm_members, current)
            current = _parent(current)
        root = package_root(start, program) if below else None
        return _walk(budget, everything_below, root) if root is not None else []
    if program == "deno":
        current = start
        while current is not None:
            for name in denotasks.CONFIG_NAMES:
                path = os.path.join(current, name)
                if os.path.isfile(path) and _field(budget.read(read_json, path), "workspace"):
                    return _walk(budget, deno_members, path)
            current = _parent(current)
    current = start
    while current is not None:
        path = os.path.join(current, "package.json")
        if os.path.isfile(path) and _field(budget.read(read_json, path), "workspaces"):
            # (deno takes package.json's workspaces too, with each member's deno.json)
            return _walk(budget, deno_npm_members if program == "deno" else npm_members,
                         current)
        current = _parent(current)
    return []


def _walk(budget: Budget, walker: Callable[[str], list[Member]], where: str) -> list[Member]:
    """`walker(where)` through the decision's budget, which walks at most `MAX_WORKSPACES`
    workspaces: a line of many `cd DIR && pnpm -r X` would walk `MAX_ENTRIES` each."""
    walked = {key for key in budget.files or () if key[0] in _WALKERS}
    if (walker.__qualname__, where) not in walked and len(walked) >= MAX_WORKSPACES:
        raise Unreadable(f"the line runs scripts in more than {MAX_WORKSPACES} workspaces")
    return budget.read(walker, where)


def _parent(directory: str) -> str | None:
    parent = os.path.dirname(directory)
    return parent if parent != directory else None


def read_json(path: str) -> object:
    """A package.json or deno.json(c) file's content; {} when it is missing or no JSON (the
    package manager then fails too)."""
    if os.path.basename(path) == "package.json":
        return read_package_json(path)
    return denotasks.read_config(path)


def _field(doc: object, key: str) -> object:
    return doc.get(key) if isinstance(doc, dict) else None


def _patterns(value: object, key: str) -> list[str]:
    """The member patterns of a "workspaces" / "workspace" value: a list, or an object whose
    `key` is a list."""
    if isinstance(value, dict):
        value = value.get(key)
    return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []


def npm_members(root: str, deno: bool = False) -> list[Member]:
    doc = read_json(os.path.join(root, "package.json"))
    return _members(root, _patterns(_field(doc, "workspaces"), "packages"), deno=deno)


def deno_npm_members(root: str) -> list[Member]:
    return npm_members(root, deno=True)


def pnpm_members(root: str) -> list[Member]:
    path = os.path.join(root, "pnpm-workspace.yaml")
    try:
        if os.path.getsize(path) > MAX_PACKAGE_JSON_BYTES:
            raise Unreadable(f"{path} is larger than {MAX_PACKAGE_JSON_BYTES} bytes")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, ValueError) as exc:
        raise Unreadable(f"{path} cannot be read: {exc}") from exc
    patterns = pnpm_packages(text)
    return _members(root, EVERYTHING if patterns is None else patterns, deno=False,
                    dot=patterns is None)


def everything_below(root: str) -> list[Member]:
    return _members(root, EVERYTHING, deno=False, dot=True)


def deno_members(config: str) -> list[Member]:
    root = os.path.dirname(config)
    patterns = _patterns(_field(read_json(config), "workspace"), "members")
    return _members(root, patterns, deno=True)


def _members(root: str, patterns: list[str], deno: bool, dot: bool = False) -> list[Member]:
    directories = _Walk(root, deno, dot).expand(patterns)
    total = 0
    found: list[Member] = []
    for directory in directories:
        scripts: dict[str, str] = {}
        tasks: dict[str, Task] = {}
        name = None
        for file in ("package.json", *(denotasks.CONFIG_NAMES if deno else ())):
            path = os.path.join(directory, file)
            if not os.path.isfile(path):
                continue
            total += os.path.getsize(path)
            if total > MAX_MEMBER_BYTES:
                raise Unreadable(f"workspace members of {root} hold more than "
                                 f"{MAX_MEMBER_BYTES} bytes of package files")
            doc = read_json(path)
            given = _field(doc, "name")
            name = given if isinstance(given, str) else name
            if file == "package.json":
                scripts = scripts_of(doc)
            elif not tasks:
                tasks = denotasks.tasks_of(doc)
        found.append(Member(directory, name, scripts, tasks))
    return found


class _Walk:
    """Expands member patterns below a root, within `MAX_ENTRIES`, never out of the root."""

    def __init__(self, root: str, deno: bool, dot: bool) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.manifests = ("package.json", *denotasks.CONFIG_NAMES) if deno else ("package.json",)
        self.dot = dot  # whether `*` and `**` match names starting with a dot
        self.entries = 0
        self.found: dict[str, str] = {}  # real path -> the path it was found by
        self.entered: set[tuple[str, tuple[str, ...]]] = set()  # symlinks gone into, for what

    def expand(self, patterns: list[str]) -> list[str]:
        if len(patterns) > MAX_PATTERNS:
            raise Unreadable(f"{self.root} lists more than {MAX_PATTERNS} workspace patterns")
        self._add(self.root)  # the root's own scripts are looked into too (a superset)
        # a backslash is a separator to npm and an escape to pnpm's glob (`ev\\il`: evil):
        # both readings are expanded (the second drops it, a superset)
        patterns = [*patterns, *(p.replace("\\", "") for p in patterns if "\\" in p)]
        for pattern in patterns:
            if pattern.startswith("!"):
                continue  # an exclusion: what it leaves out is still read
            parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
            parts = [p for i, p in enumerate(parts) if p != "**" or parts[i - 1:i] != ["**"]]
            if pattern.startswith(("/", "\\", "~")) or pattern[1:2] == ":" or ".." in parts:
                raise Unreadable(f"workspace pattern {pattern!r} reaches out of {self.root}")
            try:
                self._match(self.root, parts)
            except RecursionError as exc:  # `**` over a tree a thousand directories deep
                raise Unreadable(f"workspace pattern {pattern[:80]!r} goes too deep in "
                                 f"{self.root}") from exc
        return list(self.found.values())

    def _match(self, directory: str, parts: list[str]) -> None:
        if not parts:
            self._add(directory)
            return
        head, rest = parts[0], parts[1:]
        if head == "**":
            self._match(directory, rest)
            for child in self._children(directory, self.dot, parts):
                self._match(child, parts)
        elif _GLOB.search(head) is None:
            child = os.path.join(directory, head)
            if head not in _NEVER and os.path.isdir(child) and self._inside(child, rest):
                self._match(child, rest)
        else:
            pattern = "*" if any(c in head for c in "{}()") else head  # braces, extglobs: any
            for child in self._children(directory, self.dot or head.startswith("."), rest):
                if fnmatch.fnmatchcase(os.path.basename(child), pattern):
                    self._match(child, rest)

    def _children(self, directory: str, dot: bool, parts: list[str]) -> list[str]:
        children: list[str] = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    self.entries += 1
                    if self.entries > MAX_ENTRIES:
                        raise Unreadable(f"workspace patterns of {self.root} reach more than "
                                         f"{MAX_ENTRIES} directory entries")
                    if entry.name in _NEVER or (entry.name.startswith(".") and not dot):
                        continue
                    if entry.is_dir() and self._inside(entry.path, parts, entry.is_symlink()):
                        children.append(entry.path)
        except NotADirectoryError:
            return []
        except OSError as exc:
            raise Unreadable(f"{directory} cannot be listed: {exc}") from exc
        return children

    def _inside(self, path: str, parts: list[str], link: bool | None = None) -> bool:
        """Whether to go into `path` to match `parts` there: a symlinked directory only once
        for the same parts (a loop ends), and only when it leads to a place in the root (else
        what it holds is not known here: Unreadable)."""
        if not (os.path.islink(path) if link is None else link):
            return True
        real = os.path.realpath(path)
        if real != self.real_root and not real.startswith(self.real_root + os.sep):
            raise Unreadable(f"{path} leads out of {self.root}")
        key = (real, tuple(parts))
        if key in self.entered:
            return False
        self.entered.add(key)
        return True

    def _add(self, directory: str) -> None:
        if not any(os.path.isfile(os.path.join(directory, m)) for m in self.manifests):
            return
        real = os.path.realpath(directory)
        if real not in self.found:
            if len(self.found) >= MAX_MEMBERS:
                raise Unreadable(f"{self.root} has more than {MAX_MEMBERS} workspace members")
            self.found[real] = directory


_WALKERS = frozenset(walker.__qualname__ for walker in (
    pnpm_members, everything_below, deno_members, npm_members, deno_npm_members))
