"""`shown_args`: which echo/printf arguments only reach the terminal (no file names)."""

from __future__ import annotations

import pytest

from approvald import shell
from approvald.shell.shown import shown_args


def shown(line: str) -> dict[int, set[int]]:
    analysis = shell.analyze(line, "/repo", "/home/u")
    return {index: set(args) for index, args in shown_args(analysis, analysis.commands).items()}


@pytest.mark.parametrize(("line", "expected"), [
    ("echo approvald.db", {0: {0}}),
    ("echo -n 'a b' c", {0: {0, 1, 2}}),
    ("printf '%s\\n' client.token", {0: {0, 1}}),
    ("printf -- x", {0: {0, 1}}),
    ("echo a *.db b", {0: {0, 2}}),  # the shell expands the glob: a listing
    ("cd /tmp && echo a; echo b", {1: {0}, 2: {0}}),
    ("pwd; true && echo done || false", {2: {0}}),
    ("echo \"a b\" 'c $_ `d`'", {0: {0, 1}}),  # single quotes: text
    ("echo x >&2", {0: {0}}),
])
def test_text_only_printed(line: str, expected: dict[int, set[int]]) -> None:
    assert shown(line) == expected


@pytest.mark.parametrize("line", [
    "echo",  # nothing to show
    "echo *.db",
    "printf -v v '%s' x",
    "printf -vv x",
    "echo x | cat",
    "cat <(echo x)",
    "f=$(echo x)",
    "echo x > out",
    "nohup echo x",
    "command echo x",
    "/bin/echo x",
    "./echo x",
    "echo x; cat $f",
    "echo x; cat $_",
    "echo x; f=${_}",
    "echo x; cat ${!v}",
    "echo x; tar -cf o -T - <<< $\\\n_",
    "echo x; set",
    "echo x; declare -p _",
    "exec 3>&1; echo x",
    "enable -n echo; echo x",
    "echo x; echo $(date)",
    "echo x; bash -c 'cat y'",
    "echo x; cat out > copy",
    "echo 'x",  # a syntax error
    # only a few builtins may stand beside the printer: anything else could read it back
    "git status; echo done",
    "echo x; let _",
    "echo x; (( _ ))",
    "echo x; [[ _ -eq 0 ]]",
    "echo x; a[_]=1",
    "shopt -os history histexpand\necho x\ncat !$",
    "source ./lib.sh; echo x",
    "echo x; tar -cf o -T /dev/stdout",
    "echo x; \\exec true",
    "echo x & wait",
    # and only plain words and quotes: no expansion, comment or continued line
    'echo "$x"',
    'echo "x!"',
    "echo x # it's\n(( _ ))\n# '",
    "echo x \\\ny",
    "echo {a,b}",
])
def test_text_that_could_be_taken_back(line: str) -> None:
    assert shown(line) == {}
