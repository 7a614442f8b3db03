"""Shell escapes: the command a program's own language runs is walked as a shell line."""

from __future__ import annotations

import pytest

from approvald.shell import DYNAMIC_NAME
from tests.support.shell import one, programs, run, show


@pytest.mark.parametrize(("line", "via"), [
    ('sqlite3 app.db ".shell rm -rf ~"', "sqlite3"),
    ('sqlite3 app.db "select 1" ".system rm -rf ~"', "sqlite3"),
    ('sqlite3 -cmd ".shell rm -rf ~" app.db', "sqlite3"),
    ('sqlite3 -separator , app.db ".shell rm -rf ~"', "sqlite3"),
    ("sqlite3 app.db <<< '.shell rm -rf ~'", "sqlite3"),
    ("sqlite3 app.db <<'EOF'\nselect 1;\n  .shell rm -rf ~\nEOF", "sqlite3"),
    ('psql -c "\\! rm -rf ~"', "psql"),
    ('psql --command="select 1 \\g |rm -rf ~"', "psql"),
    ("psql -c'\\! rm -rf ~'", "psql"),
    ('mysql -e "system rm -rf ~"', "mysql"),
    ('mariadb --execute "pager rm -rf ~"', "mariadb"),
    ('gdb -batch -ex "shell rm -rf ~"', "gdb"),
    ("gdb -batch -ex '!rm -rf ~'", "gdb"),
    ("gdb -batch -ex 'pipe bt | rm -rf ~'", "gdb"),
    ('lldb -o "platform shell rm -rf ~"', "lldb"),
])
def test_an_escape_runs_its_shell_line(line: str, via: str) -> None:
    analysis = run(line)
    rm = one(analysis, "rm")
    assert rm.args == ("-rf", "/home/u"), show(analysis)
    assert rm.via == f"{via} shell escape" and rm.depth == 1 and via in rm.wrappers


@pytest.mark.parametrize("line", [
    'sqlite3 app.db ".load ./evil"', "sqlite3 app.db \".once '|sh'\"",
    'sqlite3 app.db "$SQL"', 'psql -c "\\copy t to program \'sh\'"',
    'gdb -batch -ex "python import os"', 'gdb -ex "call system(\\"sh\\")" -p 1',
    'lldb -o "script import os"', 'lldb -o "expr (int)system(\\"sh\\")"',
])
def test_code_or_commands_that_are_not_read_are_dynamic(line: str) -> None:
    analysis = run(line)
    assert analysis.commands[0].dynamic == DYNAMIC_NAME, show(analysis)


@pytest.mark.parametrize("line", [
    'sqlite3 app.db "select * from t"', "sqlite3 app.db .tables", "sqlite3 app.db",
    'psql -c "select 1" -d app', 'mysql -e "show tables" app',
    "gdb -batch -ex run -ex bt ./a.out", "lldb -o run -o bt -- ./a.out",
    'sqlite3 app.db "select \'.shell rm -rf ~\'"',  # a string value, not a dot-command
])
def test_ordinary_use_runs_no_shell(line: str) -> None:
    analysis = run(line)
    assert "rm" not in programs(analysis) and not any(
        c.dynamic for c in analysis.commands), show(analysis)


@pytest.mark.parametrize("line", ["gdb --args rm -rf ~", "lldb -- rm -rf ~"])
def test_a_debugger_runs_its_program(line: str) -> None:
    assert one(run(line), "rm").args == ("-rf", "/home/u")
