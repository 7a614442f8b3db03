"""Regexes compiled on first use.

Python compiles a regex in Python code (`re._compiler`): 0.05 to 0.3 ms each. The modules the
hook's local check imports hold dozens at module level, most of which a given line never uses
(`ls -la` used 10 of 48), and the hook pays for every one of them on every tool call. A
`lazy_compile` pattern compiles when one of its attributes is first asked for; from then on its
methods are attributes of its own, found as fast as the compiled pattern's.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

_KEPT = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer",
         "pattern", "flags", "groups", "groupindex")


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for what is not yet an attribute
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for kept in _KEPT:
            self.__dict__[kept] = getattr(compiled, kept)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r}, {self._source[1]})"


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, done when the pattern is first used. Only for patterns
    used through their methods (`.match`, `.sub`, ...), not handed to `re.*` functions."""
    return _LazyPattern(pattern, flags)  # type: ignore[return-value]
