"""Policy errors name the file, line and field."""

from __future__ import annotations


class PolicyError(ValueError):
    def __init__(self, message: str, file: str = "", line: int | None = None, field: str = ""):
        self.file = file
        self.line = line
        self.field = field
        where = file
        if line is not None:
            where += f":{line}"
        if field:
            where += f" ({field})"
        super().__init__(f"{where}: {message}" if where else message)
