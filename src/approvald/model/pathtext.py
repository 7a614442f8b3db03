"""Paths as text, read as pathlib reads them, without importing pathlib: with urllib.parse and
ipaddress it costs about 4 ms, and the hook's local check (no daemon) would pay it on every
tool call. Each function here does what the pathlib call it names does, errors included (a
stat that fails for any reason but a missing path raises, as pathlib's does); on Windows each
is pathlib's own call, whose rules there (drives, case) stay pathlib's.
"""

from __future__ import annotations

import errno
import os
import stat

WINDOWS = os.name == "nt"
# What pathlib's exists/is_dir/is_file take for "no" rather than an error.
_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def normalized(text: str) -> str:
    """`str(Path(text))`: empty and `.` parts dropped, repeated slashes made one (a leading
    `//`, which POSIX leaves to the system, kept), no trailing slash."""
    if WINDOWS:
        from pathlib import Path

        return str(Path(text))
    root = ""
    if text.startswith("/"):
        root = "//" if text.startswith("//") and not text.startswith("///") else "/"
    return root + "/".join(part for part in text.split("/") if part and part != ".") or "."


def suffix(name: str) -> str:
    """`Path(name).suffix` of a file name: from its last dot, unless that starts or ends it."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _mode(text: str) -> int | None:
    try:
        return os.stat(text).st_mode
    except OSError as exc:
        if exc.errno not in _ABSENT:
            raise
        return None
    except ValueError:  # a NUL in the path
        return None


def exists(text: str) -> bool:
    """`Path(text).exists()`."""
    if WINDOWS:
        from pathlib import Path

        return Path(text).exists()
    return _mode(text) is not None


def is_dir(text: str) -> bool:
    """`Path(text).is_dir()`."""
    if WINDOWS:
        from pathlib import Path

        return Path(text).is_dir()
    mode = _mode(text)
    return mode is not None and stat.S_ISDIR(mode)


def is_file(text: str) -> bool:
    """`Path(text).is_file()`."""
    if WINDOWS:
        from pathlib import Path

        return Path(text).is_file()
    mode = _mode(text)
    return mode is not None and stat.S_ISREG(mode)


def parent(text: str) -> str:
    """`str(Path(text).parent)` of a normalized path."""
    if WINDOWS:
        from pathlib import Path

        return str(Path(text).parent)
    root = ""
    if text.startswith("/"):
        root = "//" if text.startswith("//") and not text.startswith("///") else "/"
    head, sep, _ = text[len(root):].rpartition("/")
    if not sep:
        return root or "."  # the root itself, a relative name, or `.`
    return root + head


def name(text: str) -> str:
    """`Path(text).name` of a normalized path."""
    if WINDOWS:
        from pathlib import Path

        return Path(text).name
    last = text.rpartition("/")[2]
    return "" if last == "." else last


def child(directory: str, *names: str) -> str:
    """`str(Path(directory, *names))` of a normalized directory and plain names."""
    if WINDOWS:
        from pathlib import Path

        return str(Path(directory, *names))
    joined = "/".join(names)
    return normalized(directory + joined if directory.endswith("/") else directory + "/" + joined)


def same(a: str, b: str) -> bool:
    """`Path(a) == Path(b)`."""
    if WINDOWS:
        from pathlib import Path

        return Path(a) == Path(b)
    return normalized(a) == normalized(b)
