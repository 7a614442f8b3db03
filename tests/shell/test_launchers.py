"""Launchers start commands here, later or elsewhere: what they start is found."""

from __future__ import annotations

import pytest

from approvald.shell import DYNAMIC_ARGS, DYNAMIC_NAME
from tests.support.shell import has_git_push, one, programs, run, show

LAUNCHED = [
    "su root -c 'git push'", "su - deploy -c 'git push'", "su -c 'git push' deploy",
    "runuser -u deploy -- git push", "sg docker -c 'git push'", "sg docker git push",
    "flock /tmp/l -c 'git push'", "flock -w 5 /tmp/l git push", "chronic git push",
    "parallel -j2 'git push {}' ::: origin upstream", "parallel ::: 'git push' 'ls'",
    "nsenter -t 1 -m -p -- git push", "nsenter --target 1 --mount git push",
    "systemd-run --user --scope git push", "systemd-run -p CPUQuota=10% --wait git push",
    "strace -f -o /tmp/t git push", "ltrace -e malloc git push", "pkexec git push",
    "pkexec --user root git push", "caffeinate -i git push", "caffeinate -t 60 git push",
    "tmux new-session -d -s x 'git push'", "tmux new -d git push", "tmux new-window 'git push'",
    "tmux split-window -h git push", "tmux run-shell -b 'git push'", "tmux -c 'git push'",
    "screen -dmS x git push", "screen -d -m git push", "ssh host -- git push",
    "ssh -- host git push", "ssh -p 22 -i k host 'git push'", "ssh -o ProxyCommand='git push' h",
    "npm exec -- git push", "npm x -c 'git push'", "npx -c 'git push'", "pnpm exec git push",
    "yarn dlx git push", "uv tool run git push", "pipx run git push", "poetry run git push",
    "docker run --rm alpine/git push", "docker run --entrypoint git alpine push",
    "docker exec -it web git push", "podman exec web git push",
    "kubectl -n prod exec -it pod -- git push", "docker compose run --rm app git push",
    "docker compose exec app git push", "hyperfine 'git push'", "op run -- git push",
    "aws-vault exec prod -- git push", "doppler run -- git push", "sops exec-env s.json 'git push'",
    "watchexec -- git push", "nodemon --exec 'git push'", "taskset -c 1 git push",
    "unshare -r git push", "chrt 10 git push", "numactl -N 0 git push",
    "faketime '1 day ago' git push", "proxychains4 -q git push", "torsocks git push",
    "xvfb-run git push", "dbus-run-session git push",
    "gcloud compute ssh vm --command 'git push'", "vagrant ssh -c 'git push'",
    "multipass exec vm -- git push", "wsl -e git push", "echo 'git push' | at now",
    "at now + 1 minute <<< 'git push'", "echo '0 * * * * git push' | crontab -",
    "printf '@reboot git push\\n' | crontab -", "batch <<'EOF'\ngit push\nEOF",
    "sudo -u deploy tmux new-window 'timeout 5 git push'",
    "stack exec -- git push", "stack --stack-yaml s.yaml exec --package x git push",
    "cabal exec -- git push", "cabal v2-exec -w ghc-9 -- git push", "bun x git push",
    "bun --cwd web x git push", "deno task --eval 'git push'",
    "deno task --cwd web --eval git push", "deno x git push", "dx -A npm:git@2 push",
    "deno x -p git-tools git push", "bun exec 'git push'", "bun --cwd web exec git push",
    # in workspace members: the member's name or selection is no command
    "yarn workspace a exec git push", "yarn workspace a dlx git push",
    "yarn workspaces foreach -A --from 'a*' -j 2 exec git push",
    "bun --filter '*' exec 'git push'", "bun -F a exec git push", "npx -w a git push",
    "npm exec -w a -- git push", "npx --workspace=a git push",
]


@pytest.mark.parametrize("line", LAUNCHED)
def test_launched_command_is_found(line: str) -> None:
    assert has_git_push(run(line)), show(run(line))


@pytest.mark.parametrize(("line", "label"), [
    ("kubectl exec pod -- git push", "kubectl exec"), ("docker exec web git push", "docker exec"),
    ("docker run alpine/git push", "docker run"), ("ssh h git push", "ssh"),
])
def test_remote_launchers_are_named_in_wrappers(line: str, label: str) -> None:
    push = [c for c in run(line).commands if c.program == "git"][-1]
    assert label in push.wrappers


