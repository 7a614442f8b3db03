#!/usr/bin/env python3
"""Regenerate packaging/requirements.lock, the runtime dependency set of approvald.

uv resolves once for every platform and Python version we support (a universal resolution:
entries carry environment markers) and pins the sha256 of every file PyPI serves for each
version. The Homebrew formula (packaging/gen_formula.py) and the release binaries are built from
this file, so a dependency bump is a reviewed diff here, not a surprise at release time.

Homebrew builds every dependency it installs (those for macOS and Linux) from its sdist, so such
a version published as wheels only is excluded (`NAME!=VERSION` constraint) and the resolution
repeated until every pin has an sdist. Windows-only pins (pywin32, which has no sdist at all) are
not Homebrew's and need none.
Needs network access to PyPI. uv is taken from PATH, or installed into a throwaway venv.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_formula import LOCK, REPO, applies, fetch_sdist, parse_lock

MAX_ROUNDS = 6


def find_uv(scratch: Path) -> str:
    found = shutil.which("uv")
    if found:
        return found
    subprocess.run([sys.executable, "-m", "venv", str(scratch / "venv")], check=True)
    bindir = scratch / "venv" / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", "uv"], check=True)
    return str(bindir / "uv")


def compile_lock(uv: str, constraints: Path) -> None:
    subprocess.run(
        [uv, "pip", "compile", "pyproject.toml", "--universal", "--python-version", "3.10",
         "--generate-hashes", "--index-url", "https://pypi.org/simple",
         "--constraint", str(constraints), "--no-annotate", "--quiet",
         "--custom-compile-command", "packaging/update_lock.py", "--output-file", str(LOCK)],
        cwd=REPO, check=True,
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        uv = find_uv(scratch)
        constraints = scratch / "no-sdist.txt"
        excluded: list[str] = []
        for _ in range(MAX_ROUNDS):
            constraints.write_text("".join(f"{line}\n" for line in excluded), encoding="utf-8")
            compile_lock(uv, constraints)
            missing = []
            for entry in parse_lock(LOCK.read_text(encoding="utf-8")):
                if not (applies(entry, "darwin") or applies(entry, "linux")):
                    continue  # Homebrew never installs it
                try:
                    fetch_sdist(entry)
                except SystemExit:
                    missing.append(f"{entry.name}!={entry.version}")
            if not missing:
                for line in excluded:
                    print(f"excluded (no sdist): {line}", file=sys.stderr)
                return 0
            excluded.extend(missing)
    print(f"still versions without an sdist after {MAX_ROUNDS} rounds: {missing}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
