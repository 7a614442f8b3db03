"""The credential commands' argument handling, in process (no daemon, no keyring needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from approvald.cli import exec_cmd, lease_cmd, secrets_cmd


@pytest.mark.parametrize(("argv", "message"), [
    (["--lease", "ls_a", "--env", "X"], "give the command after `--`"),
    (["--", "true"], "at least one --lease"),
    (["--lease", "ls_a", "--lease", "ls_b", "--env", "X", "--", "true"], "one --env VAR"),
    (["--lease", "ls_a", "--env", "1BAD", "--", "true"], "invalid environment variable"),
    (["--lease", "a", "--env", "X", "--lease", "b", "--env", "X", "--", "true"], "once"),
])
def test_exec_usage_errors_exit_2(approvald_home: Path, capsys: pytest.CaptureFixture[str],
                                  argv: list[str], message: str) -> None:
    assert exec_cmd.main(argv) == 2
    assert message in capsys.readouterr().err


def test_exec_without_daemon_exits_1_before_running(approvald_home: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    code = exec_cmd.main(["--lease", "ls_x", "--env", "X", "--", "touch", str(marker)])
    assert code == 1
    assert capsys.readouterr().err.strip() == "approvald exec: no daemon: start `approvald daemon`"
    assert not marker.exists()


def test_session_id_from_environment() -> None:
    assert exec_cmd.session_id({"APPROVALD_SESSION_ID": "a", "CLAUDE_SESSION_ID": "b"}) == "a"
    assert exec_cmd.session_id({"CLAUDE_SESSION_ID": "b"}) == "b"
    assert exec_cmd.session_id({"APPROVALD_SESSION_ID": "  "}) is None


def test_lease_needs_a_daemon_and_a_duration(approvald_home: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        lease_cmd.main(["GH", "--ttl", "soon"])
    assert excinfo.value.code == 2
    assert lease_cmd.main(["GH", "--ttl", "5"]) == 1
    assert "no daemon" in capsys.readouterr().err
    assert lease_cmd.main(["GH"]) == 1  # no --ttl: the default (lease_ttl_s), still no daemon


def test_lease_list_and_revoke_offline(approvald_home: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert lease_cmd.main(["list"]) == 0
    assert "no active leases" in capsys.readouterr().out
    assert lease_cmd.main(["revoke", "ls_nope"]) == 1
    assert "unknown lease ls_nope" in capsys.readouterr().err


def test_secrets_bad_name_exit_2(approvald_home: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert secrets_cmd.main(["set", "../etc"]) == 2
    assert "invalid secret name" in capsys.readouterr().err


def test_read_value_drops_one_trailing_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    for given, expected in (("v\n", "v"), ("v\r\n", "v"), ("v\n\n", "v\n"), ("v", "v")):
        monkeypatch.setattr("sys.stdin", io.StringIO(given))
        assert secrets_cmd.read_value("X") == expected
