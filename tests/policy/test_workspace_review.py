"""Review of the workspace members' scripts: ways a member's script ran while the decision
read another member, or none (npm's `-w` taking a name and a directory both, package.json
files node reads and Python's json did not)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from approvald.model.actions import action_from_json
from approvald.policy import ALLOW, DENY, REQUIRE_APPROVAL, load_engine

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


def _leaky_package_json(how: str) -> bytes:
    body = '"name": "p", "version": "1.0.0", "scripts": {"build": "cat ~/.ssh/id_rsa"}'
    if how == "bom":
        return ("\ufeff{" + body + "}").encode()
    if how == "latin1":
        return b'{"description": "caf\xe9", ' + body.encode() + b"}"
    if how == "long-int":
        return ('{"n": ' + "1" * 5000 + ", " + body + "}").encode()
    return ('{"x": ' + "[" * 5000 + "]" * 5000 + ", " + body + "}").encode()  # deep


@pytest.mark.parametrize("how", ["bom", "latin1", "long-int", "deep"])
def test_a_package_json_node_reads_is_read(approvald_home: Path, tmp_path: Path,
                                           how: str) -> None:
    """node reads a package.json with a BOM, bytes that are no UTF-8, a 5,000-digit number or
    5,000 nested arrays; Python's json refused each, so its scripts were taken for none and
    'npm run build' was ALLOW while npm ran 'cat ~/.ssh/id_rsa'."""
    (tmp_path / "package.json").write_bytes(_leaky_package_json(how))
    assert decide("npm run build", tmp_path) != ALLOW


@pytest.mark.parametrize("how", ["bom", "latin1", "long-int", "deep"])
def test_a_members_package_json_node_reads_is_read(approvald_home: Path, tmp_path: Path,
                                                   how: str) -> None:
    _write(tmp_path / "package.json", {"name": "root", "workspaces": ["packages/*"]})
    member = tmp_path / "packages" / "a" / "package.json"
    member.parent.mkdir(parents=True)
    member.write_bytes(_leaky_package_json(how))
    assert decide("npm run build -ws", tmp_path) != ALLOW
    if how != "deep":  # (one too deep for Python waits for a person whatever runs)
        assert decide("npm install", tmp_path) == ALLOW  # no install lifecycle there


def test_a_tree_too_deep_to_walk_waits_for_a_person(approvald_home: Path, tmp_path: Path,
                                                    monkeypatch) -> None:
    """`**` over a tree 1,200 directories deep ran out of Python's stack: the decision raised
    RecursionError (the hook then blocked with a hook error, the CLI crashed); now it waits
    for a person."""
    (tmp_path / "package.json").write_text('{"scripts": {"b": "ls"}}')
    monkeypatch.chdir(tmp_path)  # the working directory is put back after the test
    for _ in range(1200):  # relative steps: the absolute path is too long for mkdir
        os.mkdir("d")
        os.chdir("d")
    try:
        assert decide("pnpm -r b", tmp_path) == REQUIRE_APPROVAL
    finally:  # pytest's own removal of the tree recurses too deep as well
        for _ in range(1200):
            os.chdir("..")
            os.rmdir("d")


def test_a_run_of_double_stars_is_one(approvald_home: Path, tmp_path: Path) -> None:
    """550 patterns of 600 `**` each below an empty directory (a 1 MB package.json) took 3 s
    a decision (each `**` listed the directory again) and 1,500 of them raised
    RecursionError; consecutive `**` match what one does."""
    patterns = ["e/" + "**/" * 600 + f"x{i}" for i in range(550)]
    _write(tmp_path / "package.json", {"name": "root", "workspaces": [*patterns, "p/**"]})
    (tmp_path / "e").mkdir()
    _write(tmp_path / "p" / "q" / "package.json", {"name": "a", "scripts": {"b": LEAK}})
    started = time.monotonic()
    assert decide("npm run b -ws", tmp_path) == DENY
    assert time.monotonic() - started < 1.0
    _write(tmp_path / "package.json", {"name": "root", "workspaces": ["e/" + "**/" * 1500]})
    (tmp_path / "e" / "package.json").write_text('{"scripts": {"b": "' + LEAK + '"}}')
    assert decide("npm run b -ws", tmp_path) == DENY


@pytest.mark.parametrize(("npmrc", "line"), [
    ("workspaces=true\n", "npm run build"),
    ("; members\nworkspace = a\n", "npm test"),
    ("", "npm_config_workspaces=true npm run build"),
    ("", "NPM_CONFIG_WORKSPACE=a npm run build"),
    ("", "env npm_config_workspaces=true npm run build"),
    ("", "npm run build --userconfig ./other.npmrc"),
])
def test_npm_configuration_choosing_members_reads_them(approvald_home: Path, tmp_path: Path,
                                                       npmrc: str, line: str) -> None:
    """npm reads `workspaces=true` / `workspace=a` from the project's .npmrc (which the
    repository writes) or an npm_config_ variable as `-ws` / `-w a`: 'npm run build' ran
    member a's 'cat ~/.ssh/id_rsa' and was ALLOW."""
    _write(tmp_path / "package.json", {"name": "root", "workspaces": ["packages/*"],
                                       "scripts": {"build": "echo ok", "test": "echo ok"}})
    _write(tmp_path / "packages" / "a" / "package.json",
           {"name": "a", "scripts": {"build": LEAK, "test": LEAK}})
    assert decide(line.replace("npm_config_workspaces=true ", "").replace(
        "NPM_CONFIG_WORKSPACE=a ", "").replace(" --userconfig ./other.npmrc", ""),
        tmp_path) == ALLOW
    if npmrc:
        (tmp_path / ".npmrc").write_text(npmrc)
    assert decide(line, tmp_path) == DENY


