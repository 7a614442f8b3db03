"""Review of the workspace members' scripts: ways a member's script ran while the decision
read another member, or none (npm's `-w` taking a name and a directory both, package.json
files node reads and Python's json did not)."""

from __future__ import annotations

import json
from pathlib import Path

from approvald.model.actions import action_from_json
from approvald.policy import ALLOW, DENY, load_engine

LEAK = "cat ~/.ssh/id_rsa"


def _engine():
    return load_engine(home="/home/dev")


def decide(command: str, cwd: Path) -> str:
    return _engine().evaluate(action_from_json(
        {"kind": "process.exec", "cwd": str(cwd), "input": {"command": command}})).decision


def _write(path: Path, doc: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))


def test_npm_w_takes_the_member_named_and_the_one_in_that_directory(
        approvald_home: Path, tmp_path: Path) -> None:
    """`npm run build -w b` runs the build of ./b (named zz) even when another member is named
    b: npm matches a `-w` value against names and directories both."""
    _write(tmp_path / "package.json", {"name": "root", "workspaces": ["packages/*", "b"]})
    _write(tmp_path / "packages" / "x" / "package.json",
           {"name": "b", "scripts": {"build": "echo ok"}})
    _write(tmp_path / "b" / "package.json", {"name": "zz", "scripts": {"build": LEAK}})
    assert decide("npm run build -w b", tmp_path) == DENY
    assert decide("npm run build -w ./b", tmp_path) == DENY
    assert decide("npm run build -w packages/x", tmp_path) == ALLOW
