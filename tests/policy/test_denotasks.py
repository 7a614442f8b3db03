"""deno's tasks as `deno task` reads them: JSONC, task tables, dependencies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.policy.denotasks import (
    Unreadable,
    find_config,
    matching,
    read_tasks,
    strip_jsonc,
    task_of,
    task_steps,
)

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_JSON, st.sampled_from([None, 2]))
def test_plain_json_comes_through_unchanged(value: object, indent: int | None) -> None:
    """Strings holding `//`, `/*` or `,]` stay as they are: only JSONC's additions go."""
    text = json.dumps(value, indent=indent)
    assert json.loads(strip_jsonc(text)) == value


def test_comments_and_trailing_commas_go() -> None:
    text = """{
      // "tasks": {"x": "not this"},
      "tasks": {
        "a": "echo // kept, /* kept */ ,]", /* a comment, with a comma */
        "b": {"command": "b", "dependencies": ["a", /* c */ ], }, // end
      },
    }"""
    assert json.loads(strip_jsonc(text)) == {"tasks": {
        "a": "echo // kept, /* kept */ ,]", "b": {"command": "b", "dependencies": ["a"]}}}


def test_a_comment_that_does_not_end_is_unreadable() -> None:
    with pytest.raises(Unreadable):
        strip_jsonc('{"tasks": {"x": "y"} /* ')


def test_tasks_of_every_shape(tmp_path: Path) -> None:
    config = tmp_path / "deno.jsonc"
    config.write_text('{"tasks": {"a": "echo a", "b": {"command": "echo b", "dependencies":'
                      ' ["a", 3]}, "c": {"dependencies": ["b"]}, "d": 7}, // x\n}')
    tasks = read_tasks(str(config))
    assert tasks == {"a": ("echo a", ()), "b": ("echo b", ("a",)), "c": (None, ("b",))}
    assert task_steps(tasks, ["c"], 4) == [("a", "echo a"), ("b", "echo b")]
    assert task_steps(tasks, ["c"], 1) == [("b", "echo b")]  # dependencies one level deep only
    assert task_steps(tasks, ["nope"], 4) == []
    assert task_steps(tasks, ["b", "a"], 4) == [("a", "echo a"), ("b", "echo b")]


def test_dependency_cycles_end() -> None:
    tasks = {"a": ("echo a", ("b",)), "b": ("echo b", ("a",))}
    assert task_steps(tasks, "a", 4) == [("b", "echo b"), ("a", "echo a")]


def test_missing_broken_and_oversized_files(tmp_path: Path) -> None:
    assert read_tasks(str(tmp_path / "deno.json")) == {}
    (tmp_path / "deno.json").write_text('{"tasks": ')
    with pytest.raises(Unreadable):
        read_tasks(str(tmp_path / "deno.json"))
    (tmp_path / "deno.json").write_text(" " * 1_000_001 + "{}")
    with pytest.raises(Unreadable):
        read_tasks(str(tmp_path / "deno.json"))


def test_the_nearest_config_above_is_found(tmp_path: Path) -> None:
    (tmp_path / "deno.jsonc").write_text("{}")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config(str(tmp_path / "a" / "b")) == str(tmp_path / "deno.jsonc")
    (tmp_path / "a" / "deno.json").write_text("{}")
    assert find_config(str(tmp_path / "a" / "b")) == str(tmp_path / "a" / "deno.json")
    assert find_config(str(tmp_path / "a"), "conf/x.json") == str(tmp_path / "a/conf/x.json")


@pytest.mark.parametrize(("args", "task"), [
    (("task", "build"), ("build", None, None, 1)),
    (("task", "--cwd", "web", "build", "x"), ("build", None, "web", 3)),
    (("task", "-c", "d.json", "build"), ("build", "d.json", None, 3)),
    (("task", "--config=d.json", "-r", "build"), ("build", "d.json", None, 3)),
    (("-q", "--log-level", "debug", "task", "--cwd=w", "b"), ("b", None, "w", 5)),
    (("task", "--eval", "build"), None), (("task",), None), (("run", "main.ts"), None),
    (("run", "main.ts", "task", "build"), None),  # an argument of the script's
])
def test_the_task_a_command_names(args: tuple[str, ...], task: object) -> None:
    assert task_of(args) == task


def test_a_string_that_does_not_end_is_unreadable() -> None:
    """The scan stops at it: trying each later `"` as a string's start would be quadratic in
    a file of `"\\` pairs (a 1 MB deno.json of them held a decision for hours)."""
    with pytest.raises(Unreadable):
        strip_jsonc('{"tasks": {"x": "y"}} "\\"\\"\\')
    with pytest.raises(Unreadable):
        strip_jsonc('"\\' * 200_000)


def test_a_wildcard_name_runs_every_task_it_may_match() -> None:
    """`deno task "build:*"` runs each task matching it (deno 2.x wildcards, exclusion groups
    since 2.8): every task is taken, a superset."""
    names = ["build:a", "build:b", "wipe"]
    assert matching(names, "build:*") == names
    assert matching(names, "wipe") == ["wipe"]
    assert matching(names, "nope") == []
