"""Wrappers peeled, quote removal, program global options."""

from __future__ import annotations

import pwd

import pytest

from approvald.shell import DYNAMIC_ARGS, DYNAMIC_NAME
from tests.support.shell import CWD, HOME, has_git_push, one, programs, run, show

# line -> (wrappers, args of the git command, assignments)
WRAPPED = [
    ("sudo git push", ("sudo",), ("push",), ()),
    ("sudo -u deploy -E -- git push", ("sudo",), ("push",), ()),
    ("sudo -uroot -H -i git push", ("sudo",), ("push",), ()),
    ("sudo --user=root --preserve-env=PATH git push", ("sudo",), ("push",), ()),
    ("sudo FOO=1 git push", ("sudo",), ("push",), ("FOO=1",)),
    ("doas -u root git push", ("doas",), ("push",), ()),
    ("env git push", ("env",), ("push",), ()),
    ("env -i -u HOME X=1 Y=2 git push", ("env",), ("push",), ("X=1", "Y=2")),
    ("env - PATH=/bin git push", ("env",), ("push",), ("PATH=/bin",)),
    ("env -S 'git push'", ("env",), ("push",), ()),
    ("env --split-string='X=1 git' push", ("env",), ("push",), ("X=1",)),
    ("command git push", ("command",), ("push",), ()),
    ("command -p git push", ("command",), ("push",), ()),
    ("builtin git push", ("builtin",), ("push",), ()),
    ("nice git push", ("nice",), ("push",), ()),
    ("nice -n 10 git push", ("nice",), ("push",), ()),
    ("nice -10 git push", ("nice",), ("push",), ()),
    ("nice --adjustment=5 git push", ("nice",), ("push",), ()),
    ("ionice -c 2 -n 7 git push", ("ionice",), ("push",), ()),
    ("ionice -c3 git push", ("ionice",), ("push",), ()),
    ("nohup git push", ("nohup",), ("push",), ()),
    ("time git push", ("time",), ("push",), ()),
    ("time -p git push", ("time",), ("push",), ()),
    ("timeout 5 git push", ("timeout",), ("push",), ()),
    ("timeout -s KILL -k 2 10s git push", ("timeout",), ("push",), ()),
    ("timeout --signal=TERM --preserve-status 1m git push", ("timeout",), ("push",), ()),
    ("stdbuf -oL git push", ("stdbuf",), ("push",), ()),
    ("stdbuf -o L -e 0 git push", ("stdbuf",), ("push",), ()),
    ("watch -x git push", ("watch",), ("push",), ()),
    ("exec -a name git push", ("exec",), ("push",), ()),
    ("setsid git push", ("setsid",), ("push",), ()),
    ("busybox env git push", ("busybox", "env"), ("push",), ()),
    ("FOO=1 BAR=x git push", (), ("push",), ("FOO=1", "BAR=x")),
    ("sudo env A=1 nice -n 5 timeout 9 nohup git push",
     ("sudo", "env", "nice", "timeout", "nohup"), ("push",), ("A=1",)),
    ("xargs -0 -n 1 -P 4 git push", ("xargs",), ("push",), ()),
    ("xargs -I{} git push origin {}", ("xargs",), ("push", "origin", "{}"), ()),
    ("xargs -I % git push %", ("xargs",), ("push", "%"), ()),
    ("xargs --replace git push {}", ("xargs",), ("push", "{}"), ()),
]


@pytest.mark.parametrize(("line", "wrappers", "args", "assignments"), WRAPPED)
def test_wrappers_are_peeled(line: str, wrappers: tuple[str, ...], args: tuple[str, ...],
                             assignments: tuple[str, ...]) -> None:
    analysis = run(line)
    command = one(analysis, "git")
    assert command.wrappers == wrappers, show(analysis)
    assert command.args == args
    assert command.assignments == assignments


def test_env_and_sudo_chdir_move_the_working_directory() -> None:
    assert one(run("env -C /srv git push"), "git").cwd == "/srv"
    assert one(run("env --chdir=sub git push"), "git").cwd == "/repo/sub"
    assert one(run("sudo -D /opt git push"), "git").cwd == "/opt"


@pytest.mark.parametrize("line", ["command -v git", "command -V git", "sudo -l git push",
                                  "env", "env X=1", "sudo", "nice", "timeout 5",
                                  "ionice -p 123", "time"])
def test_wrappers_that_run_nothing_stay_commands(line: str) -> None:
    analysis = run(line)
    assert len(analysis.commands) == 1, show(analysis)
    assert analysis.commands[0].program == line.split()[0]
    assert "git" not in programs(analysis)


