"""Recursive expansions are bounded by count and size (issue 11's analysis bomb)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from approvald.model.actions import PROCESS_EXEC, build_action
from approvald.paths import get_paths
from approvald.policy import REQUIRE_APPROVAL, load_engine, pkgscripts
from approvald.policy import expand as expand_module
from approvald.shell import analyze
from approvald.shell.state import MAX_EXPANSIONS
from approvald.shell.walk import Analyzer


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("APPROVALD_HOME", str(tmp_path / "ad"))
    return load_engine(paths=get_paths(), include_user=False, home=str(tmp_path / "home"))


def _npm_run_a(project: Path):  # type: ignore[no-untyped-def]
    return build_action(kind=PROCESS_EXEC, tool="Bash", tool_input={"command": "npm run a"},
                        agent="test", session_id="s", cwd=str(project))


def _bomb(directory: Path, width: int = 44, depth: int = 4) -> None:
    """`a` runs `b` 44 times, `b` runs `c` 44 times, ...: N^depth work if expanded naively."""
    names = [chr(ord("a") + level) for level in range(depth + 1)]
    scripts = {name: " && ".join([f"npm run {names[i + 1]}"] * width)
               for i, name in enumerate(names[:-1])}
    scripts[names[-1]] = "echo done"
    (directory / "package.json").write_text(json.dumps({"scripts": scripts}))


def test_npm_script_bomb_finishes_quickly_and_asks_a_person(  # type: ignore[no-untyped-def]
        tmp_path: Path, engine) -> None:
    project = tmp_path / "bomb"
    project.mkdir()
    _bomb(project)
    taken: list[int] = []
    original = expand_module.Budget.take

    def counting(self: expand_module.Budget, text: str) -> bool:
        taken.append(len(text))
        return original(self, text)

    try:
        expand_module.Budget.take = counting  # type: ignore[method-assign]
        action = _npm_run_a(project)
        decision = engine.evaluate(action)
    finally:
        expand_module.Budget.take = original  # type: ignore[method-assign]
    assert decision.decision == REQUIRE_APPROVAL
    assert len(taken) <= expand_module.MAX_EXPANSIONS + 1  # bounded work, not 44**4


def test_oversized_package_json_is_not_ignored(  # type: ignore[no-untyped-def]
        tmp_path: Path, engine) -> None:
    project = tmp_path / "big"
    project.mkdir()
    padding = "x" * (pkgscripts.MAX_PACKAGE_JSON_BYTES + 10)
    (project / "package.json").write_text(json.dumps({"scripts": {"a": "echo"}, "p": padding}))
    action = _npm_run_a(project)
    assert engine.evaluate(action).decision == REQUIRE_APPROVAL


@pytest.mark.parametrize("line", ids=["aliases", "eval", "doubling", "wide-bash-c"], argvalues=[
    # aliases that expand into more aliases
    "; ".join(f"alias a{i}='" + " ; ".join([f"a{i + 1}"] * 8) + "'" for i in range(6)) + "; a0",
    # eval of eval of eval ...
    "eval " + "'eval " * 9 + "git push" + "'" * 9,
    # a variable doubled until it is huge
    "x=aaaaaaaa; " + "; ".join(["x=$x$x"] * 40) + "; eval $x",
    # bash -c nested wide
    " && ".join(["bash -c '" + " && ".join(["sh -c true"] * 30) + "'"] * 30),
])
def test_shell_expansions_are_bounded_by_count_and_size(line: str) -> None:
    analyzer = Analyzer(line, "/repo", "/home/u")
    result = analyzer.run()
    assert analyzer.expansions <= MAX_EXPANSIONS
    if analyzer.over_budget:
        assert sum(c.program == "<unanalyzed>" for c in result.commands) >= 1
    assert analyze(line, "/repo", "/home/u").commands


def test_a_project_file_is_read_once_a_decision(tmp_path: Path, monkeypatch) -> None:
    """A script naming missing scripts or tasks thousands of times (which takes no budget)
    reads its project's 1 MB package.json or deno.json once, not once a mention."""
    from approvald.policy import denotasks

    reads: list[str] = []

    def counting(reader):
        def read(path: str):
            reads.append(path)
            return reader(path)
        return read

    monkeypatch.setattr(denotasks, "read_tasks", counting(denotasks.read_tasks))
    monkeypatch.setattr(expand_module, "read_scripts", counting(expand_module.read_scripts))
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"go": "npm run no; " * 50}}))
    (tmp_path / "deno.json").write_text(json.dumps({"tasks": {"go": "deno task no; " * 50}}))
    for line in ("npm run go", "deno task go"):
        reads.clear()
        expand_module.expand(analyze(line, str(tmp_path), "/home/dev").commands, "/home/dev")
        assert len(reads) == len(set(reads)), line
