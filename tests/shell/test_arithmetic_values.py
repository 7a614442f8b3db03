"""Arithmetic that evaluates a variable's value: a subscript in the value runs its substitutions
(`x='a[$(rm -rf ~)]'; (( x ))` runs rm), so what they run is reported as nested commands; so
does a name with a subscript that a builtin resolves (`read 'a[$(rm -rf ~)]'`, `${!x}`)."""

from __future__ import annotations

import pytest

from approvald.shell import DYNAMIC_NAME
from tests.support.shell import HOME, programs, run

VALUE = "x='a[$(rm -rf ~)]'; "


@pytest.mark.parametrize("line", [
    VALUE + "(( x ))", VALUE + "(( $x + 1 ))", VALUE + "let x", VALUE + 'let "y = x + 1"',
    VALUE + "[[ x -eq 1 ]]", VALUE + "[[ 1 -ne $x ]]", VALUE + '[[ "$x" -ge 1 ]]',
    VALUE + "echo $((x))", VALUE + "echo $[x]", VALUE + "a[x]=1", VALUE + "echo ${a[x]}",
    VALUE + "echo ${s:x:1}", VALUE + "echo ${s:0:x}", VALUE + "declare -i n; n=x",
    VALUE + "declare -i n=x", VALUE + "local -i n; n+=x",
    VALUE + "for ((i=x; i<3; i++)); do :; done", VALUE + "[[ -v a[x] ]]",
    VALUE + "y='x * 2'; (( y ))", VALUE + "y=x; echo $((y))",
    "echo 'a[$(rm -rf ~)]'; (( _ ))", "x='a[`rm -rf ~`]'; (( x ))",
    "let 'a[$(rm -rf ~)]'", "[[ 'a[$(rm -rf ~)]' -eq 1 ]]", "(( a[$(rm -rf ~)] ))",
    "f() { (( $1 > 0 )); }; f 'a[$(rm -rf ~)]'",
])
def test_a_value_evaluated_as_arithmetic_runs_its_substitutions(line: str) -> None:
    analysis = run(line)
    rm = [cmd for cmd in analysis.commands if cmd.program == "rm"]
    assert rm and rm[0].args == ("-rf", HOME) and rm[0].depth >= 1


@pytest.mark.parametrize("line", [
    "x='a[$(rm -rf ~)]'; echo \"$x\"", "x='a[$(rm -rf ~)]'; [[ $x == a* ]]",
    "x='a[$(rm -rf ~)]'; [ \"$x\" -eq 1 ]", "x='a[$(rm -rf ~)]'; (( y ))",
    "x='a[$(rm -rf ~)]'; echo ${x:-none}",
])
def test_a_value_not_evaluated_as_arithmetic_runs_nothing(line: str) -> None:
    assert "rm" not in programs(run(line))


@pytest.mark.parametrize("line", [
    "n=$(cat count.txt); (( n > 3 ))", "read n < count.txt; echo $((n + 1))",
    "n=$(curl -s https://e.example/n); [[ $n -gt 1 ]]", "(( $(cat count.txt) > 1 ))",
    "n=$(date +'a[$(id)]'); (( n ))",
    # counters that print a file's name beside its count (a file named `a[$(cmd)]` runs cmd)
    "x=$(wc -l *); (( x ))", "x=$(wc -l a b); (( x ))", "x=$(grep -c foo *); (( x ))",
    "x=$(grep -rc foo .); (( x ))", "x=$(du -s *); (( x ))",
    "x=$(wc -l --files0-from=list); (( x ))",
    # a value that only starts and ends as arithmetic
    'x="$((1)) $(cat f) $((2))"; (( x ))', 'x="$[1] $(cat f) $[2]"; (( x ))',
])
def test_a_run_time_value_evaluated_as_arithmetic_is_dynamic(line: str) -> None:
    assert any(cmd.dynamic == DYNAMIC_NAME for cmd in run(line).commands)


@pytest.mark.parametrize("line", [
    "(( i++ ))", "for ((i=0; i<n; i++)); do echo $i; done", "n=3; echo $((n+1))",
    "n=$(wc -l < f); (( n > 3 ))", "n=$(grep -c foo f); [[ $n -gt 0 ]]",
    "n=0; n=$((n+1)); (( n < 3 ))", "n=$COUNT; (( n < 3 ))", "n=${#s}; (( n ))",
    "for i in $(seq 1 5); do echo $((i * 2)); done", "x=hello; echo ${x:1:2} ${x:-d}",
    "echo $(( $(date +%s) - $(stat -c %Y f) ))", "n=$(git rev-list --count HEAD); (( n ))",
    "echo hi; (( _ ))", "a=(1 2 3); echo ${a[1]} ${#a[@]}",
    "n=$(wc -l f); (( n ))", "n=$(cat f | wc -l); (( n ))", "n=$(grep -c foo < f); (( n ))",
])
def test_ordinary_arithmetic_stays_plain(line: str) -> None:
    assert not any(cmd.dynamic == DYNAMIC_NAME for cmd in run(line).commands)


@pytest.mark.parametrize("line", [
    VALUE + "echo ${!x}", VALUE + "printf -v 'a[x]' %s 1", VALUE + 'test -v "$x"',
    VALUE + '[ -v "$x" ]', VALUE + "declare -n r=$x", VALUE + 'unset "$x"',
    "read 'a[$(rm -rf ~)]' <<< 1", "mapfile -t 'a[$(rm -rf ~)]' < f",
])
def test_a_name_with_a_subscript_that_a_builtin_resolves_runs_its_substitutions(
        line: str) -> None:
    rm = [cmd for cmd in run(line).commands if cmd.program == "rm"]
    assert rm and rm[0].args == ("-rf", HOME)


@pytest.mark.parametrize("line", [
    "read -r line < f; echo $line", "printf -v out '%s' x", "[ -v HOME ] && echo y",
    'test -f "a[1]"', "x=HOME; echo ${!x} ${!x:-d}", "unset a[1]",
])
def test_ordinary_names_given_to_builtins_stay_plain(line: str) -> None:
    analysis = run(line)
    assert "rm" not in programs(analysis)
    assert not any(cmd.dynamic == DYNAMIC_NAME for cmd in analysis.commands)