def test_xargs_appends_dynamic_arguments() -> None:
    analysis = run("git branch | xargs git push origin")
    command = one(analysis, "git", "push")
    assert command.depth == 1 and command.via == "xargs"
    assert command.dynamic == DYNAMIC_ARGS
    assert len(command.args) in command.dynamic_args  # appended after the last argument


@pytest.mark.parametrize("line, program", [
    ("cat code | xargs -0 sh -c", "sh"),  # the code is the appended argument
    ("xargs -a cmds.txt bash", "bash"),  # the script's name is
    ("xargs env sh -ec", "sh"),
    ("xargs python3 -c", "python3"),
    ("xargs node", "node"),
])
def test_xargs_appending_the_program_a_shell_or_interpreter_runs_is_dynamic(
        line: str, program: str) -> None:
    assert one(run(line), program).dynamic == DYNAMIC_NAME


@pytest.mark.parametrize("line, program", [
    ("cat code | xargs -a list sh -s", "sh"),  # with -a, the pipe is the command's stdin
    ("cat code | xargs --arg-file=list python3 -", "python3"),
    ("cat code | parallel --pipe python3 -", "python3"),  # blocks of input are its stdin
    ("cat code | xargs deno eval", "deno"),
    ("cat code | xargs pwsh -c", "pwsh"),
    ("cat code | xargs pwsh -Command Write-Output", "pwsh"),  # the rest of the line is code
])
def test_input_that_reaches_a_shell_or_interpreter_as_code_is_dynamic(
        line: str, program: str) -> None:
    assert one(run(line), program).dynamic == DYNAMIC_NAME


@pytest.mark.parametrize("line, program", [
    ("cat code | xargs sh -s", "sh"),  # without -a the command's stdin is /dev/null
    ("xargs -a list sh -s", "sh"),  # nothing is piped in
    ("cat big | parallel --pipe wc -l", "wc"),
    ("ls | xargs deno eval 'console.log(Deno.args)'", "deno"),
])
def test_input_that_is_not_code_keeps_the_command_known(line: str, program: str) -> None:
    assert one(run(line), program).dynamic is None


@pytest.mark.parametrize("line", [
    "BASH_CMDS[git]=/bin/rm; git -rf ~",
    'declare -n r=BASH_CM""DS; r[git]=/bin/rm; git -rf ~',  # quotes split the name
    'x=CMDS; declare -n r=BASH_$x; r[git]=/bin/rm; git -rf ~',
    'declare -n r=BASH_$UNKNOWN; r[git]=/bin/rm; git -rf ~',  # a run-time target
    'declare -n r; r=BASH_CM""DS; r[git]=/bin/rm; git -rf ~',
    'printf -v "BASH_CM""DS[git]" %s /bin/rm; git -rf ~',
    'read -r "BASH_CM""DS[git]" <<< /bin/rm; git -rf ~',
    "printf -v 'BASH_CMDS[ls]' /bin/rm; ls -rf ~",
    "bash -c 'BASH_CMDS[git]=/bin/rm; git -rf ~'",
])
def test_bash_command_table_is_not_followed_but_reported(line: str) -> None:
    assert any(c.dynamic == DYNAMIC_NAME and c.program == "<unanalyzed>"
               for c in run(line).commands)


@pytest.mark.parametrize("line, program", [
    ("cat cmds | xargs sudo", "sudo"),  # a wrapper without its command runs the appended one
    ("cat cmds | xargs env", "env"),
    ("cat cmds | xargs -n1 timeout 5", "timeout"),
    ("cat cmds | xargs watch", "watch"),
    ("cat hosts | xargs ssh prod", "ssh"),
])
def test_xargs_appending_the_command_a_wrapper_runs_is_dynamic(line: str, program: str) -> None:
    assert one(run(line), program).dynamic == DYNAMIC_NAME


@pytest.mark.parametrize("line", ["cat cmds | xargs -I{} {}", "cat cmds | xargs -I{} sudo {}",
                                  "cat cmds | xargs -I % env % x"])
def test_xargs_replacement_as_the_command_name_is_dynamic(line: str) -> None:
    assert any(c.dynamic == DYNAMIC_NAME for c in run(line).commands)


