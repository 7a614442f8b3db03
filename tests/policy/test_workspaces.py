"""Scripts of workspace members are looked into when a package manager runs them
(`npm run X -ws`, `pnpm -r X`, `yarn workspace NAME X`, `bun --filter SEL X`, `deno task -r X`,
an install of the workspace), within bounds, and never from outside the project."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from approvald.model.actions import action_from_json
from approvald.policy import ALLOW, DENY, REQUIRE_APPROVAL, load_engine, wsmembers
from approvald.policy import expand as expand_module
from approvald.policy.wsyaml import pnpm_packages

LEAK = "cat ~/.ssh/id_rsa"


@pytest.fixture
def engine(approvald_home: Path):
    return load_engine(home="/home/dev")


def decide(engine, command: str, cwd: Path) -> str:
    return engine.evaluate(action_from_json(
        {"kind": "process.exec", "cwd": str(cwd), "input": {"command": command}})).decision


def _package(directory: Path, name: str | None, scripts: dict[str, str], **more: object) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    doc: dict[str, object] = {"scripts": scripts, **more}
    if name is not None:
        doc["name"] = name
    (directory / "package.json").write_text(json.dumps(doc))


@pytest.fixture
def mono(tmp_path: Path) -> Path:
    """A monorepo whose root scripts are harmless; member `a`'s build and test read a key,
    member `b`'s are harmless; members listed for npm/yarn/bun, pnpm and deno."""
    root = tmp_path / "mono"
    _package(root, "root", {"build": "echo root", "test": "echo ok"},
             workspaces=["packages/*"])
    _package(root / "packages" / "a", "a", {"build": LEAK, "test": LEAK, "rmr": "rm -rf"})
    _package(root / "packages" / "b", "b", {"build": "echo b", "test": "echo b"})
    (root / "pnpm-workspace.yaml").write_text("packages:\n  - 'packages/*' # members\n")
    (root / "deno.json").write_text(json.dumps({"workspace": ["./packages/a", "./packages/b"]}))
    (root / "packages" / "a" / "deno.json").write_text(json.dumps(
        {"name": "@m/a", "tasks": {"dbuild": LEAK}}))
    (root / "packages" / "b" / "deno.json").write_text(json.dumps(
        {"name": "@m/b", "tasks": {"dbuild": "echo b"}}))
    return root


@pytest.mark.parametrize("line", [
    "npm run build -ws", "npm run build --workspaces", "npm test -ws", "npm -ws test",
    "npm run build -w a", "npm run build --workspace=a", "npm -w packages/a run build",
    "npm run build -w packages", "npm run build -w b -w a",
    "pnpm -r build", "pnpm --recursive run build", "pnpm run -r build", "pnpm -r test",
    "pnpm --filter a build", "pnpm -F ./packages/a build", "pnpm --filter={packages/a} build",
    "yarn workspaces foreach -A run build", "yarn workspaces foreach --all -p -j 2 build",
    "yarn workspaces run build", "yarn workspace a build", "yarn workspace a run build",
    "bun --filter a run build", "bun run --filter '*' build", "bun --filter ./packages/a build",
    "bun -F a build", "bun run --workspaces build",
    "deno task -r dbuild", "deno task --recursive dbuild", "deno task --filter @m/a dbuild",
    "deno task -f '@m/*' dbuild", "deno task -r 'db*'",
])
def test_a_members_script_is_looked_into(engine, mono: Path, line: str) -> None:
    assert decide(engine, line, mono) == DENY
    if "*" not in line.split()[-1]:  # a script no member has: nothing runs
        assert decide(engine, line.replace("build", "nothing").replace("test", "nothing"),
                      mono) == ALLOW


@pytest.mark.parametrize("line", [
    "npm run build -w b", "npm run build -w packages/b", "pnpm --filter b build",
    "pnpm -F ./packages/b build", "yarn workspace b build", "bun --filter b build",
    "deno task --filter @m/b dbuild", "npm run build", "pnpm build", "deno task dbuild",
])
def test_an_exact_selection_reads_only_what_it_selects(engine, mono: Path, line: str) -> None:
    assert decide(engine, line, mono) == ALLOW


@pytest.mark.parametrize("line", [
    "npm run build -w nope", "pnpm --filter 'b...' build", "pnpm --filter '...^b' build",
    "pnpm --filter '!b' build", "pnpm --filter '[origin/main]' build",
    "bun --filter 'b*' build", "yarn workspace nope build", "deno task --filter nope dbuild",
    'yarn workspace "$PKG" build', 'pnpm --filter "$PKG" build',
])
def test_a_selection_not_resolved_exactly_takes_every_member(engine, mono: Path,
                                                             line: str) -> None:
    assert decide(engine, line, mono) == DENY


