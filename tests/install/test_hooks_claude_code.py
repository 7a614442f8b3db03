from __future__ import annotations

import copy
import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from approvald.agents import get_agent
from approvald.install import InstallError, approvald_command, hookcommand, hooks, lasting_path
from approvald.settings import DEFAULT_APPROVAL_TIMEOUT_S, HOOK_TIMEOUT_S
from tests.support import SHARED

AGENT = get_agent("claude-code")

SCHEMA_FILE = SHARED / "schemas" / "claude-code-settings.schema.json"
CMD = "/opt/approvald/bin/approvald"
OURS = f"{CMD} hook claude-code"

RICH: dict[str, Any] = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "sonnet",
    "env": {"FOO": "bar"},
    "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"]},
    "hooks": {
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/check-bash",
                                           "timeout": 5}]},
        ],
        "PostToolUse": [
            {"matcher": "Edit|Write", "hooks": [{"type": "command", "command": "prettier -w"}]},
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    },
    "statusLine": {"type": "command", "command": "~/bin/status"},
}


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    return Draft7Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def desired_hook(command: str | None = None, timeout: int | None = None) -> dict[str, Any]:
    """The entry install writes for Claude Code."""
    assert AGENT.install is not None
    return AGENT.install.entry(hookcommand.hook_command("claude-code", command),
                               timeout if timeout is not None else hooks.hook_timeout_s(AGENT.name))


def merge(settings: dict[str, Any], hook: dict[str, Any]) -> dict[str, Any]:
    return hooks.merge(settings, AGENT, hook)


def settings_path(scope: str, project: Path | None = None) -> Path:
    assert AGENT.install is not None
    return AGENT.install.settings_file(scope, project, None)


def _assert_valid(validator: Draft7Validator, settings: dict[str, Any]) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(settings)]
    assert not errors, errors


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, approvald_home: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)


def _hook(command: str = CMD, timeout: int = HOOK_TIMEOUT_S) -> dict[str, Any]:
    return desired_hook(command, timeout)


# Every event install writes for Claude Code besides PreToolUse: (matcher, timeout; None is
# the PreToolUse hook's, for the event that waits for a person).
OTHER_EVENTS: dict[str, tuple[str | None, int | None]] = {
    "PostToolUse": ("*", 30), "PostToolUseFailure": ("*", 30), "PermissionRequest": ("*", None),
    "ConfigChange": (None, 30), "SessionStart": (None, 10), "SessionEnd": (None, 5),
}