@pytest.mark.parametrize("line", ["pnpm -w build", "pnpm --workspace-root run build",
                                  "pnpm -w run build --x"])
def test_pnpm_w_runs_the_workspace_roots_script_from_a_member(approvald_home: Path,
                                                              tmp_path: Path, line: str) -> None:
    """`pnpm -w X` runs the workspace root's script X wherever it starts: from packages/a it
    ran the root's 'cat ~/.ssh/id_rsa' while a's harmless build was read (ALLOW)."""
    _write(tmp_path / "package.json", {"name": "root", "scripts": {"build": LEAK}})
    (tmp_path / "pnpm-workspace.yaml").write_text("packages:\n  - packages/*\n")
    _write(tmp_path / "packages" / "a" / "package.json",
           {"name": "a", "scripts": {"build": "echo a"}})
    assert decide("pnpm build", tmp_path / "packages" / "a") == ALLOW
    assert decide(line, tmp_path / "packages" / "a") == DENY


@pytest.mark.parametrize("yaml", ["packages:\n", "packages: []\n", "packages:\n  - ev\\il\n",
                                  "packages: ['ev\\il']\n"])
def test_pnpm_lists_that_are_empty_or_escape_take_their_members(approvald_home: Path,
                                                                 tmp_path: Path,
                                                                 yaml: str) -> None:
    """A null `packages:` (older pnpm: every package) and `[]` were read as no member; pnpm's
    glob reads `ev\\il` as `evil` (a backslash escapes), which was read as `ev/il`: 'pnpm -r
    build' ran evil's 'cat ~/.ssh/id_rsa' and was ALLOW."""
    _write(tmp_path / "package.json", {"name": "root"})
    _write(tmp_path / "evil" / "package.json", {"name": "e", "scripts": {"build": LEAK}})
    (tmp_path / "pnpm-workspace.yaml").write_text(yaml)
    assert decide("pnpm -r build", tmp_path) == DENY


def test_deno_task_r_with_a_config_reads_that_workspace(approvald_home: Path,
                                                        tmp_path: Path) -> None:
    """`deno task -r -c ws/deno.json build` from outside the workspace runs its members'
    tasks: the members are those of the workspace the given configuration is in."""
    _write(tmp_path / "ws" / "deno.json", {"workspace": ["./m"], "tasks": {"build": "echo hi"}})
    _write(tmp_path / "ws" / "m" / "deno.json", {"tasks": {"build": LEAK}})
    (tmp_path / "elsewhere").mkdir()
    assert decide("deno task -r -c ../ws/deno.json build", tmp_path / "elsewhere") == DENY
    assert decide("deno task -r --config=ws/deno.json build", tmp_path) == DENY
    assert decide("deno task -c ws/deno.json build", tmp_path) == ALLOW  # the root's only


def test_deno_task_r_in_a_package_json_workspace_reads_members_deno_json(
        approvald_home: Path, tmp_path: Path) -> None:
    """deno takes package.json's "workspaces" too, and each member's deno.json tasks."""
    _write(tmp_path / "package.json", {"name": "root", "workspaces": ["m"]})
    _write(tmp_path / "m" / "deno.json", {"tasks": {"build": LEAK}})
    assert decide("deno task -r build", tmp_path) == DENY
    assert decide("npm run build -ws", tmp_path) == ALLOW  # npm reads no deno.json


@pytest.mark.parametrize("command", ["pnpm --filter core build", "bun --filter core build",
                                     "deno task --filter core build"])
def test_a_bare_filter_is_a_name_not_a_directory(approvald_home: Path, tmp_path: Path,
                                                command: str) -> None:
    """pnpm, bun and deno read a filter without `./` or `{}` as a package name (pnpm's scope
    optional: `core` picks @babel/core): a directory ./core named otherwise is not it, and a
    name that matches no member exactly takes every member."""
    manifest = "deno.json" if command.startswith("deno") else "package.json"
    if manifest == "deno.json":
        _write(tmp_path / "deno.json", {"workspace": ["./core", "./babel"]})
    else:
        _write(tmp_path / "package.json", {"name": "root", "workspaces": ["core", "babel"]})
        (tmp_path / "pnpm-workspace.yaml").write_text("packages:\n  - core\n  - babel\n")
    key = "tasks" if manifest == "deno.json" else "scripts"
    _write(tmp_path / "core" / manifest, {"name": "zz", key: {"build": "echo ok"}})
    _write(tmp_path / "babel" / manifest, {"name": "@babel/core", key: {"build": LEAK}})
    assert decide(command, tmp_path) == DENY
    assert decide(command.replace("core", "./core"), tmp_path) == ALLOW


def test_one_decision_walks_a_bounded_number_of_workspaces(approvald_home: Path,
                                                           tmp_path: Path) -> None:
    """Each workspace walk may look at 20,000 entries: a line running scripts in many
    workspaces (`cd wsN && pnpm -r build; ...`) waits for a person past four of them."""
    for n in range(5):
        (tmp_path / f"ws{n}").mkdir()
        (tmp_path / f"ws{n}" / "pnpm-workspace.yaml").write_text("packages:\n  - m\n")
        _write(tmp_path / f"ws{n}" / "m" / "package.json", {"scripts": {"build": "echo ok"}})
    line = "; ".join(f"(cd ws{n} && pnpm -r build)" for n in range(4))
    assert decide(line, tmp_path) == ALLOW
    assert decide(line + "; (cd ws0 && pnpm -r build)", tmp_path) == ALLOW  # walked already
    assert decide(line + "; (cd ws4 && pnpm -r build)", tmp_path) == REQUIRE_APPROVAL
