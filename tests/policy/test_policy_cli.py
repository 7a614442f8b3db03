"""`approvald policy test|explain|check` end to end through the real CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def run(exe: list[str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*exe, "policy", *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def read(path: str) -> dict:
    return {"session_id": "s", "cwd": "/home/dev/app", "hook_event_name": "PreToolUse",
            "tool_name": "Read", "tool_input": {"file_path": path}, "tool_use_id": "t"}


def test_single_document(approvald_home, approvald_exe) -> None:
    result = run(approvald_exe, "test", "--from", "claude-code", "--json",
                 stdin=json.dumps(read(".env")))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["decision"] == "DENY"
    assert out["rules"] == ["secrets-read-tool"]
    assert out["fingerprint"].startswith("sha256:") and len(out["fingerprint"]) == 71
    assert out["policy_hash"].startswith("sha256:")
    assert out["reason"]


def test_jsonl_keeps_order_and_says_which_line_is_bad(approvald_home, approvald_exe) -> None:
    lines = [json.dumps(read("a.py")), json.dumps(read(".env")), "{not json", "",
             json.dumps({"tool_name": "Read"}), json.dumps(read("~/.aws/credentials"))]
    result = run(approvald_exe, "test", "--from", "claude-code", "--jsonl",
                 stdin="\n".join(lines) + "\n")
    assert result.returncode == 2
    outs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["decision"] for o in outs] == ["ALLOW", "DENY", None, None, "DENY"]
    assert outs[2]["line"] == 3 and outs[3]["line"] == 5
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("approvald: line 3: invalid JSON")
    assert errors[1] == "approvald: line 5: Read tool_input needs a string 'file_path'"


@pytest.mark.parametrize("stdin", ["", "[1, 2", "42"])
def test_unusable_input_exits_2_with_one_line(approvald_home, approvald_exe, stdin) -> None:
    result = run(approvald_exe, "test", stdin=stdin)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "line 1" in result.stderr


def test_policy_files_and_broken_yaml(approvald_home, approvald_exe, tmp_path: Path) -> None:
    good = tmp_path / "p.yaml"
    good.write_text("rules:\n  - id: no-docs\n    decision: DENY\n    reason: Frozen.\n"
                    "    match: {path: 'docs/**'}\n")
    action = {"kind": "fs.read", "cwd": "/w", "input": {"path": "docs/a.md"}}
    result = run(approvald_exe, "test", "--policy", str(good), "--json",
                 stdin=json.dumps(action))
    assert json.loads(result.stdout)["rules"] == ["no-docs"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    decision: NOPE\n    reason: r.\n    match: {path: a}\n")
    result = run(approvald_exe, "test", "--policy", str(bad), stdin=json.dumps(action))
    assert result.returncode == 2
    assert f"{bad}:3 (x.decision)" in result.stderr
    check = subprocess.run([*approvald_exe, "policy", "check", str(bad)], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 1 and "must be one of" in check.stderr


def test_check_refuses_a_glob_class_the_regex_engine_cannot_read(
        tmp_path: Path, approvald_home, approvald_exe) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text("rules:\n  - id: odd\n    decision: DENY\n    reason: r.\n"
                   "    match: {program: '[z-a]x'}\n")
    check = subprocess.run([*approvald_exe, "policy", "check", str(odd)], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 1
    assert f"{odd}:5 (odd.match.program): bad character class" in check.stderr


def test_explain_prints_the_path_to_the_decision(approvald_home, approvald_exe) -> None:
    result = run(approvald_exe, "explain", "--from", "claude-code", stdin=json.dumps(read(".env")))
    assert result.returncode == 0
    assert "secrets-read-tool -> DENY" in result.stdout
    assert "Decision    DENY" in result.stdout
    assert "Fingerprint sha256:" in result.stdout


def test_unusable_agent_payload_is_refused(approvald_home, approvald_exe) -> None:
    result = run(approvald_exe, "test", "--from", "cursor", stdin="{}")
    assert result.returncode == 2
    assert "Cursor hook event" in result.stderr and result.stderr.count("\n") == 1
    result = run(approvald_exe, "test", "--from", "windsurf", stdin="{}")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_c_takes_a_shell_line_without_json(approvald_home, approvald_exe, tmp_path) -> None:
    (tmp_path / "infra").mkdir()
    result = run(approvald_exe, "test", "-c", "cd infra && terraform apply", "--cwd",
                 str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["decision"] == "REQUIRE_APPROVAL" and out["rules"] == ["terraform-mutate"]
    explained = run(approvald_exe, "explain", "-c", "git push origin feature/login", "--cwd",
                    str(tmp_path))
    assert explained.returncode == 0, explained.stderr
    assert "git-push -> REQUIRE_APPROVAL (starter layer" in explained.stdout
    assert "would allow git push origin feature/* in" in explained.stdout
    here = subprocess.run([*approvald_exe, "policy", "test", "-c", "ls"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert json.loads(here.stdout)["decision"] == "ALLOW"
    for bad in (["test", "-c", "ls", "--cwd", str(tmp_path / "nope")],
                ["test", "--cwd", str(tmp_path)], ["test", "-c", "ls", "--jsonl"]):
        refused = run(approvald_exe, *bad)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, bad


def test_check_reports_every_problem_at_once(approvald_home, approvald_exe, tmp_path) -> None:
    policies = approvald_home / "policies"
    policies.mkdir()
    (policies / "mine.yaml").write_text(
        "disable:\n  - git-psuh\nrules:\n"
        "  - {id: a, decision: MAYBE, reason: x, match: {program: x}}\n"
        "  - {id: b, decision: ALLOW, reason: y, overrides: [nope], match: {program: '[x'}}\n"
        "  - {id: git-push, decision: DENY, reason: z, match: {program: git}}\n")
    (policies / "other.yaml").write_text("rules:\n  - id: c\n    decision: DENY\n")
    (approvald_home / "config.toml").write_text("no_such_key = 1\n")
    project = tmp_path / "shop"
    (project / ".git").mkdir(parents=True)
    (project / ".approvald").mkdir()
    (project / ".approvald" / "policy.yaml").write_text("rules:\n  - id: d\n    decision: X\n")
    result = subprocess.run([*approvald_exe, "policy", "check", "--json"], cwd=project,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    found = {(Path(p["file"]).name, p["line"], p["field"])
             for p in json.loads(result.stdout)["problems"]}
    assert found >= {
        ("config.toml", 1, "no_such_key"),
        ("mine.yaml", 2, "disable"),  # the typo under disable:
        ("mine.yaml", 4, "a.decision"),
        ("mine.yaml", 5, "b.overrides"),
        ("mine.yaml", 5, "b.match.program"),
        ("mine.yaml", 6, "id"),  # git-push is a starter rule's id
        ("other.yaml", 2, "rules[0].reason"),
        ("policy.yaml", 2, "rules[0].reason"),  # the project's own file
    }, found
    human = subprocess.run([*approvald_exe, "policy", "check"], cwd=project,
                           capture_output=True, text=True, timeout=60)
    assert human.returncode == 1 and human.stderr.count("error: ") == len(found)


def test_check_reports_every_problem_of_one_rule(approvald_home, approvald_exe,
                                                 tmp_path: Path) -> None:
    policy = tmp_path / "many.yaml"
    policy.write_text(
        "rules:\n"
        "  - id: Bad_Id\n"            # 2
        "    decision: MAYBE\n"       # 3
        "    reason: ''\n"            # 4
        "    risk: extreme\n"         # 5
        "    match:\n"                # 6
        "      program: '[z-a]'\n"    # 7: a glob problem, found only by compiling
        "      bogus_key: 1\n"        # 8
        "      args_exact: 3\n"       # 9
        "      any_of:\n"             # 10
        "        - {any_arg: '[q-p]', dynamic: sometimes}\n"  # 11
        "        - {url_ip: 999.1.1.1}\n"                     # 12
        "  - {id: fine, decision: DENY, reason: r., match: {path_arg: '/x/[b-a]', "
        "read_arg: '[y-x]'}}\n")   # 13
    result = subprocess.run([*approvald_exe, "policy", "check", "--json", str(policy)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    found = sorted((p["line"], p["field"]) for p in json.loads(result.stdout)["problems"])
    assert found == [
        (2, "rules[0].id"), (3, "rules[0].decision"), (4, "rules[0].reason"),
        (5, "rules[0].risk"), (7, "rules[0].match.program"), (8, "rules[0].match.bogus_key"),
        (9, "rules[0].match.args_exact"), (11, "rules[0].match.any_arg"),
        (11, "rules[0].match.any_of[0].dynamic"), (12, "rules[0].match.url_ip"),
        (13, "fine.match.path_arg"), (13, "fine.match.read_arg")], found


def test_init_writes_a_policy_that_checks(approvald_home, approvald_exe) -> None:
    made = run(approvald_exe, "init")
    assert made.returncode == 0 and "my-rules.yaml" in made.stdout
    text = (approvald_home / "policies" / "my-rules.yaml").read_text()
    assert "overrides:" in text and "risk: high" in text
    assert run(approvald_exe, "check").returncode == 0
    again = run(approvald_exe, "init")
    assert again.returncode == 1 and "--force" in again.stderr
    assert run(approvald_exe, "init", "--force").returncode == 0


def decided(exe: list[str], line: str, cwd: str = "/tmp") -> tuple[str, list[str]]:
    """(decision, rules) of `policy test -c LINE`."""
    result = run(exe, "test", "-c", line, "--cwd", cwd)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    return out["decision"], out["rules"]


@pytest.mark.parametrize("line", ["julia -e 'run(`rm -rf /`)'",
                                  "guile -c '(system \"rm -rf /\")'"])
def test_code_no_scanner_reads_is_for_a_person(approvald_home, approvald_exe, line) -> None:
    assert decided(approvald_exe, line) == ("REQUIRE_APPROVAL", ["dynamic-command"])


@pytest.mark.parametrize("line", ["find ~ | xargs cat", "find ~ | parallel cat",
                                  "fd . ~ -x cat"])
def test_a_finders_whole_home_listing_is_not_read(approvald_home, approvald_exe, line) -> None:
    assert decided(approvald_exe, line) == ("DENY", ["secrets-whole-home"])


@pytest.mark.parametrize(("line", "rule"), [
    ('sqlite3 app.db ".shell rm -rf ~"', "wipe-rm-root"),
    ("psql -c '\\! cat ~/.ssh/id_rsa'", "secrets-read-command"),
    ('gdb -batch -ex "shell rm -rf /"', "wipe-rm-root"), ("gdb --args rm -rf /", "wipe-rm-root"),
])
def test_a_programs_shell_escape_is_judged_as_a_shell_line(approvald_home, approvald_exe, line,
                                                           rule) -> None:
    assert decided(approvald_exe, line) == ("DENY", [rule])


@pytest.mark.parametrize(("line", "rule"), [
    ("bun x rimraf ~", "wipe-rm-root"), ("deno run -A npm:rimraf ~", "wipe-rm-root"),
    ("stack exec -- rm -rf ~", "wipe-rm-root"), ("deno task wipe", "wipe-rm-root"),
    ("cd web/src && npm run wipe", "wipe-rm-root"),
])
def test_runners_and_project_tasks_are_judged_by_what_they_run(approvald_home, approvald_exe,
                                                               tmp_path, line, rule) -> None:
    (tmp_path / "web" / "src").mkdir(parents=True)
    (tmp_path / "web" / "package.json").write_text('{"scripts": {"wipe": "rm -rf ~"}}')
    (tmp_path / "deno.jsonc").write_text('{"tasks": {"wipe": "rm -rf ~",}, // JSONC\n}')
    assert decided(approvald_exe, line, str(tmp_path)) == ("DENY", [rule])


def test_a_printed_name_is_text_and_a_read_of_it_is_denied(approvald_home, approvald_exe) -> None:
    assert decided(approvald_exe, "echo 'backed up approvald.db'") == ("ALLOW", [])
    assert decided(approvald_exe, "echo approvald.db | xargs cat") == ("DENY", ["self.state"])
    assert decided(approvald_exe, "cat approvald.db") == ("DENY", ["self.state"])