def installed(command: str = CMD, timeout: int = HOOK_TIMEOUT_S) -> dict[str, Any]:
    """`hooks` as install writes it into an empty file: one group per event."""
    out: dict[str, Any] = {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": f"{command} hook claude-code", "timeout": timeout}]}]}
    for event, (matcher, own) in OTHER_EVENTS.items():
        entry = {"type": "command", "command": f"{command} hook claude-code {event}",
                 "timeout": own if own is not None else timeout}
        out[event] = [{"matcher": matcher, "hooks": [entry]} if matcher else {"hooks": [entry]}]
    return out


# -- merging ---------------------------------------------------------------------------------

def test_timeout_outlasts_the_approval_wait() -> None:
    assert HOOK_TIMEOUT_S > DEFAULT_APPROVAL_TIMEOUT_S
    assert desired_hook(CMD)["timeout"] == HOOK_TIMEOUT_S


def test_merge_into_empty(validator: Draft7Validator) -> None:
    merged = merge({}, _hook())
    assert merged == {"hooks": installed()}
    assert set(OTHER_EVENTS) == {e.name for e in AGENT.hook_events}
    _assert_valid(validator, merged)


def test_merge_keeps_other_keys_and_hooks(validator: Draft7Validator) -> None:
    _assert_valid(validator, RICH)
    original = copy.deepcopy(RICH)
    merged = merge(RICH, _hook())
    assert original == RICH  # input untouched
    _assert_valid(validator, merged)
    for key in RICH:
        if key != "hooks":
            assert merged[key] == RICH[key]
    assert list(merged) == list(RICH)  # key order kept
    # The person's own groups stay first; ours follow.
    assert merged["hooks"]["PostToolUse"] == [*RICH["hooks"]["PostToolUse"],
                                              *installed()["PostToolUse"]]
    assert merged["hooks"]["Stop"] == RICH["hooks"]["Stop"]
    pre = merged["hooks"]["PreToolUse"]
    assert pre[0] == RICH["hooks"]["PreToolUse"][0]
    assert pre[1] == {"matcher": "*", "hooks": [_hook()]}
    assert len(hooks.find_installed_hooks(merged, "claude-code")) == 1 + len(OTHER_EVENTS)


def test_merge_is_idempotent(validator: Draft7Validator) -> None:
    once = merge(RICH, _hook())
    twice = merge(once, _hook())
    assert twice == once
    _assert_valid(validator, twice)


def test_stale_path_is_replaced_in_place(validator: Draft7Validator) -> None:
    stale = copy.deepcopy(RICH)
    stale["hooks"]["PreToolUse"].insert(0, {"matcher": "*", "hooks": [
        {"type": "command", "command": "/old/venv/bin/approvald hook claude-code", "timeout": 60},
        {"type": "command", "command": "logger pre-tool"},
    ]})
    merged = merge(stale, _hook())
    _assert_valid(validator, merged)
    pre = merged["hooks"]["PreToolUse"]
    assert len(pre) == 2  # no new group: the old entry's place is reused
    assert pre[0]["hooks"] == [_hook(), {"type": "command", "command": "logger pre-tool"}]
    found = hooks.find_installed_hooks(merged, "claude-code")
    assert [h["command"] for h in found if h["event"] == "PreToolUse"] == [OURS]


def test_an_entry_under_the_wrong_event_is_put_right(validator: Draft7Validator) -> None:
    # The decision hook written under PostToolUse (by hand) gives way to the PostToolUse one;
    # a PostToolUse command under PreToolUse is not the decision hook either.
    wrong = {"hooks": {
        "PostToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": OURS}]}],
        "PreToolUse": [{"matcher": "*", "hooks": [
            {"type": "command", "command": f"{OURS} PostToolUse"}]}],
    }}
    merged = merge(wrong, _hook())
    _assert_valid(validator, merged)
    assert merged == {"hooks": {k: installed()[k] for k in ("PostToolUse", "PreToolUse",
                                                            *installed())}}


def test_duplicates_and_wrong_matcher_entries_are_folded(validator: Draft7Validator) -> None:
    messy = {"hooks": {"PreToolUse": [
        {"matcher": "Bash", "hooks": [{"type": "command", "command": OURS},
                                      {"type": "command", "command": "mine"}]},
        {"matcher": "Read", "hooks": [{"type": "command",
                                       "command": "python3 -m approvald hook claude-code"}]},
    ]}}
    merged = merge(messy, _hook())
    _assert_valid(validator, merged)
    assert merged["hooks"]["PreToolUse"] == [
        {"matcher": "Bash", "hooks": [{"type": "command", "command": "mine"}]},
        {"matcher": "*", "hooks": [_hook()]},
    ]


@pytest.mark.parametrize(("command", "ours"), [
    (OURS, True),
    ("approvald hook claude-code", True),
    ("'/Users/a b/.local/bin/approvald' hook claude-code", True),
    ("'C:\\Program Files\\approvald\\approvald.exe' hook claude-code", True),
    ("C:\\tools\\approvald.exe hook claude-code", True),
    ("/usr/bin/python3 -m approvald hook claude-code", True),
    ("echo approvald hook claude-code", False),
    ("/bin/my-approvald-wrapper hook claude-code", False),
    ("approvald hook claude-code --debug", False),
    ("approvald hook claude-code PostToolUse", True),
    ("/usr/bin/python3 -m approvald hook claude-code SessionEnd", True),
    ("approvald hook claude-code Post-Tool", False),
    ("approvald hook gemini", False),
    ("prettier -w", False),
])
def test_which_commands_are_ours(command: str, ours: bool) -> None:
    assert (hookcommand.hook_executable(command, "claude-code") is not None) is ours


