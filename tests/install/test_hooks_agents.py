"""Install and uninstall for Codex, Gemini CLI, Cursor and Copilot CLI on realistic existing
files: merged, backed up, idempotent, removing exactly what was added; Gemini's output is
validated against the schema Gemini CLI publishes."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from approvald.agents import get_agent
from approvald.install import InstallError, hooks
from approvald.settings import HOOK_TIMEOUT_S

CMD = "/opt/approvald/bin/approvald"
SCHEMA = Path(__file__).parent / "schemas" / "gemini-settings.schema.json"

# What a user's file already holds, per agent (scope user, except Copilot's project file).
EXISTING: dict[str, dict[str, Any]] = {
    "codex": {"hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [
            {"type": "command", "command": "~/.codex/hooks/check-bash.sh", "timeout": 30}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send 'codex done'"}]}],
    }},
    "gemini": {
        "general": {"vimMode": True, "defaultApprovalMode": "default"},
        "ui": {"theme": "GitHub"},
        "mcpServers": {"github": {"command": "npx", "args": [
            "-y", "@modelcontextprotocol/server-github"], "env": {"GITHUB_TOKEN": "$GH"}}},
        "hooksConfig": {"enabled": True},
        "hooks": {"AfterTool": [{"matcher": "write_file|replace", "hooks": [
            {"name": "prettier", "type": "command", "command": "npx prettier --write",
             "timeout": 10000}]}]},
    },
    "cursor": {"version": 1, "hooks": {
        "afterFileEdit": [{"command": "./hooks/format.sh"}],
        "beforeShellExecution": [{"command": "./hooks/audit.sh", "timeout": 5}],
    }},
    "copilot": {},  # approvald's own file: none before install
}
# How each agent writes approvald's entry, for the file's events.
WANT_EVENTS = {
    "codex": {"PreToolUse"}, "gemini": {"BeforeTool"},
    "cursor": {"beforeShellExecution", "beforeMCPExecution", "beforeReadFile", "preToolUse"},
    "copilot": {"preToolUse"},
}
AGENTS = list(EXISTING)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, approvald_home: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CODEX_HOME", raising=False)


@pytest.fixture(scope="module")
def gemini_schema() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def scope_of(agent: str) -> str:
    return "project" if agent == "copilot" else "user"


def target(agent: str, project: Path) -> Path:
    spec = get_agent(agent).install
    assert spec is not None
    return spec.settings_file(scope_of(agent), project, None)


def seed(agent: str, project: Path) -> tuple[Path, str | None]:
    path = target(agent, project)
    if not EXISTING[agent]:
        return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(EXISTING[agent], indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path, text


def install(agent: str, project: Path, **kw: Any) -> hooks.Outcome:
    return hooks.install(agent, scope_of(agent), project, command=CMD, **kw)


def assert_gemini_valid(validator: Draft202012Validator, doc: dict[str, Any]) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors


@pytest.mark.parametrize("agent", AGENTS)
def test_install_merges_into_the_existing_file(agent: str, tmp_path: Path) -> None:
    path, original = seed(agent, tmp_path)
    outcome = install(agent, tmp_path)
    assert outcome.action == "installed" and outcome.file == path
    assert (outcome.backup is None) == (original is None)
    if outcome.backup is not None:
        assert outcome.backup.read_text(encoding="utf-8") == original
    data = json.loads(path.read_text(encoding="utf-8"))
    found = hooks.find_installed_hooks(data, agent)
    assert {h["event"] for h in found} == WANT_EVENTS[agent]
    assert len(found) == len(WANT_EVENTS[agent])  # one entry per event
    assert all(h["command"] == f"{CMD} hook {agent}" for h in found)
    # Everything that was there is still there, unchanged.
    before = EXISTING[agent]
    for key, value in before.items():
        if key != "hooks":
            assert data[key] == value
    for event, entries in before.get("hooks", {}).items():
        assert all(entry in data["hooks"][event] for entry in entries)


@pytest.mark.parametrize(("agent", "field", "value"), [
    ("codex", "timeout", HOOK_TIMEOUT_S), ("gemini", "timeout", HOOK_TIMEOUT_S * 1000),
    ("cursor", "timeout", HOOK_TIMEOUT_S), ("copilot", "timeoutSec", HOOK_TIMEOUT_S),
])
def test_timeout_is_written_in_the_agents_unit(agent: str, field: str, value: int,
                                               tmp_path: Path) -> None:
    install(agent, tmp_path)
    data = json.loads(target(agent, tmp_path).read_text(encoding="utf-8"))
    entries = [e for groups in data["hooks"].values() for g in groups
               for e in (g.get("hooks", [g]) if "hooks" in g else [g])]
    ours = [e for e in entries if CMD in json.dumps(e)]
    assert ours and all(e[field] == value for e in ours)


def test_copilot_entry_runs_on_both_shells_and_outlasts_an_approval(tmp_path: Path) -> None:
    quoted = "'/Users/a b/bin/approvald'"
    hooks.install("copilot", "project", tmp_path, command=quoted)
    data = json.loads(target("copilot", tmp_path).read_text(encoding="utf-8"))
    assert data["version"] == 1
    [entry] = data["hooks"]["preToolUse"]
    assert entry == {"type": "command", "bash": f"{quoted} hook copilot",
                     "powershell": f"& {quoted} hook copilot", "timeoutSec": HOOK_TIMEOUT_S}
    assert HOOK_TIMEOUT_S > 30  # Copilot's own default would end the wait for a person


def test_cursor_entries_fail_closed_and_write_tools_only_on_pre_tool_use(
        tmp_path: Path) -> None:
    install("cursor", tmp_path)
    data = json.loads(target("cursor", tmp_path).read_text(encoding="utf-8"))
    ours = {event: [e for e in entries if CMD in e.get("command", "")]
            for event, entries in data["hooks"].items()}
    assert all(e["failClosed"] is True for entries in ours.values() for e in entries)
    [pre] = ours["preToolUse"]
    assert "Write" in pre["matcher"].split("|") and "Shell" not in pre["matcher"].split("|")
    assert all("matcher" not in e for ev, es in ours.items() if ev != "preToolUse" for e in es)


@pytest.mark.parametrize("agent", AGENTS)
def test_install_is_idempotent_and_backs_up_once(agent: str, tmp_path: Path) -> None:
    path, original = seed(agent, tmp_path)
    install(agent, tmp_path)
    text = path.read_text(encoding="utf-8")
    again = install(agent, tmp_path)
    assert again.action == "unchanged" and again.backup is None
    assert path.read_text(encoding="utf-8") == text
    backups = list(path.parent.glob("*approvald-backup*"))
    assert len(backups) == (0 if original is None else 1)


@pytest.mark.parametrize("agent", AGENTS)
def test_uninstall_removes_exactly_what_install_added(agent: str, tmp_path: Path) -> None:
    path, original = seed(agent, tmp_path)
    install(agent, tmp_path)
    removed = hooks.uninstall(agent, scope_of(agent), tmp_path)
    assert removed.action == "removed" and removed.removed == len(WANT_EVENTS[agent])
    if original is None:
        assert not path.exists()  # Copilot's file held nothing but approvald's hook
    else:
        assert json.loads(path.read_text(encoding="utf-8")) == EXISTING[agent]
    nothing = hooks.uninstall(agent, scope_of(agent), tmp_path)
    assert nothing.action == "not-installed"


@pytest.mark.parametrize("agent", ["codex", "gemini", "cursor"])
def test_a_new_file_goes_away_whole(agent: str, tmp_path: Path) -> None:
    path = target(agent, tmp_path)
    install(agent, tmp_path)
    back, removed = hooks.unmerge(json.loads(path.read_text(encoding="utf-8")),
                                  get_agent(agent))
    assert removed and back == {}


@pytest.mark.parametrize("agent", AGENTS)
def test_a_stale_entry_is_replaced_in_place(agent: str, tmp_path: Path) -> None:
    install(agent, tmp_path)
    path = target(agent, tmp_path)
    stale = path.read_text(encoding="utf-8").replace(CMD, "/old/venv/bin/approvald")
    path.write_text(stale, encoding="utf-8")
    outcome = install(agent, tmp_path)
    assert outcome.action == "updated"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "/old/venv" not in json.dumps(data)
    assert len(hooks.find_installed_hooks(data, agent)) == len(WANT_EVENTS[agent])


def test_an_unused_event_from_an_older_install_is_cleaned_up(tmp_path: Path) -> None:
    path, _ = seed("cursor", tmp_path)
    data = copy.deepcopy(EXISTING["cursor"])
    data["hooks"]["stop"] = [{"command": f"{CMD} hook cursor"}]
    path.write_text(json.dumps(data), encoding="utf-8")
    install("cursor", tmp_path)
    merged = json.loads(path.read_text(encoding="utf-8"))
    assert "stop" not in merged["hooks"]


@pytest.mark.parametrize("agent", AGENTS)
def test_dry_run_writes_nothing(agent: str, tmp_path: Path) -> None:
    path, original = seed(agent, tmp_path)
    outcome = install(agent, tmp_path, dry_run=True)
    assert outcome.action == "installed" and outcome.backup is None
    assert (path.read_text(encoding="utf-8") if path.exists() else None) == original
    assert f"hook {agent}" in outcome.diff() and outcome.diff().startswith("---")


@pytest.mark.parametrize("agent", AGENTS)
def test_invalid_json_is_left_untouched(agent: str, tmp_path: Path) -> None:
    path = target(agent, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    broken = '{"version": 1, "hooks": {,}}'
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InstallError, match="not valid JSON"):
        install(agent, tmp_path)
    assert path.read_text(encoding="utf-8") == broken


def test_gemini_settings_stay_valid(gemini_schema: Draft202012Validator, tmp_path: Path) -> None:
    path, _ = seed("gemini", tmp_path)
    assert_gemini_valid(gemini_schema, EXISTING["gemini"])
    install("gemini", tmp_path)
    assert_gemini_valid(gemini_schema, json.loads(path.read_text(encoding="utf-8")))
    hooks.uninstall("gemini", "user", tmp_path)
    assert_gemini_valid(gemini_schema, json.loads(path.read_text(encoding="utf-8")))
    project = hooks.install("gemini", "project", tmp_path, command=CMD)
    assert project.file == tmp_path / ".gemini" / "settings.json"
    assert_gemini_valid(gemini_schema, json.loads(project.file.read_text(encoding="utf-8")))


def test_gemini_schema_would_catch_a_wrong_shape(gemini_schema: Draft202012Validator) -> None:
    wrong = {"hooks": {"BeforeTool": {"matcher": "*"}}}
    assert list(gemini_schema.iter_errors(wrong))


def test_codex_honours_codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    outcome = install("codex", tmp_path)
    assert outcome.file == tmp_path / "codex-home" / "hooks.json"
    assert "trust" in outcome.notice


def test_scopes_an_agent_does_not_have_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InstallError, match="no 'user' scope"):
        hooks.install("copilot", "user", tmp_path, command=CMD)
    with pytest.raises(InstallError, match="no 'local' scope"):
        hooks.install("codex", "local", tmp_path, command=CMD)
    assert hooks.default_scope("copilot") == "project"


# -- through the real CLI --------------------------------------------------------------------

def _cli(exe: list[str], home: Path, *args: str, cwd: Path | None = None) -> (
        subprocess.CompletedProcess[str]):
    env = {k: v for k, v in os.environ.items() if k not in ("CODEX_HOME", "COPILOT_HOME")}
    env["HOME"] = str(home)
    return subprocess.run([*exe, *args], capture_output=True, text=True, timeout=60, env=env,
                          cwd=cwd)


@pytest.mark.e2e
def test_cli_for_every_agent(tmp_path: Path, approvald_exe: list[str]) -> None:
    home, project = tmp_path / "home", tmp_path / "proj"
    project.mkdir()
    done = _cli(approvald_exe, home, "install", "codex")
    assert done.returncode == 0, done.stderr
    assert "trust" in done.stdout and str(home / ".codex" / "hooks.json") in done.stdout
    done = _cli(approvald_exe, home, "install", "copilot", "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["scope"] == "project" and result["timeout"] == HOOK_TIMEOUT_S
    assert (project / ".github" / "hooks" / "approvald.json").is_file()
    done = _cli(approvald_exe, home, "install", "gemini", "--scope", "project", "--project",
                str(project), "--dry-run")
    assert done.returncode == 0 and '"timeout": 330000' in done.stdout
    assert not (project / ".gemini").exists()
    done = _cli(approvald_exe, home, "install", "copilot", "--scope", "user")
    assert done.returncode == 1 and "no 'user' scope" in done.stderr
    assert done.stderr.count("\n") == 1
    done = _cli(approvald_exe, home, "uninstall", "copilot", cwd=project)
    assert done.returncode == 0 and "deleted" in done.stdout
    assert not (project / ".github" / "hooks" / "approvald.json").exists()
    assert _cli(approvald_exe, home, "install", "cursor").returncode == 0
    assert _cli(approvald_exe, home, "uninstall", "cursor").returncode == 0
    assert json.loads((home / ".cursor" / "hooks.json").read_text()) == {}
