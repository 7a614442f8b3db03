"""Fixture machines for the doctor tests: copy a tree from fixtures/ into a temp dir and fill in
the placeholders (@APPROVALD@ the real console script, @PROJECT@ the project's path, @HOME@
the home's)."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from approvald.doctor import SystemRoots, scan
from approvald.doctor.findings import Finding
from approvald.paths import Paths, get_paths

FIXTURES = Path(__file__).resolve().parents[1] / "doctor" / "fixtures"


def approvald_script() -> str:
    exe = Path(sys.executable).parent / "approvald"
    return str(exe if exe.exists() else Path(sys.executable))


@dataclass
class Machine:
    home: Path
    project: Path
    system: Path

    def scan(self, paths: Paths | None = None, *, project: bool = True,
             check_daemon: bool = False, roots: SystemRoots | None = None) -> list[Finding]:
        return scan(self.home, self.project if project else None, paths or get_paths(),
                    check_daemon=check_daemon, roots=roots or SystemRoots.none())


def machine(name: str, dest: Path, **extra: str) -> Machine:
    """A copy of fixtures/<name> under dest, placeholders filled in."""
    root = dest / name
    if (FIXTURES / name).exists():
        shutil.copytree(FIXTURES / name, root)
    for sub in ("home", "project", "system"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    subs = {"APPROVALD": approvald_script(), "PROJECT": str(root / "project"),
            "HOME": str(root / "home"), **extra}
    for file in root.rglob("*"):
        if file.is_file():
            text = file.read_text(encoding="utf-8")
            for key, value in subs.items():
                # JSON-escape (a no-op for POSIX paths, needed for Windows-style ones)
                text = text.replace(f"@{key}@", json.dumps(value)[1:-1])
            file.write_text(text, encoding="utf-8")
    return Machine(home=root / "home", project=root / "project", system=root / "system")


def by_kind(findings: list[Finding], agent: str, kind: str) -> list[Finding]:
    return [f for f in findings if f.id.startswith(f"{agent}/{kind}/")]


def titles(findings: list[Finding]) -> str:
    return "\n".join(f"{f.severity:6} {f.id} {f.title} @ {f.file}:{f.line}" for f in findings)
