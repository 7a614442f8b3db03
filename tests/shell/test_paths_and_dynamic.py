"""Working directory tracking, redirections, dynamic parts, literal text."""

from __future__ import annotations

import pytest

from approvald.shell import DYNAMIC_ARGS, DYNAMIC_NAME, Redirect
from tests.support.shell import one, programs, run, show

# line -> cwd of the `git push` in it
CWD_CASES = [
    ("cd sub && git push", "/repo/sub"),
    ("cd sub; git push", "/repo/sub"),
    ("cd sub || exit; git push", "/repo/sub"),
    ("cd /srv/app && cd ../other && git push", "/srv/other"),
    ("cd ~/code && git push", "/home/u/code"),
    ("cd && git push", "/home/u"),
    ("cd -- sub && git push", "/repo/sub"),
    ("cd -P sub && git push", "/repo/sub"),
    ("cd a && cd b && cd - && git push", "/repo/a"),
    ("pushd sub && git push", "/repo/sub"),
    ("pushd a && pushd b && popd && git push", "/repo/a"),
    ("(cd sub && true); git push", "/repo"),
    ("(cd sub; git push)", "/repo/sub"),
    ("{ cd sub; }; git push", "/repo/sub"),
    ("bash -c 'cd sub' && git push", "/repo"),
    ("bash -c 'cd sub && git push'", "/repo/sub"),
    ("eval cd sub; git push", "/repo/sub"),
    ("cd sub | true; git push", "/repo"),
    ("echo $(cd sub) && git push", "/repo"),
    ("builtin cd sub && git push", "/repo/sub"),
    ("sudo cd sub && git push", "/repo"),
    ("cd sub && git -C ../other push", "/repo/other"),
    ("cd sub && env -C /x git push", "/x"),
    ("f() { cd sub; }; git push", "/repo"),
    ("if true; then cd sub; fi; git push", "/repo/sub"),
]


@pytest.mark.parametrize(("line", "cwd"), CWD_CASES)
def test_cd_changes_later_commands(line: str, cwd: str) -> None:
    analysis = run(line)
    assert one(analysis, "git", "push").cwd == cwd, show(analysis)


def test_cd_to_variable_keeps_cwd_and_says_so() -> None:
    analysis = run("cd $DIR && git push")
    assert one(analysis, "git").cwd == "/repo"
    assert any("cd $DIR" in sentence for sentence in analysis.dynamic)


def test_cd_dash_without_history_is_unknown() -> None:
    analysis = run("cd - && ls")
    assert one(analysis, "ls").cwd == "/repo"
    assert analysis.dynamic


def test_cwd_is_normalized() -> None:
    assert one(run("ls", cwd="/repo/./a/../b/"), "ls").cwd == "/repo/b"


# line -> (program carrying the redirects, redirects)
REDIRECTS = [
    ("echo hi > out.txt", "echo", [Redirect("/repo/out.txt", "write")]),
    ("echo hi >> log", "echo", [Redirect("/repo/log", "write")]),
    ("make 2> err.log", "make", [Redirect("/repo/err.log", "write")]),
    ("make &> all.log", "make", [Redirect("/repo/all.log", "write")]),
    ("make &>> all.log", "make", [Redirect("/repo/all.log", "write")]),
    ("make >| forced", "make", [Redirect("/repo/forced", "write")]),
    ("make >& both", "make", [Redirect("/repo/both", "write")]),
    ("wc -l < in.txt", "wc", [Redirect("/repo/in.txt", "read")]),
    ("cat 0< in.txt", "cat", [Redirect("/repo/in.txt", "read")]),
    ("cat < ~/.aws/credentials", "cat", [Redirect("/home/u/.aws/credentials", "read")]),
    ("cat < /etc/../etc/passwd", "cat", [Redirect("/etc/passwd", "read")]),
    ("make > /dev/null 2>&1", "make", []),
    ("make 2>/dev/stderr >/dev/stdout 3>&- 4<&0", "make", []),
    ("> out", None, []),
    ("cd sub && make > out", "make", [Redirect("/repo/sub/out", "write")]),
    ("a && b | tee out > result; c", "tee", [Redirect("/repo/result", "write")]),
    ("while read l; do echo $l; done < list.txt", "echo", [Redirect("/repo/list.txt", "read")]),
    ("cat <<EOF > notes.md\nhi\nEOF", "cat", [Redirect("/repo/notes.md", "write")]),
    ("sort < in > out", "sort", [Redirect("/repo/in", "read"), Redirect("/repo/out", "write")]),
]


@pytest.mark.parametrize(("line", "program", "expected"), REDIRECTS)
def test_redirects(line: str, program: str | None, expected: list[Redirect]) -> None:
    analysis = run(line)
    if program is not None:
        assert list(one(analysis, program).redirects) == expected, show(analysis)
    reads = [r.path for r in expected if r.mode == "read"]
    writes = [r.path for r in expected if r.mode == "write"]
    if program is None:
        writes = ["/repo/out"]
    assert list(analysis.reads) == reads
    assert list(analysis.writes) == writes