def test_from_inside_a_member_and_with_arguments(engine, mono: Path) -> None:
    assert decide(engine, "pnpm -r build", mono / "packages" / "b") == DENY
    assert decide(engine, "npm run build -ws", mono / "packages" / "b") == DENY
    assert decide(engine, "npm --prefix mono run build -ws", mono.parent) == DENY
    assert decide(engine, "npm run rmr -ws -- ~", mono) == DENY
    assert decide(engine, "yarn workspace a rmr ~", mono) == DENY
    assert decide(engine, "npm run rmr -ws -- dist", mono) == ALLOW
    assert decide(engine, 'npm run build -w "$PKG"', mono) == REQUIRE_APPROVAL
    assert decide(engine, 'yarn workspace a "$S"', mono) == REQUIRE_APPROVAL
    assert decide(engine, "yarn workspace b exec-nothing", mono) == ALLOW


def test_no_workspace_runs_no_members(engine, tmp_path: Path) -> None:
    _package(tmp_path, "solo", {"build": "echo"})
    _package(tmp_path / "sub", "sub", {"build": LEAK})  # no workspace lists it
    assert decide(engine, "npm run build -ws", tmp_path) == ALLOW
    assert decide(engine, "yarn workspaces foreach -A run build", tmp_path) == ALLOW
    # pnpm -r without a pnpm-workspace.yaml: every package below the project
    assert decide(engine, "pnpm -r build", tmp_path) == DENY


@pytest.mark.parametrize("line", ["npm install", "npm ci", "npm i -w b", "pnpm install",
                                  "pnpm i --filter b", "yarn", "yarn install", "bun install"])
def test_an_install_runs_every_members_install_lifecycle(engine, mono: Path, line: str) -> None:
    _package(mono / "packages" / "b", "b", {"prepare": LEAK})
    assert decide(engine, line, mono) == DENY
    assert decide(engine, line, mono / "packages" / "a") == DENY  # from inside a member
    (mono / "packages" / "b" / "package.json").unlink()
    assert decide(engine, line, mono) == ALLOW  # a's scripts are no install steps


def test_an_install_out_of_a_workspace_reads_no_package_below(engine, tmp_path: Path) -> None:
    _package(tmp_path, "solo", {"postinstall": "echo"})
    _package(tmp_path / "vendor" / "x", "x", {"postinstall": LEAK})  # no workspace lists it
    for line in ("npm install", "pnpm install", "yarn", "bun install"):
        assert decide(engine, line, tmp_path) == ALLOW
    assert decide(engine, "npm install left-pad", tmp_path) == ALLOW


@pytest.mark.parametrize("workspaces", [
    {"packages": ["packages/*"]}, ["packages/**"], ["./packages/a/"], ["packages/{a,b}"],
    ["packages/a", "!packages/a"],
])
def test_shapes_of_the_workspaces_field(engine, mono: Path, workspaces: object) -> None:
    _package(mono, "root", {}, workspaces=workspaces)
    assert decide(engine, "npm run build -ws", mono) == DENY


def test_deno_workspace_object_and_package_json_members(engine, mono: Path) -> None:
    (mono / "deno.json").write_text('{"workspace": {"members": ["./packages/*"]}, // c\n}')
    assert decide(engine, "deno task -r dbuild", mono) == DENY
    (mono / "packages" / "a" / "deno.json").unlink()
    assert decide(engine, "deno task -r build", mono) == DENY  # a's package.json script


@pytest.mark.parametrize(("text", "patterns"), [
    ("packages:\n  - 'apps/*'\n  - \"libs/**\"  # c\n  - tools\n", ["apps/*", "libs/**",
                                                                      "tools"]),
    ("# x\nonlyBuiltDependencies:\n  - esbuild\npackages:\n- apps/*\ncatalog:\n  a: 1\n",
     ["apps/*"]),
    ("packages: ['apps/*', \"libs/*\"]\n", ["apps/*", "libs/*"]),
    ("packages:\n  - '!**/test/**'\n", ["!**/test/**"]),
])
def test_pnpm_workspace_yaml_subset(text: str, patterns: list[str]) -> None:
    assert pnpm_packages(text) == patterns


@pytest.mark.parametrize("text", [
    "catalog:\n  a: 1\n",  # no packages key: pnpm takes every package
    "packages:\n  - &x apps/*\n", "packages:\n  - *x\n", "packages: !!seq [a]\n",
    "---\npackages:\n  - a\n", "packages:\n  - a\npackages:\n  - b\n",
    "packages: |\n  a\n", "packages:\n  - 'a''b'\n", "packages:\n  - \"a\\u002f\"\n",
    "packages:\n  - a\n    b\n", "packages: [a,\n  b]\n", "packages:\n  x: y\n",
    "packages: apps/*\n",
    "packages:\n", "packages: []\n", "packages: # none\nother: 1\n",  # null, empty: never none
])
def test_pnpm_workspace_yaml_beyond_the_subset_is_unsure(text: str) -> None:
    assert pnpm_packages(text) is None


