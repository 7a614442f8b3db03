"""Where a project starts, seen from a directory an agent works in.

Two questions, one walk up the directory tree: the policy engine looks for a project's
`.approvald/policy.yaml` between the working directory and its repository root
(`repository_dirs`); the live doctor wants the project root whose agent configs to read
(`project_root`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from approvald.model import pathtext

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from pathlib import Path

# A directory holding any of these is a project root (the agents read project configs there).
PROJECT_MARKERS = (".git", ".claude", ".mcp.json", ".cursor", ".codex", ".gemini")
MAX_WALK = 64  # ancestors looked at, at most


def both_forms(path: Path) -> set[Path]:
    """`path` as given and resolved (watchers may report either: /var vs /private/var)."""
    try:
        return {path, path.resolve()}
    except (OSError, RuntimeError):
        return {path}


def repository_dirs(cwd: str | Path) -> Iterator[Path]:
    """`cwd`, then each parent, up to and including the first that holds `.git` (or `/`)."""
    from pathlib import Path

    for directory in repository_dir_texts(os.fspath(cwd)):
        yield Path(directory)


def repository_dir_texts(cwd: str) -> Iterator[str]:
    """`repository_dirs` as text (the hook's local check: no pathlib)."""
    directory = pathtext.normalized(cwd)
    for _ in range(MAX_WALK):
        yield directory
        parent = pathtext.parent(directory)
        if pathtext.exists(pathtext.child(directory, ".git")) or pathtext.same(parent, directory):
            return
        directory = parent


def project_root(cwd: str, home: Path) -> Path | None:
    """The nearest ancestor of `cwd` (itself included) holding a project marker, else `cwd`.

    None when `cwd` is not an existing absolute directory, or is the user's home: the home's
    `.claude`/`.cursor`/... are the user-level configs, watched anyway, so the walk also stops
    below the home instead of taking it for a project root.
    """
    from pathlib import Path

    if not cwd:
        return None
    start = Path(cwd)
    try:
        if not start.is_absolute() or not start.is_dir():
            return None
    except OSError:
        return None
    homes = both_forms(Path(home))
    if start in homes:
        return None
    current = start
    for _ in range(MAX_WALK):
        if current in homes or current == current.parent:
            break  # the home's markers and the filesystem root's are not a project's
        try:
            if any((current / marker).exists() for marker in PROJECT_MARKERS):
                return current
        except OSError:
            break
        current = current.parent
    return start
