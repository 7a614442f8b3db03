"""Shared bits of the packaging tests: where things are, and the packaging scripts as modules."""

from __future__ import annotations

import importlib.util
import re
import sys
from types import ModuleType

from tests.support import REPO, SHARED

PACKAGING = REPO / "packaging"
FORMULA = REPO / "homebrew" / "Formula" / "approvald.rb"
SCOOP_MANIFEST = REPO / "scoop" / "approvald.json"
LOCK = PACKAGING / "requirements.lock"
SCHEMAS = SHARED / "schemas"


def load_script(name: str) -> ModuleType:
    """Import packaging/NAME.py (a script directory, not a package)."""
    if str(PACKAGING) not in sys.path:
        sys.path.insert(0, str(PACKAGING))
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def project_version() -> str:
    text = (REPO / "src" / "approvald" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    assert match
    return match.group(1)