@pytest.mark.parametrize("line, program", [
    ("xargs sh -c 'echo \"$@\"' _", "sh"),  # appended words are the script's arguments
    ("xargs bash -s", "bash"),  # the script is xargs' standard input (not the pipe's)
    ("xargs python3 tools/check.py", "python3"),
])
def test_xargs_appending_arguments_to_a_known_program_is_not_dynamic(
        line: str, program: str) -> None:
    assert one(run(line), program).dynamic is None


def test_fish_text_is_read_as_bash_only_when_plain() -> None:
    assert one(run("fish -c 'git push'"), "fish").dynamic is None
    assert one(run("fish -c 'git push'"), "git", "push").via == "fish -c"
    # fish reads `\'` inside single quotes as a quote: bash's reading would miss the rm
    tricky = run("fish -c \"echo 'a\\' 'b; rm -rf ~; echo \\'\"")
    assert one(tricky, "fish").dynamic == DYNAMIC_NAME
    assert one(run("csh -c 'echo !$'"), "csh").dynamic == DYNAMIC_NAME
    # an unquoted `?` is a letter to fish; a glob matching nothing fails in csh
    assert one(run("fish -c 'rm -f a?'"), "fish").dynamic == DYNAMIC_NAME
    assert one(run("tcsh -c 'ls *.py'"), "tcsh").dynamic == DYNAMIC_NAME
    assert one(run("fish -c \"echo '*'\""), "fish").dynamic is None


@pytest.mark.parametrize("line", [
    "hash -p /bin/rm git; git -rf ~",
    "hash -p/bin/rm git; git -rf ~",
    "hash -t -p /bin/rm ls git; git -rf ~",
    "hash -p /bin/rm git; command git -rf ~",  # the table holds after command, exec, time
    "hash -p /bin/rm git; exec git -rf ~",
    "hash -p /bin/rm git; time git -rf ~",
])
def test_hash_p_makes_a_name_run_that_path(line: str) -> None:
    rm = one(run(line), "rm")
    assert rm.args == ("-rf", HOME)


def test_hash_p_with_a_run_time_path_makes_the_name_dynamic() -> None:
    analysis = run('hash -p "$X" git; git status')
    assert any(c.dynamic == DYNAMIC_NAME for c in analysis.commands[1:])


@pytest.mark.parametrize("line", [
    "timeout --sig KILL 5 rm -rf /", "timeout --kill 1 5 rm -rf /", "nice --adj 5 rm -rf /",
    "env --split 'rm -rf /'", "env --ch / rm -rf /", "stdbuf --out L rm -rf /",
    "sudo --us root rm -rf /",
])
def test_abbreviated_long_options_are_read_as_getopt_long_reads_them(line: str) -> None:
    assert one(run(line), "rm").args[-1] == "/"  # GNU tools take any unambiguous prefix


@pytest.mark.parametrize("line", [
    "echo x | xargs -I{} watch {}", "echo x | xargs -I{} su -c {}", "fd -x su -c {}",
    "find . -exec su -c {} \\;", "cat x | xargs -0 watch -x sh -c",
    "cat x | xargs -0 tmux new-session -d sh -c", "echo x | xargs -I{} watch -x sh -c {}",
    "cat x | xargs -0 hyperfine true", "cat x | xargs -0 watch echo",
    "echo x | xargs -I{} python3 -c {}", "fd -x python3 -c {/}", "ls | xargs -I{} bash {}",
])
def test_what_xargs_fd_or_find_put_in_is_a_run_time_value_through_launchers(line: str) -> None:
    assert any(c.dynamic == DYNAMIC_NAME for c in run(line).commands), show(run(line))


@pytest.mark.parametrize("line", [
    "fish --command 'rm -rf /'", "fish --command='rm -rf /'", "fish -C 'rm -rf /' -c true",
    "fish --init-command='rm -rf /' -c true", "fish -C'rm -rf /'",
])
def test_fish_code_given_in_options_is_read(line: str) -> None:
    assert one(run(line), "rm").args == ("-rf", "/")


@pytest.mark.parametrize("line, program", [
    ("grm -rf /", "rm"), ("gtimeout 5 rm -rf /", "rm"), ("genv rm -rf /", "rm"),
    ("gfind / -delete", "find"), ("gxargs rm", "rm"),
])
def test_homebrews_g_prefixed_gnu_tools_are_the_tools(line: str, program: str) -> None:
    assert program in programs(run(line))


@pytest.mark.parametrize("line", [
    "echo x | xargs -J % sh -c %",  # BSD xargs: -J and -R take values
    "echo x | xargs -R 1 -I{} sh -c {}",
])
def test_bsd_xargs_options_with_values_are_read(line: str) -> None:
    assert one(run(line), "sh").dynamic == DYNAMIC_NAME


