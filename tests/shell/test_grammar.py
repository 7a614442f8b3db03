"""The bash grammar and tree-sitter's Parser, loaded from their compiled modules (or, on any
surprise, through the packages' own imports), are the ones the packages export."""

from __future__ import annotations

import importlib.machinery
import sys

import pytest

from approvald.shell import grammar


def _parses(language: object, parser_class: type) -> str:
    tree = parser_class(language).parse(b"echo hi | wc -l")
    return str(tree.root_node)


def test_the_compiled_modules_are_what_the_packages_export() -> None:
    import tree_sitter

    assert grammar.parser_class() is tree_sitter.Parser
    assert "pipeline" in _parses(grammar.bash_language(), grammar.parser_class())


def test_a_surprise_takes_the_packages_own_import(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("tree_sitter", "tree_sitter._binding", "tree_sitter_bash",
                 "tree_sitter_bash._binding"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    # a loader of a kind the direct load does not know: the packages' import instead
    monkeypatch.setattr(importlib.machinery, "ExtensionFileLoader", type("Other", (), {}))
    assert "pipeline" in _parses(grammar.bash_language(), grammar.parser_class())
    assert "tree_sitter_bash" in sys.modules  # the package's own import ran
