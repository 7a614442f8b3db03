"""Settings: config.toml (defaults, bad values reported and replaced, per-agent hook timeouts)
and the APPROVALD_* environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from approvald.settings import (
    DEFAULT_APPROVAL_TIMEOUT_S,
    HOOK_TIMEOUT_S,
    ConfigError,
    load_settings,
    safe_load_settings,
)


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    config = load_settings(tmp_path / "config.toml", environ={})
    assert config.approval_timeout_s == DEFAULT_APPROVAL_TIMEOUT_S == 300
    assert config.hook_timeout_s == HOOK_TIMEOUT_S == 330
    assert config.no_daemon == "ask" and config.problems == ()
    # The hook waits past the approval timeout but stops before Claude Code kills it.
    assert 300 < config.hook_deadline_s("claude-code") < 330


def test_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('approval_timeout_s = 60\nhook_timeout_s = 120\nno_daemon = "deny"\n')
    config = load_settings(path, environ={})
    assert (config.approval_timeout_s, config.hook_timeout_s, config.no_daemon) == (
        60, 120, "deny")


def test_bad_values_fall_back_and_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('approval_timeout_s = -5\nhook_timeout_s = "x"\nno_daemon = "maybe"\n')
    config = load_settings(path, environ={})
    assert (config.approval_timeout_s, config.hook_timeout_s, config.no_daemon) == (
        300, 330, "ask")
    assert len(config.problems) == 3
    assert any("no_daemon" in p for p in config.problems)


def test_approval_timeout_is_kept_below_the_hook_timeout(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("approval_timeout_s = 400\n")
    config = load_settings(path, environ={})
    assert config.approval_timeout_s == 320
    assert any("hook_timeout_s" in p for p in config.problems)


def test_env_override_for_tests(tmp_path: Path) -> None:
    config = load_settings(tmp_path / "none.toml", environ={"APPROVALD_APPROVAL_TIMEOUT": "2"})
    assert config.approval_timeout_s == 2
    config = load_settings(tmp_path / "none.toml", environ={"APPROVALD_APPROVAL_TIMEOUT": "soon"})
    assert config.approval_timeout_s == 300 and config.problems


def test_unreadable_toml(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("approval_timeout_s = [\n")
    with pytest.raises(ConfigError):
        load_settings(path, environ={})
    config = safe_load_settings(path)
    assert config.approval_timeout_s == 300 and "config.toml" in config.problems[0]


def test_each_agent_may_have_its_own_hook_timeout(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("approval_timeout_s = 100\n[agents.codex]\nhook_timeout_s = 600\n"
                    "[agents.gemini]\nhook_timeout_s = 105\n")
    config = load_settings(path, environ={})
    assert config.agent_hook_timeout_s("codex") == 600
    assert config.agent_hook_timeout_s("claude-code") == HOOK_TIMEOUT_S
    # The approval wait ends before the shortest hook timeout any agent has.
    assert config.approval_timeout_s == 95


def test_unknown_keys_and_tables_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('aproval_timeout_s = 5\nagents = "codex"\n')
    config = load_settings(path, environ={})
    assert any("aproval_timeout_s" in p for p in config.problems)
    assert any("[agents]" in p for p in config.problems)


def test_the_environment_is_read_once_here() -> None:
    config = load_settings("/nonexistent/config.toml", environ={
        "APPROVALD_DOCTOR_WATCH": "0", "APPROVALD_SESSION_ID": " s-1 "})
    assert config.doctor_watch is False and config.session_id == "s-1"
    assert load_settings("/nonexistent/config.toml", environ={}).doctor_watch is True