@pytest.mark.parametrize("line", ["=rm -rf /", "zsh -c '=rm -rf /'"])
def test_zshs_equals_expansion_names_the_program(line: str) -> None:
    assert one(run(line), "rm").args == ("-rf", "/")  # zsh runs `=rm` as rm


@pytest.mark.parametrize("line, read", [
    ("echo ~/.ssh/id_rsa | xargs cat", f"{HOME}/.ssh/id_rsa"),
    ("printf '%s\\n' a.txt .env | xargs -d '\\n' cat", f"{CWD}/.env"),
    ("echo '\"id rsa\"' | xargs -0 cat", f"{CWD}/id rsa"),  # quotes xargs would remove
    ("printf 'a,.env' | xargs -d , -n1 head", f"{CWD}/.env"),
])
def test_xargs_known_input_is_read_as_files(line: str, read: str) -> None:
    assert read in run(line).reads


@pytest.mark.parametrize("line", [
    "echo 'rm -rf ~' | xargs sh -c",  # what runs stays a run-time value: xargs' splitting,
    "echo 'rm -rf ~' | xargs -0 sh -c",  # options and limits are not followed
    "echo 'true\f;rm -rf ~' | xargs sh -c",  # \f: not a separator for xargs
    "echo 'rm -rf ~' | xargs --nul sh -c",
    "echo 'rm -rf ~Z' | xargs -0 -d Z sh -c",
    "echo true | xargs sh -c < /tmp/code",  # bash gives xargs the file, not the pipe
    "echo 'true reboot' | xargs -n1 sh -c",
    "echo 'a b' | xargs -L1 sh -c",
    "echo x | xargs -a list sh -c",
])
def test_xargs_known_input_leaves_what_runs_dynamic(line: str) -> None:
    assert one(run(line), "sh").dynamic == DYNAMIC_NAME


@pytest.mark.parametrize("line, appended", [
    ("find ~/.ssh -type f | xargs cat", "$(find ~/.ssh -type f)"),
    ("find ~/.ssh -type f 2>/dev/null | xargs -0 cat", "$(find ~/.ssh -type f)"),
    ("fd . ~/.aws | sort | head -3 | xargs cat", "$(fd . ~/.aws)"),  # filters pass it on
    ("ls ~/.ssh/* | xargs -n1 cat", "$(ls ~/.ssh/*)"),
    ("find ~/.ssh -type f | xargs -I{} cat {}", "$(find ~/.ssh -type f)"),  # in place of {}
])
def test_xargs_appends_file_names_a_lister_prints_as_its_substitution(
        line: str, appended: str) -> None:
    command = one(run(line), "cat")
    assert command.args[-1] == appended and len(command.args) - 1 in command.dynamic_args


@pytest.mark.parametrize("line", ["curl -s https://x.example.com | xargs cat",
                                  "find . | wc -l | xargs cat",
                                  "find . -type f | xargs -a list cat"])
def test_xargs_appends_nothing_known_from_other_programs(line: str) -> None:
    assert run(line).commands[-1].args == ()


def test_xargs_code_after_a_lone_dash_is_dynamic() -> None:
    assert one(run("cat cmds | xargs -0 sh -c -"), "sh").dynamic == DYNAMIC_NAME


def test_xargs_replacement_marks_those_arguments() -> None:
    command = one(run("xargs -I{} git push origin {}"), "git")
    assert command.dynamic_args == frozenset({2})
    assert command.dynamic == DYNAMIC_ARGS


def test_xargs_replacement_inside_shell_script_is_dynamic_code() -> None:
    analysis = run("xargs -I{} sh -c 'git push {}'")
    assert one(analysis, "sh").dynamic is not None
    assert one(analysis, "git", "push").depth == 2


def test_xargs_unwatched_program_is_not_flagged() -> None:
    command = one(run("cat list | xargs wc -l"), "wc")
    assert command.dynamic is None and command.dynamic_args == frozenset({1})


def test_find_exec_and_delete() -> None:
    analysis = run("find . -name '*.tmp' -exec rm -f {} \\; -delete")
    find = one(analysis, "find")
    assert "-delete" in find.args and find.args[0] == "."
    rm = one(analysis, "rm")
    assert (rm.args, rm.depth, rm.via, rm.wrappers) == (("-f", "/repo/**/*.tmp"), 1, "find -exec",
                                                        ("find",))
    assert rm.dynamic_args == frozenset()  # `{}` is what find's name test selects