def test_unmerge_removes_exactly_what_merge_added(validator: Draft7Validator) -> None:
    for start in ({}, RICH, {"model": "x", "hooks": {"Stop": []}}):
        merged = merge(start, _hook())
        back, removed = hooks.unmerge(merged, AGENT)
        assert removed == 1 + len(OTHER_EVENTS)
        assert back == start
        _assert_valid(validator, back)
    # Containers that held only our entry go, even if they stood empty before install (the
    # file keeps no memory of that; both mean the same to Claude Code).
    for start in ({"hooks": {}}, {"hooks": {"PreToolUse": []}, "model": "x"}):
        back, _ = hooks.unmerge(merge(start, _hook()), AGENT)
        assert back == {k: v for k, v in start.items() if k != "hooks"}


def test_unmerge_without_our_hook_changes_nothing() -> None:
    back, removed = hooks.unmerge(RICH, AGENT)
    assert removed == 0 and back == RICH


def test_find_installed_hooks_reports_every_event() -> None:
    settings = copy.deepcopy(RICH)
    settings["hooks"]["PreToolUse"].append({"matcher": "*", "hooks": [_hook()]})
    settings["hooks"]["PostToolUse"].append({"matcher": "*", "hooks": [
        {"type": "command", "command": "approvald hook claude-code PostToolUse"}]})
    found = hooks.find_installed_hooks(settings, "claude-code")
    assert [(h["event"], h["matcher"], h["timeout"], h["argument"]) for h in found] == [
        ("PreToolUse", "*", HOOK_TIMEOUT_S, None), ("PostToolUse", "*", None, "PostToolUse")]
    assert found[0]["executable"] == CMD and found[0]["executable_exists"] is False
    assert hooks.find_installed_hooks({"hooks": "nonsense"}, "claude-code") == []


def test_command_is_absolute_and_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = tmp_path / "dir with space" / "approvald"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", [str(exe), "install"])
    command = approvald_command()
    assert command == f"'{exe}'"
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # a binary: it is its own hook
    hook = desired_hook()
    assert hookcommand.hook_executable(hook["command"], "claude-code") == str(exe)
    assert hookcommand.hook_files(hook["command"]) == [str(exe)]
    monkeypatch.setattr(sys, "argv", ["pytest"])
    assert os.path.isabs(approvald_command().strip("'").split(" ")[0])


def test_install_writes_the_fast_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = tmp_path / "venv with space" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)  # a venv's python: written as it is, never resolved
    monkeypatch.setattr(sys, "executable", str(python))
    command = desired_hook()["command"]
    words = shlex.split(command)
    assert words[:3] == [str(python), "-I", "-S"] and words[4:] == ["hook", "claude-code"]
    assert words[3].endswith(os.path.join("approvald", "hook", "entry.py"))
    assert os.path.isfile(words[3])
    assert hookcommand.hook_files(command) == [str(python), words[3]]
    assert hookcommand.hook_executable(command, "claude-code") == str(python)
    found = hooks.find_installed_hooks(merge({}, desired_hook()), "claude-code")
    assert found[0]["executable_exists"] is True
    gone = command.replace("entry.py", "missing.py")
    assert hookcommand.hook_target(gone) is None  # not approvald's entry at all


@pytest.mark.parametrize(("command", "ours"), [
    ("/v/bin/python -I -S /v/lib/approvald/hook/entry.py hook claude-code", True),
    ("'C:\\v\\python.exe' -I -S 'C:\\v\\Lib\\approvald\\hook\\entry.py' hook claude-code",
     True),
    ("python3 /x/approvald/hook/entry.py hook claude-code", True),
    ("/bin/sh /x/approvald/hook/entry.py hook claude-code", False),
    ("python3 -I -S /x/other/hook/entry.py hook claude-code", False),
    ("python3 -I /x/approvald/hook/entry.py extra hook claude-code", False),
])
def test_which_fast_commands_are_ours(command: str, ours: bool) -> None:
    assert (hookcommand.hook_executable(command, "claude-code") is not None) is ours


