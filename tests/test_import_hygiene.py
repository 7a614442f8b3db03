"""The core never imports the dashboard; the hook's path imports only the standard library."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import approvald

HEAVY = ["textual", "approvald_tui", "yaml", "tree_sitter", "httpx", "starlette", "uvicorn",
         "keyring", "watchdog", "platformdirs", "rich"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\n"
                          "print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_core_never_imports_textual() -> None:
    names = [m.name for m in pkgutil.walk_packages(approvald.__path__, "approvald.")
             if not m.name.endswith("__main__")]
    code = "import importlib\n" + "\n".join(
        f"try:\n    importlib.import_module({n!r})\nexcept Exception:\n    pass" for n in names)
    loaded = _modules_after(code)
    assert len(names) > 10
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "approvald_tui")}


def test_hook_path_is_standard_library_only() -> None:
    loaded = _modules_after(
        "import approvald.cli, approvald.actions, approvald.adapters.claude_code, "
        "approvald.paths")
    heavy = {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not heavy, f"hook path imports {sorted(heavy)}"