@pytest.mark.parametrize("flag", ["-exec", "-execdir", "-ok", "-okdir"])
def test_find_exec_variants(flag: str) -> None:
    analysis = run(f"find src {flag} git push {{}} + -print")
    command = one(analysis, "git", "push")
    assert command.via == f"find {flag}"


def test_find_multiple_execs() -> None:
    analysis = run("find . -exec git add {} \\; -exec git push \\;")
    assert [c.subcommand for c in analysis.commands if c.program == "git"] == ["add", "push"]


def test_find_delete_alone_is_reported() -> None:
    analysis = run("find / -delete")
    assert programs(analysis) == ["find"]
    assert analysis.commands[0].args == ("/", "-delete")


def test_watch_joins_words_into_a_shell_line() -> None:
    analysis = run("watch -n 5 git push '&&' echo done")
    assert programs(analysis) == ["watch", "git", "echo"]
    assert one(analysis, "git").via == "watch"


# program spelled with quotes or escapes -> always `git push`
QUOTED_NAMES = ["g\\it push", "'git' push", "gi''t push", '"g"it push', 'git "pu"sh',
                "$'git' push", "$'\\x67it' push", "$'\\147it' push", "/usr/bin/git push",
                "./git push", "../bin/git push", "\\git push", "git pu\\sh", "git pu''sh",
                "GIT push", "git.exe push", "git pu{sh,}"]


@pytest.mark.parametrize("line", QUOTED_NAMES)
def test_quote_and_escape_removal(line: str) -> None:
    analysis = run(line)
    command = one(analysis, "git")
    assert command.args[:1] == ("push",), show(analysis)
    assert command.dynamic is None


def test_brace_expansion_makes_several_words() -> None:
    assert one(run("g{i,}t push"), "git").args == ("gt", "push")
    assert one(run("echo a{1..3}b '{x,y}'"), "echo").args == ("a1b", "a2b", "a3b", "{x,y}")


def test_argv_keeps_the_program_as_written() -> None:
    command = one(run("/usr/bin/git push"), "git")
    assert command.argv == ("/usr/bin/git", "push")


def test_quoted_arguments() -> None:
    command = one(run("""git commit -m "it's \\"fine\\"" -m 'a b' -m $'x\\ny' -m a\\ b"""), "git")
    assert command.args == ("commit", "-m", 'it\'s "fine"', "-m", "a b", "-m", "x\ny", "-m",
                            "a b")


def test_home_expansion_only_with_home() -> None:
    assert one(run('cat "$HOME/x" ~/y ${HOME}/z'), "cat").args == ("/home/u/x", "/home/u/y",
                                                            "/home/u/z")
    command = one(run('cat "$HOME/x"', home=None), "cat")
    assert command.dynamic_args == frozenset({0})


def test_quoted_tilde_is_not_expanded() -> None:
    assert one(run("cat '~/x'"), "cat").args == ("~/x",)


def test_other_tilde_prefixes_expand_as_bash_expands_them() -> None:
    # ~+ is $PWD and ~- is $OLDPWD, also when the line changed them; read plainly or parsed
    assert one(run("cat ~+/.aws/credentials", cwd="/home/u"), "cat").args == (
        "/home/u/.aws/credentials",)
    assert one(run("cd /etc && cat ~-/x ~+/y"), "cat").args == (f"{CWD}/x", "/etc/y")
    assert one(run('x=~+/a; cat "$x"'), "cat").args == (f"{CWD}/a",)
    root = pwd.getpwuid(0)
    assert one(run(f"cat ~{root.pw_name}/k"), "cat").args == (f"{root.pw_dir}/k",)


@pytest.mark.parametrize("line", ["cat ~-/x", "cat ~2/x", "cat ~+1/x", 'cat ~+"/x"'])
def test_tilde_prefixes_the_line_cannot_tell_are_dynamic(line: str) -> None:
    assert one(run(line), "cat").dynamic_args == frozenset({0}), line


def test_tilde_of_no_such_user_stays_as_written() -> None:
    command = one(run("cat ~no-such-user-here/x"), "cat")
    assert command.args == ("~no-such-user-here/x",) and not command.dynamic_args


