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


@pytest.mark.parametrize(("line", "via"), [
    ('sqlite3 app.db ".sh rm -rf ~"', "sqlite3"),  # dot-commands are taken by any prefix
    ('sqlite3 app.db ".sys rm -rf ~"', "sqlite3"),
    ("psql -Xc '\\! rm -rf ~'", "psql"),  # short options bundle
    ("psql -Atc '\\! rm -rf ~'", "psql"),
    ("psql --comm='\\! rm -rf ~'", "psql"),  # long options are taken by any unique prefix
    ("psql -c 'select 1 \\g (format=csv) |rm -rf ~'", "psql"),
    ("mysql -BNe 'system rm -rf ~'", "mysql"),
    ("mysql --exec='system rm -rf ~'", "mysql"),
    ("mysql -e 'SYSTEM rm -rf ~'", "mysql"),  # the long form is not case-sensitive
    ("mysql -e 'select 1; system rm -rf ~'", "mysql"),
    ("mysql -e 'select 1\\! rm -rf ~'", "mysql"),  # the short form is taken anywhere
    ("mysql --pager='rm -rf ~' -e 'select 1'", "mysql"),
    ("mysql --pag='rm -rf ~' -e 'select 1'", "mysql"),
    ("gdb -batch -ex 'she rm -rf ~'", "gdb"),  # commands are taken by any unique prefix
    ("gdb -batch -eval='shell rm -rf ~'", "gdb"),
    ("gdb -batch -ex 'target remote | rm -rf ~'", "gdb"),
    ("gdb -batch -ex 'tar ext |rm -rf ~'", "gdb"),
    ("lldb -o 'platform sh rm -rf ~'", "lldb"),
    ("lldb -o 'pla sh rm -rf ~'", "lldb"),
    ("lldb -bo 'platform shell rm -rf ~'", "lldb"),
    ("gdb-multiarch -batch -ex 'shell rm -rf ~'", "gdb-multiarch"),
    ("arm-none-eabi-gdb -batch -ex 'shell rm -rf ~'", "arm-none-eabi-gdb"),
    ("lldb-15 -o 'platform shell rm -rf ~'", "lldb-15"),
])
def test_an_escape_is_found_however_it_is_spelt(line: str, via: str) -> None:
    test_an_escape_runs_its_shell_line(line, via)


@pytest.mark.parametrize("line", [
    "psql -c \"COPY (select 1) TO PROGRAM 'rm -rf ~'\"",  # the server runs it
    "psql -c \"copy t from program 'sh'\"",
    "psql -c '\\setenv PAGER sh'",
    "sqlite3 app.db <<'EOF'\n.shell 'echo $(rm -rf ~)'\nEOF",  # sqlite3 requotes it in \"...\"
    "sqlite3 app.db '.shell \"\\162m\" -rf ~'",  # and resolves backslash escapes
    "gdb -batch -ex 'pyt import os'", "gdb -batch -ex 'eval \"shell rm -rf ~\"'",
    "gdb -batch -ex 'set $x = $_shell(\"rm -rf ~\")'",
    "gdb -batch -ex 'alias x = shell' -ex 'x rm -rf ~'",
    "gdb -batch -ex 'run -c \"rm -rf ~\"' /bin/sh",  # run's arguments go through a shell
    "gdb -batch -ex 'set args -c \"rm -rf ~\"' -ex r /bin/sh",
    "gdb -batch -ex 'break main if system(\"sh\")' ./a.out",
    "lldb -o 'process launch -- -rf ~' /bin/rm", "lldb -o 'r -rf ~' /bin/rm",
    "lldb -o 'scr import os'", "lldb -o 'command alias x platform shell'",
    "lldb -o 'platform shell -t 5 -- rm -rf ~'",  # its options are not walked
])
def test_other_code_or_commands_are_dynamic(line: str) -> None:
    test_code_or_commands_that_are_not_read_are_dynamic(line)


@pytest.mark.parametrize("line", [
    "psql -Atc 'select 1' app", "psql -d app -c 'select count(*) from t'",
    "mysql -uroot -BNe 'show databases'", "mysql -psecret -e 'select 1' app",
    "gdb -batch -ex 'p sizeof(int)' ./a.out", "gdb -batch -ex 'bt full' -p 42",
    "gdb -batch -ex 'info shared' ./a.out", "lldb -b -o run -o 'bt all' -- ./a.out",
    "sqlite3 app.db '.schema t'", "sqlite3 -separator , -header app.db 'select 1'",
])
def test_everyday_use_stays_plain(line: str) -> None:
    test_ordinary_use_runs_no_shell(line)


@pytest.mark.parametrize(("line", "dynamic"), [
    # Long texts are judged as short ones (the patterns do not backtrack over long words; before,
    # 100,000 characters held the analysis for minutes)
    ("gdb -batch -ex 'p " + "x" * 20000 + "' ./a.out", False),
    ("gdb -batch -ex 'p " + "x" * 20000 + " + f(1)' ./a.out", True),
    ("psql -c '" + "copy t to stdout; " * 2000 + "'", False),
    ("psql -c \"" + "copy t to stdout; " * 2000 + "copy t to program 'sh'\"", True),
], ids=["gdb-word", "gdb-call", "psql-copies", "psql-program"])
def test_long_texts(line: str, dynamic: bool) -> None:
    assert (run(line).commands[0].dynamic == DYNAMIC_NAME) is dynamic