def test_homebrew_paths_go_through_opt(tmp_path: Path) -> None:
    """`brew upgrade` replaces Cellar/approvald/<version>; opt/approvald follows it."""
    keg = tmp_path / "Cellar" / "approvald" / "1.2.0"
    python = keg / "libexec" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    (tmp_path / "opt").mkdir()
    (tmp_path / "opt" / "approvald").symlink_to(keg)
    assert lasting_path(str(python)) == str(tmp_path / "opt/approvald/libexec/bin/python")
    (tmp_path / "opt" / "approvald").unlink()
    (tmp_path / "opt" / "approvald").symlink_to(keg.parent / "1.3.0")  # another version
    assert lasting_path(str(python)) == str(python)
    assert lasting_path("/usr/local/bin/python3") == "/usr/local/bin/python3"


# -- files -----------------------------------------------------------------------------------

def test_scope_paths(tmp_path: Path) -> None:
    assert settings_path("user") == tmp_path / "home" / ".claude" / "settings.json"
    assert settings_path("project", tmp_path / "p") == tmp_path / "p/.claude/settings.json"
    assert settings_path("local", tmp_path / "p") == (
        tmp_path / "p/.claude/settings.local.json")


def test_install_twice_backs_up_once(tmp_path: Path, validator: Draft7Validator) -> None:
    path = settings_path("project", tmp_path)
    path.parent.mkdir(parents=True)
    original = json.dumps(RICH, indent=4) + "\n"
    path.write_text(original, encoding="utf-8")
    os.chmod(path, 0o600)
    first = hooks.install("claude-code", "project", tmp_path, command=CMD)
    assert first.action == "installed" and first.backup is not None
    assert first.backup.read_text(encoding="utf-8") == original
    assert first.backup.name.startswith("settings.json.approvald-backup-")
    data = json.loads(path.read_text(encoding="utf-8"))
    _assert_valid(validator, data)
    assert path.read_text(encoding="utf-8").startswith('{\n    "$schema"')  # indent kept
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = hooks.install("claude-code", "project", tmp_path, command=CMD)
    assert second.action == "unchanged" and second.backup is None
    assert len(list(path.parent.glob("*approvald-backup*"))) == 1
    removed = hooks.uninstall("claude-code", "project", tmp_path)
    assert removed.action == "removed" and removed.removed == 1 + len(OTHER_EVENTS)
    assert json.loads(path.read_text(encoding="utf-8")) == RICH


def test_new_file_gets_no_backup(tmp_path: Path) -> None:
    outcome = hooks.install("claude-code", "local", tmp_path, command=CMD)
    assert outcome.action == "installed" and outcome.backup is None
    assert list(tmp_path.joinpath(".claude").iterdir()) == [outcome.file]


def test_invalid_json_is_left_untouched(tmp_path: Path) -> None:
    path = settings_path("user")
    path.parent.mkdir(parents=True)
    broken = '{\n  "model": "x",\n  "hooks": {,}\n}\n'
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InstallError, match=r"line 3, column 13"):
        hooks.install("claude-code", "user", command=CMD)
    with pytest.raises(InstallError, match="not valid JSON"):
        hooks.uninstall("claude-code", "user")
    assert path.read_text(encoding="utf-8") == broken
    assert list(path.parent.iterdir()) == [path]


def test_wrong_shapes_are_refused(tmp_path: Path) -> None:
    path = settings_path("user")
    path.parent.mkdir(parents=True)
    for text in ('["a"]', '{"hooks": []}', '{"hooks": {"PreToolUse": {}}}'):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InstallError):
            hooks.install("claude-code", "user", command=CMD)
        assert path.read_text(encoding="utf-8") == text


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_symlinked_settings_stay_a_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "claude-settings.json"
    real.parent.mkdir()
    real.write_text('{"model": "opus"}', encoding="utf-8")
    link = settings_path("user")
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    hooks.install("claude-code", "user", command=CMD)
    assert link.is_symlink()
    assert hooks.find_installed_hooks(json.loads(real.read_text(encoding="utf-8")), "claude-code")


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = settings_path("user")
    path.parent.mkdir(parents=True)
    path.write_text('{"model": "opus"}\n', encoding="utf-8")
    outcome = hooks.install("claude-code", "user", dry_run=True, command=CMD)
    assert outcome.action == "installed" and outcome.backup is None
    assert path.read_text(encoding="utf-8") == '{"model": "opus"}\n'
    assert list(path.parent.iterdir()) == [path]
    assert f'+            "command": "{OURS}",' in outcome.diff()
    assert hooks.find_installed_hooks(outcome.settings, "claude-code")