# line -> (args, cwd)
GLOBALS = [
    ("git -C sub push", ("push",), "/repo/sub"),
    ("git -C a -C b push", ("push",), "/repo/a/b"),
    ("git -c user.name=x -c color.ui=auto push", ("push",), "/repo"),
    ("git --git-dir=.git --work-tree w push", ("push",), "/repo"),
    ("git --git-dir .git push", ("push",), "/repo"),
    ("git --no-pager -p -P --paginate push", ("push",), "/repo"),
    ("git --exec-path=/x --bare --no-replace-objects --literal-pathspecs push", ("push",),
     "/repo"),
    ("git --namespace ns --config-env k=V push", ("push",), "/repo"),
    ("terraform -chdir=infra apply", ("apply",), "/repo/infra"),
    ("tofu -chdir=infra destroy", ("destroy",), "/repo/infra"),
    ("terraform -version", ("-version",), "/repo"),
    ("terraform -help", ("-help",), "/repo"),
    ("terragrunt --terragrunt-working-dir live --terragrunt-non-interactive apply", ("apply",),
     "/repo/live"),
    ("terragrunt --terragrunt-config x.hcl run-all destroy", ("run-all", "destroy"), "/repo"),
    ("kubectl -n prod --context c --kubeconfig k delete pod x", ("delete", "pod", "x"), "/repo"),
    ("kubectl --namespace=prod -v 9 -s https://h --user u --token t apply -f x",
     ("apply", "-f", "x"), "/repo"),
    ("kubectl -nprod --cluster c delete ns x", ("delete", "ns", "x"), "/repo"),
    ("helm -n x --kube-context c --debug uninstall r", ("uninstall", "r"), "/repo"),
    ("helm --namespace x upgrade r chart", ("upgrade", "r", "chart"), "/repo"),
    ("docker -H tcp://x --context c --config d -D -l debug push img", ("push", "img"), "/repo"),
    ("gh -R o/r pr merge 1", ("pr", "merge", "1"), "/repo"),
    ("gh --repo o/r release create v1", ("release", "create", "v1"), "/repo"),
    ("npm --prefix web publish", ("publish",), "/repo/web"),
    ("npm -w pkg publish", ("publish",), "/repo"),
    ("npm --workspace pkg publish", ("publish",), "/repo"),
    ("pnpm -C web publish", ("publish",), "/repo/web"),
    ("pnpm -w publish", ("publish",), "/repo"),
    ("yarn --cwd web publish", ("publish",), "/repo/web"),
    ("aws --profile p --region r --output json --endpoint-url http://x --no-cli-pager --debug "
     "s3 rm s3://b/k", ("s3", "rm", "s3://b/k"), "/repo"),
    ("gcloud --project p --account a --quiet compute instances delete vm",
     ("compute", "instances", "delete", "vm"), "/repo"),
    ("az --subscription s -o json group delete -n g", ("group", "delete", "-n", "g"), "/repo"),
    ("pulumi -C stack up", ("up",), "/repo/stack"),
    ("cargo +nightly publish", ("publish",), "/repo"),
]


@pytest.mark.parametrize(("line", "args", "cwd"), GLOBALS)
def test_program_global_options(line: str, args: tuple[str, ...], cwd: str) -> None:
    analysis = run(line)
    assert len(analysis.commands) == 1, show(analysis)
    command = analysis.commands[0]
    assert command.args == args
    assert command.cwd == cwd
    assert command.argv == tuple(line.split())


def test_dynamic_global_option_value_makes_watched_command_dynamic() -> None:
    analysis = run('git -C "$DIR" push')
    command = one(analysis, "git")
    assert command.args == ("push",)
    assert command.dynamic == DYNAMIC_ARGS
    assert analysis.dynamic


def test_git_alias_from_command_line_is_reported_next_to_git() -> None:
    analysis = run("git -C sub -c alias.ship='push --force' ship origin")
    assert [c.args for c in analysis.commands] == [("ship", "origin"),
                                                   ("push", "--force", "origin")]
    assert analysis.commands[1].via == "git alias"
    assert analysis.commands[1].cwd == "/repo/sub"
    # git's own commands win over aliases: this still pushes
    analysis = run("git -c alias.push=status push")
    assert one(analysis, "git", "push").depth == 0


@pytest.mark.parametrize("line", [
    "coproc { git push; }", "coproc X { git push; }", "coproc { echo; git push; }",
    "coproc git push", "coproc NAME { git push origin main; }",
])
def test_a_coprocess_group_runs_what_is_in_it(line: str) -> None:
    assert has_git_push(run(line))


def test_a_coprocess_of_a_simple_command_runs_its_first_word() -> None:
    assert one(run("coproc X git push"), "x").args == ("git", "push")  # (bash runs `X`)
