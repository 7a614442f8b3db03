"""tree-sitter's Parser and the bash grammar, loaded from their compiled modules.

`import tree_sitter_bash` runs its package's `__init__`, which imports importlib.resources
(pathlib, tempfile, shutil, random, ...: about 8 ms) for a query file never read here, and
`import tree_sitter` imports typing for one Protocol. Both packages' `__init__` only re-export
their compiled `_binding` module, so that module is found and loaded on its own, and put
where the plain import would put it (a later `import tree_sitter` gets the same classes).
Anything unexpected takes the plain import instead.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from types import ModuleType

    from tree_sitter import Language, Parser


def _binding(package: str) -> ModuleType:
    """`package._binding`, without running `package/__init__.py`."""
    name = f"{package}._binding"
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    try:
        from importlib.machinery import ExtensionFileLoader, PathFinder

        found = PathFinder.find_spec(package)
        locations = found.submodule_search_locations if found is not None else None
        spec = PathFinder.find_spec(name, locations) if locations else None
        if spec is None or not isinstance(spec.loader, ExtensionFileLoader):
            raise ImportError(name)
        module = spec.loader.create_module(spec)
        spec.loader.exec_module(module)
    except Exception:  # any surprise: the packages' own import
        __import__(name)
        return sys.modules[name]
    return sys.modules.setdefault(name, module)


def bash_language() -> Language:
    return _binding("tree_sitter").Language(_binding("tree_sitter_bash").language())


def parser_class() -> type[Parser]:
    return _binding("tree_sitter").Parser