def test_words_after_a_redirect_are_arguments() -> None:
    # tree-sitter hangs `push` on the redirect; bash passes it to git.
    assert one(run("git 2>/dev/null push"), "git").args == ("push",)
    assert one(run("a && git >/dev/null push origin"), "git").args == ("push", "origin")
    assert one(run("sudo >/dev/null git push"), "git").args == ("push",)
    assert one(run("echo > f hi there"), "echo").args == ("hi", "there")


def test_dynamic_redirect_target_is_reported() -> None:
    analysis = run('make > "$LOG"')
    assert one(analysis, "make").redirects == ()
    assert analysis.dynamic and not analysis.writes


def test_heredoc_and_herestring_are_not_files() -> None:
    analysis = run("cat <<< hello; cat <<EOF\nx\nEOF")
    assert analysis.reads == () and analysis.writes == ()


# line -> (program, dynamic, dynamic_args)
DYNAMIC = [
    ("$GIT push", "$GIT", DYNAMIC_NAME, frozenset()),
    # (what a variable's default can make it is what it names: git when GIT is unset)
    ("${GIT:-git} push", "git", DYNAMIC_NAME, frozenset()),
    ('"$(which git)" push', "$(which git)", DYNAMIC_NAME, frozenset()),
    ("`which git` push", "`which git`", DYNAMIC_NAME, frozenset()),
    ("/usr/bin/g* push", "/usr/bin/g*", DYNAMIC_NAME, frozenset()),
    ("git $SUB", "git", DYNAMIC_ARGS, frozenset({0})),
    ('git push origin "$BRANCH"', "git", DYNAMIC_ARGS, frozenset({2})),
    ("git push origin $(git branch --show-current)", "git", DYNAMIC_ARGS, frozenset({2})),
    ("terraform $ACTION -auto-approve", "terraform", DYNAMIC_ARGS, frozenset({0})),
    ("kubectl delete pod ${POD}", "kubectl", DYNAMIC_ARGS, frozenset({2})),
    ("rm -rf $DIR/", "rm", DYNAMIC_ARGS, frozenset({1})),
    ("mkfs.ext4 $DEV", "mkfs.ext4", DYNAMIC_ARGS, frozenset({0})),
    ("ls $DIR", "ls", None, frozenset({0})),
    ("echo $((1 + 2))", "echo", None, frozenset({0})),
]


@pytest.mark.parametrize(("line", "program", "dynamic", "dynamic_args"), DYNAMIC)
def test_dynamic(line: str, program: str, dynamic: str | None,
                 dynamic_args: frozenset[int]) -> None:
    analysis = run(line)
    command = next(c for c in analysis.commands if c.program == program and c.depth == 0)
    assert command.dynamic == dynamic, show(analysis)
    assert command.dynamic_args == dynamic_args
    assert bool(analysis.dynamic) == (dynamic is not None)


def test_home_unknown_makes_home_dynamic() -> None:
    command = one(run("git -C $HOME/x push", home=None), "git")
    assert command.dynamic == DYNAMIC_ARGS
    command = one(run("git -C $HOME/x push"), "git")
    assert command.dynamic is None and command.cwd == "/home/u/x"


# Literal text is not a command: exactly these programs, nothing else.
BENIGN = [
    ('echo "git push"', ["echo"]),
    ("echo 'terraform apply' && printf '%s\\n' 'kubectl delete ns prod'", ["echo", "printf"]),
    ("grep -r 'terraform apply' docs/", ["grep"]),
    ('git commit -m "fix git push"', ["git"]),
    ("rg -n 'bash -c \"git push\"' .", ["rg"]),
    ("cat <<'EOF' > doc.md\ngit push\n$(rm -rf /)\nEOF", ["cat"]),
    ("echo 'eval git push; sudo rm -rf /'", ["echo"]),
    ("python -c 'import os; print(\"os.system(ls)\")'", ["python"]),
    ("jq '.[] | select(.x)' f.json", ["jq"]),
    ("awk '{print $1}' f | sort -u", ["awk", "sort"]),
    ("# git push", []),
    ("echo '$(git push)' \"\\$(git push)\" \\$\\(git push\\)", ["echo"]),
    ("git log --format='%H %s' -- 'a b.txt'", ["git"]),
]


@pytest.mark.parametrize(("line", "expected"), BENIGN)
def test_literal_text_is_not_a_command(line: str, expected: list[str]) -> None:
    analysis = run(line)
    assert programs(analysis) == expected, show(analysis)
    assert not analysis.dynamic
    assert all(c.dynamic is None for c in analysis.commands)


def test_single_quoted_substitution_stays_text() -> None:
    command = one(run("echo '$(git push)' \"\\$(git push)\""), "echo")
    assert command.args == ("$(git push)", "$(git push)")
    assert command.dynamic_args == frozenset()