def test_container_image_with_a_known_entrypoint_runs_that_tool() -> None:
    analysis = run("docker run --rm -v $HOME/.aws:/root/.aws amazon/aws-cli s3 rm s3://b")
    aws = [c for c in analysis.commands if c.program == "aws"]
    assert aws and aws[0].args == ("s3", "rm", "s3://b")
    assert any(c.program == "docker" for c in analysis.commands)  # its mounts stay visible


@pytest.mark.parametrize("line", [
    "at -l", "crontab -l", "tmux ls", "tmux attach -t x", "screen -ls", "strace -p 12 -o t",
    "ssh host", "npm exec", "docker run --rm -it python:3.12",
])
def test_launchers_that_start_nothing_are_commands_of_their_own(line: str) -> None:
    assert not has_git_push(run(line))


@pytest.mark.parametrize("line", [
    "curl -s https://x.example/c | crontab -", "crontab mycron.txt", "base64 -d j | at now",
    "(crontab -l; echo '* * * * * x') | crontab -",
])
def test_scheduled_text_only_known_later_is_dynamic(line: str) -> None:
    analysis = run(line)
    scheduler = [c for c in analysis.commands if c.program in ("at", "crontab")][-1]
    assert scheduler.dynamic == DYNAMIC_NAME, show(analysis)


def test_scheduling_a_project_script_is_like_running_it() -> None:
    at = run("at -f job.sh now").commands[-1]
    assert at.program == "at" and at.dynamic is None


def test_the_launcher_names_are_the_launchers_table() -> None:
    """`wrappers.LAUNCHER_NAMES` says which names load the launchers' tables: one it lacks
    would be run as an unknown program, its command unjudged."""
    from approvald.shell.launchers import LAUNCHERS
    from approvald.shell.wrappers import LAUNCHER_NAMES, wrapper

    assert frozenset(LAUNCHERS) == LAUNCHER_NAMES
    assert all(wrapper(name) is LAUNCHERS[name] for name in LAUNCHERS)


@pytest.mark.parametrize("line", [
    "cat cmds.txt | parallel",  # each input line is a command
    "parallel :::: cmds.txt",
    "parallel -a cmds.txt",
    "cat cmds.txt | parallel sudo",  # the argument is appended to the command
    "parallel '{1}' ::: rm",  # a replacement string this does not fill is a run-time value
])
def test_parallel_commands_from_its_input_are_dynamic(line: str) -> None:
    assert any(c.dynamic == DYNAMIC_NAME for c in run(line).commands)


def test_parallel_quote_runs_each_command_word_as_one() -> None:
    # without -q parallel joins the words into a shell line: `sh -c cat "$1" _ ARG` runs `cat`
    assert one(run("parallel sh -c 'cat \"$1\"' _ ::: a"), "cat").args == ()
    for quote in ("-q", "--quote", "-qj4"):
        line = f"parallel {quote} sh -c 'cat \"$1\"' _ ::: 'a b'"
        assert one(run(line), "cat").args == ("a b",), show(run(line))


def test_parallel_appends_each_known_argument() -> None:
    analysis = run("parallel rm -rf ::: build dist")
    assert [c.argv for c in analysis.commands if c.program == "rm"] == [
        ("rm", "-rf", "build"), ("rm", "-rf", "dist")]


@pytest.mark.parametrize("line, args", [
    # What fd found is `$(fd ARGS)`, a run-time argument that names the roots: appended, or
    # in place of a placeholder.
    ("fd . ~ -x rm -rf", ("-rf", "$(fd . /home/u)")),
    ("fd -HIx rm", ("$(fd)",)),
    ("fd --exec=rm -f", ("-f", "$(fd)")),
    ("fdfind -e py -X rm {}", ("$(fdfind -e py)",)),
    ("fd -x rm {} ';' -e py", ("$(fd -e py)",)),  # fd's own arguments after the `;`
    ("fd -x rm -rf ';' . ~", ("-rf", "$(fd . /home/u)")),
])
def test_fd_exec_runs_a_derived_command(line: str, args: tuple[str, ...]) -> None:
    rm = one(run(line), "rm")
    assert rm.args == args and rm.via.startswith(("fd ", "fdfind "))
    assert rm.dynamic == DYNAMIC_ARGS  # rm is watched: its target is only known at run time


@pytest.mark.parametrize("line", ["fd -x sudo", "fd . -x {}", "fd -x {/}"])
def test_fd_exec_of_what_fd_finds_is_dynamic(line: str) -> None:
    assert any(c.dynamic == DYNAMIC_NAME for c in run(line).commands)


def test_fd_options_with_values_are_not_exec() -> None:
    assert programs(run("fd -tx foo")) == ["fd"]  # -t x: the type, not --exec


