"""The engine on variables that hold what a line can name: loop variables, arrays, parameter
operators, what `read` and `mapfile` take, what a function sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from approvald.model.actions import action_from_json
from approvald.policy import ALLOW, DENY, load_engine


@pytest.fixture
def engine(approvald_home: Path):
    return load_engine(home="/home/dev")


def decide(engine, command: str, cwd: str = "/home/dev/app"):
    return engine.evaluate(action_from_json(
        {"kind": "process.exec", "cwd": cwd, "input": {"command": command}}))


@pytest.mark.parametrize("line", [
    'for f in ~/.ssh/*; do cat "$f"; done', 'for f in ~/.ssh/id_*; do base64 $f; done',
    'for f in $(find ~/.ssh); do cat "$f"; done', 'for f in `ls -d ~/.ssh/*`; do cat "$f"; done',
    'X=$(find ~/.ssh -type f); for f in $X; do cat "$f"; done',
    'for f in ~/.ssh/*; do g=$f; cat "$g"; done',
    'for f in a b c d e f g h i j k l m n o p q ~/.ssh/id_rsa; do cat "$f"; done',
])
def test_a_loop_variable_reads_what_its_list_names(engine, line: str) -> None:
    assert decide(engine, line).decision == DENY


@pytest.mark.parametrize("line", [
    'for f in src/*.py; do python -m py_compile "$f"; done', 'for f in *.tmp; do rm "$f"; done',
    'for f in a.txt b.txt; do rm "$f"; done', 'for f in $(git ls-files); do wc -l "$f"; done',
])
def test_a_loop_over_project_files_is_allowed(engine, line: str) -> None:
    assert decide(engine, line).decision == ALLOW