# -- through the real CLI --------------------------------------------------------------------

def _cli(exe: list[str], home: Path, *args: str, cwd: Path | None = None) -> (
        subprocess.CompletedProcess[str]):
    env = dict(os.environ, HOME=str(home))
    env.pop("CLAUDE_CONFIG_DIR", None)
    return subprocess.run([*exe, *args], capture_output=True, text=True, timeout=60, env=env,
                          cwd=cwd)


@pytest.mark.e2e
def test_cli_install_and_uninstall(tmp_path: Path, approvald_home: Path,
                                   approvald_exe: list[str], validator: Draft7Validator) -> None:
    home, project = tmp_path / "home", tmp_path / "proj"
    project.mkdir()
    (approvald_home / "config.toml").write_text("hook_timeout_s = 400\n", encoding="utf-8")
    shared = project / ".claude" / "settings.json"
    shared.parent.mkdir()
    shared.write_text(json.dumps(RICH), encoding="utf-8")

    done = _cli(approvald_exe, home, "install", "claude-code", "--scope", "project",
                "--project", str(project), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["action"] == "installed" and result["backup"]
    assert result["command"].endswith(" hook claude-code") and result["timeout"] == 400
    data = json.loads(shared.read_text(encoding="utf-8"))
    _assert_valid(validator, data)
    found = hooks.find_installed_hooks(data, "claude-code")
    [ours] = [h for h in found if h["event"] == "PreToolUse"]
    assert ours["executable_exists"] and ours["timeout"] == 400
    # The person waits at the permission prompt as at PreToolUse; the rest answer at once.
    assert {h["event"]: h["timeout"] for h in found} == {
        "PreToolUse": 400, **{e: own or 400 for e, (_, own) in OTHER_EVENTS.items()}}

    again = _cli(approvald_exe, home, "install", "claude-code", "--scope", "project",
                 "--project", str(project))
    assert again.returncode == 0 and "already installed" in again.stdout

    # local scope defaults to the working directory; user scope honours HOME.
    dry = _cli(approvald_exe, home, "install", "claude-code", "--scope", "local", "--dry-run",
               cwd=project)
    assert dry.returncode == 0 and "+++ " in dry.stdout and "hook claude-code" in dry.stdout
    assert not (project / ".claude" / "settings.local.json").exists()
    assert _cli(approvald_exe, home, "install", "claude-code").returncode == 0
    user_file = home / ".claude" / "settings.json"
    _assert_valid(validator, json.loads(user_file.read_text(encoding="utf-8")))

    done = _cli(approvald_exe, home, "uninstall", "claude-code", "--scope", "project",
                "--project", str(project))
    assert done.returncode == 0 and f"removed {1 + len(OTHER_EVENTS)}" in done.stdout
    assert json.loads(shared.read_text(encoding="utf-8")) == RICH
    assert _cli(approvald_exe, home, "uninstall", "claude-code").returncode == 0
    assert json.loads(user_file.read_text(encoding="utf-8")) == {}
    done = _cli(approvald_exe, home, "uninstall", "claude-code")
    assert done.returncode == 0 and "nothing changed" in done.stdout


@pytest.mark.e2e
def test_cli_refuses_invalid_json(tmp_path: Path, approvald_exe: list[str]) -> None:
    home = tmp_path / "home"
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"model": "x",}', encoding="utf-8")
    done = _cli(approvald_exe, home, "install", "claude-code")
    assert done.returncode == 1
    assert str(settings) in done.stderr and "line 1, column 15" in done.stderr
    assert done.stderr.count("\n") == 1
    assert settings.read_text(encoding="utf-8") == '{"model": "x",}'
    assert list(settings.parent.iterdir()) == [settings]
    assert _cli(approvald_exe, home, "install", "windsurf").returncode == 2