def test_an_unreadable_pnpm_workspace_yaml_takes_every_package(engine, mono: Path) -> None:
    (mono / "pnpm-workspace.yaml").write_text("packages:\n  - &anchor 'nothing/*'\n")
    _package(mono / "elsewhere" / ".hidden" / "c", "c", {"build": LEAK})
    (mono / "packages" / "a" / "package.json").unlink()
    assert decide(engine, "pnpm -r build", mono) == DENY


@pytest.mark.parametrize("pattern", ["../*", "../../**", "/etc", "~/x/*", "a/../../*",
                                     "C:/x"])
def test_a_pattern_out_of_the_project_waits_for_a_person(engine, mono: Path,
                                                         pattern: str) -> None:
    _package(mono, "root", {}, workspaces=["packages/*", pattern])
    assert decide(engine, "npm run build -w b", mono) == REQUIRE_APPROVAL
    (mono / "pnpm-workspace.yaml").write_text(f"packages:\n  - '{pattern}'\n")
    assert decide(engine, "pnpm -r build", mono) == REQUIRE_APPROVAL


def test_a_symlink_out_of_the_project_waits_for_a_person(engine, mono: Path,
                                                         tmp_path: Path) -> None:
    _package(tmp_path / "outside" / "c", "c", {"build": "echo c"})
    os.symlink(tmp_path / "outside" / "c", mono / "packages" / "c")
    assert decide(engine, "npm run build -w b", mono) == REQUIRE_APPROVAL
    (mono / "packages" / "c").unlink()
    os.symlink(tmp_path / "outside", mono / "linked")
    _package(mono, "root", {}, workspaces=["packages/*", "linked/*"])
    assert decide(engine, "npm run build -w b", mono) == REQUIRE_APPROVAL


def test_symlink_loops_end(engine, mono: Path) -> None:
    os.symlink(mono, mono / "packages" / "a" / "up")
    os.symlink(mono / "packages", mono / "packages" / "b" / "side")
    _package(mono, "root", {}, workspaces=["**"])
    started = time.monotonic()
    assert decide(engine, "npm run build -w b", mono) == ALLOW  # b found exactly
    assert decide(engine, "npm run build -ws", mono) == DENY
    assert time.monotonic() - started < 10


def test_thousands_of_members_wait_for_a_person(engine, tmp_path: Path) -> None:
    root = tmp_path / "many"
    _package(root, "root", {}, workspaces=["p/*"])
    for index in range(wsmembers.MAX_MEMBERS + 1):
        _package(root / "p" / f"m{index}", f"m{index}", {})
    started = time.monotonic()
    assert decide(engine, "npm run build -ws", root) == REQUIRE_APPROVAL
    assert time.monotonic() - started < 10
    assert decide(engine, "npm run build", root) == ALLOW  # no member looked for


def test_thousands_of_patterns_wait_for_a_person(engine, mono: Path) -> None:
    _package(mono, "root", {}, workspaces=["."] * (wsmembers.MAX_PATTERNS + 1))
    assert decide(engine, "npm run build -w b", mono) == REQUIRE_APPROVAL
    _package(mono, "root", {}, workspaces=["packages/b"] * wsmembers.MAX_PATTERNS)
    assert decide(engine, "npm run build -w b", mono) == ALLOW


def test_a_wide_tree_under_a_deep_glob_waits_for_a_person(engine, tmp_path: Path,
                                                          monkeypatch) -> None:
    monkeypatch.setattr(wsmembers, "MAX_ENTRIES", 50)
    root = tmp_path / "wide"
    _package(root, "root", {}, workspaces=["**/pkg"])
    for index in range(60):
        (root / "d" / f"x{index}").mkdir(parents=True)
    assert decide(engine, "npm run build -ws", root) == REQUIRE_APPROVAL


def test_large_member_files_wait_for_a_person(engine, mono: Path, monkeypatch) -> None:
    monkeypatch.setattr(wsmembers, "MAX_MEMBER_BYTES", 300)
    _package(mono / "packages" / "b", "b", {"build": "echo b"}, pad="x" * 400)
    assert decide(engine, "npm run build -w b", mono) == REQUIRE_APPROVAL


def test_many_members_scripts_share_the_expansion_budget(engine, tmp_path: Path,
                                                        monkeypatch) -> None:
    """Each member's script is one text of the decision's budget: past it, a person decides,
    and the work stays bounded."""
    root = tmp_path / "budget"
    _package(root, "root", {}, workspaces=["p/*"])
    for index in range(expand_module.MAX_EXPANSIONS + 10):
        _package(root / "p" / f"m{index}", f"m{index}", {"build": "echo fine"})
    taken: list[int] = []
    original = expand_module.Budget.take
    monkeypatch.setattr(expand_module.Budget, "take",
                        lambda self, text: taken.append(len(text)) or original(self, text))
    assert decide(engine, "pnpm -r build", root) == REQUIRE_APPROVAL
    assert len(taken) <= expand_module.MAX_EXPANSIONS + 1
