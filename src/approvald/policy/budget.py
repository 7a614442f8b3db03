"""One decision's budget for what it looks into beyond its line (scripts, aliases, settings,
workspace members): a count and a total size, and each project file read once."""

from __future__ import annotations

from approvald.model.plain import Plain
from approvald.policy import denotasks

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    _T = TypeVar("_T")

MAX_EXPANSIONS = 64  # texts looked into for one decision (scripts, aliases, settings)
MAX_EXPANDED_BYTES = 128 * 1024


class Budget(Plain):
    """How much one decision may look into beyond its line."""

    expansions: int
    size: int
    exceeded: bool
    seen: set[tuple[str, str]] | None
    files: dict[tuple[str, str], object] | None  # what `read` read, by reader and path

    def __init__(self, expansions: int = 0, size: int = 0, exceeded: bool = False,
                 seen: set[tuple[str, str]] | None = None,
                 files: dict[tuple[str, str], object] | None = None) -> None:
        self.expansions = expansions
        self.size = size
        self.exceeded = exceeded
        self.seen = seen
        self.files = files

    def read(self, reader: Callable[[str], _T], path: str) -> _T:
        """`reader(path)`, once a decision: a script may name a project's file thousands of
        times (`deno task nope; ...`, which takes no budget), and the file may be 1 MB."""
        if self.files is None:
            self.files = {}
        key = (reader.__qualname__, path)
        if key not in self.files:
            try:
                self.files[key] = reader(path)
            except denotasks.Unreadable as exc:
                self.files[key] = exc
        value = self.files[key]
        if isinstance(value, denotasks.Unreadable):
            raise value
        return value  # type: ignore[return-value]  # stored by this reader

    def take(self, text: str) -> bool:
        self.expansions += 1
        self.size += len(text)
        if self.expansions > MAX_EXPANSIONS or self.size > MAX_EXPANDED_BYTES:
            self.exceeded = True
        return not self.exceeded

    def first_time(self, key: tuple[str, str]) -> bool:
        if self.seen is None:
            self.seen = set()
        if key in self.seen:
            return False
        self.seen.add(key)
        return True