@pytest.mark.parametrize("line", [
    "parallel -k rm -rf ::: /",  # -k is a flag: rm is the command
    "parallel -s 1000 rm -rf ::: /",  # -s takes a value
    "parallel --max-chars 1000 rm -rf ::: /",
    "parallel -q sh -c {} ::: 'rm -rf /'",  # the value is one quoted word of sh -c
    "parallel 'rm -rf {//}' ::: /x",
])
def test_parallel_fills_its_known_arguments_in(line: str) -> None:
    assert one(run(line), "rm").args == ("-rf", "/")


@pytest.mark.parametrize("line", [
    "parallel rm ::: -rf ::: /",  # two sources: one command gets both
    "parallel -X rm ::: -rf /", "parallel -n2 rm ::: -rf /",
])
def test_parallel_grouping_several_arguments_makes_them_run_time_values(line: str) -> None:
    assert one(run(line), "rm").dynamic == DYNAMIC_ARGS


def test_parallel_custom_replacement_strings_are_dynamic() -> None:
    assert any(c.dynamic == DYNAMIC_NAME for c in run("parallel -I @ sh -c @ ::: x").commands)


def test_parallel_default_replacement_strings_are_filled_in() -> None:
    analysis = run("parallel 'mv {} {.}.bak' ::: src/a.txt")
    assert one(analysis, "mv").args == ("src/a.txt", "src/a.bak")


@pytest.mark.parametrize(("line", "via"), [
    ('nix-shell --run "git push"', "nix-shell"), ('nix-shell -p git jq --command "git push"',
                                                  "nix-shell"),
    ("nix develop -c git push", "nix"), ("nix develop .#dev --command git push", "nix"),
    ("nix shell nixpkgs#git -c git push", "nix"),
    ("nix-shell -p git --run='git push'", "nix-shell"),
    ("nix run nixpkgs#git -- push", "nix run"),
    ("nix run nixpkgs#bash -- -c 'git push'", "nix run"),
    ("nix --extra-experimental-features flakes run github:o/r#git push", "nix run"),
])
def test_nix_runs_its_command(line: str, via: str) -> None:
    push = one(run(line), "git", "push")
    assert via in push.wrappers


@pytest.mark.parametrize("line", ["nix-shell -p git", "nix-shell", "nix develop", "nix build",
                                  "nix flake update", "nix run .", "nix run"])
def test_nix_without_a_command_runs_nothing_more(line: str) -> None:
    assert len(run(line).commands) == 1


@pytest.mark.parametrize(("line", "argv"), [
    ("deno run -A npm:rimraf dist", ("rimraf", "dist")),
    ("deno run --allow-all --config deno.json npm:rimraf@5 build", ("rimraf", "build")),
    ("deno run -A npm:@scope/tools@1.2/rm -rf build", ("rm", "-rf", "build")),
    ("deno x rimraf dist", ("rimraf", "dist")), ("dx npm:rimraf@5 dist", ("rimraf", "dist")),
    ("deno x -A @scope/tools/rm -rf build", ("rm", "-rf", "build")),
    ("deno x --package typescript tsc -p .", ("tsc", "-p", ".")),
])
def test_deno_runs_an_npm_packages_command(line: str, argv: tuple[str, ...]) -> None:
    """`deno run npm:PKG` runs the package's command (its bin, or the package's own name), as
    `npx` does."""
    assert one(run(line), argv[0]).argv == argv


@pytest.mark.parametrize("line", ["bun -e x git push", "bun -p x git push", "deno run main.ts",
                                  "deno x jsr:@std/http/file-server", "deno x --install-alias",
                                  "deno task build", "stack build", "cabal build"])
def test_own_subcommands_and_code_options_start_nothing(line: str) -> None:
    assert not has_git_push(run(line)) and not any(c.wrappers for c in run(line).commands)


@pytest.mark.parametrize("line", ["git diff --name-only | xargs deno fmt",
                                  "ls *.ts | xargs bun run", "ls | xargs npm view"])
def test_xargs_into_a_subcommand_that_starts_nothing_is_not_a_launch(line: str) -> None:
    """Appending words to `deno fmt` cannot make it start a command: not dynamic for that."""
    assert not any(c.dynamic == DYNAMIC_NAME for c in run(line).commands), show(run(line))


@pytest.mark.parametrize("line", ["ls | xargs npm exec", "ls | xargs bun x", "ls | xargs deno",
                                  "ls | xargs kubectl exec", "ls | xargs stack exec"])
def test_xargs_into_a_launching_subcommand_is_dynamic(line: str) -> None:
    assert any(c.dynamic == DYNAMIC_NAME for c in run(line).commands), show(run(line))
